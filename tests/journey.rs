//! The kiosk's main job end to end, on real parts: the Slint UI (testing backend, driven by
//! accessible labels, in Arabic), the reference ministry server over HTTP, the CRT-310
//! card reader and ESC/POS printer emulators over pseudo-terminals, a real cupsd with a PDF
//! queue, and the SQLite outbox syncing to the server.
//!
//! Needs cupsd with a PDF queue: `scripts/test.sh` starts it and sets
//! MANASSA_CUPS_QUEUE and MANASSA_CUPS_PDF_DIR.
//!
//! Its own binary: it captures every log line of the process (a global subscriber) and
//! takes the newest PDF in the queue's spool, so no other test may share its process.

// The kiosk tests' rig (reference server, outbox, polling); this binary uses part of it.
#[allow(dead_code)]
#[path = "kiosk/support.rs"]
mod support;

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use manassa::runtime::{Kiosk, Services, forward_card_events};
use manassa::ui::{KioskUi, ScreenKind};
use manassa_devices::a4::A4Sink;
use manassa_devices::card_reader::{self};
use manassa_devices::escpos::Profile;
use manassa_devices::serial::SerialConfig;
use manassa_devices::thermal::ThermalPrinter;
use manassa_emulators::card_reader::CardReaderEmulator;
use manassa_emulators::escpos::PrinterEmulator;
use manassa_i18n::Lang;
use manassa_session::Session;
use manassa_sim::SimConfig;
use slint::Model;
use support::{Stack, done_reference, press, pump_until};

const QID: &str = "28463400123";
const NAME_AR: &str = "محمد عبدالله الكواري";
const PERMIT: &str = "BP-2026-004512";

/// Log lines of the whole journey, to check that no personal data reaches them.
#[derive(Clone, Default)]
struct LogBuf(Arc<Mutex<Vec<u8>>>);

