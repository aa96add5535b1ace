//! Ministry API: the wire types shared by the kiosk's [`client`] and the reference
//! [`server`] (`manassa sim`).
//!
//! JSON field names are `snake_case`; enum values are `snake_case` (document kinds,
//! methods, event statuses) or `kebab-case` (problem codes). Every error is an RFC 9457
//! problem document ([`Problem`], content type `application/problem+json`) carrying a
//! stable machine [`ProblemCode`].
//!
//! The contract is `docs/ministry-api.yaml` (OpenAPI 3.1); `tests/api/contract.rs` checks
//! the reference server against it request by request.
//!
//! Headers (see DESIGN §3):
//! - `Authorization: Bearer <kiosk token>` (RFC 6750) on every request except
//!   `GET /v1/health`; missing or unknown → 401 `unauthorized-kiosk`. The reference
//!   server's `/v1/admin/*` routes take its administrator token instead.
//! - [`RESIDENT_SESSION_HEADER`] carries the resident's session token for `/v1/documents`.
//! - `Retry-After` (delta-seconds) comes with 429 `rate-limited`.
//!
//! Types that hold secrets or personal data (QID, one-time code, session token) redact
//! them in their `Debug` output so a stray `{:?}` in a log line cannot leak them.

pub mod client;

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use manassa_core::{
    CODE_LEN, DocumentKind, IdMethod, QID_LEN, QidError, validate_qid, validate_qid_at,
};

/// Header carrying the resident session token returned by verify.
pub const RESIDENT_SESSION_HEADER: &str = "x-resident-session";

/// Content type of every error response (RFC 9457 §3).
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// Body of `POST /v1/auth/challenges`: ask the ministry to send a one-time code to the
/// resident's registered phone.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeRequest {
    /// The resident's QID (11 digits, see [`validate_qid`]).
    pub qid: String,
    /// How the QID was obtained.
    pub method: IdMethod,
}

impl fmt::Debug for ChallengeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChallengeRequest")
            .field("qid", &"<redacted>")
            .field("method", &self.method)
            .finish()
    }
}

/// 201 answer to a challenge request: the code was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    /// Opaque id to verify the code against.
    pub challenge_id: String,
    /// Registered phone with all but the last 3 digits masked, e.g. `+974 ••••• 456`.
    pub masked_phone: String,
    /// Seconds until the code expires.
    pub expires_in_s: u32,
}

/// Body of `POST /v1/auth/challenges/{id}/verify`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyRequest {
    /// The one-time code the resident received ([`CODE_LEN`] digits).
    pub code: String,
}

impl fmt::Debug for VerifyRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyRequest")
            .field("code", &"<redacted>")
            .finish()
    }
}

/// 200 answer to a correct code: a short-lived resident session.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResidentSession {
    /// Bearer secret for [`RESIDENT_SESSION_HEADER`].
    pub session_token: String,
    /// Seconds until the session expires.
    pub expires_in_s: u32,
}

impl fmt::Debug for ResidentSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResidentSession")
            .field("session_token", &"<redacted>")
            .field("expires_in_s", &self.expires_in_s)
            .finish()
    }
}

/// One entry of `GET /v1/documents`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentSummary {
    /// Document id for `GET /v1/documents/{id}`.
    pub id: String,
    /// Kind of paper.
    pub kind: DocumentKind,
    /// Official number printed on the paper, e.g. `BP-2026-004512`.
    pub number: String,
    /// Arabic title.
    pub title_ar: String,
    /// English title.
    pub title_en: String,
    /// Issue date, ISO 8601 `YYYY-MM-DD`.
    pub issued_on: String,
}

/// Body of `GET /v1/documents`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentList {
    /// The session resident's papers, in issue order.
    pub documents: Vec<DocumentSummary>,
}

