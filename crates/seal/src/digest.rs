//! The digest of a paper's printed fields and the keyed holder reference.

use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use crate::SealError;

/// SHA-256 of the printed fields as one CBOR map from field id to value, both text and
/// NFC-normalised, in RFC 8949 §4.2.1 core deterministic encoding (definite lengths,
/// shortest heads, keys sorted by their encoded bytes). Unlike `name=value` lines, no value
/// can be read as another field, whatever it holds (a newline, `=`).
///
/// Errors: [`SealError::Malformed`] when two fields have the same id after normalisation.
pub fn fields_digest(fields: &[(&str, &str)]) -> Result<[u8; 32], SealError> {
    Ok(Sha256::digest(canonical_text_map(fields)?).into())
}

/// The deterministic CBOR encoding of a map of text to text (see [`fields_digest`]).
///
/// Errors: [`SealError::Malformed`] on a repeated key.
pub fn canonical_text_map(pairs: &[(&str, &str)]) -> Result<Vec<u8>, SealError> {
    let mut entries: Vec<(Vec<u8>, Vec<u8>)> = pairs
        .iter()
        .map(|(k, v)| {
            (
                text(&k.nfc().collect::<String>()),
                text(&v.nfc().collect::<String>()),
            )
        })
        .collect();
    entries.sort();
    if entries.windows(2).any(|w| w[0].0 == w[1].0) {
        return Err(SealError::Malformed("a printed field id is repeated"));
    }
    let mut out = head(5, entries.len() as u64);
    for (k, v) in entries {
        out.extend_from_slice(&k);
        out.extend_from_slice(&v);
    }
    Ok(out)
}

/// A CBOR text string (major type 3).
fn text(s: &str) -> Vec<u8> {
    let mut out = head(3, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
    out
}

/// The shortest head of major type `major` with argument `n` (RFC 8949 §4.2.1).
fn head(major: u8, n: u64) -> Vec<u8> {
    let m = major << 5;
    match n {
        0..=23 => vec![m | n as u8],
        24..=0xff => vec![m | 24, n as u8],
        0x100..=0xffff => {
            let mut v = vec![m | 25];
            v.extend_from_slice(&(n as u16).to_be_bytes());
            v
        }
        0x1_0000..=0xffff_ffff => {
            let mut v = vec![m | 26];
            v.extend_from_slice(&(n as u32).to_be_bytes());
            v
        }
        _ => {
            let mut v = vec![m | 27];
            v.extend_from_slice(&n.to_be_bytes());
            v
        }
    }
}

/// The version 1 digest, kept so `MNS1:` papers still verify: SHA-256 of each
/// `(name, value)` NFC-normalised, sorted, as `name=value\n`.
pub fn fields_digest_v1(fields: &[(&str, &str)]) -> [u8; 32] {
    let mut sorted: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (k.nfc().collect(), v.nfc().collect()))
        .collect();
    sorted.sort();
    let mut h = Sha256::new();
    for (k, v) in sorted {
        h.update(k.as_bytes());
        h.update(b"=");
        h.update(v.as_bytes());
        h.update(b"\n");
    }
    h.finalize().into()
}

/// The holder reference: HMAC-SHA256 (RFC 2104) of the QID under a secret only the signer
/// holds, truncated to 16 bytes, as 32 lowercase hex digits. Without the secret, nobody can
/// try the 10^11 possible QIDs against it, as anyone could with a bare hash.
#[cfg(feature = "sign")]
pub fn holder_ref(secret: &[u8], qid: &str) -> String {
    use hmac::Mac as _;
    let mut mac =
        hmac::Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(b"manassa-holder-v2:");
    mac.update(qid.as_bytes());
    mac.finalize().into_bytes()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_is_rfc8949_deterministic() {
        // {"a": "x", "bb": ""}: shorter key first, shortest heads.
        assert_eq!(
            canonical_text_map(&[("bb", ""), ("a", "x")]).unwrap(),
            vec![0xa2, 0x61, b'a', 0x61, b'x', 0x62, b'b', b'b', 0x60]
        );
        // Length 24 needs a one-byte argument; 256 a two-byte one.
        assert_eq!(&text(&"z".repeat(24))[..2], &[0x78, 24]);
        assert_eq!(&text(&"z".repeat(256))[..3], &[0x79, 1, 0]);
        assert_eq!(head(5, 0), vec![0xa0]);
        assert_eq!(head(3, 70_000), vec![0x7a, 0, 1, 0x11, 0x70]);
    }

    #[test]
    fn a_newline_in_a_value_cannot_forge_another_field() {
        // As lines, these two are the same bytes; as CBOR they differ.
        let one = [("a", "1\nb=2")];
        let two = [("a", "1"), ("b", "2")];
        assert_eq!(fields_digest_v1(&one), fields_digest_v1(&two));
        assert_ne!(fields_digest(&one).unwrap(), fields_digest(&two).unwrap());
    }

    #[test]
    fn order_and_normalisation_do_not_matter_but_repeats_are_refused() {
        let nfd = "e\u{301}";
        let a = fields_digest(&[("x", "\u{e9}"), ("y", "2")]).unwrap();
        let b = fields_digest(&[("y", "2"), ("x", nfd)]).unwrap();
        assert_eq!(a, b);
        assert!(fields_digest(&[("x", "1"), ("x", "2")]).is_err());
    }

    #[cfg(feature = "sign")]
    #[test]
    fn holder_ref_is_keyed() {
        let r = holder_ref(b"secret-1", "28463400123");
        assert_eq!(r.len(), 32);
        assert_eq!(r, holder_ref(b"secret-1", "28463400123"));
        assert_ne!(r, holder_ref(b"secret-2", "28463400123"));
        assert_ne!(r, holder_ref(b"secret-1", "28463400124"));
    }
}
