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

mod faults;
mod keys;
mod tls;

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
        }
    }
}

/// Serves the API on `listener` until an I/O error; see [`serve_with_shutdown`].
pub async fn serve(listener: TcpListener, cfg: SimConfig) -> anyhow::Result<()> {
    serve_with_shutdown(listener, cfg, std::future::pending()).await
}

/// Serves the API on `listener` until `shutdown` completes, then lets open connections
/// finish (up to a few seconds) and returns. With [`SimConfig::tls`] the generated CA is
/// not reachable from here; use [`spawn`] and [`SimHandle::ca_pem`].
pub async fn serve_with_shutdown(
    listener: TcpListener,
    cfg: SimConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let state = AppState::open(&cfg).await?;
    let tls = cfg.tls.then(tls::generate).transpose()?;
    run(listener, state, tls.map(|t| t.acceptor), shutdown).await
}

/// Binds `addr` (port 0 picks a free port), starts the server on the current tokio
/// runtime and returns a handle; dropping the handle stops the server.
pub async fn spawn(cfg: SimConfig, addr: SocketAddr) -> anyhow::Result<SimHandle> {
    let state = AppState::open(&cfg).await?;
    let tls = cfg.tls.then(tls::generate).transpose()?;
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding the simulator to {addr}"))?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let (ca_pem, acceptor) = match tls {
        Some(t) => (Some(t.ca_pem), Some(t.acceptor)),
        None => (None, None),
    };
    let task = tokio::spawn(run(listener, state.clone(), acceptor, async {
        // A dropped sender also means "stop".
        let _ = rx.await;
    }));
    Ok(SimHandle {
        addr,
        state,
        ca_pem,
        shutdown: Some(tx),
        task: Some(task),
    })
}

/// The accept loop: one task per connection, HTTP/1.1 with keep-alive, optional TLS.
/// Each request carries a [`faults::ConnAbort`] so a fault can drop its connection.
async fn run(
    listener: TcpListener,
    state: Arc<AppState>,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    tracing::info!(%addr, tls = tls.is_some(), "ministry simulator listening");
    let app = router(state);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(e) => {
                    // Out of descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "simulator accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let watcher = graceful.watcher();
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                None => serve_connection(stream, app, watcher).await,
                Some(acceptor) => {
                    match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await
                    {
                        Ok(Ok(stream)) => serve_connection(stream, app, watcher).await,
                        Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!("TLS handshake timed out"),
                    }
                }
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!("simulator connections still open at shutdown; dropping them");
        }
    }
    tracing::info!(%addr, "ministry simulator stopped");
    Ok(())
}

async fn serve_connection<S>(stream: S, app: Router, watcher: hyper_util::server::graceful::Watcher)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let abort = faults::ConnAbort::default();
    let inner = TowerToHyperService::new(app);
    let conn_abort = abort.clone();
    let svc = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(conn_abort.clone());
        hyper::service::Service::call(&inner, req)
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30))
        .serve_connection(TokioIo::new(stream), svc);
    tokio::select! {
        res = watcher.watch(conn) => {
            if let Err(e) = res {
                tracing::debug!(error = %e, "simulator connection ended with an error");
            }
        }
        () = abort.aborted() => {
            // Dropping the connection future closes the socket without an answer.
        }
    }
}

/// A running simulator started by [`spawn`]. Dropping it stops the server.
pub struct SimHandle {
    addr: SocketAddr,
    state: Arc<AppState>,
    ca_pem: Option<String>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl SimHandle {
    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Base URL for [`super::client::Client::new`], e.g. `http://127.0.0.1:43127`, or
    /// `https://localhost:43127` with TLS (the name the certificate carries). Loopback
    /// when bound to an unspecified address.
    pub fn base_url(&self) -> String {
        let ip = if self.addr.ip().is_unspecified() {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        } else {
            self.addr.ip()
        };
        if self.ca_pem.is_some() {
            format!("https://{}", SocketAddr::new(ip, self.addr.port()))
        } else {
            format!("http://{}", SocketAddr::new(ip, self.addr.port()))
        }
    }

    /// PEM of the certificate authority that issued the server's TLS certificate (valid
    /// for `localhost`, `127.0.0.1` and `::1`); `None` without [`SimConfig::tls`]. Give
    /// it to [`super::client::Client::with_ca_pem`] or `curl --cacert`.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// Puts `plan` in force from the next request on (and re-seeds its dice).
    pub fn set_faults(&self, plan: FaultPlan) {
        self.state.faults.set(Some(plan));
    }

    /// Stops injecting faults.
    pub fn clear_faults(&self) {
        self.state.faults.set(None);
    }

    /// The fault plan in force.
    pub fn faults(&self) -> Option<FaultPlan> {
        self.state.faults.get()
    }

    /// The seal signing key in force: `(kid, key)`. See [`SimState::signing_key`].
    pub fn signing_key(&self) -> (String, SigningKey) {
        self.state.signing_key()
    }

    /// Retires the signing key and makes a new one (as `POST /v1/admin/keys/rotate`).
    pub async fn rotate_keys(&self) -> anyhow::Result<VerificationKey> {
        self.state
            .rotate_keys()
            .await
            .map_err(|f| anyhow::anyhow!("key rotation failed: {}", f.0.code))
    }

    /// Outbox batches whose idempotency keys are being processed right now (tests of the
    /// in-flight rule).
    pub fn in_flight_keys(&self) -> usize {
        self.state
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// The server's shared state (the signing key for seals).
    pub fn state(&self) -> &SimState {
        &self.state
    }

    /// Every outbox event the server has stored, in arrival order: `(idempotency key,
    /// kind, payload)`. Reads the server's database directly (tests and the demo).
    pub fn stored_events(&self) -> anyhow::Result<Vec<(Uuid, String, Value)>> {
        let conn = lock(&self.state.db);
        let mut stmt =
            conn.prepare("SELECT idempotency_key, kind, payload FROM events ORDER BY rowid")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (key, kind, payload) = row?;
            out.push((
                Uuid::parse_str(&key).context("stored idempotency key")?,
                kind,
                serde_json::from_str(&payload).context("stored payload")?,
            ));
        }
        Ok(out)
    }

    /// Every health report received, oldest first.
    pub fn health_reports(&self) -> anyhow::Result<Vec<KioskHealthReport>> {
        let conn = lock(&self.state.db);
        let mut stmt = conn.prepare("SELECT body FROM health_reports ORDER BY rowid")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(serde_json::from_str(&row?).context("stored health report")?);
        }
        Ok(out)
    }

