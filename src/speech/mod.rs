//! Speech output for audio guidance (DESIGN §9; ADA 2010 §707.5, EN 301 549
//! 5.1.3): what the kiosk says, in the screen's language, through the `tts` crate to
//! speech-dispatcher with espeak-ng voices.
//!
//! - [`Cue`]: one item of a spoken script, either an [`Utterance`] (text + [`Lang`]) or a
//!   [`Cue::Tone`], the non-speech sound used instead of echoing a one-time-code digit.
//! - [`Backend`]: speaks one cue at a time. [`TtsBackend`] is the real one (speech-dispatcher
//!   through `tts`); [`RecordingBackend`] records the script for tests of other parts.
//! - [`Speaker`]: a cheap, cloneable handle to a dedicated thread that owns the backend (a
//!   `tts::Tts` is `!Send` and must stay on one thread) behind a channel. It keeps the
//!   queue, so interrupting drops what has not been said yet; it remembers the last script
//!   for "repeat"; it holds the rate and volume levels and resets them for the next user.
//!   If speech-dispatcher is missing it stays silent, reports the error once
//!   ([`Speaker::take_error`]) and never panics.
//! - [`probe`]: for `manassa doctor`, whether an Arabic and an English voice exist.
//!
//! Privacy: spoken text can hold personal data (names, QIDs, codes). Nothing here logs it;
//! logs carry counts and character lengths only.

use std::collections::VecDeque;
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use manassa_i18n::Lang;

pub use manassa_session::narrate;

mod recording;
#[cfg(test)]
mod tests;

pub use recording::{RecordingBackend, Spoken};

pub use manassa_session::narrate::{Cue, TONE_MARK, Utterance};

/// The speech-dispatcher sound icon played for [`Cue::Tone`]: `prompt`, a short click from
/// the `sound-icons` package (`/usr/share/sounds/sound-icons/prompt`), which the espeak-ng
/// output module plays from its `EspeakSoundIconFolder`.
pub const TONE_ICON: &str = "prompt";

/// Speech rate levels the user can choose: −3 (slowest) … +3 (fastest), 0 is normal.
pub const RATE_LEVELS: RangeInclusive<i8> = -3..=3;
/// The rate level every session starts with.
pub const DEFAULT_RATE_LEVEL: i8 = 0;
/// Volume levels the user can choose: 1 (quietest) … 5 (loudest).
pub const VOLUME_LEVELS: RangeInclusive<i8> = 1..=5;
/// The volume level every session starts with (one step below the loudest, so a user can
/// still turn it up).
pub const DEFAULT_VOLUME_LEVEL: i8 = 4;

/// The rate and volume levels in force (see [`RATE_LEVELS`], [`VOLUME_LEVELS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prosody {
    /// Rate level, in [`RATE_LEVELS`].
    pub rate: i8,
    /// Volume level, in [`VOLUME_LEVELS`].
    pub volume: i8,
}

impl Default for Prosody {
    fn default() -> Self {
        Prosody {
            rate: DEFAULT_RATE_LEVEL,
            volume: DEFAULT_VOLUME_LEVEL,
        }
    }
}

impl Prosody {
    /// Both levels clamped into their ranges.
    pub fn clamped(self) -> Prosody {
        Prosody {
            rate: self.rate.clamp(*RATE_LEVELS.start(), *RATE_LEVELS.end()),
            volume: self
                .volume
                .clamp(*VOLUME_LEVELS.start(), *VOLUME_LEVELS.end()),
        }
    }

    /// The rate as speech-dispatcher's `SET RATE` value (−100 … 100, 0 = the voice's
    /// normal rate): 25 per level, so −75 … +75 (espeak-ng: about 80 … 390 words a minute).
    pub fn speechd_rate(self) -> i32 {
        i32::from(self.clamped().rate) * 25
    }

    /// The volume as speech-dispatcher's `SET VOLUME` value (−100 … 100, 100 = full
    /// scale): −100 + 40 per level, so level 1 → −60, 3 → 20, 4 → 60, 5 → 100.
    pub fn speechd_volume(self) -> i32 {
        -100 + i32::from(self.clamped().volume) * 40
    }
}

