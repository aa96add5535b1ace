//! The Tawkeed seal: a signed QR code that proves a printed paper is an original and shows
//! what it proves.
//!
//! Chain (as the EU Digital COVID Certificate): [`Claims`] as a CBOR map → COSE_Sign1
//! (RFC 9052) signed with ES256 (ECDSA P-256 + SHA-256, RFC 9053 §2.1), the key id in the
//! protected header → zlib (RFC 1950) → Base45 (RFC 9285) → prefixed with [`PREFIX`] → in a
//! URL ([`qr_text`]) → QR code at error correction level Q (ISO/IEC 18004), version at most
//! [`MAX_QR_VERSION`].
//!
//! Version 2 (`MNS2:`) carries the facts a reader compares with the paper ([`Fact`]), a
//! digest over canonical CBOR ([`fields_digest`]) and a keyed holder reference. Version 1
//! (`MNS1:`) seals still verify.
//!
//! The ministry signs (the `sign` feature, for the reference server only); the kiosk holds
//! only public keys ([`KeySet`]) and verifies every document before printing it and every
//! scanned paper.

use std::io::Read;
#[cfg(feature = "sign")]
use std::io::Write;

use coset::{CborSerializable, CoseSign1, TaggedCborSerializable, iana};
#[cfg(feature = "sign")]
use coset::{CoseSign1Builder, HeaderBuilder};
use p256::ecdsa::Signature;
use p256::ecdsa::signature::Verifier;
#[cfg(feature = "sign")]
use p256::ecdsa::{SigningKey, signature::Signer};

mod claims;
mod digest;
mod keys;
mod qr;

pub use claims::{Claims, Fact, MAX_FACTS};
#[cfg(feature = "sign")]
pub use digest::holder_ref;
pub use digest::{canonical_text_map, fields_digest, fields_digest_v1};
pub use keys::{KeySet, VerificationKey};
pub use qr::{
    DEFAULT_VERIFIER_URL, MAX_QR_VERSION, QrSymbol, qr_symbol, qr_text, seal_from_qr_text,
};

/// Scheme prefix of the seals made today: "Manassa seal, version 2". QR alphanumeric only.
pub const PREFIX: &str = "MNS2:";
/// Scheme prefix of version 1 seals, which still verify.
pub const PREFIX_V1: &str = "MNS1:";
/// Upper bound of a decompressed seal, bytes (a zlib bomb stops here).
pub const MAX_DECOMPRESSED: usize = 8 * 1024;

/// Whether `text` starts with a seal prefix of any version.
pub(crate) fn is_seal_prefixed(text: &str) -> bool {
    text.starts_with(PREFIX) || text.starts_with(PREFIX_V1)
}

/// Why a seal did not verify or cannot be printed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    /// Not a Manassa seal (wrong prefix, or a URL without one).
    #[error("not a Manassa seal")]
    NotASeal,
    /// Garbled: Base45, zlib, COSE or CBOR structure broken.
    #[error("seal is garbled: {0}")]
    Malformed(&'static str),
    /// Signed with an algorithm other than ES256.
    #[error("seal uses an unsupported algorithm")]
    Algorithm,
    /// The key id is not among the ministry's keys.
    #[error("seal key is unknown")]
    UnknownKey,
    /// The key was not in force on the day the seal was made.
    #[error("seal key was not in force when the seal was made")]
    KeyNotValid,
    /// The signature does not match: the seal was altered or forged.
    #[error("seal signature does not match")]
    BadSignature,
    /// The signature is right but the printed fields differ from the signed digest.
    #[error("printed fields differ from the sealed ones")]
    DigestMismatch,
    /// The QR symbol would exceed [`MAX_QR_VERSION`] (41: beyond any version).
    #[error("seal needs a QR of version {version}, above {MAX_QR_VERSION}")]
    TooLarge {
        /// The version it would need.
        version: i16,
    },
}

