//! `manassa outbox …`: the technician's view of the queue (status, forced drain, dead
//! letters and re-queue), plus a hidden `soak` load generator used by the crash test.
//!
//! The database is the configuration's `outbox.path` (`--config FILE`, by default
//! `/etc/manassa/manassa.toml` when it exists, else the built-in defaults), or `--db PATH`.
//! The commands are safe while the kiosk runs: SQLite's WAL and busy timeout serialize the
//! writers, and a row delivered twice (kiosk and drain at once) is stored once by the
//! ministry thanks to its idempotency key. Payloads are shown only on request
//! (`dead-letters --payload`), never logged.
//!
//! Commands that change the queue are technician actions and are audited through the
//! outbox itself (DESIGN §10): a [`TECHNICIAN_ACTION`] event with the kiosk id, the
//! action (`outbox.requeue`, `outbox.drain`) and `"via": "cli"`; a re-queue and its
//! audit row commit in one transaction.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};

use crate::config::Config;
use manassa_ministry_api::client::Client;
use manassa_outbox::{
    Outbox, SyncError, SyncPolicy, enqueue_tx, requeue_all_tx, requeue_tx, spawn_sync_worker_with,
};

/// Default configuration file, used when it exists and no `--config` is given.
pub const DEFAULT_CONFIG: &str = "/etc/manassa/manassa.toml";

/// Event kind of a technician's audited action.
pub const TECHNICIAN_ACTION: &str = "technician_action";

/// Arguments of `manassa outbox`.
#[derive(Debug, clap::Args)]
pub struct OutboxArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: OutboxAction,
    /// Outbox database; overrides the configuration's `outbox.path`.
    #[arg(long, global = true)]
    pub db: Option<PathBuf>,
    /// Kiosk configuration file (default /etc/manassa/manassa.toml when present).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
}

/// `manassa outbox` actions.
#[derive(Debug, clap::Subcommand)]
pub enum OutboxAction {
    /// Queue depth, oldest age, next attempt, rows waiting for the network, dead letters.
    Status,
    /// Forced sync: make every queued row due and deliver until the queue is empty.
    /// Exits non-zero if rows are still queued at the deadline or were dead-lettered
    /// during it. Audited.
    Drain {
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 120)]
        timeout_s: u64,
    },
    /// List the dead letters (rows given up on), oldest first.
    DeadLetters {
        /// Also print each payload (may contain personal data: for the technician's eyes).
        #[arg(long)]
        payload: bool,
    },
    /// Move dead letters back into the queue (same id and idempotency key, attempts
    /// reset), due now. Audited.
    Requeue {
        /// Dead-letter ids as listed by `dead-letters`.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        ids: Vec<i64>,
        /// Every dead letter, in one transaction with one audit record.
        #[arg(long)]
        all: bool,
    },
    /// Test tool: enqueue COUNT events while a fast sync worker delivers them, printing
    /// `committed <key>` after each commit; exit when all are delivered.
    #[command(hide = true)]
    Soak {
        /// Ministry base URL.
        #[arg(long)]
        url: String,
        /// Kiosk bearer token.
        #[arg(long, default_value = "demo-kiosk-token")]
        token: String,
        /// Events to enqueue.
        #[arg(long)]
        count: u64,
        /// Label copied into each payload (`{"tag": TAG, "seq": n}`).
        #[arg(long, default_value = "")]
        tag: String,
    },
}