/// Why speech is not (fully) working. The messages are for technicians and logs; they never
/// contain spoken text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpeechError {
    /// No connection to speech-dispatcher (not installed, not running and not spawnable, or
    /// `SPEECHD_ADDRESS` points nowhere).
    #[error(
        "speech-dispatcher is not reachable ({0}); install the speech-dispatcher package \
         and check SPEECHD_ADDRESS"
    )]
    Unavailable(String),
    /// speech-dispatcher has no voice for a language the kiosk speaks.
    #[error(
        "speech-dispatcher has no {} voice ({} voices found); install \
         speech-dispatcher-espeak-ng and espeak-ng-data",
        lang_name(*lang),
        found
    )]
    NoVoice {
        /// The language without a voice.
        lang: Lang,
        /// How many voices speech-dispatcher listed in all.
        found: usize,
    },
    /// speech-dispatcher refused or failed a request.
    #[error("speech-dispatcher request failed: {0}")]
    Backend(String),
}

fn lang_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Ar => "Arabic",
        Lang::En => "English",
    }
}

/// Speaks one cue at a time. Implementations live on the [`Speaker`]'s thread only.
pub trait Backend {
    /// Start speaking `cue` with `prosody` (rate and volume levels). May return before the
    /// sound ends; then [`Backend::busy`] tells when it has.
    fn speak(&mut self, cue: &Cue, prosody: Prosody) -> Result<(), SpeechError>;
    /// Stop what is being spoken now and anything the backend itself has queued.
    fn stop(&mut self) -> Result<(), SpeechError>;
    /// Whether the last cue is still being spoken. The [`Speaker`] hands over the next cue
    /// only when this is false. The default (false) leaves queueing to the backend.
    fn busy(&mut self) -> bool {
        false
    }
    /// Whether the connection still works, asked after a failed request: `false` makes the
    /// [`Speaker`] drop this backend and connect again. The default (true) never does.
    fn alive(&mut self) -> bool {
        true
    }
}

/// The real backend: the `tts` crate's speech-dispatcher backend.
///
/// Per cue it selects the voice whose language matches the utterance (espeak-ng's "Arabic"
/// for Arabic; for English a British voice if there is one) with `tts::Tts::set_voice`, and
/// sets the same language on the `tts` client (`SET <client-id> LANGUAGE ar|en`, through a
/// second speech-dispatcher connection, because `tts` has no language setter and
/// speech-dispatcher uses the language to pick its output module and the symbol and
/// punctuation words). Rate and volume go through `tts` (see [`Prosody`] for the mapping).
/// [`Cue::Tone`] is the sound icon [`TONE_ICON`] sent on that second connection with the
/// same priority (`important`), so it keeps its place in the queue. Speech-dispatcher
/// queues the cues; [`Backend::stop`] cancels both connections' messages.
///
/// The connection honours `SPEECHD_ADDRESS` (`unix_socket:/path` or
/// `inet_socket:host:port`); without it libspeechd uses the user's default socket and
/// autospawns speech-dispatcher.
///
/// Audio output: speech-dispatcher 0.11's default output is PulseAudio. Without a
/// PulseAudio server (a kiosk under cage, a headless machine) the daemon starts but every
/// message fails ("Couldn't open pulse plugin") and nothing is heard; its `speechd.conf`
/// needs `AudioOutputMethod "alsa"` (and, on a machine without a sound card,
/// `AudioALSADevice "null"`). This backend does not wait for end-of-speech events, so a
/// daemon that cannot play never blocks the kiosk.
pub struct TtsBackend {
    tts: tts::Tts,
    ctl: speech_dispatcher::Connection,
    uid: Option<u32>,
    voices: Vec<tts::Voice>,
    lang: Option<Lang>,
    prosody: Option<Prosody>,
}

