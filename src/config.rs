//! Kiosk configuration: a TOML file with documented defaults (see `docs/config.example.toml`).
//!
//! Errors name the key and the problem, e.g. `printer.dot_width: 500 is not one of 384,
//! 432, 512, 576`, so a technician can fix the file without reading code.

use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use manassa_devices::a4::A4Config;
use manassa_devices::escpos::DOT_WIDTHS;
use manassa_devices::serial::SerialConfig;
pub use manassa_devices::thermal::ThermalConfig;
use manassa_i18n::Lang;

/// The whole configuration.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// This kiosk.
    pub kiosk: KioskConfig,
    /// The ministry API.
    pub ministry: MinistryConfig,
    /// The offline outbox database.
    pub outbox: OutboxConfig,
    /// Motorised ID card reader (CRT-310 family); absent = typed QID only.
    pub card_reader: Option<SerialConfig>,
    /// Thermal receipt printer (ESC/POS).
    pub printer: Option<ThermalConfig>,
    // -- devices: passive readers --
    /// ID/passport page reader sending ICAO 9303 MRZ (TD1/TD3) in a vendor frame
    /// (`manassa_devices::mrz`); absent = no document reader.
    pub mrz_reader: Option<SerialConfig>,
    /// Technician badge reader, RDM6300 (`manassa_devices::badge`; 9600 8N1); absent = no
    /// badge login.
    pub badge_reader: Option<SerialConfig>,
    /// QR/barcode scanner in serial mode (`manassa_devices::scanner`): serial settings plus
    /// `terminator` (cr | lf | crlf) and `max_line` (bytes); absent = no paper verification
    /// by scan.
    pub scanner: Option<manassa_devices::scanner::ScannerConfig>,
    // -- end devices --
    /// A4 printer.
    pub a4: A4Config,
    // -- maintenance --
    /// Technician menu: PINs, session timeout, state folder.
    pub maintenance: MaintenanceConfig,
    // -- end maintenance --
}

// -- maintenance --
/// The technician menu (`[maintenance]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MaintenanceConfig {
    /// Technician PINs: badge id (10 hex digits, as the badge reader reads it) to an
    /// Argon2id PHC string (`manassa pin-hash` makes one). Empty: nobody can log in.
    pub pins: std::collections::BTreeMap<String, String>,
    /// Seconds without a touch before a technician session ends (60–3600).
    pub session_timeout_s: u32,
    /// Folder of the PIN lockout state, the counters and the technician's defaults.
    pub state_dir: PathBuf,
}

impl Default for MaintenanceConfig {
    fn default() -> Self {
        MaintenanceConfig {
            pins: Default::default(),
            session_timeout_s: 300,
            state_dir: PathBuf::from("/var/lib/manassa"),
        }
    }
}
// -- end maintenance --

/// Kiosk identity and behaviour.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KioskConfig {
    /// Kiosk id printed on tickets and used in reference numbers (1–16 of A–Z, 0–9, `-`).
    pub id: String,
    /// Language of the attract screen.
    pub language: Lang,
    /// Seconds without input before the inactivity warning (30–600).
    pub idle_timeout_s: u32,
    /// The panel's pixel density, dots per inch (50–400): 102.5 for a 21.5" 1920×1080
    /// panel. Touch targets must come out at ≥ 15 mm at this density.
    pub display_dpi: f32,
    /// Typical eye-to-screen distance, millimetres (250–1000), for EN 301 549 5.1.4 (a
    /// capital H subtends ≥ 0.7° in large-text mode; the normal text meets it too).
    pub viewing_distance_mm: f32,
}

impl KioskConfig {
    /// Millimetres on the panel of `px` logical pixels.
    pub fn px_to_mm(&self, px: f32) -> f32 {
        px * 25.4 / self.display_dpi
    }

