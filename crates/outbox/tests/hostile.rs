//! The outbox against a hostile stand-in for the ministry: a real HTTP server on loopback
//! (a thread with a `TcpListener`) that answers what a proxy, a web firewall or a
//! maintenance page would. Nothing is lost and nothing goes elsewhere.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use manassa_ministry_api::client::{ApiError, Client};
use manassa_outbox::{MAX_ATTEMPTS, Outbox, SyncError, SyncPolicy};
use serde_json::json;

/// One request the server saw: the request line, the headers (lowercase names) and the
/// body.
#[derive(Debug, Clone)]
struct Seen {
    line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// A server answering each request with `answer(&Seen)` (a whole HTTP/1.1 response).
struct Hostile {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

fn hostile(answer: impl Fn(&Seen) -> String + Send + 'static) -> Hostile {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let mut headers = Vec::new();
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).unwrap();
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                let (k, v) = h.split_once(':').unwrap();
                headers.push((k.to_ascii_lowercase(), v.trim().to_string()));
            }
            let len = headers
                .iter()
                .find(|(k, _)| k == "content-length")
                .map_or(0, |(_, v)| v.parse().unwrap());
            let mut body = vec![0; len];
            reader.read_exact(&mut body).unwrap();
            let seen = Seen {
                line: line.trim_end().to_string(),
                headers,
                body,
            };
            let response = answer(&seen);
            log.lock().unwrap().push(seen);
            let _ = stream.write_all(response.as_bytes());
        }
    });
    Hostile { url, seen }
}

fn response(status: &str, content_type: &str, extra: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{body}",
        body.len()
    )
}

