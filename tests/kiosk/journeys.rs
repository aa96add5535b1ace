//! The resident's journeys beyond printing, through Slint's testing backend by
//! accessible labels, on real parts: the reference ministry server over HTTP, the SQLite
//! outbox and its sync worker, a real cupsd (fault queue `manassa-nopaper`), the CRT-310
//! card reader emulator over a pseudo-terminal. Both languages.
//!
//! - complaint (category → on-screen keyboard → phone → send) and rating: the outbox row
//!   and the event the ministry stores after sync, and the sent screen's words;
//! - network down: the error screen's offline offers, a complaint kept in the outbox and
//!   delivered once the ministry is back;
//! - A4 printer out of paper: the error before identification;
//! - wrong code (attempts left) and the card left in the reader on the done screen;
//! - language switch mid-journey keeps the typed data and switches every text;
//! - the idle wipe: no personal value left in any visible text;
//! - layout: every labelled element inside the window and no two overlapping, for every
//!   screen, both languages, portrait and landscape, normal, large text, high contrast.
//!
//! Needs cupsd with the test queues (`scripts/cups-up.sh`, run by `scripts/test.sh`) and
//! MANASSA_CUPS_QUEUE set to the PDF queue.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use i_slint_backend_testing::{ElementHandle, ElementQuery};
use manassa::runtime::{Kiosk, Services, forward_card_events};
use manassa::ui::{KioskUi, ScreenKind, demo_view, snapshot_names};
use manassa_devices::a4::A4Sink;
use manassa_devices::card_reader::{self};
use manassa_devices::serial::SerialConfig;
use manassa_emulators::card_reader::CardReaderEmulator;
use manassa_i18n::{Arg, Lang, ltr, tr, tr_args};
use manassa_ministry_api::client::Client;
use manassa_outbox::{Outbox, SyncWorker, spawn_sync_worker};
use manassa_session::{
    ComplaintCategory, Failure, Intent, Key, Screen, Service, Session, Verdict, VerdictStatus,
};
use manassa_sim::{self, SimConfig, SimHandle};
use serde_json::Value;
use slint::ComponentHandle;

const QID: &str = "28463400123";
const PHONE: &str = "55123456";
const PERMIT: &str = "BP-2026-004512";

// ---------------------------------------------------------------------------------------
// The rig: one kiosk on real parts.

static SEQ: AtomicU32 = AtomicU32::new(0);

/// Where the kiosk's ministry is.
enum Ministry {
    /// A reference server, started here (demo SMS on).
    Up,
    /// Nothing listens on this port (connection refused): the network is down.
    Down(u16),
}

struct Opts {
    lang: Lang,
    idle_s: u64,
    ministry: Ministry,
    /// CUPS queue of the A4 printer (default: MANASSA_CUPS_QUEUE).
    queue: Option<String>,
    /// Start the card reader emulator.
    card: bool,
}

impl Opts {
    fn new(lang: Lang) -> Opts {
        Opts {
            lang,
            idle_s: 120,
            ministry: Ministry::Up,
            queue: None,
            card: false,
        }
    }
}

struct Rig {
    rt: tokio::runtime::Runtime,
    sim: Option<SimHandle>,
    ui: KioskUi,
    outbox: Arc<Outbox>,
    sync: SyncWorker,
    card_emu: Option<CardReaderEmulator>,
    tmp: PathBuf,
}

fn cups_queue() -> String {
    std::env::var("MANASSA_CUPS_QUEUE").expect(
        "MANASSA_CUPS_QUEUE is not set: run scripts/cups-up.sh and set it to manassa-pdf \
         (scripts/test.sh does both)",
    )
}

