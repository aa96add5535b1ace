//! Durable outbox: everything that must reach the ministry is written to SQLite first
//! and delivered by one sync worker (DESIGN §5).
//!
//! - WAL journal with `synchronous=FULL`: a committed row survives kill -9 and power loss.
//! - Each row gets a UUID v4 idempotency key at enqueue time and keeps it on every retry,
//!   so the ministry stores it once (IETF `Idempotency-Key` draft semantics, applied per
//!   event by the server).
//! - Business state and its outbox row can share one transaction ([`enqueue_tx`],
//!   [`Outbox::with_transaction`]).
//! - Delivery: batches of up to [`BATCH_SIZE`] due rows in id order; accepted and
//!   duplicate rows are deleted; rows the answer rejects, and rows it leaves out
//!   [`MAX_ATTEMPTS`] times, move to `dead_letters`, which a technician can inspect and
//!   re-queue (one or all); a failure of the whole batch (no answer, a redirect, a 4xx or
//!   5xx page) keeps every row, counts no attempt and backs off with full jitter (base
//!   [`BACKOFF_BASE`], cap [`BACKOFF_CAP`]), honouring `Retry-After`. [`SyncPolicy`]
//!   carries these numbers (tests shrink them).
//! - Connectivity: after a network failure the worker polls `GET /v1/health` every
//!   [`PROBE_PERIOD`] instead of posting batches; when the ministry answers again, rows
//!   that were waiting only for the network become due at once.
//! - Size: [`Outbox::open_limited`] caps the database file; a full disk or a reached cap
//!   is [`OutboxError::DiskFull`], and what was committed before stays. A reserve file
//!   gives room back when the partition fills, and the WAL is kept short while space is
//!   low ([`space`]). On a partition too full to open the database,
//!   [`Outbox::open_or_degraded`] starts without it: writes fail with `DiskFull` (nothing
//!   is accepted that could be lost) until space returns, then the file is opened.
//!
//! Database work in async code runs on tokio's blocking pool, never on an executor thread
//! or the UI thread. Payloads may contain personal data; they are never logged.
//! Technicians reach the queue through `manassa outbox` ([`cli`]).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, ErrorCode, OptionalExtension as _, Transaction, params};
use thiserror::Error;
use tokio::sync::Notify;
use uuid::Uuid;

use manassa_ministry_api::client::{ApiError, Client};
use manassa_ministry_api::{EventStatus, OutboxEvent};

/// Largest payload accepted by [`Outbox::enqueue`], in bytes of serialized JSON.
pub const MAX_PAYLOAD_BYTES: usize = 64 * 1024;
/// Longest event kind, in bytes.
pub const MAX_KIND_LEN: usize = 64;
/// Rows sent per request.
pub const BATCH_SIZE: usize = 100;
/// Delivery attempts before a row is dead-lettered.
pub const MAX_ATTEMPTS: u32 = 20;
/// First backoff ceiling; doubles per attempt.
pub const BACKOFF_BASE: Duration = Duration::from_secs(1);
/// Largest backoff ceiling.
pub const BACKOFF_CAP: Duration = Duration::from_secs(5 * 60);
/// Period of the sync worker when nothing wakes it earlier.
pub const SYNC_PERIOD: Duration = Duration::from_secs(15);
/// Period of the health probe while the ministry is unreachable.
pub const PROBE_PERIOD: Duration = Duration::from_secs(5);

/// The sync worker's numbers. [`Default`] gives DESIGN §5's: [`BACKOFF_BASE`],
/// [`BACKOFF_CAP`], [`MAX_ATTEMPTS`], [`BATCH_SIZE`], [`SYNC_PERIOD`], [`PROBE_PERIOD`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncPolicy {
    /// First backoff ceiling; doubles per failed attempt.
    pub base: Duration,
    /// Largest backoff ceiling.
    pub cap: Duration,
    /// Failed delivery attempts after which a row is dead-lettered (at least 1).
    pub max_attempts: u32,
    /// Rows sent per request (at least 1; the reference server takes up to 1000).
    pub batch: usize,
    /// The worker's timer: a round at least this often when nothing wakes it.
    pub period: Duration,
    /// Health probe period while the ministry is unreachable.
    pub probe_period: Duration,
}

