//! Printer profiles: what a printer model can do, as data.
//!
//! The profiles live in `data/thermal-profiles.toml` (after escpos-printer-db: one table
//! per printer class giving its width, QR support, cutter and receive buffer), compiled
//! into the binary so a kiosk never depends on a file being present.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::RASTER_STRIP_ROWS;

/// The profile used when the config names none.
pub const DEFAULT_PROFILE: &str = "default";

/// Printable widths in dots at 203 dpi that the ticket layout supports.
pub const DOT_WIDTHS: [u32; 4] = [384, 432, 512, 576];

/// Smallest receive buffer accepted, in bytes: half of it must hold one full-width raster
/// row (72 bytes at 576 dots) and its 8-byte header.
pub const MIN_BUFFER_BYTES: u32 = 256;

const PROFILES_TOML: &str = include_str!("../../data/thermal-profiles.toml");

/// How a ticket is separated from the roll.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cut {
    /// `GS V 66 0`: feed to the cutter and cut leaving one point, so the ticket does not
    /// fall.
    Partial,
    /// `GS V 65 0`: feed to the cutter and cut through.
    Full,
    /// No cutter (tear bar): feed [`TEAR_FEED_LINES`] lines so the ticket clears the bar.
    None,
}

/// Lines fed on printers without a cutter so the last printed line clears the tear bar.
pub const TEAR_FEED_LINES: u8 = 4;

/// What a printer model can do: its profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// Printable width in dots at 203 dpi, one of [`DOT_WIDTHS`]: 384 (58 mm), 432, 512 or
    /// 576 (80 mm).
    pub dot_width: u32,
    /// The printer prints QR codes itself (`GS ( k`); when false, QR codes are sent as
    /// raster images drawn with the `qrcode` crate.
    pub native_qr: bool,
    /// The cutter, if any.
    pub cut: Cut,
    /// Receive buffer in bytes; a raster strip takes at most half of it.
    pub buffer_bytes: u32,
}

impl Profile {
    /// The [`DEFAULT_PROFILE`] (native QR, partial cut, 4 KiB buffer) at `dot_width` dots.
    pub fn new(dot_width: u32) -> Self {
        Self {
            dot_width,
            ..Self::named(DEFAULT_PROFILE).expect("the default profile exists")
        }
    }

    /// The profile called `name` in `data/thermal-profiles.toml`.
    ///
    /// # Errors
    /// [`UnknownProfile`] (listing the known names) when there is none.
    pub fn named(name: &str) -> Result<Self, UnknownProfile> {
        profiles()
            .get(name)
            .map(Entry::profile)
            .ok_or_else(|| UnknownProfile {
                name: name.to_owned(),
                known: names(),
            })
    }

    /// Raster rows per `GS v 0` strip: [`RASTER_STRIP_ROWS`], fewer when a strip of
    /// full-width rows would take more than half the receive buffer; at least 1.
    pub fn strip_rows(&self) -> u32 {
        let stride = self.dot_width.div_ceil(8).max(1);
        let room = (self.buffer_bytes / 2).saturating_sub(8);
        (room / stride).clamp(1, RASTER_STRIP_ROWS)
    }

    /// Why this profile cannot drive the ticket layout, if it cannot.
    fn check(&self) -> Result<(), String> {
        if !DOT_WIDTHS.contains(&self.dot_width) {
            return Err(format!(
                "dot_width {} is not one of {DOT_WIDTHS:?}",
                self.dot_width
            ));
        }
        if self.buffer_bytes < MIN_BUFFER_BYTES {
            return Err(format!(
                "buffer_bytes {} is below {MIN_BUFFER_BYTES}",
                self.buffer_bytes
            ));
        }
        Ok(())
    }
}

/// A printer profile name that `data/thermal-profiles.toml` does not define.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown printer profile {name:?}; known profiles: {}", known.join(", "))]
pub struct UnknownProfile {
    /// The name asked for.
    pub name: String,
    /// Every defined name, sorted.
    pub known: Vec<String>,
}

