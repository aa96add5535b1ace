//! The ESC/POS printer emulator: a pure stream decoder that draws the paper
//! ([`decode_stream`], [`StreamDecoder`]) and a printer on a pseudo-terminal around it
//! ([`PrinterEmulator`], `manassa emulate printer`).
//!
//! Slow devices are modelled by a **byte-rate limit**, not by XON/XOFF or RTS/CTS (a pty has
//! no modem lines, and the kernel would keep tens of KiB in flight after an XOFF): with a
//! baud rate set, the emulator takes at most `baud / 10` bytes per second off the line, so
//! the pty's buffer fills and the host's writes block, which is what hardware flow control
//! does to a host writing faster than the printer can take. Real-time requests (`DLE EOT`)
//! are answered as soon as the emulator reads them; `GS r 1` is answered in stream order,
//! i.e. once everything before it has been "printed", which is what the driver waits for.

use std::io::{BufRead, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use tracing::warn;

use crate::paper::{LINE_SPACING, Paper, PaperEnd, PlacedKind};
use serialport::TTYPort;

use crate::harness::{Device, Emulator, Shared};
use manassa_devices::PaperState;
use manassa_devices::escpos::{
    Align, DLE, EOT, ESC, GS, LF, MonoBitmap, PrinterStatus, StatusRequest,
};
use manassa_devices::serial::{self, SerialError};

/// What the emulated printer produced between two cuts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PrintedJob {
    /// Lines printed in the native font.
    pub text_lines: Vec<String>,
    /// Payloads of the QR codes printed (`GS ( k` fn 181).
    pub qr_codes: Vec<String>,
    /// Raster images; consecutive `GS v 0` strips of the same width and position are
    /// joined. Widths are multiples of 8 (the wire carries bytes per row).
    pub rasters: Vec<MonoBitmap>,
    /// Ended by a cut; false for a job torn by running out of paper or stopped by an
    /// opened cover.
    pub cut: bool,
    /// Bytes received for the job, real-time commands and `GS r` excluded.
    pub bytes: usize,
    /// The paper as printed (see [`Paper`]).
    pub paper: Paper,
}

impl PrintedJob {
    /// A text log of the job: one line per element with its dot row, then how it ended.
    pub fn log(&self, n: usize) -> String {
        let mut text = format!(
            "job {n}: {} bytes, {} dots long, {}\n",
            self.bytes,
            self.paper.height(),
            match self.paper.end() {
                PaperEnd::Cut => "cut",
                PaperEnd::Torn => "TORN (paper ran out)",
                PaperEnd::Open => "NOT CUT (stopped)",
            }
        );
        for p in self.paper.placed() {
            let line = match &p.what {
                PlacedKind::Text(t) => format!("text   {t}"),
                PlacedKind::Raster { x, width } => format!("raster {width}x{} at x={x}", p.height),
                PlacedKind::Qr(data) => format!("qr     {data}"),
                PlacedKind::Cut => "cut".into(),
                PlacedKind::Torn => "torn".into(),
            };
            text += &format!("  y={:<5} {line}\n", p.y);
        }
        text
    }
}

/// One parsed command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Init,
    Text(u8),
    LineFeed,
    FeedDots(u8),
    FeedLines(u8),
    Align(u8),
    CharSize(u8),
    Raster {
        width_bytes: usize,
        rows: usize,
    },
    QrModule(u8),
    QrEc(u8),
    QrStore,
    QrPrint,
    Cut(u8),
    /// `GS r n`: transmit status, answered in stream order.
    PaperStatus(u8),
    /// `DLE EOT n`: real-time status.
    Status(u8),
    /// Another real-time command (`DLE ENQ`, `DLE DC4`): no reply, not print data.
    Realtime,
    /// A command that changes nothing the emulator draws.
    Other,
}

/// Limits that keep a corrupt header from making the decoder buffer without bound.
const MAX_RASTER_WIDTH_BYTES: usize = 256;
const MAX_RASTER_ROWS: usize = 4095;
const MAX_GS_PAREN_LEN: usize = 7092;

