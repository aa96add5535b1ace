//! Whole-process benchmark of an A4 print through a real cupsd: from "print" (the printer
//! check) to the job seen completed, on the `manassa-pdf` queue of scripts/cups-up.sh, and
//! how that time splits between the kiosk and CUPS.
//!
//! ```sh
//! scripts/cups-up.sh && cargo run --release -p manassa-devices --example a4_bench -- [RUNS]
//! ```
//!
//! Per run: Get-Printer-Attributes (check), Print-Job (CUPS spools the PDF), then
//! Get-Job-Attributes polls until `completed` (CUPS runs pdftopdf and the backend). CPU
//! time: the kiosk's from /proc/self/task/*/schedstat (ns), cupsd's and its reaped filters'
//! and backends' from /proc/PID/stat (utime+stime+cutime+cstime, clock ticks).

use std::time::{Duration, Instant};

use manassa_core::kind::DocumentKind;
use manassa_devices::a4::{A4Job, A4Sink, JobEnd, WaitPolicy};
use manassa_documents::{pdf, seal};

const QUEUE: &str = "manassa-pdf";
const SPOOL: &str = "/var/spool/manassa-pdf";

fn permit_pdf() -> Vec<u8> {
    let key = p256::ecdsa::SigningKey::from_slice(&[42u8; 32]).unwrap();
    pdf::write(&seal::sealed_sample(
        DocumentKind::BuildingPermit,
        "b-1",
        &key,
    ))
    .unwrap()
}

/// CPU time of this process, all threads (ns).
fn own_cpu_ns() -> u64 {
    std::fs::read_dir("/proc/self/task")
        .map(|rd| {
            rd.flatten()
                .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
                .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
                .sum()
        })
        .unwrap_or(0)
}

/// Every cupsd process (the test scheduler, and any other a developer runs).
fn cupsd_pids() -> Vec<u32> {
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    rd.flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let comm = std::fs::read_to_string(e.path().join("comm")).ok()?;
            (comm.trim() == "cupsd").then_some(pid)
        })
        .collect()
}

/// CPU time of the cupsd processes with their reaped children (filters, backends), in
/// clock ticks.
fn cups_cpu_ticks(pids: &[u32]) -> u64 {
    pids.iter()
        .map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // Fields after the ")" of comm start at field 3; utime..cstime are 14..17.
            let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
            rest.split_whitespace()
                .skip(11)
                .take(4)
                .filter_map(|x| x.parse::<u64>().ok())
                .sum::<u64>()
        })
        .sum()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

struct Run {
    check: f64,
    submit: f64,
    wait: f64,
    total: f64,
}

async fn one(sink: &A4Sink, pdf: &[u8], policy: &WaitPolicy, n: usize) -> Run {
    let t0 = Instant::now();
    sink.check().await.expect("manassa-pdf can print");
    let t1 = Instant::now();
    let job = sink
        .submit(pdf, &format!("bench-{n}"), 1)
        .await
        .expect("Print-Job");
    let t2 = Instant::now();
    let end = sink.wait(&job, policy).await;
    let t3 = Instant::now();
    assert_eq!(end, JobEnd::Completed);
    if let A4Job::Cups { id, .. } = job {
        let _ = std::fs::remove_file(format!("{SPOOL}/{id}-bench-{n}.pdf"));
    }
    Run {
        check: ms(t1 - t0),
        submit: ms(t2 - t1),
        wait: ms(t3 - t2),
        total: ms(t3 - t0),
    }
}