/// Every profile name, sorted.
pub fn names() -> Vec<String> {
    profiles().keys().cloned().collect()
}

/// A profile's one-line description, for `manassa device list` and the docs.
pub fn description(name: &str) -> Option<&'static str> {
    profiles().get(name).map(|e| e.description.as_str())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    description: String,
    dot_width: u32,
    native_qr: bool,
    cut: Cut,
    buffer_bytes: u32,
}

impl Entry {
    fn profile(&self) -> Profile {
        Profile {
            dot_width: self.dot_width,
            native_qr: self.native_qr,
            cut: self.cut,
            buffer_bytes: self.buffer_bytes,
        }
    }
}

fn profiles() -> &'static BTreeMap<String, Entry> {
    static PROFILES: OnceLock<BTreeMap<String, Entry>> = OnceLock::new();
    PROFILES.get_or_init(|| parse(PROFILES_TOML).expect("data/thermal-profiles.toml is valid"))
}

/// Parses and checks a profile table; the embedded one is checked by a unit test.
fn parse(text: &str) -> Result<BTreeMap<String, Entry>, String> {
    let map: BTreeMap<String, Entry> = toml::from_str(text).map_err(|e| e.to_string())?;
    for (name, e) in &map {
        e.profile()
            .check()
            .map_err(|why| format!("profile {name:?}: {why}"))?;
    }
    if !map.contains_key(DEFAULT_PROFILE) {
        return Err(format!("no {DEFAULT_PROFILE:?} profile"));
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_profiles_are_valid_and_cover_each_capability() {
        let map = parse(PROFILES_TOML).unwrap();
        let all: Vec<Profile> = map.values().map(Entry::profile).collect();
        assert!(all.iter().any(|p| !p.native_qr));
        assert!(all.iter().any(|p| p.cut == Cut::None));
        assert!(all.iter().any(|p| p.cut == Cut::Full));
        assert!(all.iter().any(|p| p.dot_width == 384));
        assert_eq!(Profile::new(512).dot_width, 512);
        assert!(Profile::named(DEFAULT_PROFILE).unwrap().native_qr);
    }

    #[test]
    fn bad_tables_are_refused_with_the_reason() {
        let base = "description = \"x\"\nnative_qr = true\ncut = \"partial\"\n";
        let e = parse(&format!(
            "[default]\n{base}dot_width = 500\nbuffer_bytes = 4096\n"
        ));
        assert!(e.unwrap_err().contains("dot_width 500"));
        let e = parse(&format!(
            "[default]\n{base}dot_width = 576\nbuffer_bytes = 64\n"
        ));
        assert!(e.unwrap_err().contains("buffer_bytes 64"));
        let e = parse(&format!(
            "[default]\n{base}dot_width = 576\nbuffer_bytes = 4096\nspeed = 9\n"
        ));
        assert!(e.is_err());
        let e = parse(&format!(
            "[other]\n{base}dot_width = 576\nbuffer_bytes = 4096\n"
        ));
        assert!(e.unwrap_err().contains("no \"default\""));
    }

    #[test]
    fn unknown_names_list_the_known_ones() {
        let e = Profile::named("tm-xyz").unwrap_err();
        assert!(e.to_string().contains("58mm"), "{e}");
        assert!(e.to_string().contains("default"), "{e}");
    }

    #[test]
    fn strips_fit_in_half_the_buffer() {
        for name in names() {
            let p = Profile::named(&name).unwrap();
            let rows = p.strip_rows();
            assert!((1..=RASTER_STRIP_ROWS).contains(&rows));
            assert!(
                8 + rows * p.dot_width.div_ceil(8) <= p.buffer_bytes / 2,
                "{name}"
            );
        }
        let small = Profile::named("80mm-small-buffer").unwrap();
        assert!(small.strip_rows() < RASTER_STRIP_ROWS);
    }
}
