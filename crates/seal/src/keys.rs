//! The ministry's public keys as the verifier holds them.

use p256::ecdsa::VerifyingKey;

use crate::SealError;

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

impl VerificationKey {
    /// Whether the key was in force on `date` (`YYYY-MM-DD`; ISO dates compare as text).
    pub fn in_force_on(&self, date: &str) -> bool {
        !(self.not_before.as_deref().is_some_and(|nb| date < nb)
            || self.not_after.as_deref().is_some_and(|na| date > na))
    }
}

/// The ministry's public keys, as the kiosk caches them for offline verification.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    /// The usable keys.
    pub keys: Vec<VerificationKey>,
    /// Entries of the answer that were skipped: malformed, another algorithm, or a kid
    /// already listed. The caller logs the count; one bad key never loses the others.
    pub skipped: usize,
}

impl KeySet {
    /// Parse the `/v1/keys` answer: `{"keys":[{"kid","alg":"ES256","crv":"P-256","x","y",
    /// "not_before"?,"not_after"?}]}` with `x`/`y` base64url (RFC 7518 §6.2.1), dates
    /// `YYYY-MM-DD` or RFC 3339 (the date part is used).
    ///
    /// Errors: [`SealError::Malformed`] only when there is no `keys` list; a key that cannot
    /// be used is counted in [`KeySet::skipped`] instead.
    pub fn from_json(v: &serde_json::Value) -> Result<KeySet, SealError> {
        let list = v["keys"]
            .as_array()
            .ok_or(SealError::Malformed("no key list"))?;
        let mut set = KeySet::default();
        for k in list {
            match parse_key(k) {
                Some(key) if set.find(&key.kid).is_none() => set.keys.push(key),
                _ => set.skipped += 1,
            }
        }
        Ok(set)
    }

    /// The key with id `kid`.
    pub fn find(&self, kid: &str) -> Option<&VerificationKey> {
        self.keys.iter().find(|k| k.kid == kid)
    }
}

fn parse_key(k: &serde_json::Value) -> Option<VerificationKey> {
    use base64::Engine as _;
    if k["alg"] != "ES256" || k["crv"] != "P-256" {
        return None;
    }
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let coord = |name: &str| {
        k[name]
            .as_str()
            .and_then(|s| b64.decode(s.trim_end_matches('=')).ok())
            .filter(|b| b.len() == 32)
    };
    let (x, y) = (coord("x")?, coord("y")?);
    let mut sec1 = vec![4u8];
    sec1.extend_from_slice(&x);
    sec1.extend_from_slice(&y);
    let key = VerifyingKey::from_sec1_bytes(&sec1).ok()?;
    let date = |name: &str| -> Option<Option<String>> {
        match &k[name] {
            serde_json::Value::Null => Some(None),
            serde_json::Value::String(s) => {
                let d = s.get(..10)?;
                let ok = d.bytes().enumerate().all(|(i, b)| {
                    if i == 4 || i == 7 {
                        b == b'-'
                    } else {
                        b.is_ascii_digit()
                    }
                });
                ok.then(|| Some(d.to_string()))
            }
            _ => None,
        }
    };
    let kid = k["kid"]
        .as_str()
        .filter(|s| !s.is_empty() && s.len() <= 64)?;
    Some(VerificationKey {
        kid: kid.to_string(),
        key,
        not_before: date("not_before")?,
        not_after: date("not_after")?,
    })
}
