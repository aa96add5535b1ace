//! The typed client against the reference server over real HTTP on loopback: keys and
//! their rotation, seal status, revoked papers, health reports, the idempotency rules of
//! the outbox, and the typed error of every problem code a kiosk can meet.

use std::collections::HashSet;
use std::time::Duration;

use crate::support::{QID_A, QID_B, QID_LOCKED, QID_UNKNOWN, TOKEN, client, config, login, start};
use manassa_ministry_api::client::{ApiError, Client};
use manassa_ministry_api::{
    DeviceHealth, EventStatus, IdMethod, KioskHealthReport, OutboxEvent, OutboxHealth, ProblemCode,
    ResidentSession, SealState,
};
use manassa_sim::FaultPlan;
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::ecdsa::{Signature, VerifyingKey};
use serde_json::json;
use uuid::Uuid;

fn event(kind: &str, payload: serde_json::Value) -> OutboxEvent {
    OutboxEvent {
        idempotency_key: Uuid::new_v4(),
        kind: kind.into(),
        payload,
        created_at: "2026-05-01T09:30:00.000Z".into(),
    }
}

#[tokio::test]
async fn published_keys_verify_what_the_signing_key_signs_across_rotations() {
    let sim = start(config()).await;
    let c = client(&sim, Duration::from_secs(5));

    let keys = c.keys().await.unwrap();
    assert_eq!(keys.len(), 1);
    let (kid, signing) = sim.signing_key();
    assert_eq!(keys[0].kid, kid);
    assert_eq!(keys[0].not_after, None);
    let sig: Signature = signing.sign(b"claims");
    let published: VerifyingKey = keys[0].verifying_key().unwrap();
    published.verify(b"claims", &sig).unwrap();
    assert!(published.verify(b"altered", &sig).is_err());

    let new = sim.rotate_keys().await.unwrap();
    let (kid2, signing2) = sim.signing_key();
    assert_eq!(new.kid, kid2);
    assert_ne!(kid2, kid);
    let keys = c.keys().await.unwrap();
    let kids: Vec<&str> = keys.iter().map(|k| k.kid.as_str()).collect();
    assert_eq!(
        kids,
        [kid2.as_str(), kid.as_str()],
        "active first, then retired"
    );
    assert!(keys[1].not_after.is_some());
    // Papers sealed before the rotation still verify with the retired key.
    keys[1]
        .verifying_key()
        .unwrap()
        .verify(b"claims", &sig)
        .unwrap();
    let sig2: Signature = signing2.sign(b"claims");
    keys[0]
        .verifying_key()
        .unwrap()
        .verify(b"claims", &sig2)
        .unwrap();
    assert!(
        keys[1]
            .verifying_key()
            .unwrap()
            .verify(b"claims", &sig2)
            .is_err()
    );
}

