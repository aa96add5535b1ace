//! Typed client of the ministry API (reqwest with rustls).
//!
//! Every request carries the kiosk's bearer token (RFC 6750); resident calls add the
//! session token in [`RESIDENT_SESSION_HEADER`]. Errors are typed ([`ApiError`]) and
//! classified for retry per DESIGN §5 ([`ApiError::is_retryable`]). No error text ever
//! contains a QID, a one-time code, a token or response data about a resident.

use std::time::Duration;

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use thiserror::Error;

use super::{
    Challenge, ChallengeRequest, DocumentList, DocumentSummary, HealthReceipt, IdMethod, KeySet,
    KioskHealthReport, OutboxBatch, OutboxBatchResult, OutboxEvent, Problem, ProblemCode, QidError,
    RESIDENT_SESSION_HEADER, ResidentSession, SealState, SealStatus, SignedDocument,
    VerificationKey, VerifyRequest, validate_qid,
};

/// Largest response body the client reads, in bytes; anything bigger is
/// [`ApiError::Malformed`].
pub const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// Problem code used when an error response is not an RFC 9457 problem (for example an
/// HTML page from a proxy).
pub const UNRECOGNISED_PROBLEM: &str = "unrecognised";

/// Why a call to the ministry failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ApiError {
    /// Connection refused or reset, DNS failure, TLS failure, body cut short.
    #[error("network error: {0}")]
    Network(String),
    /// No complete answer within the client's timeout.
    #[error("request timed out")]
    Timeout,
    /// The server answered with an error status. `code` is the problem's stable code
    /// ([`UNRECOGNISED_PROBLEM`] if the body was not a problem document).
    #[error("ministry refused the request: HTTP {status} {code}")]
    Problem {
        /// HTTP status.
        status: u16,
        /// Stable machine code, see [`ProblemCode`].
        code: String,
        /// One-time code attempts left (`wrong-code`).
        attempts_left: Option<u32>,
        /// `Retry-After` in seconds (RFC 9110 §10.2.3; delta-seconds form only).
        retry_after_s: Option<u64>,
    },
    /// The server answered with a redirect (3xx). The client follows none: a redirect
    /// would carry the request, payload and all, to a server the kiosk was not configured
    /// for. Only the status is kept.
    #[error("ministry answered with a redirect (HTTP {status}), not followed")]
    Redirect {
        /// HTTP status (301, 302, 303, 307, 308, ...).
        status: u16,
    },
    /// A success status with a body that is not the expected JSON, or is too large.
    #[error("malformed response: {0}")]
    Malformed(String),
    /// The QID failed local validation; nothing was sent.
    #[error("invalid QID: {0}")]
    InvalidQid(QidError),
    /// The client could not be built (bad base URL or token).
    #[error("invalid client configuration: {0}")]
    Config(String),
}

impl ApiError {
    /// Whether repeating the same request later may succeed (DESIGN §5): network errors,
    /// timeouts, 5xx, 408, 409 and 429.
    pub fn is_retryable(&self) -> bool {
        match self {
            ApiError::Network(_) | ApiError::Timeout => true,
            ApiError::Problem { status, .. } => {
                *status >= 500 || matches!(*status, 408 | 409 | 429)
            }
            ApiError::Malformed(_)
            | ApiError::InvalidQid(_)
            | ApiError::Config(_)
            | ApiError::Redirect { .. } => false,
        }
    }

    /// The problem code, if this is a problem with a code this build knows.
    pub fn problem_code(&self) -> Option<ProblemCode> {
        match self {
            ApiError::Problem { code, .. } => ProblemCode::from_code(code),
            _ => None,
        }
    }

    /// HTTP status of a [`ApiError::Problem`].
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Problem { status, .. } => Some(*status),
            _ => None,
        }
    }

    fn from_reqwest(e: reqwest::Error) -> ApiError {
        if e.is_timeout() {
            return ApiError::Timeout;
        }
        // Drop the URL (it may carry ids) and keep the cause chain, which names the
        // failure (connection refused, reset, dns).
        let e = e.without_url();
        let mut msg = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            msg.push_str(": ");
            msg.push_str(&s.to_string());
            source = s.source();
        }
        ApiError::Network(msg)
    }
}

