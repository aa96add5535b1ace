//! The technician menu on real parts: the Slint UI under the testing backend,
//! driven by accessible labels in English; the RDM6300 badge reader and ESC/POS printer
//! emulators on pseudo-terminals with the real drivers; the SQLite outbox; the reference
//! ministry server over HTTP; Argon2id PINs with the lockout file on disk.
//!
//! One end-to-end test function whose phases share one kiosk's state on disk (the lockout
//! survives a restart). Each phase is a block with its own assertions:
//! 1. entry only from the attract screen; wrong PINs lock out; the lockout survives a restart;
//! 2. a test ticket arrives decoded at the printer emulator, an A4 test page at the A4
//!    output; counters persist; the paper roll counter resets;
//! 3. a dead letter is re-queued from the outbox page, audited with the badge id;
//! 4. the speech test speaks (or the page says speech is not available, exactly when it is
//!    not);
//! 5. the counters after a resident's print journey;
//! 6. a slow action of one login (a ping against a slow server) finishing in the next
//!    login is audited with its own badge and not shown to the next technician;
//! 7. saved defaults (two idle steps, a volume step, the language) reach the next
//!    resident session without a restart, and steps compose while the page lags behind.
//!
//! Lockout refusals are audited once per badge and lockout period (phase 1).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use i_slint_backend_testing::ElementHandle;
use manassa::config::{A4Config, Config};
use manassa::maintenance::pins::{MAX_FAILURES, PinStore, hash_pin};
use manassa::maintenance::service::{Parts, technician};
use manassa::runtime::{Kiosk, Services};
use manassa::ui::{KioskUi, Maint, ScreenKind};
use manassa_devices::badge::BadgeId;
use manassa_devices::escpos::Profile;
use manassa_devices::serial::SerialConfig;
use manassa_devices::thermal::ThermalPrinter;
use manassa_emulators::badge::BadgeEmulator;
use manassa_emulators::escpos::PrinterEmulator;
use manassa_i18n::{Lang, tr};
use manassa_ministry_api::client::Client;
use manassa_outbox::{Outbox, SyncPolicy};
use manassa_session::Session;
use manassa_sim::{self, FaultPlan, SimConfig};
use slint::ComponentHandle;

use crate::support::{has_label, labels, press};

const BADGE: &str = "0A00C0FFEE";
const PIN: &str = "246813";
/// A second technician.
const BADGE_B: &str = "0A0000B0B0";
const PIN_B: &str = "135790";

