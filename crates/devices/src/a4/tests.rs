use super::*;

fn map(state: i32, reasons: &[&str], accepting: bool) -> PrinterStatus {
    let r: Vec<String> = reasons.iter().map(|s| s.to_string()).collect();
    PrinterStatus::from_ipp(state, &r, accepting, "")
}

#[test]
fn suffixes_give_the_severity() {
    let p = StateReason::parse;
    assert_eq!(p("media-empty-error").keyword, "media-empty");
    assert_eq!(p("media-empty-error").severity, Severity::Error);
    assert_eq!(p("toner-low-warning").severity, Severity::Warning);
    assert_eq!(p("offline-report").severity, Severity::Report);
    assert_eq!(p("offline-report").keyword, "offline");
    // RFC 8011 §5.4.12: no suffix means an error.
    assert_eq!(p("media-jam").severity, Severity::Error);
    assert_eq!(p("media-jam").keyword, "media-jam");
    // A bare suffix is a keyword, not an empty one.
    assert_eq!(p("-error").keyword, "-error");
}

/// (printer-state, reasons, accepting) → (device, paper, toner, door open, problem).
#[test]
fn every_reason_maps_to_xfs4iot_states() {
    use DeviceState as D;
    use PaperState as P;
    use PrinterProblem as X;
    use TonerState as T;
    #[allow(clippy::type_complexity)]
    let cases: &[(i32, &[&str], bool, D, P, T, bool, Option<X>)] = &[
        (3, &[], true, D::Online, P::Full, T::Full, false, None),
        (4, &[], true, D::Online, P::Full, T::Full, false, None),
        // Paper.
        (
            3,
            &["media-empty-error"],
            true,
            D::Online,
            P::Out,
            T::Full,
            false,
            Some(X::PaperOut),
        ),
        (
            3,
            &["media-empty"],
            true,
            D::Online,
            P::Out,
            T::Full,
            false,
            Some(X::PaperOut),
        ),
        (
            3,
            &["media-needed-error"],
            true,
            D::Online,
            P::Out,
            T::Full,
            false,
            Some(X::PaperOut),
        ),
        (
            3,
            &["media-empty-warning"],
            true,
            D::Online,
            P::Low,
            T::Full,
            false,
            None,
        ),
        (
            3,
            &["media-needed-warning"],
            true,
            D::Online,
            P::Low,
            T::Full,
            false,
            None,
        ),
        (
            3,
            &["media-empty-report"],
            true,
            D::Online,
            P::Full,
            T::Full,
            false,
            None,
        ),
        (
            3,
            &["media-low-warning"],
            true,
            D::Online,
            P::Low,
            T::Full,
            false,
            None,
        ),
        (
            3,
            &["media-low-report"],
            true,
            D::Online,
            P::Full,
            T::Full,
            false,
            None,
        ),
        (
            3,
            &["media-jam-error"],
            true,
            D::HardwareError,
            P::Jammed,
            T::Full,
            false,
            Some(X::Jammed),
        ),
        (
            3,
            &["media-jam"],
            true,
            D::HardwareError,
            P::Jammed,
            T::Full,
            false,
            Some(X::Jammed),
        ),
        (
            4,
            &["media-jam-warning"],
            true,
            D::HardwareError,
            P::Jammed,
            T::Full,
            false,
            Some(X::Jammed),
        ),
        (
            3,
            &["media-jam-report"],
            true,
            D::Online,
            P::Full,
            T::Full,
            false,
            None,
        ),
        // Doors.
        (
            3,
            &["door-open-error"],
            true,
            D::Offline,
            P::Full,
            T::Full,
            true,
            Some(X::DoorOpen),
        ),
        (
            3,
            &["door-open"],
            true,
            D::Offline,
            P::Full,
            T::Full,
            true,
            Some(X::DoorOpen),
        ),
        (
            3,
            &["cover-open-error"],
            true,
            D::Offline,
            P::Full,
            T::Full,
            true,
            Some(X::DoorOpen),
        ),
        (
            3,
            &["interlock-open-warning"],
            true,
            D::Offline,
            P::Full,
            T::Full,
            true,
            Some(X::DoorOpen),
        ),
        (
            3,
            &["door-open-report"],
            true,
            D::Online,
            P::Full,
            T::Full,
            false,
            None,
        ),
        // Toner: an error stops the paper; a warning is a job for the technician.
        (
            3,
            &["toner-empty-error"],
            true,
            D::Online,
            P::Full,
            T::Out,
            false,
            Some(X::TonerOut),
        ),
        (
            3,
            &["toner-empty-warning"],
            true,
            D::Online,
            P::Full,
            T::Out,
            false,
            None,
        ),
        (
            3,
            &["marker-supply-empty-error"],
            true,
            D::Online,
            P::Full,
            T::Out,
            false,
            Some(X::TonerOut),
        ),
        (
            3,
            &["toner-low-warning"],
            true,
            D::Online,
            P::Full,
            T::Low,
            false,
            None,
        ),
        (
            3,
            &["toner-low-report"],
            true,
            D::Online,
            P::Full,
            T::Full,
            false,
            None,
        ),
        (
            3,
            &["marker-supply-low-warning"],
            true,
            D::Online,
            P::Full,
            T::Low,
            false,
            None,
        ),
        // Offline, stopped, shut down.
        (
            3,
            &["offline-report"],
            true,
            D::Offline,
            P::Full,
            T::Full,
            false,
            Some(X::Offline),
        ),
        (
            3,
            &["offline-error"],
            true,
            D::Offline,
            P::Full,
            T::Full,
            false,
            Some(X::Offline),
        ),
        (
            3,
            &["offline-warning"],
            true,
            D::Offline,
            P::Full,
            T::Full,
            false,
            Some(X::Offline),
        ),
        (
            5,
            &["paused"],
            true,
            D::Offline,
            P::Full,
            T::Full,
            false,
            Some(X::Offline),
        ),
        (
            5,
            &[],
            true,
            D::Offline,
            P::Full,
            T::Full,
            false,
            Some(X::Offline),
        ),
        (
            3,
            &[],
            false,
            D::Offline,
            P::Full,
            T::Full,
            false,
            Some(X::Offline),
        ),
        (
            3,
            &["hold-new-jobs"],
            true,
            D::Offline,
            P::Full,
            T::Full,
            false,
            Some(X::Offline),
        ),
        (
            3,
            &["shutdown"],
            true,
            D::PowerOff,
            P::Full,
            T::Full,
            false,
            Some(X::Offline),
        ),
        // Other paper-path errors, known and unknown.
        (
            3,
            &["input-tray-missing-error"],
            true,
            D::HardwareError,
            P::Full,
            T::Full,
            false,
            Some(X::Fault),
        ),
        (
            3,
            &["spool-area-full"],
            true,
            D::HardwareError,
            P::Full,
            T::Full,
            false,
            Some(X::Fault),
        ),
        (
            5,
            &["cups-missing-filter-warning"],
            true,
            D::Offline,
            P::Full,
            T::Full,
            false,
            Some(X::Offline),
        ),
        (
            3,
            &["cups-missing-filter-error"],
            true,
            D::HardwareError,
            P::Full,
            T::Full,
            false,
            Some(X::Fault),
        ),
        (
            3,
            &["fuser-over-temp-error"],
            true,
            D::HardwareError,
            P::Full,
            T::Full,
            false,
            Some(X::Fault),
        ),
        (
            3,
            &["other-error"],
            true,
            D::HardwareError,
            P::Full,
            T::Full,
            false,
            Some(X::Fault),
        ),
        (
            3,
            &["vendor-specific-thing-error"],
            true,
            D::HardwareError,
            P::Full,
            T::Full,
            false,
            Some(X::Fault),
        ),
        // What CUPS says for information only changes nothing.
        (
            4,
            &["connecting-to-device"],
            true,
            D::Online,
            P::Full,
            T::Full,
            false,
            None,
        ),
        (
            4,
            &["cups-waiting-for-job-completed"],
            true,
            D::Online,
            P::Full,
            T::Full,
            false,
            None,
        ),
        (
            3,
            &["vendor-specific-thing"],
            true,
            D::Online,
            P::Full,
            T::Full,
            false,
            None,
        ),
        (
            3,
            &["vendor-specific-thing-warning"],
            true,
            D::Online,
            P::Full,
            T::Full,
            false,
            None,
        ),
        // Several at once: the most specific problem wins.
        (
            5,
            &["paused", "media-empty-error"],
            true,
            D::Offline,
            P::Out,
            T::Full,
            false,
            Some(X::PaperOut),
        ),
        (
            3,
            &["media-empty-error", "door-open-error"],
            true,
            D::Offline,
            P::Out,
            T::Full,
            true,
            Some(X::DoorOpen),
        ),
        (
            3,
            &["media-empty-error", "media-jam-error"],
            true,
            D::HardwareError,
            P::Jammed,
            T::Full,
            false,
            Some(X::Jammed),
        ),
        (
            3,
            &["toner-low-warning", "media-low-warning"],
            true,
            D::Online,
            P::Low,
            T::Low,
            false,
            None,
        ),
        (
            3,
            &["toner-empty-error", "offline-report"],
            true,
            D::Offline,
            P::Full,
            T::Out,
            false,
            Some(X::TonerOut),
        ),
    ];
    for (state, reasons, accepting, device, paper, toner, door, problem) in cases {
        let s = map(*state, reasons, *accepting);
        assert_eq!(
            (s.device, s.paper, s.toner, s.door_open, s.problem()),
            (*device, *paper, *toner, *door, *problem),
            "state {state}, reasons {reasons:?}, accepting {accepting}"
        );
        assert_eq!(s.reasons, *reasons);
    }
}

