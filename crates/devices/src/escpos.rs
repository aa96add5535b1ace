//! Thermal receipt printer speaking Epson ESC/POS: command builders, a ticket encoder, a
//! synchronous driver and an emulator.
//!
//! Standard ESC/POS (Epson "ESC/POS Command Reference"): `ESC @`, `ESC a`, `ESC d`,
//! `ESC J`, `ESC !`, `GS !`, `GS v 0`, `GS ( k` (QR, function 165/167/169/180/181),
//! `GS V 66`, `DLE EOT n` with its fixed-bit reply bytes.
//!
//! Choices made here (not from the standard): raster strips of [`RASTER_STRIP_ROWS`] rows,
//! QR codes with model 2 and error correction Q, centred; all-white rows at the top and
//! bottom of a bitmap become `ESC J` feeds; a controller error (offline-cause bit 6) is
//! reported as [`PaperState::Jammed`]; `GS r 1` after each job to learn when it has been
//! printed. What the emulator models is described in `manassa-emulators`.

use std::time::{Duration, Instant};

use serialport::{ClearBuffer, SerialPort};
use tracing::{debug, warn};

use super::PaperState;
use super::serial::{self, SerialConfig, SerialError};

/// Line feed: prints the line buffer and advances one line.
pub const LF: u8 = 0x0A;
/// Escape, prefix of `ESC` commands.
pub const ESC: u8 = 0x1B;
/// Group separator, prefix of `GS` commands.
pub const GS: u8 = 0x1D;
/// Data link escape, prefix of real-time commands.
pub const DLE: u8 = 0x10;
/// Second byte of `DLE EOT n`.
pub const EOT: u8 = 0x04;

/// Rows per `GS v 0` raster command.
///
/// 24 rows keep one strip at most 1.7 KiB at 576 dots (72 bytes a row), below the 4 KiB
/// receive buffer of common printers, so a strip never overruns a printer running without
/// flow control, while the 8-byte header costs under 0.5 % of the data.
pub const RASTER_STRIP_ROWS: u32 = 24;

pub use manassa_core::printer::{Align, MonoBitmap, QR_MAX_DATA, TicketItem};

/// How long a status byte may take to arrive.
pub const STATUS_TIMEOUT: Duration = Duration::from_secs(1);

/// How long the printer may refuse data (flow control held, buffer full) during a job
/// before the job is abandoned.
pub const JOB_WRITE_TIMEOUT: Duration = Duration::from_secs(10);

pub mod cmd {
    use super::{Align, DLE, EOT, ESC, GS, StatusRequest};

    /// `ESC @`: initialise the printer (modes back to defaults, print buffer cleared).
    pub fn init() -> [u8; 2] {
        [ESC, b'@']
    }

    /// `ESC a n`: justification for the following lines, raster images and codes.
    pub fn align(a: Align) -> [u8; 3] {
        let n = match a {
            Align::Left => 0,
            Align::Center => 1,
            Align::Right => 2,
        };
        [ESC, b'a', n]
    }

    /// `ESC d n`: print the line buffer and feed `n` lines.
    pub fn feed_lines(n: u8) -> [u8; 3] {
        [ESC, b'd', n]
    }

    /// `ESC J n`: print the line buffer and feed `n` motion units, one dot row on common
    /// 203-dpi printers (the default of `GS P`).
    pub fn feed_dots(n: u8) -> [u8; 3] {
        [ESC, b'J', n]
    }

    /// `GS ! n`: character size; `double` = double width and double height (n = 0x11).
    pub fn char_size(double: bool) -> [u8; 3] {
        [GS, b'!', if double { 0x11 } else { 0x00 }]
    }

    /// `GS V 66 0`: feed to the cutting position and cut partially (one point left
    /// uncut, so the ticket does not fall).
    pub fn partial_cut() -> [u8; 4] {
        [GS, b'V', 66, 0]
    }

    /// `GS v 0 m xL xH yL yH d1..dk` with m = 0 (normal density): a raster strip of
    /// `width_bytes` bytes per row (MSB = leftmost dot, 1 = black) and `rows` rows.
    ///
    /// # Panics
    /// If `data.len() != width_bytes * rows`.
    pub fn raster(width_bytes: u16, rows: u16, data: &[u8]) -> Vec<u8> {
        assert_eq!(data.len(), usize::from(width_bytes) * usize::from(rows));
        let [xl, xh] = width_bytes.to_le_bytes();
        let [yl, yh] = rows.to_le_bytes();
        let mut out = Vec::with_capacity(8 + data.len());
        out.extend_from_slice(&[GS, b'v', b'0', 0, xl, xh, yl, yh]);
        out.extend_from_slice(data);
        out
    }