    /// Stops accepting connections, lets in-flight requests finish and waits for the
    /// server task.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.task.take() {
            Some(task) => task.await.context("simulator task panicked")?,
            None => Ok(()),
        }
    }

    /// Makes a challenge look older than [`CHALLENGE_TTL`] (tests of expiry).
    #[cfg(test)]
    pub(crate) fn expire_challenge(&self, challenge_id: &str) {
        lock(&self.state.db)
            .execute(
                "UPDATE challenges SET expires_at = 0 WHERE id = ?1",
                [challenge_id],
            )
            .expect("expire challenge");
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

// ---------------------------------------------------------------------------------------
// State and storage

/// The simulator's shared state, behind every handler.
pub struct SimState {
    db: Arc<Mutex<Connection>>,
    kiosk_tokens: Vec<String>,
    admin_token: String,
    demo_sms: bool,
    faults: faults::FaultState,
    /// The active seal signing key, cached from the database.
    signing: RwLock<(String, SigningKey)>,
    /// Idempotency keys of outbox batches being processed.
    in_flight: Mutex<HashSet<Uuid>>,
}

type AppState = SimState;

fn lock(db: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while holding the lock leaves no half-done transaction behind (rusqlite
    // rolls back on drop), so the connection is still usable.
    db.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SimState {
    /// The seal signing key in force: its key id (as published by `GET /v1/keys` and put
    /// in the seal's COSE protected header) and the P-256 private key (ES256). Changes
    /// on rotation; generated on first start and kept in the simulator's database.
    pub fn signing_key(&self) -> (String, SigningKey) {
        self.signing
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    async fn open(cfg: &SimConfig) -> anyhow::Result<Arc<AppState>> {
        let path = cfg.db_path.clone();
        let (conn, signing) = tokio::task::spawn_blocking(move || {
            let mut conn = open_db(path)?;
            let signing = keys::active_or_create(&mut conn)?;
            anyhow::Ok((conn, signing))
        })
        .await
        .context("opening the simulator database")??;
        if let Some(plan) = &cfg.faults {
            plan.validate()?;
        }
        let faults = faults::FaultState::default();
        faults.set(cfg.faults.clone());
        Ok(Arc::new(AppState {
            db: Arc::new(Mutex::new(conn)),
            kiosk_tokens: cfg.kiosk_tokens.clone(),
            admin_token: cfg.admin_token.clone(),
            demo_sms: cfg.demo_sms,
            faults,
            signing: RwLock::new(signing),
            in_flight: Mutex::new(HashSet::new()),
        }))
    }

    /// Runs `f` on the connection on the blocking pool.
    async fn with_db<T, F>(&self, f: F) -> Result<T, ApiFail>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, ApiFail> + Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || f(&mut lock(&db)))
            .await
            .map_err(|_| ApiFail(Problem::new(ProblemCode::Internal)))?
    }

    async fn rotate_keys(&self) -> Result<VerificationKey, ApiFail> {
        let (kid, key) = self.with_db(|conn| Ok(keys::rotate(conn)?)).await?;
        *self.signing.write().unwrap_or_else(PoisonError::into_inner) = (kid.clone(), key.clone());
        tracing::info!(kid, "seal signing key rotated");
        let published = self.with_db(|conn| Ok(keys::published(conn)?)).await?;
        published
            .into_iter()
            .find(|k| k.kid == kid)
            .ok_or_else(|| ApiFail(Problem::new(ProblemCode::Internal)))
    }

    fn kiosk_known(&self, headers: &HeaderMap) -> bool {
        bearer(headers).is_some_and(|t| {
            self.kiosk_tokens
                .iter()
                .any(|k| ct_eq(k.as_bytes(), t.as_bytes()))
        })
    }
}

/// The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1).
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
}

fn open_db(path: Option<PathBuf>) -> anyhow::Result<Connection> {
    let mut conn = match &path {
        Some(p) => {
            let conn = Connection::open(p)
                .with_context(|| format!("opening simulator database {}", p.display()))?;
            // WAL + FULL: a committed event survives power loss (DESIGN §5).
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "FULL")?;
            conn
        }
        None => Connection::open_in_memory()?,
    };
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.execute_batch(SCHEMA)?;
    conn.execute_batch(keys::SCHEMA)?;
    migrate(&conn)?;
    seed(&mut conn)?;
    Ok(conn)
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS residents (
    qid TEXT PRIMARY KEY,
    name_ar TEXT NOT NULL,
    name_en TEXT NOT NULL,
    phone TEXT NOT NULL,
    locked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    qid TEXT NOT NULL REFERENCES residents(qid),
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    title_ar TEXT NOT NULL,
    title_en TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'valid'   -- valid | revoked
);
CREATE TABLE IF NOT EXISTS challenges (
    id TEXT PRIMARY KEY,
    qid TEXT NOT NULL,
    code TEXT NOT NULL,
    expires_at INTEGER NOT NULL,   -- unix ms
    attempts_left INTEGER NOT NULL,
    state TEXT NOT NULL            -- open | used | dead
);
CREATE TABLE IF NOT EXISTS sessions (
    token TEXT PRIMARY KEY,
    qid TEXT NOT NULL,
    expires_at INTEGER NOT NULL    -- unix ms
);
CREATE TABLE IF NOT EXISTS health_reports (
    kiosk_id TEXT NOT NULL,
    received_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    idempotency_key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    received_at TEXT NOT NULL
);
";

/// Brings a database made by an older build up to the current schema.
fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let has_status = conn
        .prepare("SELECT 1 FROM pragma_table_info('documents') WHERE name = 'status'")?
        .exists([])?;
    if !has_status {
        conn.execute_batch(
            "ALTER TABLE documents ADD COLUMN status TEXT NOT NULL DEFAULT 'valid'",
        )?;
    }
    Ok(())
}

