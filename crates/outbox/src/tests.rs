use super::*;
use manassa_sim::{SimConfig, SimHandle, spawn};
use serde_json::json;
use std::path::PathBuf;

const TOKEN: &str = "outbox-test-token";

/// A database file under the temp dir, removed (with its WAL files) on drop.
struct TempDb(PathBuf);

impl TempDb {
    fn new() -> TempDb {
        TempDb(std::env::temp_dir().join(format!("manassa-outbox-{}.db", Uuid::new_v4())))
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

async fn sim() -> SimHandle {
    spawn(
        SimConfig {
            kiosk_tokens: vec![TOKEN.to_owned()],
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap()
}

fn client_for(base: &str, token: &str) -> Client {
    Client::new(base, token, Duration::from_secs(3)).unwrap()
}

/// A base URL where nothing listens.
async fn closed_port_url() -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}")
}

fn open(db: &TempDb) -> Arc<Outbox> {
    Arc::new(Outbox::open(&db.0).unwrap())
}

fn make_all_due(outbox: &Outbox) {
    outbox
        .conn()
        .execute("UPDATE outbox SET next_attempt_at = 0", [])
        .unwrap();
}

#[test]
fn open_sets_durability_pragmas_and_migrates_once() {
    let db = TempDb::new();
    let key = {
        let outbox = Outbox::open(&db.0).unwrap();
        let conn = outbox.conn();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let sync: i64 = conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 2, "synchronous=FULL");
        let busy: i64 = conn
            .query_row("PRAGMA busy_timeout", [], |r| r.get(0))
            .unwrap();
        assert_eq!(busy, 5000);
        drop(conn);
        outbox
            .enqueue("test.ping", &json!({"n": 1}))
            .unwrap()
            .idempotency_key
    };
    // Reopening keeps the row and its key and does not re-run the migration.
    let outbox = Outbox::open(&db.0).unwrap();
    let version: i64 = outbox
        .conn()
        .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, MIGRATIONS.len() as i64);
    let pending = outbox.pending(10).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].idempotency_key, key);
    assert_eq!(pending[0].attempts, 0);
}

#[test]
fn a_version_1_database_is_migrated_keeping_its_rows() {
    let db = TempDb::new();
    let key = Uuid::new_v4();
    {
        let conn = Connection::open(&db.0).unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_version (version INTEGER NOT NULL);
             INSERT INTO schema_version (version) VALUES (1);",
        )
        .unwrap();
        conn.execute(
            "INSERT INTO outbox (idempotency_key, kind, payload, created_at, attempts)
             VALUES (?1, 'print.audit', '{}', '2026-01-01T00:00:00.000Z', 3)",
            [key.to_string()],
        )
        .unwrap();
    }
    let outbox = Outbox::open(&db.0).unwrap();
    let version: i64 = outbox
        .conn()
        .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, MIGRATIONS.len() as i64);
    let pending = outbox.pending(10).unwrap();
    assert_eq!((pending[0].idempotency_key, pending[0].attempts), (key, 3));
    assert_eq!(outbox.status().unwrap().waiting_for_network, 0);
}

#[test]
fn refuses_a_newer_schema() {
    let db = TempDb::new();
    drop(Outbox::open(&db.0).unwrap());
    Connection::open(&db.0)
        .unwrap()
        .execute("UPDATE schema_version SET version = 99", [])
        .unwrap();
    assert!(matches!(
        Outbox::open(&db.0),
        Err(OutboxError::NewerSchema {
            found: 99,
            supported
        }) if supported == MIGRATIONS.len() as i64
    ));
}

#[test]
fn enqueue_validates_kind_and_payload_size() {
    let db = TempDb::new();
    let outbox = Outbox::open(&db.0).unwrap();
    for kind in [
        "",
        "Print.Audit",
        "print audit",
        &"k".repeat(MAX_KIND_LEN + 1),
    ] {
        assert!(
            matches!(
                outbox.enqueue(kind, &json!({})),
                Err(OutboxError::InvalidKind)
            ),
            "{kind:?}"
        );
    }
    let big = json!({"text": "x".repeat(MAX_PAYLOAD_BYTES)});
    match outbox.enqueue("complaint.filed", &big) {
        Err(OutboxError::PayloadTooLarge { size, limit }) => {
            assert!(size > limit);
            assert_eq!(limit, MAX_PAYLOAD_BYTES);
        }
        other => panic!("expected PayloadTooLarge, got {other:?}"),
    }
    assert_eq!(outbox.depth().unwrap(), 0);

    let a = outbox.enqueue("print.audit", &json!({"doc": "a"})).unwrap();
    let b = outbox.enqueue("print.audit", &json!({"doc": "b"})).unwrap();
    assert!(b.id > a.id);
    assert_ne!(a.idempotency_key, b.idempotency_key);
    assert_eq!(outbox.depth().unwrap(), 2);
}

