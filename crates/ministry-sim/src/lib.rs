//! Reference server of the ministry API (binary `manassa-sim`): the demo's embedded ministry and
//! the peer of every integration test. The contract is `docs/ministry-api.yaml`
//! (OpenAPI 3.1); `tests/api/contract.rs` checks this server against it.
//!
//! axum 0.8 routes served by hyper 1 over plain HTTP/1.1 or, with [`SimConfig::tls`],
//! HTTPS (rustls, a certificate generated at start, [`SimHandle::ca_pem`]). SQLite
//! through rusqlite holds residents, challenges, sessions, documents with their
//! revocation status, seal signing keys, received outbox events and health reports.
//! Database work runs in `spawn_blocking` so a slow fsync never stalls the async workers.
//! Every error response is an RFC 9457 problem (`application/problem+json`), including
//! axum's own rejections (404, 405, 413, malformed JSON), which a response mapper
//! rewrites.
//!
//! Test hooks: a [`FaultPlan`] (latency, 500s, dropped connections, slow bodies, 429)
//! set with [`SimHandle::set_faults`], `POST /v1/admin/faults` or `manassa-sim --fault`;
//! key rotation with `POST /v1/admin/keys/rotate`. Admin routes need
//! [`SimConfig::admin_token`] and are never subject to faults.
//!
//! Nothing here logs a QID, a name, a phone number, a one-time code or a token.

mod db;
mod faults;
mod handlers;
mod keys;
mod problem;
mod routes;
mod server;
mod tls;
mod verify_page;

use std::collections::HashSet;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use axum::body::{Body, to_bytes};
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use p256::ecdsa::SigningKey;
use rand::Rng as _;
use rusqlite::{Connection, OptionalExtension as _, params};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use uuid::Uuid;

pub use faults::FaultPlanError;

use manassa_ministry_api::{
    CODE_LEN, Challenge, ChallengeRequest, DEVICE_STATES, DocumentKind, DocumentList,
    DocumentSummary, EventResult, EventStatus, HealthReceipt, KeySet, KioskHealthReport,
    OutboxBatch, OutboxBatchResult, PROBLEM_CONTENT_TYPE, Problem, ProblemCode,
    RESIDENT_SESSION_HEADER, ResidentSession, SealState, SealStatus, SignedDocument,
    VerificationKey, VerifyRequest, validate_qid,
};

/// Lifetime of a one-time code.
pub const CHALLENGE_TTL: Duration = Duration::from_secs(5 * 60);
/// Lifetime of a resident session.
pub const SESSION_TTL: Duration = Duration::from_secs(10 * 60);
/// Wrong codes allowed per challenge; the last one kills the challenge.
pub const MAX_CODE_ATTEMPTS: u32 = 3;
/// Most events accepted in one outbox batch.
pub const MAX_BATCH_EVENTS: usize = 1000;
/// Largest request body accepted, in bytes (a full outbox batch of 100 events of
/// 64 KiB fits).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Longest accepted event kind, in bytes.
const MAX_EVENT_KIND_LEN: usize = 100;
/// Most devices in one health report.
const MAX_HEALTH_DEVICES: usize = 16;
/// How long a TLS handshake may take before the connection is dropped.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long shutdown waits for open connections to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Faults the simulator injects into matching requests (tests of the client, the outbox
/// and the kiosk against a bad network). All probabilities are drawn per request from a
/// generator seeded with `seed`, in a fixed order, so the same request sequence sees the
/// same faults. Order of effects: latency, then 429, then 500, then drop, then slow body.
/// JSON members are the field names; missing members take their defaults.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultPlan {
    /// Only requests whose path starts with this prefix (None = all routes, /v1/admin never).
    pub route: Option<String>,
    /// Extra latency before answering, ms.
    pub latency_ms: u64,
    /// Probability 0..=1 of answering 500 internal (problem document).
    pub error_rate: f64,
    /// Probability 0..=1 of dropping the connection without an answer, after reading the
    /// whole request. Whether the handler ran first is `drop_after_commit`.
    pub drop_rate: f64,
    /// `false`: drop before the handler runs (nothing applied). `true`: run the handler
    /// to completion (its effects are committed), then drop the answer — the "delivered
    /// but the answer was lost" case.
    pub drop_after_commit: bool,
    /// Trickle the response body over this many ms.
    pub slow_body_ms: u64,
    /// Probability 0..=1 of answering 429 with `Retry-After: retry_after_s`.
    pub throttle_rate: f64,
    /// `Retry-After` of throttled answers, seconds.
    pub retry_after_s: u64,
    /// Seed for the fault dice (deterministic tests).
    pub seed: u64,
}

/// Configuration of the reference server.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// SQLite file (WAL, `synchronous=FULL`); `None` keeps everything in memory.
    pub db_path: Option<PathBuf>,
    /// Kiosk bearer tokens the server accepts.
    pub kiosk_tokens: Vec<String>,
    /// Enables `GET /v1/demo/sms/{challenge_id}`, which reveals a challenge's one-time
    /// code (there is no SMS gateway). For the demo and tests only.
    pub demo_sms: bool,
    /// Bearer token of the `/v1/admin/*` routes (faults, key rotation).
    pub admin_token: String,
    /// Serve HTTPS with a generated certificate (see [`SimHandle::ca_pem`]) instead of
    /// plain HTTP.
    pub tls: bool,
    /// Faults in force from the start.
    pub faults: Option<FaultPlan>,
    /// Quotas on one-time-code challenges (SMS bombing).
    pub challenge_limits: ChallengeLimits,
}

/// How many one-time codes the ministry sends within a sliding window: per resident (QID)
/// and per kiosk (bearer token). Over either, `POST /v1/auth/challenges` answers 429
/// `rate-limited` with `Retry-After` (seconds until the oldest counted challenge leaves
/// the window).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChallengeLimits {
    /// Challenges per QID in the window.
    pub per_qid: u32,
    /// Challenges per kiosk in the window.
    pub per_kiosk: u32,
    /// The window, seconds.
    pub window_s: u64,
}

impl Default for ChallengeLimits {
    fn default() -> Self {
        ChallengeLimits {
            per_qid: 5,
            per_kiosk: 120,
            window_s: 15 * 60,
        }
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            db_path: None,
            kiosk_tokens: vec!["demo-kiosk-token".to_owned()],
            demo_sms: false,
            admin_token: "demo-admin-token".to_owned(),
            tls: false,
            faults: None,
            challenge_limits: ChallengeLimits::default(),
        }
    }
}

pub use db::*;
use handlers::*;
use problem::*;
use routes::*;
pub use server::*;

#[cfg(test)]
mod tests;
