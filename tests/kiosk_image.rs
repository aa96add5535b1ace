//! Static checks of the kiosk OS image recipe (`kiosk-image/`): the systemd
//! units parsed key by key and passed through `systemd-analyze verify` (against this
//! host's systemd units, in a scratch root), the udev rules' syntax and names, the shipped
//! configuration loaded by the app's own loader, and the shell scripts through `bash -n`
//! and shellcheck (when installed). Fast and offline; the real build and its chroot smoke
//! test are `kiosk-image/smoke-test.sh` (downloads Debian packages, takes minutes).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn image_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("kiosk-image")
}

fn rootfs(rel: &str) -> PathBuf {
    image_dir().join("rootfs").join(rel)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A systemd unit file (or drop-in): sections in order, each a list of `Key=Value`
/// entries (keys may repeat). Continuation lines (trailing `\`) are joined.
#[derive(Debug)]
struct Unit {
    sections: Vec<(String, Vec<(String, String)>)>,
}

impl Unit {
    /// Parse systemd's ini dialect strictly: every line is blank, a comment (`#`, `;`), a
    /// `[Section]` header or `Key=Value` with a key of letters and digits.
    fn parse(text: &str) -> Result<Unit, String> {
        let mut sections: Vec<(String, Vec<(String, String)>)> = Vec::new();
        let mut logical = String::new();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if logical.is_empty() && (line.is_empty() || line.starts_with(['#', ';'])) {
                continue;
            }
            if let Some(head) = line.strip_suffix('\\') {
                logical.push_str(head);
                logical.push(' ');
                continue;
            }
            logical.push_str(line);
            let entry = std::mem::take(&mut logical);
            if let Some(name) = entry.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
                if !["Unit", "Service", "Install"].contains(&name) {
                    return Err(format!("line {}: unexpected section [{name}]", n + 1));
                }
                sections.push((name.to_string(), Vec::new()));
                continue;
            }
            let (key, value) = entry
                .split_once('=')
                .ok_or_else(|| format!("line {}: not Key=Value: {entry:?}", n + 1))?;
            let key = key.trim();
            if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(format!("line {}: bad key {key:?}", n + 1));
            }
            let Some((_, entries)) = sections.last_mut() else {
                return Err(format!("line {}: {key}= before any [Section]", n + 1));
            };
            entries.push((key.to_string(), value.trim().to_string()));
        }
        if !logical.is_empty() {
            return Err("file ends in a continuation line".into());
        }
        Ok(Unit { sections })
    }

    fn load(path: &Path) -> Unit {
        Unit::parse(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Every value of `key` in `section`, in order.
    fn all(&self, section: &str, key: &str) -> Vec<&str> {
        self.sections
            .iter()
            .filter(|(s, _)| s == section)
            .flat_map(|(_, e)| e.iter())
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The effective value of a single-valued key (the last one wins, as in systemd).
    fn get(&self, section: &str, key: &str) -> Option<&str> {
        self.all(section, key).last().copied()
    }

    /// Space-separated words of every value of a list-valued key.
    fn words(&self, section: &str, key: &str) -> BTreeSet<&str> {
        self.all(section, key)
            .into_iter()
            .flat_map(str::split_whitespace)
            .collect()
    }
}

fn unit(name: &str) -> Unit {
    Unit::load(&rootfs(&format!("etc/systemd/system/{name}")))
}

/// systemd time span in seconds (`30`, `30s`, `1min`, `1min 30s`).
fn seconds(span: &str) -> u64 {
    let mut total = 0;
    for part in span.split_whitespace() {
        let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
        let n: u64 = digits
            .parse()
            .unwrap_or_else(|_| panic!("time span {span:?}"));
        total += match &part[digits.len()..] {
            "" | "s" | "sec" => n,
            "min" | "m" => n * 60,
            "h" => n * 3600,
            other => panic!("time span {span:?}: unit {other:?}"),
        };
    }
    total
}

#[test]
fn unit_parser_rejects_what_systemd_would_not_read() {
    assert!(Unit::parse("[Service]\nType=notify\n").is_ok());
    assert!(
        Unit::parse("Type=notify\n").is_err(),
        "key before a section"
    );
    assert!(Unit::parse("[Service]\nType notify\n").is_err(), "no =");
    assert!(
        Unit::parse("[Servce]\nType=notify\n").is_err(),
        "unknown section"
    );
    assert!(
        Unit::parse("[Service]\nExec-Start=/bin/true\n").is_err(),
        "bad key"
    );
    let u =
        Unit::parse("[Service]\nExecStart=/bin/a \\\n  --b\nEnvironment=A=1\nEnvironment=B=2\n")
            .unwrap();
    assert_eq!(u.get("Service", "ExecStart"), Some("/bin/a  --b"));
    assert_eq!(u.all("Service", "Environment"), ["A=1", "B=2"]);
    assert_eq!(seconds("1min 30s"), 90);
}

#[test]
fn manassa_service_is_a_watched_hardened_kiosk_app() {
    let u = unit("manassa.service");
    let s = |k| u.get("Service", k);
    assert_eq!(s("Type"), Some("notify"), "the app signals READY=1");
    let watchdog = seconds(s("WatchdogSec").expect("WatchdogSec="));
    assert!((5..=60).contains(&watchdog), "WatchdogSec={watchdog}");
    assert_eq!(s("Restart"), Some("on-failure"));
    assert!(
        s("NotifyAccess").is_none_or(|v| v == "main"),
        "pings come from the main process"
    );
    assert_eq!(s("ProtectSystem"), Some("strict"));
    assert_eq!(s("PrivateTmp"), Some("yes"));
    assert_eq!(s("NoNewPrivileges"), Some("yes"));
    // `yes` also hides /run/user and cage's socket with it: the screen stayed black.
    assert_eq!(s("ProtectHome"), Some("tmpfs"));
    assert!(u.words("Service", "BindPaths").contains("/run/user/1000"));
    for dep in ["Wants", "After"] {
        assert!(
            u.words("Unit", dep)
                .contains("user-runtime-dir@1000.service"),
            "{dep}= lacks user-runtime-dir@1000.service"
        );
    }
    assert_eq!(s("User"), Some("kiosk"));
    let groups = u.words("Service", "SupplementaryGroups");
    for g in ["dialout", "lp"] {
        assert!(
            groups.contains(g),
            "SupplementaryGroups lacks {g}: {groups:?}"
        );
    }
    assert_eq!(
        s("ExecStart"),
        Some("/usr/bin/manassa run --config /etc/manassa/manassa.toml")
    );
    // Writable: the data partition only (plus the session's runtime folder).
    let rw = u.words("Service", "ReadWritePaths");
    assert!(rw.contains("/var/lib/manassa"), "{rw:?}");
    assert!(
        rw.iter().all(
            |p| p.trim_start_matches('-').starts_with("/var/lib/manassa")
                || p.trim_start_matches('-').starts_with("/run/user/")
        ),
        "unexpected writable path in {rw:?}"
    );
    assert!(
        u.words("Unit", "RequiresMountsFor")
            .contains("/var/lib/manassa"),
        "must not start without the data partition"
    );
    // Options that would hide the serial devices from the app.
    for hiding in ["PrivateDevices", "DevicePolicy", "ProtectClock"] {
        assert!(s(hiding).is_none(), "{hiding}= hides /dev/manassa/*");
    }
    // Offline is a normal state: never wait for the network before showing the kiosk.
    for dep in ["After", "Wants", "Requires"] {
        assert!(
            !u.words("Unit", dep).contains("network-online.target"),
            "{dep}=network-online.target delays the kiosk by minutes when offline"
        );
    }
    // Bound to the compositor on tty1, pulled in by the graphical target.
    assert!(u.words("Unit", "BindsTo").contains("cage@tty1.service"));
    assert!(u.words("Unit", "After").contains("cage@tty1.service"));
    assert!(u.words("Install", "WantedBy").contains("graphical.target"));
}

#[test]
fn the_app_finds_the_compositor_of_the_kiosk_user() {
    let u = unit("manassa.service");
    let env = u.all("Service", "Environment");
    assert!(env.contains(&"XDG_RUNTIME_DIR=/run/user/1000"), "{env:?}");
    assert!(env.contains(&"WAYLAND_DISPLAY=wayland-0"), "{env:?}");
    // build.sh creates the kiosk user with exactly that uid.
    let build = read(&image_dir().join("build.sh"));
    assert!(
        build.contains("KIOSK_UID=1000\n"),
        "build.sh must fix the uid at 1000"
    );
    assert!(build.contains("useradd --uid \"$KIOSK_UID\""));
    let wait = u
        .get("Service", "ExecStartPre")
        .expect("waits for the socket");
    assert!(
        rootfs(wait.trim_start_matches('/')).exists(),
        "{wait} is shipped"
    );
}

#[test]
fn cage_runs_on_tty1_for_the_kiosk_user_without_vt_switching() {
    let u = unit("cage@.service");
    let exec = u.get("Service", "ExecStart").unwrap();
    let (cage, client) = exec.split_once(" -- ").expect("cage [options] -- client");
    let mut args = cage.split_whitespace();
    assert_eq!(args.next(), Some("/usr/bin/cage"));
    let opts: Vec<&str> = args.collect();
    assert!(!opts.contains(&"-s"), "cage -s would allow VT switching");
    assert!(opts.contains(&"-d"), "no client-side decorations");
    assert!(!client.contains("manassa"), "the app is its own unit");
    assert_eq!(u.get("Service", "User"), Some("kiosk"));
    assert_eq!(u.get("Service", "PAMName"), Some("cage"));
    assert_eq!(u.get("Service", "TTYPath"), Some("/dev/%I"));
    assert_eq!(u.get("Service", "Restart"), Some("always"));
    // seatd hands cage the display and input: logind alone never activated the session.
    assert!(
        u.all("Service", "Environment")
            .contains(&"LIBSEAT_BACKEND=seatd")
    );
    assert!(u.words("Unit", "Requires").contains("seatd.service"));
    assert!(
        u.all("Service", "Environment")
            .contains(&"WLR_RENDERER=pixman"),
        "no GPU needed"
    );
    let build = read(&image_dir().join("build.sh"));
    assert!(
        build.contains("--groups dialout,lp,audio,video"),
        "video: seatd's socket"
    );
    assert!(build.contains("systemctl enable seatd.service"));
    assert!(u.words("Unit", "Conflicts").contains("getty@%i.service"));
    assert_eq!(u.get("Install", "DefaultInstance"), Some("tty1"));
    let dropin = unit("cage@tty1.service.d/kiosk.conf");
    assert_eq!(dropin.get("Unit", "Upholds"), Some("manassa.service"));
    // logind activates only the foreground VT's session; the kiosk user may not switch.
    assert_eq!(
        dropin.get("Service", "ExecStartPre"),
        Some("+/usr/bin/busybox chvt 1")
    );
    let pam = read(&rootfs("etc/pam.d/cage"));
    assert!(
        pam.lines().any(|l| l.split_whitespace().collect::<Vec<_>>()
            == ["session", "required", "pam_systemd.so"])
    );
}

#[test]
fn the_reference_server_is_not_in_the_image() {
    let dir = rootfs("etc/systemd/system");
    let mut files = vec![];
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p)
            } else {
                files.push(p)
            }
        }
    }
    assert!(files.len() >= 4, "{files:?}");
    for f in files {
        let u = Unit::load(&f);
        for (_, entries) in &u.sections {
            for (k, v) in entries {
                if k.starts_with("Exec") {
                    assert!(
                        !v.split_whitespace().any(|w| w == "sim"),
                        "{}: {k}={v} runs the reference server",
                        f.display()
                    );
                }
            }
        }
    }
    let packages = read(&image_dir().join("packages.txt"));
    for p in [
        "cage",
        "seatd",
        "xwayland", // cage 0.1.4 does not start without it
        "cups",
        "speech-dispatcher",
        "espeak-ng",
        "libspeechd2", // the app links libspeechd (tts crate)
        "sound-icons",
        "overlayroot",
        "linux-image-amd64",
    ] {
        assert!(
            packages.lines().any(|l| l.trim() == p),
            "packages.txt lacks {p}"
        );
    }
    // Speech must reach the sound card without PulseAudio (absent on the kiosk).
    let speechd = read(&image_dir().join("rootfs/etc/speech-dispatcher/speechd.conf"));
    assert!(
        speechd
            .lines()
            .any(|l| l.trim() == "AudioOutputMethod \"alsa\""),
        "speechd.conf does not send speech to ALSA"
    );
    for p in ["brltty", "modemmanager", "openssh-server", "sudo"] {
        assert!(
            !packages.lines().any(|l| l.trim() == p),
            "packages.txt has {p}"
        );
    }
}

