//! Crash test of the outbox (DESIGN §5: nothing lost on kill -9, nothing
//! delivered twice).
//!
//! The real `manassa` binary runs `outbox soak`: it enqueues events and a fast sync worker
//! delivers them to the reference server (in this process, file-backed) over loopback,
//! while the child prints `committed <key>` after each commit. The test kills it with
//! SIGKILL at random points 50 times, restarting it each time on the same database, then
//! drains with `manassa outbox drain` and checks, against the server's stored events:
//! every reported key arrived, each event exactly once, the events of each run form an
//! unbroken sequence, and both databases pass `PRAGMA integrity_check`.
//!
//! The kill points come from a seeded generator; the seed is printed, and
//! `MANASSA_CRASH_SEED=<n>` replays a run.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::BufRead as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::{Rng as _, SeedableRng as _};
use uuid::Uuid;

use crate::support::{TOKEN, TempDir, integrity, sim};

const KILLS: usize = 50;
/// Events each child would enqueue if left alone (more than it manages before the kill).
const COUNT_PER_RUN: u64 = 2000;

fn manassa() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_manassa"));
    cmd.env("RUST_LOG", "error");
    cmd
}

/// Keys of the rows still in the outbox database (read through a separate connection).
/// A child killed during its first start-up leaves a file without tables (the migration
/// is one transaction): nothing queued.
fn queued_keys(db: &Path) -> HashSet<Uuid> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let has_table: bool = conn
        .query_row(
            "SELECT COUNT(*) > 0 FROM sqlite_master WHERE name = 'outbox'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    if !has_table {
        return HashSet::new();
    }
    let mut stmt = conn.prepare("SELECT idempotency_key FROM outbox").unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|k| Uuid::parse_str(&k.unwrap()).unwrap())
        .collect()
}

#[test]
fn sigkill_at_random_points_loses_nothing_and_delivers_each_event_once() {
    let seed: u64 = std::env::var("MANASSA_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("crash test seed: {seed} (replay with MANASSA_CRASH_SEED={seed})");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);

    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = TempDir::new("outbox-crash");
    let server_db = dir.join("ministry.sqlite");
    let outbox_db = dir.join("outbox.sqlite");
    let sim = rt.block_on(sim(Some(server_db.clone())));
    let url = sim.base_url();

    // Keys each run reported as committed, by run tag.
    let mut reported: BTreeMap<String, Vec<Uuid>> = BTreeMap::new();
    let (mut kills, mut runs, mut finished) = (0, 0, 0);
    let started = Instant::now();
    while kills < KILLS {
        runs += 1;
        let tag = format!("run-{runs:03}");
        let mut child = manassa()
            .args(["outbox", "soak", "--db"])
            .arg(&outbox_db)
            .args(["--url", &url, "--token", TOKEN, "--tag", &tag])
            .args(["--count", &COUNT_PER_RUN.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the manassa binary starts");
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<_>>()
        });

        // Anywhere from process start-up (before the database is open) to deep into
        // enqueueing and syncing. The first kill lands early, most often while the
        // fresh database is being created and migrated.
        let delay = if runs == 1 {
            rng.random_range(5..40)
        } else {
            rng.random_range(2..400)
        };
        let deadline = Instant::now() + Duration::from_millis(delay);
        let exited = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if Instant::now() >= deadline {
                break None;
            }
            std::thread::sleep(Duration::from_millis(2));
        };
        match exited {
            Some(status) => {
                assert!(status.success(), "soak run {tag} failed: {status}");
                finished += 1;
            }
            None => {
                child.kill().unwrap(); // SIGKILL on Unix
                child.wait().unwrap();
                kills += 1;
            }
        }
        // A line cut by the kill does not parse: its event was committed but not
        // reported, which the checks below allow (one per run).
        let keys: Vec<Uuid> = reader
            .join()
            .unwrap()
            .iter()
            .filter_map(|l| l.strip_prefix("committed "))
            .filter_map(|k| Uuid::parse_str(k).ok())
            .collect();
        reported.insert(tag, keys);

        // After every kill: the file is sound and each reported key is queued or
        // delivered.
        let queued = if outbox_db.exists() {
            assert_eq!(integrity(&outbox_db), "ok", "after run {runs}");
            queued_keys(&outbox_db)
        } else {
            HashSet::new()
        };
        let stored: HashSet<Uuid> = sim.stored_events().unwrap().iter().map(|e| e.0).collect();
        for key in reported.values().flatten() {
            assert!(
                queued.contains(key) || stored.contains(key),
                "committed event {key} is neither queued nor delivered after run {runs}"
            );
        }
    }

    // Drain what is left with the technician's command.
    let cfg = dir.join("manassa.toml");
    std::fs::write(
        &cfg,
        format!(
            "[ministry]\nbase_url = \"{url}\"\nkiosk_token = \"{TOKEN}\"\n\
             [outbox]\npath = \"{}\"\n",
            outbox_db.display()
        ),
    )
    .unwrap();
    let out = manassa()
        .args(["outbox", "drain", "--timeout-s", "30", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "drain failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("still queued 0"), "{text}");
    let status = manassa()
        .args(["outbox", "status", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    let status = String::from_utf8_lossy(&status.stdout);
    assert!(status.contains("queued:              0"), "{status}");
    assert!(status.contains("dead letters:        0"), "{status}");

    // What the ministry holds.
    let stored = sim.stored_events().unwrap();
    let stored_keys: HashSet<Uuid> = stored.iter().map(|e| e.0).collect();
    assert_eq!(stored_keys.len(), stored.len(), "a key stored twice");
    let mut seqs: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut audits = 0;
    for (_, kind, payload) in &stored {
        if kind == "technician_action" {
            // The drain audits itself.
            assert_eq!(payload["action"], "outbox.drain");
            audits += 1;
            continue;
        }
        assert_eq!(kind, "test.soak");
        let tag = payload["tag"].as_str().unwrap().to_owned();
        seqs.entry(tag)
            .or_default()
            .push(payload["seq"].as_u64().unwrap());
    }
    let mut unreported = 0;
    for (tag, keys) in &reported {
        for key in keys {
            assert!(
                stored_keys.contains(key),
                "committed {key} ({tag}) was lost"
            );
        }
        let got = seqs.remove(tag).unwrap_or_default();
        // Each event once, none missing in the middle: exactly 0..n.
        let distinct: BTreeSet<u64> = got.iter().copied().collect();
        assert_eq!(distinct.len(), got.len(), "{tag}: an event stored twice");
        let n = got.len() as u64;
        assert_eq!(distinct, (0..n).collect(), "{tag}: a gap in the sequence");
        // At most the one event committed just before the kill went unreported.
        let extra = n
            .checked_sub(keys.len() as u64)
            .expect("more reported than stored");
        assert!(
            extra <= 1,
            "{tag}: {extra} events stored but never reported"
        );
        unreported += extra;
    }
    assert!(seqs.is_empty(), "events from unknown runs: {seqs:?}");
    assert_eq!(audits, 1, "the drain's own audit event, once");
    let total_reported: usize = reported.values().map(Vec::len).sum();
    assert!(total_reported > 0, "no run committed anything");

    assert_eq!(integrity(&outbox_db), "ok");
    drop(sim);
    assert_eq!(integrity(&server_db), "ok");
    eprintln!(
        "{runs} runs ({kills} killed, {finished} finished), {} events stored \
         ({total_reported} reported, {unreported} committed just before a kill), {:.1} s",
        stored.len(),
        started.elapsed().as_secs_f64()
    );
}
