//! The pure ESC/POS stream decoder: bytes in, jobs (text, QR, rasters, the drawn paper)
//! and status replies out.

use super::*;

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
pub(super) struct AlwaysReady;

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
