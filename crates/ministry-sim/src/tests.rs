//! Tests of the server's own wire behaviour with a raw HTTP client (the typed client
//! validates locally and would not let malformed requests through).

use super::*;

const TOKEN: &str = "test-kiosk-token";

async fn start() -> SimHandle {
    spawn(
        SimConfig {
            kiosk_tokens: vec![TOKEN.to_owned()],
            demo_sms: true,
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap()
}

async fn problem_of(resp: reqwest::Response) -> (u16, Problem) {
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(ct.as_deref(), Some(PROBLEM_CONTENT_TYPE));
    let p: Problem = resp.json().await.unwrap();
    assert_eq!(p.status, status);
    assert_eq!(p.type_uri, format!("/problems/{}", p.code));
    (status, p)
}

#[test]
fn masks_all_but_the_last_three_digits() {
    assert_eq!(mask_phone("+97455123456"), "+974 ••••• 456");
    assert_eq!(mask_phone("55123456"), "••••• 456");
    assert_eq!(mask_phone("12"), " 12");
}

#[tokio::test]
async fn server_rejects_invalid_qid_with_a_problem() {
    let sim = start().await;
    let http = reqwest::Client::new();
    for qid in ["123", "18463400123", "28400000123", "2846340012x"] {
        let resp = http
            .post(format!("{}/v1/auth/challenges", sim.base_url()))
            .bearer_auth(TOKEN)
            .json(&json!({"qid": qid, "method": "typed"}))
            .send()
            .await
            .unwrap();
        let (status, p) = problem_of(resp).await;
        assert_eq!(status, 400);
        assert_eq!(p.code, "invalid-qid");
        assert!(!p.detail.unwrap_or_default().contains(qid));
    }
}

#[tokio::test]
async fn malformed_json_and_unknown_routes_are_problems() {
    let sim = start().await;
    let http = reqwest::Client::new();
    let base = sim.base_url();

    let resp = http
        .post(format!("{base}/v1/auth/challenges"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let (status, p) = problem_of(resp).await;
    assert_eq!((status, p.code.as_str()), (400, "bad-request"));

    // Right JSON, wrong shape: the QID sent as a number must not be echoed.
    let resp = http
        .post(format!("{base}/v1/auth/challenges"))
        .bearer_auth(TOKEN)
        .json(&json!({"qid": 28463400123u64, "method": "typed"}))
        .send()
        .await
        .unwrap();
    let (status, p) = problem_of(resp).await;
    assert_eq!((status, p.code.as_str()), (400, "bad-request"));
    assert!(!p.detail.unwrap_or_default().contains("28463400123"));

    let resp = http.get(format!("{base}/v1/nowhere")).send().await.unwrap();
    let (status, p) = problem_of(resp).await;
    assert_eq!((status, p.code.as_str()), (404, "not-found"));

    let resp = http
        .delete(format!("{base}/v1/health"))
        .send()
        .await
        .unwrap();
    let (status, p) = problem_of(resp).await;
    assert_eq!((status, p.code.as_str()), (405, "method-not-allowed"));
}

#[tokio::test]
async fn kiosk_token_is_required_but_health_is_open() {
    let sim = start().await;
    let http = reqwest::Client::new();
    let base = sim.base_url();

    let resp = http.get(format!("{base}/v1/health")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap(), json!({"status": "ok"}));

    // Missing header, wrong scheme, unknown token.
    let attempts = [
        http.get(format!("{base}/v1/documents")),
        http.get(format!("{base}/v1/documents"))
            .header("authorization", format!("Basic {TOKEN}")),
        http.get(format!("{base}/v1/documents"))
            .bearer_auth("not-a-kiosk"),
    ];
    for req in attempts {
        let resp = req.send().await.unwrap();
        assert_eq!(resp.headers().get("www-authenticate").unwrap(), "Bearer");
        let (status, p) = problem_of(resp).await;
        assert_eq!((status, p.code.as_str()), (401, "unauthorized-kiosk"));
    }

    // The kiosk check comes before the session check.
    let resp = http
        .get(format!("{base}/v1/documents"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let (status, p) = problem_of(resp).await;
    assert_eq!((status, p.code.as_str()), (401, "invalid-session"));
}

#[tokio::test]
async fn expired_challenge_is_gone() {
    let sim = start().await;
    let http = reqwest::Client::new();
    let base = sim.base_url();
    let ch: Challenge = http
        .post(format!("{base}/v1/auth/challenges"))
        .bearer_auth(TOKEN)
        .json(&json!({"qid": "28463400123", "method": "card"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code: Value = http
        .get(format!("{base}/v1/demo/sms/{}", ch.challenge_id))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    sim.expire_challenge(&ch.challenge_id);
    let resp = http
        .post(format!(
            "{base}/v1/auth/challenges/{}/verify",
            ch.challenge_id
        ))
        .bearer_auth(TOKEN)
        .json(&json!({"code": code["code"]}))
        .send()
        .await
        .unwrap();
    let (status, p) = problem_of(resp).await;
    assert_eq!((status, p.code.as_str()), (410, "challenge-expired"));
}

#[tokio::test]
async fn demo_sms_is_off_by_default() {
    let sim = spawn(SimConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let resp = reqwest::Client::new()
        .get(format!("{}/v1/demo/sms/anything", sim.base_url()))
        .bearer_auth("demo-kiosk-token")
        .send()
        .await
        .unwrap();
    let (status, p) = problem_of(resp).await;
    assert_eq!((status, p.code.as_str()), (404, "not-found"));
}

#[tokio::test]
async fn file_database_is_seeded_idempotently_and_keeps_events() {
    let path = std::env::temp_dir().join(format!("manassa-sim-{}.db", Uuid::new_v4()));
    let cfg = SimConfig {
        db_path: Some(path.clone()),
        kiosk_tokens: vec![TOKEN.to_owned()],
        ..SimConfig::default()
    };
    let key = Uuid::new_v4();
    {
        let sim = spawn(cfg.clone(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let resp = reqwest::Client::new()
            .post(format!("{}/v1/outbox/events", sim.base_url()))
            .bearer_auth(TOKEN)
            .json(&json!({"events": [{
                "idempotency_key": key, "kind": "test.ping",
                "payload": {"n": 1}, "created_at": "2026-01-01T00:00:00Z"
            }]}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        sim.shutdown().await.unwrap();
    }
    // Second start on the same file: seed runs again without duplicating anything.
    let sim = spawn(cfg, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    assert_eq!(
        sim.stored_events().unwrap(),
        vec![(key, "test.ping".to_owned(), json!({"n": 1}))]
    );
    let docs: i64 = lock(&sim.state.db)
        .query_row("SELECT COUNT(*) FROM documents", [], |r| r.get(0))
        .unwrap();
    assert_eq!(docs, 4);
    let mode: String = lock(&sim.state.db)
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    sim.shutdown().await.unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
