//! Sanitising untrusted text (names and fields from the API, typed complaint text) before it
//! is shown, spoken or printed.
//!
//! Steps: Unicode NFC (UAX #15); remove the bidi embedding, override and isolate controls
//! U+202A–U+202E and U+2066–U+2069 (UAX #9 §2.1–2.4), which could make a printed field read
//! differently from what was signed ("Trojan Source"); remove other control and format
//! characters except ZWNJ/ZWJ (needed by Arabic-script spelling) and the line break when
//! allowed; remove unassigned, private-use and noncharacter code points; collapse runs of
//! white space; bound the length in characters.

use unicode_general_category::{GeneralCategory, get_general_category};
use unicode_normalization::UnicodeNormalization;

/// Default bound for a single-line field, in characters.
pub const FIELD_MAX_CHARS: usize = 200;

/// Sanitise a single-line field: NFC, no controls, no bidi overrides, spaces collapsed,
/// at most [`FIELD_MAX_CHARS`] characters (longer input is cut, never rejected, so
/// nothing the ministry sent is refused for length alone).
pub fn sanitize(input: &str) -> String {
    sanitize_with(input, FIELD_MAX_CHARS, false)
}

/// Sanitise with an explicit bound (characters) and whether U+000A line breaks survive.
pub fn sanitize_with(input: &str, max_chars: usize, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(input.len().min(max_chars * 4));
    let mut count = 0;
    let mut pending_space = false;
    for c in input.nfc() {
        if count >= max_chars {
            break;
        }
        if c == '\n' && keep_newlines {
            // Trailing spaces before a break carry no meaning.
            pending_space = false;
            out.push('\n');
            count += 1;
            continue;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty() && !out.ends_with('\n');
            continue;
        }
        if !allowed(c) {
            continue;
        }
        if pending_space {
            out.push(' ');
            count += 1;
            pending_space = false;
            if count >= max_chars {
                break;
            }
        }
        out.push(c);
        count += 1;
    }
    out
}

fn allowed(c: char) -> bool {
    if matches!(c, '\u{200C}' | '\u{200D}') {
        return true;
    }
    if matches!(c as u32, 0xFDD0..=0xFDEF) || (c as u32 & 0xFFFE) == 0xFFFE {
        return false;
    }
    !matches!(
        get_general_category(c),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::Unassigned
            | GeneralCategory::PrivateUse
            | GeneralCategory::Surrogate
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_bidi_overrides_and_isolates() {
        let evil = "\u{202E}BP-2026\u{202C} \u{2067}محمد\u{2069}\u{200F}";
        assert_eq!(sanitize(evil), "BP-2026 محمد");
    }

    #[test]
    fn normalises_to_nfc() {
        // e + combining acute → é
        assert_eq!(sanitize("Jose\u{0301}"), "José");
        // Arabic alef + hamza above (U+0627 U+0654) → U+0623
        assert_eq!(sanitize("\u{0627}\u{0654}حمد"), "أحمد");
    }

    #[test]
    fn removes_controls_and_collapses_space() {
        assert_eq!(sanitize("  a\u{0007}b\t\t c \r\n"), "ab c");
        assert_eq!(sanitize_with("a  \nb", 10, true), "a\nb");
    }

    #[test]
    fn keeps_joiners_and_arabic_marks() {
        assert_eq!(sanitize("مُحَمَّد\u{200C}"), "مُحَمَّد\u{200C}");
    }

    #[test]
    fn drops_private_use_and_noncharacters_and_bounds_length() {
        assert_eq!(sanitize("a\u{E000}b\u{FFFF}c\u{FDD0}"), "abc");
        assert_eq!(
            sanitize_with(&"x".repeat(500), 10, false).chars().count(),
            10
        );
    }
}
