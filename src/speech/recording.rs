//! [`RecordingBackend`]: what the kiosk would say, recorded for tests and snapshots.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::{Backend, Cue, Prosody, SpeechError, TONE_MARK};

/// A backend that records what would be spoken, for tests. Cheap to clone (clones share
/// the record), `Send + Sync`.
///
/// By default every cue is "spoken" at once. [`RecordingBackend::holding`] makes each cue
/// last until the test calls [`RecordingBackend::finish`], so a test can interrupt a script
/// in the middle deterministically.
#[derive(Clone, Default)]
pub struct RecordingBackend {
    inner: Arc<(Mutex<Recording>, Condvar)>,
}

#[derive(Default)]
struct Recording {
    spoken: Vec<Spoken>,
    hold: bool,
    speaking: bool,
    stops: usize,
}

/// One recorded cue with the settings it was spoken with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spoken {
    /// The cue.
    pub cue: Cue,
    /// The rate and volume levels in force.
    pub prosody: Prosody,
}

impl Spoken {
    /// The text, or [`TONE_MARK`] for a tone.
    pub fn text(&self) -> &str {
        match &self.cue {
            Cue::Say(u) => &u.text,
            Cue::Tone => TONE_MARK,
        }
    }
}

impl RecordingBackend {
    /// A recorder that speaks every cue instantly.
    pub fn new() -> Self {
        Self::default()
    }

    /// A recorder where each cue stays "being spoken" until [`RecordingBackend::finish`].
    pub fn holding() -> Self {
        let r = Self::default();
        r.lock().hold = true;
        r
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Recording> {
        self.inner.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The script so far: each cue's text in order, [`TONE_MARK`] for tones.
    pub fn script(&self) -> Vec<String> {
        self.lock()
            .spoken
            .iter()
            .map(|s| s.text().to_owned())
            .collect()
    }

    /// Everything recorded so far, with languages and levels.
    pub fn spoken(&self) -> Vec<Spoken> {
        self.lock().spoken.clone()
    }

    /// Forget the record (not the hold mode).
    pub fn clear(&self) {
        self.lock().spoken.clear();
    }

    /// How many times the speaker told the backend to stop.
    pub fn stops(&self) -> usize {
        self.lock().stops
    }

    /// In hold mode: the current cue has finished.
    pub fn finish(&self) {
        self.lock().speaking = false;
    }

    /// Wait until at least `n` cues were recorded or `timeout` passed (a guard against a
    /// hung test, not a timing assertion); returns the script either way.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<String> {
        let deadline = Instant::now() + timeout;
        let (m, cv) = &*self.inner;
        let mut g = m.lock().unwrap_or_else(|p| p.into_inner());
        while g.spoken.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            g = cv
                .wait_timeout(g, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        drop(g);
        self.script()
    }
}

impl Backend for RecordingBackend {
    fn speak(&mut self, cue: &Cue, prosody: Prosody) -> Result<(), SpeechError> {
        let mut g = self.lock();
        g.spoken.push(Spoken {
            cue: cue.clone(),
            prosody,
        });
        g.speaking = g.hold;
        drop(g);
        self.inner.1.notify_all();
        Ok(())
    }

    fn stop(&mut self) -> Result<(), SpeechError> {
        let mut g = self.lock();
        g.stops += 1;
        g.speaking = false;
        Ok(())
    }

    fn busy(&mut self) -> bool {
        self.lock().speaking
    }
}