    /// `GS ( k` sequence printing a QR code: model 2 (fn 165, n1 = 50), module size
    /// `module_dots` (fn 167, 1..=16), error correction Q (fn 169, n = 50; 48 L, 49 M,
    /// 50 Q, 51 H), store `data` (fn 180, m = 48), print (fn 181).
    ///
    /// # Panics
    /// If `data.len() > 7089` (the store function's limit).
    pub fn qr(data: &[u8], module_dots: u8) -> Vec<u8> {
        assert!(data.len() <= 7089);
        let store_len = u16::try_from(data.len() + 3).expect("bounded above");
        let [pl, ph] = store_len.to_le_bytes();
        let mut out = Vec::with_capacity(data.len() + 40);
        out.extend_from_slice(&[GS, b'(', b'k', 4, 0, 49, 65, 50, 0]);
        out.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 67, module_dots]);
        out.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 69, 50]);
        out.extend_from_slice(&[GS, b'(', b'k', pl, ph, 49, 80, 48]);
        out.extend_from_slice(data);
        out.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 81, 48]);
        out
    }

    /// `GS r 1`: transmit the paper sensor status. Not real-time: the printer answers when
    /// it reaches the command, i.e. after printing everything before it.
    pub fn paper_status() -> [u8; 3] {
        [GS, b'r', 1]
    }

    /// `DLE EOT n`: real-time status request; the printer answers one byte.
    pub fn status(req: StatusRequest) -> [u8; 3] {
        [DLE, EOT, req as u8]
    }
}

/// The `n` of `DLE EOT n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum StatusRequest {
    /// n = 1: printer status (bit 3 = offline).
    Printer = 1,
    /// n = 2: offline cause (bit 2 cover open, bit 5 stopped by paper end, bit 6 error).
    OfflineCause = 2,
    /// n = 3: error cause (bit 3 autocutter, bit 5 unrecoverable, bit 6 auto-recoverable).
    ErrorCause = 3,
    /// n = 4: roll paper sensor (bits 2-3 near end, bits 5-6 paper end).
    PaperSensor = 4,
}

/// Printer state as read with `DLE EOT 1`, `2` and `4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrinterStatus {
    /// Not offline (DLE EOT 1, bit 3 clear).
    pub online: bool,
    /// Cover open (DLE EOT 2, bit 2).
    pub cover_open: bool,
    /// Paper: `Out` from the paper-end sensor (DLE EOT 4, bits 5-6) or "stopped by paper
    /// end" (DLE EOT 2, bit 5); `Jammed` when an error occurred (DLE EOT 2, bit 6);
    /// `Low` from the near-end sensor (DLE EOT 4, bits 2-3); else `Full`.
    pub paper: PaperState,
}

/// A status reply byte whose fixed bits (0 and 7 clear, 1 and 4 set) are wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a DLE EOT status byte: {0:#04x}")]
pub struct BadStatusByte(pub u8);

/// Checks the fixed bits every `DLE EOT` reply carries: `0xx1 xx10`.
pub fn is_status_byte(b: u8) -> bool {
    b & 0x93 == 0x12
}

impl PrinterStatus {
    /// Decodes the replies to `DLE EOT 1`, `DLE EOT 2` and `DLE EOT 4`.
    ///
    /// # Errors
    /// [`BadStatusByte`] when a byte does not have the fixed bits of a status reply.
    pub fn parse(printer: u8, offline_cause: u8, paper_sensor: u8) -> Result<Self, BadStatusByte> {
        for b in [printer, offline_cause, paper_sensor] {
            if !is_status_byte(b) {
                return Err(BadStatusByte(b));
            }
        }
        let paper = if paper_sensor & 0x60 != 0 || offline_cause & 0x20 != 0 {
            PaperState::Out
        } else if offline_cause & 0x40 != 0 {
            PaperState::Jammed
        } else if paper_sensor & 0x0C != 0 {
            PaperState::Low
        } else {
            PaperState::Full
        };
        Ok(Self {
            online: printer & 0x08 == 0,
            cover_open: offline_cause & 0x04 != 0,
            paper,
        })
    }

    /// The reply byte to `DLE EOT n` for this state (as a printer would send it).
    pub fn reply(&self, req: StatusRequest) -> u8 {
        let base = 0x12;
        match req {
            StatusRequest::Printer => base | if self.online { 0 } else { 0x08 },
            StatusRequest::OfflineCause => {
                base | if self.cover_open { 0x04 } else { 0 }
                    | match self.paper {
                        PaperState::Out => 0x20,
                        PaperState::Jammed => 0x40,
                        _ => 0,
                    }
            }
            StatusRequest::ErrorCause => {
                base | if self.paper == PaperState::Jammed {
                    0x08
                } else {
                    0
                }
            }
            StatusRequest::PaperSensor => {
                base | match self.paper {
                    PaperState::Out => 0x6C,
                    PaperState::Low => 0x0C,
                    _ => 0,
                }
            }
        }
    }
}