/// A free TCP port on 127.0.0.1 with nothing listening on it.
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn temp_dir(what: &str) -> PathBuf {
    let tmp = std::env::temp_dir().join(format!(
        "manassa-ui-{what}-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&tmp).unwrap();
    tmp
}

/// The outbox at `path`, plus a trigger that copies every row enqueued into a `seen`
/// table: the sync worker deletes delivered rows at once, the copy lets the test read what
/// was enqueued.
fn outbox_with_witness(path: &std::path::Path) -> Arc<Outbox> {
    let outbox = Arc::new(Outbox::open(path).unwrap());
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS seen (kind TEXT NOT NULL, payload TEXT NOT NULL);
         CREATE TRIGGER IF NOT EXISTS seen_insert AFTER INSERT ON outbox
         BEGIN INSERT INTO seen (kind, payload) VALUES (new.kind, new.payload); END;",
    )
    .unwrap();
    outbox
}

impl Rig {
    fn start(what: &str, o: Opts) -> Rig {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let (sim, base) = match o.ministry {
            Ministry::Up => {
                let sim = rt.block_on(spawn_sim(0)).unwrap();
                let base = sim.base_url();
                (Some(sim), base)
            }
            Ministry::Down(port) => (None, format!("http://127.0.0.1:{port}")),
        };
        let tmp = temp_dir(what);
        let client = Client::new(&base, "demo-kiosk-token", Duration::from_secs(5)).unwrap();
        let outbox = outbox_with_witness(&tmp.join("outbox.sqlite"));
        let sync = {
            let _g = rt.enter();
            spawn_sync_worker(outbox.clone(), client.clone())
        };
        let (card_emu, card, card_events) = if o.card {
            let emu = CardReaderEmulator::start().unwrap();
            let (handle, events) = card_reader::spawn(SerialConfig::new(emu.path()));
            (Some(emu), Some(handle), Some(events))
        } else {
            (None, None, None)
        };
        let services = Services {
            client,
            outbox: outbox.clone(),
            sync: sync.clone(),
            a4: A4Sink::Cups {
                queue: o.queue.unwrap_or_else(cups_queue),
            },
            thermal: None,
            card,
            scanner: None,
            kiosk_id: "K07".into(),
            demo: true,
            keys: Default::default(),
            verifier_url: manassa_documents::seal::DEFAULT_VERIFIER_URL.into(),
            prepared: Default::default(),
            monitor: None,
        };
        let kiosk = Kiosk::new(
            Session::new(o.lang, o.idle_s),
            services,
            rt.handle().clone(),
        );
        if let Some(events) = card_events {
            forward_card_events(events, kiosk.sender());
        }
        let ui = KioskUi::new(kiosk).unwrap();
        Rig {
            rt,
            sim,
            ui,
            outbox,
            sync,
            card_emu,
            tmp,
        }
    }

    fn w(&self) -> &manassa::ui::AppWindow {
        self.ui.window()
    }

    /// The language the window shows now.
    fn lang_now(&self) -> Lang {
        if self.w().get_rtl() {
            Lang::Ar
        } else {
            Lang::En
        }
    }

    fn t(&self, id: &str) -> String {
        tr(self.lang_now(), id)
    }

    /// Press the element labelled `label` (its accessible default action).
    fn press(&self, label: &str) {
        let found: Vec<_> = ElementHandle::find_by_accessible_label(self.w(), label).collect();
        assert!(
            !found.is_empty(),
            "no element labelled {label:?} on {:?}; labels: {:?}",
            self.w().get_screen(),
            labels(self.w())
        );
        // A field whose value is a single digit has that digit as its text: press the
        // button, not the text.
        let button = found
            .iter()
            .find(|e| e.accessible_role() == Some(i_slint_backend_testing::AccessibleRole::Button))
            .unwrap_or(&found[0]);
        button.invoke_accessible_default_action();
    }

    fn press_id(&self, id: &str) {
        self.press(&self.t(id));
    }

    fn pump_until(&self, what: &str, f: impl Fn(&Rig) -> bool) {
        let start = Instant::now();
        loop {
            self.ui.pump();
            if f(self) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(40),
                "timed out waiting for {what}; screen {:?}, message {:?}",
                self.w().get_screen(),
                self.w().get_error_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Rows enqueued in the outbox so far (delivered or not), `(kind, payload)`.
    fn enqueued(&self) -> Vec<(String, Value)> {
        let conn = rusqlite::Connection::open(self.tmp.join("outbox.sqlite")).unwrap();
        let mut stmt = conn
            .prepare("SELECT kind, payload FROM seen ORDER BY rowid")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .unwrap()
            .map(|r| {
                let (k, p) = r.unwrap();
                (k, serde_json::from_str(&p).unwrap())
            })
            .collect()
    }

    /// Events of `kind` the ministry stored.
    fn at_server(&self, kind: &str) -> Vec<Value> {
        self.sim
            .as_ref()
            .expect("a running reference server")
            .stored_events()
            .unwrap()
            .into_iter()
            .filter(|(_, k, _)| k == kind)
            .map(|(_, _, p)| p)
            .collect()
    }

    fn wait_at_server(&self, kind: &str, n: usize) -> Vec<Value> {
        let start = Instant::now();
        loop {
            let got = self.at_server(kind);
            if got.len() >= n {
                return got;
            }
            assert!(
                start.elapsed() < Duration::from_secs(40),
                "the ministry did not receive {kind}; outbox depth {:?}",
                self.outbox.depth()
            );
            self.ui.pump();
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Type on the on-screen text keyboard: each character's key by its label, spaces
    /// with the space key.
    fn type_text(&self, text: &str) {
        let space = self.t("keyboard-space");
        for ch in text.chars() {
            if ch == ' ' {
                self.press(&space);
            } else {
                self.press(&ch.to_string());
            }
        }
    }

    /// Type digits on the numeric keypad.
    fn type_digits(&self, digits: &str) {
        for d in digits.chars() {
            self.press(&d.to_string());
        }
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.tmp);
    }
}

async fn spawn_sim(port: u16) -> anyhow::Result<SimHandle> {
    manassa_sim::spawn(
        SimConfig {
            demo_sms: true,
            ..SimConfig::default()
        },
        format!("127.0.0.1:{port}").parse().unwrap(),
    )
    .await
}

fn init_slint() {
    // The platform is per thread; each test runs on its own thread.
    i_slint_backend_testing::init_no_event_loop();
}

// ---------------------------------------------------------------------------------------
// Walking what is on screen.

/// A visible element with an accessible label or value.
#[derive(Debug, Clone)]
struct Seen {
    label: String,
    value: String,
    role: Option<i_slint_backend_testing::AccessibleRole>,
    x: f32,
    y: f32,
    w: f32,
    h: f32,
}

fn visible(w: &manassa::ui::AppWindow) -> Vec<Seen> {
    let mut out = Vec::new();
    let all = ElementQuery::from_root(w).match_descendants().find_all();
    for e in all {
        if e.computed_opacity() <= 0.0 {
            continue;
        }
        let label = e.accessible_label().unwrap_or_default().to_string();
        let value = e.accessible_value().unwrap_or_default().to_string();
        if label.is_empty() && value.is_empty() {
            continue;
        }
        let p = e.absolute_position();
        let s = e.size();
        // The query reaches some elements more than once.
        if out.iter().any(|o: &Seen| {
            o.label == label
                && o.value == value
                && o.x == p.x
                && o.y == p.y
                && o.w == s.width
                && o.h == s.height
                && o.role == e.accessible_role()
        }) {
            continue;
        }
        out.push(Seen {
            label,
            value,
            role: e.accessible_role(),
            x: p.x,
            y: p.y,
            w: s.width,
            h: s.height,
        });
    }
    out
}

fn labels(w: &manassa::ui::AppWindow) -> Vec<String> {
    visible(w).into_iter().map(|s| s.label).collect()
}

/// The text field labelled `label` (a paragraph may carry the same words).
fn text_field(w: &manassa::ui::AppWindow, label: &str) -> Option<ElementHandle> {
    ElementHandle::find_by_accessible_label(w, label)
        .find(|e| e.accessible_role() == Some(i_slint_backend_testing::AccessibleRole::TextInput))
}

fn shows(r: &Rig, text: &str) -> bool {
    visible(r.w()).iter().any(|s| s.label == text)
}

// ---------------------------------------------------------------------------------------
// Complaint and rating.

/// A complaint typed on the on-screen keyboard in `lang`; `text` uses only that layout's
/// keys (and spaces). Returns the rig for further checks.
fn complaint_journey(lang: Lang, text: &str, with_phone: bool) {
    init_slint();
    let r = Rig::start("complaint", Opts::new(lang));
    let w = r.w();
    assert_eq!(w.get_rtl(), lang.is_rtl());
    r.press_id("attract-start");
    assert_eq!(w.get_screen(), ScreenKind::Services);
    r.press_id("service-complaint");
    assert_eq!(w.get_screen(), ScreenKind::Complaint);
    assert_eq!(w.get_complaint_step(), 0);
    r.press_id("complaint-cat-roads");
    assert_eq!(w.get_complaint_step(), 1);
    assert!(
        shows(&r, &r.t("complaint-cat-roads")),
        "the category heads the text step"
    );

    // Too short: refused with the minimum.
    r.type_text(&text[..text.char_indices().nth(3).unwrap().0]);
    r.press_id("complaint-next");
    assert_eq!(w.get_complaint_step(), 1);
    let too_short = tr_args(lang, "complaint-too-short", &[("count", Arg::Num(10))]);
    assert!(shows(&r, &too_short), "{:?}", labels(w));
    // Backspace the prefix away and type the whole text, with a trailing space.
    for _ in 0..3 {
        r.press_id("keyboard-backspace");
    }
    assert_eq!(w.get_complaint_text(), "");
    r.type_text(text);
    r.press_id("keyboard-space");
    let field = text_field(w, &r.t("complaint-text-label")).expect("the complaint field");
    assert_eq!(
        field.accessible_value().unwrap().as_str(),
        format!("{text} "),
        "what was typed shows in the field"
    );
    let counter = tr_args(
        lang,
        "complaint-counter",
        &[
            ("count", Arg::Num(text.chars().count() as i64 + 1)),
            ("max", Arg::Num(500)),
        ],
    );
    assert!(shows(&r, &counter), "{:?}", labels(w));
    r.press_id("complaint-next");
    assert_eq!(w.get_complaint_step(), 2, "{:?}", w.get_error_text());

    if with_phone {
        // A number that is not a Qatar number is refused.
        r.type_digits("12345678");
        r.press_id("complaint-send");
        assert_eq!(w.get_error_text(), r.t("error-invalid-phone"));
        r.press_id("keypad-clear");
        r.type_digits(PHONE);
        assert_eq!(w.get_complaint_phone(), PHONE);
    }
    r.press_id("complaint-send");
    r.pump_until("the sent screen", |r| {
        r.w().get_screen() == ScreenKind::Sent
    });

    // The outbox row.
    let rows = r.enqueued();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let (kind, payload) = &rows[0];
    assert_eq!(kind, "complaint.filed");
    assert_eq!(payload["category"], "roads");
    assert_eq!(payload["text"], text, "sanitised: trimmed, as typed");
    assert_eq!(payload["lang"], lang.tag());
    assert_eq!(payload["kiosk_id"], "K07");
    if with_phone {
        assert_eq!(payload["phone"], PHONE);
    } else {
        assert!(payload["phone"].is_null(), "{payload}");
    }
    let reference = payload["reference"].as_str().unwrap().to_string();
    assert!(reference.starts_with("C-K07-"), "{reference}");

    // The sent screen: recorded, and the ministry was reachable.
    assert_eq!(w.get_sent_title(), tr(lang, "sent-complaint-title"));
    let body = tr_args(
        lang,
        "sent-complaint-body",
        &[("reference", Arg::Str(&ltr(&reference)))],
    );
    assert!(shows(&r, &body), "{:?}", labels(w));
    assert!(shows(&r, &tr(lang, "sent-complaint-title")));

    // The ministry stores it after sync, exactly as enqueued.
    let got = r.wait_at_server("complaint.filed", 1);
    assert_eq!(got.len(), 1);
    assert_eq!(&got[0], payload);
    r.pump_until("the outbox to drain", |r| r.outbox.depth().unwrap() == 0);

    r.press_id("done-finish");
    assert_eq!(w.get_screen(), ScreenKind::Attract);
}

#[test]
fn complaint_in_arabic_on_the_arabic_keyboard_reaches_the_ministry() {
    complaint_journey(Lang::Ar, "الشارع مظلم منذ 340 يوم", true);
}

#[test]
fn complaint_in_english_on_the_english_keyboard_reaches_the_ministry() {
    complaint_journey(Lang::En, "the street lamp is out, 340 nights", false);
}

#[test]
fn keyboard_layout_switch_types_the_other_script() {
    init_slint();
    let r = Rig::start("layout", Opts::new(Lang::En));
    r.press_id("attract-start");
    r.press_id("service-complaint");
    r.press_id("complaint-cat-other");
    r.type_text("hello");
    // The English keyboard has no Arabic keys until the layout key is pressed.
    assert!(!shows(&r, "م"));
    r.press(&tr(Lang::En, "keyboard-to-arabic"));
    assert!(shows(&r, "م") && !shows(&r, "q"), "the Arabic layout shows");
    r.type_text(" مرحبا");
    // The layout key names the layout it switches to, in that layout's script.
    r.press(&tr(Lang::En, "keyboard-to-english"));
    assert_eq!(r.w().get_complaint_text(), "hello مرحبا");
    assert!(shows(&r, "q"), "back to the English layout");
    // The interface language did not change with the keyboard.
    assert!(!r.w().get_rtl());
}

fn rating_journey(lang: Lang) {
    init_slint();
    let r = Rig::start("rating", Opts::new(lang));
    r.press_id("attract-start");
    r.press_id("service-rate");
    assert_eq!(r.w().get_screen(), ScreenKind::Rating);
    for n in 1..=5 {
        assert!(shows(&r, &tr(lang, &format!("rating-{n}"))), "face {n}");
    }
    r.press_id("rating-4");
    r.pump_until("the sent screen", |r| {
        r.w().get_screen() == ScreenKind::Sent
    });
    let rows = r.enqueued();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0, "rating.given");
    assert_eq!(rows[0].1["stars"], 4);
    assert_eq!(rows[0].1["lang"], lang.tag());
    assert_eq!(rows[0].1["kiosk_id"], "K07");
    assert!(shows(&r, &tr(lang, "sent-rating-title")));
    assert!(
        shows(&r, &tr(lang, "sent-rating-body")),
        "{:?}",
        labels(r.w())
    );
    let got = r.wait_at_server("rating.given", 1);
    assert_eq!(got, vec![rows[0].1.clone()]);
    r.press_id("done-finish");
    assert_eq!(r.w().get_screen(), ScreenKind::Attract);
}

#[test]
fn rating_in_arabic_reaches_the_ministry() {
    rating_journey(Lang::Ar);
}

#[test]
fn rating_in_english_reaches_the_ministry() {
    rating_journey(Lang::En);
}

// ---------------------------------------------------------------------------------------
// Network down.

#[test]
fn network_down_offers_offline_services_and_a_complaint_waits_in_the_outbox() {
    init_slint();
    let port = free_port();
    let mut o = Opts::new(Lang::Ar);
    o.ministry = Ministry::Down(port);
    let mut r = Rig::start("offline", o);
    let w = r.w();
    r.press_id("attract-start");
    r.press_id("service-print");
    assert_eq!(w.get_screen(), ScreenKind::Identify);
    r.type_digits(QID);
    r.press_id("identify-continue");
    r.pump_until("the error screen", |r| {
        r.w().get_screen() == ScreenKind::Error
    });
    assert!(shows(&r, &r.t("error-network")), "{:?}", labels(w));
    assert!(w.get_offline_offers());
    for id in [
        "offline-offers",
        "service-verify",
        "service-complaint",
        "service-rate",
    ] {
        assert!(shows(&r, &r.t(id)), "{id} offered: {:?}", labels(w));
    }
    assert!(
        !shows(&r, &r.t("service-print")),
        "printing needs the ministry"
    );

    r.press_id("service-complaint");
    assert_eq!(w.get_screen(), ScreenKind::Complaint);
    r.press_id("complaint-cat-kiosk");
    let text = "الشاشة لا تعمل";
    r.type_text(text);
    r.press_id("complaint-next");
    r.press_id("complaint-send");
    r.pump_until("the sent screen", |r| {
        r.w().get_screen() == ScreenKind::Sent
    });
    let rows = r.enqueued();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, "complaint.filed");
    assert_eq!(rows[0].1["text"], text);
    assert_eq!(rows[0].1["category"], "kiosk");
    let reference = rows[0].1["reference"].as_str().unwrap().to_string();
    let body = tr_args(
        Lang::Ar,
        "sent-complaint-offline",
        &[("reference", Arg::Str(&ltr(&reference)))],
    );
    assert!(
        shows(&r, &body),
        "the sent screen says it will be sent later: {:?}",
        labels(w)
    );
    // Kept in the outbox while the ministry is away.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(r.outbox.depth().unwrap(), 1, "kept in the outbox");
    r.press_id("done-finish");

    // The ministry comes back on the same address: the row is delivered.
    let sim = r.rt.block_on(spawn_sim(port)).unwrap();
    r.sim = Some(sim);
    r.sync.wake();
    let got = r.wait_at_server("complaint.filed", 1);
    assert_eq!(got[0], rows[0].1);
    r.pump_until("the outbox to drain", |r| r.outbox.depth().unwrap() == 0);
}

#[test]
fn rating_offline_from_the_error_screen_says_it_will_be_sent_later() {
    init_slint();
    let mut o = Opts::new(Lang::En);
    o.ministry = Ministry::Down(free_port());
    let r = Rig::start("offline-rating", o);
    r.press_id("attract-start");
    r.press_id("service-print");
    r.type_digits(QID);
    r.press_id("identify-continue");
    r.pump_until("the error screen", |r| {
        r.w().get_screen() == ScreenKind::Error
    });
    r.press_id("service-rate");
    r.press_id("rating-2");
    r.pump_until("the sent screen", |r| {
        r.w().get_screen() == ScreenKind::Sent
    });
    assert!(
        shows(&r, &tr(Lang::En, "sent-rating-offline")),
        "{:?}",
        labels(r.w())
    );
    assert_eq!(r.enqueued()[0].1["stars"], 2);
    assert_eq!(r.outbox.depth().unwrap(), 1);
}

// ---------------------------------------------------------------------------------------
// Printer and identification errors.

#[test]
fn printer_out_of_paper_is_said_before_identification() {
    init_slint();
    for lang in [Lang::Ar, Lang::En] {
        let mut o = Opts::new(lang);
        o.queue = Some("manassa-nopaper".into());
        let r = Rig::start("nopaper", o);
        r.press_id("attract-start");
        r.press_id("service-print");
        r.pump_until("the paper-out error", |r| {
            r.w().get_screen() == ScreenKind::Error
        });
        let msg = tr(lang, "error-a4-paper-out");
        assert!(shows(&r, &msg), "{lang:?}: {:?}", labels(r.w()));
        assert!(!r.w().get_offline_offers(), "the network is fine");
        r.press_id("error-ok");
        assert_eq!(r.w().get_screen(), ScreenKind::Attract);
    }
}

#[test]
fn wrong_code_shows_attempts_left_and_the_done_screen_asks_for_the_card() {
    init_slint();
    let mut o = Opts::new(Lang::En);
    o.card = true;
    let r = Rig::start("code", o);
    let w = r.w();
    r.press_id("attract-start");
    r.press_id("service-print");
    let emu = r.card_emu.as_ref().unwrap();
    let start = Instant::now();
    while !emu.entry_enabled() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "card entry enabled"
        );
        r.ui.pump();
        std::thread::sleep(Duration::from_millis(20));
    }
    emu.insert_card(QID);
    r.pump_until("the code screen", |r| {
        r.w().get_screen() == ScreenKind::Code
    });
    r.pump_until("the demo SMS", |r| !r.w().get_demo_code_text().is_empty());
    let code: String = w
        .get_demo_code_text()
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect();
    assert_eq!(code.len(), 6);
    let wrong: String = code
        .chars()
        .map(|c| char::from(b'0' + (c as u8 - b'0' + 1) % 10))
        .collect();
    r.type_digits(&wrong);
    r.press_id("code-verify");
    r.pump_until("the wrong-code message", |r| {
        !r.w().get_error_text().is_empty()
    });
    assert_eq!(w.get_screen(), ScreenKind::Code);
    let shown = w.get_error_text().to_string();
    let left = (0..10)
        .find(|n| shown == tr_args(Lang::En, "code-attempts-left", &[("count", Arg::Num(*n))]))
        .unwrap_or_else(|| panic!("not an attempts-left message: {shown:?}"));
    assert!(left >= 1, "{shown}");
    assert!(
        shows(&r, &shown),
        "the message is on screen: {:?}",
        labels(w)
    );
    assert_eq!(w.get_code(), "", "the wrong code is cleared");

    // The right code; print the permit; the done screen asks for the card.
    r.type_digits(&code);
    r.press_id("code-verify");
    r.pump_until("the document list", |r| {
        r.w().get_screen() == ScreenKind::Documents && r.w().get_documents_loaded()
    });
    r.press(&format!("{} {PERMIT}", tr(Lang::En, "documents-print")));
    r.pump_until("the preview", |r| r.w().get_preview_ready());
    r.press_id("preview-print");
    r.pump_until("the done screen", |r| {
        r.w().get_screen() == ScreenKind::Done
    });
    let take_card = tr(Lang::En, "done-take-card");
    assert!(shows(&r, &take_card), "{:?}", labels(w));
    assert!(w.get_card_in_reader());
    // Finishing gives the card back to the gate; the resident takes it.
    r.press_id("done-finish");
    assert_eq!(w.get_screen(), ScreenKind::Attract);
    let start = Instant::now();
    while emu.card_position() != card_reader::CardPosition::AtGate {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "card ejected to the gate"
        );
        r.ui.pump();
        std::thread::sleep(Duration::from_millis(20));
    }
    emu.remove_card();
    assert_eq!(emu.card_position(), card_reader::CardPosition::NoCard);
}

