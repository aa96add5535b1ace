//! The typed client against the reference server with injected faults, over real HTTP on
//! loopback: every fault ends in a typed `ApiError` (never a panic) classified for retry
//! as DESIGN §5 says, and the outbox's "delivered but the answer was lost" case is real.

use std::time::Duration;

use crate::support::{ADMIN, QID_A, TOKEN, client, config, login, start};
use manassa_ministry_api::client::ApiError;
use manassa_ministry_api::{EventStatus, IdMethod, OutboxEvent};
use manassa_sim::FaultPlan;
use serde_json::json;
use uuid::Uuid;

fn event() -> OutboxEvent {
    OutboxEvent {
        idempotency_key: Uuid::new_v4(),
        kind: "print.audit".into(),
        payload: json!({"document_id": "doc-bp-004512"}),
        created_at: "2026-05-01T09:30:00Z".into(),
    }
}

fn assert_problem(e: &ApiError, status: u16, code: &str) {
    match e {
        ApiError::Problem {
            status: s, code: c, ..
        } => assert_eq!((*s, c.as_str()), (status, code)),
        other => panic!("expected {status} {code}, got {other:?}"),
    }
}

#[tokio::test]
async fn injected_error_is_a_retryable_internal_problem() {
    let sim = start(config()).await;
    let c = client(&sim, Duration::from_secs(5));
    sim.set_faults(FaultPlan {
        error_rate: 1.0,
        ..FaultPlan::default()
    });
    let e = c.keys().await.unwrap_err();
    assert_problem(&e, 500, "internal");
    assert!(e.is_retryable());
    let e = c.post_events(&[event()]).await.unwrap_err();
    assert_problem(&e, 500, "internal");
    assert!(
        sim.stored_events().unwrap().is_empty(),
        "a 500 applies nothing"
    );
    sim.clear_faults();
    c.keys().await.unwrap();
}

#[tokio::test]
async fn throttling_is_429_with_retry_after() {
    let sim = start(config()).await;
    let c = client(&sim, Duration::from_secs(5));
    sim.set_faults(FaultPlan {
        throttle_rate: 1.0,
        retry_after_s: 17,
        ..FaultPlan::default()
    });
    let e = c.start_challenge(QID_A, IdMethod::Card).await.unwrap_err();
    assert!(matches!(
        e,
        ApiError::Problem {
            status: 429,
            retry_after_s: Some(17),
            ..
        }
    ));
    assert_eq!(e.problem_code().map(|c| c.as_str()), Some("rate-limited"));
    assert!(e.is_retryable());
}

#[tokio::test]
async fn latency_beyond_the_timeout_is_a_timeout() {
    let sim = start(config()).await;
    // The latency is 20× the client's timeout: the outcome does not depend on scheduling.
    sim.set_faults(FaultPlan {
        latency_ms: 10_000,
        ..FaultPlan::default()
    });
    let c = client(&sim, Duration::from_millis(500));
    let e = c.health().await.unwrap_err();
    assert_eq!(e, ApiError::Timeout);
    assert!(e.is_retryable());
}

#[tokio::test]
async fn a_slow_body_arrives_whole_or_times_out() {
    let sim = start(config()).await;
    let c = client(&sim, Duration::from_secs(10));
    let session = login(&c, QID_A).await;
    let expected = c.fetch_document(&session, "doc-ss-2026-10").await.unwrap();

    // Trickled in pieces within the timeout: the same document.
    sim.set_faults(FaultPlan {
        route: Some("/v1/documents".into()),
        slow_body_ms: 300,
        ..FaultPlan::default()
    });
    let slow = c.fetch_document(&session, "doc-ss-2026-10").await.unwrap();
    assert_eq!(slow, expected);

    // Trickled over 20× the timeout: the head arrives, the body does not finish.
    sim.set_faults(FaultPlan {
        route: Some("/v1/documents".into()),
        slow_body_ms: 20_000,
        ..FaultPlan::default()
    });
    let impatient = client(&sim, Duration::from_secs(1));
    let e = impatient
        .fetch_document(&session, "doc-ss-2026-10")
        .await
        .unwrap_err();
    assert_eq!(e, ApiError::Timeout);
}

#[tokio::test]
async fn a_drop_before_commit_applies_nothing() {
    let sim = start(config()).await;
    let c = client(&sim, Duration::from_secs(5));
    sim.set_faults(FaultPlan {
        route: Some("/v1/outbox".into()),
        drop_rate: 1.0,
        drop_after_commit: false,
        ..FaultPlan::default()
    });
    let ev = event();
    let e = c.post_events(std::slice::from_ref(&ev)).await.unwrap_err();
    assert!(matches!(e, ApiError::Network(_)), "{e:?}");
    assert!(e.is_retryable());
    assert!(sim.stored_events().unwrap().is_empty());

    sim.clear_faults();
    let r = c.post_events(&[ev]).await.unwrap();
    assert_eq!(r.results[0].status, EventStatus::Accepted);
}