/// Why a ticket cannot be encoded. `item` is the index in the item list; the content is
/// never included (it may be personal data).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A text item contains a byte outside printable ASCII.
    #[error("item {item}: text is not printable ASCII (use a raster for other scripts)")]
    NotAscii {
        /// Item index.
        item: usize,
    },
    /// A bitmap's data length does not match its size.
    #[error("item {item}: bitmap data is {len} bytes, {width}x{height} needs {expected}")]
    BadBitmap {
        /// Item index.
        item: usize,
        /// Bitmap width.
        width: u32,
        /// Bitmap height.
        height: u32,
        /// Data length.
        len: usize,
        /// Required length.
        expected: usize,
    },
    /// A bitmap is wider than the printable width.
    #[error("item {item}: bitmap is {width} dots wide, the printer prints {max}")]
    TooWide {
        /// Item index.
        item: usize,
        /// Bitmap width in dots.
        width: u32,
        /// Printable width in dots.
        max: u32,
    },
    /// A QR payload is empty or longer than [`QR_MAX_DATA`].
    #[error("item {item}: QR payload of {len} bytes outside 1..={QR_MAX_DATA}")]
    QrLength {
        /// Item index.
        item: usize,
        /// Payload length.
        len: usize,
    },
    /// A QR module size outside 1..=16.
    #[error("item {item}: QR module size {size} outside 1..=16")]
    QrModule {
        /// Item index.
        item: usize,
        /// Requested size.
        size: u8,
    },
}

/// What a printer model can do: its profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// Printable width in dots at 203 dpi: 384 (58 mm), 432, 512 or 576 (80 mm).
    pub dot_width: u32,
    /// The printer prints QR codes itself (`GS ( k`); when false, QR codes are sent as
    /// raster images drawn with the `qrcode` crate.
    pub native_qr: bool,
}

impl Profile {
    /// A printer `dot_width` dots wide with native QR.
    pub fn new(dot_width: u32) -> Self {
        Self {
            dot_width,
            native_qr: true,
        }
    }
}

/// Blank rows inside a bitmap from which a run is fed (`ESC J`, 3 bytes) instead of being
/// sent as white raster rows; splitting costs a feed and a new strip header (11 bytes).
const MIN_FED_GAP: usize = 2;

/// Encodes a ticket without knowing the paper: `ESC @`, then each item. Alignment and
/// character size commands are only sent when they change; blank raster rows are fed and
/// blank bytes at the right end of raster rows are not sent.
///
/// # Errors
/// [`EncodeError`] for non-ASCII text, inconsistent bitmaps and bad QR parameters. Bitmap
/// width is not checked here; [`encode_for`] and [`EscPosPrinter::print`] check it.
pub fn encode_ticket(items: &[TicketItem]) -> Result<Vec<u8>, EncodeError> {
    encode(items, None)
}

/// Encodes a ticket for a printer `profile`: as [`encode_ticket`], and moreover bitmaps as
/// wide as the paper also lose their blank bytes on the left (printed centred or
/// right-justified so every dot stays where it was), and QR codes become rasters on
/// printers without native QR.
///
/// # Errors
/// As [`encode_ticket`], plus [`EncodeError::TooWide`] for bitmaps wider than the paper.
pub fn encode_for(items: &[TicketItem], profile: &Profile) -> Result<Vec<u8>, EncodeError> {
    encode(items, Some(profile))
}

fn encode(items: &[TicketItem], profile: Option<&Profile>) -> Result<Vec<u8>, EncodeError> {
    let mut enc = Encoder {
        out: cmd::init().to_vec(),
        align: Align::Left,
        double: false,
        paper: profile.map(|p| p.dot_width),
    };
    for (item, it) in items.iter().enumerate() {
        match it {
            TicketItem::Raster(bmp) => {
                let expected = bmp.stride() * bmp.height as usize;
                if bmp.data.len() != expected {
                    return Err(EncodeError::BadBitmap {
                        item,
                        width: bmp.width,
                        height: bmp.height,
                        len: bmp.data.len(),
                        expected,
                    });
                }
                let max = profile.map_or(u32::from(u16::MAX), |p| p.dot_width);
                if bmp.width > max {
                    return Err(EncodeError::TooWide {
                        item,
                        width: bmp.width,
                        max,
                    });
                }
                enc.raster(bmp);
            }
            TicketItem::Text {
                text,
                align,
                double,
            } => {
                if !text.bytes().all(|b| (0x20..=0x7E).contains(&b)) {
                    return Err(EncodeError::NotAscii { item });
                }
                enc.set_align(*align);
                if enc.double != *double {
                    enc.out.extend(cmd::char_size(*double));
                    enc.double = *double;
                }
                enc.out.extend_from_slice(text.as_bytes());
                enc.out.push(LF);
            }
            TicketItem::Qr { data, module_dots } => {
                if data.is_empty() || data.len() > QR_MAX_DATA {
                    return Err(EncodeError::QrLength {
                        item,
                        len: data.len(),
                    });
                }
                if !(1..=16).contains(module_dots) {
                    return Err(EncodeError::QrModule {
                        item,
                        size: *module_dots,
                    });
                }
                // Quiet zone of 4 modules above and below: printers do not add one.
                let quiet = 4 * u32::from(*module_dots);
                match profile {
                    Some(p) if !p.native_qr => {
                        let bmp = qr_bitmap(data.as_bytes(), *module_dots, p.dot_width).ok_or(
                            EncodeError::QrLength {
                                item,
                                len: data.len(),
                            },
                        )?;
                        if bmp.width > p.dot_width {
                            return Err(EncodeError::TooWide {
                                item,
                                width: bmp.width,
                                max: p.dot_width,
                            });
                        }
                        enc.raster(&bmp);
                    }
                    _ => {
                        enc.feed(quiet);
                        enc.set_align(Align::Center);
                        enc.out.extend(cmd::qr(data.as_bytes(), *module_dots));
                        enc.feed(quiet);
                    }
                }
            }
            TicketItem::Feed(rows) => enc.feed(u32::from(*rows)),
            TicketItem::Cut => enc.out.extend(cmd::partial_cut()),
        }
    }
    Ok(enc.out)
}