impl TtsBackend {
    /// Connect to speech-dispatcher (autospawning it if the address is the default one)
    /// and list its voices. Fails with [`SpeechError::Unavailable`] when it cannot connect.
    /// A missing voice is not an error here: speaking that language is
    /// ([`SpeechError::NoVoice`]).
    pub fn new() -> Result<Self, SpeechError> {
        // `tts` keeps its speech-dispatcher client id private, and speech-dispatcher 0.11
        // cannot list clients. Ids are handed out in connection order, so the control
        // connection opened right after (under a process-wide lock) has the next one; the
        // guess is confirmed by setting a pitch through the control connection and reading
        // it back through `tts` (`GET PITCH` asks the server about tts's own client).
        // Other connections opened in between (another process) make the guess wrong;
        // then try again with fresh connections.
        let mut attempt = 0;
        let (tts, ctl, uid) = loop {
            attempt += 1;
            let guard = OPENING.lock().unwrap_or_else(|p| p.into_inner());
            let mut tts = tts::Tts::new(tts::Backends::SpeechDispatcher)
                .map_err(|e| SpeechError::Unavailable(e.to_string()))?;
            let ctl = speech_dispatcher::Connection::open(
                "manassa",
                "speech-control",
                "kiosk",
                // Mode::Single fails to open with libspeechd 0.11 (spd_open returns NULL).
                speech_dispatcher::Mode::Threaded,
            )
            .map_err(|e| SpeechError::Unavailable(e.to_string()))?;
            drop(guard);
            let uid = confirm_uid(&mut tts, &ctl);
            if uid.is_some() || attempt == 3 {
                break (tts, ctl, uid);
            }
        };
        if uid.is_none() {
            tracing::warn!(
                "speech: could not identify the tts client; language follows the voice only"
            );
        }
        let voices = tts
            .voices()
            .map_err(|e| SpeechError::Backend(e.to_string()))?;
        let ok = ctl
            .send_data("SET self PRIORITY important\r\n", true)
            .is_some_and(|r| r.starts_with('2'));
        if !ok {
            return Err(SpeechError::Backend("SET PRIORITY refused".into()));
        }
        Ok(TtsBackend {
            tts,
            ctl,
            uid,
            voices,
            lang: None,
            prosody: None,
        })
    }

    /// The voices speech-dispatcher offered, as (name, BCP 47 language tag).
    pub fn voices(&self) -> Vec<(String, String)> {
        self.voices
            .iter()
            .map(|v| (v.name(), v.language().to_string()))
            .collect()
    }

    fn voice_for(&self, lang: Lang) -> Option<&tts::Voice> {
        best_voice(&self.voices, lang)
    }

    fn apply_lang(&mut self, lang: Lang) -> Result<(), SpeechError> {
        if self.lang == Some(lang) {
            return Ok(());
        }
        let voice = self.voice_for(lang).cloned().ok_or(SpeechError::NoVoice {
            lang,
            found: self.voices.len(),
        })?;
        let code = primary(lang);
        if let Some(uid) = self.uid {
            self.ctl
                .set_language_uid(code, uid)
                .map_err(|e| SpeechError::Backend(format!("SET LANGUAGE {code}: {e}")))?;
        }
        self.tts
            .set_voice(&voice)
            .map_err(|e| SpeechError::Backend(format!("SET SYNTHESIS_VOICE: {e}")))?;
        self.lang = Some(lang);
        Ok(())
    }

    fn apply_prosody(&mut self, p: Prosody) -> Result<(), SpeechError> {
        if self.prosody == Some(p) {
            return Ok(());
        }
        self.tts
            .set_rate(p.speechd_rate() as f32)
            .map_err(|e| SpeechError::Backend(format!("SET RATE: {e}")))?;
        self.tts
            .set_volume(p.speechd_volume() as f32)
            .map_err(|e| SpeechError::Backend(format!("SET VOLUME: {e}")))?;
        // Tones are played on the control connection: the user's level applies there too.
        self.command(&format!("SET self VOLUME {}", p.speechd_volume()))?;
        self.prosody = Some(p);
        Ok(())
    }

    /// The volume speech-dispatcher holds for the connection that plays [`Cue::Tone`]
    /// (`GET VOLUME`, −100 … 100): after a cue it is the user's level
    /// ([`Prosody::speechd_volume`]). Fails with [`SpeechError::Backend`] when the daemon
    /// does not answer.
    pub fn tone_volume(&self) -> Result<i32, SpeechError> {
        let answer = self
            .ctl
            .send_data("GET VOLUME\r\n", true)
            .ok_or_else(|| SpeechError::Backend("GET VOLUME: no answer".into()))?;
        // "251-<value>\r\n251 OK GET RETURNED"
        answer
            .lines()
            .find_map(|l| l.strip_prefix("251-"))
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(|| SpeechError::Backend(format!("GET VOLUME: {}", answer.trim())))
    }