/// Parses one command at the start of `buf`; `None` when more bytes are needed. Returns
/// the command and its length (always at least 1).
fn parse_op(buf: &[u8]) -> Option<(Op, usize)> {
    let at = |i: usize| buf.get(i).copied();
    let first = at(0)?;
    Some(match first {
        LF => (Op::LineFeed, 1),
        ESC => match at(1)? {
            b'@' => (Op::Init, 2),
            b'J' => (Op::FeedDots(at(2)?), 3),
            b'd' => (Op::FeedLines(at(2)?), 3),
            b'a' => (Op::Align(at(2)?), 3),
            b'!' | b'E' | b'-' | b'M' | b't' | b'3' | b'G' | b'R' | b'{' | b'V' | b'r' | b'c'
            | b'U' => {
                at(2)?;
                (Op::Other, 3)
            }
            b'$' | b'\\' => {
                at(3)?;
                (Op::Other, 4)
            }
            b'p' => {
                at(4)?;
                (Op::Other, 5)
            }
            _ => (Op::Other, 2),
        },
        GS => match at(1)? {
            b'!' => (Op::CharSize(at(2)?), 3),
            b'r' => (Op::PaperStatus(at(2)?), 3),
            b'B' | b'h' | b'w' | b'H' | b'f' | b'a' | b'I' => {
                at(2)?;
                (Op::Other, 3)
            }
            b'L' | b'W' | b'P' => {
                at(3)?;
                (Op::Other, 4)
            }
            b'V' => match at(2)? {
                0 | 1 | 48 | 49 => (Op::Cut(0), 3),
                _ => (Op::Cut(at(3)?), 4),
            },
            b'v' => {
                if buf.len() < 8 {
                    return None;
                }
                let width_bytes = usize::from(u16::from_le_bytes([buf[4], buf[5]]));
                let rows = usize::from(u16::from_le_bytes([buf[6], buf[7]]));
                if buf[2] != b'0'
                    || !(1..=MAX_RASTER_WIDTH_BYTES).contains(&width_bytes)
                    || !(1..=MAX_RASTER_ROWS).contains(&rows)
                {
                    // Malformed: skip the header only.
                    return Some((Op::Other, 8));
                }
                let len = 8 + width_bytes * rows;
                if buf.len() < len {
                    return None;
                }
                (Op::Raster { width_bytes, rows }, len)
            }
            b'(' => {
                if buf.len() < 5 {
                    return None;
                }
                let n = usize::from(u16::from_le_bytes([buf[3], buf[4]]));
                if n > MAX_GS_PAREN_LEN {
                    return Some((Op::Other, 5));
                }
                if buf.len() < 5 + n {
                    return None;
                }
                // Only the block's own n bytes count (a short n must not read past it).
                let block = &buf[5..5 + n];
                let op = match (buf[2], block) {
                    (b'k', [49, 67, size]) => Op::QrModule(*size),
                    (b'k', [49, 69, level]) => Op::QrEc(*level),
                    (b'k', [49, 80, _, ..]) => Op::QrStore,
                    (b'k', [49, 81, _]) => Op::QrPrint,
                    _ => Op::Other,
                };
                (op, 5 + n)
            }
            _ => (Op::Other, 2),
        },
        DLE => match at(1)? {
            EOT => (Op::Status(at(2)?), 3),
            0x05 => {
                at(2)?;
                (Op::Realtime, 3)
            }
            0x14 => {
                if buf.len() < 5 {
                    return None;
                }
                (Op::Realtime, 5)
            }
            _ => (Op::Other, 1),
        },
        b'\t' => (Op::Text(b' '), 1),
        0x20..=0x7E | 0x80..=0xFF => (Op::Text(first), 1),
        _ => (Op::Other, 1),
    })
}

/// The job being printed.
#[derive(Debug, Clone)]
struct JobBuilder {
    width: u32,
    job: PrintedJob,
    raster: Option<(u32, MonoBitmap)>,
    qr: Vec<u8>,
    qr_module: u8,
    qr_ec: u8,
    started: bool,
}