fn pump_until(ui: &KioskUi, what: &str, f: impl Fn(&KioskUi) -> bool) {
    let start = Instant::now();
    loop {
        ui.pump();
        if f(ui) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}; labels: {:?}",
            labels(ui)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

struct Rig {
    ui: KioskUi,
    outbox: Arc<Outbox>,
}

/// The keyed reference the kiosk in `dir` gives badge `hex` (its key is in the state folder).
fn badge_ref(dir: &std::path::Path, hex: &str) -> String {
    let store = PinStore::open(
        &std::collections::HashMap::new(),
        &dir.join("state/pin-lockout.json"),
        None,
    )
    .unwrap();
    store.badge_ref(&manassa_devices::badge::BadgeId::from_hex(hex).unwrap())
}

/// A kiosk with the menu, as `main.rs` builds it, over the given emulators and state.
fn kiosk(
    rt: &tokio::runtime::Runtime,
    base_url: &str,
    dir: &Path,
    badge_path: PathBuf,
    printer: &PrinterEmulator,
    demo: bool,
) -> Rig {
    let mut cfg = Config::default();
    cfg.ministry.base_url = base_url.into();
    cfg.kiosk.language = Lang::En;
    cfg.outbox.path = dir.join("outbox.sqlite");
    cfg.a4 = A4Config::File {
        folder: dir.join("papers"),
    };
    cfg.badge_reader = Some(SerialConfig::new(badge_path));
    cfg.maintenance.state_dir = dir.join("state");
    cfg.maintenance.pins = BTreeMap::from([
        (BADGE.into(), hash_pin(PIN, None).unwrap()),
        (BADGE_B.into(), hash_pin(PIN_B, None).unwrap()),
    ]);
    cfg.validate().unwrap();
    let client = Client::new(base_url, "demo-kiosk-token", Duration::from_secs(5)).unwrap();
    let outbox = Arc::new(Outbox::open(&cfg.outbox.path).unwrap());
    let thermal = ThermalPrinter::spawn(SerialConfig::new(printer.path()), Profile::new(576));
    // No sync worker: the test reads what the menu queued.
    let (tech, defaults) = technician(
        &cfg,
        Parts {
            client: client.clone(),
            outbox: outbox.clone(),
            sync: None,
            thermal: Some(thermal.clone()),
            scanner: None,
        },
        rt.handle().clone(),
    )
    .unwrap();
    let sync = {
        let _g = rt.enter();
        // A worker against an unreachable server: nothing is delivered during the test.
        manassa_outbox::spawn_sync_worker(
            Arc::new(Outbox::open(&dir.join("unused.sqlite")).unwrap()),
            client.clone(),
        )
    };
    let services = Services {
        client,
        outbox: outbox.clone(),
        sync,
        a4: manassa_devices::a4::A4Sink::from(&cfg.a4),
        thermal: Some(thermal),
        card: None,
        scanner: None,
        kiosk_id: "K01".into(),
        // Demo mode shows the one-time code on screen (there is no SMS gateway).
        demo,
        keys: Default::default(),
        verifier_url: manassa_documents::seal::DEFAULT_VERIFIER_URL.into(),
        prepared: Default::default(),
        monitor: Some(tech.tools().monitor.clone()),
    };
    let session = Session::new(defaults.language, defaults.idle_timeout_s as u64);
    let k = Kiosk::new(session, services, rt.handle().clone());
    let ui = KioskUi::new(k).unwrap();
    // The kiosk's portrait panel.
    ui.window()
        .window()
        .set_size(slint::PhysicalSize::new(1080, 1920));
    ui.attach_maintenance(tech);
    Rig { ui, outbox }
}

fn open_and_badge(ui: &KioskUi, badge: &BadgeEmulator) {
    open_and_badge_as(ui, badge, BADGE, "******FFEE");
}

fn open_and_badge_as(ui: &KioskUi, badge: &BadgeEmulator, id: &str, masked: &str) {
    for _ in 0..5 {
        press(ui, &tr(Lang::En, "maint-entry-label"));
    }
    assert!(ui.maintenance_open(), "five taps open the menu");
    assert!(has_label(ui, "Technician menu"));
    present(ui, badge, id);
    assert!(
        has_label(ui, &format!("Technician badge {masked}")),
        "masked badge shown"
    );
}

/// Present badge `id` until the PIN pad shows. One frame: a held badge repeats, and a repeat
/// delayed past the reader's debounce (a loaded machine) would count as a second
/// presentation. Presented again (after the debounce) if the PIN pad does not show: the
/// previous rig's reader thread stops at its next read timeout (200 ms) and can take one
/// frame from the shared pty before it does.
fn present(ui: &KioskUi, badge: &BadgeEmulator, id: &str) {
    for _ in 0..3 {
        badge.hold(BadgeId::from_hex(id).unwrap(), 1);
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            ui.pump();
            if has_label(ui, "Enter your PIN") {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(manassa_devices::badge::DEBOUNCE);
    }
    panic!("the PIN pad never showed; labels: {:?}", labels(ui));
}

fn type_pin(ui: &KioskUi, pin: &str) {
    for d in pin.chars() {
        press(ui, &d.to_string());
    }
    // Digits are shown as dots, never as digits.
    let field = ElementHandle::find_by_accessible_label(ui.window(), "PIN")
        .next()
        .expect("PIN field");
    assert_eq!(
        field.accessible_value().unwrap().as_str(),
        "•".repeat(pin.len())
    );
    press(ui, "Log in");
}

/// Technician audit events still queued (read from the outbox's own database file).
fn technician_events(db: &Path) -> Vec<serde_json::Value> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut st = conn
        .prepare("SELECT payload FROM outbox WHERE kind = 'technician_action' ORDER BY id")
        .unwrap();
    st.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|p| serde_json::from_str(&p.unwrap()).unwrap())
        .collect()
}

