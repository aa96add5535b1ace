//! "Verify a paper" end to end: a seal made by the reference ministry server is held to the
//! emulated QR scanner (serial, over a pseudo-terminal); the kiosk checks it offline with
//! the ministry's published keys, asks for revocation, and shows the verdict (Arabic UI,
//! driven by accessible labels through Slint's testing backend).

use std::time::Duration;

use crate::support::{Stack, press, pump_until, sample};
use manassa::runtime::{Kiosk, Services, forward_scanner_events};
use manassa::tawkeed::KeyStore;
use manassa::ui::{KioskUi, ScreenKind};
use manassa_devices::card_reader::{self};
use manassa_devices::scanner::{self, ScannerConfig};
use manassa_devices::serial::SerialConfig;
use manassa_documents::{kinds, seal};
use manassa_emulators::card_reader::CardReaderEmulator;
use manassa_emulators::scanner::ScannerEmulator;
use manassa_i18n::{Lang, tr};
use manassa_ministry_api::DocumentKind;
use manassa_session::{Session, VerdictStatus};
use manassa_sim::{FaultPlan, SimConfig};
use slint::{ComponentHandle, Model as _};

/// Seals made by the reference server's own key: genuine, revoked at the ministry, and
/// altered (one Base45 character changed), each as the verifier URL a paper's QR holds.
struct Seals {
    genuine: String,
    revoked: String,
    altered: String,
}

fn seals(stack: &Stack) -> Seals {
    let (kid, key) = stack.sim().signing_key();
    let permit = kinds::content(DocumentKind::BuildingPermit, &sample("building-permit")).unwrap();
    let make = |id: &str| {
        let s = seal::sign(
            &seal::claims_for(id, &permit, b"test-holder-secret"),
            &kid,
            &key,
        );
        seal::qr_text(seal::DEFAULT_VERIFIER_URL, &s)
    };
    let genuine = make("doc-bp-004512");
    // The seeded, superseded permit: a real seal, revoked at the ministry.
    let revoked = make("doc-bp-003990");
    let mut altered = genuine.clone().into_bytes();
    // Not inside a %XX escape of the URL: that would make it not a seal at all.
    let mut i = altered.len() - 40;
    while altered[i - 2..=i].contains(&b'%') {
        i -= 1;
    }
    altered[i] = if altered[i] == b'A' { b'B' } else { b'A' };
    Seals {
        genuine,
        revoked,
        altered: String::from_utf8(altered).unwrap(),
    }
}

/// A kiosk in `lang` with the emulated scanner, its keys kept at `stack.tmp`.
fn kiosk(stack: &Stack, lang: Lang, emu: &ScannerEmulator) -> KioskUi {
    let (scanner_handle, events) =
        scanner::spawn(ScannerConfig::new(SerialConfig::new(emu.path())));
    let services = Services {
        scanner: Some(scanner_handle),
        keys: std::sync::Arc::new(KeyStore::open(
            stack.tmp.join("seal-keys.json"),
            Duration::from_secs(3600),
        )),
        ..stack.services(stack.a4_folder(), "K01", false)
    };
    let kiosk = Kiosk::new(Session::new(lang, 120), services, stack.rt.handle().clone());
    forward_scanner_events(events, kiosk.sender());
    KioskUi::new(kiosk).unwrap()
}

/// Scan `text` from the attract screen and wait for the verdict; returns (title id found,
/// level, fact rows as "label: value").
fn scan(ui: &KioskUi, emu: &ScannerEmulator, text: &str, lang: Lang) -> (String, i32, Vec<String>) {
    let w = ui.window();
    assert_eq!(w.get_screen(), ScreenKind::Attract);
    emu.scan(text);
    pump_until(ui, 20, "a verdict", || {
        w.get_screen() == ScreenKind::VerifyResult
    });
    let title = w.get_verdict_title().to_string();
    let id = VERDICT_IDS
        .iter()
        .find(|id| tr(lang, id) == title)
        .unwrap_or_else(|| panic!("unexpected verdict title {title:?}"));
    let facts = w
        .get_verdict_facts()
        .iter()
        .map(|r| format!("{}: {}", r.label, r.value.replace('\u{200E}', "")))
        .collect();
    let level = w.get_verdict_level();
    press(ui, &tr(lang, "done-finish"));
    assert_eq!(w.get_screen(), ScreenKind::Attract);
    (id.to_string(), level, facts)
}

