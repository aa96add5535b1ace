//! A4 jobs after CUPS accepted them, against a scheduler that misbehaves: an IPP server on
//! loopback that accepts Print-Job, then fails Get-Job-Attributes or Cancel-Job with HTTP
//! errors. An accepted official paper must never be left queued to print later for
//! whoever stands at the kiosk: the kiosk cancels it with retries and, when it cannot
//! confirm the outcome, says `unknown`.
//!
//! One test function: the sink finds the scheduler through `CUPS_SERVER`, which is set
//! once, before any thread of this process could read the environment.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use manassa_devices::a4::{A4Sink, CANCEL_ATTEMPTS, JobEnd, PrinterProblem, WaitPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const PRINT_JOB: u16 = 0x0002;
const CANCEL_JOB: u16 = 0x0008;
const GET_JOB_ATTRIBUTES: u16 = 0x0009;
const GET_PRINTER_ATTRIBUTES: u16 = 0x000B;

/// What one queue of the hostile scheduler does.
#[derive(Clone, Copy)]
struct Script {
    /// Get-Job-Attributes answers HTTP 500.
    poll_fails: bool,
    /// Cancel-Job answers HTTP 503 this many times before it works (`u32::MAX`: never).
    cancel_failures: u32,
    /// After Print-Job the printer reports `media-empty-error`.
    paper_runs_out: bool,
}

#[derive(Default)]
struct Queue {
    printed: bool,
    cancel_requests: u32,
    cancelled: bool,
}

type State = Arc<Mutex<HashMap<String, Queue>>>;

fn script(queue: &str) -> Script {
    match queue {
        "lost-poll" => Script {
            poll_fails: true,
            cancel_failures: 2,
            paper_runs_out: false,
        },
        "never-cancels" => Script {
            poll_fails: true,
            cancel_failures: u32::MAX,
            paper_runs_out: false,
        },
        "paper-out-cancel-fails" => Script {
            poll_fails: false,
            cancel_failures: 1,
            paper_runs_out: true,
        },
        _ => Script {
            poll_fails: false,
            cancel_failures: 1,
            paper_runs_out: false,
        },
    }
}

/// An IPP/1.1 answer (RFC 8010 §3.1.1): `attrs` are (group tag, value tag, name, value).
fn ipp(request_id: [u8; 4], attrs: &[(u8, u8, &str, Vec<u8>)]) -> Vec<u8> {
    let mut b = vec![1, 1, 0, 0];
    b.extend_from_slice(&request_id);
    b.push(0x01);
    for (tag, name, value) in [
        (0x47u8, "attributes-charset", b"utf-8".to_vec()),
        (0x48, "attributes-natural-language", b"en".to_vec()),
    ] {
        b.push(tag);
        b.extend_from_slice(&(name.len() as u16).to_be_bytes());
        b.extend_from_slice(name.as_bytes());
        b.extend_from_slice(&(value.len() as u16).to_be_bytes());
        b.extend_from_slice(&value);
    }
    let mut group = 0x01;
    for (g, tag, name, value) in attrs {
        if *g != group {
            b.push(*g);
            group = *g;
        }
        b.push(*tag);
        b.extend_from_slice(&(name.len() as u16).to_be_bytes());
        b.extend_from_slice(name.as_bytes());
        b.extend_from_slice(&(value.len() as u16).to_be_bytes());
        b.extend_from_slice(value);
    }
    b.push(0x03);
    b
}

fn enum_value(v: i32) -> Vec<u8> {
    v.to_be_bytes().to_vec()
}

/// The answer to one request on `queue`: `Err(code)` for an HTTP error.
fn answer(state: &State, queue: &str, body: &[u8]) -> Result<Vec<u8>, u16> {
    let op = u16::from_be_bytes([body[2], body[3]]);
    let id = [body[4], body[5], body[6], body[7]];
    let s = script(queue);
    let mut all = state.lock().unwrap();
    let q = all.entry(queue.to_string()).or_default();
    match op {
        GET_PRINTER_ATTRIBUTES => {
            let (state, reason) = if s.paper_runs_out && q.printed {
                (5, "media-empty-error")
            } else {
                (3, "none")
            };
            Ok(ipp(
                id,
                &[
                    (0x04, 0x23, "printer-state", enum_value(state)),
                    (0x04, 0x44, "printer-state-reasons", reason.into()),
                    (0x04, 0x22, "printer-is-accepting-jobs", vec![1]),
                ],
            ))
        }
        PRINT_JOB => {
            q.printed = true;
            Ok(ipp(id, &[(0x02, 0x21, "job-id", enum_value(42))]))
        }
        GET_JOB_ATTRIBUTES if s.poll_fails => Err(500),
        GET_JOB_ATTRIBUTES => {
            let state = if q.cancelled { 7 } else { 5 };
            Ok(ipp(
                id,
                &[
                    (0x02, 0x23, "job-state", enum_value(state)),
                    (0x02, 0x44, "job-state-reasons", b"none".to_vec()),
                ],
            ))
        }
        CANCEL_JOB => {
            q.cancel_requests += 1;
            if q.cancel_requests <= s.cancel_failures {
                return Err(503);
            }
            q.cancelled = true;
            Ok(ipp(id, &[]))
        }
        _ => Err(400),
    }
}