    fn command(&self, cmd: &str) -> Result<(), SpeechError> {
        match self.ctl.send_data(format!("{cmd}\r\n"), true) {
            Some(r) if r.starts_with('2') => Ok(()),
            Some(r) => Err(SpeechError::Backend(format!(
                "{cmd}: {}",
                r.lines().last().unwrap_or("")
            ))),
            None => Err(SpeechError::Backend(format!("{cmd}: no answer"))),
        }
    }
}

/// Held while opening speech-dispatcher connections in this process, so that client ids
/// come in a known order (see [`TtsBackend::new`]).
static OPENING: Mutex<()> = Mutex::new(());

/// The speech-dispatcher client id of `tts`'s connection, if it can be confirmed (see
/// [`TtsBackend::new`]).
fn confirm_uid(tts: &mut tts::Tts, ctl: &speech_dispatcher::Connection) -> Option<u32> {
    const MARK: i32 = 37;
    let guess = u32::try_from(ctl.client_id()).ok()?.checked_sub(1)?;
    ctl.set_voice_pitch_uid(MARK, guess).ok()?;
    let seen = tts.get_pitch().ok();
    let confirmed = seen == Some(MARK as f32);
    if confirmed {
        tts.set_pitch(0.0).ok()?;
    } else {
        // Not ours after all: put the other client's pitch back to the default.
        let _ = ctl.set_voice_pitch_uid(0, guess);
    }
    confirmed.then_some(guess)
}

fn primary(lang: Lang) -> &'static str {
    match lang {
        Lang::Ar => "ar",
        Lang::En => "en",
    }
}

/// The voice for `lang`: the one whose tag is the kiosk's exact tag (`ar-QA`, `en-GB`), else
/// the one with the bare language (`ar`, `en`), else the first with that primary language.
fn best_voice(voices: &[tts::Voice], lang: Lang) -> Option<&tts::Voice> {
    let want = primary(lang);
    let exact = lang.tag().to_ascii_lowercase();
    let mut best: Option<(&tts::Voice, u8)> = None;
    for v in voices {
        let tag = v.language();
        if !tag.primary_language().eq_ignore_ascii_case(want) {
            continue;
        }
        let t = tag.as_str().to_ascii_lowercase();
        let score = if t == exact { 2 } else { u8::from(t == want) };
        if best.is_none_or(|(_, s)| score > s) {
            best = Some((v, score));
        }
    }
    best.map(|(v, _)| v)
}

/// Remove characters speech-dispatcher cannot carry (C0 controls except tab/newline; a NUL
/// would also make the C string conversion fail).
fn speakable(text: &str) -> String {
    text.chars()
        .map(|c| if c == '\n' || c == '\t' { ' ' } else { c })
        .filter(|c| !c.is_control())
        .collect()
}

impl Backend for TtsBackend {
    fn speak(&mut self, cue: &Cue, prosody: Prosody) -> Result<(), SpeechError> {
        match cue {
            Cue::Say(u) => {
                self.apply_lang(u.lang)?;
                self.apply_prosody(prosody)?;
                let text = speakable(&u.text);
                if text.trim().is_empty() {
                    return Ok(());
                }
                self.tts
                    .speak(text, false)
                    .map_err(|e| SpeechError::Backend(format!("SPEAK: {e}")))?;
                Ok(())
            }
            Cue::Tone => {
                self.apply_prosody(prosody)?;
                self.command(&format!("SOUND_ICON {TONE_ICON}"))
            }
        }
    }

    fn stop(&mut self) -> Result<(), SpeechError> {
        self.tts
            .stop()
            .map_err(|e| SpeechError::Backend(format!("CANCEL: {e}")))?;
        self.command("CANCEL self")
    }

    fn alive(&mut self) -> bool {
        // A restarted daemon does not know this client: the old socket is closed and
        // libspeechd answers nothing.
        self.ctl.send_data("GET VOLUME\r\n", true).is_some()
    }
}

enum Cmd {
    Say(Vec<Cue>, bool),
    Stop,
    Repeat,
    Prosody(Prosody),
    Reset,
    Idle(mpsc::Sender<()>),
}

struct Shared {
    prosody: Mutex<Prosody>,
    error: Mutex<Option<SpeechError>>,
    error_seen: AtomicBool,
    silent: AtomicBool,
}

