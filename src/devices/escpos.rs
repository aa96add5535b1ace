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
//! reported as [`PaperState::Jammed`]. What the emulator models is described on
//! [`PrinterEmulator`].

use std::fmt;
use std::io::{BufRead, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serialport::{ClearBuffer, SerialPort};
use tracing::{debug, warn};

use super::PaperState;
use super::serial::{self, Pty, SerialConfig, SerialError};

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

/// Largest QR payload in bytes: byte mode, version 40, error correction Q.
pub const QR_MAX_DATA: usize = 1663;

/// How long a status byte may take to arrive.
pub const STATUS_TIMEOUT: Duration = Duration::from_secs(1);

/// How long the printer may refuse data (flow control held, buffer full) during a job
/// before the job is abandoned.
pub const JOB_WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// Horizontal alignment (`ESC a n`: 0 left, 1 centre, 2 right).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    /// `ESC a 0`.
    #[default]
    Left,
    /// `ESC a 1`.
    Center,
    /// `ESC a 2`.
    Right,
}

/// Command builders, one function per ESC/POS command.
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

/// A 1-bit image: rows top to bottom, each `(width + 7) / 8` bytes, most significant bit
/// = leftmost dot, 1 = black. Padding bits past `width` are ignored.
#[derive(Clone, PartialEq, Eq)]
pub struct MonoBitmap {
    /// Width in dots.
    pub width: u32,
    /// Height in dot rows.
    pub height: u32,
    /// Packed rows.
    pub data: Vec<u8>,
}

impl fmt::Debug for MonoBitmap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "MonoBitmap {{ {}x{}, {} bytes }}",
            self.width,
            self.height,
            self.data.len()
        )
    }
}

impl MonoBitmap {
    /// An all-white bitmap.
    pub fn new(width: u32, height: u32) -> Self {
        let stride = width.div_ceil(8) as usize;
        Self {
            width,
            height,
            data: vec![0; stride * height as usize],
        }
    }

    /// Bytes per row.
    pub fn stride(&self) -> usize {
        self.width.div_ceil(8) as usize
    }

    /// Dot at (`x`, `y`); false outside the bitmap.
    pub fn get(&self, x: u32, y: u32) -> bool {
        if x >= self.width || y >= self.height {
            return false;
        }
        let i = y as usize * self.stride() + x as usize / 8;
        self.data.get(i).is_some_and(|b| b & (0x80 >> (x % 8)) != 0)
    }

    /// Sets the dot at (`x`, `y`) to black (`true`) or white; ignored outside the bitmap.
    pub fn set(&mut self, x: u32, y: u32, black: bool) {
        if x >= self.width || y >= self.height {
            return;
        }
        let i = y as usize * self.stride() + x as usize / 8;
        if let Some(b) = self.data.get_mut(i) {
            let bit = 0x80 >> (x % 8);
            if black {
                *b |= bit;
            } else {
                *b &= !bit;
            }
        }
    }

    /// Row `y` with the padding bits cleared.
    fn clean_row(&self, y: u32) -> Vec<u8> {
        let stride = self.stride();
        let start = y as usize * stride;
        let mut row = self.data[start..start + stride].to_vec();
        if !self.width.is_multiple_of(8)
            && let Some(last) = row.last_mut()
        {
            *last &= 0xFF << (8 - self.width % 8);
        }
        row
    }

    /// The bitmap as a binary PBM (P4) file, whose pixel layout is the same as ours.
    pub fn to_pbm(&self) -> Vec<u8> {
        let mut out = format!("P4\n{} {}\n", self.width, self.height).into_bytes();
        for y in 0..self.height {
            out.extend(self.clean_row(y));
        }
        out
    }
}

