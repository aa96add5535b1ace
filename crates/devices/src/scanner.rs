//! QR/barcode scanner in serial (RS-232 / USB-CDC) mode: one scan per line, a driver thread
//! and an emulator.
//!
//! Scanners in serial mode send the decoded text followed by a configurable suffix; we
//! accept CR, LF or CR LF ([`Terminator`]). Lines are bounded ([`ScannerConfig::max_line`],
//! 4 KiB by default): a longer line is dropped up to its terminator and reported. A line
//! that is not UTF-8 or holds control characters is garbage (line noise, a scanner in the
//! wrong mode) and is reported, never passed on. Empty lines are ignored. A partial line
//! followed by silence (an inter-byte gap) is dropped.
//!
//! Scanned text may be a paper's seal: `Debug` shows only its length.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::passive::{self, FrameParser, ReaderEvent, ReaderHandle};
use super::serial::SerialConfig;

/// Default longest line in bytes.
pub const DEFAULT_MAX_LINE: usize = 4096;

/// The suffix a scanner sends after each scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Terminator {
    /// Carriage return (0x0D).
    Cr,
    /// Line feed (0x0A).
    Lf,
    /// CR LF; a bare CR or LF also ends a line (an empty line between is ignored).
    #[default]
    CrLf,
}

impl Terminator {
    /// The bytes a scanner sends.
    pub fn bytes(self) -> &'static [u8] {
        match self {
            Terminator::Cr => b"\r",
            Terminator::Lf => b"\n",
            Terminator::CrLf => b"\r\n",
        }
    }

    fn ends_line(self, b: u8) -> bool {
        match self {
            Terminator::Cr => b == b'\r',
            Terminator::Lf => b == b'\n',
            Terminator::CrLf => b == b'\r' || b == b'\n',
        }
    }
}

impl FromStr for Terminator {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "cr" => Ok(Terminator::Cr),
            "lf" => Ok(Terminator::Lf),
            "crlf" => Ok(Terminator::CrLf),
            other => Err(format!("terminator {other:?} is not cr, lf or crlf")),
        }
    }
}

fn default_max_line() -> usize {
    DEFAULT_MAX_LINE
}

/// The scanner's configuration: the serial line plus framing.
///
/// ```toml
/// [scanner]
/// path = "/dev/serial/by-id/usb-scanner-if00"
/// baud = 9600
/// terminator = "crlf"   # cr | lf | crlf
/// max_line = 4096       # bytes, 16..=65536
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ScannerConfig {
    /// Serial line settings.
    #[serde(flatten)]
    pub serial: SerialConfig,
    /// Line terminator.
    #[serde(default)]
    pub terminator: Terminator,
    /// Longest accepted line in bytes, terminator excluded.
    #[serde(default = "default_max_line")]
    pub max_line: usize,
}

impl ScannerConfig {
    /// Defaults (CR LF, 4 KiB) on `serial`.
    pub fn new(serial: SerialConfig) -> Self {
        Self {
            serial,
            terminator: Terminator::CrLf,
            max_line: DEFAULT_MAX_LINE,
        }
    }
}

/// Why a line was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// Longer than the limit (the whole line was dropped).
    #[error("scan longer than {0} bytes")]
    TooLong(usize),
    /// Not UTF-8, or contains control characters.
    #[error("scan is not text (control characters or invalid UTF-8)")]
    Garbage,
}

/// Incremental line decoder; buffers at most `max_line` bytes.
#[derive(Debug)]
pub struct LineDecoder {
    term: Terminator,
    max: usize,
    buf: Vec<u8>,
    /// Dropping an over-long line up to its terminator.
    discarding: bool,
}

impl LineDecoder {
    /// A decoder for lines ending in `term`, at most `max_line` bytes (at least 1).
    pub fn new(term: Terminator, max_line: usize) -> Self {
        Self {
            term,
            max: max_line.max(1),
            buf: Vec::new(),
            discarding: false,
        }
    }

    /// Consumes `bytes`; returns every line they complete.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Result<String, LineError>> {
        let mut out = Vec::new();
        for &b in bytes {
            if self.term.ends_line(b) {
                if std::mem::take(&mut self.discarding) {
                    out.push(Err(LineError::TooLong(self.max)));
                } else if !self.buf.is_empty() {
                    out.push(check(&self.buf));
                }
                self.buf.clear();
            } else if !self.discarding {
                if self.buf.len() == self.max {
                    self.discarding = true;
                    self.buf.clear();
                } else {
                    self.buf.push(b);
                }
            }
        }
        out
    }

    /// Drops a partial line; true if there was one.
    pub fn reset(&mut self) -> bool {
        let partial = !self.buf.is_empty() || self.discarding;
        self.buf.clear();
        self.discarding = false;
        partial
    }
}