impl Shared {
    /// Keep the first error for [`Speaker::take_error`] and log it (once).
    fn report(&self, e: SpeechError) {
        if !self.error_seen.swap(true, Ordering::SeqCst) {
            tracing::warn!(error = %e, "speech: error; later speech errors are not logged");
            *self.error.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
        }
    }
}

/// A handle to the speech thread. Clone it freely; the thread ends when the last clone is
/// dropped. All methods return at once (they only send a message), except
/// [`Speaker::wait_idle`].
///
/// Scripts: `say(cues, true)` starts a new script (interrupting and dropping whatever was
/// still queued); `say(cues, false)` appends to the current script. [`Speaker::repeat`]
/// says the whole current script again from its start.
#[derive(Clone)]
pub struct Speaker {
    tx: mpsc::Sender<Cmd>,
    shared: Arc<Shared>,
}

impl Speaker {
    /// Start the speech thread; `make` runs on that thread and builds the backend there
    /// (so a `!Send` backend such as `tts::Tts` never crosses threads). If it fails, or the
    /// backend later dies ([`Backend::alive`]), the speaker is silent ([`Speaker::is_silent`])
    /// and calls `make` again after [`RECONNECT_FIRST`], doubling up to [`RECONNECT_MAX`];
    /// the first error is reported once.
    pub fn spawn<F>(make: F) -> Speaker
    where
        F: FnMut() -> Result<Box<dyn Backend>, SpeechError> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel();
        let shared = Arc::new(Shared {
            prosody: Mutex::new(Prosody::default()),
            error: Mutex::new(None),
            error_seen: AtomicBool::new(false),
            silent: AtomicBool::new(false),
        });
        let s = shared.clone();
        let spawned = std::thread::Builder::new()
            .name("speech".into())
            .spawn(move || run(make, rx, s));
        if let Err(e) = spawned {
            shared.silent.store(true, Ordering::SeqCst);
            shared.report(SpeechError::Backend(format!(
                "cannot start the speech thread: {e}"
            )));
        }
        Speaker { tx, shared }
    }

    /// The kiosk's speaker: [`TtsBackend`] (speech-dispatcher) on its own thread.
    pub fn speech_dispatcher() -> Speaker {
        Speaker::spawn(|| TtsBackend::new().map(|b| Box::new(b) as Box<dyn Backend>))
    }

    /// A speaker over a [`RecordingBackend`] (a clone of `rec`, sharing its record).
    pub fn recording(rec: &RecordingBackend) -> Speaker {
        let rec = rec.clone();
        Speaker::spawn(move || Ok(Box::new(rec.clone()) as Box<dyn Backend>))
    }

    fn send(&self, cmd: Cmd) {
        // A send fails only if the thread is gone, which `spawn` already reported.
        let _ = self.tx.send(cmd);
    }

    /// Speak `cues`. With `interrupt`, stop what is being said, drop the rest of the queue
    /// and start a new script; without it, queue after what is already queued and extend
    /// the current script.
    pub fn say(&self, cues: impl IntoIterator<Item = Cue>, interrupt: bool) {
        let cues: Vec<Cue> = cues.into_iter().collect();
        self.send(Cmd::Say(cues, interrupt));
    }

    /// Stop speaking now and drop the queue (the script is kept for [`Speaker::repeat`]).
    pub fn stop(&self) {
        self.send(Cmd::Stop);
    }

    /// Interrupt and say the current script again from its start (the Help/Repeat key).
    pub fn repeat(&self) {
        self.send(Cmd::Repeat);
    }

    /// The rate and volume levels in force (as last set on this speaker).
    pub fn prosody(&self) -> Prosody {
        *self
            .shared
            .prosody
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    fn set_prosody(&self, f: impl FnOnce(&mut Prosody)) -> Prosody {
        let mut g = self
            .shared
            .prosody
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        f(&mut g);
        *g = g.clamped();
        let p = *g;
        drop(g);
        self.send(Cmd::Prosody(p));
        p
    }

    /// Set the rate level (clamped to [`RATE_LEVELS`]); applies from the next cue. Returns
    /// the level now in force.
    pub fn set_rate(&self, level: i8) -> i8 {
        self.set_prosody(|p| p.rate = level).rate
    }

    /// Set the volume level (clamped to [`VOLUME_LEVELS`]); applies from the next cue.
    /// Returns the level now in force.
    pub fn set_volume(&self, level: i8) -> i8 {
        self.set_prosody(|p| p.volume = level).volume
    }

    /// For the next user: stop, forget the script and return to the default levels.
    pub fn reset(&self) {
        *self
            .shared
            .prosody
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Prosody::default();
        self.send(Cmd::Reset);
    }

    /// The first error the speech thread met, once (later calls return `None`). Errors
    /// never stop the speaker: it goes on (silently, if there is no backend).
    pub fn take_error(&self) -> Option<SpeechError> {
        self.shared
            .error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    /// Whether the speaker has no backend now (speech-dispatcher missing, or lost and not
    /// yet reconnected) and speaks nothing. Meaningful once the thread has started, e.g.
    /// after [`Speaker::wait_idle`].
    pub fn is_silent(&self) -> bool {
        self.shared.silent.load(Ordering::SeqCst)
    }

    /// Block until the thread has handled every earlier call and handed every queued cue
    /// to the backend (and the backend is no longer busy), or `timeout` passed. Returns
    /// whether it became idle. For tests and orderly shutdown; never call it on the UI
    /// thread.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let (tx, rx) = mpsc::channel();
        self.send(Cmd::Idle(tx));
        rx.recv_timeout(timeout).is_ok()
    }
}