/// A document as issued by the ministry: payload plus (later) its Tawkeed seal.
/// `Debug` omits the payload, which holds personal data.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct SignedDocument {
    /// Document id.
    pub id: String,
    /// Kind of paper; fixes the payload's fields.
    pub kind: DocumentKind,
    /// Official number.
    pub number: String,
    /// Kind-specific fields (a JSON object). A building permit has `permit_no`,
    /// `owner_name_ar`, `owner_name_en`, `owner_qid`, `plot_no`, `zone`,
    /// `municipality_ar`, `municipality_en`, `building_use_ar`, `building_use_en`,
    /// `floors`, `built_area_m2` (square metres), `consultant`, `contractor`,
    /// `issued_on`, `expires_on` (dates `YYYY-MM-DD`). Money amounts are decimal strings.
    pub payload: serde_json::Value,
    /// Tawkeed seal (DESIGN §4): `MNS2:` + Base45; `None` for an unsealed paper, which the
    /// kiosk refuses to print.
    #[serde(default)]
    pub seal: Option<String>,
    /// The holder reference the seal's claims must carry (32 hex digits, a keyed hash the
    /// ministry alone computes); the kiosk compares the two before printing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder_ref: Option<String>,
}

/// One kiosk event delivered through the outbox. `Debug` omits the payload, which may
/// hold personal data (complaint text, for instance).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEvent {
    /// Key reused on every retry of this event (IETF `Idempotency-Key` draft).
    pub idempotency_key: Uuid,
    /// Event kind, e.g. `print.audit`.
    pub kind: String,
    /// Kind-specific JSON.
    pub payload: serde_json::Value,
    /// When the kiosk recorded the event, RFC 3339 UTC.
    pub created_at: String,
}

impl fmt::Debug for SignedDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedDocument")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("number", &self.number)
            .field("payload", &"<redacted>")
            .field("seal", &self.seal.as_ref().map(|_| "<present>"))
            .finish()
    }
}

impl fmt::Debug for OutboxEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboxEvent")
            .field("idempotency_key", &self.idempotency_key)
            .field("kind", &self.kind)
            .field("payload", &"<redacted>")
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// Body of `POST /v1/outbox/events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxBatch {
    /// Events in the kiosk's id order.
    pub events: Vec<OutboxEvent>,
}

/// What the ministry did with one event of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    /// New key: stored.
    Accepted,
    /// Key seen before with the same kind and payload: not stored again.
    Duplicate,
    /// Refused; see [`EventResult::code`] (e.g. `idempotency-key-reused`).
    Rejected,
}

/// Per-event answer inside [`OutboxBatchResult`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventResult {
    /// The event's idempotency key.
    pub idempotency_key: Uuid,
    /// Outcome.
    pub status: EventStatus,
    /// Problem code when rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// 200 answer to `POST /v1/outbox/events`: one result per event, in request order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxBatchResult {
    /// Results in request order.
    pub results: Vec<EventResult>,
}

/// Body of `GET /v1/keys`: the ministry's public seal verification keys (a JWK Set,
/// RFC 7517 §5, with validity members). Retired keys stay listed so papers sealed before a
/// rotation still verify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySet {
    /// Every key, the active signing key first, then retired keys newest first.
    pub keys: Vec<VerificationKey>,
}

/// One public P-256 key in JWK form (RFC 7517, RFC 7518 §6.2.1) for ES256 seals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationKey {
    /// Key id, as carried in the seal's COSE protected header.
    pub kid: String,
    /// Key type, always `EC`.
    pub kty: String,
    /// Intended use, always `sig`.
    #[serde(rename = "use")]
    pub use_: String,
    /// Algorithm, always `ES256` (ECDSA P-256 with SHA-256).
    pub alg: String,
    /// Curve, always `P-256`.
    pub crv: String,
    /// Affine x coordinate, 32 bytes big-endian, base64url without padding (RFC 4648 §5).
    pub x: String,
    /// Affine y coordinate, 32 bytes big-endian, base64url without padding.
    pub y: String,
    /// When the key started signing, RFC 3339 UTC.
    pub not_before: String,
    /// When the key stopped signing (rotation), RFC 3339 UTC; `None` (JSON `null`) while
    /// it is the active key.
    pub not_after: Option<String>,
}

impl VerificationKey {
    /// The key as a p256 verifying key. Fails if the members are not a P-256 ES256 key or
    /// the point is not on the curve.
    pub fn verifying_key(&self) -> Result<p256::ecdsa::VerifyingKey, String> {
        use base64::Engine as _;
        if self.kty != "EC" || self.crv != "P-256" || self.alg != "ES256" {
            return Err("not an ES256 P-256 key".into());
        }
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let x = b64.decode(&self.x).map_err(|_| "x is not base64url")?;
        let y = b64.decode(&self.y).map_err(|_| "y is not base64url")?;
        if x.len() != 32 || y.len() != 32 {
            return Err("coordinates must be 32 bytes".into());
        }
        let mut sec1 = Vec::with_capacity(65);
        sec1.push(0x04);
        sec1.extend_from_slice(&x);
        sec1.extend_from_slice(&y);
        p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1).map_err(|_| "point not on P-256".into())
    }
}

