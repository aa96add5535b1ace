//! When the sync worker runs: at once on `wake()`, on its timer, and as soon as
//! the ministry answers its health probe again after the network was gone, even if the
//! rows' backoff has hours to run. Real reference server on loopback; "offline" is a
//! port where nothing listens, and the server later starts on that very port.

use std::sync::Arc;
use std::time::{Duration, Instant};

use manassa_outbox::{Outbox, SyncPolicy, spawn_sync_worker_with};
use serde_json::json;

use crate::support::{TempDir, client, free_addr, sim, sim_at};

const HOUR: Duration = Duration::from_secs(3600);

/// A policy whose timer and backoff never fire during a test: only what is under test
/// (wake, probe) can cause a round.
fn sleepy() -> SyncPolicy {
    SyncPolicy {
        base: HOUR,
        cap: HOUR,
        period: HOUR,
        probe_period: HOUR,
        ..SyncPolicy::default()
    }
}

/// Waits (30 s at most) until `cond` holds.
async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wake_delivers_at_once() {
    let dir = TempDir::new("outbox-wake");
    let sim = sim(None).await;
    let outbox = Arc::new(Outbox::open(&dir.join("outbox.sqlite")).unwrap());
    let worker = spawn_sync_worker_with(
        outbox.clone(),
        client(&sim.base_url(), Duration::from_secs(5)),
        sleepy(),
    );
    // The worker's first round finds an empty queue and then sleeps for an hour.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let e = outbox.enqueue("complaint.filed", &json!({"n": 1})).unwrap();
    worker.wake();
    eventually("woken worker delivers", || {
        sim.stored_events().unwrap().len() == 1
    })
    .await;
    assert_eq!(sim.stored_events().unwrap()[0].0, e.idempotency_key);
    eventually("row removed", || outbox.depth().unwrap() == 0).await;
    worker.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timer_delivers_without_a_wake() {
    let dir = TempDir::new("outbox-timer");
    let sim = sim(None).await;
    let outbox = Arc::new(Outbox::open(&dir.join("outbox.sqlite")).unwrap());
    let worker = spawn_sync_worker_with(
        outbox.clone(),
        client(&sim.base_url(), Duration::from_secs(5)),
        SyncPolicy {
            period: Duration::from_millis(100),
            ..sleepy()
        },
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    outbox
        .enqueue("rating.given", &json!({"stars": 4}))
        .unwrap();
    eventually("timer round delivers", || {
        sim.stored_events().unwrap().len() == 1
    })
    .await;
    worker.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_probe_wakes_the_worker_when_the_ministry_returns() {
    let dir = TempDir::new("outbox-probe");
    let db = dir.join("outbox.sqlite");
    let addr = free_addr();
    let outbox = Arc::new(Outbox::open(&db).unwrap());
    // Queued before the worker starts, so its first round tries them all (once offline,
    // it probes instead of posting).
    let keys: Vec<_> = (0..5)
        .map(|n| {
            outbox
                .enqueue("deferred.request", &json!({"n": n}))
                .unwrap()
                .idempotency_key
        })
        .collect();
    let worker = spawn_sync_worker_with(
        outbox.clone(),
        client(&format!("http://{addr}"), Duration::from_secs(2)),
        SyncPolicy {
            probe_period: Duration::from_millis(50),
            ..sleepy()
        },
    );
    eventually("the failed round is recorded", || {
        outbox.status().unwrap().waiting_for_network == keys.len()
    })
    .await;
    // Push the backoff an hour out, so only the probe can bring the rows back.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE outbox SET next_attempt_at = next_attempt_at + 3600000",
        [],
    )
    .unwrap();
    let status = outbox.status().unwrap();
    assert!(status.next_due_in.unwrap() > Duration::from_secs(3000));
    assert!(
        status.last_error.unwrap().starts_with("network error"),
        "the error names the network"
    );

    // The ministry comes back on the same address.
    let sim = sim_at(None, addr).await;
    eventually("probe notices and the rows go through", || {
        sim.stored_events().unwrap().len() == keys.len()
    })
    .await;
    let stored: Vec<_> = sim.stored_events().unwrap().iter().map(|e| e.0).collect();
    assert_eq!(stored, keys, "each once, in order");
    eventually("rows removed", || outbox.depth().unwrap() == 0).await;
    worker.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_backoff_is_kept_when_connectivity_returns() {
    // Rows waiting after a server answer (not the network) keep their schedule.
    let dir = TempDir::new("outbox-keep-backoff");
    let outbox = Arc::new(Outbox::open(&dir.join("outbox.sqlite")).unwrap());
    let sim = sim(None).await;
    sim.set_faults(manassa_sim::FaultPlan {
        route: Some("/v1/outbox".into()),
        throttle_rate: 1.0,
        retry_after_s: 600,
        ..Default::default()
    });
    outbox.enqueue("device.health", &json!({})).unwrap();
    let c = client(&sim.base_url(), Duration::from_secs(5));
    assert!(outbox.sync_once_with(&c, &sleepy()).await.is_err());
    let status = outbox.status().unwrap();
    assert_eq!(status.waiting_for_network, 0);
    assert_eq!(outbox.connectivity_restored().unwrap(), 0);
    assert!(outbox.next_due_in().unwrap().unwrap() > Duration::from_secs(500));
}