const VERDICT_IDS: [&str; 7] = [
    "verdict-genuine",
    "verdict-genuine-unchecked",
    "verdict-not-confirmed",
    "verdict-revoked",
    "verdict-altered",
    "verdict-unverifiable",
    "verdict-not-a-seal",
];

fn online_verdicts(lang: Lang, tag: &str) {
    i_slint_backend_testing::init_no_event_loop();
    let stack = Stack::start(tag, SimConfig::default());
    let s = seals(&stack);
    let emu = ScannerEmulator::start(None, Default::default()).unwrap();
    let ui = kiosk(&stack, lang, &emu);
    let w = ui.window();

    // Through the menu once: attract → services → verify.
    press(&ui, &tr(lang, "attract-start"));
    press(&ui, &tr(lang, "service-verify"));
    assert_eq!(w.get_screen(), ScreenKind::VerifyScan);
    emu.scan(&s.genuine);
    pump_until(&ui, 20, "the genuine verdict", || {
        w.get_screen() == ScreenKind::VerifyResult
    });
    assert_eq!(w.get_verdict_title().as_str(), tr(lang, "verdict-genuine"));
    assert_eq!(w.get_verdict_advice().as_str(), tr(lang, "verdict-compare"));
    press(&ui, &tr(lang, "done-finish"));

    // The sealed facts, to compare with the paper: names, masked QID, the figures.
    let (id, level, facts) = scan(&ui, &emu, &s.genuine, lang);
    assert_eq!((id.as_str(), level), ("verdict-genuine", 0));
    let all = facts.join("\n");
    for want in [
        "BP-2026-004512",
        "محمد",
        "0123",
        &tr(lang, "fact-floors"),
        &tr(lang, "fact-built-area-m2"),
        &tr(lang, "fact-kind"),
        &tr(lang, "fact-expires-on"),
    ] {
        assert!(
            all.contains(want),
            "{want:?} missing from the facts:\n{all}"
        );
    }
    assert!(!all.contains("28463400123"), "never the whole QID:\n{all}");

    let (id, level, facts) = scan(&ui, &emu, &s.altered, lang);
    assert_eq!((id.as_str(), level), ("verdict-altered", 2));
    assert!(
        facts.is_empty(),
        "no facts from a seal that does not verify"
    );
    let (id, _, facts) = scan(&ui, &emu, &s.revoked, lang);
    assert_eq!(id, "verdict-revoked");
    assert!(
        !facts.is_empty(),
        "a revoked paper still shows what it stated"
    );
    let (id, _, _) = scan(&ui, &emu, "https://example.com/not-a-seal", lang);
    assert_eq!(id, "verdict-not-a-seal");
    // A v1 seal (bare text, no URL) made by the signer's first version.
    let (id, ..) = scan(&ui, &emu, "MNS1:NOT-BASE45", lang);
    assert_eq!(id, "verdict-altered");
}

#[test]
fn every_online_verdict_in_arabic() {
    online_verdicts(Lang::Ar, "verify-ar");
}

#[test]
fn every_online_verdict_in_english() {
    online_verdicts(Lang::En, "verify-en");
}

#[test]
fn status_errors_offline_restarts_and_unknown_keys_are_told_apart_in_english() {
    offline_verdicts(Lang::En, "verify-offline-en");
}

#[test]
fn status_errors_offline_restarts_and_unknown_keys_are_told_apart_in_arabic() {
    offline_verdicts(Lang::Ar, "verify-offline-ar");
}

