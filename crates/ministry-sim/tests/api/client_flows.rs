//! The kiosk's API client against the real reference server over HTTP on a free port:
//! challenges, codes, refusals and documents.

use std::time::Duration;

use manassa_ministry_api::client::{ApiError, Client};
use manassa_ministry_api::*;
use manassa_sim::{SimConfig, SimHandle, spawn};

const TOKEN: &str = "client-test-token";

const QID_A: &str = "28463400123";

const QID_B: &str = "29035600017";

const QID_LOCKED: &str = "28163400044";

async fn start() -> (SimHandle, Client) {
    let sim = spawn(
        SimConfig {
            kiosk_tokens: vec![TOKEN.to_owned()],
            demo_sms: true,
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let client = Client::new(&sim.base_url(), TOKEN, Duration::from_secs(5)).unwrap();
    (sim, client)
}

async fn login(client: &Client, qid: &str) -> ResidentSession {
    let ch = client.start_challenge(qid, IdMethod::Card).await.unwrap();
    let code = client.demo_sms_code(&ch.challenge_id).await.unwrap();
    client.verify_code(&ch.challenge_id, &code).await.unwrap()
}

fn assert_problem(err: &ApiError, status: u16, code: &str) {
    match err {
        ApiError::Problem {
            status: s, code: c, ..
        } => assert_eq!((*s, c.as_str()), (status, code), "{err}"),
        other => panic!("expected problem {code}, got {other:?}"),
    }
}

#[tokio::test]
async fn challenge_and_verify_happy_path() {
    let (_sim, client) = start().await;
    client.health().await.unwrap();
    let ch = client
        .start_challenge(QID_A, IdMethod::Typed)
        .await
        .unwrap();
    assert_eq!(ch.masked_phone, "+974 ••••• 456");
    assert_eq!(ch.expires_in_s, 300);
    let code = client.demo_sms_code(&ch.challenge_id).await.unwrap();
    assert_eq!(code.len(), 6);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));

    let session = client.verify_code(&ch.challenge_id, &code).await.unwrap();
    assert_eq!(session.session_token.len(), 64);
    assert!(session.expires_in_s > 0);

    // A code works once.
    let again = client
        .verify_code(&ch.challenge_id, &code)
        .await
        .unwrap_err();
    assert_problem(&again, 410, "challenge-expired");
}

#[tokio::test]
async fn wrong_codes_count_down_then_lock_the_challenge() {
    let (_sim, client) = start().await;
    let ch = client.start_challenge(QID_A, IdMethod::Card).await.unwrap();
    let right = client.demo_sms_code(&ch.challenge_id).await.unwrap();
    // A six-digit code that is certainly wrong.
    let wrong = if right == "000000" {
        "000001"
    } else {
        "000000"
    };

    let e1 = client
        .verify_code(&ch.challenge_id, wrong)
        .await
        .unwrap_err();
    assert_problem(&e1, 401, "wrong-code");
    assert!(matches!(
        e1,
        ApiError::Problem {
            attempts_left: Some(2),
            ..
        }
    ));
    assert!(!e1.is_retryable());

    let e2 = client
        .verify_code(&ch.challenge_id, wrong)
        .await
        .unwrap_err();
    assert!(matches!(
        e2,
        ApiError::Problem {
            attempts_left: Some(1),
            ..
        }
    ));

    let e3 = client
        .verify_code(&ch.challenge_id, wrong)
        .await
        .unwrap_err();
    assert_problem(&e3, 429, "too-many-attempts");
    assert_eq!(e3.problem_code(), Some(ProblemCode::TooManyAttempts));

    // Dead: even the right code is refused now.
    let e4 = client
        .verify_code(&ch.challenge_id, &right)
        .await
        .unwrap_err();
    assert_problem(&e4, 429, "too-many-attempts");

    // No error text carries the code.
    for e in [&e1, &e2, &e3, &e4] {
        assert!(!e.to_string().contains(wrong) && !e.to_string().contains(&right));
    }
}

#[tokio::test]
async fn unknown_kiosk_token_is_unauthorized() {
    let (sim, _) = start().await;
    let intruder = Client::new(&sim.base_url(), "stolen", Duration::from_secs(5)).unwrap();
    let err = intruder
        .start_challenge(QID_A, IdMethod::Card)
        .await
        .unwrap_err();
    assert_problem(&err, 401, "unauthorized-kiosk");
    assert_eq!(err.problem_code(), Some(ProblemCode::UnauthorizedKiosk));
    let err = intruder.post_events(&[sample_event()]).await.unwrap_err();
    assert_problem(&err, 401, "unauthorized-kiosk");
    // Health needs no credential.
    intruder.health().await.unwrap();
}