#[test]
fn status_serialises_with_xfs4iot_names() {
    let s = map(
        5,
        &["paused", "media-empty-error", "toner-low-warning"],
        true,
    );
    let j = serde_json::to_value(&s).unwrap();
    assert_eq!(j["device"], "offline");
    assert_eq!(j["paper"], "out");
    assert_eq!(j["toner"], "low");
    assert_eq!(j["door_open"], false);
    assert_eq!(
        s.summary(),
        "device offline, paper out, toner low, printer-state stopped, \
         reasons [paused, media-empty-error, toner-low-warning]"
    );
    assert_eq!(
        serde_json::to_string(&PrinterProblem::PaperOut).unwrap(),
        "\"paperOut\""
    );
    assert_eq!(
        serde_json::to_string(&TonerState::NotSupported).unwrap(),
        "\"notSupported\""
    );
}

#[test]
fn errors_say_what_stops_the_printer() {
    let not_ready = A4Error::NotReady(Box::new(map(3, &["media-jam-error"], true)));
    assert_eq!(not_ready.problem(), PrinterProblem::Jammed);
    assert_eq!(not_ready.device_state(), DeviceState::HardwareError);
    assert!(
        not_ready.to_string().contains("paper jammed"),
        "{not_ready}"
    );
    for e in [
        A4Error::NoSuchQueue("q".into()),
        A4Error::Unreachable("localhost:631".into()),
        A4Error::BadQueueName("a b".into()),
    ] {
        assert_eq!(e.problem(), PrinterProblem::NoPrinter, "{e}");
        assert_eq!(e.device_state(), DeviceState::NoDevice);
    }
    let refused = A4Error::Ipp {
        operation: "Print-Job",
        status: "ServerErrorNotAcceptingJobs".into(),
        message: String::new(),
    };
    assert_eq!(refused.problem(), PrinterProblem::Offline);
    assert!(
        A4Error::NoSuchQueue("kiosk-a4".into())
            .to_string()
            .contains("no printer queue named \"kiosk-a4\"")
    );
}

