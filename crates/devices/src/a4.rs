//! A4 printing (DESIGN.md §6): a CUPS queue spoken to over IPP (production and tests), or a
//! folder (the demo's file sink).
//!
//! A paper goes out in three steps ([`A4Sink::deliver`]):
//! 1. the printer's state is read (Get-Printer-Attributes) and nothing is sent to a printer
//!    that cannot print: out of paper, jammed, door open, toner out, queue stopped;
//! 2. the PDF is sent (Print-Job, `application/pdf`, job name, copies);
//! 3. the job is followed (Get-Job-Attributes) to its end while the printer's state is
//!    watched. A printer that stops mid-job (paper out, jam, door open, taken offline) gets
//!    its job cancelled (Cancel-Job): an official paper must not come out later, for nobody
//!    to collect, and it is not counted as delivered.
//!
//! States follow CEN/XFS4IoT (`common.status.device`, `printer.status.paper`,
//! `printer.status.toner`), mapped from IPP `printer-state` and `printer-state-reasons`
//! (RFC 8011 §5.4.11–12, keywords of RFC 8011 and PWG 5100.9, with their `-report`,
//! `-warning` and `-error` suffixes).

pub mod ipp;
mod job;

#[cfg(test)]
use job::ended;
pub use job::{CANCEL_ATTEMPTS, Delivery, JobEnd, JobState, JobStatus, WaitPolicy};

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use manassa_core::PrinterProblem;

/// Where A4 papers go.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, tag = "sink", rename_all = "lowercase")]
pub enum A4Config {
    /// A CUPS queue (IPP), by name.
    Cups {
        /// Queue name as in `lpstat -p`.
        queue: String,
    },
    /// A folder (the demo): each paper is written there as a PDF.
    File {
        /// Target folder, created if missing.
        folder: PathBuf,
    },
}

impl Default for A4Config {
    fn default() -> Self {
        A4Config::Cups {
            queue: "kiosk-a4".into(),
        }
    }
}

use crate::{DeviceState, PaperState};

use self::ipp::IppQueue;

/// Where A4 papers go.
#[derive(Debug, Clone, PartialEq)]
pub enum A4Sink {
    /// A CUPS queue by name, on the scheduler named by `CUPS_SERVER` (a `host[:port]`), or
    /// `localhost:631`.
    Cups {
        /// Queue name, as in `lpstat -p`: 1–127 of `A–Z a–z 0–9 - _ . @ +`.
        queue: String,
    },
    /// Write PDFs into a folder.
    File {
        /// Target folder.
        folder: PathBuf,
    },
}

/// A submitted A4 job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum A4Job {
    /// A job CUPS accepted.
    Cups {
        /// The queue it went to.
        queue: String,
        /// Its IPP `job-id` (as in `lpstat -o`: `QUEUE-ID`).
        id: i32,
    },
    /// The file written by the file sink.
    File(PathBuf),
}

