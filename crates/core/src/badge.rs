//! Technician badges: the identity an EM4100 125 kHz tag carries.

use std::fmt;

/// A badge's identity: the EM4100 version/customer byte and the 32-bit tag number.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct BadgeId {
    /// Version (customer) byte.
    pub version: u8,
    /// Tag number.
    pub tag: u32,
}

impl BadgeId {
    /// The 10 hex digits as the reader sends them (a credential: compare, never log).
    pub fn hex(&self) -> String {
        format!("{:02X}{:08X}", self.version, self.tag)
    }

    /// The last 4 hex digits behind asterisks, for logs and technician screens.
    pub fn masked(&self) -> String {
        format!("******{:04X}", self.tag & 0xFFFF)
    }

    /// Parses 10 hex digits.
    ///
    /// # Errors
    /// When `s` is not exactly 10 hex digits.
    pub fn from_hex(s: &str) -> Result<Self, String> {
        if s.len() != 10 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("a badge id is 10 hex digits".into());
        }
        Ok(Self {
            version: u8::from_str_radix(&s[..2], 16).map_err(|e| e.to_string())?,
            tag: u32::from_str_radix(&s[2..], 16).map_err(|e| e.to_string())?,
        })
    }
}

impl fmt::Debug for BadgeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BadgeId({})", self.masked())
    }
}
