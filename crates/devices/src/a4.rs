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

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

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

/// IPP `job-state` (RFC 8011 §5.3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum JobState {
    /// 3 `pending`: waiting for the printer.
    Pending,
    /// 4 `pending-held`: held until released.
    Held,
    /// 5 `processing`.
    Processing,
    /// 6 `processing-stopped`: the printer stopped during the job.
    Stopped,
    /// 7 `canceled`.
    Canceled,
    /// 8 `aborted`: the system gave up on it.
    Aborted,
    /// 9 `completed`: printed.
    Completed,
}

impl JobState {
    /// From the IPP enum value; `None` for a value outside 3–9.
    pub fn from_ipp(v: i32) -> Option<JobState> {
        Some(match v {
            3 => JobState::Pending,
            4 => JobState::Held,
            5 => JobState::Processing,
            6 => JobState::Stopped,
            7 => JobState::Canceled,
            8 => JobState::Aborted,
            9 => JobState::Completed,
            _ => return None,
        })
    }

    /// The job has ended (canceled, aborted or completed).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobState::Canceled | JobState::Aborted | JobState::Completed
        )
    }
}

/// A job's state as Get-Job-Attributes reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobStatus {
    /// `job-state`.
    pub state: JobState,
    /// `job-state-reasons`, e.g. `job-completed-successfully`, `job-canceled-by-user`.
    pub reasons: Vec<String>,
    /// `job-printer-state-reasons`: the printer's reasons when the job last changed (CUPS).
    pub printer_reasons: Vec<String>,
}

/// How [`A4Sink::wait`] follows a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitPolicy {
    /// Give up (and cancel the job) after this long from the start of the wait.
    pub deadline: Duration,
    /// A printer problem must last this long before the job is cancelled (a door closed at
    /// once, a backend's short `offline-report` while it connects).
    pub grace: Duration,
    /// Longest pause between two polls; polling starts at 20 ms and doubles up to it.
    pub max_poll: Duration,
}

impl Default for WaitPolicy {
    /// Three minutes to print, three seconds of grace, polls at most every 250 ms.
    fn default() -> Self {
        WaitPolicy {
            deadline: Duration::from_secs(180),
            grace: Duration::from_secs(3),
            max_poll: Duration::from_millis(250),
        }
    }
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobEnd {
    /// Printed (`job-state` completed; for the file sink, written).
    Completed,
    /// The printer stopped during the job; the kiosk cancelled it. Not delivered.
    Interrupted {
        /// Why the printer stopped.
        problem: PrinterProblem,
    },
    /// CUPS ended the job without printing it (aborted, or cancelled by someone else).
    Failed {
        /// `aborted` or `canceled`.
        state: JobState,
        /// The printer problem recorded with the job, if any.
        problem: Option<PrinterProblem>,
    },
    /// The job did not end before the deadline; the kiosk cancelled it. Not delivered.
    TimedOut,
    /// The kiosk stopped waiting (the session ended) and cancelled the job. Not delivered.
    Abandoned,
}

impl JobEnd {
    /// The paper came out.
    pub fn delivered(&self) -> bool {
        *self == JobEnd::Completed
    }

    /// The word for the print audit: `printed`, `interrupted`, `aborted`, `canceled`,
    /// `timed_out` or `abandoned`.
    pub fn audit(&self) -> &'static str {
        match self {
            JobEnd::Completed => "printed",
            JobEnd::Interrupted { .. } => "interrupted",
            JobEnd::Failed {
                state: JobState::Canceled,
                ..
            } => "canceled",
            JobEnd::Failed { .. } => "aborted",
            JobEnd::TimedOut => "timed_out",
            JobEnd::Abandoned => "abandoned",
        }
    }

    /// What stopped the job, when a printer problem did (not for an abandoned job).
    pub fn problem(&self) -> Option<PrinterProblem> {
        match self {
            JobEnd::Completed | JobEnd::Abandoned => None,
            JobEnd::Interrupted { problem } => Some(*problem),
            JobEnd::Failed { problem, .. } => Some(problem.unwrap_or(PrinterProblem::Fault)),
            JobEnd::TimedOut => Some(PrinterProblem::Offline),
        }
    }
}