struct SeedDoc {
    id: &'static str,
    kind: DocumentKind,
    number: &'static str,
    issued_on: &'static str,
    payload: Value,
    revoked: bool,
}

/// Demo residents and documents. Idempotent: re-running refreshes the same rows.
fn seed(conn: &mut Connection) -> rusqlite::Result<()> {
    const QID_A: &str = "28463400123";
    const NAME_A_AR: &str = "محمد عبدالله الكواري";
    const NAME_A_EN: &str = "Mohammed Abdullah Al-Kuwari";
    let residents = [
        (QID_A, NAME_A_AR, NAME_A_EN, "+97455123456", false),
        (
            "29035600017",
            "فاطمة سالم المري",
            "Fatima Salem Al-Marri",
            "+97466987017",
            false,
        ),
        (
            "28163400044",
            "خالد حمد النعيمي",
            "Khalid Hamad Al-Naimi",
            "+97433555044",
            true,
        ),
    ];
    let docs = [
        SeedDoc {
            id: "doc-bp-004512",
            kind: DocumentKind::BuildingPermit,
            number: "BP-2026-004512",
            issued_on: "2026-03-15",
            payload: json!({
                "permit_no": "BP-2026-004512",
                "owner_name_ar": NAME_A_AR,
                "owner_name_en": NAME_A_EN,
                "owner_qid": QID_A,
                "plot_no": "69/1234",
                "zone": "Al Waab (55)",
                "municipality_ar": "بلدية الدوحة",
                "municipality_en": "Doha Municipality",
                "building_use_ar": "سكني خاص",
                "building_use_en": "Private residential",
                "floors": 2,
                "built_area_m2": 412.5,
                "consultant": "Arab Engineering Bureau",
                "contractor": "Al Jaber Contracting",
                "issued_on": "2026-03-15",
                "expires_on": "2028-03-14"
            }),
            revoked: false,
        },
        SeedDoc {
            id: "doc-cc-000871",
            kind: DocumentKind::CompletionCertificate,
            number: "CC-2026-000871",
            issued_on: "2026-09-20",
            payload: json!({
                "certificate_no": "CC-2026-000871",
                "permit_no": "BP-2026-004512",
                "owner_name_ar": NAME_A_AR,
                "owner_name_en": NAME_A_EN,
                "owner_qid": QID_A,
                "plot_no": "69/1234",
                "zone": "Al Waab (55)",
                "municipality_ar": "بلدية الدوحة",
                "municipality_en": "Doha Municipality",
                "completed_on": "2026-09-01",
                "issued_on": "2026-09-20"
            }),
            revoked: false,
        },
        SeedDoc {
            id: "doc-ss-2026-10",
            kind: DocumentKind::SalaryStatement,
            number: "SS-2026-10-7731",
            issued_on: "2026-11-02",
            payload: json!({
                "statement_no": "SS-2026-10-7731",
                "employee_name_ar": NAME_A_AR,
                "employee_name_en": NAME_A_EN,
                "employee_qid": QID_A,
                "employee_no": "MM-7731",
                "employer_ar": "وزارة البلدية",
                "employer_en": "Ministry of Municipality",
                "period": "2026-10",
                "basic_salary": "18000.00",
                "allowances": [
                    {"name_ar": "بدل سكن", "name_en": "Housing allowance", "amount": "6000.00"},
                    {"name_ar": "بدل مواصلات", "name_en": "Transport allowance", "amount": "1500.00"}
                ],
                "deductions": "900.00",
                "net": "24600.00",
                "currency": "QAR",
                "issued_on": "2026-11-02"
            }),
            revoked: false,
        },
        // Superseded by BP-2026-004512: revoked, so not listed or issued, but its seal
        // status answers "revoked" (papers printed from it are still in circulation).
        SeedDoc {
            id: "doc-bp-003990",
            kind: DocumentKind::BuildingPermit,
            number: "BP-2025-003990",
            issued_on: "2025-06-10",
            payload: json!({
                "permit_no": "BP-2025-003990",
                "owner_name_ar": NAME_A_AR,
                "owner_name_en": NAME_A_EN,
                "owner_qid": QID_A,
                "plot_no": "69/1234",
                "zone": "Al Waab (55)",
                "municipality_ar": "بلدية الدوحة",
                "municipality_en": "Doha Municipality",
                "building_use_ar": "سكني خاص",
                "building_use_en": "Private residential",
                "floors": 1,
                "built_area_m2": 280.0,
                "consultant": "Arab Engineering Bureau",
                "contractor": "Al Jaber Contracting",
                "issued_on": "2025-06-10",
                "expires_on": "2027-06-09"
            }),
            revoked: true,
        },
    ];

    let tx = conn.transaction()?;
    for (qid, name_ar, name_en, phone, locked) in residents {
        tx.execute(
            "INSERT OR REPLACE INTO residents (qid, name_ar, name_en, phone, locked)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![qid, name_ar, name_en, phone, locked],
        )?;
    }
    for d in docs {
        let (title_ar, title_en) = titles(d.kind);
        tx.execute(
            "INSERT OR REPLACE INTO documents
                 (id, qid, kind, number, title_ar, title_en, issued_on, payload, status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                d.id,
                QID_A,
                d.kind.as_str(),
                d.number,
                title_ar,
                title_en,
                d.issued_on,
                d.payload.to_string(),
                if d.revoked { "revoked" } else { "valid" }
            ],
        )?;
    }
    tx.commit()
}