    /// The angle in degrees that a capital letter of a font of `font_px` subtends at the
    /// viewing distance (Noto's cap height is 0.714 em).
    pub fn cap_height_deg(&self, font_px: f32) -> f32 {
        let h = self.px_to_mm(font_px * 0.714);
        (h / self.viewing_distance_mm).atan().to_degrees()
    }
}

impl Default for KioskConfig {
    fn default() -> Self {
        KioskConfig {
            id: "K01".into(),
            language: Lang::Ar,
            idle_timeout_s: 90,
            display_dpi: 102.5,
            viewing_distance_mm: 500.0,
        }
    }
}

/// Where the ministry API is and how the kiosk authenticates.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MinistryConfig {
    /// Base URL without the `/v1` prefix, `https://` (or `http://` on loopback only).
    pub base_url: String,
    /// The kiosk's bearer token.
    pub kiosk_token: String,
    /// Per-request timeout in milliseconds (500–60000).
    pub timeout_ms: u64,
    /// The verifier page a phone opens from a paper's QR (`https://`); the seal goes in
    /// the URL's fragment.
    pub verifier_url: String,
    /// Where the ministry's seal keys are kept for offline checks (JSON); default
    /// `seal-keys.json` beside the outbox database.
    pub keys_path: Option<PathBuf>,
    /// Seconds between refreshes of the seal keys (60–604800); an unknown key id also
    /// refreshes them.
    pub keys_refresh_s: u64,
    /// A PEM file of the CA certificates the ministry's TLS certificate must chain to;
    /// when set, they are the only trusted roots (CA pinning, DESIGN §11). Default: the
    /// bundled web PKI roots.
    pub ca_pem: Option<PathBuf>,
}

impl Config {
    /// The ministry API client this configuration describes: base URL, kiosk token,
    /// timeout, and the pinned CA of `ministry.ca_pem` when set.
    ///
    /// Errors: an unreadable or invalid `ca_pem`, a base URL the client refuses; both
    /// name the key.
    pub fn api_client(&self) -> Result<manassa_ministry_api::client::Client, ConfigError> {
        let m = &self.ministry;
        let pem = match &m.ca_pem {
            Some(path) => {
                Some(
                    std::fs::read_to_string(path).map_err(|e| ConfigError::Invalid {
                        key: "ministry.ca_pem",
                        problem: format!("cannot read {}: {e}", path.display()),
                    })?,
                )
            }
            None => None,
        };
        manassa_ministry_api::client::Client::with_ca_pem(
            &m.base_url,
            &m.kiosk_token,
            std::time::Duration::from_millis(m.timeout_ms),
            pem.as_deref(),
        )
        .map_err(|e| ConfigError::Invalid {
            key: if pem.is_some() {
                "ministry.ca_pem"
            } else {
                "ministry.base_url"
            },
            problem: e.to_string(),
        })
    }

    /// The seal key file: `ministry.keys_path`, or `seal-keys.json` beside the outbox.
    pub fn keys_path(&self) -> PathBuf {
        self.ministry.keys_path.clone().unwrap_or_else(|| {
            self.outbox
                .path
                .parent()
                .unwrap_or(Path::new("."))
                .join("seal-keys.json")
        })
    }
}

impl Default for MinistryConfig {
    fn default() -> Self {
        MinistryConfig {
            base_url: "http://127.0.0.1:8787".into(),
            kiosk_token: "demo-kiosk-token".into(),
            timeout_ms: 8000,
            verifier_url: manassa_documents::seal::DEFAULT_VERIFIER_URL.into(),
            keys_path: None,
            keys_refresh_s: crate::tawkeed::DEFAULT_REFRESH_S,
            ca_pem: None,
        }
    }
}

/// The outbox database.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutboxConfig {
    /// SQLite file.
    pub path: PathBuf,
}

impl Default for OutboxConfig {
    fn default() -> Self {
        OutboxConfig {
            path: PathBuf::from("/var/lib/manassa/outbox.sqlite"),
        }
    }
}

