//! `manassa doctor`: the kiosk's health picture on the command line (configuration,
//! ministry API, outbox, A4 queue, speech, serial devices), with an exit code that is
//! non-zero when something needs attention (any [`Level::Fail`]).

use std::path::Path;
use std::time::{Duration, Instant};

use crate::config::{A4Config, Config};
use manassa_outbox::Outbox;

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Fine.
    Ok,
    /// Works, but look at it.
    Warn,
    /// Broken: the kiosk cannot do its job.
    Fail,
}

/// One line of the health picture. `detail` never contains personal data.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// Outcome.
    pub level: Level,
    /// What was checked, e.g. `ministry API`.
    pub item: String,
    /// What was found.
    pub detail: String,
}

fn check(level: Level, item: &str, detail: impl Into<String>) -> Check {
    Check {
        level,
        item: item.into(),
        detail: detail.into(),
    }
}

/// Run every check for the configuration at `path` (a missing file means the demo defaults).
pub async fn doctor(path: &Path) -> Vec<Check> {
    let mut out = Vec::new();
    let cfg = if path.exists() {
        match Config::load(path) {
            Ok(c) => {
                out.push(check(
                    Level::Ok,
                    "configuration",
                    format!("{} is valid", path.display()),
                ));
                c
            }
            Err(e) => {
                out.push(check(Level::Fail, "configuration", e.to_string()));
                return out;
            }
        }
    } else {
        out.push(check(
            Level::Warn,
            "configuration",
            format!(
                "{} not found: checking the built-in defaults",
                path.display()
            ),
        ));
        Config::default()
    };

    // Ministry API reachability, with latency.
    match cfg.api_client() {
        Ok(client) => {
            let start = Instant::now();
            match client.health().await {
                Ok(()) => out.push(check(
                    Level::Ok,
                    "ministry API",
                    format!(
                        "{} answered in {} ms",
                        cfg.ministry.base_url,
                        start.elapsed().as_millis()
                    ),
                )),
                // Offline is survivable (the outbox holds everything), so a warning.
                Err(e) => out.push(check(
                    Level::Warn,
                    "ministry API",
                    format!("{}: {e}", cfg.ministry.base_url),
                )),
            }
        }
        Err(e) => out.push(check(Level::Fail, "ministry API", e.to_string())),
    }

    // Room for the outbox on the data partition.
    out.push(data_partition(&cfg.outbox.path));

    // Outbox depth, age and dead letters.
    let db = cfg.outbox.path.clone();
    let outbox = tokio::task::spawn_blocking(move || -> Result<manassa_outbox::Status, String> {
        if !db.exists() {
            return Err(format!("{} does not exist yet", db.display()));
        }
        let o = Outbox::open(&db).map_err(|e| e.to_string())?;
        o.status().map_err(|e| e.to_string())
    })
    .await;
    match outbox {
        Ok(Ok(s)) => {
            let (depth, oldest, dead) = (s.depth, s.oldest_age, s.dead_letters);
            let age = oldest
                .map(|d| format!(", oldest {} s", d.as_secs()))
                .unwrap_or_default();
            let level = if dead > 0
                || s.alarm.is_some()
                || oldest.is_some_and(|d| d > Duration::from_secs(3600))
            {
                Level::Warn
            } else {
                Level::Ok
            };
            // The alarm says why the ministry refuses whole batches (a proxy, a redirect).
            let alarm = s.alarm.map(|a| format!("; alarm: {a}")).unwrap_or_default();
            out.push(check(
                level,
                "outbox",
                format!("{depth} queued{age}, {dead} dead letters{alarm}"),
            ));
        }
        Ok(Err(e)) => out.push(check(Level::Warn, "outbox", e)),
        Err(e) => out.push(check(Level::Fail, "outbox", e.to_string())),
    }

    // A4 output.
    match &cfg.a4 {
        A4Config::File { folder } => out.push(check(
            Level::Ok,
            "A4 output",
            format!("file sink {}", folder.display()),
        )),
        A4Config::Cups { queue } => {
            // The same IPP status the kiosk checks before printing (paper, jam, door,
            // toner, stopped or not accepting jobs), not a locale-dependent lpstat line.
            let sink = manassa_devices::a4::A4Sink::Cups {
                queue: queue.clone(),
            };
            out.push(match sink.status().await {
                Ok(st) => match st.problem() {
                    None => check(Level::Ok, "A4 queue", format!("{queue}: ready")),
                    Some(p) => check(Level::Fail, "A4 queue", format!("{queue}: {p:?}")),
                },
                Err(e) => check(Level::Fail, "A4 queue", format!("{queue}: {e}")),
            });
        }
    }

    // Speech guidance (DESIGN §9): speech-dispatcher with an Arabic and an English voice.
    // On a detached thread: a daemon that accepts but never answers must not hold the
    // runtime's shutdown (a blocking-pool task would).
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let _ = tx.send(crate::speech::probe());
    });
    let speech = tokio::time::timeout(Duration::from_secs(15), rx).await;
    out.push(match speech {
        Ok(Ok(Ok(v))) => match v.require_both() {
            Ok(()) => check(
                Level::Ok,
                "speech",
                format!(
                    "Arabic voice {}, English voice {}",
                    v.arabic.as_deref().unwrap_or("-"),
                    v.english.as_deref().unwrap_or("-")
                ),
            ),
            Err(e) => check(Level::Fail, "speech", e.to_string()),
        },
        Ok(Ok(Err(e))) => check(Level::Fail, "speech", format!("not available: {e}")),
        Ok(Err(_)) => check(Level::Fail, "speech", "the speech probe stopped"),
        Err(_) => check(
            Level::Fail,
            "speech",
            "speech-dispatcher did not answer within 15 s",
        ),
    });

    // Serial devices: present and accessible (not opened: a running kiosk owns them).
    let mut devices: Vec<(&str, &Path)> = Vec::new();
    if let Some(c) = &cfg.card_reader {
        devices.push(("card reader", &c.path));
    }
    if let Some(p) = &cfg.printer {
        devices.push(("thermal printer", &p.serial.path));
    }
    if let Some(s) = &cfg.scanner {
        devices.push(("QR scanner", &s.serial.path));
    }
    if let Some(m) = &cfg.mrz_reader {
        devices.push(("MRZ reader", &m.path));
    }
    if let Some(b) = &cfg.badge_reader {
        devices.push(("badge reader", &b.path));
    }
    if devices.is_empty() {
        out.push(check(Level::Warn, "serial devices", "none configured"));
    }
    for (name, path) in devices {
        let c = match std::fs::metadata(path) {
            Ok(_) => match std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(path)
            {
                Ok(_) => check(Level::Ok, name, format!("{} present", path.display())),
                // The running kiosk holds its real ports exclusively (TIOCEXCL).
                Err(e) if e.raw_os_error() == Some(16) => check(
                    Level::Ok,
                    name,
                    format!("{} present, in use by the kiosk", path.display()),
                ),
                Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                    let hint = std::fs::metadata(path)
                        .map(|m| {
                            use std::os::unix::fs::MetadataExt as _;
                            access_hint(m.uid(), m.gid(), m.mode(), &etc_group())
                        })
                        .unwrap_or_default();
                    check(
                        Level::Fail,
                        name,
                        format!("{}: permission denied{hint}", path.display()),
                    )
                }
                Err(e) => check(Level::Fail, name, format!("{}: {e}", path.display())),
            },
            Err(_) => check(
                Level::Fail,
                name,
                format!("{} missing (noDevice)", path.display()),
            ),
        };
        out.push(c);
    }
    out
}