/// One element of a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketItem {
    /// A bitmap from the text engine (Arabic text, logos), printed with `GS v 0`.
    Raster(MonoBitmap),
    /// One line in the printer's own font: printable ASCII only (0x20..=0x7E), so
    /// untrusted text can never inject commands; anything else is an [`EncodeError`].
    Text {
        /// The line, without a line feed.
        text: String,
        /// Justification.
        align: Align,
        /// Double width and height.
        double: bool,
    },
    /// A QR code printed by the printer (`GS ( k`), centred.
    Qr {
        /// Payload, at most [`QR_MAX_DATA`] bytes.
        data: String,
        /// Module size in dots, 1..=16.
        module_dots: u8,
    },
    /// Paper feed in dot rows (`ESC J`).
    Feed(u8),
    /// Feed to the cutter and cut partially (`GS V 66 0`).
    Cut,
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

/// Encodes a ticket: `ESC @`, then each item. Alignment and character size commands are
/// only sent when they change.
///
/// # Errors
/// [`EncodeError`] for non-ASCII text, inconsistent bitmaps and bad QR parameters. Bitmap
/// width is not checked here; [`EscPosPrinter::print`] checks it against the paper.
pub fn encode_ticket(items: &[TicketItem]) -> Result<Vec<u8>, EncodeError> {
    encode(items, None)
}

fn encode(items: &[TicketItem], max_width: Option<u32>) -> Result<Vec<u8>, EncodeError> {
    let mut enc = Encoder {
        out: cmd::init().to_vec(),
        align: Align::Left,
        double: false,
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
                let max = max_width.unwrap_or(u32::from(u16::MAX));
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
                enc.set_align(Align::Center);
                enc.out.extend(cmd::qr(data.as_bytes(), *module_dots));
            }
            TicketItem::Feed(rows) => enc.feed(u32::from(*rows)),
            TicketItem::Cut => enc.out.extend(cmd::partial_cut()),
        }
    }
    Ok(enc.out)
}

struct Encoder {
    out: Vec<u8>,
    align: Align,
    double: bool,
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