/// A scratch root for `systemd-analyze --root`: this host's systemd units, the image's
/// units with their drop-ins, and an executable stub for every command the units run (the
/// image's binaries are not on the host).
fn scratch_root(tag: &str, edit: impl Fn(&Path)) -> PathBuf {
    let root = std::env::temp_dir().join(format!("manassa-units-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let sys = root.join("usr/lib/systemd/system");
    std::fs::create_dir_all(&sys).unwrap();
    for e in std::fs::read_dir("/usr/lib/systemd/system").unwrap() {
        let e = e.unwrap();
        let ft = e.file_type().unwrap();
        if ft.is_file() {
            std::fs::copy(e.path(), sys.join(e.file_name())).unwrap();
        } else if ft.is_symlink() {
            let target = std::fs::read_link(e.path()).unwrap();
            std::os::unix::fs::symlink(target, sys.join(e.file_name())).unwrap();
        }
    }
    let etc = root.join("etc/systemd/system");
    copy_tree(&rootfs("etc/systemd/system"), &etc);
    edit(&etc);
    // Units that the image's packages bring (seatd.service) may be missing on this host:
    // stand-ins let the transaction be checked; their own content is Debian's business.
    let mut commands = BTreeSet::from(["/usr/bin/true".to_string()]);
    for name in ["cage@.service", "manassa.service", "manassa-data.service"] {
        let u = Unit::load(&etc.join(name));
        for dep in ["Requires", "BindsTo"] {
            for wanted in u.words("Unit", dep) {
                let ours = etc.join(wanted).exists() || wanted.contains('@');
                if !ours && !sys.join(wanted).exists() {
                    std::fs::write(
                        sys.join(wanted),
                        "[Unit]\nDescription=stand-in\n[Service]\nExecStart=/usr/bin/true\n",
                    )
                    .unwrap();
                }
            }
        }
    }
    let mut stack = vec![etc];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let Ok(u) = Unit::parse(&read(&p)) else {
                continue;
            };
            for (_, entries) in &u.sections {
                for (k, v) in entries {
                    if k.starts_with("Exec") {
                        let cmd = v.trim_start_matches(['-', '@', '+', '!', ':']);
                        if let Some(path) =
                            cmd.split_whitespace().next().filter(|c| c.starts_with('/'))
                        {
                            commands.insert(path.to_string());
                        }
                    }
                }
            }
        }
    }
    for c in commands {
        let stub = root.join(c.trim_start_matches('/'));
        std::fs::create_dir_all(stub.parent().unwrap()).unwrap();
        std::fs::write(&stub, "#!/bin/sh\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    root
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// `systemd-analyze --root=ROOT verify UNITS...`: success and no output (warnings about
/// unknown keys or bad values are printed, so silence is required).
fn verify(root: &Path, units: &[&str]) -> Result<(), String> {
    let out = Command::new("systemd-analyze")
        .arg(format!("--root={}", root.display()))
        .arg("verify")
        .args(units)
        .output()
        .unwrap_or_else(|e| {
            panic!("systemd-analyze cannot run ({e}): install Debian's systemd package")
        });
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() && text.trim().is_empty() {
        Ok(())
    } else {
        Err(text)
    }
}

#[test]
fn units_pass_systemd_analyze_verify() {
    let root = scratch_root("ok", |_| {});
    let units = vec![
        "manassa.service",
        "cage@tty1.service",
        "manassa-data.service",
    ];
    let result = verify(&root, &units);
    std::fs::remove_dir_all(&root).unwrap();
    if let Err(text) = result {
        panic!("systemd-analyze verify {units:?}:\n{text}");
    }
}

#[test]
fn systemd_analyze_verify_catches_a_broken_unit() {
    // The same check on a unit with a typo'd value must fail, or the test above proves nothing.
    let root = scratch_root("broken", |etc| {
        let p = etc.join("manassa.service");
        let text = read(&p).replace("Type=notify", "Type=notfy");
        std::fs::write(p, text).unwrap();
    });
    let result = verify(&root, &["manassa.service"]);
    std::fs::remove_dir_all(&root).unwrap();
    let text = result.expect_err("a bad Type= must be reported");
    assert!(text.contains("notfy"), "{text}");
}

/// One udev rule: `(key, operator, value)` triples.
type Rule = Vec<(String, String, String)>;

/// Parse udev rules strictly (systemd 252 has no `udevadm verify`): comma-separated
/// `KEY OP "value"` pairs, known keys, match operators (`==`, `!=`) only on match keys and
/// assignment operators (`=`, `+=`, `-=`, `:=`) only on assignment keys, every `GOTO` to a
/// `LABEL` of the file.
fn parse_udev_rules(text: &str) -> Result<Vec<Rule>, String> {
    const MATCH: &[&str] = &[
        "ACTION",
        "DEVPATH",
        "KERNEL",
        "KERNELS",
        "NAME",
        "SYMLINK",
        "SUBSYSTEM",
        "SUBSYSTEMS",
        "DRIVER",
        "DRIVERS",
        "ATTR",
        "ATTRS",
        "SYSCTL",
        "ENV",
        "CONST",
        "TAG",
        "TAGS",
        "TEST",
        "PROGRAM",
        "RESULT",
    ];
    const ASSIGN: &[&str] = &[
        "NAME", "SYMLINK", "OWNER", "GROUP", "MODE", "ATTR", "SYSCTL", "ENV", "TAG", "RUN",
        "LABEL", "GOTO", "IMPORT", "OPTIONS", "SECLABEL",
    ];
    let mut rules = Vec::new();
    let mut labels = BTreeSet::new();
    let mut gotos = BTreeSet::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |m: String| format!("line {}: {m}", n + 1);
        let mut rest = line;
        let mut rule = Rule::new();
        loop {
            let key_end = rest
                .find(['=', '!', '+', '-', ':'])
                .ok_or_else(|| err(format!("no operator in {rest:?}")))?;
            let key = rest[..key_end].trim();
            let after = &rest[key_end..];
            let op = ["==", "!=", "+=", "-=", ":=", "="]
                .into_iter()
                .find(|op| after.starts_with(op))
                .ok_or_else(|| err(format!("bad operator after {key}")))?;
            let (name, attr) = match key.split_once('{') {
                Some((name, a)) => {
                    let a = a
                        .strip_suffix('}')
                        .ok_or_else(|| err(format!("bad key {key}")))?;
                    if a.is_empty() {
                        return Err(err(format!("empty {{}} in {key}")));
                    }
                    (name, Some(a))
                }
                None => (key, None),
            };
            let is_match = op == "==" || op == "!=";
            let known = if is_match { MATCH } else { ASSIGN };
            if !known.contains(&name) {
                let kind = if is_match { "match" } else { "assignment" };
                return Err(err(format!("{key}{op}: not a {kind} key")));
            }
            // ATTR{file} and the like need their {attribute}; RUN, IMPORT, TEST may have
            // one ({program}, {builtin}, {mode}); the other keys take none.
            let needs = ["ATTR", "ATTRS", "ENV", "SYSCTL", "CONST"].contains(&name);
            let may = needs || ["RUN", "IMPORT", "TEST"].contains(&name);
            if (needs && attr.is_none()) || (!may && attr.is_some()) {
                return Err(err(format!("{key}: {{attribute}} misused")));
            }
            let value_part = after[op.len()..].trim_start();
            let body = value_part
                .strip_prefix('"')
                .ok_or_else(|| err(format!("{key}: value not in double quotes")))?;
            let close = body
                .find('"')
                .ok_or_else(|| err(format!("{key}: unterminated value")))?;
            let value = &body[..close];
            match name {
                "LABEL" => {
                    labels.insert(value.to_string());
                }
                "GOTO" => {
                    gotos.insert(value.to_string());
                }
                _ => {}
            }
            rule.push((key.to_string(), op.to_string(), value.to_string()));
            rest = body[close + 1..].trim_start();
            if rest.is_empty() {
                break;
            }
            rest = rest
                .strip_prefix(',')
                .ok_or_else(|| err(format!("expected ',' before {rest:?}")))?
                .trim_start();
        }
        rules.push(rule);
    }
    if let Some(missing) = gotos.difference(&labels).next() {
        return Err(format!("GOTO=\"{missing}\" has no LABEL"));
    }
    Ok(rules)
}

#[test]
fn udev_rule_parser_rejects_malformed_rules() {
    assert!(parse_udev_rules("SUBSYSTEM==\"tty\", SYMLINK+=\"x\"\n").is_ok());
    for bad in [
        "SUBSYSTEM==tty\n",                    // unquoted
        "SUBSYSTEM=\"tty\"\n",                 // assigning a match-only key
        "GROUP==\"dialout\"\n",                // matching an assignment-only key
        "SUBSYSTEM==\"tty\" SYMLINK+=\"x\"\n", // missing comma
        "ATTRS{idVendor==\"0403\"\n",          // unclosed brace
        "FOO==\"bar\"\n",                      // unknown key
        "GOTO=\"nowhere\"\n",                  // no such label
        "ATTRS==\"0403\"\n",                   // ATTRS without {attribute}
    ] {
        assert!(parse_udev_rules(bad).is_err(), "accepted {bad:?}");
    }
}

#[test]
fn udev_rules_give_stable_names_and_keep_modemmanager_away() {
    let path = rootfs("etc/udev/rules.d/70-manassa-devices.rules");
    let text = read(&path);
    // systemd 253+ checks rules itself; Debian 12 has 252, where our own parser decides.
    let has_verify = Command::new("udevadm")
        .args(["verify", "--help"])
        .output()
        .is_ok_and(|o| o.status.success());
    if has_verify {
        let out = Command::new("udevadm")
            .arg("verify")
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "udevadm verify: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let rules = parse_udev_rules(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        text.contains("ADJUST FOR YOUR HARDWARE"),
        "example ids must be marked as such"
    );
    let value = |rule: &Rule, key: &str| {
        rule.iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, op, v)| (op.clone(), v.clone()))
    };
    let mut names = BTreeSet::new();
    for rule in rules.iter().filter(|r| value(r, "SYMLINK").is_some()) {
        let (op, link) = value(rule, "SYMLINK").unwrap();
        assert_eq!(op, "+=", "{link}: add to SYMLINK, do not replace it");
        for id in ["ATTRS{idVendor}", "ATTRS{idProduct}"] {
            let (op, v) = value(rule, id).unwrap_or_else(|| panic!("{link}: no {id}"));
            assert_eq!(op, "==");
            assert!(
                v.len() == 4 && v.chars().all(|c| c.is_ascii_hexdigit()),
                "{link}: {id}={v}"
            );
        }
        assert_eq!(
            value(rule, "GROUP"),
            Some(("=".into(), "dialout".into())),
            "{link}"
        );
        assert_eq!(
            value(rule, "MODE"),
            Some(("=".into(), "0660".into())),
            "{link}"
        );
        assert_eq!(
            value(rule, "ENV{ID_MM_DEVICE_IGNORE}"),
            Some(("=".into(), "1".into())),
            "{link}: ModemManager must keep away"
        );
        names.insert(link);
    }
    let expected: BTreeSet<String> = [
        "card-reader",
        "thermal",
        "mrz-reader",
        "badge-reader",
        "scanner",
    ]
    .iter()
    .map(|n| format!("manassa/{n}"))
    .collect();
    assert_eq!(names, expected);
    // Only tty devices on USB reach those rules.
    assert_eq!(
        rules[0],
        vec![
            ("SUBSYSTEM".into(), "!=".into(), "tty".into()),
            ("GOTO".into(), "=".into(), "manassa_end".into())
        ]
    );
    // brltty is not installed and masked, in case a later package brings it.
    let build = read(&image_dir().join("build.sh"));
    for masked in [
        "brltty.service",
        "brltty-udev.service",
        "ModemManager.service",
        "90-brltty-device.rules",
    ] {
        assert!(build.contains(masked), "build.sh does not mask {masked}");
    }
}

