//! The Tawkeed seal: a signed QR code that proves a printed paper is an original.
//!
//! Chain (as the EU Digital COVID Certificate): claims as a CBOR map → COSE_Sign1
//! (RFC 9052) signed with ES256 (ECDSA P-256 + SHA-256, RFC 9053 §2.1), the key id in the
//! protected header → zlib (RFC 1950) → Base45 (RFC 9285) → prefixed with [`PREFIX`] → QR
//! code in alphanumeric mode with error correction level Q (ISO/IEC 18004).
//!
//! The ministry signs; the kiosk holds only public keys ([`KeySet`]) and verifies every
//! document before printing it and every scanned paper.

use std::io::Read;
#[cfg(feature = "sign")]
use std::io::Write;

use coset::cbor::Value;
use coset::{CborSerializable, CoseSign1, TaggedCborSerializable, iana};
#[cfg(feature = "sign")]
use coset::{CoseSign1Builder, HeaderBuilder};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
#[cfg(feature = "sign")]
use p256::ecdsa::{SigningKey, signature::Signer};
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

/// Scheme prefix: "Manassa seal, version 1". Only QR alphanumeric characters.
pub const PREFIX: &str = "MNS1:";
/// Upper bound of a decompressed seal, bytes (a zlib bomb stops here).
pub const MAX_DECOMPRESSED: usize = 8 * 1024;

/// What the seal asserts. Text is NFC-normalised before signing and digesting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// Ministry document id.
    pub document_id: String,
    /// Document kind, as the API names it (`building_permit`, ...).
    pub kind: String,
    /// Printed document number, e.g. `BP-2026-004512`.
    pub number: String,
    /// Pseudonymous holder reference ([`holder_ref`]), not the QID itself.
    pub holder_ref: String,
    /// Issue date `YYYY-MM-DD`.
    pub issued_on: String,
    /// Date the seal was made, `YYYY-MM-DD` (UTC): the signing key must have been in force
    /// then. A paper issued years ago may be sealed today, when it is printed.
    pub signed_on: String,
    /// SHA-256 of the printed fields ([`fields_digest`]).
    pub digest: [u8; 32],
}

// CBOR map keys (small integers keep the QR small).
const K_ID: i64 = 1;
const K_KIND: i64 = 2;
const K_NUMBER: i64 = 3;
const K_HOLDER: i64 = 4;
const K_ISSUED: i64 = 5;
const K_DIGEST: i64 = 6;
const K_SIGNED: i64 = 7;

