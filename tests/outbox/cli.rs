//! Dead letters and the technician's commands: a dead-lettered event can be
//! inspected and re-queued, through the API and through the real `manassa outbox`
//! binary, and then reaches the ministry once.

use std::path::Path;
use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

use manassa_ministry_api::OutboxEvent;
use manassa_outbox::{Outbox, SyncPolicy};
use serde_json::json;

use crate::support::{TOKEN, TempDir, client, sim};

fn manassa(args: &[&str], db: &Path) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_manassa"))
        .args(["outbox"])
        .args(args)
        .arg("--db")
        .arg(db)
        .env("RUST_LOG", "error")
        .output()
        .expect("the manassa binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Gives up after the first failed attempt.
fn one_shot() -> SyncPolicy {
    SyncPolicy {
        max_attempts: 1,
        ..SyncPolicy::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_are_listed_requeued_and_delivered_via_the_cli() {
    let dir = TempDir::new("outbox-cli");
    let db = dir.join("outbox.sqlite");
    let outbox = Arc::new(Outbox::open(&db).unwrap());
    let complaint = json!({"category": "kiosk", "text": "printer jammed"});
    let e = outbox.enqueue("complaint.filed", &complaint).unwrap();

    // A ministry that already holds this key with other content refuses the event: the
    // row is dead-lettered with the problem code. (An unreachable ministry never
    // dead-letters anything.)
    let clash = sim(None).await;
    let c = client(&clash.base_url(), Duration::from_secs(5));
    c.post_events(&[OutboxEvent {
        idempotency_key: e.idempotency_key,
        kind: "complaint.filed".into(),
        payload: json!({"other": true}),
        created_at: "2026-01-01T00:00:00.000Z".into(),
    }])
    .await
    .unwrap();
    let report = outbox.sync_once_with(&c, &one_shot()).await.unwrap();
    assert_eq!(report.dead_lettered, 1);
    assert_eq!(outbox.depth().unwrap(), 0);

    let status = stdout(&manassa(&["status"], &db));
    assert!(status.contains("queued:              0"), "{status}");
    assert!(status.contains("dead letters:        1"), "{status}");

    // Listing shows id, key, kind and the reason; the payload only on request.
    let listed = manassa(&["dead-letters"], &db);
    assert!(listed.status.success());
    let listed = stdout(&listed);
    let line = listed.lines().next().unwrap();
    let cols: Vec<&str> = line.split('\t').collect();
    assert_eq!(cols[0], e.id.to_string(), "{line}");
    assert_eq!(cols[1], e.idempotency_key.to_string(), "{line}");
    assert_eq!(cols[2], "complaint.filed");
    assert!(line.contains("attempts=1"), "{line}");
    assert!(line.contains("error=idempotency-key-reused"), "{line}");
    assert!(!listed.contains("printer jammed"), "payload shown unasked");
    let with_payload = stdout(&manassa(&["dead-letters", "--payload"], &db));
    assert!(with_payload.contains("printer jammed"), "{with_payload}");

    // An unknown id is an error naming it; nothing changes.
    let bad = manassa(&["requeue", "999999"], &db);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("no dead letter with id 999999"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    assert_eq!(
        outbox.depth().unwrap(),
        0,
        "a failed re-queue is not audited"
    );

    let requeued = manassa(&["requeue", &e.id.to_string()], &db);
    assert!(requeued.status.success(), "{requeued:?}");
    assert!(outbox.dead_letters().unwrap().is_empty());
    // The event, first in line again, then the technician's audited action.
    let pending = outbox.pending(10).unwrap();
    assert_eq!(pending.len(), 2);
    assert_eq!(pending[1].kind, "technician_action");
    assert_eq!(
        (
            pending[0].id,
            pending[0].idempotency_key,
            pending[0].attempts
        ),
        (e.id, e.idempotency_key, 0)
    );

    // A drain against the ministry that still refuses it: the report says so and the
    // command fails, pointing at the dead letters.
    let clash_cfg = dir.join("clash.toml");
    std::fs::write(
        &clash_cfg,
        format!(
            "[ministry]\nbase_url = \"{}\"\nkiosk_token = \"{TOKEN}\"\n",
            clash.base_url()
        ),
    )
    .unwrap();
    let refused = manassa(&["drain", "--config", clash_cfg.to_str().unwrap()], &db);
    assert!(!refused.status.success(), "{refused:?}");
    assert!(
        stdout(&refused).contains("dead-lettered 1"),
        "{}",
        stdout(&refused)
    );
    assert!(String::from_utf8_lossy(&refused.stderr).contains("dead-letters"));
    assert_eq!(outbox.dead_letters().unwrap().len(), 1);
    // Re-queue all of them at once: one audit record.
    let requeued = manassa(&["requeue", "--all"], &db);
    assert!(requeued.status.success(), "{requeued:?}");
    assert_eq!(stdout(&requeued).trim(), "requeued 1");
    assert!(outbox.dead_letters().unwrap().is_empty());

    // The ministry is back; a forced drain delivers it with its original key.
    let sim = sim(None).await;
    let cfg = dir.join("manassa.toml");
    std::fs::write(
        &cfg,
        format!(
            "[ministry]\nbase_url = \"{}\"\nkiosk_token = \"{TOKEN}\"\n",
            sim.base_url()
        ),
    )
    .unwrap();
    let cfg = cfg.to_str().unwrap();
    let drained = manassa(&["drain", "--config", cfg], &db);
    assert!(drained.status.success(), "{drained:?}");
    assert!(
        stdout(&drained).contains("delivered 3, dead-lettered 0, still queued 0"),
        "{}",
        stdout(&drained)
    );
    let stored = sim.stored_events().unwrap();
    assert_eq!(stored.len(), 3);
    assert_eq!(stored[0].0, e.idempotency_key);
    assert_eq!(stored[0].2, complaint);
    let actions: Vec<_> = stored[1..]
        .iter()
        .map(|(_, kind, p)| {
            (
                kind.as_str(),
                p["action"].as_str().unwrap(),
                p["via"].clone(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("technician_action", "outbox.requeue_all", json!("cli")),
            ("technician_action", "outbox.drain", json!("cli")),
        ]
    );
    assert_eq!(stored[1].2["count"], json!(1));
    assert_eq!(outbox.depth().unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_event_is_dead_lettered_with_the_problem_code_and_requeued_via_the_api() {
    let dir = TempDir::new("outbox-rejected");
    let sim = sim(None).await;
    let c = client(&sim.base_url(), Duration::from_secs(5));
    let outbox = Arc::new(Outbox::open(&dir.join("outbox.sqlite")).unwrap());
    let e = outbox
        .enqueue("rating.given", &json!({"stars": 2}))
        .unwrap();
    // The ministry already holds this key with other content (a clash it refuses).
    c.post_events(&[OutboxEvent {
        idempotency_key: e.idempotency_key,
        kind: "rating.given".into(),
        payload: json!({"stars": 5}),
        created_at: "2026-01-01T00:00:00.000Z".into(),
    }])
    .await
    .unwrap();
    let report = outbox.sync_once(&c).await.unwrap();
    assert_eq!((report.delivered, report.dead_lettered), (0, 1));
    let dead = outbox.dead_letters().unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        dead[0].last_error.as_deref(),
        Some("idempotency-key-reused")
    );
    assert_eq!(dead[0].payload, json!({"stars": 2}));
    assert_eq!(outbox.status().unwrap().dead_letters, 1);

    outbox.requeue(e.id).unwrap();
    assert_eq!(outbox.status().unwrap().dead_letters, 0);
    assert_eq!(outbox.depth().unwrap(), 1);
    // Same key, same clash: it comes straight back, the new attempt counted.
    let report = outbox.sync_once(&c).await.unwrap();
    assert_eq!(report.dead_lettered, 1);
    let dead = outbox.dead_letters().unwrap();
    assert_eq!(
        (dead[0].idempotency_key, dead[0].attempts),
        (e.idempotency_key, 1)
    );
    assert_eq!(sim.stored_events().unwrap()[0].2, json!({"stars": 5}));
}

#[test]
fn status_of_a_fresh_database_and_a_bad_config_name_the_problem() {
    let dir = TempDir::new("outbox-cli-status");
    let db = dir.join("outbox.sqlite");
    let out = manassa(&["status"], &db);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(text.contains("queued:              0"), "{text}");
    assert!(text.contains("oldest:              -"), "{text}");

    let cfg = dir.join("bad.toml");
    std::fs::write(&cfg, "[ministry]\ntimeout_ms = 5\n").unwrap();
    let out = manassa(&["status", "--config", cfg.to_str().unwrap()], &db);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ministry.timeout_ms"), "{err}");
}
