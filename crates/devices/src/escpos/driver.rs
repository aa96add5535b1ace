//! The synchronous ESC/POS driver on a serial port.

use std::time::{Duration, Instant};

use serialport::{ClearBuffer, SerialPort};
use tracing::{debug, warn};

use crate::PaperState;
use crate::serial::{self, SerialConfig, SerialError};

use super::*;

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
    /// A status reply was missed (timed out): one may still arrive late, so the line is
    /// drained until quiet before the next query.
    stale: bool,
}

/// After a reply, how long the line must stay quiet: a printer that repeats a reply does
/// it at once, and the repeat must not answer the next query.
const SETTLE: Duration = Duration::from_millis(40);
/// After a missed reply, how long the line must stay quiet before a new query, and the
/// most time spent draining it.
const STALE_QUIET: Duration = Duration::from_millis(200);
const STALE_MAX: Duration = Duration::from_millis(3000);

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
            stale: false,
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

    /// One real-time status query, matched with its own reply: a reply that came late
    /// for an earlier query, or twice, is drained first instead of being taken for this
    /// one's (`DLE EOT` replies carry no sequence number).
    fn query(&mut self, req: StatusRequest) -> Result<u8, PrinterError> {
        if std::mem::take(&mut self.stale) {
            let late = self.drain(STALE_QUIET, STALE_MAX)?;
            if late > 0 {
                debug!(bytes = late, "late status bytes drained");
            }
        }
        if let Err(e) = serial::write_all(self.port()?, &cmd::status(req)) {
            return self.lost(e);
        }
        let deadline = Instant::now() + STATUS_TIMEOUT;
        let mut b = [0u8; 1];
        while Instant::now() < deadline {
            match serial::read_some(self.port()?, &mut b) {
                Ok(_) if is_status_byte(b[0]) => {
                    let extra = self.drain(SETTLE, STALE_MAX)?;
                    if extra > 0 {
                        debug!(bytes = extra, "repeated status reply dropped");
                    }
                    return Ok(b[0]);
                }
                Ok(_) => debug!(byte = b[0], "skipping a non-status byte"),
                Err(e) if e.is_timeout() => {}
                Err(e) => return self.lost(e),
            }
        }
        self.stale = true;
        self.lost(SerialError::Timeout)
    }

    /// Reads and drops whatever arrives until the line has been quiet for `quiet` (at most
    /// `max` in all); returns the bytes dropped. The port's read timeout is restored.
    fn drain(&mut self, quiet: Duration, max: Duration) -> Result<usize, PrinterError> {
        let read_timeout = self.cfg.read_timeout;
        let port = self.port()?;
        let _ = port.set_timeout(quiet);
        let until = Instant::now() + max;
        let mut dropped = 0;
        let mut buf = [0u8; 64];
        let result = loop {
            match serial::read_some(port, &mut buf) {
                Ok(n) => {
                    dropped += n;
                    if Instant::now() >= until {
                        break Ok(dropped);
                    }
                }
                Err(e) if e.is_timeout() => break Ok(dropped),
                Err(e) => break Err(e),
            }
        };
        let _ = port.set_timeout(read_timeout);
        result.or_else(|e| self.lost(e))
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
        let bytes = encode_for(items, &self.profile)?;
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