/// A QR symbol (model 2, error correction Q) drawn centred on a bitmap `paper` dots wide,
/// with a 4-module quiet zone above and below; `None` when `data` does not fit. The
/// bitmap is wider than `paper` when the symbol is.
pub fn qr_bitmap(data: &[u8], module_dots: u8, paper: u32) -> Option<MonoBitmap> {
    let code = qrcode::QrCode::with_error_correction_level(data, qrcode::EcLevel::Q).ok()?;
    let n = code.width() as u32;
    let m = u32::from(module_dots.max(1));
    let size = n * m;
    let width = paper.max(size.div_ceil(8) * 8);
    let quiet = 4 * m;
    let mut bmp = MonoBitmap::new(width, size + 2 * quiet);
    let x0 = (width - size) / 2;
    let colors = code.to_colors();
    for y in 0..size {
        for x in 0..size {
            if colors[((y / m) * n + x / m) as usize] == qrcode::Color::Dark {
                bmp.set(x0 + x, quiet + y, true);
            }
        }
    }
    Some(bmp)
}

struct Encoder {
    out: Vec<u8>,
    align: Align,
    double: bool,
    /// Paper width in dots, when known.
    paper: Option<u32>,
}

impl Encoder {
    fn set_align(&mut self, a: Align) {
        if self.align != a {
            self.out.extend(cmd::align(a));
            self.align = a;
        }
    }

    fn feed(&mut self, mut rows: u32) {
        while rows > 0 {
            let n = rows.min(255);
            self.out.extend(cmd::feed_dots(n as u8));
            rows -= n;
        }
    }

    /// Blank runs of rows (at the ends, or [`MIN_FED_GAP`] rows and more inside) are fed;
    /// inked runs go out in strips of [`RASTER_STRIP_ROWS`] rows, each trimmed of the blank
    /// bytes it can drop without moving a dot.
    fn raster(&mut self, bmp: &MonoBitmap) {
        let rows: Vec<Vec<u8>> = (0..bmp.height).map(|y| bmp.clean_row(y)).collect();
        let blank = |r: &[u8]| r.iter().all(|&b| b == 0);
        let h = rows.len();
        let mut cursor = 0;
        let mut i = 0;
        while i < h {
            if blank(&rows[i]) {
                i += 1;
                continue;
            }
            let start = i;
            let mut end = i;
            let mut j = i + 1;
            while j < h {
                if !blank(&rows[j]) {
                    end = j;
                    j += 1;
                    continue;
                }
                let run = rows[j..].iter().take_while(|r| blank(r)).count();
                if run >= MIN_FED_GAP || j + run >= h {
                    break;
                }
                j += run;
            }
            self.feed((start - cursor) as u32);
            let run = &rows[start..=end];
            let mut at = 0;
            for len in self.strip_lengths(bmp.width, run) {
                self.strip(bmp.width, &run[at..at + len]);
                at += len;
            }
            cursor = end + 1;
            i = end + 1;
        }
        self.feed((h - cursor) as u32);
    }

