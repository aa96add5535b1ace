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
//!
//! Layout: [`cmd`] builds single commands, `status` decodes `DLE EOT` replies, `encode`
//! turns a ticket into bytes for a [`Profile`], `profile` holds the printer capabilities
//! as data, `driver` talks to a printer on a serial port.

use std::time::Duration;

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

pub mod cmd;
mod driver;
mod encode;
mod profile;
mod status;

pub use driver::*;
pub use encode::*;
pub use profile::*;
pub use status::*;

#[cfg(test)]
mod tests;
