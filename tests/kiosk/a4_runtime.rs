//! The kiosk's print step against real CUPS queues (scripts/cups-up.sh): a whole session
//! (reference server over HTTP, outbox, runtime) up to "print", then what the resident is
//! told and what the print audit that reaches the server says.
//!
//! Needs cupsd with the test queues: scripts/test.sh starts them.

use std::time::{Duration, Instant};

use manassa::runtime::Kiosk;
use manassa_devices::a4::A4Sink;
use manassa_i18n::Lang;
use manassa_session::{Intent, Screen, Service, Session};
use manassa_sim::SimConfig;

use crate::support::Stack;

const QID: &str = "28463400123";
const PERMIT_ID: &str = "doc-bp-004512";

fn require_cups(rt: &tokio::runtime::Runtime) {
    let sink = A4Sink::Cups {
        queue: "manassa-pdf".into(),
    };
    if let Err(e) = rt.block_on(sink.status()) {
        panic!("{e}: run the suite with scripts/test.sh, which starts cupsd and the test queues");
    }
}

fn poll_until(kiosk: &mut Kiosk, what: &str, f: impl Fn(&Kiosk) -> bool) {
    let start = Instant::now();
    loop {
        kiosk.poll();
        if f(kiosk) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}; view {:?}",
            kiosk.view().screen
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// How a session trying to print ended: the screen and message, and the print audit the
/// server received (none when the printer check stopped it before identification).
type Outcome = (Screen, Option<&'static str>, Option<serde_json::Value>);

/// One session that prints the permit to `queue`; `before_print` runs between the preview
/// and the confirmation (e.g. to stop the queue after the service's printer check passed).
fn print_to(stack: &Stack, queue: &str, kiosk_id: &str, before_print: &dyn Fn()) -> Outcome {
    let a4 = A4Sink::Cups {
        queue: queue.into(),
    };
    print_with(stack, a4, kiosk_id, before_print)
}

/// [`print_to`] with any A4 sink.
fn print_with(stack: &Stack, a4: A4Sink, kiosk_id: &str, before_print: &dyn Fn()) -> Outcome {
    let services = stack.services(a4, kiosk_id, true);
    let mut k = Kiosk::new(
        Session::new(Lang::En, 300),
        services,
        stack.rt.handle().clone(),
    );
    k.dispatch(Intent::Start);
    k.dispatch(Intent::ChooseService(Service::Print));
    k.dispatch(Intent::CardRead { qid: QID.into() });
    poll_until(&mut k, "the demo code or the printer check's error", |k| {
        k.view().demo_code.is_some() || k.view().screen == Screen::Error
    });
    if k.view().screen == Screen::Error {
        return (Screen::Error, k.view().error.map(|m| m.id), None);
    }
    let code: String = k
        .view()
        .demo_code
        .unwrap()
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect();
    k.dispatch(Intent::CodeEdited(code));
    k.dispatch(Intent::SubmitCode);
    poll_until(&mut k, "the papers", |k| k.view().documents.is_some());
    k.dispatch(Intent::SelectDocument(PERMIT_ID.into()));
    poll_until(&mut k, "the preview", |k| k.view().preview.is_some());
    before_print();
    k.dispatch(Intent::ConfirmPrint);
    poll_until(&mut k, "the end of printing", |k| {
        let v = k.view();
        v.screen != Screen::Preview && v.screen != Screen::Printing
    });
    let v = k.view();
    // The audit, through the outbox, at the server.
    let mut audit = None;
    let start = Instant::now();
    while audit.is_none() {
        assert!(start.elapsed() < Duration::from_secs(30), "no print audit");
        k.poll();
        audit = stack
            .sim()
            .stored_events()
            .unwrap()
            .into_iter()
            .map(|(_, kind, payload)| (kind, payload))
            .find(|(kind, p)| kind == "print_audit" && p["kiosk_id"] == kiosk_id)
            .map(|(_, p)| p);
        std::thread::sleep(Duration::from_millis(20));
    }
    (v.screen, v.error.map(|m| m.id), audit)
}

/// `cupsdisable` / `cupsenable` a queue (cups-client).
fn queue_enabled(queue: &str, on: bool) {
    let cmd = if on { "cupsenable" } else { "cupsdisable" };
    let ok = std::process::Command::new(cmd)
        .arg(queue)
        .status()
        .unwrap_or_else(|e| panic!("{cmd}: {e} (cups-client)"))
        .success();
    assert!(ok, "{cmd} {queue} failed");
}

#[test]
fn the_print_step_reports_printer_states_to_the_resident_and_the_audit() {
    let stack = Stack::start(
        "a4rt",
        SimConfig {
            demo_sms: true,
            ..SimConfig::default()
        },
    );
    require_cups(&stack.rt);

    let nothing = || {};
    // A printer that works: the paper is printed and CUPS says the job completed.
    let (screen, msg, audit) = print_to(&stack, "manassa-pdf", "K1", &nothing);
    assert_eq!((screen, msg), (Screen::Done, None));
    assert_eq!(audit.unwrap()["a4"], "printed");

    // Out of paper when the resident chooses to print: said before identification, and
    // nothing is printed or audited.
    let (screen, msg, audit) = print_to(&stack, "manassa-nopaper", "K2", &nothing);
    assert_eq!((screen, msg), (Screen::Error, Some("error-a4-paper-out")));
    assert!(audit.is_none());

    // Paper runs out mid-job: the job is cancelled and not counted as delivered.
    let (screen, msg, audit) = print_to(&stack, "manassa-runout", "K3", &nothing);
    assert_eq!(screen, Screen::Documents);
    assert_eq!(msg, Some("error-a4-interrupted-paper-out"));
    assert_eq!(audit.unwrap()["a4"], "interrupted");

    // The queue stops after the check passed, while the resident looks at the preview:
    // the print step checks again, sends nothing, and the resident may choose again.
    let stop = || queue_enabled("manassa-slow", false);
    let (screen, msg, audit) = print_to(&stack, "manassa-slow", "K4", &stop);
    queue_enabled("manassa-slow", true);
    assert_eq!(
        screen,
        Screen::Documents,
        "back to the papers, to choose again"
    );
    assert_eq!(msg, Some("error-a4-unavailable"));
    let audit = audit.unwrap();
    assert_eq!(audit["a4"], "not_ready", "{audit}");
    assert_eq!(audit["ticket"], "not_configured");

    // A stopped queue, and no queue at all: said before identification.
    let (screen, msg, _) = print_to(&stack, "manassa-stopped", "K5", &nothing);
    assert_eq!((screen, msg), (Screen::Error, Some("error-a4-unavailable")));
    let (screen, msg, _) = print_to(&stack, "no-such-queue-manassa", "K6", &nothing);
    assert_eq!((screen, msg), (Screen::Error, Some("error-a4-unavailable")));
}

#[test]
fn a_print_started_record_is_durable_before_the_paper_is_sent() {
    // A power cut between the job and its audit must still leave a trace: the paper
    // appears only after its "print started" record is in the outbox.
    let stack = Stack::start(
        "a4-started",
        SimConfig {
            demo_sms: true,
            ..SimConfig::default()
        },
    );
    let folder = stack.tmp.join("papers");
    let seen = std::sync::Mutex::new(None::<bool>);
    let (screen, _, audit) = std::thread::scope(|scope| {
        // Watches from the start: no paper exists until the resident confirms.
        scope.spawn(|| {
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(90) {
                let has_pdf = std::fs::read_dir(&folder).is_ok_and(|d| {
                    d.filter_map(Result::ok)
                        .any(|e| e.path().extension().is_some_and(|x| x == "pdf"))
                });
                if has_pdf {
                    let queued = stack
                        .outbox
                        .pending(1000)
                        .unwrap()
                        .iter()
                        .any(|p| p.kind == "print_started");
                    let stored = stack
                        .sim()
                        .stored_events()
                        .unwrap()
                        .iter()
                        .any(|(_, kind, _)| kind == "print_started");
                    *seen.lock().unwrap() = Some(queued || stored);
                    return;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        print_with(
            &stack,
            A4Sink::File {
                folder: folder.clone(),
            },
            "K-STARTED",
            &|| {},
        )
    });
    assert_eq!(screen, Screen::Done);
    let audit = audit.expect("the completed print audit");
    assert_eq!(
        *seen.lock().unwrap(),
        Some(true),
        "the paper existed before its print_started record"
    );
    // Both records reach the ministry with the same reference, and no personal data.
    let start = Instant::now();
    let started = loop {
        if let Some((_, _, p)) = stack
            .sim()
            .stored_events()
            .unwrap()
            .into_iter()
            .find(|(_, kind, p)| kind == "print_started" && p["kiosk_id"] == "K-STARTED")
        {
            break p;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "print_started never delivered"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(started["reference"], audit["reference"]);
    assert_eq!(started["document_id"], PERMIT_ID);
    let text = started.to_string();
    assert!(!text.contains(QID), "no QID in the audit: {text}");
}

#[test]
fn a_resident_over_the_code_quota_is_told_when_to_try_again() {
    // The ministry allows one code per resident in its window: the second identification
    // is refused with Retry-After, and the resident reads how many minutes to wait.
    let stack = Stack::start(
        "code-quota",
        SimConfig {
            demo_sms: true,
            challenge_limits: manassa_sim::ChallengeLimits {
                per_qid: 1,
                per_kiosk: 100,
                window_s: 600,
            },
            ..SimConfig::default()
        },
    );
    let services = stack.services(stack.a4_folder(), "K-QUOTA", true);
    let mut k = Kiosk::new(
        Session::new(Lang::En, 300),
        services,
        stack.rt.handle().clone(),
    );
    for attempt in 0..2 {
        k.dispatch(Intent::Start);
        k.dispatch(Intent::ChooseService(Service::Print));
        k.dispatch(Intent::QidEdited(QID.into()));
        k.dispatch(Intent::SubmitQid);
        poll_until(&mut k, "the code screen or a refusal", |k| {
            let v = k.view();
            v.screen == Screen::Code || v.error.is_some()
        });
        let v = k.view();
        if attempt == 0 {
            assert_eq!(v.screen, Screen::Code, "the first code is sent");
            k.dispatch(Intent::Cancel);
            poll_until(&mut k, "the attract screen", |k| {
                k.view().screen == Screen::Attract
            });
        } else {
            let error = v.error.expect("the refusal is shown");
            assert_eq!(error.id, "error-too-many-codes");
            assert_eq!(error.count, Some(10), "600 s is 10 minutes");
            let text = manassa_session::texts::msg_text(Lang::En, &error);
            assert!(text.contains("10 minutes"), "{text}");
        }
    }
}