impl JobBuilder {
    fn new(width: u32) -> Self {
        Self {
            width,
            job: PrintedJob {
                paper: Paper::new(width),
                ..PrintedJob::default()
            },
            raster: None,
            qr: Vec::new(),
            qr_module: 3,
            qr_ec: 48,
            started: false,
        }
    }

    fn end_raster(&mut self) {
        if let Some((_, r)) = self.raster.take() {
            self.job.rasters.push(r);
        }
    }

    fn add_raster(&mut self, width_bytes: usize, rows: usize, data: &[u8]) {
        let width = (width_bytes * 8) as u32;
        let y = self.job.paper.height();
        match &mut self.raster {
            Some((end, r)) if r.width == width && *end == y => {
                r.height += rows as u32;
                r.data.extend_from_slice(data);
                *end += rows as u32;
            }
            _ => {
                self.end_raster();
                self.raster = Some((
                    y + rows as u32,
                    MonoBitmap {
                        width,
                        height: rows as u32,
                        data: data.to_vec(),
                    },
                ));
            }
        }
    }

    /// Applies one print command (`cmd` is its bytes); returns the job when it ends.
    fn apply(&mut self, op: Op, cmd: &[u8]) -> Option<PrintedJob> {
        self.started = true;
        self.job.bytes += cmd.len();
        let paper = &mut self.job.paper;
        match op {
            Op::Init => {
                paper.init();
                self.qr_module = 3;
                self.qr_ec = 48;
            }
            Op::Text(b) => paper.text(b),
            Op::LineFeed => paper.line_feed(),
            Op::FeedDots(n) => paper.feed(u32::from(n)),
            Op::FeedLines(n) => paper.feed(u32::from(n) * LINE_SPACING),
            Op::Align(n) => paper.set_align(match n {
                1 | b'1' => Align::Center,
                2 | b'2' => Align::Right,
                _ => Align::Left,
            }),
            Op::CharSize(n) => paper.set_char_size(u32::from(n >> 4) + 1, u32::from(n & 7) + 1),
            Op::Raster { width_bytes, rows } => {
                self.add_raster(width_bytes, rows, &cmd[8..]);
                self.job.paper.raster(width_bytes, rows, &cmd[8..]);
                return None;
            }
            Op::QrModule(n) => self.qr_module = n,
            Op::QrEc(n) => self.qr_ec = n,
            Op::QrStore => self.qr = cmd[8..].to_vec(),
            Op::QrPrint => {
                if paper.qr(&self.qr, u32::from(self.qr_module), self.qr_ec) {
                    let text = String::from_utf8_lossy(&self.qr).into_owned();
                    self.job.qr_codes.push(text);
                }
            }
            Op::Cut(feed) => {
                paper.cut(u32::from(feed));
                return Some(self.finish(true));
            }
            Op::Other => {}
            Op::PaperStatus(_) | Op::Status(_) | Op::Realtime => {}
        }
        self.end_raster();
        None
    }

    /// Ends the job (cut, or interrupted: torn when the paper ran out).
    fn finish(&mut self, cut: bool) -> PrintedJob {
        self.end_raster();
        let mut job = std::mem::replace(&mut self.job, JobBuilder::new(self.width).job);
        job.cut = cut;
        job.text_lines = job
            .paper
            .placed()
            .iter()
            .filter_map(|p| match &p.what {
                PlacedKind::Text(t) => Some(t.clone()),
                _ => None,
            })
            .collect();
        self.qr.clear();
        self.started = false;
        job
    }
}

/// What a [`StreamDecoder`] asks of the printer it runs in.
pub trait PrinterModel {
    /// The state the sensors report now.
    fn status(&self) -> PrinterStatus;
    /// Called with the length of each print command accepted while online (for faults
    /// scheduled after N bytes). Returns true when the printer stopped because of it.
    fn consumed(&mut self, _bytes: usize) -> bool {
        false
    }
}

