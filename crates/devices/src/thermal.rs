//! The thermal printer's device thread: one OS thread owns the serial port (blocking
//! `serialport` I/O never runs on the UI thread or a tokio worker); jobs arrive over a
//! channel and each answers on its own oneshot.

use std::sync::mpsc;

use tokio::sync::oneshot;

use super::escpos::{EscPosPrinter, PrinterError, TicketItem};
use serde::Deserialize;

use super::serial::SerialConfig;

type Job = (Vec<TicketItem>, oneshot::Sender<Result<(), PrinterError>>);

/// Handle to the printer thread. Cloning shares the same thread.
#[derive(Clone)]
pub struct ThermalPrinter {
    jobs: mpsc::Sender<Job>,
    dot_width: u32,
}

impl ThermalPrinter {
    /// Start the printer thread for the port in `cfg`, with a head `dot_width` dots wide.
    /// The port is opened lazily per job and reopened after an error (unplug, timeout).
    pub fn spawn(cfg: SerialConfig, dot_width: u32) -> ThermalPrinter {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("thermal-printer".into())
            .spawn(move || {
                let mut printer: Option<EscPosPrinter> = None;
                for (items, reply) in rx {
                    if printer.is_none() {
                        match EscPosPrinter::open(&cfg, dot_width) {
                            Ok(p) => printer = Some(p),
                            Err(e) => {
                                let _ = reply.send(Err(e));
                                continue;
                            }
                        }
                    }
                    let result = printer.as_mut().map(|p| p.print(&items));
                    if let Some(Err(_)) = &result {
                        // Start from a fresh port next time: the line may be gone.
                        printer = None;
                    }
                    if let Some(r) = result {
                        let _ = reply.send(r);
                    }
                }
            })
            .expect("spawn thermal-printer thread");
        ThermalPrinter {
            jobs: tx,
            dot_width,
        }
    }

    /// Head width in dots.
    pub fn dot_width(&self) -> u32 {
        self.dot_width
    }

    /// Print one job; resolves when the printer has taken it (status checked before and
    /// after, see [`EscPosPrinter::print`]).
    pub async fn print(&self, items: Vec<TicketItem>) -> Result<(), PrinterError> {
        let (tx, rx) = oneshot::channel();
        if self.jobs.send((items, tx)).is_err() {
            return Err(PrinterError::Offline);
        }
        rx.await.unwrap_or(Err(PrinterError::Offline))
    }
}

/// Thermal printer: the serial line plus the head width. (No `deny_unknown_fields` here:
/// serde cannot combine it with the flattened serial settings.)
#[derive(Debug, Clone, Deserialize)]
pub struct ThermalConfig {
    /// Serial line settings.
    #[serde(flatten)]
    pub serial: SerialConfig,
    /// Printable width in dots at 203 dpi: 384 (58 mm), 432, 512 or 576 (80 mm).
    #[serde(default = "default_dot_width")]
    pub dot_width: u32,
}

fn default_dot_width() -> u32 {
    576
}