/// Online status of a document's seal (`GET /v1/seals/{document_id}/status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SealState {
    /// The ministry issued this document and has not revoked it.
    Valid,
    /// The ministry issued this document and revoked it.
    Revoked,
    /// The ministry knows no document with this id.
    Unknown,
}

/// Body of `GET /v1/seals/{document_id}/status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealStatus {
    /// The document's status.
    pub status: SealState,
}

/// XFS4IoT device states (CEN/XFS4IoT `common.status.device`), used in health reports.
pub const DEVICE_STATES: [&str; 7] = [
    "online",
    "offline",
    "powerOff",
    "noDevice",
    "hardwareError",
    "userError",
    "deviceBusy",
];

/// Body of `POST /v1/kiosk/health`: a periodic health report of one kiosk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskHealthReport {
    /// The kiosk's id, 1–64 characters `[A-Za-z0-9._-]`.
    pub kiosk_id: String,
    /// Version of the kiosk software.
    pub app_version: String,
    /// When the kiosk took the report, RFC 3339 UTC.
    pub reported_at: String,
    /// One entry per device (at most 16).
    pub devices: Vec<DeviceHealth>,
    /// State of the offline outbox.
    pub outbox: OutboxHealth,
}

/// One device in a [`KioskHealthReport`], in XFS4IoT vocabulary (DESIGN §6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceHealth {
    /// Which device, e.g. `card_reader`, `thermal_printer`, `a4_printer` (1–32 chars).
    pub name: String,
    /// Device state, one of [`DEVICE_STATES`].
    pub device: String,
    /// Media state (`present`, `notPresent`, `jammed`, …), if the device has media.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<String>,
    /// Paper supply (`full`, `low`, `out`, `jammed`), for printers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paper: Option<String>,
}

/// Outbox figures in a [`KioskHealthReport`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxHealth {
    /// Events waiting for delivery.
    pub depth: u64,
    /// Age of the oldest waiting event, seconds; `None` when empty.
    pub oldest_age_s: Option<u64>,
    /// Events in the dead-letter table.
    pub dead_letters: u64,
}

/// 202 answer to a health report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthReceipt {
    /// When the ministry stored the report, RFC 3339 UTC.
    pub received_at: String,
}

/// Stable machine codes of [`Problem`]s. The wire form is `kebab-case`
/// ([`ProblemCode::as_str`]); the HTTP status is fixed per code ([`ProblemCode::status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemCode {
    /// 401: missing or unknown kiosk bearer token.
    UnauthorizedKiosk,
    /// 400: the QID is not structurally valid.
    InvalidQid,
    /// 404: no resident with this QID.
    ResidentNotFound,
    /// 423: the resident's account is locked.
    AccountLocked,
    /// 410: the challenge expired, was used, or does not exist.
    ChallengeExpired,
    /// 401: wrong one-time code; `attempts_left` says how many remain.
    WrongCode,
    /// 429: too many wrong codes; the challenge is dead, start a new one.
    TooManyAttempts,
    /// 401: missing, unknown or expired resident session.
    InvalidSession,
    /// 404: no such document for this resident.
    DocumentNotFound,
    /// 422: idempotency key reused with a different event (IETF Idempotency-Key draft).
    IdempotencyKeyReused,
    /// 400: malformed request (bad JSON, wrong shape, bad field).
    BadRequest,
    /// 404: no such route.
    NotFound,
    /// 405: route exists, method does not.
    MethodNotAllowed,
    /// 413: request body too large.
    PayloadTooLarge,
    /// 500: server fault (also the simulator's injected errors).
    Internal,
    /// 410: the document exists but was revoked; it can no longer be issued.
    DocumentRevoked,
    /// 409: an event of the batch is being processed by another request right now
    /// (IETF Idempotency-Key draft §2.6); nothing of this batch was applied, retry later.
    IdempotencyKeyInFlight,
    /// 429: too many requests from this kiosk; honour `Retry-After`.
    RateLimited,
    /// 401: missing or unknown administrator token (`/v1/admin/*`).
    UnauthorizedAdmin,
}