fn check(line: &[u8]) -> Result<String, LineError> {
    let s = std::str::from_utf8(line).map_err(|_| LineError::Garbage)?;
    if s.chars().any(|c| c.is_control()) {
        return Err(LineError::Garbage);
    }
    Ok(s.to_string())
}

/// The scanner's stream parser (see the module docs).
#[derive(Debug)]
pub struct ScanParser {
    lines: LineDecoder,
}

impl ScanParser {
    /// A parser for `cfg`'s framing (`max_line` clamped to 16..=65536).
    pub fn new(cfg: &ScannerConfig) -> Self {
        Self {
            lines: LineDecoder::new(cfg.terminator, cfg.max_line.clamp(16, 65536)),
        }
    }
}

impl FrameParser for ScanParser {
    type Item = Scan;
    type Reject = String;

    fn push(&mut self, bytes: &[u8], out: &mut Vec<Result<Scan, String>>) {
        for r in self.lines.push(bytes) {
            out.push(r.map(Scan).map_err(|e| format!("scan rejected: {e}")));
        }
    }

    fn gap(&mut self) -> Option<String> {
        self.lines
            .reset()
            .then(|| "scan rejected: incomplete line (the scanner went quiet)".to_string())
    }
}

/// One scanned text. `Debug` shows only its length.
#[derive(Clone, PartialEq, Eq)]
pub struct Scan(pub String);

impl std::ops::Deref for Scan {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Scan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scan(<{} bytes>)", self.0.len())
    }
}

/// Events of the scanner.
pub type ScanEvent = ReaderEvent<Scan>;

/// Starts the scanner driver on its own thread (see [`passive::spawn`]).
pub fn spawn(cfg: ScannerConfig) -> (ReaderHandle, std::sync::mpsc::Receiver<ScanEvent>) {
    let parser = ScanParser::new(&cfg);
    passive::spawn("scanner", cfg.serial, parser)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_merged_and_terminators() {
        let mut d = LineDecoder::new(Terminator::CrLf, 64);
        let mut got = Vec::new();
        for chunk in [&b"MNS1:ab"[..], b"c\r", b"\nsecond\r\nthi", b"rd\n"] {
            got.extend(d.push(chunk));
        }
        assert_eq!(
            got,
            vec![
                Ok("MNS1:abc".into()),
                Ok("second".into()),
                Ok("third".into())
            ]
        );
        let mut d = LineDecoder::new(Terminator::Cr, 64);
        assert_eq!(
            d.push(b"a\nb\r"),
            vec![Err(LineError::Garbage)],
            "LF is content"
        );
        let mut d = LineDecoder::new(Terminator::Lf, 64);
        assert_eq!(d.push(b"x\n\n\ny\n"), vec![Ok("x".into()), Ok("y".into())]);
        assert_eq!(d.push("قطر\n".as_bytes()), vec![Ok("قطر".into())]);
    }

    #[test]
    fn long_lines_and_garbage_are_dropped_and_reported() {
        let mut d = LineDecoder::new(Terminator::CrLf, 8);
        let got = d.push(b"123456789012\r\nok\r\n");
        assert_eq!(got, vec![Err(LineError::TooLong(8)), Ok("ok".into())]);
        assert!(d.buf.capacity() <= 64, "bounded");
        assert_eq!(d.push(b"12345678\r\n"), vec![Ok("12345678".into())]);
        assert_eq!(
            d.push(b"\xff\xfe\r\nab\x1bc\r\nfine\r\n"),
            vec![
                Err(LineError::Garbage),
                Err(LineError::Garbage),
                Ok("fine".into())
            ]
        );
        assert!(!d.reset());
        d.push(b"half");
        assert!(d.reset(), "a gap drops a partial line");
        assert_eq!(d.push(b"\r\n"), vec![]);
    }

    #[test]
    fn config_parses_terminator_and_limit() {
        let c: ScannerConfig =
            toml::from_str("path = \"/dev/x\"\nterminator = \"cr\"\nmax_line = 100").unwrap();
        assert_eq!((c.terminator, c.max_line), (Terminator::Cr, 100));
        let c: ScannerConfig = toml::from_str("path = \"/dev/x\"").unwrap();
        assert_eq!(c, ScannerConfig::new(SerialConfig::new("/dev/x")));
        assert!("tab".parse::<Terminator>().is_err());
    }
}
