//! Technician tools (DESIGN §10).
//!
//! - [`doctor`]: `manassa doctor`, the health picture on the command line.
//! - [`menu`]: the on-screen technician menu as a pure state machine (badge, PIN, pages).
//! - [`pins`]: Argon2id PIN verification with a lockout persisted across restarts.
//! - [`monitor`]: persisted counters and the devices' last states and errors.
//! - [`service`]: runs the menu's effects (test prints, self tests, re-queue, …) and audits
//!   every technician action through the outbox.
//! - [`logs`]: the last log lines, for the log page.
//!
//! The menu is separate from the resident's [`manassa_session`]: opening it cancels the
//! resident's session, and closing it (or its timeout) returns to the attract screen.

pub mod doctor;
pub mod logs;
pub mod monitor;
pub mod pins;
pub mod service;

/// The technician menu's state machine lives in the session crate, beside the resident's.
pub use manassa_session::maintenance as menu;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use doctor::{Check, Level, doctor, exit_code, print_report};

use manassa_i18n::Lang;

/// The demo technician's badge (`manassa demo` only; never in a production default).
pub const DEMO_BADGE: &str = "0A00C0FFEE";
/// Argon2id hash of the demo technician's PIN, 246813 (`manassa demo` only).
pub const DEMO_PIN_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$Xjmw1O5v+yWSlnEFykEcdA$Mgg3sVd0dmwCryiD8vwfil1CP8zOIO68D7fMg7bmmbA";

/// Defaults a technician can change from the menu; saved as JSON in the state folder and
/// read at start (they override `[kiosk] language` and `idle_timeout_s`). A change made in
/// the menu reaches the resident's side at once ([`service::Outward::Defaults`]) and
/// applies from the next resident session (the next wipe), without a restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Defaults {
    /// Language of the attract screen.
    pub language: Lang,
    /// Seconds without input before the inactivity warning (30–600).
    pub idle_timeout_s: u32,
    /// Speech volume, 0–100 (for the speech module).
    pub volume: u8,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            language: Lang::Ar,
            idle_timeout_s: 90,
            volume: 70,
        }
    }
}

impl Defaults {
    /// The saved defaults at `path`, or `fallback` when there are none (or unreadable).
    pub fn load(path: &Path, fallback: Defaults) -> Defaults {
        std::fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .map(|d: Defaults| Defaults {
                idle_timeout_s: d.idle_timeout_s.clamp(30, 600),
                volume: d.volume.min(100),
                ..d
            })
            .unwrap_or(fallback)
    }
}

/// Files in the state folder.
pub struct StatePaths {
    /// PIN lockout state.
    pub lockout: PathBuf,
    /// Counters.
    pub counters: PathBuf,
    /// Technician defaults.
    pub defaults: PathBuf,
}

impl StatePaths {
    /// The files under `dir`.
    pub fn new(dir: &Path) -> StatePaths {
        StatePaths {
            lockout: dir.join("pin-lockout.json"),
            counters: dir.join("counters.json"),
            defaults: dir.join("defaults.json"),
        }
    }
}

/// Longest wait for speech-dispatcher to answer the probe.
pub const SPEECH_PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Whether speech-dispatcher answers within [`SPEECH_PROBE_TIMEOUT`] and has an Arabic and
/// an English voice ([`crate::speech::probe`]). Blocking: call it off the UI thread. A
/// daemon that accepts the connection but never answers leaves one probe thread blocked
/// (libspeechd has no timeout of its own); this returns false after the timeout anyway.
pub fn speech_available() -> bool {
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("speech-probe".into())
        .spawn(move || {
            let _ = tx.send(
                crate::speech::probe()
                    .map(|v| v.require_both().is_ok())
                    .unwrap_or(false),
            );
        });
    spawned.is_ok() && rx.recv_timeout(SPEECH_PROBE_TIMEOUT).unwrap_or(false)
}

/// A volume of the technician defaults (0–100) as a speech level 1–5: the same mapping for
/// the residents' sessions and the speech test.
pub fn volume_level(volume: u8) -> u8 {
    ((u32::from(volume.min(100)) + 10) / 20).clamp(1, 5) as u8
}

/// Speak the test sentence in `lang` at `volume` (0–100, mapped onto the speaker's levels
/// 1–5) through speech-dispatcher, and wait for it to be said (at most 20 s). Blocking.
/// Returns whether it was spoken without an error.
pub fn speak_test(lang: Lang, volume: u8) -> bool {
    use crate::speech::{Cue, Speaker};
    let speaker = Speaker::speech_dispatcher();
    speaker.set_volume(volume_level(volume) as i8);
    speaker.say(
        [Cue::say(
            lang,
            manassa_i18n::tr(lang, "maint-speech-sentence"),
        )],
        true,
    );
    let idle = speaker.wait_idle(std::time::Duration::from_secs(20));
    idle && !speaker.is_silent() && speaker.take_error().is_none()
}
