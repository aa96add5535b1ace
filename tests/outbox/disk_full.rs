//! Disk full: a write that does not fit fails with `OutboxError::DiskFull` and a
//! message a technician can act on, and nothing committed before is lost (checked by
//! reopening the file and counting).
//!
//! Two ways to be full: the outbox's own size cap ([`Outbox::open_limited`], works
//! anywhere), and a real filesystem out of space (a 1 MiB tmpfs; mounting it needs root,
//! which `scripts/test.sh` and CI have).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use manassa_outbox::{Outbox, OutboxError};
use serde_json::json;

use crate::support::{TempDir, client, integrity, sim};

/// A complaint-sized payload, different per `n`.
fn payload(n: usize) -> serde_json::Value {
    json!({"n": n, "text": format!("{n:04}-{}", "long complaint text ".repeat(50))})
}

/// Enqueues until the first error; returns (events committed, the error).
fn fill(outbox: &Outbox, from: usize) -> (usize, OutboxError) {
    for n in from.. {
        if let Err(e) = outbox.enqueue("complaint.filed", &payload(n)) {
            return (n - from, e);
        }
        assert!(n - from < 100_000, "never became full");
    }
    unreachable!()
}

fn assert_clear_disk_full(e: &OutboxError) {
    assert!(
        matches!(e, OutboxError::DiskFull),
        "expected DiskFull, got {e:?}"
    );
    let msg = e.to_string();
    assert!(msg.contains("full"), "{msg}");
    assert!(msg.contains("queued events are kept"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn size_limit_gives_disk_full_keeps_committed_rows_and_frees_room_on_delivery() {
    let dir = TempDir::new("outbox-size-limit");
    let db = dir.join("outbox.sqlite");
    let outbox = Arc::new(Outbox::open_limited(&db, 256 * 1024).unwrap());
    let (committed, err) = fill(&outbox, 0);
    assert!(committed > 10, "only {committed} events fit in 256 KiB");
    assert_clear_disk_full(&err);
    assert_eq!(
        outbox.depth().unwrap(),
        committed,
        "the failed write left nothing"
    );
    // Still full for the next one, still nothing lost.
    assert!(matches!(
        outbox.enqueue("complaint.filed", &payload(0)),
        Err(OutboxError::DiskFull)
    ));

    // Delivering frees pages: the queue takes events again.
    let sim = sim(None).await;
    let c = client(&sim.base_url(), Duration::from_secs(10));
    while outbox.depth().unwrap() > 0 {
        outbox.sync_once(&c).await.unwrap();
    }
    assert_eq!(sim.stored_events().unwrap().len(), committed);
    outbox
        .enqueue("complaint.filed", &payload(committed))
        .expect("room again after delivery");
    drop(outbox);

    // Reopened without the cap: everything committed is there, the file is sound.
    let reopened = Outbox::open(&db).unwrap();
    assert_eq!(reopened.depth().unwrap(), 1);
    assert!(reopened.integrity_check().unwrap().is_empty());
    assert_eq!(integrity(&db), "ok");
}

/// A tmpfs of `size` mounted on a fresh folder; unmounted on drop.
struct Tmpfs {
    dir: TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Tmpfs {
        let dir = TempDir::new("outbox-tmpfs");
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir.0)
            .output()
            .expect("running mount(8)");
        assert!(
            out.status.success(),
            "this test mounts a tmpfs and needs root (scripts/test.sh runs as root): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs { dir }
    }

    fn join(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.dir.0).status();
    }
}

/// Writes zeros to `path` until the filesystem is full.
fn fill_disk(path: &Path) {
    let mut f = std::fs::File::create(path).unwrap();
    let block = vec![0u8; 4096];
    loop {
        match f.write(&block) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.raw_os_error() == Some(28) => break, // ENOSPC
            Err(e) => panic!("filling the disk: {e}"),
        }
    }
    let _ = f.sync_all();
}

#[test]
fn a_full_filesystem_gives_disk_full_and_loses_nothing_committed() {
    let fs = Tmpfs::mount("1m");
    let db = fs.join("outbox.sqlite");
    let filler = fs.join("filler");
    let outbox = Outbox::open(&db).unwrap();
    let mut committed = 0;
    for n in 0..20 {
        outbox.enqueue("complaint.filed", &payload(n)).unwrap();
        committed += 1;
    }
    // Something else (logs, papers) takes the rest of the partition.
    fill_disk(&filler);
    let (more, err) = fill(&outbox, committed);
    committed += more;
    assert_clear_disk_full(&err);
    assert_eq!(outbox.depth().unwrap(), committed);
    drop(outbox);

    // Reopened while the disk is still full: the rows are readable.
    match Outbox::open(&db) {
        Ok(o) => assert_eq!(o.depth().unwrap(), committed),
        // Opening may need room (WAL index); that too must say "full".
        Err(e) => assert!(matches!(e, OutboxError::DiskFull), "{e:?}"),
    }

    // Room is made: every committed row is there, the file is sound, writes work.
    std::fs::remove_file(&filler).unwrap();
    let outbox = Outbox::open(&db).unwrap();
    assert_eq!(outbox.depth().unwrap(), committed);
    assert!(outbox.integrity_check().unwrap().is_empty());
    outbox
        .enqueue("complaint.filed", &payload(committed))
        .unwrap();
    let payloads: Vec<usize> = {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let mut stmt = conn
            .prepare("SELECT payload FROM outbox ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|p| {
                let v: serde_json::Value = serde_json::from_str(&p.unwrap()).unwrap();
                v["n"].as_u64().unwrap() as usize
            })
            .collect()
    };
    assert_eq!(
        payloads,
        (0..=committed).collect::<Vec<_>>(),
        "in order, none missing"
    );
}