/// A pseudonymous, stable reference to a holder: the first 10 bytes of SHA-256 of
/// "manassa-holder:" + QID, as 20 hex digits. The paper shows the holder; the seal need not.
pub fn holder_ref(qid: &str) -> String {
    let h = Sha256::digest(format!("manassa-holder:{qid}").as_bytes());
    h[..10].iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 over the printed fields: each `(name, value)` NFC-normalised, sorted by name,
/// serialised as `name=value\n`. Names must not contain `=` or newlines.
pub fn fields_digest(fields: &[(&str, &str)]) -> [u8; 32] {
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

impl Claims {
    #[cfg(feature = "sign")]
    fn to_cbor(&self) -> Vec<u8> {
        let nfc = |s: &str| Value::Text(s.nfc().collect());
        let map = Value::Map(vec![
            (Value::from(K_ID), nfc(&self.document_id)),
            (Value::from(K_KIND), nfc(&self.kind)),
            (Value::from(K_NUMBER), nfc(&self.number)),
            (Value::from(K_HOLDER), nfc(&self.holder_ref)),
            (Value::from(K_ISSUED), nfc(&self.issued_on)),
            (Value::from(K_DIGEST), Value::Bytes(self.digest.to_vec())),
            (Value::from(K_SIGNED), nfc(&self.signed_on)),
        ]);
        let mut out = Vec::new();
        coset::cbor::ser::into_writer(&map, &mut out).expect("CBOR to memory cannot fail");
        out
    }

    fn from_cbor(bytes: &[u8]) -> Result<Claims, SealError> {
        let v: Value = coset::cbor::de::from_reader(bytes)
            .map_err(|_| SealError::Malformed("claims are not CBOR"))?;
        let Value::Map(entries) = v else {
            return Err(SealError::Malformed("claims are not a map"));
        };
        let get = |k: i64| {
            entries
                .iter()
                .find(|(key, _)| key.as_integer() == Some(k.into()))
                .map(|(_, v)| v)
        };
        let text = |k: i64| match get(k) {
            Some(Value::Text(s)) => Ok(s.clone()),
            _ => Err(SealError::Malformed("a claim is missing or not text")),
        };
        let digest = match get(K_DIGEST) {
            Some(Value::Bytes(b)) if b.len() == 32 => {
                let mut d = [0u8; 32];
                d.copy_from_slice(b);
                d
            }
            _ => return Err(SealError::Malformed("digest claim is missing")),
        };
        Ok(Claims {
            document_id: text(K_ID)?,
            kind: text(K_KIND)?,
            number: text(K_NUMBER)?,
            holder_ref: text(K_HOLDER)?,
            issued_on: text(K_ISSUED)?,
            signed_on: text(K_SIGNED)?,
            digest,
        })
    }
}

/// Why a seal did not verify.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    /// Not a Manassa seal (wrong prefix).
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
}

/// One ministry public key.
#[derive(Debug, Clone)]
pub struct VerificationKey {
    /// Key id as in the COSE `kid` header.
    pub kid: String,
    /// The P-256 public key.
    pub key: VerifyingKey,
    /// First day the key signed, `YYYY-MM-DD` (inclusive), if bounded.
    pub not_before: Option<String>,
    /// Last day the key signed, `YYYY-MM-DD` (inclusive), if bounded (a rotated key).
    pub not_after: Option<String>,
}

/// The ministry's public keys, as cached by the kiosk for offline verification.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    /// The keys.
    pub keys: Vec<VerificationKey>,
}

impl KeySet {
    /// Parse the `/v1/keys` answer: `{"keys":[{"kid","alg":"ES256","crv":"P-256","x","y",
    /// "not_before"?,"not_after"?}]}` with `x`/`y` base64url (RFC 7518 §6.2.1). Keys of
    /// other algorithms are skipped.
    pub fn from_json(v: &serde_json::Value) -> Result<KeySet, SealError> {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut keys = Vec::new();
        for k in v["keys"]
            .as_array()
            .ok_or(SealError::Malformed("no key list"))?
        {
            if k["alg"] != "ES256" || k["crv"] != "P-256" {
                continue;
            }
            let coord = |name: &str| {
                k[name]
                    .as_str()
                    .and_then(|s| b64.decode(s.trim_end_matches('=')).ok())
                    .filter(|b| b.len() == 32)
                    .ok_or(SealError::Malformed("key coordinate"))
            };
            let (x, y) = (coord("x")?, coord("y")?);
            let mut sec1 = vec![4u8];
            sec1.extend_from_slice(&x);
            sec1.extend_from_slice(&y);
            let key = VerifyingKey::from_sec1_bytes(&sec1)
                .map_err(|_| SealError::Malformed("key is not on P-256"))?;
            keys.push(VerificationKey {
                kid: k["kid"]
                    .as_str()
                    .ok_or(SealError::Malformed("key without kid"))?
                    .to_string(),
                key,
                not_before: k["not_before"]
                    .as_str()
                    .map(|s| s[..s.len().min(10)].to_string()),
                not_after: k["not_after"]
                    .as_str()
                    .map(|s| s[..s.len().min(10)].to_string()),
            });
        }
        Ok(KeySet { keys })
    }

