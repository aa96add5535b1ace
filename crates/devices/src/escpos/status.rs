//! Real-time status (`DLE EOT n`) requests and their reply bytes.

use crate::PaperState;

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
