//! Eyes closed, keypad only (ADA §707, EN 301 549 5.1.3): "print a paper" and
//! "verify a paper" in Arabic and in English, driven only by tactile keypad key events on
//! the real Slint window (testing backend), with the real reference server, a QR scanner
//! emulator on a pseudo-terminal and a recording speech backend that captures every word
//! the kiosk says. Each step asserts what was spoken, as a blind user would hear it.

use std::time::Duration;

use crate::support::{Stack, done_reference, pump_until, sample};
use manassa::runtime::{Kiosk, Services, forward_scanner_events};
use manassa::speech::{RecordingBackend, Speaker, TONE_MARK};
use manassa::ui::{KioskUi, ScreenKind};
use manassa_devices::scanner::{self, ScannerConfig};
use manassa_devices::serial::SerialConfig;
use manassa_documents::{kinds, seal};
use manassa_emulators::scanner::ScannerEmulator;
use manassa_i18n::{Lang, tr};
use manassa_ministry_api::DocumentKind;
use manassa_session::Session;
use manassa_sim::SimConfig;
use slint::ComponentHandle;
use slint::platform::{Key, WindowEvent};

const QID: &str = "28463400123";
const PERMIT: &str = "BP-2026-004512";

/// One key of the tactile keypad (a USB HID keypad sends key events).
fn key(ui: &KioskUi, k: impl Into<slint::SharedString>) {
    let text: slint::SharedString = k.into();
    let w = ui.window().window();
    w.dispatch_event(WindowEvent::KeyPressed { text: text.clone() });
    w.dispatch_event(WindowEvent::KeyReleased { text });
    ui.pump();
}

fn special(k: Key) -> slint::SharedString {
    slint::SharedString::from(char::from(k).to_string())
}

/// Everything said since the last call, one string.
fn heard(rec: &RecordingBackend, speaker: &Speaker) -> String {
    speaker.wait_idle(Duration::from_secs(5));
    let s = rec.script().join(" | ");
    rec.clear();
    s
}

/// Move the focus down until the spoken focus contains `label`, then press Enter.
fn choose(ui: &KioskUi, rec: &RecordingBackend, speaker: &Speaker, label: &str) {
    // What the screen said before is not a focus announcement.
    heard(rec, speaker);
    for _ in 0..60 {
        key(ui, special(Key::DownArrow));
        let h = heard(rec, speaker);
        if h.contains(label) {
            key(ui, special(Key::Return));
            return;
        }
    }
    panic!("no choice {label:?} reachable with the keypad");
}