/// Why an A4 operation failed.
#[derive(Debug, thiserror::Error)]
pub enum A4Error {
    /// The configured queue name cannot be a CUPS queue the kiosk talks to.
    #[error("A4 queue name {0:?} is not valid (1–127 of A–Z a–z 0–9 - _ . @ +)")]
    BadQueueName(String),
    /// Nothing answers where the CUPS scheduler should be (cupsd not running).
    #[error("the CUPS scheduler at {0} cannot be reached (is cupsd running?)")]
    Unreachable(String),
    /// The scheduler runs but has no queue of that name.
    #[error("CUPS has no printer queue named {0:?} (see lpstat -p)")]
    NoSuchQueue(String),
    /// The printer cannot print now; nothing was sent. The status says why.
    #[error("the A4 printer cannot print now: {}", .0.summary())]
    NotReady(Box<PrinterStatus>),
    /// The scheduler answered an operation with an IPP error status.
    #[error("CUPS refused {operation}: {status} {message}")]
    Ipp {
        /// The IPP operation, e.g. `Print-Job`.
        operation: &'static str,
        /// The IPP status code name, e.g. `ServerErrorNotAcceptingJobs`.
        status: String,
        /// CUPS's `status-message`, possibly empty.
        message: String,
    },
    /// The answer was not IPP, or HTTP failed in the middle.
    #[error("IPP exchange with CUPS failed: {0}")]
    Protocol(String),
    /// The file sink could not write.
    #[error("A4 output failed: {0}")]
    Io(#[from] std::io::Error),
}

impl A4Error {
    /// What stops the printer, in the kiosk's terms.
    pub fn problem(&self) -> PrinterProblem {
        match self {
            A4Error::NotReady(s) => s.problem().unwrap_or(PrinterProblem::Offline),
            A4Error::BadQueueName(_) | A4Error::Unreachable(_) | A4Error::NoSuchQueue(_) => {
                PrinterProblem::NoPrinter
            }
            A4Error::Ipp { status, .. } if status == "ServerErrorNotAcceptingJobs" => {
                PrinterProblem::Offline
            }
            A4Error::Ipp { .. } | A4Error::Protocol(_) | A4Error::Io(_) => PrinterProblem::Fault,
        }
    }

    /// The XFS4IoT device state this error implies.
    pub fn device_state(&self) -> DeviceState {
        match self {
            A4Error::NotReady(s) => s.device,
            A4Error::BadQueueName(_) | A4Error::Unreachable(_) | A4Error::NoSuchQueue(_) => {
                DeviceState::NoDevice
            }
            A4Error::Ipp { .. } | A4Error::Protocol(_) | A4Error::Io(_) => {
                DeviceState::HardwareError
            }
        }
    }
}

impl From<&A4Config> for A4Sink {
    fn from(c: &A4Config) -> Self {
        match c {
            A4Config::Cups { queue } => A4Sink::Cups {
                queue: queue.clone(),
            },
            A4Config::File { folder } => A4Sink::File {
                folder: folder.clone(),
            },
        }
    }
}

/// Toner state, as in XFS4IoT `printer.status.toner`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TonerState {
    /// Toner (or ink) is not near its end, as far as the printer reports.
    Full,
    /// Toner is low.
    Low,
    /// Toner is out.
    Out,
    /// The device has no toner (the file sink).
    NotSupported,
    /// The state cannot be determined.
    Unknown,
}

/// How serious a `printer-state-reasons` keyword is (RFC 8011 §5.4.12): a keyword without
/// a suffix is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// `-report`: information only.
    Report,
    /// `-warning`: the printer still prints.
    Warning,
    /// `-error`, or no suffix: the printer may not print.
    Error,
}

/// One `printer-state-reasons` value, split into keyword and severity.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StateReason {
    /// The keyword without its suffix, e.g. `media-empty`.
    pub keyword: String,
    /// From the suffix.
    pub severity: Severity,
}

impl StateReason {
    /// Split `media-empty-error` into `media-empty` and [`Severity::Error`].
    pub fn parse(value: &str) -> StateReason {
        for (suffix, severity) in [
            ("-error", Severity::Error),
            ("-warning", Severity::Warning),
            ("-report", Severity::Report),
        ] {
            if let Some(k) = value.strip_suffix(suffix)
                && !k.is_empty()
            {
                return StateReason {
                    keyword: k.into(),
                    severity,
                };
            }
        }
        StateReason {
            keyword: value.into(),
            severity: Severity::Error,
        }
    }
}

/// Reasons that CUPS or its backends set for information, without a suffix.
const INFORMATIONAL: &[&str] = &[
    "connecting-to-device",
    "moving-to-paused",
    "cups-waiting-for-job-completed",
    "cups-remote-pending",
    "cups-remote-pending-held",
    "cups-remote-processing",
    "cups-remote-stopped",
    "cups-remote-canceled",
    "cups-remote-aborted",
    "cups-remote-completed",
    "identify-printer-requested",
    "printer-restarted",
    "processing-to-stop-point",
];

