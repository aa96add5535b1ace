//! The last log lines, kept in memory for the technician's log page.
//!
//! [`TeeStderr`] is a `tracing_subscriber` writer that writes to stderr and keeps the last
//! [`KEEP`] lines (ANSI colours stripped, each cut at [`MAX_LINE`] characters and passed
//! through [`manassa_text::sanitize`]). Log lines carry no personal data by the kiosk's own
//! rule (a test checks a whole journey's log); this page shows what is already there.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::Mutex;

/// Lines kept.
pub const KEEP: usize = 200;
/// Longest line kept, in characters.
pub const MAX_LINE: usize = 300;

static RING: Mutex<VecDeque<String>> = Mutex::new(VecDeque::new());

/// Keep one line.
pub fn push(line: &str) {
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
    let clean: String = manassa_text::sanitize(clean.trim_end())
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
            push(&String::from_utf8_lossy(&line));
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
}
