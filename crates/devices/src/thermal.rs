//! The thermal printer's device thread and its config: one OS thread owns the serial port
//! (blocking `serialport` I/O never runs on the UI thread or a tokio worker); jobs arrive
//! over a channel and each answers on its own oneshot.

use std::collections::BTreeMap;
use std::sync::mpsc;

use serde::Deserialize;
use serde::de::IgnoredAny;
use tokio::sync::oneshot;

use super::escpos::{DEFAULT_PROFILE, EscPosPrinter, PrinterError, Profile, TicketItem};
use super::serial::SerialConfig;

type Job = (Vec<TicketItem>, oneshot::Sender<Result<(), PrinterError>>);

/// Handle to the printer thread. Cloning shares the same thread.
#[derive(Clone)]
pub struct ThermalPrinter {
    jobs: mpsc::Sender<Job>,
    profile: Profile,
}

impl ThermalPrinter {
    /// Start the printer thread for the port in `cfg`, for a printer `profile`. The port
    /// is opened lazily per job and reopened after an error (unplug, timeout).
    pub fn spawn(cfg: SerialConfig, profile: Profile) -> ThermalPrinter {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("thermal-printer".into())
            .spawn(move || {
                let mut printer: Option<EscPosPrinter> = None;
                for (items, reply) in rx {
                    if printer.is_none() {
                        match EscPosPrinter::with_profile(&cfg, profile) {
                            Ok(p) => printer = Some(p),
                            Err(e) => {
                                let _ = reply.send(Err(e));
                                continue;
                            }
                        }
                    }
                    let result = printer.as_mut().map(|p| p.print(&items));
                    if let Some(Err(_)) = &result {
                        // Start from a fresh port next time: the line may be gone.
                        printer = None;
                    }
                    if let Some(r) = result {
                        let _ = reply.send(r);
                    }
                }
            })
            .expect("spawn thermal-printer thread");
        ThermalPrinter { jobs: tx, profile }
    }

    /// Head width in dots.
    pub fn dot_width(&self) -> u32 {
        self.profile.dot_width
    }

    /// Print one job; resolves when the printer has taken it (status checked before and
    /// after, see [`EscPosPrinter::print`]).
    pub async fn print(&self, items: Vec<TicketItem>) -> Result<(), PrinterError> {
        let (tx, rx) = oneshot::channel();
        if self.jobs.send((items, tx)).is_err() {
            return Err(PrinterError::Offline);
        }
        rx.await.unwrap_or(Err(PrinterError::Offline))
    }
}

/// Thermal printer (`[printer]`): the serial line, the printer's profile (a name from
/// `data/thermal-profiles.toml`, `"default"` when absent) and an optional `dot_width`
/// overriding the profile's width. Unknown keys are refused, as everywhere in the config.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawThermalConfig")]
pub struct ThermalConfig {
    /// Serial line settings.
    pub serial: SerialConfig,
    /// The profile's name.
    pub profile_name: String,
    /// The profile, with the config's `dot_width` applied.
    pub profile: Profile,
}

impl ThermalConfig {
    /// The default profile on the port in `serial`.
    pub fn new(serial: SerialConfig) -> Self {
        Self {
            serial,
            profile_name: DEFAULT_PROFILE.into(),
            profile: Profile::named(DEFAULT_PROFILE).expect("the default profile exists"),
        }
    }
}

/// Keys of `[printer]` besides the serial ones, for the unknown-key message.
const THERMAL_KEYS: &str = "path, baud, parity, flow, read_timeout_ms, profile, dot_width";

// serde's `deny_unknown_fields` does not work next to `flatten`, so the keys the serial
// settings do not take are caught in `unknown` and refused in `try_from`.
#[derive(Deserialize)]
struct RawThermalConfig {
    #[serde(flatten)]
    serial: SerialConfig,
    #[serde(default)]
    profile: Option<String>,
    #[serde(default)]
    dot_width: Option<u32>,
    #[serde(flatten)]
    unknown: BTreeMap<String, IgnoredAny>,
}

impl TryFrom<RawThermalConfig> for ThermalConfig {
    type Error = String;

    fn try_from(raw: RawThermalConfig) -> Result<Self, String> {
        if let Some(key) = raw.unknown.keys().next() {
            return Err(format!(
                "unknown key `{key}`, expected one of {THERMAL_KEYS}"
            ));
        }
        let profile_name = raw.profile.unwrap_or_else(|| DEFAULT_PROFILE.into());
        let mut profile = Profile::named(&profile_name).map_err(|e| e.to_string())?;
        if let Some(w) = raw.dot_width {
            profile.dot_width = w;
        }
        Ok(Self {
            serial: raw.serial,
            profile_name,
            profile,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::escpos::Cut;

    fn parse(text: &str) -> Result<ThermalConfig, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn a_profile_is_selected_by_name_and_the_width_can_be_overridden() {
        let c = parse("path = \"/dev/x\"\nprofile = \"58mm-raster-qr\"\n").unwrap();
        assert_eq!(c.profile.dot_width, 384);
        assert!(!c.profile.native_qr);
        assert_eq!(c.profile.cut, Cut::None);
        let c = parse("path = \"/dev/x\"\nbaud = 115200\ndot_width = 512\n").unwrap();
        assert_eq!(c.profile_name, "default");
        assert_eq!(c.profile.dot_width, 512);
        assert_eq!(c.serial.baud, 115200);
        assert_eq!(c, {
            let mut d = ThermalConfig::new(c.serial.clone());
            d.profile.dot_width = 512;
            d
        });
    }

    #[test]
    fn unknown_keys_and_profiles_are_refused() {
        let e = parse("path = \"/dev/x\"\ndot_widht = 512\n").unwrap_err();
        assert!(e.contains("unknown key `dot_widht`"), "{e}");
        let e = parse("path = \"/dev/x\"\nprofile = \"tm-xyz\"\n").unwrap_err();
        assert!(e.contains("unknown printer profile \"tm-xyz\""), "{e}");
        assert!(parse("baud = 9600\n").is_err(), "path is required");
    }
}