/// A printer that is always online with paper: for decoding a stream offline.
struct AlwaysReady;

impl PrinterModel for AlwaysReady {
    fn status(&self) -> PrinterStatus {
        PrinterStatus {
            online: true,
            cover_open: false,
            paper: PaperState::Full,
        }
    }
}

/// What one [`StreamDecoder::push`] produced.
#[derive(Debug, Default)]
pub struct Decoded {
    /// Reply bytes to send to the host, in order (`DLE EOT` and `GS r` replies).
    pub replies: Vec<u8>,
    /// Jobs that ended (cut or interrupted).
    pub jobs: Vec<PrintedJob>,
    /// Print-data bytes received (real-time commands excluded), discarded ones included.
    pub bytes: usize,
}

/// Incremental ESC/POS decoder: buffers at most one incomplete command (a raster strip or
/// a `GS (` block, both bounded), draws the paper, and answers status requests from a
/// [`PrinterModel`]. While the model is offline, print data is discarded (modelled: a real
/// printer would stop taking data and resume after recovery), status is still answered.
#[derive(Debug, Clone)]
pub struct StreamDecoder {
    pending: Vec<u8>,
    job: JobBuilder,
}

impl StreamDecoder {
    /// A decoder for paper `width` dots wide.
    pub fn new(width: u32) -> Self {
        Self {
            pending: Vec::new(),
            job: JobBuilder::new(width),
        }
    }

    /// Bytes of an incomplete command waiting for the rest.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Decodes `bytes` against `printer`.
    pub fn push(&mut self, bytes: &[u8], printer: &mut dyn PrinterModel) -> Decoded {
        self.pending.extend_from_slice(bytes);
        let mut out = Decoded::default();
        let mut used = 0;
        while let Some((op, len)) = parse_op(&self.pending[used..]) {
            let cmd = &self.pending[used..used + len];
            used += len;
            match op {
                Op::Status(n) => {
                    let req = match n {
                        1 => Some(StatusRequest::Printer),
                        2 => Some(StatusRequest::OfflineCause),
                        3 => Some(StatusRequest::ErrorCause),
                        4 => Some(StatusRequest::PaperSensor),
                        _ => None,
                    };
                    if let Some(req) = req {
                        out.replies.push(printer.status().reply(req));
                    }
                    continue;
                }
                Op::Realtime => continue,
                _ => {}
            }
            out.bytes += len;
            let status = printer.status();
            if !status.online {
                continue;
            }
            if let Op::PaperStatus(n) = op {
                out.replies.push(paper_status_reply(&status, n));
                continue;
            }
            if let Some(job) = self.job.apply(op, cmd) {
                out.jobs.push(job);
            }
            if printer.consumed(len) && self.job.started {
                if printer.status().paper == PaperState::Out {
                    self.job.job.paper.tear();
                }
                out.jobs.push(self.job.finish(false));
            }
        }
        self.pending.drain(..used);
        out
    }

    /// Ends the stream: a job with content but no cut is returned as not cut.
    pub fn finish(&mut self) -> Option<PrintedJob> {
        if self.job.started && !self.job.job.paper.is_blank() {
            Some(self.job.finish(false))
        } else {
            None
        }
    }
}

/// The reply byte to `GS r n`: n = 1 (or 49) paper sensor, bits 0-1 near end, bits 2-3
/// paper end, bit 4 clear (which tells it apart from `DLE EOT` replies); other n: 0.
pub fn paper_status_reply(status: &PrinterStatus, n: u8) -> u8 {
    match n {
        1 | 49 => match status.paper {
            PaperState::Out => 0x0C,
            PaperState::Low => 0x03,
            _ => 0,
        },
        _ => 0,
    }
}

/// Decodes a whole ESC/POS stream offline (printer always ready) into jobs, the last one
/// not cut if the stream does not end with a cut. For `manassa ticket render --png`,
/// benchmarks and fuzzing.
pub fn decode_stream(bytes: &[u8], width: u32) -> Vec<PrintedJob> {
    let mut dec = StreamDecoder::new(width);
    let mut jobs = dec.push(bytes, &mut AlwaysReady).jobs;
    jobs.extend(dec.finish());
    jobs
}

