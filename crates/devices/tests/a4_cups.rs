//! A4 printing over IPP against a real cupsd and its test queues (scripts/cups-up.sh, run by
//! scripts/test.sh): a permit printed to the PDF spool, printer states reported by real
//! CUPS backends and by the scheduler, jobs followed to their end, cancelled, refused.
//!
//! Needs cupsd on localhost:631 with the queues of scripts/cups-up.sh; without them every
//! test fails with a message saying so.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use manassa_core::kind::DocumentKind;
use manassa_devices::a4::ipp::IppQueue;
use manassa_devices::a4::{
    A4Error, A4Job, A4Sink, JobEnd, JobState, PrinterProblem, PrinterStatus, TonerState, WaitPolicy,
};
use manassa_devices::{DeviceState, PaperState};
use manassa_documents::{pdf, seal};
use manassa_i18n::{Lang, tr};
use manassa_session::Failure;

const SPOOL: &str = "/var/spool/manassa-pdf";

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn sink(queue: &str) -> A4Sink {
    A4Sink::Cups {
        queue: queue.into(),
    }
}

/// The queue's status, or a failure that says how to get cupsd and the queues.
fn status(rt: &tokio::runtime::Runtime, queue: &str) -> PrinterStatus {
    match rt.block_on(sink(queue).status()) {
        Ok(s) => s,
        Err(e @ A4Error::Unreachable(_)) => {
            panic!(
                "{e}: run the suite with scripts/test.sh, which starts cupsd and the test queues"
            )
        }
        Err(e @ A4Error::NoSuchQueue(_)) => {
            panic!("{e}: scripts/cups-up.sh creates the test queues (scripts/test.sh runs it)")
        }
        Err(e) => panic!("status of {queue}: {e}"),
    }
}

fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name} must be installed (scripts/test.sh installs it): {e}"));
    assert!(
        out.status.success(),
        "{name} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Set a queue's printer-state-reasons as an administrator would (`lpadmin -o`).
fn set_reasons(queue: &str, reasons: &[&str]) {
    let list = if reasons.is_empty() {
        "none".to_string()
    } else {
        reasons.join(",")
    };
    tool(
        "lpadmin",
        &["-p", queue, "-o", &format!("printer-state-reasons={list}")],
    );
}

/// Every job CUPS remembers for `queue` (`lpstat -W all -o`), one line each.
fn jobs_of(queue: &str) -> usize {
    tool("lpstat", &["-W", "all", "-o", queue]).lines().count()
}

fn permit_pdf() -> Vec<u8> {
    let key = p256::ecdsa::SigningKey::from_slice(&[42u8; 32]).unwrap();
    pdf::write(&seal::sealed_sample(
        DocumentKind::BuildingPermit,
        "t-1",
        &key,
    ))
    .unwrap()
}

fn pdftotext(path: &Path) -> String {
    tool("pdftotext", &["-layout", path.to_str().unwrap(), "-"])
}

fn job_id(job: &A4Job) -> i32 {
    match job {
        A4Job::Cups { id, .. } => *id,
        A4Job::File(p) => panic!("a CUPS job, not {p:?}"),
    }
}

/// Policy for the tests: act on a printer problem at once, poll often.
fn quick() -> WaitPolicy {
    WaitPolicy {
        deadline: Duration::from_secs(60),
        grace: Duration::ZERO,
        max_poll: Duration::from_millis(100),
    }
}

#[test]
fn a_permit_prints_and_lands_in_the_spool_with_the_same_text() {
    let rt = rt();
    let s = status(&rt, "manassa-pdf");
    assert_eq!(s.device, DeviceState::Online, "{}", s.summary());
    assert_eq!(s.problem(), None);

    let pdf = permit_pdf();
    let a4 = sink("manassa-pdf");
    let d = rt
        .block_on(a4.deliver(&pdf, "BP-2026-004512", 1, &WaitPolicy::default()))
        .unwrap();
    assert_eq!(d.end, JobEnd::Completed);
    let id = job_id(&d.job);

    // Completion is CUPS's word, not a guess: the job says so itself.
    let js = rt.block_on(a4.job_status(&d.job)).unwrap();
    assert_eq!(js.state, JobState::Completed, "{js:?}");

    // The backend wrote the job, named by its id and title, before CUPS called it done.
    let spooled = PathBuf::from(SPOOL).join(format!("{id}-BP-2026-004512.pdf"));
    assert!(spooled.exists(), "{spooled:?} missing");
    let ours = std::env::temp_dir().join(format!("manassa-a4-permit-{}.pdf", std::process::id()));
    std::fs::write(&ours, &pdf).unwrap();
    let (sent, printed) = (pdftotext(&ours), pdftotext(&spooled));
    assert!(sent.contains("BP-2026-004512"), "{sent}");
    assert!(
        sent.contains("محمد عبدالله الكواري"),
        "Arabic in logical order: {sent}"
    );
    assert_eq!(printed, sent, "the printed PDF carries the same text");
    let _ = std::fs::remove_file(ours);
}

#[test]
fn copies_reach_cups() {
    let rt = rt();
    status(&rt, "manassa-pdf");
    let a4 = sink("manassa-pdf");
    let job = rt
        .block_on(a4.submit(&permit_pdf(), "copies-check", 2))
        .unwrap();
    assert_eq!(rt.block_on(a4.wait(&job, &quick())), JobEnd::Completed);
    // CUPS records the job template attribute it was given.
    let attrs = tool("lpstat", &["-W", "completed", "-l", "-o", "manassa-pdf"]);
    assert!(
        attrs.contains(&format!("manassa-pdf-{}", job_id(&job))),
        "{attrs}"
    );
    let ipp = tool(
        "ipptool",
        &[
            "-tv",
            "-d",
            &format!("job_id={}", job_id(&job)),
            "ipp://localhost/printers/manassa-pdf",
            &format!("{}/tests/data/a4-get-job.test", env!("CARGO_MANIFEST_DIR")),
        ],
    );
    assert!(ipp.contains("copies (integer) = 2"), "{ipp}");
}

#[test]
fn paper_out_is_reported_before_printing_and_nothing_is_sent() {
    let rt = rt();
    // scripts/cups-up.sh ran one job on this queue; its backend reported media-empty-error.
    let s = status(&rt, "manassa-nopaper");
    assert_eq!(s.paper, PaperState::Out, "{}", s.summary());
    assert_eq!(s.device, DeviceState::Online);
    assert!(s.reasons.iter().any(|r| r == "media-empty-error"));
    assert_eq!(s.problem(), Some(PrinterProblem::PaperOut));

    let before = jobs_of("manassa-nopaper");
    let err = rt
        .block_on(sink("manassa-nopaper").deliver(&permit_pdf(), "x", 1, &quick()))
        .unwrap_err();
    assert!(matches!(err, A4Error::NotReady(_)), "{err}");
    assert_eq!(err.problem(), PrinterProblem::PaperOut);
    assert_eq!(jobs_of("manassa-nopaper"), before, "no job was sent");

    // What the resident is told, in both languages.
    let msg = Failure::A4NotReady(err.problem());
    assert_eq!(msg, Failure::A4NotReady(PrinterProblem::PaperOut));
    let id = err.problem().not_ready_message();
    assert_eq!(
        tr(Lang::En, id),
        "The A4 printer is out of paper, so nothing was printed."
    );
    assert_eq!(tr(Lang::Ar, id), "نفد الورق من طابعة A4، لذلك لم يُطبع شيء.");
}

#[test]
fn a_job_the_backend_fails_is_aborted_and_not_delivered() {
    let rt = rt();
    status(&rt, "manassa-nopaper");
    let a4 = sink("manassa-nopaper");
    // Sent without the check, as if paper ran out between the check and the job; a long
    // grace lets CUPS end the job itself.
    let job = rt
        .block_on(a4.submit(b"%PDF-1.4\n%%EOF\n", "abort", 1))
        .unwrap();
    let policy = WaitPolicy {
        grace: Duration::from_secs(60),
        ..quick()
    };
    let end = rt.block_on(a4.wait(&job, &policy));
    assert_eq!(
        end,
        JobEnd::Failed {
            state: JobState::Aborted,
            problem: Some(PrinterProblem::PaperOut)
        }
    );
    assert!(!end.delivered());
    assert_eq!(end.audit(), "aborted");
}

/// A printer that gets into trouble mid-job: the kiosk cancels the job, and the paper is not
/// delivered; the backend clears its reason when cancelled.
fn stops_mid_job(queue: &str, problem: PrinterProblem) {
    let rt = rt();
    let before = status(&rt, queue);
    assert_eq!(before.problem(), None, "{queue}: {}", before.summary());
    let a4 = sink(queue);
    let d = rt
        .block_on(a4.deliver(b"%PDF-1.4\n%%EOF\n", "midjob", 1, &quick()))
        .unwrap();
    assert_eq!(d.end, JobEnd::Interrupted { problem }, "{queue}");
    assert!(!d.end.delivered());
    assert_eq!(d.end.audit(), "interrupted");
    let js = rt.block_on(a4.job_status(&d.job)).unwrap();
    assert_eq!(js.state, JobState::Canceled, "{queue}: {js:?}");
    // What the resident is told.
    let id = problem.interrupted_message();
    for lang in [Lang::Ar, Lang::En] {
        assert!(!tr(lang, id).is_empty() && tr(lang, id) != id);
    }
    assert_eq!(
        Failure::A4Interrupted(d.end.problem().unwrap()),
        Failure::A4Interrupted(problem)
    );
    // The stalled backend was stopped and took its reason back.
    let mut after = status(&rt, queue);
    for _ in 0..50 {
        if after.problem().is_none() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        after = status(&rt, queue);
    }
    assert_eq!(after.problem(), None, "{queue}: {}", after.summary());
}

#[test]
fn paper_running_out_mid_job_cancels_it() {
    stops_mid_job("manassa-runout", PrinterProblem::PaperOut);
}

#[test]
fn a_jam_mid_job_cancels_it() {
    stops_mid_job("manassa-jam", PrinterProblem::Jammed);
}

#[test]
fn a_door_opened_mid_job_cancels_it() {
    stops_mid_job("manassa-door", PrinterProblem::DoorOpen);
}

#[test]
fn a_stopped_queue_is_reported_before_printing() {
    let rt = rt();
    let s = status(&rt, "manassa-stopped");
    assert_eq!(s.ipp_state, "stopped");
    assert_eq!(s.device, DeviceState::Offline, "{}", s.summary());
    assert!(s.reasons.iter().any(|r| r == "paused"), "{:?}", s.reasons);
    assert_eq!(s.message, "stopped by scripts/cups-up.sh");
    assert_eq!(s.problem(), Some(PrinterProblem::Offline));
    let before = jobs_of("manassa-stopped");
    let err = rt
        .block_on(sink("manassa-stopped").print(&permit_pdf(), "x"))
        .unwrap_err();
    assert!(matches!(err, A4Error::NotReady(_)), "{err}");
    assert_eq!(err.problem(), PrinterProblem::Offline);
    assert_eq!(err.device_state(), DeviceState::Offline);
    assert_eq!(jobs_of("manassa-stopped"), before, "no job was sent");
    assert_eq!(
        tr(Lang::En, err.problem().not_ready_message()),
        "The A4 printer is not available right now, so nothing was printed."
    );
}

#[test]
fn a_missing_queue_is_a_clear_error() {
    let rt = rt();
    status(&rt, "manassa-pdf");
    let a4 = sink("no-such-queue-manassa");
    let err = rt.block_on(a4.status()).unwrap_err();
    assert!(matches!(err, A4Error::NoSuchQueue(_)), "{err}");
    assert_eq!(
        err.to_string(),
        "CUPS has no printer queue named \"no-such-queue-manassa\" (see lpstat -p)"
    );
    assert_eq!(err.device_state(), DeviceState::NoDevice);
    assert_eq!(err.problem(), PrinterProblem::NoPrinter);
    // Sending without the check meets the same answer from Print-Job.
    let err = rt.block_on(a4.submit(b"%PDF", "x", 1)).unwrap_err();
    assert!(matches!(err, A4Error::NoSuchQueue(_)), "{err}");
}

#[test]
fn no_scheduler_is_a_clear_error() {
    let rt = rt();
    // Port 9 (discard) on loopback: nothing listens there.
    let q = IppQueue::new("127.0.0.1:9", "manassa-pdf").unwrap();
    let err = rt.block_on(q.printer_attributes()).unwrap_err();
    assert!(matches!(err, A4Error::Unreachable(_)), "{err}");
    assert!(err.to_string().contains("is cupsd running?"), "{err}");
    assert_eq!(err.device_state(), DeviceState::NoDevice);
}

#[test]
fn cancel_stops_a_job_and_a_deadline_cancels_it() {
    let rt = rt();
    status(&rt, "manassa-slow");
    let a4 = sink("manassa-slow");
    let job = rt
        .block_on(a4.submit(b"%PDF-1.4\n%%EOF\n", "to-cancel", 1))
        .unwrap();
    let js = rt.block_on(a4.job_status(&job)).unwrap();
    assert!(
        matches!(js.state, JobState::Pending | JobState::Processing),
        "{js:?}"
    );
    rt.block_on(a4.cancel(&job)).unwrap();
    let js = rt.block_on(a4.job_status(&job)).unwrap();
    assert_eq!(js.state, JobState::Canceled, "{js:?}");
    // Cancelling a job that has ended is not an error.
    rt.block_on(a4.cancel(&job)).unwrap();

    // The session's time-out: a job that does not end in time is cancelled.
    let policy = WaitPolicy {
        deadline: Duration::from_millis(800),
        ..quick()
    };
    let d = rt
        .block_on(a4.deliver(b"%PDF-1.4\n%%EOF\n", "too-slow", 1, &policy))
        .unwrap();
    assert_eq!(d.end, JobEnd::TimedOut);
    assert_eq!(
        rt.block_on(a4.job_status(&d.job)).unwrap().state,
        JobState::Canceled
    );

    // The session ends while the job prints: the kiosk cancels it.
    let d = rt
        .block_on(async {
            let session_over = tokio::time::sleep(Duration::from_millis(300));
            a4.deliver_until(
                b"%PDF-1.4\n%%EOF\n",
                "left",
                1,
                &WaitPolicy::default(),
                session_over,
            )
            .await
        })
        .unwrap();
    assert_eq!(d.end, JobEnd::Abandoned);
    assert_eq!(d.end.audit(), "abandoned");
    assert_eq!(
        rt.block_on(a4.job_status(&d.job)).unwrap().state,
        JobState::Canceled
    );
}

/// Every printer-state-reason the kiosk maps, set on a real queue and read back over IPP.
#[test]
fn every_state_reason_reaches_the_kiosk_as_its_xfs_state() {
    use DeviceState as D;
    use PaperState as P;
    use PrinterProblem as X;
    use TonerState as T;
    let rt = rt();
    let q = "manassa-states";
    status(&rt, q);
    #[allow(clippy::type_complexity)]
    let cases: &[(&[&str], D, P, T, bool, Option<X>)] = &[
        (&[], D::Online, P::Full, T::Full, false, None),
        (
            &["media-empty-error"],
            D::Online,
            P::Out,
            T::Full,
            false,
            Some(X::PaperOut),
        ),
        (
            &["media-empty-warning"],
            D::Online,
            P::Low,
            T::Full,
            false,
            None,
        ),
        (
            &["media-empty-report"],
            D::Online,
            P::Full,
            T::Full,
            false,
            None,
        ),
        (
            &["media-needed-error"],
            D::Online,
            P::Out,
            T::Full,
            false,
            Some(X::PaperOut),
        ),
        (
            &["media-needed"],
            D::Online,
            P::Out,
            T::Full,
            false,
            Some(X::PaperOut),
        ),
        (
            &["media-low-warning"],
            D::Online,
            P::Low,
            T::Full,
            false,
            None,
        ),
        (
            &["media-jam-error"],
            D::HardwareError,
            P::Jammed,
            T::Full,
            false,
            Some(X::Jammed),
        ),
        (
            &["media-jam-warning"],
            D::HardwareError,
            P::Jammed,
            T::Full,
            false,
            Some(X::Jammed),
        ),
        (
            &["door-open-error"],
            D::Offline,
            P::Full,
            T::Full,
            true,
            Some(X::DoorOpen),
        ),
        (
            &["door-open-warning"],
            D::Offline,
            P::Full,
            T::Full,
            true,
            Some(X::DoorOpen),
        ),
        (
            &["door-open-report"],
            D::Online,
            P::Full,
            T::Full,
            false,
            None,
        ),
        (
            &["cover-open-error"],
            D::Offline,
            P::Full,
            T::Full,
            true,
            Some(X::DoorOpen),
        ),
        (
            &["toner-low-warning"],
            D::Online,
            P::Full,
            T::Low,
            false,
            None,
        ),
        (
            &["toner-low-report"],
            D::Online,
            P::Full,
            T::Full,
            false,
            None,
        ),
        (
            &["toner-empty-error"],
            D::Online,
            P::Full,
            T::Out,
            false,
            Some(X::TonerOut),
        ),
        (
            &["toner-empty-warning"],
            D::Online,
            P::Full,
            T::Out,
            false,
            None,
        ),
        (
            &["marker-supply-empty-error"],
            D::Online,
            P::Full,
            T::Out,
            false,
            Some(X::TonerOut),
        ),
        (
            &["offline-report"],
            D::Offline,
            P::Full,
            T::Full,
            false,
            Some(X::Offline),
        ),
        (
            &["offline-error"],
            D::Offline,
            P::Full,
            T::Full,
            false,
            Some(X::Offline),
        ),
        (
            &["shutdown-error"],
            D::PowerOff,
            P::Full,
            T::Full,
            false,
            Some(X::Offline),
        ),
        (
            &["input-tray-missing-error"],
            D::HardwareError,
            P::Full,
            T::Full,
            false,
            Some(X::Fault),
        ),
        (
            &["media-empty-error", "toner-low-warning"],
            D::Online,
            P::Out,
            T::Low,
            false,
            Some(X::PaperOut),
        ),
        (
            &["door-open-error", "media-jam-error"],
            D::HardwareError,
            P::Jammed,
            T::Full,
            true,
            Some(X::DoorOpen),
        ),
    ];
    for (reasons, device, paper, toner, door, problem) in cases {
        set_reasons(q, reasons);
        let s = status(&rt, q);
        assert_eq!(s.reasons, *reasons, "CUPS kept the reasons as set");
        assert_eq!(
            (s.device, s.paper, s.toner, s.door_open, s.problem()),
            (*device, *paper, *toner, *door, *problem),
            "reasons {reasons:?}: {}",
            s.summary()
        );
        // A problem stops the print before anything is sent, with its message.
        if let Some(p) = problem {
            let err = rt.block_on(sink(q).check()).unwrap_err();
            assert_eq!(err.problem(), *p, "{reasons:?}");
            for lang in [Lang::Ar, Lang::En] {
                let text = tr(lang, p.not_ready_message());
                assert!(text.contains("A4"), "{reasons:?} {lang:?}: {text}");
            }
        } else {
            rt.block_on(sink(q).check()).unwrap();
        }
    }
    // Our decoder against CUPS's own client (ipptool) on a state with several reasons.
    set_reasons(
        q,
        &["media-low-warning", "toner-low-warning", "offline-report"],
    );
    let ours = status(&rt, q).reasons.join(",");
    let theirs = tool(
        "ipptool",
        &[
            "-tv",
            &format!("ipp://localhost/printers/{q}"),
            "get-printer-attributes.test",
        ],
    );
    assert!(
        theirs.contains(&format!("printer-state-reasons (1setOf keyword) = {ours}")),
        "ours {ours}; ipptool:\n{theirs}"
    );

    // A queue that rejects jobs: the check says offline; CUPS refuses a Print-Job sent anyway.
    set_reasons(q, &[]);
    tool("cupsreject", &[q]);
    let s = status(&rt, q);
    let refused = rt.block_on(sink(q).submit(b"%PDF", "x", 1));
    tool("cupsaccept", &[q]);
    assert!(!s.accepting);
    assert_eq!(s.problem(), Some(X::Offline));
    match refused {
        Err(e @ A4Error::Ipp { .. }) => {
            assert!(e.to_string().contains("ServerErrorNotAcceptingJobs"), "{e}");
            assert_eq!(e.problem(), X::Offline);
        }
        other => panic!("a rejecting queue took a job: {other:?}"),
    }
    assert_eq!(status(&rt, q).problem(), None);
}
