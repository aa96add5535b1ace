//! No personal data in logs: a whole resident journey against the reference server —
//! refusals, wrong codes, faults, documents, outbox, health — with every log line of the
//! process captured at TRACE level, then searched for the QID, names, phone, one-time
//! codes and tokens.

// Process-wide log capture (a global subscriber) keeps this its own binary.
#[path = "api/support.rs"]
mod api_support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use api_support::{QID_A, QID_LOCKED, QID_UNKNOWN, client, config, start};
use manassa_ministry_api::{IdMethod, OutboxEvent};
use manassa_sim::FaultPlan;
use serde_json::json;
use uuid::Uuid;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_whole_journey_logs_no_personal_data() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        // No timestamps: their digits could match a one-time code by chance.
        .without_time()
        .init();

    let sim = start(config()).await;
    let c = client(&sim, Duration::from_secs(2));
    let mut secrets: Vec<String> = [
        QID_A,
        QID_LOCKED,
        QID_UNKNOWN,
        "محمد عبدالله الكواري",
        "Mohammed Abdullah Al-Kuwari",
        "+97455123456",
        "55123456",
    ]
    .map(String::from)
    .to_vec();

    let _ = c.start_challenge(QID_UNKNOWN, IdMethod::Typed).await;
    let _ = c.start_challenge(QID_LOCKED, IdMethod::Card).await;
    let ch = c.start_challenge(QID_A, IdMethod::Card).await.unwrap();
    let code = c.demo_sms_code(&ch.challenge_id).await.unwrap();
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let _ = c.verify_code(&ch.challenge_id, wrong).await;
    let session = c.verify_code(&ch.challenge_id, &code).await.unwrap();
    secrets.push(code);
    secrets.push(session.session_token.clone());

    for id in [
        "doc-bp-004512",
        "doc-ss-2026-10",
        "doc-bp-003990",
        "doc-none",
    ] {
        let _ = c.fetch_document(&session, id).await;
    }
    let ev = OutboxEvent {
        idempotency_key: Uuid::new_v4(),
        kind: "complaint".into(),
        payload: json!({"qid": QID_A, "text": "Mohammed Abdullah Al-Kuwari waited"}),
        created_at: "2026-05-01T09:30:00Z".into(),
    };
    c.post_events(std::slice::from_ref(&ev)).await.unwrap();
    // Faults on every route, including a dropped connection after the handler ran.
    for plan in [
        "error_rate=1",
        "throttle_rate=1,retry_after_s=2",
        "drop_rate=1,drop_after_commit=true",
        "slow_body_ms=50",
    ] {
        sim.set_faults(plan.parse::<FaultPlan>().unwrap());
        let _ = c.start_challenge(QID_A, IdMethod::Typed).await;
        let _ = c.fetch_document(&session, "doc-bp-004512").await;
        let _ = c.post_events(std::slice::from_ref(&ev)).await;
    }
    sim.clear_faults();
    // A raw request with the QID in a malformed body.
    let _ = reqwest::Client::new()
        .post(format!("{}/v1/auth/challenges", sim.base_url()))
        .bearer_auth(api_support::TOKEN)
        .json(&json!({"qid": 28463400123u64, "method": "card"}))
        .send()
        .await;
    sim.shutdown().await.unwrap();

    let log = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("challenge created") && log.contains("fault injected"),
        "the capture works: {log}"
    );
    for s in &secrets {
        assert!(!log.contains(s.as_str()), "the log leaks personal data");
    }
}