// ---------------------------------------------------------------------------------------
// The emulator on a pty
// ---------------------------------------------------------------------------------------

/// A fault scheduled after some bytes of print data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MidJobFault {
    /// The paper runs out.
    PaperOut,
    /// Someone opens the cover.
    CoverOpen,
}

struct EmuState {
    paper: PaperState,
    cover_open: bool,
    fault: Option<(usize, MidJobFault)>,
    jobs: Vec<PrintedJob>,
    bytes_received: usize,
    /// Bytes per second taken off the line; `None`: as fast as they come.
    rate: Option<u32>,
}

impl PrinterModel for EmuState {
    fn status(&self) -> PrinterStatus {
        PrinterStatus {
            online: !self.cover_open && matches!(self.paper, PaperState::Full | PaperState::Low),
            cover_open: self.cover_open,
            paper: self.paper,
        }
    }

    fn consumed(&mut self, bytes: usize) -> bool {
        let Some((left, fault)) = self.fault else {
            return false;
        };
        let left = left.saturating_sub(bytes);
        if left > 0 {
            self.fault = Some((left, fault));
            return false;
        }
        self.fault = None;
        match fault {
            MidJobFault::PaperOut => self.paper = PaperState::Out,
            MidJobFault::CoverOpen => self.cover_open = true,
        }
        true
    }
}

/// Emulated ESC/POS printer on a pseudo-terminal.
///
/// Decodes the stream with a [`StreamDecoder`] into [`PrintedJob`]s (text, QR, rasters and
/// the drawn [`Paper`]), answers `DLE EOT n` (n = 1..=4) with the state it is given and
/// `GS r 1` in stream order. Faults: paper out or cover open now, or after N more bytes of
/// print data (the job in progress is then recorded as not cut, torn for paper out), a slow
/// line ([`set_baud`](Self::set_baud), see the module docs), unplug/replug.
pub struct PrinterEmulator {
    emu: Emulator<EmuState>,
}

impl PrinterEmulator {
    /// An emulator for 576-dot paper on a fresh pty; [`path`](Self::path) is the slave.
    ///
    /// # Errors
    /// When no pty can be created.
    pub fn start() -> Result<Self, SerialError> {
        Self::spawn(None, 576)
    }

    /// An emulator with a symlink at `link` (replacing an older symlink). Unplugging closes
    /// the pty and removes the link; re-plugging recreates both.
    ///
    /// # Errors
    /// When no pty can be created or `link` exists and is not a symlink.
    pub fn with_link(link: &Path) -> Result<Self, SerialError> {
        Self::spawn(Some(link), 576)
    }

    /// An emulator for paper `dot_width` dots wide, with an optional symlink.
    ///
    /// # Errors
    /// As [`with_link`](Self::with_link).
    pub fn spawn(link: Option<&Path>, dot_width: u32) -> Result<Self, SerialError> {
        let state = EmuState {
            paper: PaperState::Full,
            cover_open: false,
            fault: None,
            jobs: Vec::new(),
            bytes_received: 0,
            rate: None,
        };
        let device = Printer {
            width: dot_width,
            decoder: StreamDecoder::new(dot_width),
            allowance: 0.0,
            last: Instant::now(),
        };
        Ok(Self {
            emu: Emulator::spawn("printer", link, state, device)?,
        })
    }

    /// The path the driver should open.
    pub fn path(&self) -> PathBuf {
        self.emu.path()
    }

    /// Jobs recorded so far.
    pub fn jobs(&self) -> Vec<PrintedJob> {
        self.emu.lock().jobs.clone()
    }

    /// Waits until at least `count` jobs are recorded or `timeout` passes; returns the
    /// jobs recorded by then.
    pub fn wait_for_jobs(&self, count: usize, timeout: Duration) -> Vec<PrintedJob> {
        self.emu
            .wait_until(timeout, |st| st.jobs.len() >= count)
            .jobs
            .clone()
    }

