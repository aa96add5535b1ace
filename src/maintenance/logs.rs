//! The app's log: stderr (the journal, under systemd), a size-rotated file on the data
//! partition, and the last lines in memory for the technician's log page.
//!
//! [`TeeStderr`] is a `tracing_subscriber` writer that writes to stderr and keeps the last
//! [`KEEP`] lines (ANSI colours stripped, each cut at [`MAX_LINE`] characters and passed
//! through [`manassa_text::sanitize`]). Log lines carry no personal data by the kiosk's own
//! rule (a test checks a whole journey's log); this page shows what is already there.
//!
//! With [`open_file`] the same lines also go to `DIR/manassa.log`, opened by the app itself
//! (as the kiosk user, never through a symlink) and rotated on size: at [`ROTATE_BYTES`]
//! it becomes `manassa.log.1`, older files shift up to [`ROTATE_KEEP`], so a noisy device
//! cannot fill the data partition (at most `(ROTATE_KEEP + 1) × ROTATE_BYTES`).

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Size at which the log file is rotated, in bytes (10 MiB).
pub const ROTATE_BYTES: u64 = 10 << 20;
/// Rotated files kept beside the live one.
pub const ROTATE_KEEP: u32 = 5;
/// The live log file's name.
pub const FILE_NAME: &str = "manassa.log";

/// A log file rotated on size (see the module docs).
pub struct RotatingLog {
    file: File,
    dir: PathBuf,
    len: u64,
    limit: u64,
}

impl RotatingLog {
    /// Open (append, mode 0640, `O_NOFOLLOW`) `dir/manassa.log`, to rotate at `limit` bytes.
    ///
    /// Errors: the folder is missing or not writable, or the file is a symlink (`ELOOP`).
    pub fn open(dir: &Path, limit: u64) -> std::io::Result<RotatingLog> {
        let file = open_log(&dir.join(FILE_NAME))?;
        let len = file.metadata()?.len();
        Ok(RotatingLog {
            file,
            dir: dir.to_path_buf(),
            len,
            limit: limit.max(1),
        })
    }

    /// Append one line, rotating first when it would pass the limit. Errors are dropped:
    /// logging must never stop the kiosk (stderr still has the line).
    pub fn write_line(&mut self, line: &[u8]) {
        if self.len > 0 && self.len + line.len() as u64 > self.limit {
            let name = |n: u32| self.dir.join(format!("{FILE_NAME}.{n}"));
            for n in (1..ROTATE_KEEP).rev() {
                let _ = std::fs::rename(name(n), name(n + 1));
            }
            let live = self.dir.join(FILE_NAME);
            if std::fs::rename(&live, name(1)).is_ok()
                && let Ok(file) = open_log(&live)
            {
                self.file = file;
                self.len = 0;
            }
        }
        if self.file.write_all(line).is_ok() {
            self.len += line.len() as u64;
        }
    }
}

static FILE: Mutex<Option<RotatingLog>> = Mutex::new(None);

/// Send every later log line also to `dir/manassa.log`, rotated at `limit` bytes (use
/// [`ROTATE_BYTES`]).
///
/// Errors: those of [`RotatingLog::open`].
pub fn open_file(dir: &Path, limit: u64) -> std::io::Result<()> {
    let log = RotatingLog::open(dir, limit)?;
    *FILE.lock().unwrap_or_else(|p| p.into_inner()) = Some(log);
    Ok(())
}

fn open_log(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o640)
        // A link planted in the log folder must not redirect the app's writes.
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

fn write_file(line: &[u8]) {
    if let Some(log) = FILE.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
        log.write_line(line);
    }
}

/// Lines kept.
pub const KEEP: usize = 200;
/// Longest line kept, in characters.
pub const MAX_LINE: usize = 300;

static RING: Mutex<VecDeque<String>> = Mutex::new(VecDeque::new());

/// Keep one line.
pub fn push(line: &str) {
    let clean: String = manassa_text::sanitize(strip_ansi(line).trim_end())
        .chars()
        .take(MAX_LINE)
        .collect();
    if clean.is_empty() {
        return;
    }
    let mut ring = RING.lock().unwrap_or_else(|p| p.into_inner());
    if ring.len() == KEEP {
        ring.pop_front();
    }
    ring.push_back(clean);
}

