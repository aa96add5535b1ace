//! The sync worker: drains the outbox in the background, probing while offline.

use super::*;

/// Handle to the background sync task started by [`spawn_sync_worker`]. Clones share the
/// task; it stops when the last clone is dropped or on [`SyncWorker::shutdown`].
#[derive(Clone)]
pub struct SyncWorker {
    shared: Arc<WorkerShared>,
    _task: Arc<AbortOnDrop>,
}

struct WorkerShared {
    wake: Notify,
    stop: AtomicBool,
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        // An abort between "posted" and "recorded" only causes a duplicate next round,
        // which the server answers as such.
        self.0.abort();
    }
}

impl SyncWorker {
    /// Asks for a sync round now (after a new enqueue, when the network comes back, or
    /// for a technician's forced sync). Wakes during a round are remembered.
    pub fn wake(&self) {
        self.shared.wake.notify_one();
    }

    /// Stops the worker after its current round.
    pub fn shutdown(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.wake.notify_one();
    }
}

/// Starts the sync worker on the current tokio runtime (panics outside one) with the
/// default [`SyncPolicy`]; see [`spawn_sync_worker_with`].
pub fn spawn_sync_worker(outbox: Arc<Outbox>, client: Client) -> SyncWorker {
    spawn_sync_worker_with(outbox, client, SyncPolicy::default())
}

/// Starts the sync worker on the current tokio runtime (panics outside one). It drains
/// the queue on [`SyncWorker::wake`], when a backed-off row becomes due, and at least
/// every `policy.period`. After a network failure (no answer at all) it stops posting
/// batches and probes `GET /v1/health` every `policy.probe_period` (or on a wake); the
/// first answer makes the rows that waited for the network due and drains at once.
pub fn spawn_sync_worker_with(
    outbox: Arc<Outbox>,
    client: Client,
    policy: SyncPolicy,
) -> SyncWorker {
    let shared = Arc::new(WorkerShared {
        wake: Notify::new(),
        stop: AtomicBool::new(false),
    });
    let task = tokio::spawn(worker_loop(outbox, client, policy, Arc::clone(&shared)));
    SyncWorker {
        shared,
        _task: Arc::new(AbortOnDrop(task)),
    }
}

/// Whether the ministry answered at all: any HTTP answer, even an error status, means
/// the network is back.
async fn reachable(client: &Client) -> bool {
    !matches!(
        client.health().await,
        Err(ApiError::Network(_) | ApiError::Timeout)
    )
}

async fn worker_loop(
    outbox: Arc<Outbox>,
    client: Client,
    policy: SyncPolicy,
    shared: Arc<WorkerShared>,
) {
    // Floors so a row that stays due (or a persistent local error) cannot spin the loop;
    // tests with a tiny policy get a tiny floor.
    let min_wait = policy
        .base
        .clamp(Duration::from_millis(1), Duration::from_millis(250));
    const ERROR_WAIT: Duration = Duration::from_secs(1);
    let mut offline = false;
    while !shared.stop.load(Ordering::SeqCst) {
        let mut floor = min_wait;
        if offline && reachable(&client).await {
            offline = false;
            let o = Arc::clone(&outbox);
            match tokio::task::spawn_blocking(move || o.connectivity_restored()).await {
                Ok(Ok(n)) => tracing::info!(rows = n, "ministry reachable again"),
                Ok(Err(e)) => tracing::error!(error = %e, "outbox: cannot reschedule rows"),
                Err(_) => tracing::error!("outbox: reschedule task failed"),
            }
        }
        // Drain while rounds make progress.
        while !offline {
            match outbox.sync_once_with(&client, &policy).await {
                Ok(r) if r.remaining > 0 && r.delivered + r.dead_lettered > 0 => continue,
                Ok(_) => break,
                Err(SyncError::Api(ApiError::Network(_) | ApiError::Timeout)) => {
                    // Logged by sync_once; from now on probe instead of posting.
                    offline = true;
                }
                Err(SyncError::Api(_)) => break,
                Err(SyncError::Outbox(e)) => {
                    tracing::error!(error = %e, "outbox sync round failed locally");
                    floor = ERROR_WAIT;
                    break;
                }
            }
        }
        let wait = if offline {
            policy.probe_period
        } else {
            let o = Arc::clone(&outbox);
            match tokio::task::spawn_blocking(move || o.next_due_in()).await {
                Ok(Ok(Some(due))) => due.min(policy.period),
                _ => policy.period,
            }
        }
        .max(floor);
        tokio::select! {
            () = shared.wake.notified() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
    tracing::debug!("outbox sync worker stopped");
}