    /// Print-data bytes received (real-time commands excluded), including discarded ones.
    pub fn bytes_received(&self) -> usize {
        self.emu.lock().bytes_received
    }

    /// Sets the paper state reported by the sensors (cancels a scheduled paper out).
    pub fn set_paper(&self, paper: PaperState) {
        let mut st = self.emu.lock();
        st.paper = paper;
        if matches!(st.fault, Some((_, MidJobFault::PaperOut))) {
            st.fault = None;
        }
    }

    /// Opens or closes the cover.
    pub fn set_cover_open(&self, open: bool) {
        self.emu.lock().cover_open = open;
    }

    /// Makes the paper run out after `bytes` more bytes of print data (`None`: never).
    pub fn paper_out_after_bytes(&self, bytes: Option<usize>) {
        self.emu.lock().fault = bytes.map(|b| (b, MidJobFault::PaperOut));
    }

    /// Schedules `fault` after `bytes` more bytes of print data (replaces any other).
    pub fn fault_after_bytes(&self, bytes: usize, fault: MidJobFault) {
        self.emu.lock().fault = Some((bytes, fault));
    }

    /// Limits the line to `baud / 10` bytes per second (`None`: unlimited).
    pub fn set_baud(&self, baud: Option<u32>) {
        self.emu.lock().rate = baud.map(|b| (b / 10).max(1));
    }

    /// Simulates unplugging (`true`) and re-plugging (`false`); see [`EmulatorPort`].
    pub fn set_unplugged(&self, unplugged: bool) {
        self.emu.set_unplugged(unplugged);
    }
}

/// The printer's line: reads at the line rate, decodes, answers.
struct Printer {
    width: u32,
    decoder: StreamDecoder,
    /// Token bucket of the byte-rate limit.
    allowance: f64,
    last: Instant,
}

impl Device for Printer {
    type State = EmuState;

    fn turn(&mut self, shared: &Shared<EmuState>, master: &mut TTYPort) {
        let mut buf = [0u8; 4096];
        let rate = shared.lock().rate;
        let mut want = buf.len();
        if let Some(rate) = rate {
            let now = Instant::now();
            let cap = (f64::from(rate) / 20.0).max(1.0);
            self.allowance = (self.allowance
                + now.duration_since(self.last).as_secs_f64() * f64::from(rate))
            .min(cap);
            self.last = now;
            if self.allowance < 1.0 {
                thread::sleep(Duration::from_millis(2));
                return;
            }
            want = want.min(self.allowance as usize);
        }
        let n = match serial::read_some(master, &mut buf[..want]) {
            Ok(n) => n,
            Err(e) if e.is_timeout() => return,
            Err(_) => {
                thread::sleep(Duration::from_millis(20));
                return;
            }
        };
        if rate.is_some() {
            self.allowance -= n as f64;
        }
        let decoded = {
            let mut st = shared.lock();
            let d = self.decoder.push(&buf[..n], &mut *st);
            st.bytes_received += d.bytes;
            st.jobs.extend(d.jobs.iter().cloned());
            d
        };
        if !decoded.jobs.is_empty() {
            shared.notify();
        }
        if !decoded.replies.is_empty() && serial::write_all(master, &decoded.replies).is_err() {
            warn!("printer emulator could not send status");
        }
    }

    fn unplugged(&mut self, _shared: &Shared<EmuState>) {
        self.decoder = StreamDecoder::new(self.width);
    }
}

/// Options of `manassa emulate printer`.
#[derive(Debug, Clone)]
pub struct CliOptions {
    /// Symlink to create for the pty.
    pub pty: PathBuf,
    /// Folder for `job-N.png` and `job-N.txt`.
    pub out: Option<PathBuf>,
    /// Paper runs out after this many bytes of print data.
    pub paper_out_after: Option<usize>,
    /// Line rate limit in baud (bytes per second = baud / 10).
    pub baud: Option<u32>,
    /// Paper width in dots.
    pub dot_width: u32,
}