    /// Splits an inked run of rows into strips of at most [`RASTER_STRIP_ROWS`] rows so
    /// that headers plus trimmed data are smallest (rows of a text line vary in width:
    /// a strip per band of similar rows beats fixed strips). Dynamic programming over the
    /// run, O(rows × strip rows).
    fn strip_lengths(&self, width: u32, run: &[Vec<u8>]) -> Vec<usize> {
        let n = run.len();
        let margins: Vec<(usize, usize)> = run.iter().map(|r| margins(r)).collect();
        let stride = run[0].len();
        let wide = self.paper == Some(width) && width.is_multiple_of(8);
        // best[k]: cheapest encoding of rows 0..k, with the length of its last strip.
        let mut best: Vec<(usize, usize)> = vec![(0, 0); n + 1];
        for k in 1..=n {
            let (mut lead, mut trail) = (usize::MAX, usize::MAX);
            best[k] = (usize::MAX, 0);
            for j in (k.saturating_sub(RASTER_STRIP_ROWS as usize)..k).rev() {
                lead = lead.min(margins[j].0);
                trail = trail.min(margins[j].1);
                if lead == stride {
                    continue; // only blank rows so far: not a strip of its own
                }
                let cost = best[j].0 + 8 + (k - j) * kept_bytes(stride, lead, trail, wide);
                if cost < best[k].0 {
                    best[k] = (cost, k - j);
                }
            }
        }
        let mut lengths = Vec::new();
        let mut k = n;
        while k > 0 {
            lengths.push(best[k].1);
            k -= best[k].1;
        }
        lengths.reverse();
        lengths
    }

    /// One `GS v 0` strip of rows from a bitmap `width` dots wide, at least one row inked.
    fn strip(&mut self, width: u32, rows: &[Vec<u8>]) {
        let stride = rows[0].len();
        let (lead, trail) = rows
            .iter()
            .map(|r| margins(r))
            .fold((usize::MAX, usize::MAX), |(l, t), (a, b)| {
                (l.min(a), t.min(b))
            });
        // Left-justified, only the right end can go. A bitmap as wide as the paper can
        // also be centred (drop as much on both sides) or right-justified (drop the left).
        let mut options = vec![(Align::Left, 0, stride - trail)];
        if self.paper == Some(width) && width.is_multiple_of(8) {
            let k = lead.min(trail);
            options.push((Align::Center, k, stride - k));
            options.push((Align::Right, lead, stride));
        }
        let cost = |&(a, from, to): &(Align, usize, usize)| {
            (to - from) * rows.len() + if a == self.align { 0 } else { 3 }
        };
        let &(align, from, to) = options.iter().min_by_key(|o| cost(o)).expect("non-empty");
        self.set_align(align);
        let data: Vec<u8> = rows
            .iter()
            .flat_map(|r| r[from..to].iter().copied())
            .collect();
        let width_bytes = u16::try_from(to - from).expect("width checked against u16::MAX");
        self.out
            .extend(cmd::raster(width_bytes, rows.len() as u16, &data));
    }
}

/// Blank bytes at the start and at the end of an inked row.
fn margins(row: &[u8]) -> (usize, usize) {
    let lead = row.iter().take_while(|&&b| b == 0).count();
    let trail = row.iter().rev().take_while(|&&b| b == 0).count();
    (lead, trail)
}

/// Bytes per row left after the best trim (see [`Encoder::strip`]).
fn kept_bytes(stride: usize, lead: usize, trail: usize, paper_wide: bool) -> usize {
    let left = stride - trail;
    if paper_wide {
        left.min(stride - 2 * lead.min(trail)).min(stride - lead)
    } else {
        left
    }
}

/// Errors of the thermal printer driver.
#[derive(Debug, thiserror::Error)]
pub enum PrinterError {
    /// The port is missing or the printer does not answer (XFS4IoT `noDevice`).
    #[error("printer not available: {0}")]
    NoDevice(#[source] SerialError),
    /// Refused before sending: no paper.
    #[error("printer is out of paper")]
    PaperOut,
    /// Refused before sending: cover open.
    #[error("printer cover is open")]
    CoverOpen,
    /// Refused before sending: paper jam or printer error.
    #[error("printer reports a jam or error")]
    Jammed,
    /// Refused before sending: offline for another reason.
    #[error("printer is offline")]
    Offline,
    /// The paper ran out while the job was being sent or printed: the ticket is torn.
    #[error("printer ran out of paper during the job")]
    PaperOutMidJob,
    /// Another problem (cover opened, jam) appeared during the job.
    #[error("printer stopped during the job: {0:?}")]
    FailedMidJob(PrinterStatus),
    /// The ticket could not be encoded (nothing was sent).
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The printer's device thread has stopped (used by the thread wrapper).
    #[error("printer thread has stopped")]
    Gone,
}

/// Longest wait for the printer to confirm a job beyond twice its time on the wire.
pub const DONE_MARGIN: Duration = Duration::from_secs(2);

/// Interval of `DLE EOT 1` probes while waiting for a job to be printed.
const DONE_PROBE: Duration = Duration::from_millis(300);

/// ESC/POS printer on a serial port. Blocking: run it on the printer's own thread.
///
/// The port is reopened when it was lost: after an unplug the next call opens the path
/// again (a replugged printer is used without restarting anything).
pub struct EscPosPrinter {
    cfg: SerialConfig,
    port: Option<Box<dyn SerialPort>>,
    profile: Profile,
}

impl EscPosPrinter {
    /// Opens the printer's port. `dot_width` is the printable width in dots (384, 432,
    /// 512 or 576 at 203 dpi); the printer is assumed to print QR codes natively.
    ///
    /// # Errors
    /// [`PrinterError::NoDevice`] when the port cannot be opened.
    pub fn open(cfg: &SerialConfig, dot_width: u32) -> Result<Self, PrinterError> {
        Self::with_profile(cfg, Profile::new(dot_width))
    }