impl Default for SyncPolicy {
    fn default() -> Self {
        SyncPolicy {
            base: BACKOFF_BASE,
            cap: BACKOFF_CAP,
            max_attempts: MAX_ATTEMPTS,
            batch: BATCH_SIZE,
            period: SYNC_PERIOD,
            probe_period: PROBE_PERIOD,
        }
    }
}

/// Schema migrations, applied in order; `schema_version` records the last one applied.
const MIGRATIONS: &[&str] = &[
    // 1: queue and dead letters. next_attempt_at is unix milliseconds.
    "CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        idempotency_key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
    );
    CREATE INDEX outbox_due ON outbox (next_attempt_at, id);
    CREATE TABLE dead_letters (
        id INTEGER PRIMARY KEY,
        idempotency_key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        failed_at TEXT NOT NULL
    );",
    // 2: rows whose last failure was the network (not a server answer) are retried as soon
    // as the ministry is reachable again, whatever their backoff.
    "ALTER TABLE outbox ADD COLUMN waiting_for_network INTEGER NOT NULL DEFAULT 0;",
    // Why the ministry last refused a whole batch, for every process that opens the
    // database (the kiosk, `manassa outbox status`, doctor).
    "CREATE TABLE alarm (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        text TEXT NOT NULL,
        since TEXT NOT NULL
    );",
];

/// Outbox failures.
#[derive(Debug, Error)]
pub enum OutboxError {
    /// The disk or the size limit of [`Outbox::open_limited`] is reached (`SQLITE_FULL`).
    /// The failed write was rolled back; everything committed before is kept.
    #[error(
        "outbox storage is full (disk or outbox size limit reached): this write was not \
         saved, queued events are kept; free space on the data partition or let the queue \
         drain"
    )]
    DiskFull,
    /// The serialized payload exceeds [`MAX_PAYLOAD_BYTES`].
    #[error("outbox payload is {size} bytes, limit {limit}")]
    PayloadTooLarge {
        /// Serialized size in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// The kind is empty, longer than [`MAX_KIND_LEN`], or not `[a-z0-9._-]`.
    #[error("invalid outbox event kind")]
    InvalidKind,
    /// No dead letter with this id.
    #[error("no dead letter with id {0}")]
    NotFound(i64),
    /// The database file was written by a newer build.
    #[error("outbox schema version {found} is newer than this build's {supported}")]
    NewerSchema {
        /// Version found in the file.
        found: i64,
        /// Latest version this build knows.
        supported: i64,
    },
    /// A stored row cannot be read back (bad key or JSON); names the row id only.
    #[error("outbox row {0} is corrupt")]
    Corrupt(i64),
    /// Any other SQLite error.
    #[error("outbox database error: {0}")]
    Sqlite(rusqlite::Error),
    /// A blocking database task panicked or was cancelled.
    #[error("outbox background task failed")]
    Task,
}

impl From<rusqlite::Error> for OutboxError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => OutboxError::DiskFull,
            _ => OutboxError::Sqlite(e),
        }
    }
}

/// Why a [`Outbox::sync_once`] round failed. The bookkeeping (attempts, backoff, dead
/// letters) is already done when this is returned.
#[derive(Debug, Error)]
pub enum SyncError {
    /// Local database trouble.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    /// The batch could not be delivered; rows were rescheduled or dead-lettered.
    #[error("outbox batch not delivered: {0}")]
    Api(#[from] ApiError),
}

/// A freshly queued row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enqueued {
    /// Row id (delivery order).
    pub id: i64,
    /// Idempotency key sent on every attempt.
    pub idempotency_key: Uuid,
}

/// A row waiting for delivery, without its payload (for the maintenance menu).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// Row id.
    pub id: i64,
    /// Idempotency key.
    pub idempotency_key: Uuid,
    /// Event kind.
    pub kind: String,
    /// RFC 3339 UTC time of enqueue.
    pub created_at: String,
    /// Failed delivery attempts so far.
    pub attempts: u32,
    /// Earliest next attempt, unix milliseconds.
    pub next_attempt_at: i64,
    /// Last failure, if any (no personal data).
    pub last_error: Option<String>,
}