/// Runs `manassa outbox …`, printing to stdout. Errors name the file or the failure;
/// the exit status is non-zero on error.
pub fn run_cli(args: OutboxArgs) -> anyhow::Result<()> {
    let OutboxArgs { action, db, config } = args;
    if let OutboxAction::Soak {
        url,
        token,
        count,
        tag,
    } = action
    {
        let db = db.context("outbox soak needs --db")?;
        return soak(&db, &url, &token, count, &tag);
    }
    let cfg = load_config(config.as_deref())?;
    let path = db.unwrap_or_else(|| cfg.outbox.path.clone());
    let outbox = Arc::new(
        Outbox::open(&path)
            .with_context(|| format!("cannot open the outbox database {}", path.display()))?,
    );
    let mut out = std::io::stdout().lock();
    match action {
        OutboxAction::Status => {
            let s = outbox.status()?;
            writeln!(out, "database:            {}", path.display())?;
            writeln!(out, "queued:              {}", s.depth)?;
            writeln!(out, "oldest:              {}", age(s.oldest_age))?;
            writeln!(
                out,
                "next attempt in:     {}",
                match s.next_due_in {
                    None => "-".to_owned(),
                    Some(d) if d.is_zero() => "now".to_owned(),
                    Some(d) => format!("{} s", d.as_secs()),
                }
            )?;
            writeln!(out, "waiting for network: {}", s.waiting_for_network)?;
            writeln!(out, "dead letters:        {}", s.dead_letters)?;
            writeln!(
                out,
                "last error:          {}",
                s.last_error.as_deref().unwrap_or("-")
            )?;
            writeln!(
                out,
                "alarm:               {}",
                s.alarm.as_deref().unwrap_or("-")
            )?;
        }
        OutboxAction::Drain { timeout_s } => {
            let client = cfg.api_client()?;
            outbox.enqueue(
                TECHNICIAN_ACTION,
                &serde_json::json!({
                    "kiosk_id": cfg.kiosk.id,
                    "action": "outbox.drain",
                    "via": "cli",
                }),
            )?;
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            // Counted in the table, not from the rounds' reports: a round that fails for
            // the whole batch still parks unreadable rows.
            let dead_before = outbox.status()?.dead_letters;
            let (delivered, _, remaining, last) =
                rt.block_on(drain(&outbox, &client, Duration::from_secs(timeout_s)))?;
            let dead = outbox.status()?.dead_letters.saturating_sub(dead_before);
            writeln!(
                out,
                "delivered {delivered}, dead-lettered {dead}, still queued {remaining}"
            )?;
            if dead > 0 {
                bail!(
                    "{dead} events were dead-lettered during the drain: see `manassa outbox \
                     dead-letters`"
                );
            }
            if remaining > 0 {
                bail!(
                    "{remaining} events still queued after {timeout_s} s (last error: {})",
                    last.as_deref().unwrap_or("none")
                );
            }
        }
        OutboxAction::DeadLetters { payload } => {
            let dead = outbox.dead_letters()?;
            if dead.is_empty() {
                writeln!(out, "no dead letters")?;
            }
            for d in dead {
                writeln!(
                    out,
                    "{}\t{}\t{}\tattempts={}\tcreated={}\tfailed={}\terror={}",
                    d.id,
                    d.idempotency_key,
                    d.kind,
                    d.attempts,
                    d.created_at,
                    d.failed_at,
                    d.last_error.as_deref().unwrap_or("-")
                )?;
                if payload {
                    writeln!(out, "\t{}", d.payload)?;
                }
            }
        }
        OutboxAction::Requeue { all: true, .. } => {
            let moved = outbox.with_transaction(|tx| {
                let moved = requeue_all_tx(tx)?;
                let audit = serde_json::json!({
                    "kiosk_id": cfg.kiosk.id,
                    "action": "outbox.requeue_all",
                    "count": moved,
                    "via": "cli",
                });
                enqueue_tx(tx, TECHNICIAN_ACTION, &audit)?;
                Ok(moved)
            })?;
            writeln!(out, "requeued {moved}")?;
        }
        OutboxAction::Requeue { ids, .. } => {
            for id in ids {
                let audit = serde_json::json!({
                    "kiosk_id": cfg.kiosk.id,
                    "action": "outbox.requeue",
                    "dead_letter_id": id,
                    "via": "cli",
                });
                outbox.with_transaction(|tx| {
                    requeue_tx(tx, id)?;
                    enqueue_tx(tx, TECHNICIAN_ACTION, &audit)
                })?;
                writeln!(out, "requeued {id}")?;
            }
        }
        OutboxAction::Soak { .. } => unreachable!("handled above"),
    }
    Ok(())
}