// ---------------------------------------------------------------------------------------
// Language switching mid-journey.

fn has_arabic(s: &str) -> bool {
    s.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
}

fn has_latin(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_alphabetic())
}

/// Every visible label is in `lang`'s script, except `allowed` (the language button,
/// keyboard keys, the resident's own text).
fn assert_all_in(r: &Rig, lang: Lang, allowed: &[String]) {
    for s in visible(r.w()) {
        if allowed.contains(&s.label) || s.label.chars().count() == 1 {
            continue;
        }
        let wrong = match lang {
            Lang::Ar => has_latin(&s.label),
            Lang::En => has_arabic(&s.label),
        };
        assert!(!wrong, "{lang:?} screen still shows {:?}", s.label);
    }
}

#[test]
fn language_switch_mid_journey_keeps_typed_data_and_switches_every_text() {
    init_slint();
    let r = Rig::start("switch", Opts::new(Lang::Ar));
    let w = r.w();
    let other_button = |lang: Lang| {
        vec![
            tr(lang, "language-switch"),
            tr(lang, "language-switch-label"),
            tr(lang, "keyboard-to-english"),
            tr(lang, "keyboard-to-arabic"),
        ]
    };
    r.press_id("attract-start");
    r.press_id("service-print");
    r.type_digits("2846340");
    assert_all_in(&r, Lang::Ar, &other_button(Lang::Ar));
    r.press(&tr(Lang::Ar, "language-switch-label"));
    assert!(!w.get_rtl());
    assert_eq!(w.get_qid(), "2846340", "the typed QID is kept");
    let field = text_field(w, &tr(Lang::En, "identify-qid-label"))
        .expect("the QID field, labelled in English");
    assert_eq!(field.accessible_value().unwrap(), "2846340");
    assert!(shows(&r, &tr(Lang::En, "identify-title")));
    assert_all_in(&r, Lang::En, &other_button(Lang::En));
    r.type_digits("0123");
    assert_eq!(w.get_qid(), QID);
    r.press_id("back");
    r.press_id("cancel");
    assert_eq!(w.get_screen(), ScreenKind::Attract);

    // The wipe brought back the default language. On the complaint screen, with Arabic
    // text typed on the Arabic keyboard:
    assert!(w.get_rtl());
    r.press_id("attract-start");
    r.press_id("service-complaint");
    r.press_id("complaint-cat-permits");
    let text = "طلب رخصة بناء";
    r.type_text(text);
    r.press(&tr(Lang::Ar, "language-switch-label"));
    assert!(!w.get_rtl());
    assert_eq!(w.get_complaint_text(), text, "the text is kept");
    let field = text_field(w, &tr(Lang::En, "complaint-text-label"))
        .expect("the complaint field, labelled in English");
    assert_eq!(field.accessible_value().unwrap(), text);
    assert!(shows(&r, &tr(Lang::En, "complaint-cat-permits")));
    let counter = tr_args(
        Lang::En,
        "complaint-counter",
        &[("count", Arg::Num(13)), ("max", Arg::Num(500))],
    );
    assert!(shows(&r, &counter), "{:?}", labels(w));
    let mut allowed = other_button(Lang::En);
    allowed.push(text.into());
    assert_all_in(&r, Lang::En, &allowed);
    // Typing goes on where it was, and back in Arabic every text follows again.
    r.type_text(" 1");
    r.press(&tr(Lang::En, "language-switch-label"));
    assert!(w.get_rtl());
    let text = format!("{text} 1");
    assert_eq!(w.get_complaint_text(), text.as_str());
    let mut allowed = other_button(Lang::Ar);
    allowed.push(text);
    assert_all_in(&r, Lang::Ar, &allowed);
    assert!(shows(&r, &tr(Lang::Ar, "complaint-cat-permits")));
}