/// How often the thread looks again at a busy backend.
const BUSY_POLL: Duration = Duration::from_millis(20);
/// First pause before connecting again to a lost or missing backend.
pub const RECONNECT_FIRST: Duration = Duration::from_millis(250);
/// Longest pause between two connection attempts.
pub const RECONNECT_MAX: Duration = Duration::from_secs(8);

/// The backend, or when to try to build it again.
struct Link<F> {
    make: F,
    backend: Option<Box<dyn Backend>>,
    /// Next attempt and the pause after it, while there is no backend.
    retry: Option<(Instant, Duration)>,
}

impl<F> Link<F>
where
    F: FnMut() -> Result<Box<dyn Backend>, SpeechError>,
{
    /// Build the backend now; on failure, schedule the next attempt.
    fn connect(&mut self, shared: &Shared) {
        let pause = self.retry.map_or(RECONNECT_FIRST, |(_, p)| p);
        match (self.make)() {
            Ok(b) => {
                if self.retry.is_some() || shared.silent.load(Ordering::SeqCst) {
                    tracing::info!("speech: connected to speech-dispatcher again");
                }
                self.backend = Some(b);
                self.retry = None;
                shared.silent.store(false, Ordering::SeqCst);
            }
            Err(e) => {
                tracing::debug!(error = %e, retry_ms = pause.as_millis() as u64, "speech: no backend");
                shared.silent.store(true, Ordering::SeqCst);
                shared.report(e);
                self.retry = Some((Instant::now() + pause, (pause * 2).min(RECONNECT_MAX)));
            }
        }
    }

    /// After a failed request: drop a dead backend (and connect again at once).
    fn check(&mut self, shared: &Shared) {
        if let Some(b) = self.backend.as_mut()
            && !b.alive()
        {
            tracing::warn!("speech: lost speech-dispatcher; reconnecting");
            self.backend = None;
            shared.silent.store(true, Ordering::SeqCst);
            self.retry = None;
            self.connect(shared);
        }
    }

    /// How long the thread may wait for a command before the next connection attempt.
    fn until_retry(&self) -> Option<Duration> {
        self.retry
            .map(|(at, _)| at.saturating_duration_since(Instant::now()))
    }
}