/// Serve HTTP/1.1 requests on one connection until the client closes it.
async fn serve(mut conn: TcpStream, state: State) {
    let mut buf = Vec::new();
    loop {
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 4096];
            match conn.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        let path = head.split(' ').nth(1).unwrap_or_default().to_string();
        let len: usize = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().ok())?
            })
            .expect("the IPP client sends a Content-Length");
        while buf.len() < head_end + len {
            let mut chunk = [0u8; 65536];
            match conn.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body: Vec<u8> = buf.drain(..head_end + len).skip(head_end).collect();
        let queue = path.trim_start_matches("/printers/");
        let reply = match answer(&state, queue, &body) {
            Ok(ipp) => {
                let mut r = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/ipp\r\nContent-Length: {}\r\n\r\n",
                    ipp.len()
                )
                .into_bytes();
                r.extend_from_slice(&ipp);
                r
            }
            Err(code) => {
                format!("HTTP/1.1 {code} Failing\r\nContent-Length: 0\r\n\r\n").into_bytes()
            }
        };
        if conn.write_all(&reply).await.is_err() {
            return;
        }
    }
}

fn cancel_requests(state: &State, queue: &str) -> u32 {
    state.lock().unwrap()[queue].cancel_requests
}

#[test]
fn an_accepted_job_is_cancelled_with_retries_and_an_unconfirmed_end_is_unknown() {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = std_listener.local_addr().unwrap();
    // SAFETY: set before the runtime and any other thread of this test binary exist.
    unsafe { std::env::set_var("CUPS_SERVER", addr.to_string()) };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let state: State = Arc::default();
    let s = state.clone();
    rt.spawn(async move {
        std_listener.set_nonblocking(true).unwrap();
        let listener = TcpListener::from_std(std_listener).unwrap();
        loop {
            let (conn, _) = listener.accept().await.unwrap();
            tokio::spawn(serve(conn, s.clone()));
        }
    });
    let policy = WaitPolicy {
        grace: std::time::Duration::ZERO,
        ..WaitPolicy::default()
    };
    let sink = |q: &str| A4Sink::Cups { queue: q.into() };
    let pdf = b"%PDF-1.7 not a real paper";

    // Polling fails after acceptance: cancelled on the third try, outcome unconfirmed.
    let d = rt
        .block_on(sink("lost-poll").deliver(pdf, "K1-0001", 1, &policy))
        .expect("an error after acceptance is not an Err");
    assert_eq!(d.end, JobEnd::Unknown { cancelled: true });
    assert_eq!(d.end.audit(), "unknown");
    assert!(!d.end.delivered());
    assert_eq!(cancel_requests(&state, "lost-poll"), 3);

    // Cancel never works: the kiosk tries CANCEL_ATTEMPTS times, then says so.
    let d = rt
        .block_on(sink("never-cancels").deliver(pdf, "K1-0002", 1, &policy))
        .unwrap();
    assert_eq!(d.end, JobEnd::Unknown { cancelled: false });
    assert_eq!(cancel_requests(&state, "never-cancels"), CANCEL_ATTEMPTS);

    // Paper runs out mid-job and the first Cancel-Job fails: retried, and reported as the
    // interruption it is.
    let d = rt
        .block_on(sink("paper-out-cancel-fails").deliver(pdf, "K1-0003", 1, &policy))
        .unwrap();
    assert_eq!(
        d.end,
        JobEnd::Interrupted {
            problem: PrinterProblem::PaperOut
        }
    );
    assert_eq!(cancel_requests(&state, "paper-out-cancel-fails"), 2);

    // The session ends while the job prints and the first Cancel-Job fails: retried.
    let d = rt
        .block_on(sink("abandoned").deliver_until(
            pdf,
            "K1-0004",
            1,
            &policy,
            std::future::ready(()),
        ))
        .unwrap();
    assert_eq!(d.end, JobEnd::Abandoned);
    assert_eq!(cancel_requests(&state, "abandoned"), 2);
}
