//! Room on the data partition for the outbox: a reserve file that is given back when the
//! partition fills up, and a WAL kept short while space is low.
//!
//! Logs, papers and keys share the partition with the outbox. When something else fills
//! it, SQLite can neither grow the database nor its write-ahead log (nor create the WAL
//! index to open at all), and the kiosk could not even start. So the outbox keeps a
//! reserve: `DB.reserve`, [`RESERVE_BYTES`] of real (not sparse) blocks, made whenever it
//! is missing and there is room for it. On `SQLITE_FULL` (or an open that fails for lack
//! of room) the reserve is deleted and the write tried once more; it comes back once the
//! partition has room again. While free space is under [`LOW_SPACE_BYTES`], every write is
//! followed by `PRAGMA wal_checkpoint(TRUNCATE)`: the WAL otherwise only grows between
//! SQLite's automatic checkpoints (1,000 pages), which a nearly full disk cannot hold.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rusqlite::Connection;

use crate::{Outbox, OutboxError, migrate, sync};

/// Size of the reserve file, in bytes (2 MiB: thousands of events).
pub const RESERVE_BYTES: u64 = 2 << 20;
/// Below this much free space (bytes), the WAL is truncated after every write.
pub const LOW_SPACE_BYTES: u64 = 16 << 20;

/// Bytes available to unprivileged writers on the filesystem holding `path` (or its
/// folder, if `path` does not exist yet): `statvfs` `f_bavail × f_frsize`. `None` when the
/// filesystem cannot be asked.
pub fn free_bytes(path: &Path) -> Option<u64> {
    let probe = if path.exists() {
        path.to_path_buf()
    } else {
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf()
    };
    let c = std::ffi::CString::new(probe.as_os_str().as_encoded_bytes()).ok()?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: a NUL-terminated path and a statvfs buffer of the right type.
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    Some((st.f_bavail as u64).saturating_mul(st.f_frsize as u64))
}

/// The reserve file of the database at `db`.
pub fn reserve_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".reserve");
    PathBuf::from(p)
}

/// Make the reserve if it is missing and the partition has room for it and to spare
/// ([`RESERVE_BYTES`] + [`LOW_SPACE_BYTES`]). Returns whether a reserve now exists.
pub(crate) fn ensure_reserve(db: &Path) -> bool {
    let path = reserve_path(db);
    if std::fs::metadata(&path).is_ok_and(|m| m.len() >= RESERVE_BYTES) {
        return true;
    }
    if free_bytes(db).is_none_or(|f| f < RESERVE_BYTES + LOW_SPACE_BYTES) {
        return false;
    }
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&path)?;
        let block = vec![0u8; 64 << 10];
        let mut left = RESERVE_BYTES;
        while left > 0 {
            let n = left.min(block.len() as u64) as usize;
            f.write_all(&block[..n])?;
            left -= n as u64;
        }
        f.sync_all()
    };
    match write() {
        Ok(()) => {
            tracing::info!(bytes = RESERVE_BYTES, "outbox reserve made");
            true
        }
        Err(e) => {
            tracing::warn!(error = %e, "outbox reserve not made");
            let _ = std::fs::remove_file(&path);
            false
        }
    }
}

/// Delete the reserve to make room. Returns whether there was one.
pub(crate) fn release_reserve(db: &Path) -> bool {
    let released = std::fs::remove_file(reserve_path(db)).is_ok();
    if released {
        tracing::error!(
            bytes = RESERVE_BYTES,
            "data partition full: outbox reserve released; free space on it"
        );
    }
    released
}

/// Whether the partition holding `db` is low on space ([`LOW_SPACE_BYTES`]).
pub(crate) fn low(db: &Path) -> bool {
    free_bytes(db).is_some_and(|f| f < LOW_SPACE_BYTES)
}

impl Outbox {
    /// Opens (creating if needed) the outbox database at `path`: WAL,
    /// `synchronous=FULL`, 5 s busy timeout, migrations applied.
    ///
    /// Blocking; call it at start-up or from `spawn_blocking`.
    ///
    /// A partition too full to open it gets its reserve released ([`space`]) and one more
    /// try. Errors: [`OutboxError::DiskFull`] when there is still no room, or SQLite's.
    pub fn open(path: &Path) -> Result<Outbox, OutboxError> {
        let retry = |e: OutboxError| {
            if !no_room(&e, path) {
                return Err(e);
            }
            if release_reserve(path)
                && let Ok(c) = open_conn(path)
            {
                return Ok(c);
            }
            // SQLite says "disk I/O error" when it cannot size the WAL index: say "full".
            Err(OutboxError::DiskFull)
        };
        let conn = open_conn(path).or_else(retry)?;
        ensure_reserve(path);
        Ok(Outbox {
            conn: Mutex::new(conn),
            path: Some(path.to_path_buf()),
            degraded: AtomicBool::new(false),
            sync_lock: tokio::sync::Mutex::new(sync::Rounds::default()),
        })
    }

