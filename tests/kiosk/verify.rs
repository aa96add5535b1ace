//! "Verify a paper" end to end: a seal made by the reference ministry server is held to the
//! emulated QR scanner (serial, over a pseudo-terminal); the kiosk checks it offline with
//! the ministry's published keys, asks for revocation, and shows the verdict (Arabic UI,
//! driven by accessible labels through Slint's testing backend).

use std::time::Duration;

use crate::support::{Stack, press, pump_until, sample};
use manassa::runtime::{Kiosk, Services, forward_scanner_events};
use manassa::ui::{KioskUi, ScreenKind};
use manassa_devices::card_reader::{self};
use manassa_devices::scanner::{self, ScannerConfig};
use manassa_devices::serial::SerialConfig;
use manassa_documents::{kinds, seal};
use manassa_emulators::card_reader::CardReaderEmulator;
use manassa_emulators::scanner::ScannerEmulator;
use manassa_i18n::{Lang, tr};
use manassa_ministry_api::DocumentKind;
use manassa_session::Session;
use manassa_sim::{FaultPlan, SimConfig};
use slint::ComponentHandle;

#[test]
fn scanned_seals_are_reported_genuine_altered_or_revoked() {
    i_slint_backend_testing::init_no_event_loop();
    let mut stack = Stack::start("verify", SimConfig::default());
    let (kid, key) = stack.sim().signing_key();
    let permit = kinds::content(DocumentKind::BuildingPermit, &sample("building-permit")).unwrap();
    let genuine = seal::sign(&seal::claims_for("doc-bp-004512", &permit), &kid, &key);
    // The seeded, superseded permit: a real seal, revoked at the ministry.
    let revoked = seal::sign(&seal::claims_for("doc-bp-003990", &permit), &kid, &key);
    // One character changed in the Base45 body.
    let mut altered = genuine.clone().into_bytes();
    let i = altered.len() / 2;
    altered[i] = if altered[i] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();

    let emu = ScannerEmulator::start(None, Default::default()).unwrap();
    let (scanner_handle, events) =
        scanner::spawn(ScannerConfig::new(SerialConfig::new(emu.path())));
    let services = Services {
        scanner: Some(scanner_handle),
        ..stack.services(stack.a4_folder(), "K01", false)
    };
    let kiosk = Kiosk::new(
        Session::new(Lang::Ar, 120),
        services,
        stack.rt.handle().clone(),
    );
    forward_scanner_events(events, kiosk.sender());
    let ui = KioskUi::new(kiosk).unwrap();
    let w = ui.window();

    // Through the menu: attract → services → verify.
    press(&ui, "المس للبدء");
    press(&ui, "التحقق من ورقة مطبوعة");
    assert_eq!(w.get_screen(), ScreenKind::VerifyScan);
    emu.scan(&genuine);
    pump_until(&ui, 20, "the genuine verdict", || {
        w.get_screen() == ScreenKind::VerifyResult
    });
    assert_eq!(
        w.get_verdict_title().as_str(),
        tr(Lang::Ar, "verdict-genuine")
    );
    assert_eq!(w.get_verdict_level(), 0);
    let facts = w.get_verdict_facts().to_string();
    assert!(
        facts.contains("BP-2026-004512") && facts.contains("رخصة بناء"),
        "{facts}"
    );
    press(&ui, "إنهاء");
    assert_eq!(w.get_screen(), ScreenKind::Attract);

    // A scan on the attract screen starts the service by itself.
    emu.scan(&altered);
    pump_until(&ui, 20, "the altered verdict", || {
        w.get_screen() == ScreenKind::VerifyResult
    });
    assert_eq!(
        w.get_verdict_title().as_str(),
        tr(Lang::Ar, "verdict-altered")
    );
    assert_eq!(w.get_verdict_level(), 2);
    assert!(
        w.get_verdict_facts().is_empty(),
        "no facts from an unverified seal"
    );
    press(&ui, "إنهاء");

    emu.scan(&revoked);
    pump_until(&ui, 20, "the revoked verdict", || {
        w.get_screen() == ScreenKind::VerifyResult
    });
    assert_eq!(
        w.get_verdict_title().as_str(),
        tr(Lang::Ar, "verdict-revoked")
    );
    press(&ui, "إنهاء");

    emu.scan("https://example.com/not-a-seal");
    pump_until(&ui, 20, "the not-a-seal verdict", || {
        w.get_screen() == ScreenKind::VerifyResult
    });
    assert_eq!(
        w.get_verdict_title().as_str(),
        tr(Lang::Ar, "verdict-not-a-seal")
    );
    press(&ui, "إنهاء");

    // Offline: the keys are cached, so a genuine seal still verifies; revocation unknown.
    stack.stop_server();
    std::thread::sleep(Duration::from_millis(200));
    emu.scan(&genuine);
    pump_until(&ui, 20, "the offline verdict", || {
        w.get_screen() == ScreenKind::VerifyResult
    });
    assert_eq!(
        w.get_verdict_title().as_str(),
        tr(Lang::Ar, "verdict-genuine-offline")
    );
    assert_eq!(w.get_verdict_level(), 1);
}

/// How many of this process's descriptors have `path` open (/proc/self/fd).
fn opened(path: &std::path::Path) -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|target| target == path)
        .count()
}

#[test]
fn dropping_the_kiosk_closes_its_reader_ports_while_effects_still_run() {
    // A reader left running reopens its port path; the OS gives freed pty numbers (and
    // replugged USB devices) to other devices.
    i_slint_backend_testing::init_no_event_loop();
    let stack = Stack::start("verify-drop", SimConfig::default());
    let emu = ScannerEmulator::start(None, Default::default()).unwrap();
    let card_emu = CardReaderEmulator::start().unwrap();
    let (scan_path, card_path) = (emu.path(), card_emu.path());
    // The emulators keep the terminal sides open themselves.
    let own = (opened(&scan_path), opened(&card_path));
    let (scanner_handle, events) =
        scanner::spawn(ScannerConfig::new(SerialConfig::new(scan_path.clone())));
    let (card, _card_events) = card_reader::spawn(SerialConfig::new(card_path.clone()));
    let services = Services {
        scanner: Some(scanner_handle),
        card: Some(card),
        ..stack.services(stack.a4_folder(), "K01", false)
    };
    let kiosk = Kiosk::new(
        Session::new(Lang::En, 120),
        services,
        stack.rt.handle().clone(),
    );
    forward_scanner_events(events, kiosk.sender());
    let ui = KioskUi::new(kiosk).unwrap();
    // Shown, as on the kiosk (a shown window keeps its component alive).
    ui.window().show().unwrap();
    let both_open = || opened(&scan_path) > own.0 && opened(&card_path) > own.1;
    pump_until(&ui, 10, "both ports to open", both_open);
    // A verification waiting for a slow ministry holds the kiosk's services.
    stack.sim().set_faults(FaultPlan {
        route: Some("/v1/keys".into()),
        latency_ms: 4500,
        ..FaultPlan::default()
    });
    emu.scan("HC1:anything");
    pump_until(&ui, 10, "the verification to start", || {
        ui.window().get_screen() == ScreenKind::VerifyScan
    });
    drop(ui);
    let start = std::time::Instant::now();
    while opened(&scan_path) > own.0 || opened(&card_path) > own.1 {
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "a reader port is still open after the kiosk was dropped (scanner {}, card {})",
            opened(&scan_path) > own.0,
            opened(&card_path) > own.1
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