    /// Opens the printer's port for a printer `profile`.
    ///
    /// # Errors
    /// [`PrinterError::NoDevice`] when the port cannot be opened.
    pub fn with_profile(cfg: &SerialConfig, profile: Profile) -> Result<Self, PrinterError> {
        let port = serial::open(cfg).map_err(PrinterError::NoDevice)?;
        Ok(Self {
            cfg: cfg.clone(),
            port: Some(port),
            profile,
        })
    }

    /// Printable width in dots.
    pub fn dot_width(&self) -> u32 {
        self.profile.dot_width
    }

    /// The printer's profile.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    fn port(&mut self) -> Result<&mut dyn SerialPort, PrinterError> {
        if self.port.is_none() {
            debug!("reopening the printer port");
            self.port = Some(serial::open(&self.cfg).map_err(PrinterError::NoDevice)?);
        }
        Ok(self.port.as_deref_mut().expect("just opened"))
    }

    /// Forgets a port that failed, so the next call reopens the path.
    fn lost<T>(&mut self, e: SerialError) -> Result<T, PrinterError> {
        self.port = None;
        Err(PrinterError::NoDevice(e))
    }

    /// Reads the real-time status (`DLE EOT 1`, `2`, `4`). A port that fails is reopened
    /// once (the printer may have been unplugged and plugged in again since the last call).
    ///
    /// # Errors
    /// [`PrinterError::NoDevice`] on unplug or when a reply takes longer than
    /// [`STATUS_TIMEOUT`]. Bytes without the status fixed bits are skipped as noise.
    pub fn status(&mut self) -> Result<PrinterStatus, PrinterError> {
        let had_port = self.port.is_some();
        match self.status_once() {
            Err(PrinterError::NoDevice(_)) if had_port => self.status_once(),
            other => other,
        }
    }

    fn status_once(&mut self) -> Result<PrinterStatus, PrinterError> {
        // Drop stale bytes so each reply is matched with its request.
        let _ = self.port()?.clear(ClearBuffer::Input);
        let printer = self.query(StatusRequest::Printer)?;
        let offline = self.query(StatusRequest::OfflineCause)?;
        let paper = self.query(StatusRequest::PaperSensor)?;
        Ok(PrinterStatus::parse(printer, offline, paper)
            .expect("query() only returns bytes with the status fixed bits"))
    }

    fn query(&mut self, req: StatusRequest) -> Result<u8, PrinterError> {
        if let Err(e) = serial::write_all(self.port()?, &cmd::status(req)) {
            return self.lost(e);
        }
        let deadline = Instant::now() + STATUS_TIMEOUT;
        let mut b = [0u8; 1];
        while Instant::now() < deadline {
            match serial::read_some(self.port()?, &mut b) {
                Ok(_) if is_status_byte(b[0]) => return Ok(b[0]),
                Ok(_) => debug!(byte = b[0], "skipping a non-status byte"),
                Err(e) if e.is_timeout() => {}
                Err(e) => return self.lost(e),
            }
        }
        self.lost(SerialError::Timeout)
    }