/// The public half of a signing key in the `/v1/keys` JSON shape. Only with the `sign`
/// feature (the reference server's).
#[cfg(feature = "sign")]
pub fn public_jwk(
    kid: &str,
    key: &SigningKey,
    not_before: Option<&str>,
    not_after: Option<&str>,
) -> serde_json::Value {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let point = key.verifying_key().to_encoded_point(false);
    serde_json::json!({
        "kid": kid,
        "alg": "ES256",
        "crv": "P-256",
        "x": b64.encode(point.x().expect("uncompressed point")),
        "y": b64.encode(point.y().expect("uncompressed point")),
        "not_before": not_before,
        "not_after": not_after,
    })
}

/// Today's date `YYYY-MM-DD` (UTC), for [`Claims::signed_on`].
pub fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

/// Sign `claims` (as version 2, whatever `claims.version` says) with `key` under `kid`;
/// returns the seal text (`MNS2:` + Base45). Put it in a QR with [`qr_text`].
#[cfg(feature = "sign")]
pub fn sign(claims: &Claims, kid: &str, key: &SigningKey) -> String {
    let protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::ES256)
        .key_id(kid.as_bytes().to_vec())
        .build();
    let sign1 = CoseSign1Builder::new()
        .protected(protected)
        .payload(claims.to_cbor())
        .create_signature(b"", |data| {
            let sig: Signature = key.sign(data);
            sig.to_bytes().to_vec()
        })
        .build();
    let cose = sign1.to_tagged_vec().expect("COSE to memory cannot fail");
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&cose).expect("zlib to memory cannot fail");
    let compressed = z.finish().expect("zlib to memory cannot fail");
    format!("{PREFIX}{}", base45::encode(compressed))
}

/// The key id a seal names, before any check of it: to refresh the keys on an unknown kid.
///
/// Errors: as [`verify`] for a seal it cannot open.
pub fn kid_of(seal: &str) -> Result<String, SealError> {
    let (_, sign1) = open(seal)?;
    String::from_utf8(sign1.protected.header.key_id).map_err(|_| SealError::UnknownKey)
}

fn open(text: &str) -> Result<(u8, CoseSign1), SealError> {
    let seal = seal_from_qr_text(text)?;
    let (version, body) = if let Some(b) = seal.strip_prefix(PREFIX) {
        (2, b)
    } else if let Some(b) = seal.strip_prefix(PREFIX_V1) {
        (1, b)
    } else {
        return Err(SealError::NotASeal);
    };
    let compressed = base45::decode(body).map_err(|_| SealError::Malformed("not Base45"))?;
    let mut cose = Vec::new();
    flate2::read::ZlibDecoder::new(&compressed[..])
        .take(MAX_DECOMPRESSED as u64 + 1)
        .read_to_end(&mut cose)
        .map_err(|_| SealError::Malformed("not zlib"))?;
    if cose.len() > MAX_DECOMPRESSED {
        return Err(SealError::Malformed("too large"));
    }
    let sign1 = CoseSign1::from_tagged_slice(&cose)
        .or_else(|_| CoseSign1::from_slice(&cose))
        .map_err(|_| SealError::Malformed("not COSE_Sign1"))?;
    Ok((version, sign1))
}

/// Verify a seal's signature against `keys`; returns its claims. `text` is the seal or the
/// whole QR text (a verifier URL with the seal in its fragment). Does not compare the
/// printed fields (see [`verify_document`]) nor ask about revocation (an online check).
///
/// Errors: every [`SealError`] but `DigestMismatch` and `TooLarge`.
pub fn verify(text: &str, keys: &KeySet) -> Result<Claims, SealError> {
    let (version, sign1) = open(text)?;
    if sign1.protected.header.alg
        != Some(coset::RegisteredLabelWithPrivate::Assigned(
            iana::Algorithm::ES256,
        ))
    {
        return Err(SealError::Algorithm);
    }
    let kid = String::from_utf8(sign1.protected.header.key_id.clone())
        .map_err(|_| SealError::UnknownKey)?;
    let key = keys.find(&kid).ok_or(SealError::UnknownKey)?;
    sign1.verify_signature(b"", |sig, data| {
        let sig = Signature::from_slice(sig).map_err(|_| SealError::BadSignature)?;
        key.key
            .verify(data, &sig)
            .map_err(|_| SealError::BadSignature)
    })?;
    let claims = Claims::from_cbor(
        version,
        sign1
            .payload
            .as_deref()
            .ok_or(SealError::Malformed("no payload"))?,
    )?;
    if !key.in_force_on(&claims.signed_on) {
        return Err(SealError::KeyNotValid);
    }
    Ok(claims)
}