#[test]
fn job_states_and_ends() {
    let states: Vec<_> = (2..=10).map(JobState::from_ipp).collect();
    assert_eq!(states[0], None);
    assert_eq!(states[8], None);
    assert_eq!(states[7], Some(JobState::Completed));
    assert!(JobState::Aborted.is_terminal() && !JobState::Stopped.is_terminal());
    assert!(JobEnd::Completed.delivered());
    let jam = JobEnd::Interrupted {
        problem: PrinterProblem::Jammed,
    };
    assert!(!jam.delivered());
    assert_eq!(jam.audit(), "interrupted");
    assert_eq!(jam.problem(), Some(PrinterProblem::Jammed));
    assert_eq!(JobEnd::TimedOut.audit(), "timed_out");
    let aborted = ended(&JobStatus {
        state: JobState::Aborted,
        reasons: vec!["aborted-by-system".into()],
        printer_reasons: vec!["media-empty-error".into()],
    })
    .unwrap();
    assert_eq!(
        aborted,
        JobEnd::Failed {
            state: JobState::Aborted,
            problem: Some(PrinterProblem::PaperOut)
        }
    );
    assert_eq!(aborted.audit(), "aborted");
    let pending = JobStatus {
        state: JobState::Processing,
        reasons: vec![],
        printer_reasons: vec![],
    };
    assert_eq!(ended(&pending), None);
}