    /// Prints a ticket: encodes it for the profile (bitmaps must fit), checks the status
    /// and refuses to start without paper, with the cover open or while offline, writes the
    /// bytes in chunks (blocking while the printer holds flow control), sends `GS r 1` and
    /// waits for its reply, which a printer sends once everything before it is printed
    /// (at most twice the job's time on the wire plus [`DONE_MARGIN`], probing with
    /// `DLE EOT 1` meanwhile), then checks the status again.
    ///
    /// A printer that does not answer `GS r` costs that wait and a warning, not an error.
    ///
    /// # Errors
    /// [`PrinterError::Encode`] (nothing sent), [`PrinterError::PaperOut`] /
    /// [`CoverOpen`](PrinterError::CoverOpen) / [`Jammed`](PrinterError::Jammed) /
    /// [`Offline`](PrinterError::Offline) before sending,
    /// [`PrinterError::PaperOutMidJob`] or [`PrinterError::FailedMidJob`] when the status
    /// after (or a stalled write) shows a problem, [`PrinterError::NoDevice`] when the
    /// printer went away.
    pub fn print(&mut self, items: &[TicketItem]) -> Result<(), PrinterError> {
        let bytes = encode(items, Some(&self.profile))?;
        let before = self.status()?;
        if before.cover_open {
            return Err(PrinterError::CoverOpen);
        }
        match before.paper {
            PaperState::Out => return Err(PrinterError::PaperOut),
            PaperState::Jammed => return Err(PrinterError::Jammed),
            PaperState::Low => warn!("printer paper is low"),
            PaperState::Full => {}
        }
        if !before.online {
            return Err(PrinterError::Offline);
        }
        let read_timeout = self.cfg.read_timeout;
        let port = self.port()?;
        // A printer may hold flow control for a while when its buffer is full.
        let _ = port.set_timeout(JOB_WRITE_TIMEOUT);
        let written = serial::write_chunked(port, &bytes);
        let _ = port.set_timeout(read_timeout);
        match written {
            Ok(()) => {}
            Err(SerialError::Timeout) => {} // stalled: the status below says why
            Err(e) => return self.lost(e),
        }
        let confirmed = written.is_ok() && self.wait_printed(bytes.len())?;
        let after = self.status()?;
        if after.paper == PaperState::Out {
            return Err(PrinterError::PaperOutMidJob);
        }
        if written.is_err() || after.cover_open || !after.online {
            return Err(PrinterError::FailedMidJob(after));
        }
        if !confirmed {
            warn!("printer did not confirm the end of the job (no GS r reply)");
        }
        debug!(bytes = bytes.len(), "ticket printed");
        Ok(())
    }