#[test]
fn outbox_row_commits_and_rolls_back_with_business_state() {
    let db = TempDb::new();
    let outbox = Outbox::open(&db.0).unwrap();
    outbox
        .conn()
        .execute_batch("CREATE TABLE prints (doc TEXT NOT NULL)")
        .unwrap();

    let e = outbox
        .with_transaction(|tx| {
            tx.execute("INSERT INTO prints (doc) VALUES ('doc-bp-004512')", [])?;
            enqueue_tx(tx, "print.audit", &json!({"doc": "doc-bp-004512"}))
        })
        .unwrap();
    assert_eq!(
        outbox.pending(10).unwrap()[0].idempotency_key,
        e.idempotency_key
    );

    // A failure after both writes undoes both.
    let err = outbox
        .with_transaction(|tx| {
            tx.execute("INSERT INTO prints (doc) VALUES ('doc-cc-000871')", [])?;
            enqueue_tx(tx, "print.audit", &json!({"doc": "doc-cc-000871"}))?;
            Err::<(), _>(OutboxError::InvalidKind)
        })
        .unwrap_err();
    assert!(matches!(err, OutboxError::InvalidKind));
    let prints: i64 = outbox
        .conn()
        .query_row("SELECT COUNT(*) FROM prints", [], |r| r.get(0))
        .unwrap();
    assert_eq!((prints, outbox.depth().unwrap()), (1, 1));
}

#[test]
fn a_full_database_is_reported_as_disk_full() {
    let db = TempDb::new();
    let outbox = Outbox::open(&db.0).unwrap();
    outbox.enqueue("test.small", &json!({"n": 1})).unwrap();
    {
        // Cap the file at its current size: the next growing write hits SQLITE_FULL.
        let conn = outbox.conn();
        let pages: i64 = conn
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .unwrap();
        conn.pragma_update(None, "max_page_count", pages).unwrap();
    }
    let big = json!({"text": "x".repeat(60 * 1024)});
    let err = outbox.enqueue("test.big", &big).unwrap_err();
    assert!(matches!(err, OutboxError::DiskFull), "{err:?}");
    assert_eq!(outbox.depth().unwrap(), 1);
}