impl Write for LogBuf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn wait_until(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn cups_env() -> (String, PathBuf) {
    let queue = std::env::var("MANASSA_CUPS_QUEUE").expect(
        "MANASSA_CUPS_QUEUE is not set: run the suite with scripts/test.sh, which starts cupsd with a PDF queue",
    );
    let dir = std::env::var("MANASSA_CUPS_PDF_DIR")
        .expect("MANASSA_CUPS_PDF_DIR is not set: run scripts/test.sh");
    (queue, PathBuf::from(dir))
}

#[test]
fn print_a_building_permit_end_to_end() {
    let (queue, pdf_dir) = cups_env();
    let logs = LogBuf::default();
    let sink = logs.clone();
    tracing_subscriber::fmt()
        .with_env_filter("debug")
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .init();
    i_slint_backend_testing::init_no_event_loop();

    let stack = Stack::start(
        "journey",
        SimConfig {
            demo_sms: true,
            ..SimConfig::default()
        },
    );
    let card_emu = CardReaderEmulator::start().unwrap();
    let printer_emu = PrinterEmulator::start().unwrap();
    let (card, card_events) = card_reader::spawn(SerialConfig::new(card_emu.path()));
    let thermal = ThermalPrinter::spawn(SerialConfig::new(printer_emu.path()), Profile::new(576));
    let services = Services {
        thermal: Some(thermal),
        card: Some(card),
        // Demo mode shows the one-time code on the screen: there is no SMS gateway.
        ..stack.services(A4Sink::Cups { queue }, "K01", true)
    };
    let kiosk = Kiosk::new(
        Session::new(Lang::Ar, 120),
        services,
        stack.rt.handle().clone(),
    );
    forward_card_events(card_events, kiosk.sender());
    let ui = KioskUi::new(kiosk).unwrap();
    let w = ui.window();
    // Attract screen, in Arabic, right to left.
    assert_eq!(w.get_screen(), ScreenKind::Attract);
    assert!(w.get_rtl());
    press(&ui, "المس للبدء");
    assert_eq!(w.get_screen(), ScreenKind::Services);
    press(&ui, "طباعة ورقة رسمية");
    assert_eq!(w.get_screen(), ScreenKind::Identify);

    // The resident inserts the ID card; the reader reads the QID.
    wait_until(
        "the reader to enable card entry",
        Duration::from_secs(10),
        || card_emu.entry_enabled(),
    );
    card_emu.insert_card(QID);
    pump_until(&ui, 30, "the code screen", || {
        w.get_screen() == ScreenKind::Code
    });
    pump_until(&ui, 30, "the demo SMS", || {
        !w.get_demo_code_text().is_empty()
    });
    let code: String = w
        .get_demo_code_text()
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect();
    assert_eq!(code.len(), 6);
    for d in code.chars() {
        press(&ui, &d.to_string());
    }
    assert_eq!(w.get_code().as_str(), code);
    press(&ui, "تحقق");

    // The resident's papers.
    pump_until(&ui, 30, "the document list", || {
        w.get_screen() == ScreenKind::Documents && w.get_documents_loaded()
    });
    let started = std::time::SystemTime::now();
    press(&ui, &format!("طباعة {PERMIT}"));
    // The paper is fetched, its seal verified, and page 1 shown before printing.
    pump_until(&ui, 30, "the preview", || {
        w.get_screen() == ScreenKind::Preview && w.get_preview_ready()
    });
    assert!(
        w.get_preview_image().size().width > 400,
        "page 1 rendered as the preview"
    );
    press(&ui, "اطبع هذه الورقة");
    pump_until(&ui, 30, "the done screen", || {
        w.get_screen() == ScreenKind::Done
    });
    let reference = done_reference(&ui);
    assert!(reference.starts_with("K01-"), "{reference}");
    assert!(
        w.get_card_in_reader(),
        "the done screen tells the resident to take the card"
    );

    // 1. The PDF reached the CUPS PDF queue, and its text extracts in logical order.
    let mut pdf: Option<PathBuf> = None;
    wait_until(
        "the the CUPS PDF queue output",
        Duration::from_secs(60),
        || {
            pdf = std::fs::read_dir(&pdf_dir).ok().and_then(|rd| {
                rd.flatten()
                    .filter(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        // Named by the ticket's reference, never the document number.
                        name.contains(&reference) && name.ends_with(".pdf")
                    })
                    .filter(|e| {
                        e.metadata()
                            .and_then(|m| m.modified())
                            .is_ok_and(|t| t >= started)
                    })
                    .map(|e| e.path())
                    .next()
            });
            pdf.is_some()
        },
    );
    let pdf = pdf.unwrap();
    // the CUPS PDF queue writes the file progressively: read it until the text is complete.
    let extract = || {
        let out = std::process::Command::new("pdftotext")
            .args(["-layout"])
            .arg(&pdf)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils) must be installed");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let mut text = String::new();
    wait_until(
        "a complete PDF from the CUPS PDF queue",
        Duration::from_secs(30),
        || {
            text = extract();
            text.contains(PERMIT)
        },
    );
    assert!(
        text.contains(NAME_AR),
        "Arabic name in logical order in {text}"
    );

    // 2. The thermal ticket carries the reference and ends with a cut.
    wait_until("the ticket", Duration::from_secs(10), || {
        printer_emu.jobs().iter().any(|j| j.cut)
    });
    let jobs = printer_emu.jobs();
    assert_eq!(jobs.len(), 1, "one ticket");
    assert!(jobs[0].cut);
    assert!(
        jobs[0].text_lines.iter().any(|l| l.contains(&reference)),
        "{:?}",
        jobs[0].text_lines
    );
    assert!(
        !jobs[0].rasters.is_empty(),
        "Arabic lines arrive as rasters"
    );

    // 3. The print audit reached the server exactly once.
    let audits = || {
        stack
            .sim()
            .stored_events()
            .unwrap()
            .into_iter()
            .filter(|(_, kind, payload)| {
                kind == "print_audit" && payload["reference"] == reference.as_str()
            })
            .count()
    };
    wait_until("the audit at the server", Duration::from_secs(30), || {
        audits() >= 1
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(audits(), 1);
    assert_eq!(stack.outbox.depth().unwrap(), 0);

    // Finish: back to the attract screen; nothing personal remains on screen.
    press(&ui, "إنهاء");
    assert_eq!(w.get_screen(), ScreenKind::Attract);
    assert!(w.get_qid().is_empty() && w.get_code().is_empty());
    assert_eq!(w.get_documents().iter().count(), 0);
    assert!(w.get_reference_text().is_empty());
    // Nor in the window's properties: page 1 of the paper is gone from the window.
    assert_eq!(
        w.get_preview_image().size().width,
        0,
        "preview image dropped"
    );

    // No personal data in the journey's logs.
    let log = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(!log.is_empty(), "the journey logged something");
    for secret in [QID, NAME_AR, "Mohammed", "55123456", code.as_str()] {
        assert!(
            !log.contains(secret),
            "log contains personal data {secret:?}"
        );
    }
}