/// Reasons after which the printer takes no job: stopped by an operator (`paused`,
/// `cupsdisable`), holding new jobs, deactivated, or not answering (`offline`, which CUPS
/// backends report as `offline-report`).
const OFFLINE: &[&str] = &["paused", "offline", "hold-new-jobs", "deactivated"];

/// Errors of RFC 8011 / PWG 5100.9 that stop the paper path (the printer is inoperable
/// until a technician acts).
const HARDWARE: &[&str] = &[
    "input-tray-missing",
    "output-tray-missing",
    "output-area-full",
    "spool-area-full",
    "marker-waste-full",
    "fuser-over-temp",
    "fuser-under-temp",
    "opc-life-over",
    "developer-empty",
    "interpreter-resource-unavailable",
    "cups-missing-filter",
    "cups-insecure-filter",
];

/// The A4 printer's state in XFS4IoT terms, with the IPP reasons it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrinterStatus {
    /// `common.status.device`.
    pub device: DeviceState,
    /// `printer.status.paper` (of the A4 tray; `full` when no paper reason is reported).
    pub paper: PaperState,
    /// `printer.status.toner` (`full` when no toner reason is reported).
    pub toner: TonerState,
    /// A door, cover or interlock is open.
    pub door_open: bool,
    /// `printer-is-accepting-jobs`.
    pub accepting: bool,
    /// `printer-state`: `idle`, `processing` or `stopped`.
    pub ipp_state: String,
    /// The raw `printer-state-reasons` (without `none`).
    pub reasons: Vec<String>,
    /// `printer-state-message` (set by CUPS, the backend or an administrator).
    pub message: String,
}

impl PrinterStatus {
    /// A printer with nothing to report (the file sink).
    pub fn ready() -> PrinterStatus {
        PrinterStatus {
            device: DeviceState::Online,
            paper: PaperState::Full,
            toner: TonerState::NotSupported,
            door_open: false,
            accepting: true,
            ipp_state: "idle".into(),
            reasons: Vec::new(),
            message: String::new(),
        }
    }

    /// Map IPP `printer-state` (3 idle, 4 processing, 5 stopped), `printer-state-reasons`
    /// and `printer-is-accepting-jobs` to XFS4IoT states.
    ///
    /// - device: `powerOff` for `shutdown`; `hardwareError` for `media-jam` and other
    ///   paper-path errors (or any unknown `-error`); `offline` for a stopped queue,
    ///   `paused`, `offline`, an open door or a queue not accepting jobs; else `online`.
    ///   Paper and toner problems leave the device `online`: they are reported in `paper`
    ///   and `toner`, and [`PrinterStatus::problem`] still refuses to print.
    /// - paper: `jammed` for `media-jam` (error or warning); `out` for a `media-empty` or
    ///   `media-needed` error; `low` for `media-low` or an empty-tray warning; else `full`.
    /// - toner: `out` for `toner-empty` / `marker-supply-empty`, `low` for `toner-low` /
    ///   `marker-supply-low` (errors or warnings); else `full`.
    ///
    /// `-report` reasons change nothing, except those that take the printer out of service
    /// (`offline-report` is how CUPS backends say the printer does not answer).
    pub fn from_ipp(state: i32, reasons: &[String], accepting: bool, message: &str) -> Self {
        let parsed: Vec<StateReason> = reasons.iter().map(|r| StateReason::parse(r)).collect();
        let has = |keys: &[&str], min: Severity| {
            parsed
                .iter()
                .any(|r| r.severity >= min && keys.contains(&r.keyword.as_str()))
        };
        let paper = if has(&["media-jam"], Severity::Warning) {
            PaperState::Jammed
        } else if has(&["media-empty", "media-needed"], Severity::Error) {
            PaperState::Out
        } else if has(
            &["media-low", "media-empty", "media-needed"],
            Severity::Warning,
        ) {
            PaperState::Low
        } else {
            PaperState::Full
        };
        let toner = if has(&["toner-empty", "marker-supply-empty"], Severity::Warning) {
            TonerState::Out
        } else if has(&["toner-low", "marker-supply-low"], Severity::Warning) {
            TonerState::Low
        } else {
            TonerState::Full
        };
        let door_open = has(
            &["door-open", "cover-open", "interlock-open"],
            Severity::Warning,
        );
        // An unknown keyword counts when it says `-error` itself: bare unknown keywords are
        // what CUPS and its backends use for information (`connecting-to-device`, …).
        let unknown_error = reasons
            .iter()
            .any(|raw| raw.ends_with("-error") && !known(&StateReason::parse(raw).keyword));
        let device = if has(&["shutdown"], Severity::Warning) {
            DeviceState::PowerOff
        } else if paper == PaperState::Jammed || has(HARDWARE, Severity::Error) || unknown_error {
            DeviceState::HardwareError
        } else if state == 5 || !accepting || door_open || has(OFFLINE, Severity::Report) {
            DeviceState::Offline
        } else {
            DeviceState::Online
        };
        PrinterStatus {
            device,
            paper,
            toner,
            door_open,
            accepting,
            ipp_state: match state {
                3 => "idle",
                4 => "processing",
                5 => "stopped",
                _ => "unknown",
            }
            .into(),
            reasons: reasons.to_vec(),
            message: message.into(),
        }
    }

