//! The `Speaker` thread with a `RecordingBackend`: interrupt, repeat, reset, levels, and
//! the silent path when the backend cannot be built.

use super::*;

/// A guard against a hung test (never reached when the code works); not a timing check.
const WAIT: Duration = Duration::from_secs(10);

fn en(t: &str) -> Cue {
    Cue::say(Lang::En, t)
}

fn ar(t: &str) -> Cue {
    Cue::say(Lang::Ar, t)
}

#[test]
fn interrupt_drops_the_queued_rest() {
    let rec = RecordingBackend::holding();
    let sp = Speaker::recording(&rec);
    sp.say([en("one"), en("two"), en("three")], true);
    // "one" is being spoken; "two" and "three" wait in the speaker's queue.
    assert_eq!(rec.wait_for(1, WAIT), ["one"]);
    sp.say([ar("مرحبا"), Cue::Tone], true);
    // The hold ends only through the interrupt's stop; then the new script runs.
    let script = rec.wait_for(2, WAIT);
    assert_eq!(script, ["one", "مرحبا"]);
    rec.finish();
    assert_eq!(rec.wait_for(3, WAIT), ["one", "مرحبا", TONE_MARK]);
    rec.finish();
    assert!(sp.wait_idle(WAIT));
    assert_eq!(
        rec.script(),
        ["one", "مرحبا", TONE_MARK],
        "two and three never spoken"
    );
    assert!(rec.stops() >= 1, "the interrupt stops the backend");
    assert_eq!(rec.spoken()[1].cue, ar("مرحبا"), "language kept");
    assert_eq!(sp.take_error(), None);
}

#[test]
fn appending_does_not_interrupt() {
    let rec = RecordingBackend::holding();
    let sp = Speaker::recording(&rec);
    sp.say([en("a")], true);
    assert_eq!(rec.wait_for(1, WAIT), ["a"]);
    let stops = rec.stops();
    sp.say([en("b")], false);
    rec.finish();
    assert_eq!(rec.wait_for(2, WAIT), ["a", "b"]);
    rec.finish();
    assert!(sp.wait_idle(WAIT));
    assert_eq!(rec.stops(), stops, "appending stops nothing");
}

#[test]
fn repeat_replays_the_last_full_script() {
    let rec = RecordingBackend::new();
    let sp = Speaker::recording(&rec);
    sp.say([en("old")], true);
    sp.say([en("title"), en("choice")], true);
    sp.say([Cue::Tone], false);
    assert!(sp.wait_idle(WAIT));
    rec.clear();
    sp.repeat();
    assert!(sp.wait_idle(WAIT));
    assert_eq!(rec.script(), ["title", "choice", TONE_MARK]);
}

#[test]
fn stop_keeps_the_script_for_repeat() {
    let rec = RecordingBackend::holding();
    let sp = Speaker::recording(&rec);
    sp.say([en("x"), en("y")], true);
    assert_eq!(rec.wait_for(1, WAIT), ["x"]);
    sp.stop();
    assert!(sp.wait_idle(WAIT));
    assert_eq!(rec.script(), ["x"], "stop drops the queued rest");
    rec.clear();
    sp.repeat();
    assert_eq!(rec.wait_for(1, WAIT), ["x"]);
    rec.finish();
    assert_eq!(rec.wait_for(2, WAIT), ["x", "y"]);
}

#[test]
fn levels_apply_to_the_next_cue_and_reset_restores_defaults() {
    let rec = RecordingBackend::new();
    let sp = Speaker::recording(&rec);
    assert_eq!(sp.prosody(), Prosody::default());
    assert_eq!(sp.set_rate(2), 2);
    assert_eq!(sp.set_volume(9), *VOLUME_LEVELS.end(), "clamped");
    assert_eq!(sp.set_rate(-100), *RATE_LEVELS.start(), "clamped");
    sp.say([en("fast")], true);
    assert!(sp.wait_idle(WAIT));
    let p = rec.spoken()[0].prosody;
    assert_eq!(
        p,
        Prosody {
            rate: -3,
            volume: 5
        }
    );
    assert_eq!((p.speechd_rate(), p.speechd_volume()), (-75, 100));

    sp.reset();
    assert_eq!(sp.prosody(), Prosody::default());
    rec.clear();
    sp.repeat();
    assert!(sp.wait_idle(WAIT));
    assert!(rec.script().is_empty(), "reset forgets the script");
    sp.say([en("next user")], true);
    assert!(sp.wait_idle(WAIT));
    assert_eq!(rec.spoken()[0].prosody, Prosody::default());
}

#[test]
fn level_mapping_covers_speech_dispatchers_range() {
    let map = |rate, volume| {
        let p = Prosody { rate, volume };
        (p.speechd_rate(), p.speechd_volume())
    };
    assert_eq!(map(0, 4), (0, 60));
    assert_eq!(map(-3, 1), (-75, -60));
    assert_eq!(map(3, 5), (75, 100));
    for r in RATE_LEVELS {
        for v in VOLUME_LEVELS {
            let (sr, sv) = map(r, v);
            assert!((-100..=100).contains(&sr) && (-100..=100).contains(&sv));
        }
    }
}

