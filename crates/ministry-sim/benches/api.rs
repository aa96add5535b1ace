//! Ministry API benchmarks on loopback (`cargo bench -p manassa-sim --bench api`), two figures:
//!
//! 1. Requests/s of the reference server for `GET /v1/documents/{id}` (a sealed building
//!    permit, resident session checked on every request): a Rust load generator with 1,
//!    4 and 16 keep-alive connections, each run bounded to 20,000 requests and 10 s.
//! 2. The kiosk's latency from "code verified" to "document ready": the typed client's
//!    `fetch_document`, then what the kiosk does before printing — the payload's typed
//!    fields, the seal checked against the cached keys, the A4 layout and the PDF bytes
//!    (`documents::{kinds, seal, layout, pdf}`) — 200 runs, percentiles in ms.
//!
//! The server and the load run in one process on separate runtimes (the server gets two
//! worker threads); on a 2-core machine they share the cores, so figure 1 is a floor.
//! Loopback only. Without `--bench` (as `cargo test --all-targets` runs it) or with
//! `--quick` it makes a short smoke run that only checks every request succeeds.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use manassa_documents::{kinds, layout, pdf, seal};
use manassa_ministry_api::client::Client;
use manassa_ministry_api::{IdMethod, ResidentSession};
use manassa_sim::{self, SimConfig};

const TOKEN: &str = "bench-kiosk-token";
const QID: &str = "28463400123";
const DOC: &str = "doc-bp-004512";

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

async fn login(client: &Client) -> ResidentSession {
    let ch = client.start_challenge(QID, IdMethod::Card).await.unwrap();
    let code = client.demo_sms_code(&ch.challenge_id).await.unwrap();
    client.verify_code(&ch.challenge_id, &code).await.unwrap()
}

/// One keep-alive connection per worker; each worker fetches until the shared budget or
/// the deadline runs out. Returns (requests done, errors, seconds).
async fn load(
    base: &str,
    session: &ResidentSession,
    connections: usize,
    budget: u64,
    max: Duration,
) -> (u64, u64, f64) {
    let left = Arc::new(AtomicU64::new(budget));
    let errors = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + max;
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let client = Client::new(base, TOKEN, Duration::from_secs(10)).unwrap();
        let (left, errors, session) = (left.clone(), errors.clone(), session.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline
                && left
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                    .is_ok()
            {
                if client.fetch_document(&session, DOC).await.is_err() {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    (
        budget - left.load(Ordering::Relaxed),
        errors.load(Ordering::Relaxed),
        secs,
    )
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = !args.iter().any(|a| a == "--bench") || args.iter().any(|a| a == "--quick");
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("sim")
        .enable_all()
        .build()
        .unwrap();
    let sim = server_rt
        .block_on(manassa_sim::spawn(
            SimConfig {
                kiosk_tokens: vec![TOKEN.to_owned()],
                demo_sms: true,
                ..SimConfig::default()
            },
            SocketAddr::from(([127, 0, 0, 1], 0)),
        ))
        .unwrap();
    let base = sim.base_url();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    rt.block_on(async {
        let client = Client::new(&base, TOKEN, Duration::from_secs(10)).unwrap();
        let session = login(&client).await;
        let doc = client.fetch_document(&session, DOC).await.unwrap();
        let body_len = serde_json::to_vec(&doc).unwrap().len();
        println!(
            "document fetch: GET /v1/documents/{DOC}, {body_len} B JSON, sealed: {}",
            doc.seal.is_some()
        );

        // Warm-up, then the measured runs.
        load(
            &base,
            &session,
            4,
            if quick { 50 } else { 2_000 },
            Duration::from_secs(5),
        )
        .await;
        let budget = if quick { 200 } else { 20_000 };
        for connections in [1usize, 4, 16] {
            let (done, errors, secs) =
                load(&base, &session, connections, budget, Duration::from_secs(10)).await;
            assert_eq!(errors, 0, "every fetch succeeds on an undisturbed loopback");
            println!(
                "  {connections:>2} connections: {done} requests in {secs:.2} s = {:.0} req/s ({errors} errors)",
                done as f64 / secs
            );
        }

        // Code verified → document ready.
        let keys = seal::KeySet::from_json(&serde_json::json!({ "keys": client.keys().await.unwrap() })).unwrap();
        let runs = if quick { 5 } else { 200 };
        let mut total = Vec::with_capacity(runs);
        let mut fetch = Vec::with_capacity(runs);
        let mut pdf_bytes = 0;
        for _ in 0..runs {
            let t0 = Instant::now();
            let doc = client.fetch_document(&session, DOC).await.unwrap();
            let t1 = Instant::now();
            let content = kinds::content(doc.kind, &doc.payload).unwrap();
            let s = doc.seal.as_deref().expect("the simulator seals every paper");
            let fetched = seal::Fetched {
                document_id: &doc.id,
                holder_ref: doc.holder_ref.as_deref(),
            };
            seal::verify_content(s, &keys, fetched, &content).unwrap();
            let qr = seal::qr_symbol(&seal::qr_text(seal::DEFAULT_VERIFIER_URL, s)).unwrap();
            let bytes = pdf::write(&layout::paper(&content, Some(&qr))).unwrap();
            let t2 = Instant::now();
            pdf_bytes = bytes.len();
            fetch.push((t1 - t0).as_secs_f64() * 1e3);
            total.push((t2 - t0).as_secs_f64() * 1e3);
        }
        for v in [&mut total, &mut fetch] {
            v.sort_by(f64::total_cmp);
        }
        println!(
            "code verified → document ready ({runs} runs, PDF {pdf_bytes} B): \
             p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            percentile(&total, 0.5),
            percentile(&total, 0.95),
            percentile(&total, 0.99),
            total[runs - 1]
        );
        println!(
            "  of which fetch_document: p50 {:.2} ms, p95 {:.2} ms",
            percentile(&fetch, 0.5),
            percentile(&fetch, 0.95)
        );
    });
    drop(sim);
}