#[test]
fn shipped_config_loads_and_uses_the_udev_names() {
    let path = rootfs("usr/share/manassa/manassa.toml");
    let cfg = manassa::config::Config::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let rules = read(&rootfs("etc/udev/rules.d/70-manassa-devices.rules"));
    let paths = [
        cfg.card_reader.as_ref().map(|s| s.path.clone()),
        cfg.printer.as_ref().map(|p| p.serial.path.clone()),
        cfg.mrz_reader.as_ref().map(|s| s.path.clone()),
        cfg.badge_reader.as_ref().map(|s| s.path.clone()),
        cfg.scanner.as_ref().map(|s| s.serial.path.clone()),
    ];
    for p in paths {
        let p = p.expect("every device is configured in the template");
        let link = p
            .strip_prefix("/dev/")
            .expect("a /dev path")
            .to_str()
            .unwrap();
        assert!(
            rules.contains(&format!("SYMLINK+=\"{link}\"")),
            "no udev rule makes {}",
            p.display()
        );
    }
    assert!(
        cfg.outbox.path.starts_with("/var/lib/manassa/db"),
        "{:?}",
        cfg.outbox.path
    );
    assert_eq!(
        cfg.a4,
        manassa::config::A4Config::Cups {
            queue: "kiosk-a4".into()
        }
    );
    let printers = read(&rootfs("usr/share/manassa/cups/printers.conf.in"));
    assert!(printers.contains("<DefaultPrinter kiosk-a4>"));
    assert!(printers.contains("DeviceURI @A4_DEVICE_URI@"));
    // The technician menu's state lives on the data partition; PINs are documented in the
    // form the loader takes (badge id = PHC string) and left for the deployment to fill in.
    assert_eq!(
        cfg.maintenance.state_dir,
        std::path::PathBuf::from("/var/lib/manassa/state")
    );
    let text = read(&path);
    assert!(text.contains("# [maintenance.pins]") && text.contains("= \"$argon2id$"));
}