/// A configuration problem, naming the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// TOML syntax or a type error (the message names the key and line).
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// A value out of its allowed range.
    #[error("{key}: {problem}")]
    Invalid {
        /// Dotted key, e.g. `printer.dot_width`.
        key: &'static str,
        /// What is wrong.
        problem: String,
    },
}

impl Config {
    /// Read and validate a TOML file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Config::parse(&text).map_err(|e| match e {
            ConfigError::Parse { message, .. } => ConfigError::Parse {
                path: path.to_owned(),
                message,
            },
            other => other,
        })
    }

    /// Parse and validate TOML text.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let cfg: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: PathBuf::new(),
            message: e.to_string(),
        })?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Check ranges and formats that TOML types alone cannot express.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let id = &self.kiosk.id;
        if id.is_empty()
            || id.len() > 16
            || !id
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(ConfigError::Invalid {
                key: "kiosk.id",
                problem: format!("{id:?} must be 1–16 characters of A–Z, 0–9 and -"),
            });
        }
        if !(50.0..=400.0).contains(&self.kiosk.display_dpi) {
            return Err(ConfigError::Invalid {
                key: "kiosk.display_dpi",
                problem: format!("{} is outside 50–400 dpi", self.kiosk.display_dpi),
            });
        }
        if !(250.0..=1000.0).contains(&self.kiosk.viewing_distance_mm) {
            return Err(ConfigError::Invalid {
                key: "kiosk.viewing_distance_mm",
                problem: format!("{} is outside 250–1000 mm", self.kiosk.viewing_distance_mm),
            });
        }
        if !(30..=600).contains(&self.kiosk.idle_timeout_s) {
            return Err(ConfigError::Invalid {
                key: "kiosk.idle_timeout_s",
                problem: format!("{} is outside 30–600 seconds", self.kiosk.idle_timeout_s),
            });
        }
        if let Err(problem) = manassa_ministry_api::client::check_base_url(&self.ministry.base_url)
        {
            return Err(ConfigError::Invalid {
                key: "ministry.base_url",
                problem,
            });
        }
        if self.ministry.kiosk_token.trim().is_empty() {
            return Err(ConfigError::Invalid {
                key: "ministry.kiosk_token",
                problem: "must not be empty".into(),
            });
        }
        if !(500..=60_000).contains(&self.ministry.timeout_ms) {
            return Err(ConfigError::Invalid {
                key: "ministry.timeout_ms",
                problem: format!("{} is outside 500–60000 ms", self.ministry.timeout_ms),
            });
        }
        if !self.ministry.verifier_url.starts_with("https://")
            || self.ministry.verifier_url.contains(['#', ' '])
        {
            return Err(ConfigError::Invalid {
                key: "ministry.verifier_url",
                problem: format!(
                    "{:?} must be an https:// URL without a fragment",
                    self.ministry.verifier_url
                ),
            });
        }
        if self.ministry.ca_pem.is_some() {
            self.api_client()?;
        }
        if !(60..=604_800).contains(&self.ministry.keys_refresh_s) {
            return Err(ConfigError::Invalid {
                key: "ministry.keys_refresh_s",
                problem: format!(
                    "{} is outside 60–604800 seconds",
                    self.ministry.keys_refresh_s
                ),
            });
        }
        if let Some(p) = &self.printer
            && !DOT_WIDTHS.contains(&p.profile.dot_width)
        {
            return Err(ConfigError::Invalid {
                key: "printer.dot_width",
                problem: format!("{} is not one of 384, 432, 512, 576", p.profile.dot_width),
            });
        }
        if let A4Config::Cups { queue } = &self.a4
            && (queue.is_empty() || queue.contains(['/', '#', ' ']))
        {
            return Err(ConfigError::Invalid {
                key: "a4.queue",
                problem: format!("{queue:?} is not a CUPS queue name"),
            });
        }
        // -- maintenance --
        if !(60..=3600).contains(&self.maintenance.session_timeout_s) {
            return Err(ConfigError::Invalid {
                key: "maintenance.session_timeout_s",
                problem: format!(
                    "{} is outside 60–3600 seconds",
                    self.maintenance.session_timeout_s
                ),
            });
        }
        for (badge, phc) in &self.maintenance.pins {
            let id = manassa_devices::badge::BadgeId::from_hex(badge).map_err(|e| {
                ConfigError::Invalid {
                    key: "maintenance.pins",
                    problem: e,
                }
            })?;
            crate::maintenance::pins::check_phc(phc).map_err(|e| ConfigError::Invalid {
                key: "maintenance.pins",
                problem: format!("badge {}: {e}", id.masked()),
            })?;
        }
        // -- end maintenance --
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        Config::default().validate().unwrap();
        let c = Config::parse("").unwrap();
        assert_eq!(c.kiosk.id, "K01");
    }

    #[test]
    fn full_file_parses() {
        let c = Config::parse(
            r#"
            [kiosk]
            id = "DOHA-07"
            language = "en"
            [ministry]
            base_url = "https://api.example.qa"
            kiosk_token = "t"
            [printer]
            path = "/dev/serial/by-id/thermal"
            baud = 115200
            dot_width = 512
            [a4]
            sink = "file"
            folder = "/tmp/out"
            "#,
        )
        .unwrap();
        assert_eq!(c.kiosk.language, Lang::En);
        assert_eq!(c.printer.unwrap().profile.dot_width, 512);
        assert_eq!(
            c.a4,
            A4Config::File {
                folder: "/tmp/out".into()
            }
        );
    }

    // -- maintenance --
    #[test]
    fn maintenance_section_and_the_example_file() {
        let example = Config::parse(include_str!("../docs/config.example.toml")).unwrap();
        assert_eq!(example.maintenance.session_timeout_s, 300);
        assert_eq!(
            example
                .maintenance
                .pins
                .get("0A00C0FFEE")
                .map(String::as_str),
            Some(crate::maintenance::DEMO_PIN_HASH)
        );
        let e = Config::parse("[maintenance.pins]\n\"0A00C0FFEE\" = \"2468\"\n").unwrap_err();
        assert!(e.to_string().starts_with("maintenance.pins:"), "{e}");
        assert!(
            !e.to_string().contains("0A00C0FFEE"),
            "badge ids are masked: {e}"
        );
        let e = Config::parse("[maintenance]\nsession_timeout_s = 5\n").unwrap_err();
        assert!(
            e.to_string().starts_with("maintenance.session_timeout_s:"),
            "{e}"
        );
    }
    // -- end maintenance --

    #[test]
    fn errors_name_the_key() {
        let e = Config::parse("[printer]\npath = \"/dev/x\"\ndot_widht = 512\n").unwrap_err();
        assert!(e.to_string().contains("unknown key `dot_widht`"), "{e}");
        let c = Config::parse("[printer]\npath = \"/dev/x\"\nprofile = \"58mm\"\n").unwrap();
        assert_eq!(c.printer.unwrap().profile.dot_width, 384);
        let e = Config::parse("[printer]\npath = \"/dev/x\"\ndot_width = 500\n").unwrap_err();
        assert!(e.to_string().starts_with("printer.dot_width:"), "{e}");
        let e = Config::parse("[kiosk]\nidle_timeout_s = 5\n").unwrap_err();
        assert!(e.to_string().starts_with("kiosk.idle_timeout_s:"), "{e}");
        let e = Config::parse("[ministry]\nbase_url = \"http://api.example.qa\"\n").unwrap_err();
        assert!(e.to_string().starts_with("ministry.base_url:"), "{e}");
        let e = Config::parse("[kiosk]\ncolour = 1\n").unwrap_err();
        assert!(e.to_string().contains("colour"), "{e}");
    }
}