/// A row that will not be delivered without a technician's re-queue.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    /// Original row id (kept on re-queue, so order is preserved).
    pub id: i64,
    /// Idempotency key.
    pub idempotency_key: Uuid,
    /// Event kind.
    pub kind: String,
    /// Payload (may hold personal data: show, never log).
    pub payload: serde_json::Value,
    /// RFC 3339 UTC time of enqueue.
    pub created_at: String,
    /// Delivery attempts made.
    pub attempts: u32,
    /// Why it was given up (problem code or error text).
    pub last_error: Option<String>,
    /// RFC 3339 UTC time it was dead-lettered.
    pub failed_at: String,
}

/// Queue state, see [`Outbox::status`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// Rows waiting for delivery.
    pub depth: usize,
    /// Age of the oldest queued row; `None` when empty.
    pub oldest_age: Option<Duration>,
    /// Time until the earliest row is due (zero: due now); `None` when empty.
    pub next_due_in: Option<Duration>,
    /// Rows whose last attempt failed on the network (no answer from the ministry).
    pub waiting_for_network: usize,
    /// Rows in the dead-letter table.
    pub dead_letters: usize,
    /// Last error of the first row that has one (problem code or error text, no
    /// personal data).
    pub last_error: Option<String>,
    /// Why the ministry last refused a whole batch, until one is answered again
    /// ([`Outbox::alarm`]).
    pub alarm: Option<String>,
    /// The database could not be opened for lack of space: nothing can be queued until
    /// space returns ([`Outbox::open_or_degraded`]).
    pub degraded: bool,
    /// Free bytes on the outbox's partition, when known.
    pub free_bytes: Option<u64>,
}

/// Outcome of one [`Outbox::sync_once`] round.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Rows the ministry accepted (or already had) and that were removed.
    pub delivered: usize,
    /// Rows moved to the dead-letter table this round.
    pub dead_lettered: usize,
    /// Rows still queued after the round (due or not).
    pub remaining: usize,
}

/// The durable queue. Share it as `Arc<Outbox>`; all methods take `&self`.
pub struct Outbox {
    conn: Mutex<Connection>,
    /// The database file (`None`: in memory, tests).
    path: Option<PathBuf>,
    /// Started without its file for lack of space ([`Outbox::open_or_degraded`]).
    degraded: AtomicBool,
    // One sync round at a time (worker and a technician's forced sync), with the count
    // of consecutive batch-level failures that paces the backoff.
    sync_lock: tokio::sync::Mutex<sync::Rounds>,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox").finish_non_exhaustive()
    }
}

