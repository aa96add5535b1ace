//! Following an accepted A4 job to its end: its states (RFC 8011 §5.3.7), how long the
//! kiosk waits, how it ends, and the cancel that keeps an official paper from coming out
//! later for nobody to collect.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{A4Error, A4Job, A4Sink, PrinterProblem, PrinterStatus};

/// How many times the kiosk sends Cancel-Job for an accepted job it has lost track of.
pub const CANCEL_ATTEMPTS: u32 = 5;

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
    /// The kiosk lost track of the job after CUPS accepted it (an IPP or network error
    /// while following or cancelling it), cancelled it as far as it could, and cannot say
    /// whether the paper came out. Not counted as delivered; audited as `unknown`.
    Unknown {
        /// A Cancel-Job was accepted (or the job had already ended) within
        /// [`CANCEL_ATTEMPTS`]; `false` means CUPS may still print it.
        cancelled: bool,
    },
}

impl JobEnd {
    /// The paper came out.
    pub fn delivered(&self) -> bool {
        *self == JobEnd::Completed
    }

    /// The word for the print audit: `printed`, `interrupted`, `aborted`, `canceled`,
    /// `timed_out`, `abandoned` or `unknown`.
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
            JobEnd::Unknown { .. } => "unknown",
        }
    }

    /// What stopped the job, when a printer problem did (not for an abandoned job).
    pub fn problem(&self) -> Option<PrinterProblem> {
        match self {
            JobEnd::Completed | JobEnd::Abandoned => None,
            JobEnd::Interrupted { problem } => Some(*problem),
            JobEnd::Failed { problem, .. } => Some(problem.unwrap_or(PrinterProblem::Fault)),
            JobEnd::TimedOut => Some(PrinterProblem::Offline),
            JobEnd::Unknown { .. } => Some(PrinterProblem::Fault),
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

impl A4Sink {
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
    /// Never fails: once CUPS has accepted a job, an error while following or cancelling
    /// it must not leave it queued to print later for whoever stands there, so the kiosk
    /// cancels it with retries ([`A4Sink::give_up`]) and reports [`JobEnd::Unknown`] unless
    /// the job's state can still be read.
    pub async fn wait(&self, job: &A4Job, policy: &WaitPolicy) -> JobEnd {
        match self.follow(job, policy).await {
            Ok(end) => end,
            Err(e) => {
                tracing::warn!(error = %e, "lost track of an accepted A4 job; cancelling it");
                self.give_up(job).await
            }
        }
    }

    /// Cancel an accepted job whose fate is unknown, trying [`CANCEL_ATTEMPTS`] times with
    /// a doubling pause from 100 ms (about 3 s in all), then read its state once: a job
    /// CUPS reports `completed` printed, one it reports `canceled` or `aborted` did not;
    /// anything else is [`JobEnd::Unknown`].
    pub async fn give_up(&self, job: &A4Job) -> JobEnd {
        let mut pause = Duration::from_millis(100);
        let mut cancelled = false;
        for attempt in 1..=CANCEL_ATTEMPTS {
            match self.cancel(job).await {
                Ok(()) => {
                    cancelled = true;
                    break;
                }
                Err(e) => {
                    tracing::warn!(attempt, error = %e, "Cancel-Job failed");
                    if attempt < CANCEL_ATTEMPTS {
                        tokio::time::sleep(pause).await;
                        pause *= 2;
                    }
                }
            }
        }
        match self.job_status(job).await.ok().as_ref().and_then(ended) {
            Some(end) => end,
            None => {
                if !cancelled {
                    tracing::error!(
                        attempts = CANCEL_ATTEMPTS,
                        "an accepted A4 job could not be cancelled; CUPS may still print it"
                    );
                }
                JobEnd::Unknown { cancelled }
            }
        }
    }

    /// [`A4Sink::wait`] with its errors: the caller decides what an error means.
    async fn follow(&self, job: &A4Job, policy: &WaitPolicy) -> Result<JobEnd, A4Error> {
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
                // It may have ended on its own between the poll and the cancel.
                return Ok(stopped(self.give_up(job).await, stop));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(policy.max_poll);
        }
    }

    /// Check the printer, send `pdf` as `copies` copies under the job name `name`, and
    /// follow the job to its end ([`A4Sink::check`], [`A4Sink::submit`], [`A4Sink::wait`]).
    ///
    /// Errors: [`A4Error::NotReady`] (nothing sent) and the errors of the check and of
    /// Print-Job; after CUPS accepted the job, see [`A4Sink::wait`].
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
    /// Errors: those of [`A4Sink::deliver`]; after acceptance an error ends in
    /// [`A4Sink::give_up`], never in `Err`.
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
            end = self.wait(&job, policy) => end,
            () = stop => {
                tracing::warn!(end = "abandoned", "A4 job stopped by the kiosk");
                stopped(self.give_up(&job).await, JobEnd::Abandoned)
            }
        };
        Ok(Delivery { job, end })
    }
}

/// How a job the kiosk stopped as `stop` ended, given what [`A4Sink::give_up`] found: it
/// may have completed first, or stayed out of reach.
fn stopped(found: JobEnd, stop: JobEnd) -> JobEnd {
    match found {
        JobEnd::Completed | JobEnd::Unknown { cancelled: false } => found,
        _ => stop,
    }
}

/// The end of a job CUPS reports as terminal.
pub(super) fn ended(js: &JobStatus) -> Option<JobEnd> {
    match js.state {
        JobState::Completed => Some(JobEnd::Completed),
        JobState::Canceled | JobState::Aborted => Some(JobEnd::Failed {
            state: js.state,
            problem: PrinterStatus::from_ipp(3, &js.printer_reasons, true, "").problem(),
        }),
        _ => None,
    }
}