#[test]
fn data_partition_holds_config_database_and_logs() {
    let fstab = read(&rootfs("etc/fstab"));
    let data = fstab
        .lines()
        .map(str::split_whitespace)
        .map(Iterator::collect::<Vec<_>>)
        .find(|f| f.first() == Some(&"LABEL=MANASSA-DATA"))
        .expect("fstab mounts the data partition");
    assert_eq!(data[1], "/var/lib/manassa");
    assert!(
        data[3].split(',').any(|o| o == "nofail"),
        "no emergency shell: {}",
        data[3]
    );
    let overlay = read(&rootfs("etc/overlayroot.local.conf"));
    assert!(
        overlay.contains("overlayroot=\"tmpfs:swap=0,recurse=0\""),
        "only / is overlaid"
    );

    // tmpfiles layout: `type path mode user group age [argument]`.
    let layout = read(&rootfs("usr/share/manassa/data-layout.conf"));
    let entries: Vec<Vec<&str>> = layout
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split_whitespace().collect())
        .collect();
    for e in &entries {
        assert!(
            e.len() >= 6 && ["d", "f", "C", "z"].contains(&e[0]),
            "{e:?}"
        );
        assert!(e[1].starts_with("/var/lib/manassa"), "{e:?}");
    }
    let entry = |t: &str, p: &str| {
        entries
            .iter()
            .find(|e| e[0] == t && e[1] == p)
            .unwrap_or_else(|| panic!("no {t} {p}"))
    };
    assert_eq!(
        entry("z", "/var/lib/manassa/config/manassa.toml")[2..5],
        ["0640", "root", "kiosk"]
    );
    assert_eq!(
        entry("d", "/var/lib/manassa/db")[2..5],
        ["0700", "kiosk", "kiosk"]
    );
    // The technician state (PIN lockout, counters) must be writable by the app, and the
    // shipped configuration must point there: a lockout lost at restart is no lockout.
    assert_eq!(
        entry("d", "/var/lib/manassa/state")[2..5],
        ["0700", "kiosk", "kiosk"]
    );

    assert_eq!(
        entry("C", "/var/lib/manassa/config/manassa.toml")[6],
        "/usr/share/manassa/manassa.toml"
    );
    assert!(rootfs("usr/share/manassa/manassa.toml").exists());

    // The app opens its own log (as kiosk, O_NOFOLLOW, rotated on size) in a kiosk-owned
    // folder: systemd must not append to a kiosk-owned path as root.
    let u = unit("manassa.service");
    for k in ["StandardOutput", "StandardError"] {
        assert!(
            u.get("Service", k)
                .is_none_or(|v| !v.starts_with("append:") && !v.starts_with("file:")),
            "{k}= writes a kiosk-owned file as root"
        );
    }
    let env = u.all("Service", "Environment");
    let dir = env
        .iter()
        .find_map(|e| e.strip_prefix("MANASSA_LOG_DIR="))
        .expect("MANASSA_LOG_DIR= names the log folder");
    assert_eq!(entry("d", dir)[2..5], ["0750", "kiosk", "kiosk"]);
    assert!(
        u.get("Service", "LogRateLimitBurst").is_some(),
        "the journal is rate-limited for the app"
    );
    // The maintenance secret: a credential from a root-only folder, made at first boot.
    let cred = u
        .get("Service", "LoadCredential")
        .expect("LoadCredential= for the maintenance secret");
    let (name, source) = cred.split_once(':').unwrap();
    assert_eq!(name, manassa::maintenance::pins::SECRET_CREDENTIAL);
    let folder = Path::new(source).parent().unwrap().to_str().unwrap();
    assert_eq!(entry("d", folder)[2..5], ["0700", "root", "root"]);
    let data = unit("manassa-data.service");
    assert!(
        data.all("Service", "ExecStart")
            .iter()
            .any(|e| e.contains(source)),
        "manassa-data.service makes {source} when missing"
    );
    let journald = read(&rootfs("etc/systemd/journald.conf.d/90-manassa-kiosk.conf"));
    assert!(
        journald.contains("RuntimeMaxUse="),
        "the journal has a size cap"
    );
}