impl Outbox {
    /// Like [`Outbox::open`], but the database file may not grow past about `max_bytes`
    /// (rounded down to whole pages, SQLite's `max_page_count`; never below the current
    /// size). A write that would grow it further fails with [`OutboxError::DiskFull`], so
    /// a flood of events cannot fill the kiosk's data partition. Delivered rows free
    /// their pages for new ones. The WAL file is not counted.
    pub fn open_limited(path: &Path, max_bytes: u64) -> Result<Outbox, OutboxError> {
        let outbox = Outbox::open(path)?;
        {
            let conn = outbox.conn();
            let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
            let pages = i64::try_from(max_bytes).unwrap_or(i64::MAX) / page_size.max(512);
            // The pragma answers with the limit in force; reading it back is the set.
            let _: i64 = conn.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
                r.get(0)
            })?;
        }
        Ok(outbox)
    }

    /// Runs SQLite's `PRAGMA integrity_check`; `Ok(vec![])` when the file is sound,
    /// otherwise SQLite's problem lines. Reads the whole file: for diagnostics, not for
    /// every start.
    pub fn integrity_check(&self) -> Result<Vec<String>, OutboxError> {
        let conn = self.conn();
        let mut stmt = conn.prepare("PRAGMA integrity_check")?;
        let lines = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(if lines == ["ok"] { Vec::new() } else { lines })
    }

    /// Queue state for the maintenance menu, health reports and `manassa outbox status`.
    pub fn status(&self) -> Result<Status, OutboxError> {
        let conn = self.conn();
        let (depth, oldest_s, next_at, waiting_for_network): (i64, Option<f64>, Option<i64>, i64) =
            conn.query_row(
                "SELECT COUNT(*),
                        (julianday('now') - julianday(MIN(created_at))) * 86400.0,
                        MIN(next_attempt_at),
                        COALESCE(SUM(waiting_for_network), 0)
                 FROM outbox",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?;
        let dead_letters: i64 =
            conn.query_row("SELECT COUNT(*) FROM dead_letters", [], |r| r.get(0))?;
        let last_error: Option<String> = conn
            .query_row(
                "SELECT last_error FROM outbox WHERE last_error IS NOT NULL
                 ORDER BY id LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        Ok(Status {
            depth: usize::try_from(depth).unwrap_or(0),
            oldest_age: oldest_s.map(|s| Duration::from_secs_f64(s.max(0.0))),
            next_due_in: next_at
                .map(|at| Duration::from_millis(u64::try_from(at - now_ms()).unwrap_or(0))),
            waiting_for_network: usize::try_from(waiting_for_network).unwrap_or(0),
            dead_letters: usize::try_from(dead_letters).unwrap_or(0),
            last_error,
            alarm: conn
                .query_row("SELECT text FROM alarm WHERE id = 1", [], |r| r.get(0))
                .optional()?,
            degraded: self.is_degraded(),
            free_bytes: self.path.as_deref().and_then(space::free_bytes),
        })
    }

    /// Makes every row that waits only because the network failed due now (the ministry
    /// answers again). Rows backing off after a server answer (5xx, 429 with
    /// `Retry-After`) keep their schedule. Returns how many rows were made due.
    pub fn connectivity_restored(&self) -> Result<usize, OutboxError> {
        let n = self.conn().execute(
            "UPDATE outbox SET next_attempt_at = 0, waiting_for_network = 0
             WHERE waiting_for_network = 1",
            [],
        )?;
        Ok(n)
    }

    /// Makes every queued row due now, ignoring backoff and `Retry-After` (a
    /// technician's forced sync). Attempt counts are kept. Returns the number of rows.
    pub fn make_all_due(&self) -> Result<usize, OutboxError> {
        let n = self
            .conn()
            .execute("UPDATE outbox SET next_attempt_at = 0", [])?;
        Ok(n)
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // rusqlite rolls back an open transaction on drop, so a panic while holding the
        // lock leaves the connection consistent.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues an event of `kind` with `payload`, committed before returning. Blocking
    /// (one fsync); from async code call it via `spawn_blocking`.
    pub fn enqueue(
        &self,
        kind: &str,
        payload: &serde_json::Value,
    ) -> Result<Enqueued, OutboxError> {
        self.write(|conn| {
            let tx = conn.transaction()?;
            let e = enqueue_tx(&tx, kind, payload)?;
            tx.commit()?;
            Ok(e)
        })
    }

    /// Runs `f` in one immediate transaction on the outbox's connection and commits if it
    /// returns `Ok`: business tables in the same database and their outbox rows
    /// ([`enqueue_tx`]) are then written atomically. Blocking.
    ///
    /// `f` may run twice: after a `SQLITE_FULL` rolled back the first try, room is made and
    /// it runs again ([`space`]).
    pub fn with_transaction<T>(
        &self,
        f: impl Fn(&Transaction<'_>) -> Result<T, OutboxError>,
    ) -> Result<T, OutboxError> {
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
    }

    /// Rows waiting for delivery.
    pub fn depth(&self) -> Result<usize, OutboxError> {
        let n: i64 = self
            .conn()
            .query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Age of the oldest queued row, `None` when empty.
    pub fn oldest_age(&self) -> Result<Option<Duration>, OutboxError> {
        // created_at is fixed-width UTC, so MIN() is the oldest; SQLite does the date
        // arithmetic (the `time` crate is built without parsing here).
        let secs: Option<f64> = self.conn().query_row(
            "SELECT (julianday('now') - julianday(MIN(created_at))) * 86400.0 FROM outbox",
            [],
            |r| r.get(0),
        )?;
        Ok(secs.map(|s| Duration::from_secs_f64(s.max(0.0))))
    }

    /// Up to `limit` queued rows in delivery order, without payloads.
    pub fn pending(&self, limit: usize) -> Result<Vec<Pending>, OutboxError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, idempotency_key, kind, created_at, attempts, next_attempt_at, last_error
             FROM outbox ORDER BY id LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit_param(limit)], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, u32>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, key, kind, created_at, attempts, next_attempt_at, last_error) = row?;
            out.push(Pending {
                id,
                idempotency_key: parse_key(id, &key)?,
                kind,
                created_at,
                attempts,
                next_attempt_at,
                last_error,
            });
        }
        Ok(out)
    }

    /// Every dead letter, oldest first.
    pub fn dead_letters(&self) -> Result<Vec<DeadLetter>, OutboxError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, idempotency_key, kind, payload, created_at, attempts, last_error,
                    failed_at
             FROM dead_letters ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, u32>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, String>(7)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, key, kind, payload, created_at, attempts, last_error, failed_at) = row?;
            out.push(DeadLetter {
                id,
                idempotency_key: parse_key(id, &key)?,
                kind,
                payload: serde_json::from_str(&payload).map_err(|_| OutboxError::Corrupt(id))?,
                created_at,
                attempts,
                last_error,
                failed_at,
            });
        }
        Ok(out)
    }

    /// Moves dead letter `id` back into the queue, due now, with its attempt count reset
    /// and its original id and idempotency key. [`OutboxError::NotFound`] if there is no
    /// such dead letter. See [`requeue_tx`] to record the technician's action with it.
    pub fn requeue(&self, id: i64) -> Result<(), OutboxError> {
        self.with_transaction(|tx| requeue_tx(tx, id))
    }

    /// Time until the earliest queued row is due (zero if one is due now), `None` when
    /// the queue is empty.
    pub fn next_due_in(&self) -> Result<Option<Duration>, OutboxError> {
        let next: Option<i64> =
            self.conn()
                .query_row("SELECT MIN(next_attempt_at) FROM outbox", [], |r| r.get(0))?;
        Ok(next.map(|at| Duration::from_millis(u64::try_from(at - now_ms()).unwrap_or(0))))
    }
}