fn actions(db: &Path) -> Vec<String> {
    technician_events(db)
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn technician_menu_end_to_end() {
    i_slint_backend_testing::init_no_event_loop();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt
        .block_on(manassa_sim::spawn(
            SimConfig {
                demo_sms: true,
                ..SimConfig::default()
            },
            "127.0.0.1:0".parse().unwrap(),
        ))
        .unwrap();
    let dir = std::env::temp_dir().join(format!("manassa-maint-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("outbox.sqlite");
    let badge = BadgeEmulator::start(None).unwrap();
    let printer = PrinterEmulator::start().unwrap();

    // Phase 1: wrong PINs lock the menu out, and the lockout survives a restart.
    {
        let rig = kiosk(&rt, &sim.base_url(), &dir, badge.path(), &printer, false);
        let ui = &rig.ui;
        // A resident is mid-journey: the technician's entry is not there to be tapped.
        ui.window().invoke_start();
        assert_ne!(ui.window().get_screen(), ScreenKind::Attract);
        assert!(
            !has_label(ui, &tr(Lang::En, "maint-entry-label")),
            "no technician entry over a resident's journey"
        );
        ui.window().invoke_cancel();
        open_and_badge(ui, &badge);
        assert_eq!(ui.window().get_screen(), ScreenKind::Attract);
        for left in (1..MAX_FAILURES).rev() {
            type_pin(ui, "111111");
            let msg = if left == 1 {
                "Wrong PIN. 1 attempt left before lockout.".to_string()
            } else {
                format!("Wrong PIN. {left} attempts left before lockout.")
            };
            pump_until(ui, &msg, |ui| has_label(ui, &msg));
        }
        type_pin(ui, "111111");
        pump_until(ui, "the lockout", |ui| {
            has_label(ui, "Too many wrong PINs. Try again in 1 minute.")
        });
        assert!(
            has_label(ui, "Hold your technician badge to the reader"),
            "back to the badge prompt"
        );
        // Audits are written off the UI thread.
        pump_until(ui, "the lockout audit", |_| {
            actions(&db).contains(&"maintenance.lockout".to_string())
        });
        let acts = actions(&db);
        assert_eq!(
            acts.iter()
                .filter(|a| *a == "maintenance.login_failed")
                .count(),
            4
        );
        assert!(
            acts.contains(&"maintenance.lockout".to_string()),
            "{acts:?}"
        );
        let ev = &technician_events(&db)[0];
        assert_eq!(
            ev["badge"],
            badge_ref(&dir, BADGE),
            "audits name the technician's badge by its keyed reference"
        );
        assert_ne!(ev["badge"], BADGE, "never the badge id itself");
        assert_eq!(ev["via"], "menu");
        press(ui, "Close");
        pump_until(ui, "the menu to close", |ui| !ui.maintenance_open());
    }
    {
        // "Restart": a new kiosk over the same state folder; the right PIN is refused.
        let rig = kiosk(&rt, &sim.base_url(), &dir, badge.path(), &printer, false);
        let ui = &rig.ui;
        // The badge debouncer needs the badge away for a second to count it again.
        std::thread::sleep(Duration::from_millis(1100));
        open_and_badge(ui, &badge);
        type_pin(ui, PIN);
        pump_until(ui, "the lockout after restart", |ui| {
            has_label(ui, "Too many wrong PINs. Try again in 1 minute.")
        });
        assert!(!has_label(ui, "Device status"), "not logged in");
        pump_until(ui, "the refusal audit", |_| {
            actions(&db).contains(&"maintenance.lockout_refused".to_string())
        });
        // The badge tries again (the right PIN): refused again, but not audited again.
        std::thread::sleep(Duration::from_millis(1100));
        present(ui, &badge, BADGE);
        type_pin(ui, PIN);
        pump_until(ui, "the second refusal", |ui| {
            has_label(ui, "Hold your technician badge to the reader")
        });
        assert!(!has_label(ui, "Device status"), "not logged in");
        // A second audit would be queued within milliseconds of the refusal; watch for one
        // second (an observation window, not a timing assertion).
        let until = Instant::now() + Duration::from_secs(1);
        while Instant::now() < until {
            ui.pump();
            std::thread::sleep(Duration::from_millis(20));
        }
        let acts = actions(&db);
        assert_eq!(
            acts.iter()
                .filter(|a| *a == "maintenance.lockout_refused")
                .count(),
            1,
            "one refusal audit per badge and lockout: {acts:?}"
        );
        press(ui, "Close");
    }

    // The lockout has passed (its file is what a minute later looks like).
    let lock = dir.join("state/pin-lockout.json");
    let mut state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&lock).unwrap()).unwrap();
    let own = &mut state["badges"][badge_ref(&dir, BADGE)];
    assert_eq!(own["lockouts"], 1);
    assert!(own["locked_until"].as_u64().unwrap() > 0);
    own["locked_until"] = 0.into();
    std::fs::write(&lock, serde_json::to_vec(&state).unwrap()).unwrap();

    // Phase 2: a test ticket arrives at the printer, the counters follow and persist;
    // a test page reaches the A4 output.
    {
        let rig = kiosk(&rt, &sim.base_url(), &dir, badge.path(), &printer, false);
        let ui = &rig.ui;
        std::thread::sleep(Duration::from_millis(1100));
        open_and_badge(ui, &badge);
        type_pin(ui, PIN);
        pump_until(ui, "the home page", |ui| has_label(ui, "Device status"));
        press(ui, "Test prints and paper");
        pump_until(ui, "the printers page", |ui| {
            has_label(ui, "Print a test ticket")
        });
        press(ui, "Print a test ticket");
        pump_until(ui, "the ticket to print", |ui| {
            has_label(ui, "Test ticket printed")
        });
        let jobs = printer.wait_for_jobs(1, Duration::from_secs(10));
        assert_eq!(jobs.len(), 1);
        let job = &jobs[0];
        assert!(job.cut, "the test ticket is cut");
        assert!(
            job.text_lines.iter().any(|l| l.contains("TEST K01")),
            "{:?}",
            job.text_lines
        );
        assert_eq!(job.qr_codes, vec!["MANASSA-TEST-K01".to_string()]);
        assert!(!job.rasters.is_empty(), "bilingual title as rasters");

        press(ui, "Print an A4 test page");
        pump_until(ui, "the A4 test page", |ui| {
            has_label(ui, "A4 test page printed")
        });
        let pdf = dir.join("papers/manassa-test-page.pdf");
        assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));

        press(ui, "Back");
        press(ui, "Device status");
        pump_until(ui, "the counters", |ui| {
            has_label(ui, "1 ticket printed") && has_label(ui, "1 A4 page printed")
        });
        assert!(has_label(ui, "1 paper cut"));
        assert!(has_label(ui, "1 ticket on this paper roll"));
        pump_until(ui, "the test print audits", |_| {
            actions(&db).contains(&"maintenance.test_page".to_string())
        });
        let acts = actions(&db);
        assert!(acts.contains(&"maintenance.login".to_string()), "{acts:?}");
        assert!(acts.contains(&"maintenance.test_ticket".to_string()));
        assert!(acts.contains(&"maintenance.test_page".to_string()));

        // A new roll: the roll counter restarts, the totals stay.
        press(ui, "Back");
        press(ui, "Test prints and paper");
        pump_until(ui, "the printers page", |ui| {
            has_label(ui, "New paper roll loaded")
        });
        press(ui, "New paper roll loaded");
        pump_until(ui, "the roll reset", |ui| {
            has_label(ui, "Paper roll counter reset")
        });
        pump_until(ui, "the roll counter", |ui| {
            has_label(ui, "0 tickets on this paper roll")
        });
        press(ui, "Back");
        press(ui, "Log out");
        pump_until(ui, "the menu to close", |ui| !ui.maintenance_open());
        pump_until(ui, "the logout audit", |_| {
            actions(&db).contains(&"maintenance.logout".to_string())
        });
    }
    let counters: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("state/counters.json")).unwrap()).unwrap();
    assert_eq!(counters["tickets"], 1, "counters persisted");
    assert_eq!(counters["a4_pages"], 1);
    assert_eq!(counters["roll_tickets"], 0);

    // Phase 3: a dead letter is re-queued from the outbox page, audited in the same
    // transaction.
    {
        let rig = kiosk(&rt, &sim.base_url(), &dir, badge.path(), &printer, false);
        let ui = &rig.ui;
        // Two events the ministry refuses (it already holds their keys with other
        // content): only such a per-event answer dead-letters anything.
        let online =
            Client::new(&sim.base_url(), "demo-kiosk-token", Duration::from_secs(5)).unwrap();
        let refused = |category: &str| {
            let e = rig
                .outbox
                .enqueue(
                    "complaint.filed",
                    &serde_json::json!({"category": category}),
                )
                .unwrap();
            rt.block_on(online.post_events(&[manassa_ministry_api::OutboxEvent {
                idempotency_key: e.idempotency_key,
                kind: "complaint.filed".into(),
                payload: serde_json::json!({"other": true}),
                created_at: "2026-01-01T00:00:00.000Z".into(),
            }]))
            .unwrap();
            e
        };
        let e = refused("kiosk");
        let e2 = refused("roads");
        let one_shot = SyncPolicy {
            max_attempts: 1,
            ..SyncPolicy::default()
        };
        while rig.outbox.depth().unwrap() > 0 {
            rig.outbox.make_all_due().unwrap();
            let _ = rt.block_on(rig.outbox.sync_once_with(&online, &one_shot));
        }
        let dead = rig.outbox.dead_letters().unwrap();
        assert!(dead.iter().any(|d| d.id == e.id), "dead-lettered");
        assert!(dead.iter().any(|d| d.id == e2.id), "dead-lettered");
        let dead_count = dead.len();

        std::thread::sleep(Duration::from_millis(1100));
        open_and_badge(ui, &badge);
        type_pin(ui, PIN);
        pump_until(ui, "the home page", |ui| has_label(ui, "Outbox"));
        press(ui, "Outbox");
        let dead_label = |n: usize| {
            if n == 1 {
                "1 dead letter".to_string()
            } else {
                format!("{n} dead letters")
            }
        };
        let label = dead_label(dead_count);
        pump_until(ui, &label, |ui| has_label(ui, &label));
        press(ui, &format!("Re-queue {}", e.id));
        let done = format!("Dead letter {} re-queued", e.id);
        pump_until(ui, &done, |ui| has_label(ui, &done));
        let still_dead = rig.outbox.dead_letters().unwrap();
        assert!(still_dead.iter().all(|d| d.id != e.id));
        assert_eq!(still_dead.len(), dead_count - 1);
        let pending: Vec<String> = rig
            .outbox
            .pending(100)
            .unwrap()
            .into_iter()
            .map(|p| p.kind)
            .collect();
        assert!(
            pending.contains(&"complaint.filed".to_string()),
            "{pending:?}"
        );
        let requeue = technician_events(&db)
            .into_iter()
            .find(|e| e["action"] == "outbox.requeue")
            .expect("the re-queue is audited");
        assert_eq!(requeue["dead_letter_id"], e.id);
        assert_eq!(requeue["badge"], badge_ref(&dir, BADGE));
        let page = dead_label(dead_count - 1);
        pump_until(ui, &page, |ui| has_label(ui, &page));

        // The rest at once, with one audit record.
        press(ui, "Re-queue all dead letters");
        let done = format!("{} dead letters re-queued", dead_count - 1);
        pump_until(ui, &done, |ui| has_label(ui, &done));
        assert!(rig.outbox.dead_letters().unwrap().is_empty());
        let all = technician_events(&db)
            .into_iter()
            .find(|e| e["action"] == "outbox.requeue_all")
            .expect("the re-queue of all is audited");
        assert_eq!(all["count"], dead_count - 1);
        assert_eq!(all["badge"], badge_ref(&dir, BADGE));
        pump_until(ui, "no dead letters", |ui| has_label(ui, &dead_label(0)));

        // Phase 4: the speech test speaks through speech-dispatcher when it has both
        // voices, and the page says "not available" exactly when it has not.
        press(ui, "Back");
        press(ui, "Speech test");
        let available = manassa::maintenance::speech_available();
        if available {
            pump_until(ui, "the speech buttons", |ui| {
                has_label(ui, "Speak the English test sentence")
            });
            press(ui, "Speak the English test sentence");
            pump_until(ui, "the sentence to be spoken", |ui| {
                has_label(ui, "Test sentence spoken")
            });
        } else {
            pump_until(ui, "the speech page", |ui| {
                has_label(ui, "Speech: not available")
            });
        }
        pump_until(ui, "the speech audit", |_| {
            actions(&db).contains(&"maintenance.speech_test".to_string()) || !available
        });
    }

    // Phase 5: counters after a resident's journey (typed QID, one-time code, permit
    // printed on A4 with its ticket).
    {
        let rig = kiosk(&rt, &sim.base_url(), &dir, badge.path(), &printer, true);
        let ui = &rig.ui;
        let w = ui.window();
        let t = |id: &str| tr(Lang::En, id);
        press(ui, &t("attract-start"));
        press(ui, &t("service-print"));
        pump_until(ui, "the identify screen", |ui| {
            ui.window().get_screen() == ScreenKind::Identify
        });
        for d in "28463400123".chars() {
            press(ui, &d.to_string());
        }
        press(ui, &t("identify-continue"));
        pump_until(ui, "the demo code", |ui| {
            ui.window().get_screen() == ScreenKind::Code
                && !ui.window().get_demo_code_text().is_empty()
        });
        let code: String = w
            .get_demo_code_text()
            .chars()
            .filter(|c| c.is_ascii_digit())
            .collect();
        for d in code.chars() {
            press(ui, &d.to_string());
        }
        press(ui, &t("code-verify"));
        pump_until(ui, "the documents", |ui| {
            ui.window().get_screen() == ScreenKind::Documents && ui.window().get_documents_loaded()
        });
        press(ui, &format!("{} BP-2026-004512", t("documents-print")));
        pump_until(ui, "the preview", |ui| ui.window().get_preview_ready());
        press(ui, &t("preview-print"));
        pump_until(ui, "the done screen", |ui| {
            ui.window().get_screen() == ScreenKind::Done
        });
        assert_eq!(printer.wait_for_jobs(2, Duration::from_secs(10)).len(), 2);
        // The resident finishes; the technician enters from the attract screen.
        press(ui, &t("done-finish"));

        std::thread::sleep(Duration::from_millis(1100));
        open_and_badge(ui, &badge);
        type_pin(ui, PIN);
        pump_until(ui, "the home page", |ui| has_label(ui, "Device status"));
        press(ui, "Device status");
        pump_until(ui, "the counters after the journey", |ui| {
            has_label(ui, "2 A4 pages printed")
                && has_label(ui, "2 tickets printed")
                && has_label(ui, "2 paper cuts")
                && has_label(ui, "1 ticket on this paper roll")
        });
    }

    // Phase 6: a ping started by technician A answers (slowly) after A logged out and B
    // logged in: audited with A's badge, never shown to B.
    {
        let rig = kiosk(&rt, &sim.base_url(), &dir, badge.path(), &printer, false);
        let ui = &rig.ui;
        let maint = ui.window().global::<Maint>();
        std::thread::sleep(Duration::from_millis(1100));
        open_and_badge(ui, &badge);
        type_pin(ui, PIN);
        pump_until(ui, "the home page", |ui| has_label(ui, "Network and API"));
        press(ui, "Network and API");
        sim.set_faults(FaultPlan {
            route: Some("/v1/health".into()),
            // Past the client's 5 s timeout: B is logged in before A's answer (checked
            // below), which is the timeout.
            latency_ms: 8000,
            ..FaultPlan::default()
        });
        let pings_before = actions(&db)
            .iter()
            .filter(|a| *a == "maintenance.ping")
            .count();
        press(ui, "Measure API latency");
        assert!(maint.get_busy(), "the ping is under way");
        press(ui, "Log out");
        pump_until(ui, "the menu to close", |ui| !ui.maintenance_open());
        std::thread::sleep(Duration::from_millis(1100));
        open_and_badge_as(ui, &badge, BADGE_B, "******B0B0");
        type_pin(ui, PIN_B);
        pump_until(ui, "B's home page", |ui| has_label(ui, "Device status"));
        let pings = || {
            actions(&db)
                .iter()
                .filter(|a| *a == "maintenance.ping")
                .count()
        };
        assert_eq!(
            pings(),
            pings_before,
            "A's ping must still be running when B logs in, or this phase tests nothing"
        );
        pump_until(ui, "A's ping to finish", |_| pings() > pings_before);
        let ping = technician_events(&db)
            .into_iter()
            .rev()
            .find(|e| e["action"] == "maintenance.ping")
            .unwrap();
        assert_eq!(
            ping["badge"],
            badge_ref(&dir, BADGE),
            "audited with the badge that asked"
        );
        // Slower than the client's 5 s timeout: A's answer is the timeout.
        assert_eq!(ping["detail"]["error"], "request timed out", "{ping}");
        // The answer is sent right after its audit; watch B's panel for a second.
        let until = Instant::now() + Duration::from_secs(1);
        while Instant::now() < until {
            ui.pump();
            assert_eq!(maint.get_notice(), "", "A's answer shown to B");
            assert!(!maint.get_busy());
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(has_label(ui, "Technician badge ******B0B0"));
        sim.clear_faults();
        press(ui, "Log out");
        pump_until(ui, "the menu to close", |ui| !ui.maintenance_open());
    }

    // Phase 7: defaults saved in the menu reach the next resident session (no restart);
    // two quick steps compose although the page's facts are slow to follow.
    {
        let rig = kiosk(&rt, &sim.base_url(), &dir, badge.path(), &printer, false);
        let ui = &rig.ui;
        let maint = ui.window().global::<Maint>();
        assert!(
            has_label(ui, &tr(Lang::En, "attract-start")),
            "starts in English ([kiosk] language)"
        );
        std::thread::sleep(Duration::from_millis(1100));
        open_and_badge(ui, &badge);
        type_pin(ui, PIN);
        pump_until(ui, "the home page", |ui| has_label(ui, "Defaults"));
        press(ui, "Defaults");
        let base = Config::default().kiosk.idle_timeout_s;
        pump_until(ui, "the defaults page", |ui| {
            has_label(ui, &format!("Idle time: {base} seconds"))
        });
        // From here on the page's facts arrive seconds late (they include an API ping).
        sim.set_faults(FaultPlan {
            route: Some("/v1/health".into()),
            latency_ms: 2000,
            ..FaultPlan::default()
        });
        let saved = "Saved; applies from the next resident's session";
        for label in [
            "Longer idle time",
            "Longer idle time",
            "Higher volume",
            "Switch the default language",
        ] {
            press(ui, label);
            pump_until(ui, "the step to be saved", |_| {
                !maint.get_busy() && maint.get_notice() == saved
            });
        }
        let file: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("state/defaults.json")).unwrap())
                .unwrap();
        assert_eq!(file["idle_timeout_s"], base + 60, "both steps kept: {file}");
        assert_eq!(file["volume"], 80, "{file}");
        assert_eq!(file["language"], "ar", "{file}");
        sim.clear_faults();
        pump_until(ui, "the page to follow", |ui| {
            has_label(ui, &format!("Idle time: {} seconds", base + 60))
        });
        press(ui, "Log out");
        pump_until(ui, "the menu to close", |ui| !ui.maintenance_open());
        // The next resident's attract screen, in the new default language: no restart.
        assert_eq!(ui.window().get_screen(), ScreenKind::Attract);
        pump_until(ui, "the Arabic attract screen", |ui| {
            has_label(ui, &tr(Lang::Ar, "attract-start"))
        });
    }
    drop(sim);
    let _ = std::fs::remove_dir_all(dir);
}