// ---------------------------------------------------------------------------------------
// The idle wipe.

/// Every visible label and value, and the window's text properties, free of `secrets`.
fn assert_no_personal_data(r: &Rig, secrets: &[&str]) {
    for s in visible(r.w()) {
        for secret in secrets {
            assert!(
                !s.label.contains(secret) && !s.value.contains(secret),
                "{secret:?} still visible in {s:?}"
            );
        }
    }
}

fn idle_rig(what: &str, lang: Lang) -> Rig {
    let mut o = Opts::new(lang);
    // The warning comes after 1 s idle; the wipe IDLE_WARNING_S (20 s) later.
    o.idle_s = 1;
    Rig::start(what, o)
}

fn wait_for_wipe(r: &Rig) {
    r.pump_until("the idle warning", |r| !r.w().get_idle_warning().is_empty());
    let warning = r.w().get_idle_warning().to_string();
    assert!(
        shows(r, &warning),
        "the warning is visible: {:?}",
        labels(r.w())
    );
    assert!(shows(r, &r.t("idle-more-time")));
    // The wipe, ~20 s later (the session's clock; no timing asserted here).
    let start = Instant::now();
    while r.w().get_screen() != ScreenKind::Attract {
        r.ui.pump();
        assert!(start.elapsed() < Duration::from_secs(60), "no wipe");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(r.w().get_idle_warning().is_empty());
}

#[test]
fn idle_wipe_after_qid_and_code_leaves_no_personal_value() {
    init_slint();
    let r = idle_rig("wipe-code", Lang::En);
    r.press_id("attract-start");
    r.press_id("service-print");
    r.type_digits(QID);
    r.press_id("identify-continue");
    r.pump_until("the code screen", |r| {
        r.w().get_screen() == ScreenKind::Code
    });
    r.pump_until("the demo SMS", |r| !r.w().get_demo_code_text().is_empty());
    let code: String = r
        .w()
        .get_demo_code_text()
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect();
    r.type_digits(&code[..4]);
    assert!(visible(r.w()).iter().any(|s| s.value == code[..4]));
    wait_for_wipe(&r);
    assert_no_personal_data(&r, &[QID, &code, &code[..4], "•••"]);
    let w = r.w();
    assert!(w.get_qid().is_empty() && w.get_code().is_empty());
    assert!(w.get_demo_code_text().is_empty());
    assert!(!w.get_code_prompt().contains("456"), "masked phone gone");
    // The next resident starts in the default language.
    assert!(!w.get_rtl());
}

#[test]
fn idle_wipe_after_a_complaint_leaves_no_personal_value() {
    init_slint();
    let r = idle_rig("wipe-complaint", Lang::Ar);
    r.press_id("attract-start");
    r.press_id("service-complaint");
    r.press_id("complaint-cat-cleanliness");
    let text = "القمامة في الشارع";
    r.type_text(text);
    r.press_id("complaint-next");
    r.type_digits(PHONE);
    assert!(visible(r.w()).iter().any(|s| s.value == PHONE));
    wait_for_wipe(&r);
    assert_no_personal_data(&r, &[text, "القمامة", PHONE]);
    let w = r.w();
    // What the window still holds, even off screen.
    assert_eq!(
        w.get_complaint_text(),
        "",
        "complaint text kept in the window"
    );
    assert_eq!(w.get_complaint_phone(), "", "phone kept in the window");
}

// ---------------------------------------------------------------------------------------
// Layout: nothing outside the window, nothing overlapping.

/// A session on the screen a snapshot name shows, with the demo resident's data (the same
/// data as `manassa snapshot`, reached through the session's own intents).
fn session_at(name: &str, lang: Lang, large: bool, contrast: bool) -> Session {
    let mut s = Session::new(lang, 120);
    let mut go = |i: Intent| {
        let _ = s.handle(i);
    };
    if large {
        go(Intent::ToggleLargeText);
    }
    if contrast {
        go(Intent::ToggleHighContrast);
    }
    let identify = |go: &mut dyn FnMut(Intent)| {
        go(Intent::Start);
        go(Intent::ChooseService(Service::Print));
        go(Intent::QidEdited(QID.into()));
    };
    let documents = |go: &mut dyn FnMut(Intent)| {
        identify(go);
        go(Intent::SubmitQid);
        go(Intent::ChallengeStarted {
            challenge_id: "ch-1".into(),
            masked_phone: "+974 ••••• 456".into(),
        });
        go(Intent::CodeEdited("482913".into()));
        go(Intent::SubmitCode);
        go(Intent::CodeVerified {
            token: "tok".into(),
        });
        go(Intent::DocumentsListed(
            demo_view(Screen::Documents, lang).documents.unwrap(),
        ));
    };
    let preview = |go: &mut dyn FnMut(Intent)| {
        documents(go);
        go(Intent::SelectDocument("doc-bp-004512".into()));
        go(Intent::PreviewReady {
            document_id: "doc-bp-004512".into(),
            preview: demo_view(Screen::Preview, lang).preview.unwrap(),
        });
    };
    let complaint = |go: &mut dyn FnMut(Intent)| {
        go(Intent::Start);
        go(Intent::ChooseService(Service::Complaint));
    };
    let complaint_text = |go: &mut dyn FnMut(Intent)| {
        complaint(go);
        go(Intent::ChooseCategory(ComplaintCategory::Roads));
        go(Intent::TextEdited(
            demo_view(Screen::Complaint, lang).complaint.unwrap().text,
        ));
    };
    let complaint_phone = |go: &mut dyn FnMut(Intent)| {
        complaint_text(go);
        go(Intent::Next);
        for d in PHONE.bytes() {
            go(Intent::Key(Key::Digit(d - b'0')));
        }
    };
    match name {
        "attract" => {}
        "services" => go(Intent::Start),
        "identify" => identify(&mut go),
        "code" => {
            identify(&mut go);
            go(Intent::SubmitQid);
            go(Intent::ChallengeStarted {
                challenge_id: "ch-1".into(),
                masked_phone: "+974 ••••• 456".into(),
            });
            go(Intent::CodeEdited("4829".into()));
            go(Intent::DemoCode("482913".into()));
        }
        "documents" => documents(&mut go),
        "preview" => preview(&mut go),
        "printing" => {
            preview(&mut go);
            go(Intent::ConfirmPrint);
        }
        "done" => {
            preview(&mut go);
            go(Intent::ConfirmPrint);
            go(Intent::CardRead { qid: QID.into() });
            go(Intent::PrintFinished {
                reference: "K01-20261129-7F3A9C".into(),
            });
        }
        "error" => {
            identify(&mut go);
            go(Intent::SubmitQid);
            go(Intent::Failed(Failure::Network));
        }
        "verify-scan" => {
            go(Intent::Start);
            go(Intent::ChooseService(Service::Verify));
        }
        "verify-result" => {
            go(Intent::SealScanned("HC1:demo".into()));
            go(Intent::SealChecked(Verdict {
                status: VerdictStatus::Genuine,
                number: PERMIT.into(),
                kind: Some(manassa_ministry_api::DocumentKind::BuildingPermit),
                issued_on: "2026-03-15".into(),
                ..Default::default()
            }));
        }
        "complaint-category" => complaint(&mut go),
        "complaint" => complaint_text(&mut go),
        "complaint-phone" => complaint_phone(&mut go),
        "rating" => {
            go(Intent::Start);
            go(Intent::ChooseService(Service::Rate));
        }
        "sent" => {
            complaint_phone(&mut go);
            go(Intent::Next);
            go(Intent::Submitted {
                reference: "C-K01-20261129-5D21E0".into(),
                offline: true,
            });
        }
        "idle-warning" => {
            identify(&mut go);
            go(Intent::Tick(126_000));
        }
        other if other.starts_with("verify-result-") => {
            // Each verdict as `manassa snapshot` draws it (the demo view's facts).
            let demo = manassa::ui::demo_view_named(other, lang).expect("a verdict name");
            go(Intent::SealScanned("HC1:demo".into()));
            go(Intent::SealChecked(demo.verdict.expect("a verdict")));
        }
        other => panic!("no layout case for snapshot screen {other:?}: add one"),
    }
    s
}

/// Problems of the laid-out window: elements outside it, and overlapping text/buttons.
fn layout_problems(w: &manassa::ui::AppWindow, width: f32, height: f32, lang: Lang) -> Vec<String> {
    use i_slint_backend_testing::AccessibleRole as R;
    let hotspot = tr(lang, "maint-entry-label");
    let idle = !w.get_idle_warning().is_empty();
    // List items (the verdict's facts) scroll inside their clipped card, so they may lie
    // under what follows it; the card itself is laid out like any other element.
    let els: Vec<Seen> = visible(w)
        .into_iter()
        // The technician's hidden gesture area is invisible and covers the header on purpose.
        .filter(|s| s.label != hotspot)
        .filter(|s| !s.label.is_empty())
        .filter(|s| {
            matches!(
                s.role,
                Some(R::Text | R::Button | R::TextInput | R::Image) | None
            )
        })
        .collect();
    let mut out = Vec::new();
    const EPS: f32 = 0.5;
    for e in &els {
        if e.w <= 0.0 || e.h <= 0.0 {
            out.push(format!("{:?} squeezed to {}x{}", e.label, e.w, e.h));
        }
        if e.x < -EPS || e.y < -EPS || e.x + e.w > width + EPS || e.y + e.h > height + EPS {
            out.push(format!(
                "{:?} outside the window: x {} y {} w {} h {}",
                e.label, e.x, e.y, e.w, e.h
            ));
        }
    }
    // `b` lies inside `a`. A text's box is its line box, taller than its glyphs: a single
    // centred line may stick out of its button by up to 12 % of its height on each side
    // without any ink outside (a wrapped label that no longer fits sticks out further).
    let contains = |a: &Seen, b: &Seen| {
        let slack = EPS + 0.12 * b.h;
        b.x >= a.x - EPS
            && b.y >= a.y - slack
            && b.x + b.w <= a.x + a.w + EPS
            && b.y + b.h <= a.y + a.h + slack
    };
    let is_box = |a: &Seen| matches!(a.role, Some(R::Button | R::TextInput | R::Image));
    let warning_labels = [w.get_idle_warning().to_string(), tr(lang, "idle-more-time")];
    for (i, a) in els.iter().enumerate() {
        for b in &els[i + 1..] {
            // A label inside its own button or field is not an overlap.
            if (is_box(a) && contains(a, b)) || (is_box(b) && contains(b, a)) {
                continue;
            }
            // The idle warning is a modal over the screen: only its own parts count.
            if idle && (warning_labels.contains(&a.label) != warning_labels.contains(&b.label)) {
                continue;
            }
            let ix = (a.x + a.w).min(b.x + b.w) - a.x.max(b.x);
            let iy = (a.y + a.h).min(b.y + b.h) - a.y.max(b.y);
            if ix > 1.0 && iy > 1.0 {
                out.push(format!(
                    "{:?} ({},{} {}x{}) overlaps {:?} ({},{} {}x{})",
                    a.label, a.x, a.y, a.w, a.h, b.label, b.x, b.y, b.w, b.h
                ));
            }
        }
    }
    out
}

#[test]
fn every_screen_lays_out_inside_the_window_without_overlaps() {
    init_slint();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tmp = temp_dir("layout");
    let port = free_port();
    let mut failures: Vec<String> = Vec::new();
    let mut layouts_failing = std::collections::BTreeSet::new();
    let mut checked = 0;
    for name in snapshot_names() {
        for lang in [Lang::Ar, Lang::En] {
            for (mode, large, contrast) in [
                ("normal", false, false),
                ("large-text", true, false),
                ("high-contrast", false, true),
            ] {
                let session = session_at(name, lang, large, contrast);
                let client = Client::new(
                    &format!("http://127.0.0.1:{port}"),
                    "demo-kiosk-token",
                    Duration::from_secs(1),
                )
                .unwrap();
                let outbox = Arc::new(Outbox::open(&tmp.join("outbox.sqlite")).unwrap());
                let sync = {
                    let _g = rt.enter();
                    spawn_sync_worker(outbox.clone(), client.clone())
                };
                let services = Services {
                    client,
                    outbox,
                    sync,
                    a4: A4Sink::Cups {
                        queue: "manassa-pdf".into(),
                    },
                    thermal: None,
                    card: None,
                    scanner: None,
                    kiosk_id: "K01".into(),
                    demo: true,
                    keys: Default::default(),
                    verifier_url: manassa_documents::seal::DEFAULT_VERIFIER_URL.into(),
                    prepared: Default::default(),
                    monitor: None,
                };
                let ui = KioskUi::new(Kiosk::new(session, services, rt.handle().clone())).unwrap();
                let w = ui.window();
                for (size, width, height) in
                    [("portrait", 1080.0, 1920.0), ("landscape", 1920.0, 1080.0)]
                {
                    w.window().set_size(slint::LogicalSize::new(width, height));
                    // What an event loop turn does: the window's change handlers run (the
                    // theme follows the orientation).
                    slint::platform::update_timers_and_animations();
                    assert_eq!(
                        w.global::<manassa::ui::Theme>().get_landscape(),
                        width > height
                    );
                    assert_eq!(w.get_rtl(), lang.is_rtl());
                    assert_eq!(
                        w.global::<manassa::ui::Theme>().get_large_text(),
                        large,
                        "{name}"
                    );
                    let n = visible(w).len();
                    assert!(
                        n >= 3,
                        "{name} {lang:?} {size} {mode}: only {n} labelled elements"
                    );
                    for p in layout_problems(w, width, height, lang) {
                        layouts_failing.insert(format!("{name} {} {size} {mode}", lang.tag()));
                        failures.push(format!("{name} {} {size} {mode}: {p}", lang.tag()));
                    }
                    checked += 1;
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(checked >= 17 * 12, "checked {checked} layouts");
    assert!(
        failures.is_empty(),
        "{} layout problems in {} of {checked} layouts:\n{}\n\nlayouts: {}",
        failures.len(),
        layouts_failing.len(),
        failures.join("\n"),
        layouts_failing.into_iter().collect::<Vec<_>>().join(", ")
    );
}

/// docs/screens holds a portrait PNG of every snapshot screen in both languages;
/// regenerate with `manassa snapshot --screen NAME --lang ar|en --out …`.
#[test]
fn docs_screens_cover_every_screen_in_both_languages() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screens");
    let mut missing = Vec::new();
    for name in snapshot_names() {
        for lang in ["ar", "en"] {
            let png = dir.join(format!("{name}-{lang}.png"));
            match std::fs::read(&png) {
                Ok(bytes) if bytes.starts_with(b"\x89PNG\r\n\x1a\n") => {
                    // IHDR: width and height, big-endian, at bytes 16..24: portrait 1080×1920.
                    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
                    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
                    assert_eq!((w, h), (1080, 1920), "{}", png.display());
                }
                _ => missing.push(png.display().to_string()),
            }
        }
    }
    assert!(missing.is_empty(), "missing screenshots: {missing:?}");
}