/// Client of the ministry API. Cheap to clone (shares one connection pool).
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for the API at `base_url` (e.g. `https://api.example` or
    /// `http://127.0.0.1:8080`; the `/v1` prefix is added here), authenticating as the
    /// kiosk with `kiosk_token`. `timeout` bounds each whole request, connect to last
    /// body byte. HTTPS servers are checked against the bundled web PKI roots; see
    /// [`Client::with_ca_pem`] to pin a CA instead.
    pub fn new(base_url: &str, kiosk_token: &str, timeout: Duration) -> Result<Client, ApiError> {
        Self::with_ca_pem(base_url, kiosk_token, timeout, None)
    }

    /// Like [`Client::new`], but with `ca_pem` (one or more PEM `CERTIFICATE` blocks) as
    /// the **only** trusted roots for HTTPS (CA pinning, DESIGN §11): a server whose
    /// chain does not lead to one of them fails with [`ApiError::Network`]. `None` trusts
    /// the bundled web PKI roots. An unreadable PEM is [`ApiError::Config`].
    pub fn with_ca_pem(
        base_url: &str,
        kiosk_token: &str,
        timeout: Duration,
        ca_pem: Option<&str>,
    ) -> Result<Client, ApiError> {
        let mut base = check_base_url(base_url).map_err(ApiError::Config)?;
        // Make sure relative joins keep any path prefix of the base.
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {kiosk_token}"))
            .map_err(|_| ApiError::Config("kiosk token is not a valid header value".into()))?;
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, auth);
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .https_only(base.scheme() == "https")
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("manassa-kiosk/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = ca_pem {
            let roots = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
                .map_err(|_| ApiError::Config("CA certificate is not valid PEM".into()))?;
            if roots.is_empty() {
                return Err(ApiError::Config("CA PEM holds no certificate".into()));
            }
            builder = builder.tls_built_in_root_certs(false);
            for root in roots {
                builder = builder.add_root_certificate(root);
            }
        }
        let http = builder
            .build()
            .map_err(|e| ApiError::Config(format!("HTTP client: {e}")))?;
        Ok(Client { http, base })
    }

    /// Asks the ministry to send a one-time code to the resident's phone. The QID is
    /// validated locally first; a bad one fails with [`ApiError::InvalidQid`] without a
    /// network call.
    pub async fn start_challenge(
        &self,
        qid: &str,
        method: IdMethod,
    ) -> Result<Challenge, ApiError> {
        validate_qid(qid).map_err(ApiError::InvalidQid)?;
        let body = ChallengeRequest {
            qid: qid.to_owned(),
            method,
        };
        self.call(Method::POST, &["auth", "challenges"], None, Some(&body))
            .await
    }

    /// Verifies the one-time code; on success returns the resident session. A wrong code
    /// is `Problem { code: "wrong-code", attempts_left, .. }`; the last wrong attempt is
    /// `too-many-attempts` (429, the challenge is dead).
    pub async fn verify_code(
        &self,
        challenge_id: &str,
        code: &str,
    ) -> Result<ResidentSession, ApiError> {
        let body = VerifyRequest {
            code: code.to_owned(),
        };
        self.call(
            Method::POST,
            &["auth", "challenges", challenge_id, "verify"],
            None,
            Some(&body),
        )
        .await
    }

    /// The session resident's papers.
    pub async fn list_documents(
        &self,
        session: &ResidentSession,
    ) -> Result<Vec<DocumentSummary>, ApiError> {
        let list: DocumentList = self
            .call(Method::GET, &["documents"], Some(session), None::<&()>)
            .await?;
        Ok(list.documents)
    }

    /// One of the session resident's papers with its payload (and, later, seal).
    pub async fn fetch_document(
        &self,
        session: &ResidentSession,
        id: &str,
    ) -> Result<SignedDocument, ApiError> {
        self.call(Method::GET, &["documents", id], Some(session), None::<&()>)
            .await
    }

    /// Delivers a batch of outbox events; the answer has one result per event. An empty
    /// slice makes no request.
    pub async fn post_events(&self, events: &[OutboxEvent]) -> Result<OutboxBatchResult, ApiError> {
        if events.is_empty() {
            return Ok(OutboxBatchResult {
                results: Vec::new(),
            });
        }
        let body = OutboxBatch {
            events: events.to_vec(),
        };
        self.call(Method::POST, &["outbox", "events"], None, Some(&body))
            .await
    }

    /// The ministry's public seal verification keys (`GET /v1/keys`), active key first.
    pub async fn keys(&self) -> Result<Vec<VerificationKey>, ApiError> {
        let set: KeySet = self.call(Method::GET, &["keys"], None, None::<&()>).await?;
        Ok(set.keys)
    }

    /// The `/v1/keys` answer as JSON, unchecked beyond being a JSON object with a `keys`
    /// array: a verifier skips a key it cannot use instead of losing the whole set.
    ///
    /// Errors: as every call; [`ApiError::Malformed`] without a `keys` array.
    pub async fn key_set_json(&self) -> Result<serde_json::Value, ApiError> {
        let v: serde_json::Value = self.call(Method::GET, &["keys"], None, None::<&()>).await?;
        if !v["keys"].is_array() {
            return Err(ApiError::Malformed("key set without a keys array".into()));
        }
        Ok(v)
    }

    /// Online status of a document's seal (`GET /v1/seals/{id}/status`): valid, revoked
    /// or unknown.
    pub async fn seal_status(&self, document_id: &str) -> Result<SealState, ApiError> {
        let s: SealStatus = self
            .call(
                Method::GET,
                &["seals", document_id, "status"],
                None,
                None::<&()>,
            )
            .await?;
        Ok(s.status)
    }

    /// Sends the kiosk's health report (`POST /v1/kiosk/health`); answers when the
    /// ministry stored it (RFC 3339).
    pub async fn report_health(&self, report: &KioskHealthReport) -> Result<String, ApiError> {
        let r: HealthReceipt = self
            .call(Method::POST, &["kiosk", "health"], None, Some(report))
            .await?;
        Ok(r.received_at)
    }

    /// Reachability check (`GET /v1/health`).
    pub async fn health(&self) -> Result<(), ApiError> {
        let _: serde_json::Value = self
            .call(Method::GET, &["health"], None, None::<&()>)
            .await?;
        Ok(())
    }

    /// Demo only: reads a challenge's one-time code from the reference server's stand-in
    /// for the SMS gateway (`GET /v1/demo/sms/{id}`). The real ministry has no such route.
    pub async fn demo_sms_code(&self, challenge_id: &str) -> Result<String, ApiError> {
        #[derive(serde::Deserialize)]
        struct DemoSms {
            code: String,
        }
        let sms: DemoSms = self
            .call(
                Method::GET,
                &["demo", "sms", challenge_id],
                None,
                None::<&()>,
            )
            .await?;
        Ok(sms.code)
    }

    /// `/v1/<segments…>`, each segment percent-encoded (ids come from the network).
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        {
            let mut path = url
                .path_segments_mut()
                .expect("checked in Client::new: base can be a base");
            path.pop_if_empty().push("v1");
            path.extend(segments);
        }
        url
    }

    async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        segments: &[&str],
        session: Option<&ResidentSession>,
        body: Option<&B>,
    ) -> Result<T, ApiError> {
        let mut req = self.http.request(method, self.url(segments));
        if let Some(s) = session {
            let mut v = HeaderValue::from_str(&s.session_token)
                .map_err(|_| ApiError::Malformed("session token is not a header value".into()))?;
            v.set_sensitive(true);
            req = req.header(RESIDENT_SESSION_HEADER, v);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.map_err(ApiError::from_reqwest)?;
        let status = resp.status();
        let retry_after_s = resp
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if status.is_redirection() {
            return Err(ApiError::Redirect {
                status: status.as_u16(),
            });
        }
        let bytes = read_bounded(resp).await?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(describe_json_error);
        }
        Err(problem_error(status, &bytes, retry_after_s))
    }
}