fn titles(kind: DocumentKind) -> (&'static str, &'static str) {
    match kind {
        DocumentKind::BuildingPermit => ("رخصة بناء", "Building permit"),
        DocumentKind::CompletionCertificate => {
            ("شهادة إتمام بناء", "Building completion certificate")
        }
        DocumentKind::SalaryStatement => ("كشف راتب", "Salary statement"),
    }
}

/// `+97455123456` → `+974 ••••• 456`: the country code and the last 3 digits stay.
fn mask_phone(phone: &str) -> String {
    let (prefix, rest) = match phone.strip_prefix("+974") {
        Some(rest) => ("+974 ", rest),
        None => ("", phone),
    };
    let digits: Vec<char> = rest.chars().filter(char::is_ascii_digit).collect();
    let keep = digits.len().min(3);
    let hidden = "•".repeat(digits.len() - keep);
    let tail: String = digits[digits.len() - keep..].iter().collect();
    format!("{prefix}{hidden} {tail}")
}

fn now_ms() -> i64 {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    i64::try_from(ms).unwrap_or(i64::MAX)
}

fn ttl_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn rfc3339_now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Shape check of an RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` with
/// field ranges (no calendar check of the day within the month).
fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>, max: u32| {
        b.get(r.clone())
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
            && s[r].parse::<u32>().is_ok_and(|n| n <= max)
    };
    if b.len() < 20
        || !(num(0..4, 9999) && b[4] == b'-' && num(5..7, 12) && b[7] == b'-')
        || !(num(8..10, 31) && matches!(b[10], b'T' | b't'))
        || !(num(11..13, 23) && b[13] == b':' && num(14..16, 59) && b[16] == b':')
        || !num(17..19, 60)
    {
        return false;
    }
    let mut i = 19;
    if b[i] == b'.' {
        let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return false;
        }
        i += 1 + digits;
    }
    match &b[i..] {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', ..] => {
            b.len() == i + 6 && num(i + 1..i + 3, 23) && b[i + 3] == b':' && num(i + 4..i + 6, 59)
        }
        _ => false,
    }
}

/// Equality in time independent of where the inputs differ (codes, tokens).
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn random_hex(bytes: usize) -> String {
    let mut rng = rand::rng();
    (0..bytes)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Errors

/// A handler failure: always answered as a problem document.
struct ApiFail(Problem);

impl From<Problem> for ApiFail {
    fn from(p: Problem) -> Self {
        ApiFail(p)
    }
}

impl From<ProblemCode> for ApiFail {
    fn from(c: ProblemCode) -> Self {
        ApiFail(Problem::new(c))
    }
}

impl From<rusqlite::Error> for ApiFail {
    fn from(e: rusqlite::Error) -> Self {
        // SQLite messages name tables and constraints, never bound values.
        tracing::error!(error = %e, "simulator database error");
        ApiFail(Problem::new(ProblemCode::Internal))
    }
}

impl IntoResponse for ApiFail {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

/// A problem as an HTTP response (RFC 9457). A trait of ours: the orphan rule keeps axum's
/// `IntoResponse` off the API crate's type.
pub(crate) trait ProblemResponse {
    /// The response: status, problem JSON, and `WWW-Authenticate` for a refused kiosk.
    fn into_response(self) -> Response;
}

impl ProblemResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let unauthorized_kiosk = self.code == ProblemCode::UnauthorizedKiosk.as_str()
            || self.code == ProblemCode::UnauthorizedAdmin.as_str();
        let mut resp = (status, Json(self)).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
        );
        if unauthorized_kiosk {
            // RFC 6750 §3: say which scheme is expected.
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

/// `Json<T>` whose rejections are problems. The detail never echoes the body: serde's
/// messages can quote input values, and those may be a QID or a code.
struct ApiJson<T>(T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiFail;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => {
                let (code, detail) = match &rejection {
                    JsonRejection::JsonDataError(_) => (
                        ProblemCode::BadRequest,
                        "request body does not have the expected fields",
                    ),
                    JsonRejection::JsonSyntaxError(_) => {
                        (ProblemCode::BadRequest, "request body is not valid JSON")
                    }
                    JsonRejection::MissingJsonContentType(_) => (
                        ProblemCode::BadRequest,
                        "expected content-type application/json",
                    ),
                    _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        (ProblemCode::PayloadTooLarge, "request body is too large")
                    }
                    _ => (ProblemCode::BadRequest, "could not read the request body"),
                };
                Err(Problem::new(code).with_detail(detail).into())
            }
        }
    }
}

/// Safety net: rewrites any non-problem error response (axum's plain-text 404, 405,
/// 413, path rejections) into a problem with the matching code.
async fn problemize(resp: Response) -> Response {
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let is_problem = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == PROBLEM_CONTENT_TYPE.as_bytes());
    if is_problem {
        return resp;
    }
    let code = match status {
        StatusCode::NOT_FOUND => ProblemCode::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => ProblemCode::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ProblemCode::PayloadTooLarge,
        s if s.is_server_error() => ProblemCode::Internal,
        _ => ProblemCode::BadRequest,
    };
    let allow = resp.headers().get(header::ALLOW).cloned();
    let mut out = Problem::new(code).into_response();
    if let Some(allow) = allow {
        out.headers_mut().insert(header::ALLOW, allow);
    }
    out
}

// ---------------------------------------------------------------------------------------
// Routing and authentication

fn router(state: Arc<AppState>) -> Router {
    let mut protected = Router::new()
        .route("/v1/auth/challenges", post(create_challenge))
        .route("/v1/auth/challenges/{id}/verify", post(verify_challenge))
        .route("/v1/documents", get(list_documents))
        .route("/v1/documents/{id}", get(fetch_document))
        .route("/v1/keys", get(list_keys))
        .route("/v1/seals/{document_id}/status", get(seal_status))
        .route("/v1/outbox/events", post(post_events))
        .route("/v1/kiosk/health", post(post_health));
    if state.demo_sms {
        protected = protected.route("/v1/demo/sms/{id}", get(demo_sms));
    }
    let protected =
        protected.route_layer(middleware::from_fn_with_state(state.clone(), require_kiosk));
    let admin = Router::new()
        .route("/v1/admin/faults", post(set_faults).delete(clear_faults))
        .route("/v1/admin/keys/rotate", post(rotate_keys))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_admin));
    // Layers run outermost last-added first: problem mapper → in-flight guard → faults.
    Router::new()
        .route("/v1/health", get(health))
        .merge(protected)
        .merge(admin)
        .fallback(|| async { ApiFail(Problem::new(ProblemCode::NotFound)) })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            faults::inject,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guard_in_flight,
        ))
        .layer(middleware::map_response(problemize))
        .with_state(state)
}

/// Kiosk authentication: `Authorization: Bearer <token>` (RFC 6750) with a configured
/// token. Runs before the body is read.
async fn require_kiosk(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if !state.kiosk_known(req.headers()) {
        tracing::warn!(
            path = req.uri().path(),
            "request refused: unauthorized kiosk"
        );
        return Problem::new(ProblemCode::UnauthorizedKiosk).into_response();
    }
    next.run(req).await
}

/// Administrator authentication for `/v1/admin/*`: `Authorization: Bearer <admin token>`.
async fn require_admin(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let ok =
        bearer(req.headers()).is_some_and(|t| ct_eq(t.as_bytes(), state.admin_token.as_bytes()));
    if !ok {
        tracing::warn!(
            path = req.uri().path(),
            "request refused: unauthorized admin"
        );
        return Problem::new(ProblemCode::UnauthorizedAdmin).into_response();
    }
    next.run(req).await
}

/// Reads a whole request body for a middleware: over [`MAX_BODY_BYTES`] (declared or
/// counted) is 413 `payload-too-large`, a body cut short is 400 `bad-request`.
async fn read_body(parts: &Parts, body: Body) -> Result<axum::body::Bytes, Box<Response>> {
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let too_large = || {
        Box::new(
            Problem::new(ProblemCode::PayloadTooLarge)
                .with_detail("request body is too large")
                .into_response(),
        )
    };
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    match to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => Ok(b),
        // Without a declared length, a failure is most likely the limit.
        Err(_) if declared.is_none() => Err(too_large()),
        Err(_) => Err(Box::new(
            Problem::new(ProblemCode::BadRequest)
                .with_detail("could not read the request body")
                .into_response(),
        )),
    }
}

/// Removes a batch's keys from the in-flight set when its request ends (answered,
/// failed or dropped).
struct InFlight {
    state: Arc<AppState>,
    keys: Vec<Uuid>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut set = self
            .state
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for k in &self.keys {
            set.remove(k);
        }
    }
}

/// The IETF Idempotency-Key draft's in-flight rule for `POST /v1/outbox/events`: while a
/// batch is being processed (including injected latency), another batch carrying any of
/// its keys is refused whole with 409 `idempotency-key-in-flight` and nothing of it is
/// applied. Only requests from a known kiosk take part (others get their 401 inside).
async fn guard_in_flight(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST
        || req.uri().path() != "/v1/outbox/events"
        || !state.kiosk_known(req.headers())
    {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match read_body(&parts, body).await {
        Ok(b) => b,
        Err(resp) => return *resp,
    };
    // Keys of a body that does not parse are not claimed: the handler refuses it anyway.
    let keys: Vec<Uuid> = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|v| {
            v.get("events")?.as_array().map(|evs| {
                evs.iter()
                    .filter_map(|e| e.get("idempotency_key")?.as_str())
                    .filter_map(|k| Uuid::parse_str(k).ok())
                    .collect()
            })
        })
        .unwrap_or_default();
    let guard = {
        let mut set = state
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if keys.iter().any(|k| set.contains(k)) {
            drop(set);
            tracing::info!("outbox batch refused: idempotency key in flight");
            return Problem::new(ProblemCode::IdempotencyKeyInFlight)
                .with_detail("a batch with one of these idempotency keys is being processed")
                .into_response();
        }
        set.extend(keys.iter().copied());
        InFlight {
            state: state.clone(),
            keys,
        }
    };
    let resp = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    drop(guard);
    resp
}

/// The resident behind `X-Resident-Session` (a live session's QID).
struct ResidentAuth {
    qid: String,
}

impl FromRequestParts<Arc<AppState>> for ResidentAuth {
    type Rejection = ApiFail;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(RESIDENT_SESSION_HEADER)
            .and_then(|v| v.to_str().ok())
            .filter(|t| !t.is_empty() && t.len() <= 256)
            .ok_or(ProblemCode::InvalidSession)?
            .to_owned();
        let qid = state
            .with_db(move |conn| {
                Ok(conn
                    .query_row(
                        "SELECT qid FROM sessions WHERE token = ?1 AND expires_at > ?2",
                        params![token, now_ms()],
                        |r| r.get::<_, String>(0),
                    )
                    .optional()?)
            })
            .await?
            .ok_or(ProblemCode::InvalidSession)?;
        Ok(ResidentAuth { qid })
    }
}

// ---------------------------------------------------------------------------------------
// Handlers

async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

async fn create_challenge(
    State(state): State<Arc<AppState>>,
    ApiJson(req): ApiJson<ChallengeRequest>,
) -> Result<(StatusCode, Json<Challenge>), ApiFail> {
    if let Err(e) = validate_qid(&req.qid) {
        // QidError's text never contains the QID.
        return Err(Problem::new(ProblemCode::InvalidQid)
            .with_detail(e.to_string())
            .into());
    }
    let challenge = state
        .with_db(move |conn| {
            let resident = conn
                .query_row(
                    "SELECT phone, locked FROM residents WHERE qid = ?1",
                    [&req.qid],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?)),
                )
                .optional()?;
            let Some((phone, locked)) = resident else {
                return Err(ProblemCode::ResidentNotFound.into());
            };
            if locked {
                return Err(ProblemCode::AccountLocked.into());
            }
            let now = now_ms();
            // Housekeeping: forget challenges and sessions that can no longer be used.
            conn.execute("DELETE FROM challenges WHERE expires_at < ?1", [now])?;
            conn.execute("DELETE FROM sessions WHERE expires_at < ?1", [now])?;
            let id = Uuid::new_v4().to_string();
            let code = format!(
                "{:0width$}",
                rand::rng().random_range(0..10u32.pow(CODE_LEN as u32)),
                width = CODE_LEN
            );
            conn.execute(
                "INSERT INTO challenges (id, qid, code, expires_at, attempts_left, state)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'open')",
                params![
                    id,
                    req.qid,
                    code,
                    now + ttl_ms(CHALLENGE_TTL),
                    MAX_CODE_ATTEMPTS
                ],
            )?;
            Ok(Challenge {
                challenge_id: id,
                masked_phone: mask_phone(&phone),
                expires_in_s: CHALLENGE_TTL.as_secs() as u32,
            })
        })
        .await;
    match &challenge {
        Ok(c) => tracing::info!(challenge_id = %c.challenge_id, "challenge created"),
        Err(f) => tracing::info!(code = %f.0.code, "challenge refused"),
    }
    Ok((StatusCode::CREATED, Json(challenge?)))
}

/// Verify outcome decided inside the transaction.
enum Verdict {
    Session(ResidentSession),
    Refused(Problem),
}

async fn verify_challenge(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<VerifyRequest>,
) -> Result<Json<ResidentSession>, ApiFail> {
    let verdict = state
        .with_db(move |conn| {
            let tx = conn.transaction()?;
            let row = tx
                .query_row(
                    "SELECT qid, code, expires_at, attempts_left, state
                     FROM challenges WHERE id = ?1",
                    [&id],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, i64>(2)?,
                            r.get::<_, u32>(3)?,
                            r.get::<_, String>(4)?,
                        ))
                    },
                )
                .optional()?;
            let Some((qid, code, expires_at, attempts_left, st)) = row else {
                return Ok(Verdict::Refused(Problem::new(
                    ProblemCode::ChallengeExpired,
                )));
            };
            let now = now_ms();
            let verdict = if st == "dead" {
                Verdict::Refused(Problem::new(ProblemCode::TooManyAttempts).with_attempts_left(0))
            } else if st != "open" || expires_at <= now {
                Verdict::Refused(Problem::new(ProblemCode::ChallengeExpired))
            } else if ct_eq(code.as_bytes(), req.code.as_bytes()) {
                tx.execute("UPDATE challenges SET state = 'used' WHERE id = ?1", [&id])?;
                let token = random_hex(32);
                tx.execute(
                    "INSERT INTO sessions (token, qid, expires_at) VALUES (?1, ?2, ?3)",
                    params![token, qid, now + ttl_ms(SESSION_TTL)],
                )?;
                Verdict::Session(ResidentSession {
                    session_token: token,
                    expires_in_s: SESSION_TTL.as_secs() as u32,
                })
            } else {
                let left = attempts_left.saturating_sub(1);
                let new_state = if left == 0 { "dead" } else { "open" };
                tx.execute(
                    "UPDATE challenges SET attempts_left = ?1, state = ?2 WHERE id = ?3",
                    params![left, new_state, id],
                )?;
                if left == 0 {
                    Verdict::Refused(
                        Problem::new(ProblemCode::TooManyAttempts).with_attempts_left(0),
                    )
                } else {
                    Verdict::Refused(Problem::new(ProblemCode::WrongCode).with_attempts_left(left))
                }
            };
            tx.commit()?;
            Ok(verdict)
        })
        .await?;
    match verdict {
        Verdict::Session(s) => {
            tracing::info!("challenge verified, resident session opened");
            Ok(Json(s))
        }
        Verdict::Refused(p) => {
            tracing::info!(code = %p.code, attempts_left = ?p.attempts_left, "verify refused");
            Err(p.into())
        }
    }
}

async fn list_documents(
    State(state): State<Arc<AppState>>,
    resident: ResidentAuth,
) -> Result<Json<DocumentList>, ApiFail> {
    let documents = state
        .with_db(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT id, kind, number, title_ar, title_en, issued_on
                 FROM documents WHERE qid = ?1 AND status = 'valid' ORDER BY issued_on, id",
            )?;
            let rows = stmt.query_map([&resident.qid], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, kind, number, title_ar, title_en, issued_on) = row?;
                out.push(DocumentSummary {
                    id,
                    kind: stored_kind(&kind)?,
                    number,
                    title_ar,
                    title_en,
                    issued_on,
                });
            }
            Ok(out)
        })
        .await?;
    Ok(Json(DocumentList { documents }))
}

fn stored_kind(kind: &str) -> Result<DocumentKind, ApiFail> {
    DocumentKind::from_wire(kind).ok_or_else(|| {
        tracing::error!(kind, "unknown document kind in the simulator database");
        ApiFail(Problem::new(ProblemCode::Internal))
    })
}

async fn fetch_document(
    State(state): State<Arc<AppState>>,
    resident: ResidentAuth,
    Path(id): Path<String>,
) -> Result<Json<SignedDocument>, ApiFail> {
    let doc = state
        .with_db(move |conn| {
            // Scoped to the session's resident: someone else's id is simply "not found".
            let row = conn
                .query_row(
                    "SELECT kind, number, payload, status FROM documents
                     WHERE id = ?1 AND qid = ?2",
                    [&id, &resident.qid],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                        ))
                    },
                )
                .optional()?;
            let Some((kind, number, payload, status)) = row else {
                return Err(ProblemCode::DocumentNotFound.into());
            };
            if status != "valid" {
                return Err(ProblemCode::DocumentRevoked.into());
            }
            let payload = serde_json::from_str(&payload).map_err(|_| {
                tracing::error!("unparseable document payload in the simulator database");
                ApiFail(Problem::new(ProblemCode::Internal))
            })?;
            Ok(SignedDocument {
                id,
                kind: stored_kind(&kind)?,
                number,
                payload,
                seal: None,
            })
        })
        .await?;
    let doc = seal_document(&state, doc);
    Ok(Json(doc))
}

/// Puts the Tawkeed seal on an issued document with [`SimState::signing_key`]: the claims
/// digest exactly the fields the paper prints (`documents::kinds::Content::printed_fields`),
/// signed as COSE_Sign1 ES256 (DESIGN §4, `documents::seal`). A payload the paper layout
/// cannot read goes out unsealed, and the kiosk then refuses to print it.
fn seal_document(state: &SimState, mut doc: SignedDocument) -> SignedDocument {
    match manassa_documents::kinds::content(doc.kind, &doc.payload) {
        Ok(content) => {
            let (kid, key) = state.signing_key();
            let claims = manassa_documents::seal::claims_for(&doc.id, &content);
            doc.seal = Some(manassa_documents::seal::sign(&claims, &kid, &key));
        }
        Err(e) => tracing::error!(field = %e.field, "seeded document does not match its kind"),
    }
    doc
}

/// The published seal verification keys.
async fn list_keys(State(state): State<Arc<AppState>>) -> Result<Json<KeySet>, ApiFail> {
    let keys = state.with_db(|conn| Ok(keys::published(conn)?)).await?;
    Ok(Json(KeySet { keys }))
}

/// Online status of a document's seal: valid, revoked, or unknown (no such document).
/// Not scoped to a resident: anyone holding the paper may ask.
async fn seal_status(
    State(state): State<Arc<AppState>>,
    Path(document_id): Path<String>,
) -> Result<Json<SealStatus>, ApiFail> {
    let status = state
        .with_db(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT status FROM documents WHERE id = ?1",
                    [&document_id],
                    |r| r.get::<_, String>(0),
                )
                .optional()?)
        })
        .await?;
    let status = match status.as_deref() {
        None => SealState::Unknown,
        Some("valid") => SealState::Valid,
        Some(_) => SealState::Revoked,
    };
    Ok(Json(SealStatus { status }))
}

/// Stores a kiosk health report after checking its shape (ids, XFS4IoT states).
async fn post_health(
    State(state): State<Arc<AppState>>,
    ApiJson(report): ApiJson<KioskHealthReport>,
) -> Result<(StatusCode, Json<HealthReceipt>), ApiFail> {
    let bad = |detail: &str| ApiFail(Problem::new(ProblemCode::BadRequest).with_detail(detail));
    let id_ok = |s: &str, max: usize| {
        !s.is_empty()
            && s.len() <= max
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    };
    if !id_ok(&report.kiosk_id, 64) {
        return Err(bad("kiosk_id must be 1-64 characters [A-Za-z0-9._-]"));
    }
    if report.app_version.is_empty() || report.app_version.len() > 64 {
        return Err(bad("app_version must be 1-64 characters"));
    }
    if !is_rfc3339(&report.reported_at) {
        return Err(bad("reported_at must be an RFC 3339 date-time"));
    }
    if report.devices.len() > MAX_HEALTH_DEVICES {
        return Err(bad("at most 16 devices"));
    }
    for d in &report.devices {
        if !id_ok(&d.name, 32) {
            return Err(bad("device name must be 1-32 characters [A-Za-z0-9._-]"));
        }
        if !DEVICE_STATES.contains(&d.device.as_str()) {
            return Err(bad("device state must be an XFS4IoT device state"));
        }
        let short = |v: &Option<String>| v.as_ref().is_none_or(|v| id_ok(v, 32));
        if !short(&d.media) || !short(&d.paper) {
            return Err(bad("media and paper states must be 1-32 characters"));
        }
    }
    let received_at = rfc3339_now();
    let stored_at = received_at.clone();
    let body = serde_json::to_string(&report).map_err(|_| ProblemCode::Internal)?;
    state
        .with_db(move |conn| {
            conn.execute(
                "INSERT INTO health_reports (kiosk_id, received_at, body) VALUES (?1, ?2, ?3)",
                params![report.kiosk_id, stored_at, body],
            )?;
            Ok(())
        })
        .await?;
    tracing::info!("kiosk health report received");
    Ok((StatusCode::ACCEPTED, Json(HealthReceipt { received_at })))
}

/// `POST /v1/admin/faults`: puts a fault plan in force (and re-seeds its dice).
async fn set_faults(
    State(state): State<Arc<AppState>>,
    ApiJson(plan): ApiJson<FaultPlan>,
) -> Result<Json<FaultPlan>, ApiFail> {
    plan.validate()
        .map_err(|e| Problem::new(ProblemCode::BadRequest).with_detail(e.to_string()))?;
    tracing::info!(?plan, "fault plan set");
    state.faults.set(Some(plan.clone()));
    Ok(Json(plan))
}

/// `DELETE /v1/admin/faults`: no more faults.
async fn clear_faults(State(state): State<Arc<AppState>>) -> StatusCode {
    tracing::info!("fault plan cleared");
    state.faults.set(None);
    StatusCode::NO_CONTENT
}

/// `POST /v1/admin/keys/rotate`: retires the signing key, answers the new one (201).
async fn rotate_keys(
    State(state): State<Arc<AppState>>,
) -> Result<(StatusCode, Json<VerificationKey>), ApiFail> {
    let key = state.rotate_keys().await?;
    Ok((StatusCode::CREATED, Json(key)))
}

/// Outbox intake with the IETF Idempotency-Key draft's rules applied per event: a new
/// key is stored (`accepted`); a known key with the same kind and payload is a
/// `duplicate` (stored once); a known key with a different kind or payload is `rejected`
/// with `idempotency-key-reused`; an event with an empty or over-long kind or a
/// `created_at` that is not RFC 3339 is `rejected` with `bad-request` and not stored.
/// The whole batch is one transaction. (The in-flight rule is [`guard_in_flight`].)
async fn post_events(
    State(state): State<Arc<AppState>>,
    ApiJson(batch): ApiJson<OutboxBatch>,
) -> Result<Json<OutboxBatchResult>, ApiFail> {
    if batch.events.len() > MAX_BATCH_EVENTS {
        return Err(Problem::new(ProblemCode::BadRequest)
            .with_detail(format!("at most {MAX_BATCH_EVENTS} events per batch"))
            .into());
    }
    let results = state
        .with_db(move |conn| {
            let tx = conn.transaction()?;
            let received_at = rfc3339_now();
            let mut results = Vec::with_capacity(batch.events.len());
            for ev in batch.events {
                let key = ev.idempotency_key.to_string();
                let result = |status, code: Option<ProblemCode>| EventResult {
                    idempotency_key: ev.idempotency_key,
                    status,
                    code: code.map(|c| c.as_str().to_owned()),
                };
                if ev.kind.is_empty()
                    || ev.kind.len() > MAX_EVENT_KIND_LEN
                    || !is_rfc3339(&ev.created_at)
                {
                    results.push(result(EventStatus::Rejected, Some(ProblemCode::BadRequest)));
                    continue;
                }
                let known = tx
                    .query_row(
                        "SELECT kind, payload FROM events WHERE idempotency_key = ?1",
                        [&key],
                        |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
                    )
                    .optional()?;
                match known {
                    None => {
                        tx.execute(
                            "INSERT INTO events
                                 (idempotency_key, kind, payload, created_at, received_at)
                             VALUES (?1, ?2, ?3, ?4, ?5)",
                            params![
                                key,
                                ev.kind,
                                ev.payload.to_string(),
                                ev.created_at,
                                received_at
                            ],
                        )?;
                        results.push(result(EventStatus::Accepted, None));
                    }
                    Some((kind, payload)) => {
                        // Compare parsed values so key order in the JSON does not matter.
                        let same = kind == ev.kind
                            && serde_json::from_str::<Value>(&payload).ok().as_ref()
                                == Some(&ev.payload);
                        if same {
                            results.push(result(EventStatus::Duplicate, None));
                        } else {
                            results.push(result(
                                EventStatus::Rejected,
                                Some(ProblemCode::IdempotencyKeyReused),
                            ));
                        }
                    }
                }
            }
            tx.commit()?;
            Ok(results)
        })
        .await?;
    let count = |s: EventStatus| results.iter().filter(|r| r.status == s).count();
    tracing::info!(
        accepted = count(EventStatus::Accepted),
        duplicate = count(EventStatus::Duplicate),
        rejected = count(EventStatus::Rejected),
        "outbox batch received"
    );
    Ok(Json(OutboxBatchResult { results }))
}

/// Demo stand-in for the SMS gateway: reveals a live challenge's code. Never logged.
async fn demo_sms(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiFail> {
    let (code, phone) = state
        .with_db(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT c.code, r.phone FROM challenges c JOIN residents r ON r.qid = c.qid
                     WHERE c.id = ?1 AND c.state = 'open' AND c.expires_at > ?2",
                    params![id, now_ms()],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
                )
                .optional()?)
        })
        .await?
        .ok_or(ProblemCode::ChallengeExpired)?;
    Ok(Json(
        json!({"code": code, "masked_phone": mask_phone(&phone)}),
    ))
}

#[cfg(test)]
mod tests;
