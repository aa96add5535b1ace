//! The real `tts` crate, through `speech::TtsBackend` and `speech::Speaker`, against a real
//! speech-dispatcher: the private daemon of `scripts/speech-up.sh` (run by `scripts/test.sh`),
//! whose only output module logs every message it receives, one line each:
//!   `lang=<LANGUAGE> voice=<VOICE> rate=<RATE+100> volume=<VOLUME+100> text=<DATA>`
//! The test fails (never passes silently) if that daemon is not running.

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use manassa::speech::{self, Backend, Cue, Prosody, Speaker, TtsBackend};
use manassa_i18n::Lang;

/// A guard against a hung test, not a timing assertion.
const WAIT: Duration = Duration::from_secs(20);

/// The daemon's message log, after checking that the private daemon is up.
fn daemon_log() -> PathBuf {
    const HOW: &str = "start it with `eval \"$(scripts/speech-up.sh)\"` (scripts/test.sh does) \
                       so SPEECHD_ADDRESS and MANASSA_SPEECHD_LOG are set";
    let addr = std::env::var("SPEECHD_ADDRESS").unwrap_or_else(|_| {
        panic!("SPEECHD_ADDRESS is not set: the test speech-dispatcher is not running; {HOW}")
    });
    let log = std::env::var("MANASSA_SPEECHD_LOG")
        .unwrap_or_else(|_| panic!("MANASSA_SPEECHD_LOG is not set; {HOW}"));
    let sock = addr
        .strip_prefix("unix_socket:")
        .unwrap_or_else(|| panic!("SPEECHD_ADDRESS={addr}: expected unix_socket:/path; {HOW}"));
    use std::os::unix::fs::FileTypeExt;
    let is_socket = std::fs::metadata(sock).is_ok_and(|m| m.file_type().is_socket());
    assert!(is_socket, "no speech-dispatcher socket at {sock}; {HOW}");
    PathBuf::from(log)
}

/// Lines of the log that contain `token`, waiting until there are `n` of them.
fn logged(log: &PathBuf, token: &str, n: usize) -> Vec<String> {
    let deadline = Instant::now() + WAIT;
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let lines: Vec<String> = text
            .lines()
            .filter(|l| l.contains(token))
            .map(str::to_owned)
            .collect();
        if lines.len() >= n || Instant::now() > deadline {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn token() -> String {
    let t = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    format!("{}{}", std::process::id(), t.subsec_nanos())
}

#[test]
fn english_and_arabic_reach_speech_dispatcher_with_language_rate_and_volume() {
    let log = daemon_log();
    let id = token();
    let en = format!("Insert your card {id}");
    // Arabic with a left-to-right number inside (marks from i18n::ltr), UTF-8 throughout.
    let ar = format!("أدخل بطاقتك من فضلك \u{200E}{id}\u{200E}");
    let later = format!("Slower and quieter {id}");

    let sp = Speaker::speech_dispatcher();
    sp.say(
        [
            Cue::say(Lang::En, en.clone()),
            Cue::say(Lang::Ar, ar.clone()),
        ],
        true,
    );
    assert!(sp.wait_idle(WAIT), "the speech thread did not go idle");
    sp.set_rate(-2);
    sp.set_volume(2);
    // A code digit: a tone instead of the digit (the daemon answers; nothing is spoken).
    sp.say([Cue::say(Lang::En, later.clone()), Cue::Tone], false);
    assert!(sp.wait_idle(WAIT), "the speech thread did not go idle");
    assert!(
        !sp.is_silent(),
        "Speaker fell back to silent: {:?}",
        sp.take_error()
    );
    assert_eq!(sp.take_error(), None);

    let lines = logged(&log, &id, 3);
    assert_eq!(lines.len(), 3, "speech-dispatcher received: {lines:#?}");
    let d = Prosody::default();
    let (r, v) = (d.speechd_rate() + 100, d.speechd_volume() + 100);
    assert_eq!(
        lines[0],
        format!("lang=en voice=english rate={r} volume={v} text={en}")
    );
    assert_eq!(
        lines[1],
        format!("lang=ar voice=arabic rate={r} volume={v} text={ar}")
    );
    let p = Prosody {
        rate: -2,
        volume: 2,
    };
    assert_eq!(
        lines[2],
        format!(
            "lang=en voice=english rate={} volume={} text={later}",
            p.speechd_rate() + 100,
            p.speechd_volume() + 100
        )
    );

    // Interrupt: cancel speech-dispatcher's queue, then the new script goes through.
    let after = format!("After the interrupt {id}");
    sp.say([Cue::say(Lang::En, after.clone())], true);
    assert!(sp.wait_idle(WAIT));
    let lines = logged(&log, &after, 1);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(
        lines[0].starts_with("lang=en voice=english"),
        "{}",
        lines[0]
    );

    // Repeat replays the whole current script (just `after` now).
    sp.repeat();
    assert!(sp.wait_idle(WAIT));
    assert_eq!(logged(&log, &after, 2).len(), 2);
    assert_eq!(sp.take_error(), None);
}

#[test]
fn probe_and_backend_see_both_voices() {
    daemon_log();
    let voices = speech::probe().expect("probe connects");
    assert_eq!(voices.arabic.as_deref(), Some("arabic"), "{voices:?}");
    assert_eq!(voices.english.as_deref(), Some("english"), "{voices:?}");
    voices.require_both().expect("both voices");
    let backend = TtsBackend::new().expect("connects");
    let langs: Vec<String> = backend.voices().into_iter().map(|(_, l)| l).collect();
    assert!(langs.iter().any(|l| l == "ar"), "{langs:?}");
}

#[test]
fn a_code_digit_tone_plays_at_the_users_volume() {
    daemon_log();
    let mut backend = TtsBackend::new().expect("connects");
    for volume in [1, 4] {
        let p = Prosody {
            volume,
            ..Prosody::default()
        };
        // The first cue of a session may be a tone (audio mode starts on the code screen).
        backend
            .speak(&Cue::Tone, p)
            .expect("the daemon plays the tone");
        assert_eq!(
            backend.tone_volume().unwrap(),
            p.speechd_volume(),
            "level {volume}"
        );
    }
}