#[tokio::test]
async fn unknown_and_locked_residents() {
    let (_sim, client) = start().await;
    let err = client
        .start_challenge("28463499999", IdMethod::Typed)
        .await
        .unwrap_err();
    assert_problem(&err, 404, "resident-not-found");
    let err = client
        .start_challenge(QID_LOCKED, IdMethod::Card)
        .await
        .unwrap_err();
    assert_problem(&err, 423, "account-locked");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn documents_are_listed_and_fetched_only_for_their_owner() {
    let (_sim, client) = start().await;
    let a = login(&client, QID_A).await;
    let docs = client.list_documents(&a).await.unwrap();
    let kinds: Vec<_> = docs.iter().map(|d| d.kind).collect();
    assert_eq!(
        kinds,
        [
            DocumentKind::BuildingPermit,
            DocumentKind::CompletionCertificate,
            DocumentKind::SalaryStatement
        ]
    );
    let bp = &docs[0];
    assert_eq!(
        (bp.id.as_str(), bp.number.as_str(), bp.issued_on.as_str()),
        ("doc-bp-004512", "BP-2026-004512", "2026-03-15")
    );
    assert_eq!(bp.title_en, "Building permit");

    let doc = client.fetch_document(&a, "doc-bp-004512").await.unwrap();
    assert_eq!(doc.kind, DocumentKind::BuildingPermit);
    assert_eq!(doc.payload["owner_qid"], QID_A);
    assert_eq!(doc.payload["owner_name_ar"], "محمد عبدالله الكواري");
    assert_eq!(doc.payload["floors"], 2);
    assert_eq!(doc.payload["built_area_m2"], 412.5);
    assert_eq!(doc.payload["expires_on"], "2028-03-14");

    let ss = client.fetch_document(&a, "doc-ss-2026-10").await.unwrap();
    assert_eq!(ss.payload["currency"], "QAR");
    assert_eq!(ss.payload["allowances"].as_array().unwrap().len(), 2);

    // Resident B has no papers and cannot read A's.
    let b = login(&client, QID_B).await;
    assert!(client.list_documents(&b).await.unwrap().is_empty());
    let err = client
        .fetch_document(&b, "doc-bp-004512")
        .await
        .unwrap_err();
    assert_problem(&err, 404, "document-not-found");
    let err = client.fetch_document(&a, "doc-nope").await.unwrap_err();
    assert_problem(&err, 404, "document-not-found");

    // A forged session token is refused.
    let forged = ResidentSession {
        session_token: "f".repeat(64),
        expires_in_s: 600,
    };
    let err = client.list_documents(&forged).await.unwrap_err();
    assert_problem(&err, 401, "invalid-session");
}

#[tokio::test]
async fn ids_with_reserved_characters_stay_one_path_segment() {
    let (_sim, client) = start().await;
    let a = login(&client, QID_A).await;
    // Percent-encoded: must reach the document handler, not another route.
    let err = client
        .fetch_document(&a, "../outbox/events")
        .await
        .unwrap_err();
    assert_problem(&err, 404, "document-not-found");
}

fn sample_event() -> OutboxEvent {
    OutboxEvent {
        idempotency_key: uuid::Uuid::new_v4(),
        kind: "test.ping".into(),
        payload: serde_json::json!({"n": 1}),
        created_at: "2026-01-01T00:00:00.000Z".into(),
    }
}

#[tokio::test]
async fn one_time_codes_are_rationed_per_resident_and_per_kiosk_and_the_newest_wins() {
    let (sim, client) = start().await;
    let limits = manassa_sim::ChallengeLimits::default();
    // A burst for one resident: the quota's worth is answered, then 429 with Retry-After.
    let mut ids = Vec::new();
    for _ in 0..limits.per_qid {
        ids.push(
            client
                .start_challenge(QID_A, IdMethod::Typed)
                .await
                .unwrap()
                .challenge_id,
        );
    }
    let err = client
        .start_challenge(QID_A, IdMethod::Typed)
        .await
        .unwrap_err();
    assert_problem(&err, 429, "rate-limited");
    match err {
        ApiError::Problem { retry_after_s, .. } => {
            let s = retry_after_s.expect("Retry-After");
            assert!((1..=limits.window_s).contains(&s), "{s}");
        }
        _ => unreachable!(),
    }
    // Only the newest code verifies; an older challenge is superseded.
    let old = &ids[0];
    assert_problem(
        &client.demo_sms_code(old).await.unwrap_err(),
        410,
        "challenge-expired",
    );
    assert_problem(
        &client.verify_code(old, "000000").await.unwrap_err(),
        410,
        "challenge-expired",
    );
    let newest = ids.last().unwrap();
    let code = client.demo_sms_code(newest).await.unwrap();
    client.verify_code(newest, &code).await.unwrap();
    // Another resident is not held back by the first one's quota.
    client
        .start_challenge(QID_B, IdMethod::Typed)
        .await
        .unwrap();

    // One kiosk cycling through residents hits the per-kiosk quota.
    let small = spawn(
        SimConfig {
            kiosk_tokens: vec![TOKEN.to_owned(), "other-kiosk".to_owned()],
            challenge_limits: manassa_sim::ChallengeLimits {
                per_qid: 100,
                per_kiosk: 3,
                window_s: 60,
            },
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let c = Client::new(&small.base_url(), TOKEN, Duration::from_secs(5)).unwrap();
    for qid in [QID_A, QID_B, QID_A] {
        c.start_challenge(qid, IdMethod::Card).await.unwrap();
    }
    assert_problem(
        &c.start_challenge(QID_B, IdMethod::Card).await.unwrap_err(),
        429,
        "rate-limited",
    );
    // Another kiosk still can.
    let other = Client::new(&small.base_url(), "other-kiosk", Duration::from_secs(5)).unwrap();
    other.start_challenge(QID_B, IdMethod::Card).await.unwrap();
    drop(sim);
}