#[test]
fn safe_names() {
    assert_eq!(safe_name("BP-2026/004512"), "BP-2026_004512");
    assert_eq!(safe_name(""), "paper");
    assert_eq!(safe_name("مرحبا"), "_____");
    assert_eq!(safe_name(&"x".repeat(100)).len(), 64);
}

#[tokio::test]
async fn file_sink_writes_follows_and_cancels() {
    let dir = std::env::temp_dir().join(format!("manassa-a4-test-{}", std::process::id()));
    let sink = A4Sink::File {
        folder: dir.clone(),
    };
    assert_eq!(sink.status().await.unwrap(), PrinterStatus::ready());
    let d = sink
        .deliver(
            b"%PDF-1.7 test",
            "BP-2026/004512",
            1,
            &WaitPolicy::default(),
        )
        .await
        .unwrap();
    assert_eq!(d.end, JobEnd::Completed);
    let A4Job::File(path) = &d.job else {
        panic!("file job")
    };
    assert_eq!(path.file_name().unwrap(), "BP-2026_004512.pdf");
    assert_eq!(std::fs::read(path).unwrap(), b"%PDF-1.7 test");
    assert_eq!(
        sink.job_status(&d.job).await.unwrap().state,
        JobState::Completed
    );
    sink.cancel(&d.job).await.unwrap();
    assert!(!path.exists());
    assert_eq!(
        sink.job_status(&d.job).await.unwrap().state,
        JobState::Canceled
    );
    // Cancelling twice is fine.
    sink.cancel(&d.job).await.unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_bad_queue_name_is_refused_before_any_io() {
    let sink = A4Sink::Cups {
        queue: "a queue/with spaces".into(),
    };
    assert!(matches!(sink.status().await, Err(A4Error::BadQueueName(_))));
    assert!(matches!(
        sink.print(b"%PDF", "x").await,
        Err(A4Error::BadQueueName(_))
    ));
}

#[test]
fn every_problem_has_messages_in_both_languages() {
    use manassa_i18n::{Lang, message_ids, tr};
    for lang in [Lang::Ar, Lang::En] {
        let ids = message_ids(lang);
        for p in PrinterProblem::ALL {
            for id in [p.not_ready_message(), p.interrupted_message()] {
                assert!(ids.iter().any(|i| i == id), "{id} missing in {lang:?}");
                let text = tr(lang, id);
                assert!(text.contains("A4"), "{id} in {lang:?}: {text}");
                let arabic = text.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c));
                assert_eq!(arabic, lang == Lang::Ar, "{id} in {lang:?}: {text}");
            }
        }
    }
    // Mid-job messages say the paper is not counted; the others that nothing was printed.
    assert!(tr(Lang::En, PrinterProblem::PaperOut.interrupted_message()).contains("not counted"));
    assert!(
        tr(Lang::En, PrinterProblem::PaperOut.not_ready_message()).contains("nothing was printed")
    );
}