impl ProblemCode {
    /// Every code, for exhaustive tests and documentation.
    pub const ALL: [ProblemCode; 19] = [
        ProblemCode::UnauthorizedKiosk,
        ProblemCode::InvalidQid,
        ProblemCode::ResidentNotFound,
        ProblemCode::AccountLocked,
        ProblemCode::ChallengeExpired,
        ProblemCode::WrongCode,
        ProblemCode::TooManyAttempts,
        ProblemCode::InvalidSession,
        ProblemCode::DocumentNotFound,
        ProblemCode::IdempotencyKeyReused,
        ProblemCode::BadRequest,
        ProblemCode::NotFound,
        ProblemCode::MethodNotAllowed,
        ProblemCode::PayloadTooLarge,
        ProblemCode::Internal,
        ProblemCode::DocumentRevoked,
        ProblemCode::IdempotencyKeyInFlight,
        ProblemCode::RateLimited,
        ProblemCode::UnauthorizedAdmin,
    ];

    /// The stable `kebab-case` code.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemCode::UnauthorizedKiosk => "unauthorized-kiosk",
            ProblemCode::InvalidQid => "invalid-qid",
            ProblemCode::ResidentNotFound => "resident-not-found",
            ProblemCode::AccountLocked => "account-locked",
            ProblemCode::ChallengeExpired => "challenge-expired",
            ProblemCode::WrongCode => "wrong-code",
            ProblemCode::TooManyAttempts => "too-many-attempts",
            ProblemCode::InvalidSession => "invalid-session",
            ProblemCode::DocumentNotFound => "document-not-found",
            ProblemCode::IdempotencyKeyReused => "idempotency-key-reused",
            ProblemCode::BadRequest => "bad-request",
            ProblemCode::NotFound => "not-found",
            ProblemCode::MethodNotAllowed => "method-not-allowed",
            ProblemCode::PayloadTooLarge => "payload-too-large",
            ProblemCode::Internal => "internal",
            ProblemCode::DocumentRevoked => "document-revoked",
            ProblemCode::IdempotencyKeyInFlight => "idempotency-key-in-flight",
            ProblemCode::RateLimited => "rate-limited",
            ProblemCode::UnauthorizedAdmin => "unauthorized-admin",
        }
    }

    /// Parses a wire code; `None` for codes this build does not know.
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The HTTP status that goes with the code.
    pub fn status(self) -> u16 {
        match self {
            ProblemCode::UnauthorizedKiosk
            | ProblemCode::WrongCode
            | ProblemCode::InvalidSession
            | ProblemCode::UnauthorizedAdmin => 401,
            ProblemCode::InvalidQid | ProblemCode::BadRequest => 400,
            ProblemCode::ResidentNotFound
            | ProblemCode::DocumentNotFound
            | ProblemCode::NotFound => 404,
            ProblemCode::AccountLocked => 423,
            ProblemCode::ChallengeExpired | ProblemCode::DocumentRevoked => 410,
            ProblemCode::TooManyAttempts | ProblemCode::RateLimited => 429,
            ProblemCode::IdempotencyKeyInFlight => 409,
            ProblemCode::IdempotencyKeyReused => 422,
            ProblemCode::MethodNotAllowed => 405,
            ProblemCode::PayloadTooLarge => 413,
            ProblemCode::Internal => 500,
        }
    }

    /// Short human summary (RFC 9457 `title`), the same for every occurrence.
    pub fn title(self) -> &'static str {
        match self {
            ProblemCode::UnauthorizedKiosk => "Kiosk not authorized",
            ProblemCode::InvalidQid => "Invalid QID",
            ProblemCode::ResidentNotFound => "Resident not found",
            ProblemCode::AccountLocked => "Account locked",
            ProblemCode::ChallengeExpired => "Challenge expired",
            ProblemCode::WrongCode => "Wrong code",
            ProblemCode::TooManyAttempts => "Too many attempts",
            ProblemCode::InvalidSession => "Invalid resident session",
            ProblemCode::DocumentNotFound => "Document not found",
            ProblemCode::IdempotencyKeyReused => "Idempotency key reused",
            ProblemCode::BadRequest => "Bad request",
            ProblemCode::NotFound => "Not found",
            ProblemCode::MethodNotAllowed => "Method not allowed",
            ProblemCode::PayloadTooLarge => "Payload too large",
            ProblemCode::Internal => "Internal error",
            ProblemCode::DocumentRevoked => "Document revoked",
            ProblemCode::IdempotencyKeyInFlight => "Idempotency key in flight",
            ProblemCode::RateLimited => "Too many requests",
            ProblemCode::UnauthorizedAdmin => "Administrator not authorized",
        }
    }

    /// Problem type URI (RFC 9457 §3.1.1), relative: `/problems/<code>`.
    pub fn type_uri(self) -> String {
        format!("/problems/{}", self.as_str())
    }
}