/// `/etc/group`, or empty when unreadable.
fn etc_group() -> String {
    std::fs::read_to_string("/etc/group").unwrap_or_default()
}

/// Who may open a device and what to do about it: owner, group (named from `group_file`,
/// the `/etc/group` format), mode, and the fix for the usual case (serial ports belong to
/// group `dialout`).
fn access_hint(uid: u32, gid: u32, mode: u32, group_file: &str) -> String {
    let group = group_file
        .lines()
        .filter_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            let id = f.nth(1)?.parse::<u32>().ok()?;
            (id == gid).then(|| name.to_string())
        })
        .next()
        .unwrap_or_else(|| gid.to_string());
    format!(
        " (owner uid {uid}, group {group}, mode {:03o}): add the kiosk's user to group \
         {group} (usermod -aG {group} manassa) or fix the udev rule that creates it",
        mode & 0o777
    )
}

/// The process exit code for a health picture: 0 all fine, 1 something is broken
/// (`FAIL`), 2 something works but needs a look (`warn`, e.g. dead letters, API not
/// reachable, no configuration file).
pub fn exit_code(checks: &[Check]) -> i32 {
    if checks.iter().any(|c| c.level == Level::Fail) {
        1
    } else if checks.iter().any(|c| c.level == Level::Warn) {
        2
    } else {
        0
    }
}

/// Print the checks as a table; returns whether any failed.
pub fn print_report(checks: &[Check]) -> bool {
    for c in checks {
        let tag = match c.level {
            Level::Ok => "ok  ",
            Level::Warn => "warn",
            Level::Fail => "FAIL",
        };
        println!("{tag}  {:<16} {}", c.item, c.detail);
    }
    checks.iter().any(|c| c.level == Level::Fail)
}

