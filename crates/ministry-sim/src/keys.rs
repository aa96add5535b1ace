//! The simulator's seal signing keys: ECDSA P-256 (ES256) key pairs, one per key id,
//! generated on first start and kept in the simulator's database (the secret scalar as
//! 32 big-endian bytes), rotated on demand. The newest key (with no `not_after`) signs;
//! retired keys are still published so papers sealed before a rotation verify.

use base64::Engine as _;
use p256::ecdsa::{SigningKey, VerifyingKey};
use rand::Rng as _;
use rusqlite::{Connection, OptionalExtension as _, params};

use super::{random_hex, rfc3339_now};
use manassa_ministry_api::VerificationKey;

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS signing_keys (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kid TEXT NOT NULL UNIQUE,
    secret BLOB NOT NULL,          -- P-256 scalar, 32 bytes big-endian
    not_before TEXT NOT NULL,      -- RFC 3339
    not_after TEXT                 -- RFC 3339; NULL while active
);
CREATE TABLE IF NOT EXISTS holder_secret (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    secret BLOB NOT NULL           -- HMAC-SHA256 key of seal holder references, 32 bytes
);
";

/// The secret that keys holder references in seals (never published), created on first
/// start and kept, so a holder's reference is stable across restarts.
pub(super) fn holder_secret_or_create(conn: &Connection) -> rusqlite::Result<Vec<u8>> {
    let fresh: [u8; 32] = rand::rng().random();
    conn.execute(
        "INSERT OR IGNORE INTO holder_secret (id, secret) VALUES (1, ?1)",
        [fresh.as_slice()],
    )?;
    conn.query_row("SELECT secret FROM holder_secret WHERE id = 1", [], |r| {
        r.get(0)
    })
}

/// The active key, creating the first one if the database has none.
pub(super) fn active_or_create(conn: &mut Connection) -> rusqlite::Result<(String, SigningKey)> {
    let row = conn
        .query_row(
            "SELECT kid, secret FROM signing_keys WHERE not_after IS NULL
             ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?)),
        )
        .optional()?;
    if let Some((kid, secret)) = row
        && let Ok(key) = SigningKey::from_slice(&secret)
    {
        return Ok((kid, key));
    }
    rotate(conn)
}

/// Retires the active key (if any) and makes a fresh one active, in one transaction.
pub(super) fn rotate(conn: &mut Connection) -> rusqlite::Result<(String, SigningKey)> {
    let key = new_signing_key();
    let kid = format!("mm-{}", random_hex(4));
    let now = rfc3339_now();
    let tx = conn.transaction()?;
    tx.execute(
        "UPDATE signing_keys SET not_after = ?1 WHERE not_after IS NULL",
        [&now],
    )?;
    tx.execute(
        "INSERT INTO signing_keys (kid, secret, not_before) VALUES (?1, ?2, ?3)",
        params![kid, key.to_bytes().as_slice(), now],
    )?;
    tx.commit()?;
    Ok((kid, key))
}

/// Every key as a JWK, the active key first, then retired keys newest first.
pub(super) fn published(conn: &Connection) -> rusqlite::Result<Vec<VerificationKey>> {
    let mut stmt = conn.prepare(
        "SELECT kid, secret, not_before, not_after FROM signing_keys
         ORDER BY (not_after IS NULL) DESC, seq DESC",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Vec<u8>>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (kid, secret, not_before, not_after) = row?;
        let Ok(key) = SigningKey::from_slice(&secret) else {
            tracing::error!(kid, "unreadable signing key in the simulator database");
            continue;
        };
        out.push(jwk(kid, key.verifying_key(), not_before, not_after));
    }
    Ok(out)
}

/// The public half as a JWK (RFC 7518 §6.2.1: uncompressed affine coordinates).
pub(super) fn jwk(
    kid: String,
    key: &VerifyingKey,
    not_before: String,
    not_after: Option<String>,
) -> VerificationKey {
    let point = key.to_encoded_point(false);
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    VerificationKey {
        kid,
        kty: "EC".into(),
        use_: "sig".into(),
        alg: "ES256".into(),
        crv: "P-256".into(),
        x: b64.encode(point.x().expect("uncompressed point has x")),
        y: b64.encode(point.y().expect("uncompressed point has y")),
        not_before,
        not_after,
    }
}

fn new_signing_key() -> SigningKey {
    let mut rng = rand::rng();
    loop {
        // Almost every 32-byte string is a valid scalar (0 < k < n); retry otherwise.
        let bytes: [u8; 32] = rng.random();
        if let Ok(key) = SigningKey::from_slice(&bytes) {
            return key;
        }
    }
}