impl fmt::Display for ProblemCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// RFC 9457 problem document with the extension members `code` and `attempts_left`.
/// `detail` never contains personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Problem type URI, `/problems/<code>`.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// Short summary of the problem type.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// Stable machine code (a [`ProblemCode`] wire name).
    pub code: String,
    /// Explanation of this occurrence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Remaining one-time code attempts (`wrong-code`, `too-many-attempts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u32>,
}

impl Problem {
    /// A problem of `code` with its standard type, title and status.
    pub fn new(code: ProblemCode) -> Self {
        Problem {
            type_uri: code.type_uri(),
            title: code.title().to_owned(),
            status: code.status(),
            code: code.as_str().to_owned(),
            detail: None,
            attempts_left: None,
        }
    }

    /// Adds a `detail` (must not contain personal data).
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Adds `attempts_left`.
    pub fn with_attempts_left(mut self, n: u32) -> Self {
        self.attempts_left = Some(n);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn problem_codes_round_trip_and_have_their_status() {
        for code in ProblemCode::ALL {
            let wire = serde_json::to_value(code).unwrap();
            assert_eq!(wire, json!(code.as_str()));
            assert_eq!(ProblemCode::from_code(code.as_str()), Some(code));
            assert!((400..600).contains(&code.status()));
        }
        assert_eq!(ProblemCode::WrongCode.status(), 401);
        assert_eq!(ProblemCode::AccountLocked.status(), 423);
        assert_eq!(ProblemCode::ChallengeExpired.status(), 410);
        assert_eq!(ProblemCode::TooManyAttempts.status(), 429);
        assert_eq!(ProblemCode::IdempotencyKeyReused.status(), 422);
        assert_eq!(ProblemCode::from_code("no-such-code"), None);
    }

    #[test]
    fn problem_serializes_as_rfc9457() {
        let p = Problem::new(ProblemCode::WrongCode).with_attempts_left(2);
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(
            v,
            json!({
                "type": "/problems/wrong-code",
                "title": "Wrong code",
                "status": 401,
                "code": "wrong-code",
                "attempts_left": 2
            })
        );
        let back: Problem = serde_json::from_value(v).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn enums_use_snake_case_on_the_wire() {
        assert_eq!(
            serde_json::to_value(DocumentKind::CompletionCertificate).unwrap(),
            json!("completion_certificate")
        );
        assert_eq!(
            serde_json::to_value(IdMethod::Typed).unwrap(),
            json!("typed")
        );
        assert_eq!(
            serde_json::to_value(EventStatus::Duplicate).unwrap(),
            json!("duplicate")
        );
        for k in [
            DocumentKind::BuildingPermit,
            DocumentKind::CompletionCertificate,
            DocumentKind::SalaryStatement,
        ] {
            assert_eq!(DocumentKind::from_wire(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), json!(k.as_str()));
        }
    }

    #[test]
    fn debug_output_redacts_secrets() {
        let req = ChallengeRequest {
            qid: "28463400123".into(),
            method: IdMethod::Card,
        };
        assert!(!format!("{req:?}").contains("28463400123"));
        let v = VerifyRequest {
            code: "493817".into(),
        };
        assert!(!format!("{v:?}").contains("493817"));
        let s = ResidentSession {
            session_token: "s3cr3t-token".into(),
            expires_in_s: 600,
        };
        assert!(!format!("{s:?}").contains("s3cr3t"));
    }
}