fn report(label: &str, runs: &[Run]) {
    let col = |f: fn(&Run) -> f64| -> (f64, f64, f64) {
        let mut v: Vec<f64> = runs.iter().map(f).collect();
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        (percentile(&mut v, 0.5), percentile(&mut v, 0.95), mean)
    };
    println!("{label} ({} runs), ms: median / p95 / mean", runs.len());
    for (name, f) in [
        (
            "check  (Get-Printer-Attributes)",
            (|r: &Run| r.check) as fn(&Run) -> f64,
        ),
        ("submit (Print-Job, 1 copy)", |r: &Run| r.submit),
        ("wait   (until job completed)", |r: &Run| r.wait),
        ("total  print → completed", |r: &Run| r.total),
    ] {
        let (p50, p95, mean) = col(f);
        println!("  {name:<34} {p50:8.1} {p95:8.1} {mean:8.1}");
    }
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let sink = A4Sink::Cups {
        queue: QUEUE.into(),
    };
    if let Err(e) = rt.block_on(sink.status()) {
        eprintln!("{e}: start cupsd and the test queues with scripts/cups-up.sh");
        std::process::exit(2);
    }
    let cupsd = cupsd_pids();
    assert!(!cupsd.is_empty(), "no cupsd process");
    let tick_ns = 1e9 / 100.0; // USER_HZ is 100 on Linux
    let pdf = permit_pdf();
    println!(
        "A4 print through cupsd, queue {QUEUE}, permit PDF of {} bytes",
        pdf.len()
    );
    // Warm up: the first job loads filters and fonts into the page cache.
    for n in 0..2 {
        rt.block_on(one(&sink, &pdf, &WaitPolicy::default(), n));
    }

    for (label, policy) in [
        (
            "default policy (polls from 20 ms, doubling up to 250 ms)",
            WaitPolicy::default(),
        ),
        (
            "tight polling (every 5 ms), to see the CUPS side alone",
            WaitPolicy {
                max_poll: Duration::from_millis(5),
                ..WaitPolicy::default()
            },
        ),
    ] {
        let (cpu0, cups0) = (own_cpu_ns(), cups_cpu_ticks(&cupsd));
        let wall0 = Instant::now();
        let results: Vec<Run> = (0..runs)
            .map(|n| rt.block_on(one(&sink, &pdf, &policy, 100 + n)))
            .collect();
        let wall = wall0.elapsed().as_secs_f64() * 1e9;
        let kiosk_cpu = (own_cpu_ns() - cpu0) as f64;
        let cups_cpu = (cups_cpu_ticks(&cupsd) - cups0) as f64 * tick_ns;
        report(label, &results);
        let per = |x: f64| x / runs as f64 / 1e6;
        println!(
            "  CPU per print: kiosk {:.1} ms ({:.1} % of the wall time), cupsd + filters + \
             backend {:.1} ms ({:.1} %); the rest ({:.1} %) is waiting (process start-up, \
             I/O, polling interval)",
            per(kiosk_cpu),
            100.0 * kiosk_cpu / wall,
            per(cups_cpu),
            100.0 * cups_cpu / wall,
            100.0 * (1.0 - (kiosk_cpu + cups_cpu) / wall)
        );
    }

    // The old way, for comparison: `lp` to submit (a process per job).
    let tmp = std::env::temp_dir().join("manassa-a4-bench.pdf");
    std::fs::write(&tmp, &pdf).unwrap();
    let mut lp = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let out = std::process::Command::new("lp")
            .args(["-d", QUEUE, "-t", "bench-lp", "-n", "1"])
            .arg(&tmp)
            .output()
            .expect("lp (cups-client)");
        assert!(out.status.success());
        lp.push(ms(t.elapsed()));
    }
    let _ = std::fs::remove_file(&tmp);
    let mean = lp.iter().sum::<f64>() / lp.len() as f64;
    println!(
        "for comparison, submitting with `lp` (what the kiosk did before): median {:.1} ms, mean {mean:.1} ms",
        percentile(&mut lp, 0.5)
    );
    // Let the lp jobs finish and clear their spool files.
    std::thread::sleep(Duration::from_secs(2));
    if let Ok(rd) = std::fs::read_dir(SPOOL) {
        for e in rd.flatten() {
            if e.file_name().to_string_lossy().contains("bench-lp") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}
