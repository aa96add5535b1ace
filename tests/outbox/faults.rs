//! Outbox delivery through a bad network: the reference server injects dropped
//! connections (before and after its commit), 500s, 429 with `Retry-After` and slow
//! bodies ([`FaultPlan`]); every event ends up stored exactly once and nothing is
//! dead-lettered.
//!
//! The first test drives rounds by hand so it can check that each fault really happened
//! and how the outbox reacted; the second runs the sync worker through a mix of faults
//! while events keep coming.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use manassa_ministry_api::client::{ApiError, Client};
use manassa_outbox::{Outbox, SyncError, SyncPolicy, spawn_sync_worker_with};
use manassa_sim::{FaultPlan, SimHandle};
use serde_json::json;
use uuid::Uuid;

use crate::support::{TempDir, client, sim};

/// Tiny delays so retries happen within milliseconds.
fn fast_policy() -> SyncPolicy {
    SyncPolicy {
        base: Duration::from_millis(5),
        cap: Duration::from_millis(50),
        max_attempts: 10_000,
        batch: 20,
        period: Duration::from_millis(50),
        probe_period: Duration::from_millis(20),
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Enqueues `n` events tagged `phase`, returning their keys.
fn enqueue(outbox: &Outbox, phase: &str, n: usize) -> Vec<Uuid> {
    (0..n)
        .map(|seq| {
            outbox
                .enqueue("test.fault", &json!({"phase": phase, "seq": seq}))
                .unwrap()
                .idempotency_key
        })
        .collect()
}

/// Sync rounds until the queue is empty, waiting for backed-off rows; returns the API
/// errors met on the way. Fails after 30 s without draining.
async fn drive(outbox: &Arc<Outbox>, client: &Client, policy: &SyncPolicy) -> Vec<ApiError> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut errors = Vec::new();
    loop {
        match outbox.sync_once_with(client, policy).await {
            Ok(r) if r.remaining == 0 => return errors,
            Ok(_) => {}
            Err(SyncError::Api(e)) => errors.push(e),
            Err(SyncError::Outbox(e)) => panic!("local outbox error: {e}"),
        }
        assert!(
            Instant::now() < deadline,
            "queue not drained; errors so far: {errors:?}"
        );
        let wait = outbox.next_due_in().unwrap().unwrap_or_default();
        tokio::time::sleep(wait.max(Duration::from_millis(1))).await;
    }
}

/// Every key stored exactly once and nothing else; each (phase, seq) once.
fn assert_stored_once(sim: &SimHandle, sent: &[Uuid]) {
    let stored = sim.stored_events().unwrap();
    let keys: Vec<Uuid> = stored.iter().map(|e| e.0).collect();
    let distinct: BTreeSet<Uuid> = keys.iter().copied().collect();
    assert_eq!(distinct.len(), keys.len(), "a key stored twice");
    assert_eq!(
        distinct,
        sent.iter().copied().collect::<BTreeSet<_>>(),
        "stored keys differ from the enqueued ones"
    );
    let mut seen = HashMap::new();
    for (_, _, payload) in &stored {
        let id = (payload["phase"].clone(), payload["seq"].clone());
        assert!(seen.insert(id.clone(), ()).is_none(), "{id:?} stored twice");
    }
}

fn is_network(e: &ApiError) -> bool {
    matches!(e, ApiError::Network(_) | ApiError::Timeout)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_fault_kind_ends_with_every_event_stored_once() {
    let dir = TempDir::new("outbox-faults");
    let sim = sim(Some(dir.join("ministry.sqlite"))).await;
    let outbox = Arc::new(Outbox::open(&dir.join("outbox.sqlite")).unwrap());
    let policy = fast_policy();
    let patient = client(&sim.base_url(), Duration::from_secs(5));
    let route = Some("/v1/outbox".to_owned());
    let mut sent = Vec::new();

    // 1. Connections dropped before the server applies anything.
    sim.set_faults(FaultPlan {
        route: route.clone(),
        drop_rate: 0.5,
        seed: 1,
        ..FaultPlan::default()
    });
    sent.extend(enqueue(&outbox, "drop", 60));
    let errors = drive(&outbox, &patient, &policy).await;
    assert!(!errors.is_empty(), "no connection was dropped");
    assert!(errors.iter().all(is_network), "{errors:?}");
    assert_stored_once(&sim, &sent);

    // 2. Delivered, but the answer was lost: the retry is answered "duplicate".
    sim.set_faults(FaultPlan {
        route: route.clone(),
        drop_rate: 0.5,
        drop_after_commit: true,
        seed: 2,
        ..FaultPlan::default()
    });
    let before = sim.stored_events().unwrap().len();
    let keys = enqueue(&outbox, "lost-answer", 60);
    sent.extend(keys.iter().copied());
    let mut lost_answers = 0;
    let deadline = Instant::now() + Duration::from_secs(30);
    while outbox.depth().unwrap() > 0 {
        let stored = sim.stored_events().unwrap().len();
        if let Err(SyncError::Api(e)) = outbox.sync_once_with(&patient, &policy).await {
            assert!(is_network(&e), "{e:?}");
            // The batch reached the ministry although the outbox heard nothing.
            if sim.stored_events().unwrap().len() > stored {
                lost_answers += 1;
            }
        }
        assert!(Instant::now() < deadline, "lost-answer phase did not drain");
        tokio::time::sleep(outbox.next_due_in().unwrap().unwrap_or_default()).await;
    }
    assert!(lost_answers > 0, "no answer was lost after a commit");
    assert_eq!(sim.stored_events().unwrap().len(), before + keys.len());
    assert_stored_once(&sim, &sent);

    // 3. 500s.
    sim.set_faults(FaultPlan {
        route: route.clone(),
        error_rate: 0.5,
        seed: 3,
        ..FaultPlan::default()
    });
    sent.extend(enqueue(&outbox, "500", 60));
    let errors = drive(&outbox, &patient, &policy).await;
    assert!(!errors.is_empty(), "no 500 was injected");
    for e in &errors {
        assert_eq!(e.status(), Some(500), "{e:?}");
    }
    assert_stored_once(&sim, &sent);

    // 4. 429 with Retry-After: the rows wait at least that long, then go through.
    sim.set_faults(FaultPlan {
        route: route.clone(),
        throttle_rate: 1.0,
        retry_after_s: 1,
        seed: 4,
        ..FaultPlan::default()
    });
    sent.extend(enqueue(&outbox, "429", 30));
    let asked_at = now_ms();
    let err = outbox.sync_once_with(&patient, &policy).await.unwrap_err();
    match &err {
        SyncError::Api(ApiError::Problem {
            status: 429,
            retry_after_s: Some(1),
            ..
        }) => {}
        other => panic!("expected 429 with Retry-After: 1, got {other:?}"),
    }
    for p in outbox.pending(100).unwrap() {
        if p.attempts > 0 {
            assert!(
                p.next_attempt_at >= asked_at + 1000,
                "row {} retried before Retry-After",
                p.id
            );
        }
    }
    sim.set_faults(FaultPlan {
        route: route.clone(),
        throttle_rate: 0.3,
        retry_after_s: 1,
        seed: 5,
        ..FaultPlan::default()
    });
    drive(&outbox, &patient, &policy).await;
    assert_stored_once(&sim, &sent);

    // 5a. Slow bodies within the client's timeout: delivered normally.
    sim.set_faults(FaultPlan {
        route: route.clone(),
        slow_body_ms: 300,
        seed: 6,
        ..FaultPlan::default()
    });
    sent.extend(enqueue(&outbox, "slow", 40));
    let errors = drive(&outbox, &patient, &policy).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_stored_once(&sim, &sent);

    // 5b. Slower than the client waits: the ministry commits, the kiosk times out and
    // keeps the rows; once the network is fast again they are answered "duplicate".
    sim.set_faults(FaultPlan {
        route: route.clone(),
        slow_body_ms: 3000,
        seed: 7,
        ..FaultPlan::default()
    });
    let impatient = client(&sim.base_url(), Duration::from_millis(800));
    let keys = enqueue(&outbox, "too-slow", 20);
    sent.extend(keys.iter().copied());
    let before = sim.stored_events().unwrap().len();
    let err = outbox
        .sync_once_with(&impatient, &policy)
        .await
        .unwrap_err();
    assert!(matches!(err, SyncError::Api(ApiError::Timeout)), "{err:?}");
    assert_eq!(sim.stored_events().unwrap().len(), before + keys.len());
    let status = outbox.status().unwrap();
    assert_eq!(status.depth, keys.len(), "timed-out rows are kept");
    assert_eq!(status.waiting_for_network, keys.len());
    sim.clear_faults();
    drive(&outbox, &impatient, &policy).await;
    assert_stored_once(&sim, &sent);

    assert!(outbox.dead_letters().unwrap().is_empty());
    assert!(outbox.integrity_check().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_worker_delivers_each_event_once_through_mixed_faults() {
    let dir = TempDir::new("outbox-faults-worker");
    let sim = sim(Some(dir.join("ministry.sqlite"))).await;
    let outbox = Arc::new(Outbox::open(&dir.join("outbox.sqlite")).unwrap());
    let worker = spawn_sync_worker_with(
        outbox.clone(),
        client(&sim.base_url(), Duration::from_millis(1500)),
        fast_policy(),
    );
    // Faults on every route, the health probe included.
    sim.set_faults(FaultPlan {
        latency_ms: 5,
        error_rate: 0.15,
        drop_rate: 0.15,
        drop_after_commit: true,
        throttle_rate: 0.1,
        retry_after_s: 1,
        slow_body_ms: 50,
        seed: 42,
        ..FaultPlan::default()
    });
    let mut sent = Vec::new();
    let mut saw_failure = false;
    for round in 0..10 {
        // Half the drops before the commit, half after.
        if round == 5 {
            sim.set_faults(FaultPlan {
                latency_ms: 5,
                error_rate: 0.15,
                drop_rate: 0.15,
                drop_after_commit: false,
                throttle_rate: 0.1,
                retry_after_s: 1,
                slow_body_ms: 50,
                seed: 43,
                ..FaultPlan::default()
            });
        }
        let o = outbox.clone();
        let phase = format!("mixed-{round}");
        sent.extend(
            tokio::task::spawn_blocking(move || enqueue(&o, &phase, 30))
                .await
                .unwrap(),
        );
        worker.wake();
        for _ in 0..20 {
            saw_failure |= outbox.status().unwrap().last_error.is_some();
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    // Let the worker fight the faults for a while, then give it a clean network.
    let deadline = Instant::now() + Duration::from_secs(10);
    while outbox.depth().unwrap() > 0 && Instant::now() < deadline {
        saw_failure |= outbox.status().unwrap().last_error.is_some();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(saw_failure, "the worker never met a fault");
    sim.clear_faults();
    worker.wake();
    let deadline = Instant::now() + Duration::from_secs(30);
    while outbox.depth().unwrap() > 0 {
        assert!(
            Instant::now() < deadline,
            "worker did not drain: {:?}",
            outbox.status().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    worker.shutdown();
    assert_stored_once(&sim, &sent);
    assert!(outbox.dead_letters().unwrap().is_empty());
}
