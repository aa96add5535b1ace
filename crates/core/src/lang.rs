//! The languages the kiosk speaks.

use serde::{Deserialize, Serialize};

/// A language the kiosk speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Arabic (Qatar), right to left. The default.
    #[default]
    Ar,
    /// English, left to right.
    En,
}

impl Lang {
    /// BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Ar => "ar-QA",
            Lang::En => "en-GB",
        }
    }

    /// Whether the script runs right to left.
    pub fn is_rtl(self) -> bool {
        self == Lang::Ar
    }

    /// The other language (the one-touch switch on every screen).
    pub fn other(self) -> Lang {
        match self {
            Lang::Ar => Lang::En,
            Lang::En => Lang::Ar,
        }
    }

    /// Parse "ar"/"en" (and region-tagged forms such as "ar-QA").
    pub fn parse(s: &str) -> Option<Lang> {
        match s.split(['-', '_']).next()?.to_ascii_lowercase().as_str() {
            "ar" => Some(Lang::Ar),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}