    fn find(&self, kid: &str) -> Option<&VerificationKey> {
        self.keys.iter().find(|k| k.kid == kid)
    }
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

#[cfg(feature = "sign")]
/// Sign `claims` with `key` under `kid`; returns the QR text (`MNS1:` + Base45).
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

/// Verify a seal's signature against `keys`; returns its claims. Does not compare the
/// printed fields (see [`verify_document`]) nor ask about revocation (an online check).
pub fn verify(seal: &str, keys: &KeySet) -> Result<Claims, SealError> {
    let body = seal
        .trim()
        .strip_prefix(PREFIX)
        .ok_or(SealError::NotASeal)?;
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
        sign1
            .payload
            .as_deref()
            .ok_or(SealError::Malformed("no payload"))?,
    )?;
    // ISO dates compare correctly as strings.
    let date = claims.signed_on.as_str();
    if key.not_before.as_deref().is_some_and(|nb| date < nb)
        || key.not_after.as_deref().is_some_and(|na| date > na)
    {
        return Err(SealError::KeyNotValid);
    }
    Ok(claims)
}

/// Verify a document about to be printed: the signature, and that the fields the kiosk will
/// print hash to the sealed digest.
pub fn verify_document(
    seal: &str,
    keys: &KeySet,
    printed: &[(&str, &str)],
) -> Result<Claims, SealError> {
    let claims = verify(seal, keys)?;
    if claims.digest != fields_digest(printed) {
        return Err(SealError::DigestMismatch);
    }
    Ok(claims)
}

/// The QR symbol for a seal: error correction level Q; the `qrcode` crate picks the
/// alphanumeric mode for Base45 text. Returns the module matrix (true = dark), row-major,
/// and its width in modules (without the quiet zone).
pub fn qr_modules(seal: &str) -> Option<(Vec<bool>, usize)> {
    let code =
        qrcode::QrCode::with_error_correction_level(seal.as_bytes(), qrcode::EcLevel::Q).ok()?;
    let width = code.width();
    let modules = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Some((modules, width))
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

    fn claims() -> Claims {
        Claims {
            document_id: "doc-bp-004512".into(),
            kind: "building_permit".into(),
            number: "BP-2026-004512".into(),
            holder_ref: holder_ref("28463400123"),
            issued_on: "2026-03-15".into(),
            signed_on: "2026-11-29".into(),
            digest: fields_digest(&[
                ("permit_no", "BP-2026-004512"),
                ("owner_name_ar", "محمد عبدالله الكواري"),
            ]),
        }
    }

    #[test]
    fn round_trip_verifies_and_is_qr_alphanumeric() {
        let seal = sign(&claims(), "k1", &key());
        assert!(seal.starts_with(PREFIX));
        assert!(
            seal.chars()
                .all(|c| "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".contains(c))
        );
        assert_eq!(verify(&seal, &keys("k1", None, None)).unwrap(), claims());
        let (modules, width) = qr_modules(&seal).unwrap();
        assert_eq!(modules.len(), width * width);
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
        let good = [
            ("permit_no", "BP-2026-004512"),
            ("owner_name_ar", "محمد عبدالله الكواري"),
        ];
        assert!(verify_document(&seal, &ks, &good).is_ok());
        // Field order does not matter; NFC-equivalent text hashes the same.
        let reordered = [
            ("owner_name_ar", "محمد عبدالله الكواري"),
            ("permit_no", "BP-2026-004512"),
        ];
        assert!(verify_document(&seal, &ks, &reordered).is_ok());
        let altered = [
            ("permit_no", "BP-2026-004513"),
            ("owner_name_ar", "محمد عبدالله الكواري"),
        ];
        assert_eq!(
            verify_document(&seal, &ks, &altered),
            Err(SealError::DigestMismatch)
        );
    }

    #[test]
    fn holder_ref_hides_the_qid() {
        let r = holder_ref("28463400123");
        assert_eq!(r.len(), 20);
        assert!(!r.contains("28463400123"));
        assert_eq!(r, holder_ref("28463400123"));
    }
}