#[test]
fn depth_and_oldest_age() {
    let db = TempDb::new();
    let outbox = Outbox::open(&db.0).unwrap();
    assert_eq!(outbox.depth().unwrap(), 0);
    assert_eq!(outbox.oldest_age().unwrap(), None);
    assert_eq!(outbox.next_due_in().unwrap(), None);
    outbox.enqueue("test.ping", &json!({})).unwrap();
    let age = outbox.oldest_age().unwrap().unwrap();
    assert!(age < Duration::from_secs(60), "{age:?}");
    assert_eq!(outbox.next_due_in().unwrap(), Some(Duration::ZERO));

    // An hour-old row dominates.
    outbox
        .conn()
        .execute(
            "INSERT INTO outbox (idempotency_key, kind, payload, created_at)
             VALUES (?1, 'test.old', '{}',
                     strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-3600 seconds'))",
            [Uuid::new_v4().to_string()],
        )
        .unwrap();
    let age = outbox.oldest_age().unwrap().unwrap();
    assert!(
        (3590..3700).contains(&age.as_secs()),
        "oldest age {age:?} should be about an hour"
    );
    assert_eq!(outbox.depth().unwrap(), 2);
}

#[test]
fn backoff_is_full_jitter_capped_and_honours_retry_after() {
    let mut rng = rand::rng();
    let policy = SyncPolicy::default();
    for attempts in 1..=30u32 {
        let ceiling = BACKOFF_BASE
            .saturating_mul(1 << attempts.saturating_sub(1).min(20))
            .min(BACKOFF_CAP);
        let samples: Vec<_> = (0..500)
            .map(|_| backoff(attempts, None, &policy, &mut rng))
            .collect();
        assert!(samples.iter().all(|d| *d <= ceiling), "attempt {attempts}");
        // Full jitter spreads over the whole range, not just near the ceiling.
        assert!(
            samples.iter().any(|d| *d < ceiling / 4),
            "attempt {attempts}"
        );
        assert!(
            samples.iter().any(|d| *d > ceiling / 2),
            "attempt {attempts}"
        );
    }
    assert!(backoff(30, None, &policy, &mut rng) <= BACKOFF_CAP);
    let ra = Duration::from_secs(120);
    for _ in 0..100 {
        assert!(backoff(1, Some(ra), &policy, &mut rng) >= ra);
    }
}

#[tokio::test]
async fn sync_delivers_each_event_exactly_once() {
    let sim = sim().await;
    let client = client_for(&sim.base_url(), TOKEN);
    let db = TempDb::new();
    let outbox = open(&db);
    let mut keys = Vec::new();
    for n in 0..3 {
        keys.push(
            outbox
                .enqueue("print.audit", &json!({"n": n, "doc": "doc-bp-004512"}))
                .unwrap()
                .idempotency_key,
        );
    }
    let rows_before: Vec<OutboxEvent> = outbox
        .due_rows(10)
        .unwrap()
        .iter()
        .map(|r| r.to_event().unwrap())
        .collect();

    let report = outbox.sync_once(&client).await.unwrap();
    assert_eq!(
        report,
        SyncReport {
            delivered: 3,
            dead_lettered: 0,
            remaining: 0
        }
    );
    assert_eq!(outbox.depth().unwrap(), 0);
    let stored = sim.stored_events().unwrap();
    let stored_keys: Vec<Uuid> = stored.iter().map(|(k, _, _)| *k).collect();
    assert_eq!(stored_keys, keys, "each once, in id order");
    assert_eq!(stored[2].2, json!({"n": 2, "doc": "doc-bp-004512"}));

    // A retry of the same batch (say the answer was lost) is all duplicates.
    let again = client.post_events(&rows_before).await.unwrap();
    assert!(
        again
            .results
            .iter()
            .all(|r| r.status == EventStatus::Duplicate)
    );
    assert_eq!(sim.stored_events().unwrap().len(), 3);

    // Same key, different payload: refused, first version kept.
    let mut forged = rows_before[0].clone();
    forged.payload = json!({"n": 99});
    let res = client.post_events(&[forged]).await.unwrap();
    assert_eq!(res.results[0].status, EventStatus::Rejected);
    assert_eq!(
        res.results[0].code.as_deref(),
        Some("idempotency-key-reused")
    );
    let stored = sim.stored_events().unwrap();
    assert_eq!(stored.len(), 3);
    assert_eq!(stored[0].2, json!({"n": 0, "doc": "doc-bp-004512"}));

    // Nothing due: an empty round.
    let report = outbox.sync_once(&client).await.unwrap();
    assert_eq!(report, SyncReport::default());
}

#[tokio::test]
async fn rejected_rows_are_dead_lettered_and_can_be_requeued() {
    let sim = sim().await;
    let client = client_for(&sim.base_url(), TOKEN);
    let db = TempDb::new();
    let outbox = open(&db);
    let good = outbox
        .enqueue("rating.given", &json!({"stars": 5}))
        .unwrap();
    let clash = outbox
        .enqueue("rating.given", &json!({"stars": 1}))
        .unwrap();
    // The server already holds the clashing key with other content.
    client
        .post_events(&[OutboxEvent {
            idempotency_key: clash.idempotency_key,
            kind: "rating.given".into(),
            payload: json!({"stars": 3}),
            created_at: "2026-01-01T00:00:00.000Z".into(),
        }])
        .await
        .unwrap();

    let report = outbox.sync_once(&client).await.unwrap();
    assert_eq!(
        report,
        SyncReport {
            delivered: 1,
            dead_lettered: 1,
            remaining: 0
        }
    );
    let dead = outbox.dead_letters().unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].id, clash.id);
    assert_eq!(dead[0].idempotency_key, clash.idempotency_key);
    assert_eq!(dead[0].payload, json!({"stars": 1}));
    assert_eq!(
        dead[0].last_error.as_deref(),
        Some("idempotency-key-reused")
    );
    let stored = sim.stored_events().unwrap();
    assert!(stored.iter().any(|(k, _, _)| *k == good.idempotency_key));

    outbox.requeue(clash.id).unwrap();
    assert!(outbox.dead_letters().unwrap().is_empty());
    let pending = outbox.pending(10).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        (
            pending[0].id,
            pending[0].idempotency_key,
            pending[0].attempts
        ),
        (clash.id, clash.idempotency_key, 0)
    );
    assert!(matches!(
        outbox.requeue(clash.id),
        Err(OutboxError::NotFound(_))
    ));
}

