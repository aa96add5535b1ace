//! Helpers shared by the outbox tests (this binary's modules): a self-removing temp folder, the
//! reference server on loopback, and SQLite's integrity check on a database file.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use manassa_ministry_api::client::Client;
use manassa_sim::{SimConfig, SimHandle, spawn};

/// Kiosk token the test servers accept.
pub const TOKEN: &str = "outbox-test-token";

/// A fresh folder under the temp dir, removed with its contents on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("manassa-{label}-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The reference server on `addr` (port 0: any free port), file-backed when `db` is given.
pub async fn sim_at(db: Option<PathBuf>, addr: SocketAddr) -> SimHandle {
    spawn(
        SimConfig {
            db_path: db,
            kiosk_tokens: vec![TOKEN.to_owned()],
            ..SimConfig::default()
        },
        addr,
    )
    .await
    .expect("the reference server starts on loopback")
}

/// The reference server on a free loopback port.
pub async fn sim(db: Option<PathBuf>) -> SimHandle {
    sim_at(db, "127.0.0.1:0".parse().unwrap()).await
}

/// A client of `base` with the test token and a per-request `timeout`.
pub fn client(base: &str, timeout: Duration) -> Client {
    Client::new(base, TOKEN, timeout).expect("client")
}

/// `PRAGMA integrity_check` of the database file at `path`, through its own connection.
pub fn integrity(path: &Path) -> String {
    let conn = rusqlite::Connection::open(path).expect("open database for the check");
    let lines: Vec<String> = conn
        .prepare("PRAGMA integrity_check")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    lines.join("; ")
}

/// A loopback address where nothing listens (bound, then released).
pub fn free_addr() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap()
}