#[test]
fn nothing_offers_a_way_out() {
    let sysctl = read(&rootfs("etc/sysctl.d/90-manassa-kiosk.conf"));
    assert!(
        sysctl
            .lines()
            .any(|l| l.replace(' ', "") == "kernel.sysrq=0")
    );
    let logind = read(&rootfs("etc/systemd/logind.conf.d/90-manassa-kiosk.conf"));
    for line in ["NAutoVTs=0", "ReserveVT=0", "HandlePowerKey=ignore"] {
        assert!(logind.lines().any(|l| l == line), "logind: {line}");
    }
    let build = read(&image_dir().join("build.sh"));
    for masked in [
        "getty@.service",
        "autovt@.service",
        "serial-getty@.service",
        "ctrl-alt-del.target",
        "debug-shell.service",
    ] {
        assert!(build.contains(masked), "build.sh does not mask {masked}");
    }
    assert!(build.contains("passwd --lock root"));
    assert!(
        build.contains("editor no"),
        "the boot menu must not edit the kernel command line"
    );
}

#[test]
fn scripts_pass_bash_n_and_shellcheck() {
    let scripts = [
        image_dir().join("build.sh"),
        image_dir().join("smoke-test.sh"),
        image_dir().join("qemu-boot.sh"),
        rootfs("usr/lib/manassa/wait-for-wayland"),
        image_dir().join("lib/a4-uri.sh"),
    ];
    for s in &scripts {
        let shell = if read(s).starts_with("#!/bin/sh") {
            "sh"
        } else {
            "bash"
        };
        let out = Command::new(shell).arg("-n").arg(s).output().unwrap();
        assert!(
            out.status.success(),
            "{shell} -n {}: {}",
            s.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(s).unwrap().permissions().mode();
        // Libraries under lib/ are sourced, not run.
        let sourced = s.parent() == Some(&image_dir().join("lib"));
        assert!(
            sourced || mode & 0o111 != 0,
            "{} is not executable",
            s.display()
        );
    }
    match Command::new("shellcheck").arg("--version").output() {
        Ok(o) if o.status.success() => {
            let out = Command::new("shellcheck").args(&scripts).output().unwrap();
            assert!(
                out.status.success(),
                "shellcheck:\n{}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        _ => eprintln!("shellcheck not installed: only bash -n was run"),
    }
}

#[test]
fn a4_printers_are_reached_over_tls_or_at_a_fixed_address() {
    let lib = image_dir().join("lib/a4-uri.sh");
    let check = |uri: &str| {
        let out = Command::new("bash")
            .arg("-c")
            .arg(r#". "$0"; a4_uri_ok "$1""#)
            .arg(&lib)
            .arg(uri)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    for ok in [
        "ipps://a4-printer.local/ipp/print",
        "usb://HP/LaserJet?serial=1",
        "ipp://192.168.50.20/ipp/print",
        "socket://10.0.0.7:9100",
        "ipp://[fd00::7]:631/ipp/print",
    ] {
        assert!(check(ok).0, "{ok} refused: {}", check(ok).1);
    }
    for bad in [
        "ipp://a4-printer.local/ipp/print",
        "socket://printer.mall.example:9100",
        "http://user@printer.local:631/ipp",
        "smb://share/printer",
        "ipp:// spaced",
    ] {
        let (ok, why) = check(bad);
        assert!(!ok && !why.is_empty(), "{bad} accepted");
    }
    let build = read(&image_dir().join("build.sh"));
    assert!(build.contains("a4_uri=\"ipps://"), "the default is ipps://");
    assert!(
        build.contains("a4_uri_ok \"$a4_uri\""),
        "build.sh checks --a4-uri"
    );

    // CUPS keeps no job files and a short history (job names are ticket references).
    let conf = read(&rootfs("usr/share/manassa/cups/cupsd-kiosk.conf"));
    let directives: Vec<(&str, &str)> = conf
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(' '))
        .collect();
    assert!(
        directives.contains(&("PreserveJobFiles", "No")),
        "{directives:?}"
    );
    let history = directives
        .iter()
        .find(|(k, _)| *k == "PreserveJobHistory")
        .expect("PreserveJobHistory")
        .1;
    // Long enough for the app to read the job's end, short enough to forget it.
    let secs: u64 = history.parse().expect("PreserveJobHistory in seconds");
    assert!((60..=900).contains(&secs), "PreserveJobHistory {secs}");
    assert!(build.contains("cupsd-kiosk.conf"), "build.sh applies it");
}