#[tokio::test]
async fn network_failure_keeps_rows_and_backs_off() {
    let db = TempDb::new();
    let outbox = open(&db);
    for n in 0..3 {
        outbox.enqueue("device.health", &json!({"n": n})).unwrap();
    }
    let offline = client_for(&closed_port_url().await, TOKEN);
    let err = outbox.sync_once(&offline).await.unwrap_err();
    assert!(
        matches!(err, SyncError::Api(ApiError::Network(_))),
        "{err:?}"
    );

    let pending = outbox.pending(10).unwrap();
    assert_eq!(pending.len(), 3, "nothing lost");
    let now = now_ms();
    for p in &pending {
        assert_eq!(p.attempts, 0, "an unanswered batch is no attempt");
        assert!(p.next_attempt_at <= now + duration_ms(BACKOFF_BASE));
        assert!(
            p.last_error
                .as_deref()
                .unwrap()
                .starts_with("network error")
        );
    }

    // Back online: once due, everything goes through with the same keys.
    let sim = sim().await;
    make_all_due(&outbox);
    let report = outbox
        .sync_once(&client_for(&sim.base_url(), TOKEN))
        .await
        .unwrap();
    assert_eq!(report.delivered, 3);
    let stored: Vec<Uuid> = sim.stored_events().unwrap().iter().map(|e| e.0).collect();
    let sent: Vec<Uuid> = pending.iter().map(|p| p.idempotency_key).collect();
    assert_eq!(stored, sent);
}

#[tokio::test]
async fn network_failures_never_count_toward_the_attempt_limit() {
    // Offline, a forced drain after a forced drain: nothing is ever dead-lettered.
    let db = TempDb::new();
    let outbox = open(&db);
    let e = outbox.enqueue("device.health", &json!({})).unwrap();
    outbox
        .conn()
        .execute("UPDATE outbox SET attempts = ?1", [MAX_ATTEMPTS - 1])
        .unwrap();
    let offline = client_for(&closed_port_url().await, TOKEN);
    for _ in 0..(MAX_ATTEMPTS + 5) {
        make_all_due(&outbox);
        assert!(outbox.sync_once(&offline).await.is_err());
    }
    assert!(outbox.dead_letters().unwrap().is_empty());
    let row = &outbox.pending(1).unwrap()[0];
    assert_eq!((row.id, row.attempts), (e.id, MAX_ATTEMPTS - 1));
}

#[tokio::test]
async fn an_unknown_kiosk_token_keeps_rows_queued() {
    // 401 is about the kiosk's credential, not the events: no dead letters.
    let sim = sim().await;
    let db = TempDb::new();
    let outbox = open(&db);
    outbox.enqueue("test.ping", &json!({})).unwrap();
    let err = outbox
        .sync_once(&client_for(&sim.base_url(), "revoked"))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        SyncError::Api(ApiError::Problem { status: 401, .. })
    ));
    assert!(outbox.dead_letters().unwrap().is_empty());
    assert_eq!(
        outbox.pending(1).unwrap()[0].attempts,
        0,
        "a batch-level refusal"
    );
    assert!(outbox.alarm().unwrap().contains("401"));
    assert!(sim.stored_events().unwrap().is_empty());
}

#[tokio::test]
async fn sync_worker_drains_on_wake() {
    let sim = sim().await;
    let db = TempDb::new();
    let outbox = open(&db);
    let worker = spawn_sync_worker(outbox.clone(), client_for(&sim.base_url(), TOKEN));
    // More than one batch, to exercise the drain loop.
    let total = BATCH_SIZE + 20;
    for n in 0..total {
        outbox.enqueue("test.ping", &json!({"n": n})).unwrap();
    }
    worker.wake();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while outbox.depth().unwrap() > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "worker did not drain"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(sim.stored_events().unwrap().len(), total);
    worker.shutdown();
}