/// `line` without ANSI colour sequences (CSI: `ESC [ params final-byte`).
fn strip_ansi(line: &str) -> String {
    let mut clean = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ params final-byte
            if chars.peek() == Some(&'[') {
                chars.next();
                for d in chars.by_ref() {
                    if ('@'..='~').contains(&d) {
                        break;
                    }
                }
            }
            continue;
        }
        clean.push(c);
    }
    clean
}

/// The last `n` lines, oldest first.
pub fn recent(n: usize) -> Vec<String> {
    let ring = RING.lock().unwrap_or_else(|p| p.into_inner());
    ring.iter()
        .skip(ring.len().saturating_sub(n))
        .cloned()
        .collect()
}

/// A writer to stderr that also keeps the lines (see the module docs).
#[derive(Default)]
pub struct TeeStderr {
    buf: Vec<u8>,
}

impl Write for TeeStderr {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        std::io::stderr().write_all(b)?;
        self.buf.extend_from_slice(b);
        while let Some(i) = self.buf.iter().position(|&c| c == b'\n') {
            let line: Vec<u8> = self.buf.drain(..=i).collect();
            let text = String::from_utf8_lossy(&line);
            push(&text);
            write_file(strip_ansi(&text).as_bytes());
        }
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

impl Drop for TeeStderr {
    fn drop(&mut self) {
        if !self.buf.is_empty() {
            push(&String::from_utf8_lossy(&self.buf));
        }
    }
}

/// For `tracing_subscriber::fmt().with_writer(maintenance::logs::tee_stderr)`.
pub fn tee_stderr() -> TeeStderr {
    TeeStderr::default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_clean_recent_lines() {
        let mut w = super::tee_stderr();
        use std::io::Write;
        w.write_all(b"\x1b[2m2026\x1b[0m \x1b[32m INFO\x1b[0m test-line-one\npart")
            .unwrap();
        w.write_all(b"ial test-line-two\n").unwrap();
        let lines = super::recent(super::KEEP);
        let i = lines
            .iter()
            .position(|l| l.ends_with("INFO test-line-one"))
            .expect("first line");
        assert!(lines[i].starts_with("2026"), "{:?}", lines[i]);
        assert!(!lines[i].contains('\u{1b}') && !lines[i].contains("[0m"));
        assert_eq!(lines[i + 1], "partial test-line-two");
    }

    #[test]
    fn the_file_rotates_on_size_and_never_follows_a_link() {
        let dir = std::env::temp_dir().join(format!("manassa-logs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();

        // A planted link must not be written through.
        let target = dir.join("elsewhere");
        std::fs::write(&target, b"").unwrap();
        std::os::unix::fs::symlink(&target, dir.join(super::FILE_NAME)).unwrap();
        assert!(
            super::RotatingLog::open(&dir, 1000).is_err(),
            "opened through a symlink"
        );
        std::fs::remove_file(dir.join(super::FILE_NAME)).unwrap();

        let mut log = super::RotatingLog::open(&dir, 1000).unwrap();
        let line = format!("{}\n", "x".repeat(99)); // 100 bytes
        for _ in 0..(super::ROTATE_KEEP as usize + 3) * 10 {
            log.write_line(line.as_bytes());
        }
        let size = |name: &str| std::fs::metadata(dir.join(name)).map(|m| m.len()).ok();
        assert_eq!(size(super::FILE_NAME), Some(1000));
        for n in 1..=super::ROTATE_KEEP {
            assert_eq!(
                size(&format!("{}.{n}", super::FILE_NAME)),
                Some(1000),
                "{n}"
            );
        }
        let n = super::ROTATE_KEEP + 1;
        assert_eq!(
            size(&format!("{}.{n}", super::FILE_NAME)),
            None,
            "kept too many"
        );
        assert_eq!(
            std::fs::read(&target).unwrap(),
            b"",
            "wrote through the link"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