    /// Blank rows at the top and bottom are fed, not sent as raster data.
    fn raster(&mut self, bmp: &MonoBitmap) {
        let rows: Vec<Vec<u8>> = (0..bmp.height).map(|y| bmp.clean_row(y)).collect();
        let blank = |r: &Vec<u8>| r.iter().all(|&b| b == 0);
        let Some(first) = rows.iter().position(|r| !blank(r)) else {
            self.feed(bmp.height);
            return;
        };
        let last = rows.iter().rposition(|r| !blank(r)).unwrap_or(first);
        self.feed(first as u32);
        // Justification applies to raster images; the text engine lays out full lines.
        self.set_align(Align::Left);
        let stride = u16::try_from(bmp.stride()).expect("width checked against u16::MAX");
        for strip in rows[first..=last].chunks(RASTER_STRIP_ROWS as usize) {
            let data = strip.concat();
            self.out
                .extend(cmd::raster(stride, strip.len() as u16, &data));
        }
        self.feed(bmp.height - 1 - last as u32);
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

/// ESC/POS printer on a serial port. Blocking: run it on the printer's own thread.
pub struct EscPosPrinter {
    port: Box<dyn SerialPort>,
    dot_width: u32,
    read_timeout: Duration,
}

impl EscPosPrinter {
    /// Opens the printer's port. `dot_width` is the printable width in dots (384, 432,
    /// 512 or 576 at 203 dpi).
    ///
    /// # Errors
    /// [`PrinterError::NoDevice`] when the port cannot be opened.
    pub fn open(cfg: &SerialConfig, dot_width: u32) -> Result<Self, PrinterError> {
        let port = serial::open(cfg).map_err(PrinterError::NoDevice)?;
        Ok(Self {
            port,
            dot_width,
            read_timeout: cfg.read_timeout,
        })
    }

    /// Printable width in dots.
    pub fn dot_width(&self) -> u32 {
        self.dot_width
    }

    /// Reads the real-time status (`DLE EOT 1`, `2`, `4`).
    ///
    /// # Errors
    /// [`PrinterError::NoDevice`] on unplug or when a reply takes longer than
    /// [`STATUS_TIMEOUT`]. Bytes without the status fixed bits are skipped as noise.
    pub fn status(&mut self) -> Result<PrinterStatus, PrinterError> {
        // Drop stale bytes so each reply is matched with its request.
        let _ = self.port.clear(ClearBuffer::Input);
        let printer = self.query(StatusRequest::Printer)?;
        let offline = self.query(StatusRequest::OfflineCause)?;
        let paper = self.query(StatusRequest::PaperSensor)?;
        Ok(PrinterStatus::parse(printer, offline, paper)
            .expect("query() only returns bytes with the status fixed bits"))
    }

    fn query(&mut self, req: StatusRequest) -> Result<u8, PrinterError> {
        serial::write_all(self.port.as_mut(), &cmd::status(req)).map_err(PrinterError::NoDevice)?;
        let deadline = Instant::now() + STATUS_TIMEOUT;
        let mut b = [0u8; 1];
        while Instant::now() < deadline {
            match serial::read_some(self.port.as_mut(), &mut b) {
                Ok(_) if is_status_byte(b[0]) => return Ok(b[0]),
                Ok(_) => debug!(byte = b[0], "skipping a non-status byte"),
                Err(e) if e.is_timeout() => {}
                Err(e) => return Err(PrinterError::NoDevice(e)),
            }
        }
        Err(PrinterError::NoDevice(SerialError::Timeout))
    }

    /// Prints a ticket: encodes it (bitmaps must fit `dot_width`), checks the status and
    /// refuses to start without paper, with the cover open or while offline, writes the
    /// bytes in chunks, then checks the status again.
    ///
    /// # Errors
    /// [`PrinterError::Encode`] (nothing sent), [`PrinterError::PaperOut`] /
    /// [`CoverOpen`](PrinterError::CoverOpen) / [`Jammed`](PrinterError::Jammed) /
    /// [`Offline`](PrinterError::Offline) before sending,
    /// [`PrinterError::PaperOutMidJob`] or [`PrinterError::FailedMidJob`] when the status
    /// after (or a stalled write) shows a problem, [`PrinterError::NoDevice`] when the
    /// printer went away.
    pub fn print(&mut self, items: &[TicketItem]) -> Result<(), PrinterError> {
        let bytes = encode(items, Some(self.dot_width))?;
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
        // A printer may hold flow control for a while when its buffer is full.
        let _ = self.port.set_timeout(JOB_WRITE_TIMEOUT);
        let written = serial::write_chunked(self.port.as_mut(), &bytes);
        let _ = self.port.set_timeout(self.read_timeout);
        match written {
            Ok(()) => {}
            Err(SerialError::Timeout) => {} // stalled: the status below says why
            Err(e) => return Err(PrinterError::NoDevice(e)),
        }
        let after = self.status()?;
        if after.paper == PaperState::Out {
            return Err(PrinterError::PaperOutMidJob);
        }
        if written.is_err() || after.cover_open || !after.online {
            return Err(PrinterError::FailedMidJob(after));
        }
        debug!(bytes = bytes.len(), "ticket sent");
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Emulator
// ---------------------------------------------------------------------------------------

/// What the emulated printer produced between two cuts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PrintedJob {
    /// Lines printed in the native font (ended by LF, `ESC d`, `ESC J` or the cut).
    pub text_lines: Vec<String>,
    /// Payloads of the QR codes printed (`GS ( k` fn 181).
    pub qr_codes: Vec<String>,
    /// Raster images; consecutive `GS v 0` strips of the same width are joined. Widths are
    /// multiples of 8 (the wire carries bytes per row).
    pub rasters: Vec<MonoBitmap>,
    /// Ended by a cut; false for a job torn by running out of paper.
    pub cut: bool,
    /// Bytes received for the job, real-time commands excluded.
    pub bytes: usize,
}

/// One parsed command.
#[derive(Debug)]
enum Op {
    Init,
    Text(u8),
    LineEnd,
    Raster {
        width_bytes: usize,
        rows: usize,
    },
    QrStore,
    QrPrint,
    Cut,
    Status(u8),
    /// Another real-time command (`DLE ENQ`, `DLE DC4`): no reply, not print data.
    Realtime,
    /// A command that changes nothing the emulator records (modes, sizes, feeds).
    Other,
}

/// Limits that keep a corrupt header from making the emulator buffer without bound.
const MAX_RASTER_WIDTH_BYTES: usize = 256;
const MAX_RASTER_ROWS: usize = 4095;
const MAX_GS_PAREN_LEN: usize = 7092;

/// Parses one command at the start of `buf`; `None` when more bytes are needed.
/// Returns the command and its length.
fn parse_op(buf: &[u8]) -> Option<(Op, usize)> {
    let at = |i: usize| buf.get(i).copied();
    let first = at(0)?;
    Some(match first {
        LF => (Op::LineEnd, 1),
        ESC => match at(1)? {
            b'@' => (Op::Init, 2),
            b'd' | b'J' => {
                at(2)?;
                (Op::LineEnd, 3)
            }
            b'a' | b'!' | b'E' | b'-' | b'M' | b't' | b'3' | b'G' | b'R' | b'{' | b'V' => {
                at(2)?;
                (Op::Other, 3)
            }
            _ => (Op::Other, 2),
        },
        GS => match at(1)? {
            b'!' | b'B' | b'h' | b'w' | b'H' | b'f' | b'r' => {
                at(2)?;
                (Op::Other, 3)
            }
            b'V' => match at(2)? {
                0 | 1 | 48 | 49 => (Op::Cut, 3),
                _ => {
                    at(3)?;
                    (Op::Cut, 4)
                }
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
                let op = match (buf[2], at(5), at(6)) {
                    (b'k', Some(49), Some(80)) if n >= 3 => Op::QrStore,
                    (b'k', Some(49), Some(81)) => Op::QrPrint,
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

struct PrinterEmuState {
    paper: PaperState,
    cover_open: bool,
    /// Print-data bytes left before the paper runs out.
    paper_left: Option<usize>,
    jobs: Vec<PrintedJob>,
    bytes_received: usize,
    path: PathBuf,
}

impl PrinterEmuState {
    fn status(&self) -> PrinterStatus {
        PrinterStatus {
            online: !self.cover_open && matches!(self.paper, PaperState::Full | PaperState::Low),
            cover_open: self.cover_open,
            paper: self.paper,
        }
    }
}

struct PrinterShared {
    state: Mutex<PrinterEmuState>,
    job_done: Condvar,
    stop: AtomicBool,
}

impl PrinterShared {
    fn lock(&self) -> MutexGuard<'_, PrinterEmuState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The decoder's view of the job in progress.
#[derive(Default)]
struct JobBuilder {
    job: PrintedJob,
    line: Vec<u8>,
    raster: Option<MonoBitmap>,
    qr: Vec<u8>,
    started: bool,
}

impl JobBuilder {
    fn end_line(&mut self, force: bool) {
        if force || !self.line.is_empty() {
            let line = std::mem::take(&mut self.line);
            self.job
                .text_lines
                .push(line.iter().map(|&b| char::from(b)).collect());
        }
    }

    fn end_raster(&mut self) {
        if let Some(r) = self.raster.take() {
            self.job.rasters.push(r);
        }
    }

    fn add_raster(&mut self, width_bytes: usize, rows: usize, data: &[u8]) {
        let width = (width_bytes * 8) as u32;
        match &mut self.raster {
            Some(r) if r.width == width => {
                r.height += rows as u32;
                r.data.extend_from_slice(data);
            }
            _ => {
                self.end_raster();
                self.raster = Some(MonoBitmap {
                    width,
                    height: rows as u32,
                    data: data.to_vec(),
                });
            }
        }
    }

    /// Ends the job (cut, or torn by paper out).
    fn finish(&mut self, cut: bool) -> PrintedJob {
        self.end_line(false);
        self.end_raster();
        let mut job = std::mem::take(&mut self.job);
        job.cut = cut;
        self.qr.clear();
        self.started = false;
        job
    }
}

/// Emulated ESC/POS printer on a pseudo-terminal.
///
/// Decodes the byte stream incrementally (`ESC @`, `ESC a/d/J/!/E/-`, `GS !`, `GS v 0`,
/// `GS ( k` store/print, `GS V`, `DLE EOT n`, LF and printable text; other commands are
/// skipped by their length) and records a [`PrintedJob`] at every cut.
///
/// Modelled: the printer is offline while the cover is open or the paper is out or
/// jammed, and then discards print data (a real printer would stop reading and resume
/// after recovery) but still answers `DLE EOT`. With
/// [`paper_out_after_bytes`](Self::paper_out_after_bytes) the paper runs out after that
/// many more bytes of print data; the job in progress is then recorded with `cut: false`.
pub struct PrinterEmulator {
    shared: Arc<PrinterShared>,
    thread: Option<JoinHandle<()>>,
}

impl PrinterEmulator {
    /// An emulator on a fresh pty; [`path`](Self::path) is the slave device.
    ///
    /// # Errors
    /// When no pty can be created.
    pub fn start() -> Result<Self, SerialError> {
        Self::run_on(Pty::new()?)
    }

    /// An emulator with a symlink at `link` (replacing an older symlink).
    ///
    /// # Errors
    /// When no pty can be created or `link` exists and is not a symlink.
    pub fn with_link(link: &Path) -> Result<Self, SerialError> {
        Self::run_on(Pty::with_link(link)?)
    }

    fn run_on(pty: Pty) -> Result<Self, SerialError> {
        let shared = Arc::new(PrinterShared {
            state: Mutex::new(PrinterEmuState {
                paper: PaperState::Full,
                cover_open: false,
                paper_left: None,
                jobs: Vec::new(),
                bytes_received: 0,
                path: pty.path(),
            }),
            job_done: Condvar::new(),
            stop: AtomicBool::new(false),
        });
        let thread_shared = Arc::clone(&shared);
        let thread = thread::Builder::new()
            .name("printer-emu".into())
            .spawn(move || emulate(&thread_shared, pty))
            .map_err(SerialError::Io)?;
        Ok(Self {
            shared,
            thread: Some(thread),
        })
    }

    /// The path the driver should open.
    pub fn path(&self) -> PathBuf {
        self.shared.lock().path.clone()
    }

    /// Jobs recorded so far.
    pub fn jobs(&self) -> Vec<PrintedJob> {
        self.shared.lock().jobs.clone()
    }

    /// Waits until at least `count` jobs are recorded or `timeout` passes; returns the
    /// jobs recorded by then.
    pub fn wait_for_jobs(&self, count: usize, timeout: Duration) -> Vec<PrintedJob> {
        let guard = self.shared.lock();
        let (guard, _) = self
            .shared
            .job_done
            .wait_timeout_while(guard, timeout, |st| st.jobs.len() < count)
            .unwrap_or_else(|p| p.into_inner());
        guard.jobs.clone()
    }

    /// Print-data bytes received (real-time commands excluded), including discarded ones.
    pub fn bytes_received(&self) -> usize {
        self.shared.lock().bytes_received
    }

    /// Sets the paper state reported by the sensors.
    pub fn set_paper(&self, paper: PaperState) {
        let mut st = self.shared.lock();
        st.paper = paper;
        if paper != PaperState::Out {
            st.paper_left = None;
        }
    }

    /// Opens or closes the cover.
    pub fn set_cover_open(&self, open: bool) {
        self.shared.lock().cover_open = open;
    }

    /// Makes the paper run out after `bytes` more bytes of print data (`None`: never).
    pub fn paper_out_after_bytes(&self, bytes: Option<usize>) {
        self.shared.lock().paper_left = bytes;
    }
}

impl Drop for PrinterEmulator {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The emulator thread: reads the pty, decodes, answers status requests.
fn emulate(shared: &PrinterShared, mut pty: Pty) {
    let mut decoder = StreamDecoder::default();
    let mut buf = [0u8; 4096];
    while !shared.stop.load(Ordering::Relaxed) {
        let n = match serial::read_some(pty.master(), &mut buf) {
            Ok(n) => n,
            Err(e) if e.is_timeout() => continue,
            Err(_) => {
                thread::sleep(Duration::from_millis(20));
                continue;
            }
        };
        let (replies, jobs_done) = decoder.push(&buf[..n], &mut shared.lock());
        if jobs_done {
            shared.job_done.notify_all();
        }
        if !replies.is_empty() && serial::write_all(pty.master(), &replies).is_err() {
            warn!("printer emulator could not send status");
        }
    }
}

/// Incremental ESC/POS stream decoder of the emulator. Buffers at most one incomplete
/// command (a raster strip or `GS (` block is bounded by the parser limits).
#[derive(Default)]
struct StreamDecoder {
    pending: Vec<u8>,
    job: JobBuilder,
}

impl StreamDecoder {
    /// Decodes `bytes` against the printer state `st`; returns the status replies to send
    /// and whether a job was recorded.
    fn push(&mut self, bytes: &[u8], st: &mut PrinterEmuState) -> (Vec<u8>, bool) {
        self.pending.extend_from_slice(bytes);
        let mut replies = Vec::new();
        let mut jobs_done = false;
        let mut used = 0;
        while let Some((op, len)) = parse_op(&self.pending[used..]) {
            let cmd = &self.pending[used..used + len];
            used += len;
            let job = &mut self.job;
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
                        replies.push(st.status().reply(req));
                    }
                    continue;
                }
                Op::Realtime => continue,
                _ => {}
            }
            st.bytes_received += len;
            if !st.status().online {
                continue; // offline: print data is discarded
            }
            job.started = true;
            job.job.bytes += len;
            match op {
                Op::Init => {
                    job.line.clear();
                    job.end_raster();
                }
                Op::Text(b) => {
                    job.end_raster();
                    job.line.push(b);
                }
                Op::LineEnd => {
                    job.end_raster();
                    job.end_line(cmd[0] == LF);
                }
                Op::Raster { width_bytes, rows } => {
                    job.end_line(false);
                    job.add_raster(width_bytes, rows, &cmd[8..]);
                }
                Op::QrStore => {
                    job.end_raster();
                    job.qr = cmd[8..].to_vec();
                }
                Op::QrPrint => {
                    job.end_raster();
                    let qr = String::from_utf8_lossy(&job.qr).into_owned();
                    job.job.qr_codes.push(qr);
                }
                Op::Cut => {
                    st.jobs.push(job.finish(true));
                    jobs_done = true;
                }
                Op::Other => job.end_raster(),
                Op::Status(_) | Op::Realtime => unreachable!("handled above"),
            }
            if let Some(left) = st.paper_left {
                let left = left.saturating_sub(len);
                st.paper_left = Some(left);
                if left == 0 {
                    st.paper = PaperState::Out;
                    st.paper_left = None;
                    if job.started {
                        st.jobs.push(job.finish(false));
                        jobs_done = true;
                    }
                }
            }
        }
        self.pending.drain(..used);
        (replies, jobs_done)
    }
}

/// `manassa emulate printer --pty PATH [--out DIR]`: runs an emulator with a symlink at
/// `pty_path` and prints each job (text lines, QR payloads, raster sizes) as it completes;
/// with `out_dir`, also writes `job-N.txt` and `job-N-K.pbm` there. Reads optional commands
/// from stdin: `paper full|low|out|jam`, `cover open|close`, `paper-out-after N`, `quit`.
/// End of input does not stop it (it may run with stdin closed); `quit` or a signal does.
///
/// # Errors
/// When the pty, the link or the output folder cannot be created.
pub fn run_cli(pty_path: &Path, out_dir: Option<&Path>) -> anyhow::Result<()> {
    let emu = Arc::new(PrinterEmulator::with_link(pty_path)?);
    if let Some(dir) = out_dir {
        std::fs::create_dir_all(dir)?;
    }
    println!(
        "ESC/POS printer emulator on {}; commands: paper full|low|out|jam | cover open|close | paper-out-after N | quit",
        emu.path().display()
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
            report_job(i + 1, job, out_dir)?;
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
            ["paper-out-after", n] => match n.parse() {
                Ok(n) => {
                    emu.paper_out_after_bytes(Some(n));
                    println!("paper runs out after {n} bytes");
                }
                Err(_) => println!("paper-out-after N"),
            },
            ["quit"] => {
                quit.store(true, Ordering::Relaxed);
                return;
            }
            [] => {}
            _ => println!("unknown command {line:?}"),
        }
    }
}

fn report_job(n: usize, job: &PrintedJob, out_dir: Option<&Path>) -> anyhow::Result<()> {
    let mut text = format!(
        "job {n}: {} bytes, {}\n",
        job.bytes,
        if job.cut { "cut" } else { "NOT CUT (torn)" }
    );
    for line in &job.text_lines {
        text += &format!("  text: {line}\n");
    }
    for qr in &job.qr_codes {
        text += &format!("  qr:   {qr}\n");
    }
    for r in &job.rasters {
        text += &format!("  raster: {}x{} dots\n", r.width, r.height);
    }
    print!("{text}");
    std::io::stdout().flush()?;
    if let Some(dir) = out_dir {
        std::fs::write(dir.join(format!("job-{n}.txt")), &text)?;
        for (k, r) in job.rasters.iter().enumerate() {
            std::fs::write(dir.join(format!("job-{n}-{}.pbm", k + 1)), r.to_pbm())?;
        }
    }
    Ok(())
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

    fn fast_config(path: PathBuf) -> SerialConfig {
        let mut cfg = SerialConfig::new(path);
        cfg.read_timeout = Duration::from_millis(50);
        cfg
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
        let mut expected = vec![ESC, b'@', ESC, b'J', 10];
        expected.extend([GS, b'v', b'0', 0, 2, 0, 24, 0]);
        expected.extend([0x10, 0].repeat(24));
        expected.extend([GS, b'v', b'0', 0, 2, 0, 6, 0]);
        expected.extend([0x10, 0].repeat(6));
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
            encode(&[TicketItem::Raster(framed(584, 8))], Some(576)),
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

    #[test]
    fn ticket_prints_through_the_emulator() {
        let emu = PrinterEmulator::start().unwrap();
        let mut printer = EscPosPrinter::open(&fast_config(emu.path()), 576).unwrap();
        let status = printer.status().unwrap();
        assert!(status.online && status.paper == PaperState::Full);

        let seal = "https://verify.example.qa/t/ABC123?s=MEUCIQ";
        let ticket = [
            text("Ticket 042"),
            TicketItem::Raster(framed(200, 50)),
            TicketItem::Qr {
                data: seal.into(),
                module_dots: 6,
            },
            TicketItem::Text {
                text: "Thank you".into(),
                align: Align::Left,
                double: true,
            },
            TicketItem::Feed(40),
            TicketItem::Cut,
        ];
        printer.print(&ticket).unwrap();
        let jobs = emu.wait_for_jobs(1, Duration::from_secs(10));
        assert_eq!(jobs.len(), 1, "one job recorded");
        let job = &jobs[0];
        assert_eq!(job.text_lines, ["Ticket 042", "Thank you"]);
        assert_eq!(job.qr_codes, [seal]);
        assert_eq!(job.rasters.len(), 1, "strips joined into one image");
        assert_eq!((job.rasters[0].width, job.rasters[0].height), (200, 50));
        assert_eq!(job.rasters[0], framed(200, 50));
        assert!(job.cut);
        assert_eq!(job.bytes, encode_ticket(&ticket).unwrap().len());
    }

    #[test]
    fn paper_out_refuses_before_sending() {
        let emu = PrinterEmulator::start().unwrap();
        emu.set_paper(PaperState::Out);
        let mut printer = EscPosPrinter::open(&fast_config(emu.path()), 576).unwrap();
        let err = printer
            .print(&[text("never printed"), TicketItem::Cut])
            .unwrap_err();
        assert!(matches!(err, PrinterError::PaperOut), "{err}");
        emu.set_paper(PaperState::Full);
        emu.set_cover_open(true);
        let err = printer.print(&[text("x"), TicketItem::Cut]).unwrap_err();
        assert!(matches!(err, PrinterError::CoverOpen), "{err}");
        // Status requests are answered in order, so the emulator has seen everything.
        assert!(printer.status().unwrap().cover_open);
        assert!(emu.jobs().is_empty());
        assert_eq!(emu.bytes_received(), 0, "no print data was sent");
    }

    #[test]
    fn paper_out_during_a_job_is_reported() {
        let emu = PrinterEmulator::start().unwrap();
        emu.paper_out_after_bytes(Some(300));
        let mut printer = EscPosPrinter::open(&fast_config(emu.path()), 576).unwrap();
        let err = printer
            .print(&[
                text("start"),
                TicketItem::Raster(framed(576, 100)),
                TicketItem::Cut,
            ])
            .unwrap_err();
        assert!(matches!(err, PrinterError::PaperOutMidJob), "{err}");
        let jobs = emu.wait_for_jobs(1, Duration::from_secs(10));
        assert_eq!(jobs.len(), 1);
        assert!(!jobs[0].cut, "torn job");
        assert_eq!(jobs[0].text_lines, ["start"]);
    }

    #[test]
    fn wider_than_paper_is_an_error_and_sends_nothing() {
        let emu = PrinterEmulator::start().unwrap();
        let mut printer = EscPosPrinter::open(&fast_config(emu.path()), 384).unwrap();
        let err = printer
            .print(&[TicketItem::Raster(framed(576, 8))])
            .unwrap_err();
        assert!(matches!(
            err,
            PrinterError::Encode(EncodeError::TooWide { max: 384, .. })
        ));
        printer.status().unwrap();
        assert_eq!(emu.bytes_received(), 0);
    }

    fn idle_state() -> PrinterEmuState {
        PrinterEmuState {
            paper: PaperState::Full,
            cover_open: false,
            paper_left: None,
            jobs: Vec::new(),
            bytes_received: 0,
            path: PathBuf::new(),
        }
    }

    #[test]
    fn stream_decoder_handles_split_and_merged_commands() {
        let ticket = encode_ticket(&[
            TicketItem::Qr {
                data: "Q".into(),
                module_dots: 3,
            },
            TicketItem::Raster(framed(8, 30)),
            text("END"),
            TicketItem::Cut,
        ])
        .unwrap();
        // Byte by byte, with a status request between two jobs.
        let mut st = idle_state();
        let mut dec = StreamDecoder::default();
        let stream = [&ticket[..], &cmd::status(StatusRequest::Printer), &ticket].concat();
        let mut replies = Vec::new();
        for b in &stream {
            replies.extend(dec.push(&[*b], &mut st).0);
        }
        assert_eq!(replies, [0x12]);
        assert_eq!(st.jobs.len(), 2);
        for job in &st.jobs {
            assert_eq!(job.qr_codes, ["Q"]);
            assert_eq!(job.text_lines, ["END"]);
            assert_eq!(job.rasters, [framed(8, 30)]);
            assert_eq!(job.bytes, ticket.len());
            assert!(job.cut);
        }
        assert!(dec.pending.is_empty());
        // Everything in one read gives the same jobs.
        let mut st2 = idle_state();
        StreamDecoder::default().push(&stream, &mut st2);
        assert_eq!(st2.jobs, st.jobs);
    }

    #[test]
    fn stream_decoder_skips_unknown_and_malformed_commands() {
        let mut st = idle_state();
        let mut dec = StreamDecoder::default();
        // ESC t 17 (code table), GS v 0 with a zero width (malformed header), DLE ENQ 2.
        let junk = [ESC, b't', 17, GS, b'v', b'0', 0, 0, 0, 1, 0, DLE, 0x05, 2];
        let tail = encode_ticket(&[text("OK"), TicketItem::Cut]).unwrap();
        let (replies, done) = dec.push(&[&junk[..], &tail].concat(), &mut st);
        assert!(replies.is_empty() && done);
        assert_eq!(st.jobs[0].text_lines, ["OK"]);
        // A huge raster header is not buffered.
        let (_, done) = dec.push(&[GS, b'v', b'0', 0, 0xFF, 0xFF, 0xFF, 0xFF], &mut st);
        assert!(!done);
        assert!(dec.pending.is_empty());
    }
}