    /// What keeps this printer from printing, if anything; the most specific first (a
    /// queue stopped because it ran out of paper is [`PrinterProblem::PaperOut`]).
    pub fn problem(&self) -> Option<PrinterProblem> {
        let toner_error = self.reasons.iter().map(|r| StateReason::parse(r)).any(|r| {
            r.severity == Severity::Error
                && matches!(r.keyword.as_str(), "toner-empty" | "marker-supply-empty")
        });
        if self.door_open {
            Some(PrinterProblem::DoorOpen)
        } else if self.paper == PaperState::Jammed {
            Some(PrinterProblem::Jammed)
        } else if self.paper == PaperState::Out {
            Some(PrinterProblem::PaperOut)
        } else if toner_error {
            Some(PrinterProblem::TonerOut)
        } else {
            match self.device {
                DeviceState::Online | DeviceState::DeviceBusy => None,
                DeviceState::HardwareError | DeviceState::UserError => Some(PrinterProblem::Fault),
                DeviceState::Offline | DeviceState::PowerOff => Some(PrinterProblem::Offline),
                DeviceState::NoDevice => Some(PrinterProblem::NoPrinter),
            }
        }
    }

    /// One line for logs and errors: states and reasons (no personal data is ever in them).
    pub fn summary(&self) -> String {
        format!(
            "device {}, paper {}, toner {}{}{}, printer-state {}, reasons [{}]",
            xfs_name(&self.device),
            xfs_name(&self.paper),
            xfs_name(&self.toner),
            if self.door_open { ", door open" } else { "" },
            if self.accepting {
                ""
            } else {
                ", not accepting jobs"
            },
            self.ipp_state,
            self.reasons.join(", ")
        )
    }
}

/// Keywords this module knows the meaning of (mapped above, or informational).
fn known(k: &str) -> bool {
    const MAPPED: &[&str] = &[
        "media-jam",
        "media-empty",
        "media-needed",
        "media-low",
        "toner-empty",
        "toner-low",
        "marker-supply-empty",
        "marker-supply-low",
        "door-open",
        "cover-open",
        "interlock-open",
        "shutdown",
    ];
    MAPPED.contains(&k)
        || OFFLINE.contains(&k)
        || HARDWARE.contains(&k)
        || INFORMATIONAL.contains(&k)
}

/// An enum's XFS4IoT name, from its serde form.
fn xfs_name<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v)
        .unwrap_or_default()
        .trim_matches('"')
        .to_string()
}