fn run<F>(make: F, rx: mpsc::Receiver<Cmd>, shared: Arc<Shared>)
where
    F: FnMut() -> Result<Box<dyn Backend>, SpeechError>,
{
    let mut link = Link {
        make,
        backend: None,
        retry: None,
    };
    link.connect(&shared);
    let mut queue: VecDeque<Cue> = VecDeque::new();
    let mut script: Vec<Cue> = Vec::new();
    let mut prosody = Prosody::default();
    let mut waiters: Vec<mpsc::Sender<()>> = Vec::new();
    loop {
        if link.backend.is_none() && link.until_retry() == Some(Duration::ZERO) {
            link.connect(&shared);
        }
        let mut busy = false;
        let mut retried = false;
        while let Some(b) = link.backend.as_mut() {
            busy = b.busy();
            if busy {
                break;
            }
            let Some(cue) = queue.pop_front() else { break };
            if let Err(e) = b.speak(&cue, prosody) {
                shared.report(e);
                link.check(&shared);
                if link.backend.is_some() && !retried {
                    // Reconnected: say what the dead connection dropped (once).
                    queue.push_front(cue);
                    retried = true;
                }
            }
        }
        if link.backend.is_none() {
            // Nothing is said while there is no backend, and nothing is kept for later:
            // a sentence spoken minutes late would be about another screen.
            queue.clear();
        }
        let idle = queue.is_empty() && !busy;
        if idle {
            for w in waiters.drain(..) {
                let _ = w.send(());
            }
        }
        let wait = if idle {
            link.until_retry()
        } else {
            Some(BUSY_POLL)
        };
        let cmd = match wait {
            None => match rx.recv() {
                Ok(c) => c,
                Err(_) => break,
            },
            Some(t) => match rx.recv_timeout(t) {
                Ok(c) => c,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => break,
            },
        };
        let stop = |link: &mut Link<F>| {
            if let Some(b) = link.backend.as_mut()
                && let Err(e) = b.stop()
            {
                shared.report(e);
                link.check(&shared);
            }
        };
        match cmd {
            Cmd::Say(cues, interrupt) => {
                let chars: usize = cues
                    .iter()
                    .map(|c| match c {
                        Cue::Say(u) => u.text.chars().count(),
                        Cue::Tone => 0,
                    })
                    .sum();
                tracing::debug!(cues = cues.len(), chars, interrupt, "speech: say");
                if interrupt {
                    queue.clear();
                    stop(&mut link);
                    script.clear();
                }
                script.extend(cues.iter().cloned());
                queue.extend(cues);
            }
            Cmd::Stop => {
                queue.clear();
                stop(&mut link);
            }
            Cmd::Repeat => {
                tracing::debug!(cues = script.len(), "speech: repeat");
                queue.clear();
                stop(&mut link);
                queue.extend(script.iter().cloned());
            }
            Cmd::Prosody(p) => prosody = p,
            Cmd::Reset => {
                queue.clear();
                stop(&mut link);
                script.clear();
                prosody = Prosody::default();
            }
            Cmd::Idle(w) => waiters.push(w),
        }
    }
}

/// What [`probe`] found: the voice speech-dispatcher would use for each language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voices {
    /// The Arabic voice's name, if any.
    pub arabic: Option<String>,
    /// The English voice's name, if any.
    pub english: Option<String>,
    /// How many voices speech-dispatcher listed in all.
    pub count: usize,
}

impl Voices {
    /// `Ok` if both languages have a voice, else [`SpeechError::NoVoice`] for the first
    /// missing one (Arabic first).
    pub fn require_both(&self) -> Result<(), SpeechError> {
        for (lang, v) in [(Lang::Ar, &self.arabic), (Lang::En, &self.english)] {
            if v.is_none() {
                return Err(SpeechError::NoVoice {
                    lang,
                    found: self.count,
                });
            }
        }
        Ok(())
    }
}

/// For `manassa doctor`: connect to speech-dispatcher as the kiosk would (honouring
/// `SPEECHD_ADDRESS`, autospawning otherwise), list its voices and say which would speak
/// Arabic and English. Errors only if it cannot connect ([`SpeechError::Unavailable`]) or
/// list; a missing voice is a `None` in [`Voices`] (see [`Voices::require_both`]). Speaks
/// nothing. Blocking (a few ms; up to libspeechd's autospawn wait if the daemon must start).
pub fn probe() -> Result<Voices, SpeechError> {
    let guard = OPENING.lock().unwrap_or_else(|p| p.into_inner());
    let tts = tts::Tts::new(tts::Backends::SpeechDispatcher)
        .map_err(|e| SpeechError::Unavailable(e.to_string()))?;
    drop(guard);
    let voices = tts
        .voices()
        .map_err(|e| SpeechError::Backend(e.to_string()))?;
    Ok(Voices {
        arabic: best_voice(&voices, Lang::Ar).map(|v| v.name()),
        english: best_voice(&voices, Lang::En).map(|v| v.name()),
        count: voices.len(),
    })
}