    /// Sends `GS r 1` and waits for its reply; false when the printer went offline or did
    /// not answer in time.
    fn wait_printed(&mut self, job_bytes: usize) -> Result<bool, PrinterError> {
        if let Err(e) = serial::write_all(self.port()?, &cmd::paper_status()) {
            return self.lost(e);
        }
        let wire =
            Duration::from_secs_f64(job_bytes as f64 * 10.0 / f64::from(self.cfg.baud.max(1)));
        let deadline = Instant::now() + wire * 2 + DONE_MARGIN;
        let mut next_probe = Instant::now() + DONE_PROBE;
        let mut buf = [0u8; 16];
        while Instant::now() < deadline {
            match serial::read_some(self.port()?, &mut buf) {
                Ok(n) => {
                    for &b in &buf[..n] {
                        if b & 0x90 == 0 {
                            return Ok(true); // GS r reply: bit 4 clear
                        }
                        if is_status_byte(b) && b & 0x08 != 0 {
                            return Ok(false); // DLE EOT 1: offline
                        }
                    }
                }
                Err(e) if e.is_timeout() => {}
                Err(e) => return self.lost(e),
            }
            if Instant::now() >= next_probe {
                // Between commands: the whole job and GS r are already sent.
                if let Err(e) =
                    serial::write_all(self.port()?, &cmd::status(StatusRequest::Printer))
                {
                    return self.lost(e);
                }
                next_probe = Instant::now() + DONE_PROBE;
            }
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {

    use super::*;

    /// A `w`x`h` bitmap with a black frame, so the first and last rows carry ink.
    fn framed(w: u32, h: u32) -> MonoBitmap {
        let mut b = MonoBitmap::new(w, h);
        for x in 0..w {
            b.set(x, 0, true);
            b.set(x, h - 1, true);
        }
        for y in 0..h {
            b.set(0, y, true);
            b.set(w - 1, y, true);
        }
        b
    }

    fn text(s: &str) -> TicketItem {
        TicketItem::Text {
            text: s.into(),
            align: Align::Center,
            double: false,
        }
    }

    #[test]
    fn encodes_commands_byte_exact() {
        let bytes = encode_ticket(&[text("HELLO"), TicketItem::Feed(30), TicketItem::Cut]).unwrap();
        assert_eq!(
            bytes,
            [
                &[ESC, b'@', ESC, b'a', 1][..],
                b"HELLO\n",
                &[ESC, b'J', 30, GS, b'V', 66, 0]
            ]
            .concat()
        );
        let qr = cmd::qr(b"abc", 6);
        assert_eq!(&qr[..9], &[GS, b'(', b'k', 4, 0, 49, 65, 50, 0]);
        assert_eq!(&qr[17..25], &[GS, b'(', b'k', 3, 0, 49, 69, 50]);
        assert_eq!(
            &qr[25..36],
            &[GS, b'(', b'k', 6, 0, 49, 80, 48, b'a', b'b', b'c']
        );
        assert_eq!(&qr[36..], &[GS, b'(', b'k', 3, 0, 49, 81, 48]);
        assert_eq!(cmd::status(StatusRequest::PaperSensor), [DLE, EOT, 4]);
    }

    #[test]
    fn raster_trims_blank_rows_into_feeds_and_strips() {
        // 16x60: ink on rows 10..=39 only (30 rows -> strips of 24 and 6).
        let mut b = MonoBitmap::new(16, 60);
        for y in 10..40 {
            b.set(3, y, true);
        }
        let bytes = encode_ticket(&[TicketItem::Raster(b)]).unwrap();
        // The blank right-hand byte of each row is not sent.
        let mut expected = vec![ESC, b'@', ESC, b'J', 10];
        expected.extend([GS, b'v', b'0', 0, 1, 0, 24, 0]);
        expected.extend([0x10].repeat(24));
        expected.extend([GS, b'v', b'0', 0, 1, 0, 6, 0]);
        expected.extend([0x10].repeat(6));
        expected.extend([ESC, b'J', 20]);
        assert_eq!(bytes, expected);
        // All white: only feed.
        let bytes = encode_ticket(&[TicketItem::Raster(MonoBitmap::new(576, 300))]).unwrap();
        assert_eq!(bytes, [ESC, b'@', ESC, b'J', 255, ESC, b'J', 45]);
    }

    #[test]
    fn padding_bits_are_not_printed() {
        let mut b = MonoBitmap::new(4, 1);
        b.data[0] = 0xFF; // only the top 4 bits are inside the image
        let bytes = encode_ticket(&[TicketItem::Raster(b)]).unwrap();
        assert_eq!(bytes[bytes.len() - 1], 0xF0);
    }

    #[test]
    fn encode_rejects_bad_items() {
        let e = encode_ticket(&[text("ok"), text("Doha \u{0627}")]).unwrap_err();
        assert_eq!(e, EncodeError::NotAscii { item: 1 });
        assert!(encode_ticket(&[text("bell\x07")]).is_err(), "control bytes");
        assert!(
            encode_ticket(&[text("esc\x1b@")]).is_err(),
            "no command injection"
        );
        let bad = MonoBitmap {
            width: 9,
            height: 2,
            data: vec![0; 3],
        };
        assert!(matches!(
            encode_ticket(&[TicketItem::Raster(bad)]),
            Err(EncodeError::BadBitmap { expected: 4, .. })
        ));
        let qr = |data: &str, module_dots| TicketItem::Qr {
            data: data.into(),
            module_dots,
        };
        assert!(matches!(
            encode_ticket(&[qr("", 4)]),
            Err(EncodeError::QrLength { .. })
        ));
        assert!(matches!(
            encode_ticket(&[qr(&"x".repeat(QR_MAX_DATA + 1), 4)]),
            Err(EncodeError::QrLength { .. })
        ));
        assert!(matches!(
            encode_ticket(&[qr("x", 17)]),
            Err(EncodeError::QrModule { size: 17, .. })
        ));
        assert!(matches!(
            encode_for(&[TicketItem::Raster(framed(584, 8))], &Profile::new(576)),
            Err(EncodeError::TooWide { width: 584, .. })
        ));
    }

    #[test]
    fn status_bytes_parse_and_round_trip() {
        let ok = PrinterStatus::parse(0x12, 0x12, 0x12).unwrap();
        assert_eq!(
            ok,
            PrinterStatus {
                online: true,
                cover_open: false,
                paper: PaperState::Full
            }
        );
        // Epson TM values: offline with cover open; paper near end; paper end.
        let cover = PrinterStatus::parse(0x1A, 0x16, 0x12).unwrap();
        assert!(!cover.online && cover.cover_open);
        assert_eq!(
            PrinterStatus::parse(0x12, 0x12, 0x1E).unwrap().paper,
            PaperState::Low
        );
        assert_eq!(
            PrinterStatus::parse(0x1A, 0x32, 0x7E).unwrap().paper,
            PaperState::Out
        );
        assert_eq!(
            PrinterStatus::parse(0x1A, 0x52, 0x12).unwrap().paper,
            PaperState::Jammed
        );
        assert_eq!(
            PrinterStatus::parse(0x12, 0x00, 0x12),
            Err(BadStatusByte(0x00))
        );
        assert_eq!(
            PrinterStatus::parse(0x92, 0x12, 0x12),
            Err(BadStatusByte(0x92))
        );
        for paper in [
            PaperState::Full,
            PaperState::Low,
            PaperState::Out,
            PaperState::Jammed,
        ] {
            for cover_open in [false, true] {
                let s = PrinterStatus {
                    online: !cover_open && matches!(paper, PaperState::Full | PaperState::Low),
                    cover_open,
                    paper,
                };
                let parsed = PrinterStatus::parse(
                    s.reply(StatusRequest::Printer),
                    s.reply(StatusRequest::OfflineCause),
                    s.reply(StatusRequest::PaperSensor),
                )
                .unwrap();
                assert_eq!(parsed, s);
            }
        }
    }
}
