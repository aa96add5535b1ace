//! Ministry API: the wire types shared by the kiosk's [`client`] and the reference
//! [`server`] (`manassa sim`).
//!
//! JSON field names are `snake_case`; enum values are `snake_case` (document kinds,
//! methods, event statuses) or `kebab-case` (problem codes). Every error is an RFC 9457
//! problem document ([`Problem`], content type `application/problem+json`) carrying a
//! stable machine [`ProblemCode`].
//!
//! Headers (see DESIGN §3):
//! - `Authorization: Bearer <kiosk token>` (RFC 6750) on every request except
//!   `GET /v1/health`; missing or unknown → 401 `unauthorized-kiosk`.
//! - [`RESIDENT_SESSION_HEADER`] carries the resident's session token for `/v1/documents`.
//!
//! Types that hold secrets or personal data (QID, one-time code, session token) redact
//! them in their `Debug` output so a stray `{:?}` in a log line cannot leak them.

pub mod client;
mod qid;
pub mod server;

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use qid::{QID_LEN, QidError, validate_qid, validate_qid_at};

/// Header carrying the resident session token returned by verify.
pub const RESIDENT_SESSION_HEADER: &str = "x-resident-session";

/// Content type of every error response (RFC 9457 §3).
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// Number of digits of a one-time code.
pub const CODE_LEN: usize = 6;

/// Kind of official paper the ministry issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// Building permit (رخصة بناء).
    BuildingPermit,
    /// Building completion certificate (شهادة إتمام بناء).
    CompletionCertificate,
    /// Monthly salary statement (كشف راتب).
    SalaryStatement,
}

impl DocumentKind {
    /// The `snake_case` wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::BuildingPermit => "building_permit",
            DocumentKind::CompletionCertificate => "completion_certificate",
            DocumentKind::SalaryStatement => "salary_statement",
        }
    }

    /// Parses the `snake_case` wire name.
    pub fn from_wire(s: &str) -> Option<Self> {
        [
            DocumentKind::BuildingPermit,
            DocumentKind::CompletionCertificate,
            DocumentKind::SalaryStatement,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// How the resident identified at the kiosk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdMethod {
    /// QID read from the ID card in the reader.
    Card,
    /// QID typed on the on-screen keypad.
    Typed,
}

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
    /// Tawkeed seal (DESIGN §4); `None` until seals are implemented.
    #[serde(default)]
    pub seal: Option<String>,
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
    /// 500: server fault.
    Internal,
}

impl ProblemCode {
    /// Every code, for exhaustive tests and documentation.
    pub const ALL: [ProblemCode; 15] = [
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
            | ProblemCode::InvalidSession => 401,
            ProblemCode::InvalidQid | ProblemCode::BadRequest => 400,
            ProblemCode::ResidentNotFound
            | ProblemCode::DocumentNotFound
            | ProblemCode::NotFound => 404,
            ProblemCode::AccountLocked => 423,
            ProblemCode::ChallengeExpired => 410,
            ProblemCode::TooManyAttempts => 429,
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