/// Queues an event inside the caller's transaction, so it commits (or rolls back) with
/// the business state it records. The database must be an outbox database (opened once
/// with [`Outbox::open`], or the transaction comes from [`Outbox::with_transaction`]).
pub fn enqueue_tx(
    tx: &Transaction<'_>,
    kind: &str,
    payload: &serde_json::Value,
) -> Result<Enqueued, OutboxError> {
    let valid_kind = !kind.is_empty()
        && kind.len() <= MAX_KIND_LEN
        && kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if !valid_kind {
        return Err(OutboxError::InvalidKind);
    }
    let text = payload.to_string();
    if text.len() > MAX_PAYLOAD_BYTES {
        return Err(OutboxError::PayloadTooLarge {
            size: text.len(),
            limit: MAX_PAYLOAD_BYTES,
        });
    }
    let key = Uuid::new_v4();
    tx.execute(
        "INSERT INTO outbox (idempotency_key, kind, payload, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![key.to_string(), kind, text, rfc3339_now()],
    )?;
    Ok(Enqueued {
        id: tx.last_insert_rowid(),
        idempotency_key: key,
    })
}

/// [`Outbox::requeue`] inside the caller's transaction (from
/// [`Outbox::with_transaction`]), so the technician's audit row ([`enqueue_tx`]) commits
/// with the re-queue or not at all.
pub fn requeue_tx(tx: &Transaction<'_>, id: i64) -> Result<(), OutboxError> {
    let moved = tx.execute(
        "INSERT INTO outbox (id, idempotency_key, kind, payload, created_at, attempts,
                             next_attempt_at, last_error)
         SELECT id, idempotency_key, kind, payload, created_at, 0, 0, last_error
         FROM dead_letters WHERE id = ?1",
        [id],
    )?;
    if moved == 0 {
        return Err(OutboxError::NotFound(id));
    }
    tx.execute("DELETE FROM dead_letters WHERE id = ?1", [id])?;
    Ok(())
}