/// Write zeros to `path` until the filesystem is full, then `keep` bytes fewer: the room
/// something else left.
fn fill_disk_leaving(path: &Path, keep: u64) {
    fill_disk(path);
    let len = std::fs::metadata(path).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .set_len(len.saturating_sub(keep))
        .unwrap();
}

#[test]
fn a_full_partition_opens_with_the_reserve_and_starts_degraded_without_it() {
    use manassa_outbox::space;
    let fs = Tmpfs::mount("24m");
    let db = fs.join("outbox.sqlite");
    let filler = fs.join("filler");
    let outbox = Outbox::open(&db).unwrap();
    assert!(
        space::reserve_path(&db).exists(),
        "a reserve is kept while there is room"
    );
    for n in 0..5 {
        outbox.enqueue("complaint.filed", &payload(n)).unwrap();
    }
    drop(outbox);
    // Something else takes every byte; the WAL and its index were removed at close.
    fill_disk(&filler);

    // The kiosk still starts: the reserve gives the room to open, and to queue.
    let outbox = Outbox::open(&db).expect("opens on a full partition");
    assert!(!space::reserve_path(&db).exists(), "the reserve was used");
    assert_eq!(outbox.depth().unwrap(), 5);
    outbox.enqueue("complaint.filed", &payload(5)).unwrap();
    drop(outbox);

    // Full again, and no reserve left: a degraded start, not a crash loop.
    fill_disk(&fs.join("filler2"));
    assert!(matches!(Outbox::open(&db), Err(OutboxError::DiskFull)));
    let outbox = Outbox::open_or_degraded(&db).expect("starts degraded");
    assert!(outbox.is_degraded());
    let st = outbox.status().unwrap();
    assert!(st.degraded, "status says so");
    assert!(st.free_bytes.unwrap() < space::RESERVE_BYTES);
    // Nothing is accepted that could be lost.
    assert!(matches!(
        outbox.enqueue("complaint.filed", &payload(6)),
        Err(OutboxError::DiskFull)
    ));

    // Space returns: the same outbox opens its file, with every row, and queues again.
    std::fs::remove_file(&filler).unwrap();
    std::fs::remove_file(fs.join("filler2")).unwrap();
    outbox.enqueue("complaint.filed", &payload(6)).unwrap();
    assert!(!outbox.is_degraded());
    assert_eq!(outbox.depth().unwrap(), 7);
    assert!(outbox.integrity_check().unwrap().is_empty());
    assert!(
        space::reserve_path(&db).exists(),
        "the reserve is made again once there is room"
    );
}

#[test]
fn dead_letters_are_requeued_one_by_one_on_a_nearly_full_partition() {
    let fs = Tmpfs::mount("24m");
    let db = fs.join("outbox.sqlite");
    drop(Outbox::open(&db).unwrap());
    // Forty dead letters, as a hostile ministry would leave them (checkpointed at close).
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        for n in 0..40 {
            conn.execute(
                "INSERT INTO dead_letters (idempotency_key, kind, payload, created_at, attempts, failed_at)
                 VALUES (?1, 'complaint.filed', ?2, '2026-12-06T07:00:00Z', 25, '2026-12-06T08:00:00Z')",
                rusqlite::params![
                    uuid_like(n),
                    serde_json::to_string(&payload(n)).unwrap()
                ],
            )
            .unwrap();
        }
    }
    let outbox = Outbox::open(&db).unwrap();
    // The partition fills up but for a little room (the reserve is spent already).
    std::fs::remove_file(manassa_outbox::space::reserve_path(&db)).unwrap();
    fill_disk_leaving(&fs.join("filler"), 96 * 1024);
    let ids: Vec<i64> = outbox
        .dead_letters()
        .unwrap()
        .iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(ids.len(), 40);
    for (i, id) in ids.iter().enumerate() {
        outbox
            .requeue(*id)
            .unwrap_or_else(|e| panic!("re-queue {} of 40 failed: {e}", i + 1));
    }
    assert_eq!(outbox.depth().unwrap(), 40);
    assert!(outbox.dead_letters().unwrap().is_empty());
}

/// A UUID-shaped idempotency key for row `n`.
fn uuid_like(n: usize) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

#[test]
fn doctor_names_a_full_data_partition() {
    use manassa::maintenance::Level;
    let fs = Tmpfs::mount("24m");
    let db = fs.join("outbox.sqlite");
    drop(Outbox::open(&db).unwrap());
    let check = manassa::maintenance::doctor::data_partition(&db);
    assert_eq!(check.level, Level::Ok, "{check:?}");
    fill_disk(&fs.join("filler"));
    let check = manassa::maintenance::doctor::data_partition(&db);
    assert_eq!(check.level, Level::Fail, "{check:?}");
    assert!(check.detail.contains("full"), "{}", check.detail);
    assert!(check.detail.contains("free space"), "{}", check.detail);
}