#[tokio::test]
async fn a_drop_after_commit_is_delivered_once_and_the_retry_is_a_duplicate() {
    let sim = start(config()).await;
    let c = client(&sim, Duration::from_secs(5));
    sim.set_faults(FaultPlan {
        route: Some("/v1/outbox".into()),
        drop_rate: 1.0,
        drop_after_commit: true,
        ..FaultPlan::default()
    });
    let ev = event();
    let e = c.post_events(std::slice::from_ref(&ev)).await.unwrap_err();
    assert!(matches!(e, ApiError::Network(_)), "{e:?}");
    let stored = sim.stored_events().unwrap();
    assert_eq!(stored.len(), 1, "the handler ran before the drop");
    assert_eq!(stored[0].0, ev.idempotency_key);

    sim.clear_faults();
    let r = c.post_events(&[ev]).await.unwrap();
    assert_eq!(r.results[0].status, EventStatus::Duplicate);
    assert_eq!(sim.stored_events().unwrap().len(), 1);
}

#[tokio::test]
async fn faults_follow_their_route_and_never_touch_admin() {
    let sim = start(config()).await;
    let c = client(&sim, Duration::from_secs(5));
    sim.set_faults(FaultPlan {
        route: Some("/v1/outbox".into()),
        error_rate: 1.0,
        ..FaultPlan::default()
    });
    c.keys().await.unwrap();
    c.health().await.unwrap();
    assert!(c.post_events(&[event()]).await.is_err());

    // All routes, yet the admin endpoint still works and clears the plan.
    sim.set_faults(FaultPlan {
        error_rate: 1.0,
        ..FaultPlan::default()
    });
    let http = reqwest::Client::new();
    let resp = http
        .delete(format!("{}/v1/admin/faults", sim.base_url()))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(sim.faults(), None);
    c.health().await.unwrap();
}

#[tokio::test]
async fn the_admin_endpoint_sets_the_same_plan_as_the_handle() {
    let sim = start(config()).await;
    let plan: FaultPlan = "latency_ms=5,error_rate=0.25,route=/v1/outbox,seed=9"
        .parse()
        .unwrap();
    let http = reqwest::Client::new();
    let url = format!("{}/v1/admin/faults", sim.base_url());
    let resp = http
        .post(&url)
        .bearer_auth(TOKEN)
        .json(&plan)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401, "a kiosk token cannot set faults");
    assert_eq!(sim.faults(), None);
    let resp = http
        .post(&url)
        .bearer_auth(ADMIN)
        .json(&plan)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(sim.faults(), Some(plan));
    let resp = http
        .post(&url)
        .bearer_auth(ADMIN)
        .json(&json!({"latency": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400, "unknown members are refused");
}

#[tokio::test]
async fn the_dice_repeat_for_the_same_seed() {
    let sim = start(config()).await;
    let c = client(&sim, Duration::from_secs(5));
    let plan = FaultPlan {
        error_rate: 0.5,
        seed: 2026,
        ..FaultPlan::default()
    };
    let mut runs = Vec::new();
    for _ in 0..2 {
        sim.set_faults(plan.clone());
        let mut outcomes = Vec::new();
        for _ in 0..40 {
            outcomes.push(c.health().await.is_ok());
        }
        runs.push(outcomes);
    }
    assert_eq!(runs[0], runs[1]);
    let ok = runs[0].iter().filter(|o| **o).count();
    assert!((5..35).contains(&ok), "{ok} of 40 succeeded at p=0.5");
}

/// Every client call under a mix of every fault at once: each ends in Ok or a typed
/// error whose text carries no personal data, and the server is healthy afterwards.
#[tokio::test]
async fn the_client_survives_a_storm_of_mixed_faults() {
    let sim = start(config()).await;
    let c = client(&sim, Duration::from_millis(800));
    let session = login(&c, QID_A).await;
    sim.set_faults(FaultPlan {
        latency_ms: 1,
        error_rate: 0.15,
        drop_rate: 0.15,
        drop_after_commit: false,
        slow_body_ms: 30,
        throttle_rate: 0.15,
        retry_after_s: 1,
        route: None,
        seed: 7,
    });
    let mut errors = Vec::new();
    let mut oks = 0;
    for i in 0..60 {
        let r: Result<(), ApiError> = match i % 6 {
            0 => c.health().await,
            1 => c.keys().await.map(drop),
            2 => c.seal_status("doc-bp-004512").await.map(drop),
            3 => c.list_documents(&session).await.map(drop),
            4 => c.fetch_document(&session, "doc-bp-004512").await.map(drop),
            _ => c.post_events(&[event()]).await.map(drop),
        };
        match r {
            Ok(()) => oks += 1,
            Err(e) => errors.push(e),
        }
    }
    assert!(
        oks > 0 && !errors.is_empty(),
        "{oks} ok, {} errors",
        errors.len()
    );
    for e in &errors {
        assert!(
            matches!(e, ApiError::Network(_) | ApiError::Problem { .. }),
            "{e:?}"
        );
        assert!(e.is_retryable(), "{e:?}");
        let text = e.to_string();
        assert!(!text.contains(QID_A) && !text.contains(&session.session_token));
    }
    sim.clear_faults();
    c.health().await.unwrap();
    assert_eq!(c.list_documents(&session).await.unwrap().len(), 3);
}