fn offline_verdicts(lang: Lang, tag: &str) {
    i_slint_backend_testing::init_no_event_loop();
    let mut stack = Stack::start(tag, SimConfig::default());
    let s = seals(&stack);
    // A fresh scanner for each kiosk: a dropped kiosk's reader may still hold its port
    // for a moment, and two readers would split a scan between them.
    let new_emu = || ScannerEmulator::start(None, Default::default()).unwrap();
    let emu = new_emu();

    // A kiosk that never fetched keys, with the ministry throttling the status call:
    // the keys come, the signature verifies, and a 429 is "could not confirm".
    let ui = kiosk(&stack, lang, &emu);
    stack.sim().set_faults(FaultPlan {
        route: Some("/v1/seals".into()),
        throttle_rate: 1.0,
        retry_after_s: 30,
        ..FaultPlan::default()
    });
    let (id, level, facts) = scan(&ui, &emu, &s.genuine, lang);
    assert_eq!((id.as_str(), level), ("verdict-not-confirmed", 1));
    assert!(!facts.is_empty());
    // A 500 on the status is an answer too, not "unreachable".
    stack.sim().set_faults(FaultPlan {
        route: Some("/v1/seals".into()),
        error_rate: 1.0,
        ..FaultPlan::default()
    });
    assert_eq!(scan(&ui, &emu, &s.genuine, lang).0, "verdict-not-confirmed");
    stack.sim().set_faults(FaultPlan::default());
    assert!(
        stack.tmp.join("seal-keys.json").exists(),
        "the fetched keys are kept on disk"
    );
    drop(ui);
    let emu = new_emu();

    // The ministry rotates its key; a seal by the new key makes the kiosk fetch again.
    let new_kid = stack
        .rt
        .block_on(stack.sim().rotate_keys())
        .expect("rotation");
    let (kid, key) = stack.sim().signing_key();
    assert_eq!(kid, new_kid.kid);
    let permit = kinds::content(DocumentKind::BuildingPermit, &sample("building-permit")).unwrap();
    let rotated = seal::qr_text(
        "",
        &seal::sign(
            &seal::claims_for("doc-bp-004512", &permit, b"x"),
            &kid,
            &key,
        ),
    );
    let ui = kiosk(&stack, lang, &emu);
    assert_eq!(scan(&ui, &emu, &rotated, lang).0, "verdict-genuine");
    assert_eq!(
        scan(&ui, &emu, &s.genuine, lang).0,
        "verdict-genuine",
        "the old key stays"
    );
    drop(ui);
    let emu = new_emu();

    // Restart with the ministry unreachable: the kept keys still verify.
    stack.stop_server();
    let ui = kiosk(&stack, lang, &emu);
    let (id, level, facts) = scan(&ui, &emu, &s.genuine, lang);
    assert_eq!((id.as_str(), level), ("verdict-genuine-unchecked", 1));
    assert!(
        !facts.is_empty(),
        "offline, the sealed facts are still shown"
    );
    // A key this kiosk never had, and no ministry to ask: cannot check now.
    let stranger = p256::ecdsa::SigningKey::from_slice(&[5u8; 32]).unwrap();
    let unknown = seal::sign(
        &seal::claims_for("doc-bp-004512", &permit, b"x"),
        "mm-never-published",
        &stranger,
    );
    let (id, level, facts) = scan(&ui, &emu, &unknown, lang);
    assert_eq!((id.as_str(), level), ("verdict-unverifiable", 3));
    assert!(facts.is_empty());
    // The altered seal is still altered offline (its key is known).
    assert_eq!(scan(&ui, &emu, &s.altered, lang).0, "verdict-altered");
    drop(ui);

    // A kiosk that never fetched any key, offline: nothing is "altered".
    std::fs::remove_file(stack.tmp.join("seal-keys.json")).unwrap();
    let emu = new_emu();
    let ui = kiosk(&stack, lang, &emu);
    assert_eq!(scan(&ui, &emu, &s.genuine, lang).0, "verdict-unverifiable");
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
    emu.scan("MNS2:ANYTHING");
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

#[test]
fn a_key_the_ministry_withdrew_is_dropped_at_the_next_refresh() {
    let stack = Stack::start("verify-withdrawn", SimConfig::default());
    let client = manassa_ministry_api::client::Client::new(
        &stack.sim().base_url(),
        "demo-kiosk-token",
        Duration::from_secs(5),
    )
    .unwrap();
    // The kiosk kept a key the ministry no longer publishes (withdrawn after a leak), and
    // the key file is fresh, so no refresh is due.
    let leaked = p256::ecdsa::SigningKey::from_slice(&[5u8; 32]).unwrap();
    let mut answer: serde_json::Value = stack.rt.block_on(client.key_set_json()).unwrap();
    answer["keys"]
        .as_array_mut()
        .unwrap()
        .push(seal::public_jwk("mm-leaked", &leaked, None, None));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let path = stack.tmp.join("withdrawn-keys.json");
    std::fs::write(
        &path,
        serde_json::json!({"fetched_at": now, "answer": answer}).to_string(),
    )
    .unwrap();
    let store = KeyStore::open(path.clone(), Duration::from_secs(3600));
    assert!(!store.is_stale());
    let permit = kinds::content(DocumentKind::BuildingPermit, &sample("building-permit")).unwrap();
    let forged = seal::sign(
        &seal::claims_for("doc-bp-004512", &permit, b"x"),
        "mm-leaked",
        &leaked,
    );
    let check = |s: &str| {
        stack
            .rt
            .block_on(manassa::tawkeed::check_scanned(&client, &store, s))
    };
    assert_eq!(check(&forged).verdict.status, VerdictStatus::Genuine);
    // The scheduled refresh brings the ministry's set, without the withdrawn key.
    stack.rt.block_on(store.refresh(&client)).unwrap();
    assert!(store.current().unwrap().find("mm-leaked").is_none());
    let c = check(&forged);
    assert_eq!(c.verdict.status, VerdictStatus::Altered);
    assert_eq!(c.kid.as_deref(), Some("mm-leaked"));
    // And from disk after a restart.
    let reopened = KeyStore::open(path, Duration::from_secs(3600));
    assert!(reopened.current().unwrap().find("mm-leaked").is_none());
}

#[test]
fn a_corrupt_key_file_is_ignored_and_rewritten() {
    let stack = Stack::start("verify-corrupt", SimConfig::default());
    let client = manassa_ministry_api::client::Client::new(
        &stack.sim().base_url(),
        "demo-kiosk-token",
        Duration::from_secs(5),
    )
    .unwrap();
    let path = stack.tmp.join("corrupt-keys.json");
    std::fs::write(&path, b"{\"fetched_at\": 1, \"answer\": {\"ke").unwrap();
    let store = KeyStore::open(path.clone(), Duration::from_secs(3600));
    assert!(store.current().is_none() && store.is_stale());
    let set = stack.rt.block_on(store.refresh(&client)).unwrap();
    assert!(!set.keys.is_empty());
    assert_eq!(
        KeyStore::open(path, Duration::from_secs(3600))
            .current()
            .unwrap()
            .keys
            .len(),
        set.keys.len()
    );
}

#[test]
fn a_paper_whose_seal_would_not_fit_a_readable_qr_is_refused_before_the_preview() {
    let stack = Stack::start("verify-too-large", SimConfig::default());
    let client = manassa_ministry_api::client::Client::new(
        &stack.sim().base_url(),
        "demo-kiosk-token",
        Duration::from_secs(5),
    )
    .unwrap();
    let key = p256::ecdsa::SigningKey::from_slice(&[8u8; 32]).unwrap();
    // The kiosk holds this signer's key (a fresh key file: no refresh is due).
    let path = stack.tmp.join("big-keys.json");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let answer = serde_json::json!({ "keys": [seal::public_jwk("mm-big", &key, None, None)] });
    std::fs::write(
        &path,
        serde_json::json!({"fetched_at": now, "answer": answer}).to_string(),
    )
    .unwrap();
    let store = KeyStore::open(path, Duration::from_secs(3600));
    let check = |payload: &serde_json::Value| {
        let content = kinds::content(DocumentKind::BuildingPermit, payload).unwrap();
        let claims = seal::claims_for("doc-bp-004512", &content, b"x");
        let text = seal::sign(&claims, "mm-big", &key);
        let fetched = seal::Fetched {
            document_id: "doc-bp-004512",
            holder_ref: Some(&claims.holder_ref),
        };
        stack.rt.block_on(manassa::tawkeed::check_for_print(
            &client,
            &store,
            seal::DEFAULT_VERIFIER_URL,
            Some(&text),
            fetched,
            &content,
        ))
    };
    let qr = check(&sample("building-permit")).expect("the sample fits");
    assert!(qr.version <= seal::MAX_QR_VERSION);
    // Names long (and varied: zlib would shrink repeats) enough that the sealed facts
    // outgrow a version-25 symbol.
    let varied = |letters: &[char]| -> String {
        let mut x: u32 = 12345;
        (0..240)
            .map(|i| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                if i % 7 == 6 {
                    ' '
                } else {
                    letters[(x >> 16) as usize % letters.len()]
                }
            })
            .collect()
    };
    let mut long = sample("building-permit");
    long["owner_name_ar"] =
        serde_json::json!(varied(&['ب', 'ت', 'ج', 'د', 'ر', 'س', 'ع', 'ل', 'م', 'ن']));
    long["owner_name_en"] =
        serde_json::json!(varied(&['a', 'b', 'd', 'h', 'k', 'm', 'r', 's', 't']));
    let refused = check(&long).expect_err("refused");
    assert!(
        matches!(
            refused,
            manassa::tawkeed::PrintRefusal::Bind(seal::BindError::Seal(
                seal::SealError::TooLarge { .. }
            ))
        ),
        "{refused:?}"
    );
}