/// Verify a document about to be printed, or a digital copy: the signature, and that the
/// fields it prints hash to the sealed digest (by the seal's version's digest).
///
/// Errors: as [`verify`], and [`SealError::DigestMismatch`].
pub fn verify_document(
    seal: &str,
    keys: &KeySet,
    printed: &[(&str, &str)],
) -> Result<Claims, SealError> {
    let claims = verify(seal, keys)?;
    let digest = match claims.version {
        1 => fields_digest_v1(printed),
        _ => fields_digest(printed).map_err(|_| SealError::DigestMismatch)?,
    };
    if claims.digest != digest {
        return Err(SealError::DigestMismatch);
    }
    Ok(claims)
}

// The tests sign seals, which only the `sign` feature can.
#[cfg(all(test, feature = "sign"))]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_slice(&[7u8; 32]).unwrap()
    }

    fn keys(kid: &str, nb: Option<&str>, na: Option<&str>) -> KeySet {
        KeySet::from_json(&serde_json::json!({ "keys": [public_jwk(kid, &key(), nb, na)] }))
            .unwrap()
    }

    const PRINTED: [(&str, &str); 2] = [
        ("permit_no", "BP-2026-004512"),
        (
            "owner_name",
            "محمد عبدالله الكواري\nMohammed Abdullah Al-Kuwari",
        ),
    ];

    fn claims() -> Claims {
        Claims {
            version: 2,
            document_id: "doc-bp-004512".into(),
            kind: "building_permit".into(),
            number: "BP-2026-004512".into(),
            holder_ref: holder_ref(b"test-secret", "28463400123"),
            issued_on: "2026-03-15".into(),
            signed_on: "2026-11-29".into(),
            digest: fields_digest(&PRINTED).unwrap(),
            facts: vec![
                (Fact::HolderNameAr, "محمد عبدالله الكواري".into()),
                (Fact::HolderNameEn, "Mohammed Abdullah Al-Kuwari".into()),
                (Fact::QidLast4, "0123".into()),
                (Fact::Floors, "3".into()),
            ],
        }
    }

    #[test]
    fn round_trip_verifies_with_its_facts_and_is_qr_alphanumeric() {
        let seal = sign(&claims(), "k1", &key());
        assert!(seal.starts_with(PREFIX));
        assert!(
            seal.chars()
                .all(|c| "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".contains(c))
        );
        let got = verify(&seal, &keys("k1", None, None)).unwrap();
        assert_eq!(got, claims());
        assert_eq!(got.fact(Fact::Floors), Some("3"));
        // The same seal inside the verifier URL.
        let url = qr_text("https://tawkeed.example/verify", &seal);
        assert_eq!(verify(&url, &keys("k1", None, None)).unwrap(), claims());
        assert_eq!(kid_of(&url).unwrap(), "k1");
        let symbol = qr_symbol(&url).unwrap();
        assert_eq!(symbol.modules.len(), symbol.width * symbol.width);
    }

    #[test]
    fn any_flipped_byte_is_rejected() {
        let seal = sign(&claims(), "k1", &key());
        let ks = keys("k1", None, None);
        let body = base45::decode(&seal[PREFIX.len()..]).unwrap();
        let mut rejected = 0;
        for i in 0..body.len() {
            let mut b = body.clone();
            b[i] ^= 0x01;
            let tampered = format!("{PREFIX}{}", base45::encode(&b));
            if verify(&tampered, &ks).is_err() {
                rejected += 1;
            }
        }
        assert_eq!(rejected, body.len(), "every single-bit change is caught");
    }

    #[test]
    fn a_v2_seal_relabelled_v1_is_refused() {
        let seal = sign(&claims(), "k1", &key());
        let relabelled = seal.replacen(PREFIX, PREFIX_V1, 1);
        assert!(matches!(
            verify(&relabelled, &keys("k1", None, None)),
            Err(SealError::Malformed(_))
        ));
    }

    #[test]
    fn wrong_kid_expired_key_and_other_key_are_rejected() {
        let seal = sign(&claims(), "k1", &key());
        assert_eq!(
            verify(&seal, &keys("k2", None, None)),
            Err(SealError::UnknownKey)
        );
        assert_eq!(
            verify(&seal, &keys("k1", None, Some("2026-11-28"))),
            Err(SealError::KeyNotValid)
        );
        assert_eq!(
            verify(&seal, &keys("k1", Some("2026-11-30"), None)),
            Err(SealError::KeyNotValid)
        );
        assert!(
            verify(
                &seal,
                &keys("k1", Some("2026-11-29T08:00:00Z"), Some("2026-11-29"))
            )
            .is_ok()
        );
        let other = SigningKey::from_slice(&[9u8; 32]).unwrap();
        let forged = sign(&claims(), "k1", &other);
        assert_eq!(
            verify(&forged, &keys("k1", None, None)),
            Err(SealError::BadSignature)
        );
        assert_eq!(
            verify("HC1:ABC", &keys("k1", None, None)),
            Err(SealError::NotASeal)
        );
    }

    #[test]
    fn different_printed_fields_are_a_digest_mismatch() {
        let seal = sign(&claims(), "k1", &key());
        let ks = keys("k1", None, None);
        assert!(verify_document(&seal, &ks, &PRINTED).is_ok());
        let reordered = [PRINTED[1], PRINTED[0]];
        assert!(verify_document(&seal, &ks, &reordered).is_ok());
        let altered = [("permit_no", "BP-2026-004513"), PRINTED[1]];
        assert_eq!(
            verify_document(&seal, &ks, &altered),
            Err(SealError::DigestMismatch)
        );
    }

    #[test]
    fn one_malformed_key_does_not_lose_the_others() {
        let good = public_jwk("k1", &key(), None, None);
        let mut bad_point = good.clone();
        bad_point["kid"] = "k2".into();
        bad_point["x"] = "AAAA".into();
        let mut bad_date = good.clone();
        bad_date["kid"] = "k3".into();
        bad_date["not_after"] = "soon".into();
        let set = KeySet::from_json(&serde_json::json!({
            "keys": [bad_point, good.clone(), {"kid": "k4", "alg": "RS256"}, bad_date, good]
        }))
        .unwrap();
        assert_eq!(set.keys.len(), 1);
        assert_eq!(
            set.skipped, 4,
            "bad point, other alg, bad date, repeated kid"
        );
        assert!(KeySet::from_json(&serde_json::json!({"nokeys": []})).is_err());
    }
}

/// Seals made by version 1 of the signer (a fixture it wrote) keep verifying.
#[cfg(test)]
mod v1 {
    use super::*;

    #[test]
    fn a_version_1_seal_still_verifies() {
        let f: serde_json::Value =
            serde_json::from_str(include_str!("../tests/data/v1-seal.json")).unwrap();
        let keys = KeySet::from_json(&f["keys"]).unwrap();
        let seal = f["seal"].as_str().unwrap();
        let printed: Vec<(&str, &str)> = f["printed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_str().unwrap(), p[1].as_str().unwrap()))
            .collect();
        let claims = verify_document(seal, &keys, &printed).unwrap();
        assert_eq!(claims.version, 1);
        assert_eq!(claims.number, f["claims"]["number"]);
        assert!(claims.facts.is_empty());
        let mut altered = printed.clone();
        altered[0].1 = "BP-2026-004513";
        assert_eq!(
            verify_document(seal, &keys, &altered),
            Err(SealError::DigestMismatch)
        );
        // Also from a verifier URL.
        let url = qr_text("https://tawkeed.example/verify", seal);
        assert_eq!(verify(&url, &keys).unwrap().version, 1);
    }
}