#[test]
fn a_missing_backend_leaves_a_silent_speaker_and_one_error() {
    let sp = Speaker::spawn(|| Err(SpeechError::Unavailable("test: no daemon".into())));
    sp.say([en("nobody hears this")], true);
    sp.repeat();
    sp.set_volume(1);
    assert!(sp.wait_idle(WAIT), "the thread keeps answering");
    assert!(sp.is_silent());
    let e = sp.take_error().expect("the error is reported");
    assert!(e.to_string().contains("not reachable"), "{e}");
    assert_eq!(sp.take_error(), None, "reported once");
}

#[test]
fn a_failing_cue_is_reported_once_and_the_rest_still_spoken() {
    struct NoArabic(RecordingBackend);
    impl Backend for NoArabic {
        fn speak(&mut self, cue: &Cue, p: Prosody) -> Result<(), SpeechError> {
            match cue {
                Cue::Say(u) if u.lang == Lang::Ar => Err(SpeechError::NoVoice {
                    lang: Lang::Ar,
                    found: 1,
                }),
                _ => self.0.speak(cue, p),
            }
        }
        fn stop(&mut self) -> Result<(), SpeechError> {
            self.0.stop()
        }
    }
    let rec = RecordingBackend::new();
    let r = rec.clone();
    let sp = Speaker::spawn(move || Ok(Box::new(NoArabic(r.clone())) as Box<dyn Backend>));
    sp.say([ar("أ"), en("b"), ar("ج")], true);
    assert!(sp.wait_idle(WAIT));
    assert_eq!(rec.script(), ["b"]);
    let e = sp.take_error().expect("reported");
    assert!(e.to_string().contains("no Arabic voice"), "{e}");
    assert_eq!(sp.take_error(), None);
    assert!(!sp.is_silent());
}

#[test]
fn speakable_drops_controls() {
    assert_eq!(speakable("a\0b\nc\u{7}"), "ab c");
    assert_eq!(
        speakable("رقم ‎123‎"),
        "رقم ‎123‎",
        "bidi marks are not controls (Cf)"
    );
}

#[test]
fn a_lost_backend_makes_the_speaker_silent_until_it_reconnects() {
    use std::sync::atomic::AtomicU32;
    /// The "daemon": its generation (bumped when it dies) and whether it runs.
    #[derive(Default)]
    struct Daemon {
        generation: AtomicU32,
        down: AtomicBool,
    }
    /// A connection to one generation of the daemon: dead once the daemon restarts.
    struct Conn(RecordingBackend, Arc<Daemon>, u32);
    impl Conn {
        fn ok(&self) -> bool {
            !self.1.down.load(Ordering::SeqCst)
                && self.1.generation.load(Ordering::SeqCst) == self.2
        }
    }
    impl Backend for Conn {
        fn speak(&mut self, cue: &Cue, p: Prosody) -> Result<(), SpeechError> {
            if self.ok() {
                self.0.speak(cue, p)
            } else {
                Err(SpeechError::Backend("SPEAK: broken pipe".into()))
            }
        }
        fn stop(&mut self) -> Result<(), SpeechError> {
            Ok(())
        }
        fn alive(&mut self) -> bool {
            self.ok()
        }
    }
    let rec = RecordingBackend::new();
    let daemon = Arc::new(Daemon::default());
    let (r, d) = (rec.clone(), daemon.clone());
    let sp = Speaker::spawn(move || {
        if d.down.load(Ordering::SeqCst) {
            return Err(SpeechError::Unavailable("test: daemon down".into()));
        }
        let generation = d.generation.load(Ordering::SeqCst);
        Ok(Box::new(Conn(r.clone(), d.clone(), generation)) as Box<dyn Backend>)
    });
    sp.say([en("before")], true);
    assert!(sp.wait_idle(WAIT));
    assert_eq!(rec.script(), ["before"]);
    assert!(!sp.is_silent());

    // The daemon dies: the next cue fails, the speaker says it is silent.
    daemon.generation.fetch_add(1, Ordering::SeqCst);
    daemon.down.store(true, Ordering::SeqCst);
    sp.say([en("while down")], true);
    assert!(sp.wait_idle(WAIT));
    assert!(sp.is_silent(), "a lost daemon is reported");
    assert_eq!(rec.script(), ["before"]);

    // It comes back: the speaker reconnects on its own, with backoff.
    daemon.down.store(false, Ordering::SeqCst);
    let deadline = std::time::Instant::now() + WAIT;
    while sp.is_silent() {
        assert!(std::time::Instant::now() < deadline, "never reconnected");
        std::thread::sleep(Duration::from_millis(20));
    }
    sp.say([en("after")], true);
    assert!(sp.wait_idle(WAIT));
    assert_eq!(rec.script(), ["before", "after"]);
}
