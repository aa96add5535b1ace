//! What a printer is asked to print and what keeps it from printing.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Largest QR payload in bytes: byte mode, version 40, error correction Q.
pub const QR_MAX_DATA: usize = 1663;

/// What keeps the A4 printer from printing, in the kiosk's terms (what the resident is told
/// and what the session offers instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PrinterProblem {
    /// No paper (`media-empty`, `media-needed`).
    PaperOut,
    /// Paper jammed (`media-jam`).
    Jammed,
    /// A door or cover is open (`door-open`, `cover-open`, `interlock-open`).
    DoorOpen,
    /// Toner or ink is out (`toner-empty`, `marker-supply-empty`).
    TonerOut,
    /// The queue is stopped, paused, not accepting jobs, or the printer is offline or shut
    /// down.
    Offline,
    /// There is no such printer: no scheduler, no queue.
    NoPrinter,
    /// Any other fault (another `-error` reason, or CUPS refusing the job).
    Fault,
}

impl PrinterProblem {
    /// Every problem, for tests and the maintenance menu.
    pub const ALL: [PrinterProblem; 7] = [
        PrinterProblem::PaperOut,
        PrinterProblem::Jammed,
        PrinterProblem::DoorOpen,
        PrinterProblem::TonerOut,
        PrinterProblem::Offline,
        PrinterProblem::NoPrinter,
        PrinterProblem::Fault,
    ];

    /// Fluent id of the message for a paper that was not printed because of this problem
    /// (found before printing: nothing was sent).
    pub fn not_ready_message(self) -> &'static str {
        match self {
            PrinterProblem::PaperOut => "error-a4-paper-out",
            PrinterProblem::Jammed => "error-a4-jammed",
            PrinterProblem::DoorOpen => "error-a4-door-open",
            PrinterProblem::TonerOut => "error-a4-toner-out",
            PrinterProblem::Offline | PrinterProblem::NoPrinter | PrinterProblem::Fault => {
                "error-a4-unavailable"
            }
        }
    }

    /// Fluent id of the message for a job this problem stopped mid-way (cancelled, not
    /// counted as delivered).
    pub fn interrupted_message(self) -> &'static str {
        match self {
            PrinterProblem::PaperOut => "error-a4-interrupted-paper-out",
            PrinterProblem::Jammed => "error-a4-interrupted-jammed",
            PrinterProblem::DoorOpen => "error-a4-interrupted-door-open",
            PrinterProblem::TonerOut
            | PrinterProblem::Offline
            | PrinterProblem::NoPrinter
            | PrinterProblem::Fault => "error-a4-interrupted",
        }
    }
}

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
    pub fn clean_row(&self, y: u32) -> Vec<u8> {
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
    /// untrusted text can never inject commands; anything else is an encoding error in the driver.
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