/// Parse and check the ministry's base URL: `https://`, or plain `http://` only to a
/// loopback host (127.0.0.0/8, `::1`, `localhost`) judged on the parsed host, so
/// `http://localhost.evil.example` is refused.
///
/// Errors: a message naming what is wrong.
pub fn check_base_url(base_url: &str) -> Result<Url, String> {
    let url = Url::parse(base_url).map_err(|e| format!("base URL: {e}"))?;
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err("base URL must be an http or https URL with a host".into());
    }
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        "http" => Err(format!(
            "{base_url:?} must be https:// (plain http only to a loopback host)"
        )),
        _ => Err("base URL must be an http or https URL".into()),
    }
}

/// Reads the body, refusing more than [`MAX_RESPONSE_BYTES`].
async fn read_bounded(mut resp: reqwest::Response) -> Result<Vec<u8>, ApiError> {
    if resp
        .content_length()
        .is_some_and(|n| n > MAX_RESPONSE_BYTES as u64)
    {
        return Err(ApiError::Malformed("response body too large".into()));
    }
    let mut buf = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(ApiError::from_reqwest)? {
        if buf.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(ApiError::Malformed("response body too large".into()));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

/// serde's messages can quote the offending value (a name, a QID); keep only the
/// category and position.
fn describe_json_error(e: serde_json::Error) -> ApiError {
    let what = match e.classify() {
        serde_json::error::Category::Io => "I/O error",
        serde_json::error::Category::Syntax => "invalid JSON",
        serde_json::error::Category::Data => "unexpected JSON shape",
        serde_json::error::Category::Eof => "truncated JSON",
    };
    ApiError::Malformed(format!("{what} at line {} column {}", e.line(), e.column()))
}

fn problem_error(status: StatusCode, body: &[u8], retry_after_s: Option<u64>) -> ApiError {
    let (code, attempts_left) = match serde_json::from_slice::<Problem>(body) {
        Ok(p) => (p.code, p.attempts_left),
        Err(_) => (UNRECOGNISED_PROBLEM.to_owned(), None),
    };
    ApiError::Problem {
        status: status.as_u16(),
        code,
        attempts_left,
        retry_after_s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "client-test-token";

    #[tokio::test]
    async fn invalid_qid_is_rejected_before_the_network() {
        // Nothing listens on this client's port: a network call would fail differently.
        let dead = Client::new("http://127.0.0.1:9", TOKEN, Duration::from_secs(2)).unwrap();
        let err = dead
            .start_challenge("18463400123", IdMethod::Typed)
            .await
            .unwrap_err();
        assert_eq!(err, ApiError::InvalidQid(QidError::BadCentury));
        assert!(!err.is_retryable());
        let err = dead
            .start_challenge("1234", IdMethod::Typed)
            .await
            .unwrap_err();
        assert_eq!(err, ApiError::InvalidQid(QidError::WrongLength { len: 4 }));
    }

    #[tokio::test]
    async fn closed_port_is_a_retryable_network_error() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let client = Client::new(&format!("http://{addr}"), TOKEN, Duration::from_secs(2)).unwrap();
        let err = client.health().await.unwrap_err();
        assert!(matches!(err, ApiError::Network(_)), "{err:?}");
        assert!(err.is_retryable());
    }

    #[test]
    fn retry_classification_follows_design_section_5() {
        let p = |status| ApiError::Problem {
            status,
            code: "x".into(),
            attempts_left: None,
            retry_after_s: None,
        };
        for s in [500, 502, 503, 504, 408, 409, 429] {
            assert!(p(s).is_retryable(), "{s}");
        }
        for s in [400, 401, 403, 404, 410, 422, 423] {
            assert!(!p(s).is_retryable(), "{s}");
        }
        assert!(ApiError::Timeout.is_retryable());
        assert!(ApiError::Network("reset".into()).is_retryable());
        assert!(!ApiError::Malformed("x".into()).is_retryable());
    }

    #[test]
    fn non_problem_error_bodies_and_retry_after_are_understood() {
        let e = problem_error(StatusCode::BAD_GATEWAY, b"<html>proxy</html>", Some(7));
        assert_eq!(
            e,
            ApiError::Problem {
                status: 502,
                code: UNRECOGNISED_PROBLEM.into(),
                attempts_left: None,
                retry_after_s: Some(7)
            }
        );
        assert!(e.is_retryable());
        let body = serde_json::to_vec(&Problem::new(ProblemCode::WrongCode).with_attempts_left(1))
            .unwrap();
        let e = problem_error(StatusCode::UNAUTHORIZED, &body, None);
        assert_eq!(e.problem_code(), Some(ProblemCode::WrongCode));
        assert!(matches!(
            e,
            ApiError::Problem {
                attempts_left: Some(1),
                ..
            }
        ));
    }

    #[test]
    fn malformed_json_errors_do_not_quote_values() {
        let err = serde_json::from_str::<DocumentSummary>(r#"{"id": 28463400123}"#).unwrap_err();
        assert!(
            err.to_string().contains("28463400123"),
            "premise: serde quotes"
        );
        let e = describe_json_error(err);
        assert!(matches!(e, ApiError::Malformed(_)));
        assert!(!e.to_string().contains("28463400123"), "{e}");
    }

    #[test]
    fn base_url_keeps_a_path_prefix_and_rejects_junk() {
        let c = Client::new("https://api.example/ministry", "t", Duration::from_secs(1)).unwrap();
        assert_eq!(
            c.url(&["documents", "a b/c"]).as_str(),
            "https://api.example/ministry/v1/documents/a%20b%2Fc"
        );
        let c = Client::new("http://127.0.0.1:8080", "t", Duration::from_secs(1)).unwrap();
        assert_eq!(
            c.url(&["health"]).as_str(),
            "http://127.0.0.1:8080/v1/health"
        );
        assert!(matches!(
            Client::new("ftp://x", "t", Duration::from_secs(1)),
            Err(ApiError::Config(_))
        ));
        assert!(matches!(
            Client::new("http://x", "bad\ntoken", Duration::from_secs(1)),
            Err(ApiError::Config(_))
        ));
    }
}