/// Free space where the outbox lives: below the outbox reserve the kiosk cannot queue
/// records (printing, complaints and ratings stop); below the low mark the WAL is being
/// truncated after every write and the partition needs a look.
pub fn data_partition(db: &Path) -> Check {
    use manassa_outbox::space::{LOW_SPACE_BYTES, RESERVE_BYTES, free_bytes, reserve_path};
    let mib = |b: u64| b as f64 / f64::from(1 << 20);
    let Some(free) = free_bytes(db) else {
        return check(
            Level::Warn,
            "data partition",
            format!("cannot read the free space of {}", db.display()),
        );
    };
    let reserve = if reserve_path(db).exists() {
        "outbox reserve kept"
    } else {
        "outbox reserve used up"
    };
    let (level, what) = if free < RESERVE_BYTES {
        (
            Level::Fail,
            "full: records cannot be queued (printing, complaints, ratings stop); free space",
        )
    } else if free < LOW_SPACE_BYTES {
        (Level::Warn, "nearly full: free space soon")
    } else {
        (Level::Ok, "room")
    };
    check(
        level,
        "data partition",
        format!(
            "{what}; {:.1} MiB free at {}, {reserve}",
            mib(free),
            db.display()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_code_is_non_zero_whenever_something_needs_attention() {
        let ok = check(Level::Ok, "a", "fine");
        let warn = check(Level::Warn, "b", "dead letters");
        let fail = check(Level::Fail, "c", "broken");
        assert_eq!(exit_code(std::slice::from_ref(&ok)), 0);
        assert_eq!(exit_code(&[ok.clone(), warn.clone()]), 2);
        assert_eq!(exit_code(&[warn, fail, ok]), 1);
    }

    #[test]
    fn a_permission_error_names_the_group_and_the_fix() {
        let groups = "root:x:0:\ndialout:x:20:\nmanassa:x:1000:\n";
        let hint = access_hint(0, 20, 0o20660, groups);
        assert!(hint.contains("group dialout"), "{hint}");
        assert!(hint.contains("mode 660"), "{hint}");
        assert!(hint.contains("usermod -aG dialout manassa"), "{hint}");
        // An unnamed group is given by number.
        assert!(access_hint(0, 4242, 0o600, groups).contains("group 4242"));
    }

    #[tokio::test]
    async fn reports_a_reachable_server_a_missing_device_and_a_bad_config() {
        let sim = manassa_sim::spawn(Default::default(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let dir = std::env::temp_dir().join(format!("manassa-doctor-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cfg = dir.join("manassa.toml");
        std::fs::write(
            &cfg,
            format!(
                "[ministry]\nbase_url = \"{}\"\n[outbox]\npath = \"{}\"\n[a4]\nsink = \"file\"\nfolder = \"{}\"\n[card_reader]\npath = \"/dev/manassa-no-such-reader\"\n[mrz_reader]\npath = \"/dev/manassa-no-such-mrz\"\n[badge_reader]\npath = \"/dev/manassa-no-such-badge\"\n",
                sim.base_url(),
                dir.join("outbox.sqlite").display(),
                dir.join("papers").display()
            ),
        )
        .unwrap();
        Outbox::open(&dir.join("outbox.sqlite")).unwrap();
        let checks = doctor(&cfg).await;
        let get = |item: &str| {
            checks
                .iter()
                .find(|c| c.item == item)
                .unwrap_or_else(|| panic!("{item} in {checks:?}"))
        };
        assert_eq!(get("configuration").level, Level::Ok);
        assert_eq!(get("ministry API").level, Level::Ok);
        assert_eq!(get("outbox").level, Level::Ok);
        assert!(get("outbox").detail.starts_with("0 queued"));
        assert_eq!(get("card reader").level, Level::Fail);
        // Every configured reader is checked, the MRZ and badge readers too.
        assert!(get("MRZ reader").detail.contains("manassa-no-such-mrz"));
        assert_eq!(get("badge reader").level, Level::Fail);
        // Speech is checked either way (its outcome depends on the machine).
        assert!(!get("speech").detail.is_empty());
        assert!(print_report(&checks), "a missing device is a failure");

        std::fs::write(&cfg, "[printer]\npath = \"/dev/x\"\ndot_width = 500\n").unwrap();
        let checks = doctor(&cfg).await;
        assert_eq!(checks[0].level, Level::Fail);
        assert!(checks[0].detail.contains("printer.dot_width"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