/// A file name made only of safe characters from `name`.
fn safe_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    if s.is_empty() { "paper".into() } else { s }
}

impl A4Sink {
    fn queue(&self) -> Result<Option<IppQueue>, A4Error> {
        match self {
            A4Sink::Cups { queue } => IppQueue::new(&ipp::server(), queue).map(Some),
            A4Sink::File { .. } => Ok(None),
        }
    }

    fn job_queue(&self, job: &A4Job) -> Result<Option<(IppQueue, i32)>, A4Error> {
        match job {
            A4Job::Cups { queue, id } => Ok(Some((IppQueue::new(&ipp::server(), queue)?, *id))),
            A4Job::File(_) => Ok(None),
        }
    }

    /// The printer's state (Get-Printer-Attributes); the file sink is always ready.
    ///
    /// Errors: [`A4Error::Unreachable`] without a scheduler, [`A4Error::NoSuchQueue`] for an
    /// unknown queue, [`A4Error::Protocol`] / [`A4Error::Ipp`] for a broken exchange.
    pub async fn status(&self) -> Result<PrinterStatus, A4Error> {
        let Some(q) = self.queue()? else {
            return Ok(PrinterStatus::ready());
        };
        let a = q.printer_attributes().await?;
        Ok(PrinterStatus::from_ipp(
            a.state,
            &a.reasons,
            a.accepting,
            &a.message,
        ))
    }

    /// Check the printer, then submit `pdf` (A4, one copy) under the job name `name`
    /// (ASCII-sanitised, at most 64 characters). Returns once CUPS has accepted the job.
    ///
    /// Errors: [`A4Error::NotReady`] when [`PrinterStatus::problem`] finds one (nothing is
    /// sent), and those of [`A4Sink::status`] and [`A4Sink::submit`].
    pub async fn print(&self, pdf: &[u8], name: &str) -> Result<A4Job, A4Error> {
        self.check().await?;
        self.submit(pdf, name, 1).await
    }

    /// Fail with [`A4Error::NotReady`] unless the printer can print now.
    pub async fn check(&self) -> Result<PrinterStatus, A4Error> {
        let status = self.status().await?;
        if status.problem().is_some() {
            return Err(A4Error::NotReady(Box::new(status)));
        }
        Ok(status)
    }

    /// Submit `pdf` without checking the printer first: Print-Job with `document-format
    /// application/pdf`, `job-name` (ASCII-sanitised `name`) and `copies` (1–99). The file
    /// sink writes `FOLDER/NAME.pdf` atomically (copies are not duplicated on disk).
    ///
    /// Errors: [`A4Error::Ipp`] when CUPS refuses the job (e.g. `ServerErrorNotAcceptingJobs`
    /// for a rejecting queue), [`A4Error::NoSuchQueue`], [`A4Error::Unreachable`],
    /// [`A4Error::Io`] for the file sink.
    pub async fn submit(&self, pdf: &[u8], name: &str, copies: u32) -> Result<A4Job, A4Error> {
        let name = safe_name(name);
        match self {
            A4Sink::File { folder } => {
                tokio::fs::create_dir_all(folder).await?;
                let path = folder.join(format!("{name}.pdf"));
                write_atomic(&path, pdf).await?;
                Ok(A4Job::File(path))
            }
            A4Sink::Cups { queue } => {
                let q = IppQueue::new(&ipp::server(), queue)?;
                let id = q.print_job(pdf, &name, copies).await?;
                tracing::info!(queue = %queue, job = id, bytes = pdf.len(), "A4 job accepted");
                Ok(A4Job::Cups {
                    queue: queue.clone(),
                    id,
                })
            }
        }
    }
}
async fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("pdf.tmp");
    tokio::fs::write(&tmp, bytes).await?;
    tokio::fs::rename(&tmp, path).await
}

#[cfg(test)]
mod tests;
