//! Motorized ID-card reader: Creator CRT-310 family framing, a driver thread and an
//! emulator.
//!
//! # Wire protocol
//!
//! Following the public CRT-310 RS-232 protocol:
//! - frame `STX(0x02) LENH LENL TEXT ETX(0x03) BCC`, where LEN is the length of TEXT
//!   (big-endian) and BCC is the XOR of every byte from STX through ETX;
//! - TEXT is `'C' CM PM DATA` for a host command, `'P' CM PM ST1 ST0 DATA` for a positive
//!   reply and `'N' CM PM E1 E0` for a negative reply;
//! - handshake: the host sends a command, the reader answers ACK (0x06) or NAK (0x15), the
//!   host sends ENQ (0x05) and the reader sends the reply frame; EOT (0x04) from the host
//!   cancels a pending reply.
//!
//! Modelled on the CRT-310 (the codes of a particular firmware differ and are not copied):
//! - the command set of [`Command`] and its CM/PM bytes;
//! - ST1 is the card position ([`CardPosition`]: `'0'` none, `'1'` at the gate/mouth,
//!   `'2'` inside), ST0 is reserved (`'0'`);
//! - E1 E0 codes [`ERR_UNDEFINED`], [`ERR_PARAMETER`], [`ERR_NO_CARD`], [`ERR_READ`];
//! - the read command returns the card's ID record as ASCII (for the Qatar ID emulation the
//!   11-digit QID, e.g. `28463400123`);
//! - TEXT is bounded at [`MAX_TEXT_LEN`] bytes;
//! - host policy: 3 attempts per command on NAK, timeout or a bad reply, ACK within
//!   [`ACK_TIMEOUT`], reply within [`REPLY_TIMEOUT`].
//!
//! Card data is personal data: it is never logged (only its length) and `Debug` output of
//! frames and events shows only its length.
//!
//! The codec ([`Frame`], [`FrameDecoder`], [`Command`]) lives in `frame`, the driver
//! thread ([`spawn`], [`CardReaderHandle`]) in `driver`; the emulator is in the emulators
//! crate.

mod driver;
mod frame;

pub use driver::*;
pub use frame::*;

#[cfg(test)]
mod tests;