/// `manassa emulate printer --pty PATH [--paper-out-after N] [--baud B] [--out DIR]`: runs
/// an emulator, prints each job's log as it completes and, with `--out`, writes
/// `job-N.png` (the paper) and `job-N.txt` (the log). Commands on stdin: `paper
/// full|low|out|jam`, `cover open|close`, `paper-out-after N`, `cover-open-after N`,
/// `baud B|off`, `unplug`, `plug`, `quit`. End of input does not stop it; `quit` does.
///
/// # Errors
/// When the pty, the link or the output folder cannot be created, or a file not written.
pub fn run_cli(opts: &CliOptions) -> anyhow::Result<()> {
    let emu = Arc::new(PrinterEmulator::spawn(Some(&opts.pty), opts.dot_width)?);
    if let Some(dir) = &opts.out {
        std::fs::create_dir_all(dir)?;
    }
    emu.paper_out_after_bytes(opts.paper_out_after);
    emu.set_baud(opts.baud);
    println!(
        "ESC/POS printer emulator on {} ({} dots{}); commands: paper full|low|out|jam | cover open|close | paper-out-after N | cover-open-after N | baud B|off | unplug | plug | quit",
        emu.path().display(),
        opts.dot_width,
        opts.baud.map(|b| format!(", {b} baud")).unwrap_or_default()
    );
    let quit = Arc::new(AtomicBool::new(false));
    {
        let (emu, quit) = (Arc::clone(&emu), Arc::clone(&quit));
        thread::spawn(move || stdin_commands(&emu, &quit));
    }
    let mut shown = 0;
    while !quit.load(Ordering::Relaxed) {
        let jobs = emu.wait_for_jobs(shown + 1, Duration::from_millis(200));
        for (i, job) in jobs.iter().enumerate().skip(shown) {
            let log = job.log(i + 1);
            print!("{log}");
            std::io::stdout().flush()?;
            if let Some(dir) = &opts.out {
                std::fs::write(dir.join(format!("job-{}.txt", i + 1)), &log)?;
                let png = job.paper.to_png().map_err(anyhow::Error::msg)?;
                std::fs::write(dir.join(format!("job-{}.png", i + 1)), png)?;
            }
        }
        shown = jobs.len();
    }
    Ok(())
}

fn stdin_commands(emu: &PrinterEmulator, quit: &AtomicBool) {
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["paper", state] => {
                let paper = match *state {
                    "full" => PaperState::Full,
                    "low" => PaperState::Low,
                    "out" => PaperState::Out,
                    "jam" => PaperState::Jammed,
                    _ => {
                        println!("paper full|low|out|jam");
                        continue;
                    }
                };
                emu.set_paper(paper);
                println!("paper {paper:?}");
            }
            ["cover", state @ ("open" | "close")] => {
                emu.set_cover_open(*state == "open");
                println!("cover {state}");
            }
            [cmd @ ("paper-out-after" | "cover-open-after"), n] => match n.parse() {
                Ok(n) => {
                    let fault = if *cmd == "paper-out-after" {
                        MidJobFault::PaperOut
                    } else {
                        MidJobFault::CoverOpen
                    };
                    emu.fault_after_bytes(n, fault);
                    println!("{fault:?} after {n} bytes");
                }
                Err(_) => println!("{cmd} N"),
            },
            ["baud", "off"] => {
                emu.set_baud(None);
                println!("line rate unlimited");
            }
            ["baud", b] => match b.parse() {
                Ok(b) => {
                    emu.set_baud(Some(b));
                    println!("line limited to {b} baud");
                }
                Err(_) => println!("baud B|off"),
            },
            ["unplug"] => {
                emu.set_unplugged(true);
                println!("unplugged");
            }
            ["plug"] => {
                emu.set_unplugged(false);
                println!("plugged in");
            }
            ["quit"] => {
                quit.store(true, Ordering::Relaxed);
                return;
            }
            [] => {}
            _ => println!("unknown command {line:?}"),
        }
    }
}

#[cfg(test)]
mod tests;