/// Every dead letter back in the queue, in id order, inside the caller's transaction (so
/// the technician's one audit row commits with them); returns how many moved.
pub fn requeue_all_tx(tx: &Transaction<'_>) -> Result<usize, OutboxError> {
    let moved = tx.execute(
        "INSERT INTO outbox (id, idempotency_key, kind, payload, created_at, attempts,
                             next_attempt_at, last_error)
         SELECT id, idempotency_key, kind, payload, created_at, 0, 0, last_error
         FROM dead_letters ORDER BY id",
        [],
    )?;
    tx.execute("DELETE FROM dead_letters", [])?;
    Ok(moved)
}

fn migrate(conn: &mut Connection) -> Result<(), OutboxError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
    let current: i64 = tx.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_version",
        [],
        |r| r.get(0),
    )?;
    let supported = MIGRATIONS.len() as i64;
    if current > supported {
        return Err(OutboxError::NewerSchema {
            found: current,
            supported,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        tx.execute_batch(sql)?;
        tx.execute("DELETE FROM schema_version", [])?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            [i as i64 + 1],
        )?;
    }
    tx.commit()?;
    Ok(())
}

fn dead_letter(
    tx: &Transaction<'_>,
    id: i64,
    attempts: u32,
    reason: &str,
    failed_at: &str,
) -> Result<(), OutboxError> {
    tx.execute(
        "INSERT OR REPLACE INTO dead_letters (id, idempotency_key, kind, payload, created_at,
                                   attempts, next_attempt_at, last_error, failed_at)
         SELECT id, idempotency_key, kind, payload, created_at, ?2, next_attempt_at, ?3, ?4
         FROM outbox WHERE id = ?1",
        params![id, attempts, reason, failed_at],
    )?;
    tx.execute("DELETE FROM outbox WHERE id = ?1", [id])?;
    Ok(())
}

/// Full-jitter exponential backoff (AWS Architecture Blog, "Exponential Backoff And
/// Jitter"): uniform in `[0, min(cap, base · 2^(attempts-1))]`, but never sooner than the
/// server's `Retry-After`.
fn backoff(
    attempts: u32,
    retry_after: Option<Duration>,
    policy: &SyncPolicy,
    rng: &mut impl rand::Rng,
) -> Duration {
    let exp = attempts.saturating_sub(1).min(20);
    let ceiling = policy.base.saturating_mul(1 << exp).min(policy.cap);
    let jittered = Duration::from_millis(rng.random_range(0..=duration_ms(ceiling) as u64));
    match retry_after {
        Some(ra) => jittered.max(ra),
        None => jittered,
    }
}

/// A queued row as read for delivery.
struct Row {
    id: i64,
    /// `None` if the stored key does not parse (the row is then dead-lettered).
    key: Option<Uuid>,
    kind: String,
    payload: String,
    created_at: String,
    attempts: u32,
}

impl Row {
    fn to_event(&self) -> Option<OutboxEvent> {
        Some(OutboxEvent {
            idempotency_key: self.key?,
            kind: self.kind.clone(),
            payload: serde_json::from_str(&self.payload).ok()?,
            created_at: self.created_at.clone(),
        })
    }
}

fn parse_key(id: i64, key: &str) -> Result<Uuid, OutboxError> {
    Uuid::parse_str(key).map_err(|_| OutboxError::Corrupt(id))
}

fn limit_param(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

fn now_ms() -> i64 {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    i64::try_from(ms).unwrap_or(i64::MAX)
}

fn duration_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// RFC 3339 UTC with milliseconds, fixed width so text order is time order.
fn rfc3339_now() -> String {
    const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::now_utc()
        .format(FORMAT)
        .unwrap_or_default()
}

pub mod space;
mod sync;
mod worker;
pub use worker::*;

#[cfg(test)]
mod tests;
