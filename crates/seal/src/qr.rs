//! The QR symbol of a seal and the text it holds: a URL that a phone's camera opens on the
//! verifier page, with the seal in the fragment.
//!
//! The URL (`https://…/verify#`) is encoded in byte mode, the seal in alphanumeric mode
//! (ISO/IEC 18004 §7.4.4): Base45's alphabet is QR's alphanumeric set. Two of its
//! characters are not allowed in a URL, so the fragment percent-encodes them (RFC 3986
//! §2.1): space as `%20` and `%` as `%25`, still alphanumeric characters. The fragment never
//! reaches the web server, so the seal is not in its logs.

use crate::SealError;

/// Where a phone's camera takes a reader of the QR: the ministry's verifier page. A kiosk's
/// configuration may name another.
pub const DEFAULT_VERIFIER_URL: &str = "https://tawkeed.mm.gov.qa/verify";

/// The highest QR version a seal may use: 117 × 117 modules, so that at the printed size
/// (`documents::layout::seal_side_mm`, 0.42 mm a module) it is 49 mm wide and still fits
/// the seal block of an A4 paper.
pub const MAX_QR_VERSION: i16 = 25;

/// A QR symbol: dark modules, row-major, `width` × `width`, without the quiet zone.
#[derive(Clone, PartialEq, Eq)]
pub struct QrSymbol {
    /// `true` = dark.
    pub modules: Vec<bool>,
    /// Modules per side.
    pub width: usize,
    /// Symbol version, 1–40.
    pub version: i16,
}

impl std::fmt::Debug for QrSymbol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "QrSymbol(version {}, {} modules)",
            self.version, self.width
        )
    }
}

/// The QR text for `seal` (`MNS…:` + Base45): `verifier_url` + `#` + the seal with space
/// and `%` percent-encoded. An empty `verifier_url` gives the bare seal.
pub fn qr_text(verifier_url: &str, seal: &str) -> String {
    if verifier_url.is_empty() {
        return seal.to_string();
    }
    let mut out = String::with_capacity(verifier_url.len() + 1 + seal.len() * 11 / 10);
    out.push_str(verifier_url.trim_end_matches('#'));
    out.push('#');
    for c in seal.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '%' => out.push_str("%25"),
            c => out.push(c),
        }
    }
    out
}

/// The seal in a scanned QR text: the text itself when it starts with a seal prefix, or
/// the percent-decoded fragment of a URL whose fragment does.
///
/// Errors: [`SealError::NotASeal`] for anything else, including a bad `%` escape.
pub fn seal_from_qr_text(text: &str) -> Result<String, SealError> {
    let text = text.trim();
    if crate::is_seal_prefixed(text) {
        return Ok(text.to_string());
    }
    let (_, fragment) = text.split_once('#').ok_or(SealError::NotASeal)?;
    let bytes = fragment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = fragment.get(i + 1..i + 3).ok_or(SealError::NotASeal)?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| SealError::NotASeal)?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let seal = String::from_utf8(out).map_err(|_| SealError::NotASeal)?;
    if crate::is_seal_prefixed(&seal) {
        Ok(seal)
    } else {
        Err(SealError::NotASeal)
    }
}

/// The QR symbol for `text` at error correction level Q, in the fewest bits (the `qrcode`
/// crate splits byte and alphanumeric segments).
///
/// Errors: [`SealError::TooLarge`] when the symbol would exceed [`MAX_QR_VERSION`]; a paper
/// is then refused rather than printed with an unreadable seal.
pub fn qr_symbol(text: &str) -> Result<QrSymbol, SealError> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::Q)
        .map_err(|_| SealError::TooLarge { version: 41 })?;
    let version = match code.version() {
        qrcode::Version::Normal(v) => v,
        qrcode::Version::Micro(_) => 1,
    };
    if version > MAX_QR_VERSION {
        return Err(SealError::TooLarge { version });
    }
    Ok(QrSymbol {
        width: code.width(),
        modules: code
            .to_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect(),
        version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_text_round_trips_every_base45_character() {
        let seal = "MNS2:0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:%20";
        let text = qr_text("https://tawkeed.example/verify", seal);
        assert!(!text.contains(' '), "a URL has no space: {text}");
        assert!(text.starts_with("https://tawkeed.example/verify#MNS2:"));
        assert_eq!(seal_from_qr_text(&text).unwrap(), seal);
        assert_eq!(seal_from_qr_text(seal).unwrap(), seal);
        assert_eq!(qr_text("", seal), seal);
    }

    #[test]
    fn other_texts_are_not_seals() {
        for t in [
            "https://example.com/",
            "https://example.com/#HC1:ABC",
            "https://example.com/#MNS2:%2",
            "https://example.com/#MNS2:%ZZ",
            "hello",
            "",
        ] {
            assert_eq!(seal_from_qr_text(t), Err(SealError::NotASeal), "{t}");
        }
    }

    #[test]
    fn the_version_cap_refuses_a_seal_too_long() {
        let ok = qr_symbol(&"A".repeat(400)).unwrap();
        assert!(ok.version <= MAX_QR_VERSION);
        assert_eq!(ok.modules.len(), ok.width * ok.width);
        assert!(matches!(
            qr_symbol(&"A".repeat(2000)),
            Err(SealError::TooLarge { .. })
        ));
    }
}