fn accept_all(seen: &Seen) -> String {
    let batch: serde_json::Value = serde_json::from_slice(&seen.body).unwrap();
    let results: Vec<_> = batch["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| json!({"idempotency_key": e["idempotency_key"], "status": "accepted"}))
        .collect();
    response(
        "200 OK",
        "application/json",
        "",
        &json!({ "results": results }).to_string(),
    )
}

fn client(url: &str) -> Client {
    Client::new(url, "token", Duration::from_secs(3)).unwrap()
}

struct Db(std::path::PathBuf);

impl Drop for Db {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

fn outbox(tag: &str, events: usize) -> (Db, Arc<Outbox>) {
    let db =
        Db(std::env::temp_dir().join(format!("manassa-hostile-{tag}-{}.db", std::process::id())));
    drop(Db(db.0.clone()));
    let o = Arc::new(Outbox::open(&db.0).unwrap());
    for i in 0..events {
        o.enqueue(
            "complaint.filed",
            &json!({"seq": i, "text": "private words"}),
        )
        .unwrap();
    }
    (db, o)
}

fn policy() -> SyncPolicy {
    SyncPolicy {
        base: Duration::from_millis(1),
        cap: Duration::from_millis(5),
        ..SyncPolicy::default()
    }
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_the_queue_is_kept() {
    let elsewhere = hostile(accept_all);
    let target = format!("{}/v1/outbox/events", elsewhere.url);
    let ministry = hostile(move |_| {
        response(
            "307 Temporary Redirect",
            "text/html",
            &format!("Location: {target}\r\n"),
            "<html>moved</html>",
        )
    });
    let (_db, o) = outbox("redirect", 3);
    let err = o
        .sync_once_with(&client(&ministry.url), &policy())
        .await
        .unwrap_err();
    assert!(
        matches!(err, SyncError::Api(ApiError::Redirect { status: 307 })),
        "{err:?}"
    );
    assert!(
        elsewhere.seen.lock().unwrap().is_empty(),
        "nothing went elsewhere"
    );
    assert_eq!(o.depth().unwrap(), 3);
    assert!(o.dead_letters().unwrap().is_empty());
    assert!(o.alarm().unwrap().contains("redirect"));
    assert!(o.pending(3).unwrap().iter().all(|p| p.attempts == 0));
}

#[tokio::test]
async fn a_batch_level_4xx_page_keeps_the_queue_until_the_ministry_answers() {
    let page = Arc::new(Mutex::new(Some("403 Forbidden")));
    let p = page.clone();
    let ministry = hostile(move |seen| match *p.lock().unwrap() {
        Some(status) => response(
            status,
            "text/html",
            "",
            "<html><h1>Access denied</h1></html>",
        ),
        None => accept_all(seen),
    });
    let (db, o) = outbox("4xx", 5);
    let c = client(&ministry.url);
    for status in [
        "403 Forbidden",
        "404 Not Found",
        "400 Bad Request",
        "403 Forbidden",
    ] {
        *page.lock().unwrap() = Some(status);
        o.make_all_due().unwrap();
        let err = o.sync_once_with(&c, &policy()).await.unwrap_err();
        assert!(
            matches!(err, SyncError::Api(ApiError::Problem { .. })),
            "{err:?}"
        );
        assert_eq!(o.depth().unwrap(), 5, "{status}: every event kept");
        assert!(
            o.dead_letters().unwrap().is_empty(),
            "{status}: nothing dead-lettered"
        );
        assert!(
            o.alarm().is_some_and(|a| a.contains(&status[..3])),
            "{status}: alarm"
        );
    }
    // Another process (the CLI, doctor) sees the alarm too.
    let other = Outbox::open(&db.0).unwrap();
    assert!(
        other
            .status()
            .unwrap()
            .alarm
            .is_some_and(|a| a.contains("403"))
    );
    // The page goes away: everything is delivered and the alarm clears.
    *page.lock().unwrap() = None;
    o.make_all_due().unwrap();
    let report = o.sync_once_with(&c, &policy()).await.unwrap();
    assert_eq!((report.delivered, report.remaining), (5, 0));
    assert!(o.alarm().is_none());
}

#[tokio::test]
async fn a_413_halves_the_batch_until_each_part_is_taken() {
    // A proxy that takes at most 2 events a request.
    let ministry = hostile(|seen| {
        let batch: serde_json::Value = serde_json::from_slice(&seen.body).unwrap();
        if batch["events"].as_array().unwrap().len() > 2 {
            response(
                "413 Payload Too Large",
                "text/html",
                "",
                "<html>too large</html>",
            )
        } else {
            accept_all(seen)
        }
    });
    let (_db, o) = outbox("413", 7);
    let report = o
        .sync_once_with(&client(&ministry.url), &policy())
        .await
        .unwrap();
    assert_eq!((report.delivered, report.remaining), (7, 0));
    assert!(o.dead_letters().unwrap().is_empty());
    // Every event reached the server once in a batch it took, in order.
    let taken: Vec<i64> = ministry
        .seen
        .lock()
        .unwrap()
        .iter()
        .filter_map(|s| {
            let b: serde_json::Value = serde_json::from_slice(&s.body).unwrap();
            let events = b["events"].as_array().unwrap().clone();
            (events.len() <= 2).then_some(events)
        })
        .flatten()
        .map(|e| e["payload"]["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(taken, (0..7).collect::<Vec<_>>());
}

#[tokio::test]
async fn events_left_out_of_an_answer_are_retried_and_count() {
    // Answers only the first event of each batch.
    let ministry = hostile(|seen| {
        let batch: serde_json::Value = serde_json::from_slice(&seen.body).unwrap();
        let first = &batch["events"][0];
        response(
            "200 OK",
            "application/json",
            "",
            &json!({"results": [{"idempotency_key": first["idempotency_key"], "status": "accepted"}]})
                .to_string(),
        )
    });
    let (_db, o) = outbox("partial", 3);
    let c = client(&ministry.url);
    let report = o.sync_once_with(&c, &policy()).await.unwrap();
    assert_eq!((report.delivered, report.remaining), (1, 2));
    assert!(o.pending(2).unwrap().iter().all(|p| p.attempts == 1));
    // A ministry that keeps skipping an event: it is dead-lettered at the limit.
    let silent = hostile(|_| response("200 OK", "application/json", "", r#"{"results": []}"#));
    let c = client(&silent.url);
    for _ in 0..MAX_ATTEMPTS {
        o.make_all_due().unwrap();
        let _ = o.sync_once_with(&c, &policy()).await.unwrap();
    }
    assert_eq!(o.depth().unwrap(), 0);
    assert_eq!(o.dead_letters().unwrap().len(), 2);
}

#[test]
fn plain_http_only_to_a_loopback_host() {
    use manassa_ministry_api::client::check_base_url;
    for ok in [
        "https://api.mm.gov.qa",
        "http://127.0.0.1:8787",
        "http://127.5.6.7",
        "http://[::1]:8080",
        "http://localhost:8787",
        "http://LOCALHOST",
    ] {
        assert!(check_base_url(ok).is_ok(), "{ok}");
    }
    for bad in [
        "http://localhost.evil.example",
        "http://127.0.0.1.evil.example",
        "http://10.0.0.1",
        "http://api.mm.gov.qa",
        "ftp://127.0.0.1",
        "file:///etc/passwd",
        "not a url",
    ] {
        assert!(check_base_url(bad).is_err(), "{bad}");
        assert!(
            Client::new(bad, "t", Duration::from_secs(1)).is_err(),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn the_authorization_header_goes_only_to_the_configured_server() {
    let ministry = hostile(accept_all);
    let (_db, o) = outbox("auth", 1);
    o.sync_once_with(&client(&ministry.url), &policy())
        .await
        .unwrap();
    let seen = ministry.seen.lock().unwrap();
    assert!(seen[0].line.starts_with("POST /v1/outbox/events"));
    assert!(
        seen[0]
            .headers
            .iter()
            .any(|(k, v)| k == "authorization" && v == "Bearer token")
    );
}