#[test]
fn keypad_only_eyes_closed_print_and_verify_in_arabic_and_english() {
    i_slint_backend_testing::init_no_event_loop();
    let stack = Stack::start(
        "a11y",
        SimConfig {
            demo_sms: true,
            ..SimConfig::default()
        },
    );
    let (kid, signing) = stack.sim().signing_key();
    let permit = kinds::content(DocumentKind::BuildingPermit, &sample("building-permit")).unwrap();
    let genuine = seal::sign(
        &seal::claims_for("doc-bp-004512", &permit, b"test-holder-secret"),
        &kid,
        &signing,
    );

    let emu = ScannerEmulator::start(None, Default::default()).unwrap();
    let (scanner_handle, events) =
        scanner::spawn(ScannerConfig::new(SerialConfig::new(emu.path())));
    let services = Services {
        scanner: Some(scanner_handle),
        ..stack.services(stack.a4_folder(), "K01", true)
    };
    let rec = RecordingBackend::new();
    let speaker = Speaker::recording(&rec);
    let kiosk = Kiosk::new(
        Session::new(Lang::Ar, 300),
        services,
        stack.rt.handle().clone(),
    )
    .with_speaker(speaker.clone());
    forward_scanner_events(events, kiosk.sender());
    let ui = KioskUi::new(kiosk).unwrap();
    ui.window().show().unwrap();
    let w = ui.window();

    for lang in [Lang::Ar, Lang::En] {
        let t = |id: &str| tr(lang, id);
        // Any key on the attract screen starts audio guidance, which announces itself.
        assert_eq!(w.get_screen(), ScreenKind::Attract);
        key(&ui, "5");
        let h = heard(&rec, &speaker);
        assert!(h.contains(&tr(Lang::Ar, "speech-audio-on")), "{h}");
        assert!(h.contains(&tr(Lang::Ar, "attract-title")), "{h}");
        if lang == Lang::En {
            choose(&ui, &rec, &speaker, &tr(Lang::Ar, "language-switch-label"));
            let h = heard(&rec, &speaker);
            assert!(
                h.contains(&tr(Lang::En, "attract-title")),
                "the screen again in English: {h}"
            );
            choose(&ui, &rec, &speaker, &t("attract-start"));
        } else {
            key(&ui, special(Key::Return));
        }
        // Then "print a paper".
        assert_eq!(w.get_screen(), ScreenKind::Services);
        let h = heard(&rec, &speaker);
        assert!(h.contains(&t("services-title")), "{h}");
        choose(&ui, &rec, &speaker, &t("service-print"));
        assert_eq!(w.get_screen(), ScreenKind::Identify);
        let h = heard(&rec, &speaker);
        assert!(h.contains(&t("identify-title")), "{h}");
        // Type the QID on the keypad: each digit is echoed.
        for d in QID.chars() {
            key(&ui, d.to_string());
        }
        let h = heard(&rec, &speaker);
        assert_eq!(
            h,
            QID.chars()
                .map(String::from)
                .collect::<Vec<_>>()
                .join(" | ")
        );
        key(&ui, special(Key::DownArrow));
        key(&ui, special(Key::Return));
        pump_until(&ui, 30, "the code screen", || {
            w.get_screen() == ScreenKind::Code
        });
        pump_until(&ui, 30, "the SMS", || !w.get_demo_code_text().is_empty());
        let h = heard(&rec, &speaker);
        assert!(h.contains(&t("code-title")), "{h}");
        // The code arrives by SMS (the demo panel here); its digits are never spoken.
        let code: String = w
            .get_demo_code_text()
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        for d in code.chars() {
            key(&ui, d.to_string());
        }
        let h = heard(&rec, &speaker);
        assert_eq!(h, [TONE_MARK; 6].join(" | "), "a tone per code digit");
        key(&ui, special(Key::DownArrow));
        key(&ui, special(Key::Return));
        pump_until(&ui, 30, "the papers", || {
            w.get_screen() == ScreenKind::Documents && w.get_documents_loaded()
        });
        let h = heard(&rec, &speaker);
        assert!(!h.contains(&code), "the code is never spoken: {h}");
        assert!(h.contains(PERMIT), "the papers are read out: {h}");
        choose(&ui, &rec, &speaker, PERMIT);
        pump_until(&ui, 30, "the preview", || w.get_preview_ready());
        let h = heard(&rec, &speaker);
        assert!(h.contains(&t("speech-preview-ready")), "{h}");
        choose(&ui, &rec, &speaker, &t("preview-print"));
        pump_until(&ui, 30, "the done screen", || {
            w.get_screen() == ScreenKind::Done
        });
        let h = heard(&rec, &speaker);
        let reference = done_reference(&ui);
        assert!(reference.starts_with("K01-"), "{reference}");
        assert!(
            h.contains(&reference),
            "the receipt's reference is spoken: {h}"
        );
        assert!(h.contains(&t("done-title")), "{h}");
        // Cancel ends the session: back to attract, audio off for the next user.
        key(&ui, special(Key::Escape));
        assert_eq!(w.get_screen(), ScreenKind::Attract);
        rec.clear();

        // Verify a paper, keypad only.
        key(&ui, "0");
        if lang == Lang::En {
            choose(&ui, &rec, &speaker, &tr(Lang::Ar, "language-switch-label"));
            choose(&ui, &rec, &speaker, &t("attract-start"));
        } else {
            key(&ui, special(Key::Return));
        }
        choose(&ui, &rec, &speaker, &t("service-verify"));
        assert_eq!(w.get_screen(), ScreenKind::VerifyScan);
        let h = heard(&rec, &speaker);
        assert!(h.contains(&t("verify-body")), "{h}");
        emu.scan(&genuine);
        pump_until(&ui, 30, "the verdict", || {
            w.get_screen() == ScreenKind::VerifyResult
        });
        let h = heard(&rec, &speaker);
        assert!(h.contains(&t("verdict-genuine")), "{h}");
        assert!(h.contains(PERMIT), "the paper's number is spoken: {h}");
        key(&ui, special(Key::DownArrow));
        key(&ui, special(Key::Return));
        assert_eq!(w.get_screen(), ScreenKind::Attract);
        rec.clear();
    }
}
