//! Audio guidance survives a speech-dispatcher restart: a private daemon (scripts/speech-up.sh
//! in its own folder) is killed with SIGKILL mid-utterance and started again; the kiosk's
//! speaker reports itself silent meanwhile and speaks again without a restart.
//!
//! Its own test binary: libspeechd reads `SPEECHD_ADDRESS` from the environment, which is set
//! here once, before any thread that could read it, and must not move the shared test
//! daemon of the other speech tests.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use manassa::speech::{Cue, Speaker};
use manassa_i18n::Lang;

/// A guard against a hung test, not a timing assertion.
const WAIT: Duration = Duration::from_secs(30);

/// Start (or reuse) the private daemon in `dir`; returns its message log.
fn daemon_up(dir: &Path) -> (String, PathBuf) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/speech-up.sh");
    let out = Command::new(&script)
        .env("MANASSA_SPEECHD_DIR", dir)
        .output()
        .expect("scripts/speech-up.sh runs");
    assert!(
        out.status.success(),
        "speech-dispatcher did not start (install speech-dispatcher; scripts/test.sh does): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let var = |k: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .unwrap_or_else(|| panic!("speech-up.sh printed no {k}: {stdout}"))
            .to_string()
    };
    (
        var("SPEECHD_ADDRESS"),
        PathBuf::from(var("MANASSA_SPEECHD_LOG")),
    )
}

fn daemon_pid(dir: &Path) -> i32 {
    std::fs::read_to_string(dir.join("speechd.pid"))
        .expect("the daemon wrote its pid")
        .trim()
        .parse()
        .unwrap()
}

fn kill_daemon(dir: &Path) {
    let pid = daemon_pid(dir);
    // SAFETY: plain syscalls on a pid this test started.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    let deadline = Instant::now() + WAIT;
    while Path::new(&format!("/proc/{pid}")).exists() {
        assert!(
            Instant::now() < deadline,
            "speech-dispatcher {pid} did not die"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Wait until the log has a line containing `token`.
fn spoken(log: &Path, token: &str) -> bool {
    let deadline = Instant::now() + WAIT;
    loop {
        if std::fs::read_to_string(log)
            .unwrap_or_default()
            .contains(token)
        {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn speech_comes_back_after_speech_dispatcher_is_killed_and_restarted() {
    let dir = std::env::temp_dir().join(format!("manassa-speechd-restart-{}", std::process::id()));
    let (addr, log) = daemon_up(&dir);
    // SAFETY: set before the speaker's thread or any other thread of this binary exists.
    unsafe { std::env::set_var("SPEECHD_ADDRESS", &addr) };
    let id = std::process::id();
    let sp = Speaker::speech_dispatcher();

    let first = format!("first {id}");
    sp.say([Cue::say(Lang::En, &first)], true);
    assert!(spoken(&log, &first), "the daemon never heard {first:?}");
    assert!(!sp.is_silent());

    // Killed mid-utterance.
    let long = format!("long {id} {}", "please insert your card ".repeat(40));
    sp.say([Cue::say(Lang::En, &long)], true);
    kill_daemon(&dir);
    let lost = format!("while down {id}");
    sp.say([Cue::say(Lang::En, &lost)], true);
    assert!(sp.wait_idle(WAIT));
    assert!(sp.is_silent(), "a killed daemon must show as silent");

    // Started again: the speaker reconnects by itself and speaks.
    daemon_up(&dir);
    let deadline = Instant::now() + WAIT;
    while sp.is_silent() {
        assert!(Instant::now() < deadline, "the speaker never reconnected");
        std::thread::sleep(Duration::from_millis(50));
    }
    let after = format!("after restart {id}");
    sp.say([Cue::say(Lang::En, &after)], true);
    assert!(spoken(&log, &after), "nothing spoken after the restart");
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(!text.contains(&lost), "spoke a cue from while it was down");

    drop(sp);
    kill_daemon(&dir);
    let _ = std::fs::remove_dir_all(&dir);
}