    /// [`Outbox::open`], but a partition too full to open the database does not stop the
    /// kiosk: the outbox starts *degraded*, empty and in memory. Every write then tries to
    /// open the file again and fails with [`OutboxError::DiskFull`] while there is no room
    /// (nothing is accepted that could be lost); once it opens, the outbox is whole again.
    ///
    /// Errors: anything but lack of space, as [`Outbox::open`].
    pub fn open_or_degraded(path: &Path) -> Result<Outbox, OutboxError> {
        match Outbox::open(path) {
            Err(e) if no_room(&e, path) => {
                tracing::error!(
                    path = %path.display(),
                    free_bytes = ?free_bytes(path),
                    "data partition full: the outbox cannot open; printing, complaints and \
                     ratings are unavailable until space returns"
                );
                let mut conn = Connection::open_in_memory()?;
                migrate(&mut conn)?;
                Ok(Outbox {
                    conn: Mutex::new(conn),
                    path: Some(path.to_path_buf()),
                    degraded: AtomicBool::new(true),
                    sync_lock: tokio::sync::Mutex::new(sync::Rounds::default()),
                })
            }
            other => other,
        }
    }

    /// Whether the outbox runs without its file ([`Outbox::open_or_degraded`]).
    pub fn is_degraded(&self) -> bool {
        self.degraded.load(Ordering::SeqCst)
    }

    /// A degraded outbox tries to open its file now.
    ///
    /// Errors: [`OutboxError::DiskFull`] while it still cannot.
    pub(crate) fn recover(&self) -> Result<(), OutboxError> {
        if !self.is_degraded() {
            return Ok(());
        }
        let Some(path) = &self.path else {
            return Ok(());
        };
        let mut conn = self.conn();
        if !self.is_degraded() {
            return Ok(());
        }
        match open_conn(path) {
            Ok(c) => {
                *conn = c;
                self.degraded.store(false, Ordering::SeqCst);
                tracing::info!("outbox opened: space is back");
                drop(conn);
                ensure_reserve(path);
                Ok(())
            }
            Err(e) if no_room(&e, path) => Err(OutboxError::DiskFull),
            Err(e) => Err(e),
        }
    }

    /// Run a write `f` on the connection. On `SQLITE_FULL` the WAL is truncated and the
    /// reserve released, and `f` tried once more; while space is low the WAL is truncated
    /// after the write; a missing reserve is made again once there is room.
    pub(crate) fn write<T>(
        &self,
        f: impl Fn(&mut Connection) -> Result<T, OutboxError>,
    ) -> Result<T, OutboxError> {
        self.recover()?;
        let mut conn = self.conn();
        let out = match f(&mut conn) {
            Err(OutboxError::DiskFull) => {
                checkpoint(&conn);
                match &self.path {
                    Some(p) if release_reserve(p) => f(&mut conn),
                    _ => Err(OutboxError::DiskFull),
                }
            }
            other => other,
        };
        if let Some(p) = &self.path {
            if low(p) {
                checkpoint(&conn);
            } else if out.is_ok() && !reserve_path(p).exists() {
                drop(conn);
                ensure_reserve(p);
            }
        }
        out
    }
}

/// Open the database file: WAL, `synchronous=FULL`, 5 s busy timeout, the WAL truncated to
/// 1 MiB after checkpoints, migrations applied.
fn open_conn(path: &Path) -> Result<Connection, OutboxError> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "journal_size_limit", 1 << 20)?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// Whether `e` (from opening or writing the database at `path`) comes from lack of space:
/// `SQLITE_FULL`, or an I/O error on a partition with less than the reserve free.
fn no_room(e: &OutboxError, path: &Path) -> bool {
    match e {
        OutboxError::DiskFull => true,
        OutboxError::Sqlite(_) => free_bytes(path).is_some_and(|f| f < RESERVE_BYTES),
        _ => false,
    }
}

/// Move the WAL into the database and truncate it (`PRAGMA wal_checkpoint(TRUNCATE)`).
/// Best effort: a reader holding the WAL makes it a no-op.
fn checkpoint(conn: &Connection) {
    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
        tracing::debug!(error = %e, "WAL checkpoint failed");
    }
}