#[tokio::test]
async fn keys_survive_a_restart_on_the_same_database() {
    let dir = std::env::temp_dir().join(format!("manassa-api-keys-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = manassa_sim::SimConfig {
        db_path: Some(dir.join("sim.sqlite")),
        ..config()
    };
    let sim = start(cfg.clone()).await;
    sim.rotate_keys().await.unwrap();
    let before = client(&sim, Duration::from_secs(5)).keys().await.unwrap();
    let kid = sim.signing_key().0;
    sim.shutdown().await.unwrap();

    let sim = start(cfg).await;
    assert_eq!(sim.signing_key().0, kid);
    let after = client(&sim, Duration::from_secs(5)).keys().await.unwrap();
    assert_eq!(after, before);
    sim.shutdown().await.unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn seal_status_and_revoked_papers() {
    let sim = start(config()).await;
    let c = client(&sim, Duration::from_secs(5));
    assert_eq!(
        c.seal_status("doc-bp-004512").await.unwrap(),
        SealState::Valid
    );
    assert_eq!(
        c.seal_status("doc-bp-003990").await.unwrap(),
        SealState::Revoked
    );
    assert_eq!(c.seal_status("doc-nope").await.unwrap(), SealState::Unknown);

    let a = login(&c, QID_A).await;
    let listed = c.list_documents(&a).await.unwrap();
    assert!(listed.iter().all(|d| d.id != "doc-bp-003990"));
    let e = c.fetch_document(&a, "doc-bp-003990").await.unwrap_err();
    assert_eq!(e.problem_code(), Some(ProblemCode::DocumentRevoked));
    assert_eq!(e.status(), Some(410));
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn health_reports_are_stored_and_checked() {
    let sim = start(config()).await;
    let c = client(&sim, Duration::from_secs(5));
    let report = KioskHealthReport {
        kiosk_id: "kiosk-01".into(),
        app_version: "0.1.0".into(),
        reported_at: "2026-05-01T09:30:00+03:00".into(),
        devices: vec![DeviceHealth {
            name: "thermal_printer".into(),
            device: "hardwareError".into(),
            media: None,
            paper: Some("jammed".into()),
        }],
        outbox: OutboxHealth {
            depth: 0,
            oldest_age_s: None,
            dead_letters: 2,
        },
    };
    let received_at = c.report_health(&report).await.unwrap();
    assert!(received_at.ends_with('Z'), "{received_at}");
    assert_eq!(sim.health_reports().unwrap(), vec![report.clone()]);

    let mut bad = report.clone();
    bad.devices[0].device = "broken".into();
    let e = c.report_health(&bad).await.unwrap_err();
    assert_eq!(e.problem_code(), Some(ProblemCode::BadRequest));
    let mut bad = report;
    bad.reported_at = "2026-05-01 09:30".into();
    assert_eq!(
        c.report_health(&bad).await.unwrap_err().problem_code(),
        Some(ProblemCode::BadRequest)
    );
    assert_eq!(sim.health_reports().unwrap().len(), 1);
}

#[tokio::test]
async fn idempotency_same_key_same_result_reused_key_rejected() {
    let sim = start(config()).await;
    let c = client(&sim, Duration::from_secs(5));
    let a = event(
        "print.audit",
        json!({"document_id": "doc-bp-004512", "copies": 1}),
    );
    let b = event("rating", json!({"stars": 4}));

    let r = c.post_events(&[a.clone(), b.clone()]).await.unwrap();
    let st: Vec<_> = r.results.iter().map(|r| r.status).collect();
    assert_eq!(st, [EventStatus::Accepted, EventStatus::Accepted]);

    // Same keys, same events (member order shuffled): duplicates, nothing stored again.
    let mut a_again = a.clone();
    a_again.payload =
        serde_json::from_str(r#"{"copies": 1, "document_id": "doc-bp-004512"}"#).unwrap();
    let r = c.post_events(&[a_again, b.clone()]).await.unwrap();
    assert!(r.results.iter().all(|r| r.status == EventStatus::Duplicate));
    assert_eq!(sim.stored_events().unwrap().len(), 2);

    // Same key, another payload or kind: rejected per event; the rest goes through.
    let mut forged = a.clone();
    forged.payload = json!({"document_id": "doc-bp-004512", "copies": 9});
    let mut rekinded = b.clone();
    rekinded.kind = "complaint".into();
    let fresh = event("complaint", json!({"text": "..."}));
    let r = c
        .post_events(&[forged, rekinded, fresh.clone()])
        .await
        .unwrap();
    let got: Vec<_> = r
        .results
        .iter()
        .map(|r| (r.idempotency_key, r.status, r.code.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (
                a.idempotency_key,
                EventStatus::Rejected,
                Some("idempotency-key-reused")
            ),
            (
                b.idempotency_key,
                EventStatus::Rejected,
                Some("idempotency-key-reused")
            ),
            (fresh.idempotency_key, EventStatus::Accepted, None),
        ]
    );
    let stored = sim.stored_events().unwrap();
    assert_eq!(stored.len(), 3);
    assert_eq!(stored[0].2["copies"], 1, "the first delivery stands");

    // A key twice in one batch: the first occurrence decides.
    let twin = event("t", json!(1));
    let mut twin_other = twin.clone();
    twin_other.payload = json!(2);
    let r = c
        .post_events(&[twin.clone(), twin.clone(), twin_other])
        .await
        .unwrap();
    let st: Vec<_> = r.results.iter().map(|r| r.status).collect();
    assert_eq!(
        st,
        [
            EventStatus::Accepted,
            EventStatus::Duplicate,
            EventStatus::Rejected
        ]
    );
}

#[tokio::test]
async fn an_in_flight_key_is_a_retryable_conflict() {
    let sim = start(config()).await;
    let c = client(&sim, Duration::from_secs(30));
    sim.set_faults(FaultPlan {
        route: Some("/v1/outbox".into()),
        latency_ms: 1_500,
        ..FaultPlan::default()
    });
    let ev = event("print.audit", json!({"n": 1}));
    let first = {
        let c = c.clone();
        let ev = ev.clone();
        tokio::spawn(async move { c.post_events(&[ev]).await })
    };
    while sim.in_flight_keys() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let e = c.post_events(std::slice::from_ref(&ev)).await.unwrap_err();
    assert_eq!(e.status(), Some(409));
    assert_eq!(e.problem_code(), Some(ProblemCode::IdempotencyKeyInFlight));
    assert!(e.is_retryable());
    // An unrelated batch is not held up by the in-flight one's keys.
    sim.clear_faults();
    let other = c.post_events(&[event("t", json!(2))]).await.unwrap();
    assert_eq!(other.results[0].status, EventStatus::Accepted);

    let r = first.await.unwrap().unwrap();
    assert_eq!(r.results[0].status, EventStatus::Accepted);
    assert_eq!(sim.in_flight_keys(), 0);
    let r = c.post_events(&[ev]).await.unwrap();
    assert_eq!(r.results[0].status, EventStatus::Duplicate);
}

/// Checks that `e` is a typed problem with its code's status and retry class.
fn note(seen: &mut HashSet<ProblemCode>, e: ApiError) {
    let code = e.problem_code().unwrap_or_else(|| panic!("untyped: {e:?}"));
    assert_eq!(e.status(), Some(code.status()));
    let retryable = matches!(code.status(), 409 | 429 | 500..);
    assert_eq!(e.is_retryable(), retryable, "{code}");
    seen.insert(code);
}

/// Every problem code a kiosk can meet through the typed client, each as a typed error
/// with its status and retry class.
#[tokio::test]
async fn every_kiosk_facing_problem_code_reaches_the_client_typed() {
    let sim = start(config()).await;
    let c = client(&sim, Duration::from_secs(5));
    let mut seen = HashSet::new();

    let intruder = Client::new(&sim.base_url(), "stolen", Duration::from_secs(5)).unwrap();
    note(&mut seen, intruder.keys().await.unwrap_err());
    note(
        &mut seen,
        c.start_challenge(QID_UNKNOWN, IdMethod::Typed)
            .await
            .unwrap_err(),
    );
    note(
        &mut seen,
        c.start_challenge(QID_LOCKED, IdMethod::Card)
            .await
            .unwrap_err(),
    );
    let ch = c.start_challenge(QID_B, IdMethod::Card).await.unwrap();
    let right = c.demo_sms_code(&ch.challenge_id).await.unwrap();
    let wrong = if right == "999999" {
        "999998"
    } else {
        "999999"
    };
    note(
        &mut seen,
        c.verify_code(&ch.challenge_id, wrong).await.unwrap_err(),
    );
    note(
        &mut seen,
        c.verify_code(&ch.challenge_id, wrong).await.unwrap_err(),
    );
    note(
        &mut seen,
        c.verify_code(&ch.challenge_id, wrong).await.unwrap_err(),
    ); // too-many-attempts
    note(
        &mut seen,
        c.verify_code(&Uuid::new_v4().to_string(), "123456")
            .await
            .unwrap_err(),
    );
    let forged = ResidentSession {
        session_token: "0".repeat(64),
        expires_in_s: 600,
    };
    note(&mut seen, c.list_documents(&forged).await.unwrap_err());
    let a = login(&c, QID_A).await;
    note(
        &mut seen,
        c.fetch_document(&a, "doc-none").await.unwrap_err(),
    );
    note(
        &mut seen,
        c.fetch_document(&a, "doc-bp-003990").await.unwrap_err(),
    );
    // The server's own structure check (the client checks first, so use raw HTTP).
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/auth/challenges", sim.base_url()))
        .bearer_auth(TOKEN)
        .json(&json!({"qid": "38463400123", "method": "typed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    seen.insert(ProblemCode::InvalidQid);
    let mut bad = event("", json!({}));
    bad.kind = String::new();
    let r = c.post_events(&[bad]).await.unwrap();
    assert_eq!(r.results[0].code.as_deref(), Some("bad-request"));
    seen.insert(ProblemCode::BadRequest);
    let once = event("t", json!(1));
    c.post_events(std::slice::from_ref(&once)).await.unwrap();
    let mut reused = once;
    reused.payload = json!(2);
    let r = c.post_events(&[reused]).await.unwrap();
    assert_eq!(r.results[0].code.as_deref(), Some("idempotency-key-reused"));
    seen.insert(ProblemCode::IdempotencyKeyReused);
    sim.set_faults(FaultPlan {
        error_rate: 1.0,
        ..FaultPlan::default()
    });
    note(&mut seen, c.health().await.unwrap_err());
    sim.set_faults(FaultPlan {
        throttle_rate: 1.0,
        ..FaultPlan::default()
    });
    note(&mut seen, c.health().await.unwrap_err());
    sim.clear_faults();

    // Codes the typed client cannot provoke: wrong routes/methods, oversized bodies
    // and the admin credential (covered by tests/api/contract.rs); the in-flight
    // conflict has its own test above.
    let not_from_the_client = [
        ProblemCode::IdempotencyKeyInFlight,
        ProblemCode::NotFound,
        ProblemCode::MethodNotAllowed,
        ProblemCode::PayloadTooLarge,
        ProblemCode::UnauthorizedAdmin,
    ];
    let missing: Vec<_> = ProblemCode::ALL
        .into_iter()
        .filter(|c| !seen.contains(c) && !not_from_the_client.contains(c))
        .collect();
    assert!(missing.is_empty(), "{missing:?}");
}