/// A paper sent and followed to its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The job.
    pub job: A4Job,
    /// How it ended.
    pub end: JobEnd,
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

    /// The job's state (Get-Job-Attributes). A file job is `completed` while its file
    /// exists and `canceled` once it was removed.
    pub async fn job_status(&self, job: &A4Job) -> Result<JobStatus, A4Error> {
        let Some((q, id)) = self.job_queue(job)? else {
            let A4Job::File(path) = job else {
                unreachable!("job_queue returns None only for file jobs")
            };
            let exists = tokio::fs::try_exists(path).await.unwrap_or(false);
            return Ok(JobStatus {
                state: if exists {
                    JobState::Completed
                } else {
                    JobState::Canceled
                },
                reasons: Vec::new(),
                printer_reasons: Vec::new(),
            });
        };
        let a = q.job_attributes(id).await?;
        Ok(JobStatus {
            state: JobState::from_ipp(a.state)
                .ok_or_else(|| A4Error::Protocol(format!("job-state {} is not 3–9", a.state)))?,
            reasons: a.reasons,
            printer_reasons: a.printer_reasons,
        })
    }

    /// Cancel `job` (Cancel-Job), e.g. when the session times out while it prints. A job
    /// that has already ended is left as it is (`Ok`). The file sink removes the file.
    ///
    /// Errors: [`A4Error::Unreachable`], [`A4Error::Protocol`], or [`A4Error::Ipp`] when
    /// CUPS refuses for another reason than the job having ended.
    pub async fn cancel(&self, job: &A4Job) -> Result<(), A4Error> {
        let Some((q, id)) = self.job_queue(job)? else {
            if let A4Job::File(path) = job {
                match tokio::fs::remove_file(path).await {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                    _ => {}
                }
            }
            return Ok(());
        };
        match q.cancel_job(id).await {
            Ok(()) => {
                tracing::info!(queue = %q.queue, job = id, "A4 job cancelled");
                Ok(())
            }
            Err(e @ A4Error::Ipp { .. }) => {
                // Not possible, because it already ended: nothing to cancel.
                match self.job_status(job).await {
                    Ok(s) if s.state.is_terminal() => Ok(()),
                    _ => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Follow `job` until it ends, watching the printer. When the printer reports a
    /// problem for longer than `policy.grace` while the job has not ended, or the job has
    /// not ended by `policy.deadline`, the job is cancelled and reported as
    /// [`JobEnd::Interrupted`] or [`JobEnd::TimedOut`] (unless it completed in the
    /// meantime). A file job has ended when it was written.
    ///
    /// Errors: those of [`A4Sink::job_status`] and [`A4Sink::status`] (the job goes on).
    pub async fn wait(&self, job: &A4Job, policy: &WaitPolicy) -> Result<JobEnd, A4Error> {
        if matches!(job, A4Job::File(_)) {
            return Ok(JobEnd::Completed);
        }
        let start = Instant::now();
        let mut pause = Duration::from_millis(20);
        let mut trouble: Option<(PrinterProblem, Instant)> = None;
        loop {
            let js = self.job_status(job).await?;
            if let Some(end) = ended(&js) {
                return Ok(end);
            }
            let problem = self.status().await?.problem();
            trouble = match (problem, trouble) {
                (None, _) => None,
                (Some(p), Some((q, since))) if p == q => Some((q, since)),
                (Some(p), _) => Some((p, Instant::now())),
            };
            let stop = if let Some((p, since)) = trouble
                && since.elapsed() >= policy.grace
            {
                Some(JobEnd::Interrupted { problem: p })
            } else if start.elapsed() >= policy.deadline {
                Some(JobEnd::TimedOut)
            } else {
                None
            };
            if let Some(stop) = stop {
                tracing::warn!(end = stop.audit(), problem = ?stop.problem(), "A4 job stopped by the kiosk");
                self.cancel(job).await?;
                // It may have ended on its own between the poll and the cancel.
                let js = self.job_status(job).await?;
                return Ok(match ended(&js) {
                    Some(JobEnd::Completed) => JobEnd::Completed,
                    _ => stop,
                });
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(policy.max_poll);
        }
    }

    /// Check the printer, send `pdf` as `copies` copies under the job name `name`, and
    /// follow the job to its end ([`A4Sink::check`], [`A4Sink::submit`], [`A4Sink::wait`]).
    ///
    /// Errors: [`A4Error::NotReady`] (nothing sent) and the errors of the three steps.
    pub async fn deliver(
        &self,
        pdf: &[u8],
        name: &str,
        copies: u32,
        policy: &WaitPolicy,
    ) -> Result<Delivery, A4Error> {
        self.deliver_until(pdf, name, copies, policy, std::future::pending())
            .await
    }

    /// [`A4Sink::deliver`], but when `stop` completes before the job has ended (the
    /// session timed out, the resident left) the job is cancelled and reported as
    /// [`JobEnd::Abandoned`] (or [`JobEnd::Completed`] if it ended first). `stop` is only
    /// watched once the job was accepted: the check and Print-Job take milliseconds.
    ///
    /// Errors: those of [`A4Sink::deliver`] and of [`A4Sink::cancel`].
    pub async fn deliver_until(
        &self,
        pdf: &[u8],
        name: &str,
        copies: u32,
        policy: &WaitPolicy,
        stop: impl std::future::Future<Output = ()>,
    ) -> Result<Delivery, A4Error> {
        self.check().await?;
        let job = self.submit(pdf, name, copies).await?;
        let end = tokio::select! {
            end = self.wait(&job, policy) => end?,
            () = stop => {
                tracing::warn!(end = "abandoned", "A4 job stopped by the kiosk");
                self.cancel(&job).await?;
                match ended(&self.job_status(&job).await?) {
                    Some(JobEnd::Completed) => JobEnd::Completed,
                    _ => JobEnd::Abandoned,
                }
            }
        };
        Ok(Delivery { job, end })
    }
}

/// The end of a job CUPS reports as terminal.
fn ended(js: &JobStatus) -> Option<JobEnd> {
    match js.state {
        JobState::Completed => Some(JobEnd::Completed),
        JobState::Canceled | JobState::Aborted => Some(JobEnd::Failed {
            state: js.state,
            problem: PrinterStatus::from_ipp(3, &js.printer_reasons, true, "").problem(),
        }),
        _ => None,
    }
}

async fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("pdf.tmp");
    tokio::fs::write(&tmp, bytes).await?;
    tokio::fs::rename(&tmp, path).await
}

#[cfg(test)]
mod tests;