/// The configuration at `path`, else `/etc/manassa/manassa.toml` when present, else the
/// built-in defaults.
///
/// Errors: the file cannot be read or is not a valid configuration.
pub fn load_config(path: Option<&Path>) -> anyhow::Result<Config> {
    match path {
        Some(p) => Ok(Config::load(p)?),
        None if Path::new(DEFAULT_CONFIG).exists() => Ok(Config::load(Path::new(DEFAULT_CONFIG))?),
        None => Ok(Config::default()),
    }
}

fn age(d: Option<Duration>) -> String {
    match d {
        None => "-".to_owned(),
        Some(d) => format!("{} s", d.as_secs()),
    }
}

/// Forced sync: everything due now, then rounds until empty or `timeout`. Returns
/// (delivered, dead-lettered, remaining, last error).
async fn drain(
    outbox: &Arc<Outbox>,
    client: &Client,
    timeout: Duration,
) -> anyhow::Result<(usize, usize, usize, Option<String>)> {
    let deadline = tokio::time::Instant::now() + timeout;
    let policy = SyncPolicy::default();
    let o = Arc::clone(outbox);
    tokio::task::spawn_blocking(move || o.make_all_due()).await??;
    let (mut delivered, mut dead) = (0, 0);
    let mut last_error = None;
    loop {
        let remaining = match outbox.sync_once_with(client, &policy).await {
            Ok(r) => {
                delivered += r.delivered;
                dead += r.dead_lettered;
                if r.remaining == 0 {
                    return Ok((delivered, dead, 0, None));
                }
                if r.delivered + r.dead_lettered > 0 {
                    continue;
                }
                r.remaining
            }
            Err(SyncError::Outbox(e)) => return Err(e.into()),
            Err(SyncError::Api(e)) => {
                let refused_kiosk = e.status() == Some(401);
                last_error = Some(e.to_string());
                let o = Arc::clone(outbox);
                let remaining = tokio::task::spawn_blocking(move || o.depth()).await??;
                // A refused kiosk credential will not fix itself while we wait.
                if refused_kiosk {
                    return Ok((delivered, dead, remaining, last_error));
                }
                remaining
            }
        };
        let o = Arc::clone(outbox);
        let due = tokio::task::spawn_blocking(move || o.next_due_in()).await??;
        let wait = due
            .unwrap_or_default()
            .clamp(Duration::from_millis(100), Duration::from_secs(5));
        if tokio::time::Instant::now() + wait > deadline {
            return Ok((delivered, dead, remaining, last_error));
        }
        tokio::time::sleep(wait).await;
    }
}

/// Sync policy of the soak tool: tiny delays and small batches, so a kill lands in
/// every phase (enqueue, post, record) often.
fn soak_policy() -> SyncPolicy {
    SyncPolicy {
        base: Duration::from_millis(20),
        cap: Duration::from_millis(200),
        max_attempts: 1000,
        batch: 25,
        period: Duration::from_millis(100),
        probe_period: Duration::from_millis(50),
    }
}

fn soak(db: &Path, url: &str, token: &str, count: u64, tag: &str) -> anyhow::Result<()> {
    let outbox = Arc::new(
        Outbox::open(db)
            .with_context(|| format!("cannot open the outbox database {}", db.display()))?,
    );
    let client = Client::new(url, token, Duration::from_secs(5))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let worker = spawn_sync_worker_with(Arc::clone(&outbox), client, soak_policy());
        let (o, w, tag) = (Arc::clone(&outbox), worker.clone(), tag.to_owned());
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            for seq in 0..count {
                let e = o.enqueue("test.soak", &serde_json::json!({"tag": tag, "seq": seq}))?;
                // Printed only after the commit: a reported key is a durable key.
                let mut out = std::io::stdout().lock();
                writeln!(out, "committed {}", e.idempotency_key)?;
                out.flush()?;
                w.wake();
            }
            Ok(())
        })
        .await??;
        loop {
            let o = Arc::clone(&outbox);
            if tokio::task::spawn_blocking(move || o.depth()).await?? == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        worker.shutdown();
        println!("drained");
        anyhow::Ok(())
    })
}
