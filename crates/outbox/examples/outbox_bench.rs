//! Outbox benchmark (DESIGN §13: enqueue p99 within 2× of one fsync; 10,000 queued events
//! drained against the reference server in under 10 s).
//!
//! ```sh
//! cargo run --release -p manassa-outbox --example outbox_bench -- [--dir DIR] [--enqueues N] [--drain N]
//! ```
//!
//! - enqueue: `Outbox::enqueue` (one committed transaction, WAL, `synchronous=FULL`) of a
//!   ~200-byte event, timed one by one; next to it a bare append of the same size plus
//!   `fsync` (and `fdatasync`) on a file in the same folder, i.e. on the same disk.
//! - drain: N events queued, then delivered to the reference server (in process,
//!   file-backed with WAL + `synchronous=FULL`, over loopback HTTP) by `sync_once` rounds
//!   until the queue is empty, for batch sizes 100 (the default) and 500.
//!
//! Prints p50/p99/max in microseconds and the drain times. Numbers, not assertions.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use manassa_ministry_api::client::Client;
use manassa_outbox::{Outbox, SyncPolicy, enqueue_tx};
use manassa_sim::{SimConfig, spawn};
use serde_json::json;

struct Args {
    dir: PathBuf,
    enqueues: usize,
    drain: usize,
}

fn args() -> Args {
    let mut a = Args {
        dir: std::env::temp_dir(),
        enqueues: 2000,
        drain: 10_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--dir" => a.dir = PathBuf::from(value),
            "--enqueues" => a.enqueues = value.parse().expect("--enqueues N"),
            "--drain" => a.drain = value.parse().expect("--drain N"),
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

/// p50, p99 and max of `samples`, in microseconds.
fn summary(samples: &mut [Duration]) -> (f64, f64, f64) {
    samples.sort();
    let at = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples[i].as_secs_f64() * 1e6
    };
    (at(0.50), at(0.99), at(1.0))
}

fn event(n: usize) -> serde_json::Value {
    json!({
        "kiosk": "K01",
        "doc": "doc-bp-004512",
        "kind": "building_permit",
        "pages": 2,
        "n": n,
        "at": "2026-11-29T21:00:00.000Z",
        "note": "printed A4 original and ticket"
    })
}

fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

fn bench_enqueue(dir: &Path, n: usize) {
    let db = dir.join(format!("outbox-bench-{}.sqlite", std::process::id()));
    remove_db(&db);
    let outbox = Outbox::open(&db).expect("open outbox");
    for i in 0..50 {
        outbox.enqueue("print.audit", &event(i)).unwrap(); // warm-up
    }
    let mut enq = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        outbox.enqueue("print.audit", &event(i)).unwrap();
        enq.push(t.elapsed());
    }
    drop(outbox);
    remove_db(&db);

    let record = event(0).to_string();
    let bare = dir.join(format!("fsync-bench-{}.bin", std::process::id()));
    let mut fsync = Vec::with_capacity(n);
    let mut fdatasync = Vec::with_capacity(n);
    {
        let mut f = std::fs::File::create(&bare).unwrap();
        for i in 0..(n + 50) {
            let t = Instant::now();
            f.write_all(record.as_bytes()).unwrap();
            f.sync_all().unwrap();
            if i >= 50 {
                fsync.push(t.elapsed());
            }
            let t = Instant::now();
            f.write_all(record.as_bytes()).unwrap();
            f.sync_data().unwrap();
            if i >= 50 {
                fdatasync.push(t.elapsed());
            }
        }
    }
    let _ = std::fs::remove_file(&bare);

    let (e50, e99, emax) = summary(&mut enq);
    let (f50, f99, fmax) = summary(&mut fsync);
    let (d50, d99, dmax) = summary(&mut fdatasync);
    println!("enqueue latency, {n} samples, folder {}:", dir.display());
    println!(
        "  {:<38} {:>9} {:>9} {:>9}",
        "", "p50 µs", "p99 µs", "max µs"
    );
    println!(
        "  {:<38} {e50:>9.0} {e99:>9.0} {emax:>9.0}",
        "Outbox::enqueue (WAL, synchronous=FULL)"
    );
    println!(
        "  {:<38} {f50:>9.0} {f99:>9.0} {fmax:>9.0}",
        "append + fsync"
    );
    println!(
        "  {:<38} {d50:>9.0} {d99:>9.0} {dmax:>9.0}",
        "append + fdatasync"
    );
    println!("  enqueue p99 / fsync p99 = {:.2} (target <= 2)", e99 / f99);
}

async fn bench_drain(dir: &Path, n: usize, batch: usize) {
    let tag = format!("{}-{batch}", std::process::id());
    let db = dir.join(format!("outbox-drain-{tag}.sqlite"));
    let server_db = dir.join(format!("ministry-drain-{tag}.sqlite"));
    remove_db(&db);
    remove_db(&server_db);
    let outbox = Arc::new(Outbox::open(&db).expect("open outbox"));
    // Setup, not measured: queue n events in a few transactions.
    for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
        outbox
            .with_transaction(|tx| {
                for &i in chunk {
                    enqueue_tx(tx, "print.audit", &event(i))?;
                }
                Ok(())
            })
            .unwrap();
    }
    let sim = spawn(
        SimConfig {
            db_path: Some(server_db.clone()),
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .expect("reference server");
    let client = Client::new(&sim.base_url(), "demo-kiosk-token", Duration::from_secs(30)).unwrap();
    let policy = SyncPolicy {
        batch,
        ..SyncPolicy::default()
    };
    let t = Instant::now();
    let mut rounds = 0;
    loop {
        rounds += 1;
        let r = outbox
            .sync_once_with(&client, &policy)
            .await
            .expect("sync round");
        if r.remaining == 0 {
            break;
        }
    }
    let took = t.elapsed();
    let stored = sim.stored_events().unwrap().len();
    assert_eq!(stored, n, "every event stored once");
    println!(
        "drain {n} events, batch {batch}: {:.2} s in {rounds} requests ({:.0} events/s; target < 10 s)",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64()
    );
    drop(sim);
    drop(outbox);
    remove_db(&db);
    remove_db(&server_db);
}

fn main() {
    let a = args();
    bench_enqueue(&a.dir, a.enqueues);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        bench_drain(&a.dir, a.drain, 100).await;
        bench_drain(&a.dir, a.drain, 500).await;
    });
}
