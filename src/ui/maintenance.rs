//! The technician panel's glue: renders [`MenuView`] into the `Maint` global of
//! `ui/maintenance.slint`, turns the panel's callbacks into [`MenuIntent`]s, counts the
//! hidden entry gesture (five taps within [`GESTURE_WINDOW`] on the header), and cancels the
//! resident's session when the menu opens.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::{Duration, Instant};

use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::{AppWindow, Direction, KioskUi, Maint, MaintRow, render};
use crate::maintenance::menu::{Action, Facts, MenuIntent, MenuView, Notice, Page, Stage};
use crate::maintenance::monitor::Device;
use crate::maintenance::service::{Outward, Technician};
use manassa_i18n::{Arg, Lang, ltr, tr, tr_args};
use manassa_session::Intent;

/// Taps of the entry gesture.
pub const GESTURE_TAPS: usize = 5;
/// Window in which they must fall.
pub const GESTURE_WINDOW: Duration = Duration::from_secs(3);

/// The panel's state on the UI thread.
pub(super) struct Glue {
    tech: Rc<RefCell<Technician>>,
    lang: Rc<Cell<Lang>>,
}

fn s(text: String) -> SharedString {
    text.into()
}

fn arg1(lang: Lang, id: &str, value: &str) -> String {
    tr_args(lang, id, &[("arg", Arg::Str(value))])
}

/// A notice's text: its argument as `$arg` (left to right), and also as the number `$n`
/// when it is one, for the messages that count something (plural categories).
fn notice_text(lang: Lang, n: &Notice) -> String {
    match &n.arg {
        Some(a) => {
            let marked = ltr(a);
            match a.parse::<i64>() {
                Ok(num) => tr_args(
                    lang,
                    n.id,
                    &[("arg", Arg::Str(&marked)), ("n", Arg::Num(num))],
                ),
                Err(_) => arg1(lang, n.id, &marked),
            }
        }
        None => tr(lang, n.id),
    }
}

fn fact(title: String, detail: String, level: i32) -> MaintRow {
    MaintRow {
        kind: 0,
        title: title.into(),
        detail: detail.into(),
        level,
        ..Default::default()
    }
}

fn with_act(mut r: MaintRow, act: &str, label: String, a11y: String) -> MaintRow {
    r.act = act.into();
    r.act_label = label.into();
    r.act_a11y = a11y.into();
    r
}

fn with_act2(mut r: MaintRow, act: &str, label: String, a11y: String) -> MaintRow {
    r.act2 = act.into();
    r.act2_label = label.into();
    r.act2_a11y = a11y.into();
    r
}

fn big(title: String, act: &str) -> MaintRow {
    MaintRow {
        kind: 1,
        title: title.into(),
        act: act.into(),
        ..Default::default()
    }
}

fn device_name(lang: Lang, d: Device) -> String {
    tr(lang, &format!("maint-device-{}", d.name()))
}

fn state_level(state: &str) -> i32 {
    match state {
        "online" => 0,
        "unknown" | "deviceBusy" | "userError" => 1,
        _ => 2,
    }
}

/// The rows of `page`.
fn rows(lang: Lang, page: Page, f: &Facts) -> Vec<MaintRow> {
    let n = |id: &str, v: u64| tr_args(lang, id, &[("n", Arg::Num(v as i64))]);
    match page {
        Page::Home => {
            let mut r: Vec<MaintRow> = Page::LISTED
                .iter()
                .map(|p| {
                    big(
                        tr(lang, &format!("maint-page-{}", p.name())),
                        &format!("go:{}", p.name()),
                    )
                })
                .collect();
            r.push(big(tr(lang, "maint-restart"), "restart"));
            r
        }
        Page::Devices => {
            let mut r: Vec<MaintRow> = f
                .devices
                .iter()
                .map(|d| {
                    if !d.configured {
                        return fact(
                            device_name(lang, d.device),
                            tr(lang, "maint-not-configured"),
                            1,
                        );
                    }
                    let mut detail = arg1(lang, "maint-state", &state_text(lang, &d.state));
                    if let Some(e) = &d.last_error {
                        // The error (English, left to right) on its own line.
                        detail.push('\n');
                        detail.push_str(&tr(lang, "maint-last-error"));
                        detail.push('\n');
                        detail.push_str(&ltr(e));
                    }
                    fact(device_name(lang, d.device), detail, state_level(&d.state))
                })
                .collect();
            let c = &f.counts;
            r.push(fact(
                tr(lang, "maint-counters"),
                [
                    n("maint-count-a4-pages", c.a4_pages),
                    n("maint-count-tickets", c.tickets),
                    n("maint-count-cuts", c.cuts),
                    n("maint-count-captures", c.card_captures),
                    n("maint-count-roll", c.roll_tickets),
                ]
                .join("\n"),
                0,
            ));
            r
        }
        Page::Printers => vec![
            with_act(
                fact(
                    tr(lang, "maint-test-ticket"),
                    device_state(lang, f, Device::Thermal),
                    0,
                ),
                "test-ticket",
                tr(lang, "maint-print"),
                tr(lang, "maint-test-ticket"),
            ),
            with_act(
                fact(
                    tr(lang, "maint-test-page"),
                    device_state(lang, f, Device::A4),
                    0,
                ),
                "test-page",
                tr(lang, "maint-print"),
                tr(lang, "maint-test-page"),
            ),
            with_act(
                fact(
                    tr(lang, "maint-reset-roll"),
                    n("maint-count-roll", f.counts.roll_tickets),
                    0,
                ),
                "reset-roll",
                tr(lang, "maint-reset"),
                tr(lang, "maint-reset-roll"),
            ),
        ],
        Page::Readers => [Device::CardReader, Device::Scanner, Device::BadgeReader]
            .iter()
            .map(|&d| {
                let row = fact(device_name(lang, d), device_state(lang, f, d), 0);
                with_act(
                    row,
                    &format!("self-test:{}", d.name()),
                    tr(lang, "maint-test"),
                    arg1(lang, "maint-self-test-label", &device_name(lang, d)),
                )
            })
            .collect(),
        Page::Outbox => match &f.outbox {
            None => vec![fact(tr(lang, "maint-outbox-unreadable"), String::new(), 2)],
            Some((depth, oldest, dead_total, dead)) => {
                let mut r = vec![
                    fact(
                        n("maint-outbox-depth", *depth as u64),
                        match oldest {
                            Some(s) => n("maint-outbox-oldest", *s),
                            None => tr(lang, "maint-outbox-nothing"),
                        },
                        0,
                    ),
                    fact(
                        n("maint-outbox-dead", *dead_total as u64),
                        String::new(),
                        if dead.is_empty() { 0 } else { 1 },
                    ),
                ];
                if *dead_total > 0 {
                    r.push(big(tr(lang, "maint-requeue-all"), "requeue-all"));
                }
                for d in dead {
                    let id = d.id.to_string();
                    r.push(with_act(
                        fact(
                            ltr(&format!("#{} {}", d.id, d.kind)),
                            tr_args(
                                lang,
                                "maint-dead-detail",
                                &[
                                    ("attempts", Arg::Num(d.attempts as i64)),
                                    ("error", Arg::Str(&ltr(&d.error))),
                                ],
                            ),
                            1,
                        ),
                        &format!("requeue:{id}"),
                        tr(lang, "maint-requeue"),
                        arg1(lang, "maint-requeue-label", &id),
                    ));
                }
                r
            }
        },
        Page::Network => {
            let mut r: Vec<MaintRow> = f
                .interfaces
                .iter()
                .map(|(name, up)| {
                    fact(
                        ltr(name),
                        tr(
                            lang,
                            if *up {
                                "maint-net-up"
                            } else {
                                "maint-net-down"
                            },
                        ),
                        if *up { 0 } else { 1 },
                    )
                })
                .collect();
            if r.is_empty() {
                r.push(fact(tr(lang, "maint-net-none"), String::new(), 2));
            }
            let api = match &f.api {
                Some(Ok(ms)) => (
                    notice_text(
                        lang,
                        &Notice::new("maint-api-ok", Some(ms.to_string()), true),
                    ),
                    0,
                ),
                Some(Err(e)) => (arg1(lang, "maint-api-down", &ltr(e)), 2),
                None => (String::new(), 1),
            };
            r.push(with_act(
                fact(tr(lang, "maint-api"), api.0, api.1),
                "ping",
                tr(lang, "maint-ping"),
                tr(lang, "maint-ping-label"),
            ));
            r
        }
        Page::Speech => {
            if f.speech {
                vec![
                    with_act(
                        fact(tr(lang, "maint-speech-ar"), String::new(), 0),
                        "speak:ar",
                        tr(lang, "maint-test"),
                        tr(lang, "maint-speech-ar"),
                    ),
                    with_act(
                        fact(tr(lang, "maint-speech-en"), String::new(), 0),
                        "speak:en",
                        tr(lang, "maint-test"),
                        tr(lang, "maint-speech-en"),
                    ),
                ]
            } else {
                vec![fact(tr(lang, "maint-speech-unavailable"), String::new(), 1)]
            }
        }
        Page::Defaults => match f.defaults {
            None => Vec::new(),
            Some((l, idle, vol)) => vec![
                with_act(
                    fact(
                        arg1(
                            lang,
                            "maint-default-language",
                            &tr(
                                lang,
                                &format!("maint-lang-{}", if l == Lang::Ar { "ar" } else { "en" }),
                            ),
                        ),
                        tr(lang, "maint-defaults-note"),
                        0,
                    ),
                    if l == Lang::Ar { "lang:en" } else { "lang:ar" },
                    tr(lang, "maint-switch"),
                    tr(lang, "maint-switch-language-label"),
                ),
                with_act2(
                    with_act(
                        fact(
                            n("maint-default-idle", idle as u64),
                            tr(lang, "maint-defaults-note"),
                            0,
                        ),
                        "idle:-30",
                        ltr("−30"),
                        tr(lang, "maint-idle-less"),
                    ),
                    "idle:+30",
                    ltr("+30"),
                    tr(lang, "maint-idle-more"),
                ),
                with_act2(
                    with_act(
                        fact(n("maint-default-volume", vol as u64), String::new(), 0),
                        "vol:-10",
                        ltr("−10"),
                        tr(lang, "maint-volume-less"),
                    ),
                    "vol:+10",
                    ltr("+10"),
                    tr(lang, "maint-volume-more"),
                ),
            ],
        },
        Page::Logs => {
            if f.logs.is_empty() {
                vec![fact(tr(lang, "maint-logs-empty"), String::new(), 0)]
            } else {
                // Log lines are English and left to right: one LTR block per line.
                f.logs
                    .iter()
                    .map(|l| MaintRow {
                        ltr: true,
                        ..fact(String::new(), ltr(l), 0)
                    })
                    .collect()
            }
        }
    }
}

/// An XFS4IoT device state (`online`, `noDevice`, …) in the technician's language, with the
/// standard name after it; anything unknown as it is, left to right.
fn state_text(lang: Lang, state: &str) -> String {
    let id = format!("maint-xfs-{state}");
    let text = tr(lang, &id);
    if text == id {
        ltr(state)
    } else {
        format!("{text} ({})", ltr(state))
    }
}

fn device_state(lang: Lang, f: &Facts, d: Device) -> String {
    f.devices
        .iter()
        .find(|r| r.device == d)
        .map(|r| {
            if r.configured {
                arg1(lang, "maint-state", &state_text(lang, &r.state))
            } else {
                tr(lang, "maint-not-configured")
            }
        })
        .unwrap_or_default()
}

/// Write the menu's view into the `Maint` global.
pub(super) fn render_panel(w: &AppWindow, v: &MenuView, lang: Lang) {
    let g = w.global::<Maint>();
    // The panel's language can differ from the resident's; the direction follows it.
    let dir = w.global::<Direction>();
    dir.set_panel_open(v.stage != Stage::Closed);
    dir.set_panel_rtl(lang.is_rtl());
    g.set_stage(match v.stage {
        Stage::Closed | Stage::Badge => 0,
        Stage::Pin => 1,
        Stage::Checking => 2,
        Stage::Menu => 3,
    });
    let at_home = v.stage != Stage::Menu || v.page == Page::Home;
    g.set_at_home(at_home);
    g.set_title(s(if v.stage == Stage::Menu {
        tr(lang, &format!("maint-page-{}", v.page.name()))
    } else {
        tr(lang, "maint-title")
    }));
    g.set_subtitle(s(match &v.badge {
        Some(b) => arg1(lang, "maint-subtitle-badge", &ltr(b)),
        None => tr(lang, "maint-subtitle"),
    }));
    g.set_prompt(s(match v.stage {
        Stage::Pin => tr(lang, "maint-pin-prompt"),
        Stage::Checking => tr(lang, "maint-checking"),
        _ => tr(lang, "maint-badge-prompt"),
    }));
    g.set_pin_dots(s("•".repeat(v.pin_len)));
    g.set_pin_min(manassa_session::maintenance::MIN_PIN_LEN as i32);
    g.set_notice(s(v
        .notice
        .as_ref()
        .map(|n| notice_text(lang, n))
        .unwrap_or_default()));
    g.set_notice_ok(v.notice.as_ref().is_some_and(|n| n.ok));
    g.set_busy(v.busy);
    g.set_back_text(s(tr(
        lang,
        match v.stage {
            Stage::Menu if v.page == Page::Home => "maint-logout",
            Stage::Menu => "maint-back",
            _ => "maint-close",
        },
    )));
    g.set_exit_text(s(tr(lang, "maint-logout")));
    g.set_pin_label(s(tr(lang, "maint-pin-label")));
    g.set_submit_text(s(tr(lang, "maint-pin-submit")));
    g.set_clear_text(s(tr(lang, "maint-clear")));
    g.set_delete_text(s(tr(lang, "maint-delete")));
    g.set_language_text(s(tr(lang, "maint-language-switch")));
    g.set_language_label(s(tr(lang, "maint-language-switch-label")));
    g.set_demo_badge_text(s(tr(lang, "maint-demo-badge")));
    let r = if v.stage == Stage::Menu {
        rows(lang, v.page, &v.facts)
    } else {
        Vec::new()
    };
    g.set_rows(ModelRc::new(VecModel::from(r)));
}

/// Parse a panel action string into an intent (`go:PAGE`, `test-ticket`, `requeue:ID`, …).
/// The defaults' `idle:±S` and `vol:±V` are steps, applied by the service to the value in
/// force when they run (not to what the page showed), so steps compose even when the
/// page lags behind (a press while an action runs is refused, visibly).
fn parse_act(act: &str) -> Option<MenuIntent> {
    let a = match act.split_once(':') {
        Some(("go", p)) => return Page::parse(p).map(MenuIntent::Go),
        Some(("self-test", d)) => Action::SelfTest(*Device::ALL.iter().find(|x| x.name() == d)?),
        Some(("requeue", id)) => Action::Requeue(id.parse().ok()?),
        Some(("speak", l)) => Action::Speak(Lang::parse(l)?),
        Some(("lang", l)) => Action::SetLanguage(Lang::parse(l)?),
        Some(("idle", d)) => Action::StepIdle(d.parse().ok()?),
        Some(("vol", d)) => Action::StepVolume(d.parse().ok()?),
        _ => match act {
            "test-ticket" => Action::TestTicket,
            "requeue-all" => Action::RequeueAll,
            "test-page" => Action::TestPage,
            "reset-roll" => Action::ResetRoll,
            "ping" => Action::Ping,
            "restart" => Action::Restart,
            _ => return None,
        },
    };
    Some(MenuIntent::Act(a))
}

impl Glue {
    fn apply(
        &self,
        ui_window: &AppWindow,
        kiosk: &Rc<RefCell<crate::runtime::Kiosk>>,
        out: Vec<Outward>,
    ) {
        for o in out {
            match o {
                Outward::Defaults(d) => {
                    // For the next resident session; whoever is on screen keeps their own
                    // until then. May come after the menu closed (a save still running).
                    kiosk.borrow_mut().set_defaults(
                        d.language,
                        u64::from(d.idle_timeout_s),
                        crate::maintenance::volume_level(d.volume),
                    );
                    // After a close, the attract screen on show takes them at once.
                    render(ui_window, &kiosk.borrow().view());
                }
                Outward::CancelResident => {
                    // The resident's side is wiped and then held still: no card, scan or
                    // key reaches it while the panel covers it.
                    kiosk.borrow_mut().dispatch(Intent::Cancel);
                    kiosk.borrow_mut().set_suspended(true);
                    let v = kiosk.borrow().view();
                    self.lang.set(v.lang);
                    render(ui_window, &v);
                }
                Outward::Closed => {
                    // Back to a clean attract screen, whatever happened underneath.
                    kiosk.borrow_mut().set_suspended(false);
                    kiosk.borrow_mut().dispatch(Intent::Cancel);
                    render(ui_window, &kiosk.borrow().view());
                }
            }
        }
        render_panel(ui_window, &self.tech.borrow().view(), self.lang.get());
    }

    /// Poll the technician side; re-render when something changed.
    pub(super) fn pump(&self, w: &AppWindow, kiosk: &Rc<RefCell<crate::runtime::Kiosk>>) -> bool {
        let (changed, out) = self.tech.borrow_mut().poll();
        let any = changed || !out.is_empty();
        if any {
            self.apply(w, kiosk, out);
        }
        any
    }
}

impl KioskUi {
    /// Attach the technician menu: binds the hidden gesture and the panel's callbacks.
    pub fn attach_maintenance(&self, tech: Technician) {
        let glue = Rc::new(Glue {
            tech: Rc::new(RefCell::new(tech)),
            lang: Rc::new(Cell::new(self.kiosk.borrow().view().lang)),
        });
        let w = &self.window;
        let g = w.global::<Maint>();
        let send = {
            let glue = glue.clone();
            let kiosk = self.kiosk.clone();
            let weak = w.as_weak();
            move |intent: MenuIntent| {
                let out = glue.tech.borrow_mut().dispatch(intent);
                if let Some(w) = weak.upgrade() {
                    glue.apply(&w, &kiosk, out);
                }
            }
        };
        let send = Rc::new(send);
        let taps: Rc<RefCell<VecDeque<Instant>>> = Default::default();
        {
            let send = send.clone();
            w.on_maintenance_tap(move || {
                let now = Instant::now();
                let mut t = taps.borrow_mut();
                t.push_back(now);
                while t.front().is_some_and(|f| now - *f > GESTURE_WINDOW) {
                    t.pop_front();
                }
                if t.len() >= GESTURE_TAPS {
                    t.clear();
                    drop(t);
                    send(MenuIntent::Open);
                }
            });
        }
        {
            let send = send.clone();
            g.on_key(move |k| {
                let i = match k.as_str() {
                    "delete" => MenuIntent::Delete,
                    "clear" => MenuIntent::Clear,
                    d => match d.parse::<u8>() {
                        Ok(n) if n < 10 => MenuIntent::Digit(n),
                        _ => return,
                    },
                };
                send(i);
            });
        }
        {
            let send = send.clone();
            g.on_submit_pin(move || send(MenuIntent::SubmitPin));
        }
        {
            let send = send.clone();
            g.on_back(move || send(MenuIntent::Back));
        }
        {
            let send = send.clone();
            g.on_exit(move || send(MenuIntent::Exit));
        }
        {
            let send = send.clone();
            g.on_activity(move || send(MenuIntent::Activity));
        }
        {
            let send = send.clone();
            g.on_act(move |a| {
                if let Some(i) = parse_act(&a) {
                    send(i);
                }
            });
        }
        {
            let send = send.clone();
            let glue = glue.clone();
            g.on_switch_language(move || {
                glue.lang.set(glue.lang.get().other());
                send(MenuIntent::Activity);
            });
        }
        g.set_demo(w.get_demo());
        render_panel(w, &glue.tech.borrow().view(), glue.lang.get());
        *self.maintenance.borrow_mut() = Some(glue);
    }

    /// Demo only: what the "present the demo badge" button does.
    pub fn on_demo_badge(&self, f: impl Fn() + 'static) {
        self.window.global::<Maint>().on_demo_badge(f);
    }

    /// Whether the technician panel is showing.
    pub fn maintenance_open(&self) -> bool {
        self.window.get_maintenance_open()
    }
}

/// A menu view for snapshots: `screen` is `badge`, `pin` or a page name, filled with
/// demo facts.
pub fn demo_menu_view(screen: &str) -> Option<MenuView> {
    use crate::maintenance::menu::{DeadRow, DeviceRow};
    use crate::maintenance::monitor::Counts;
    use manassa_devices::DeviceState;
    let (stage, page) = match screen {
        "badge" => (Stage::Badge, Page::Home),
        "pin" => (Stage::Pin, Page::Home),
        p => (Stage::Menu, Page::parse(p)?),
    };
    let state = |s: DeviceState| {
        serde_json::to_value(s)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    };
    let facts = Facts {
        devices: vec![
            DeviceRow { device: Device::Thermal, configured: true, state: state(DeviceState::Online), last_error: None },
            DeviceRow { device: Device::A4, configured: true, state: state(DeviceState::Offline), last_error: Some("device offline, paper out, printer-state stopped, reasons [media-empty-error]".into()) },
            DeviceRow { device: Device::CardReader, configured: true, state: state(DeviceState::Online), last_error: None },
            DeviceRow { device: Device::Scanner, configured: true, state: state(DeviceState::Online), last_error: None },
            DeviceRow { device: Device::BadgeReader, configured: true, state: state(DeviceState::Online), last_error: None },
        ],
        counts: Counts { a4_pages: 1284, tickets: 1290, cuts: 1290, card_captures: 3, roll_tickets: 212 },
        outbox: Some((2, Some(45), 1, vec![DeadRow { id: 17, kind: "print_audit".into(), attempts: 8, error: "network: connection refused".into() }])),
        interfaces: vec![("eth0".into(), true), ("wlan0".into(), false)],
        api: Some(Ok(38)),
        logs: vec![
            "2026-11-29T10:02:11Z  INFO manassa: demo: reference ministry server url=http://127.0.0.1:41327".into(),
            "2026-11-29T10:02:11Z  INFO badge-reader: port open state=online".into(),
            "2026-11-29T10:05:40Z  WARN crate::runtime: A4 printer not ready; nothing sent".into(),
        ],
        defaults: Some((Lang::Ar, 90, 70)),
        speech: true,
    };
    Some(MenuView {
        stage,
        page,
        pin_len: if stage == Stage::Pin { 6 } else { 0 },
        badge: (stage != Stage::Badge).then(|| "******FFEE".into()),
        notice: match page {
            Page::Printers if stage == Stage::Menu => {
                Some(Notice::new("maint-test-ticket-ok", None, true))
            }
            _ => None,
        },
        busy: false,
        facts,
    })
}

/// Screens for `manassa snapshot --screen maintenance-NAME`.
pub const MAINT_SCREENS: &[&str] = &[
    "badge", "pin", "home", "devices", "printers", "readers", "outbox", "network", "speech",
    "defaults", "logs",
];

#[cfg(test)]
mod tests {
    use super::*;
    use manassa_devices::DeviceState;

    #[test]
    fn every_device_state_has_a_name_in_both_languages() {
        use DeviceState::*;
        let states = [
            Online,
            Offline,
            PowerOff,
            NoDevice,
            HardwareError,
            UserError,
            DeviceBusy,
        ];
        let mut names: Vec<String> = states
            .iter()
            .map(|s| {
                serde_json::to_value(s)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        names.push("unknown".into());
        for lang in [Lang::Ar, Lang::En] {
            for name in &names {
                let id = format!("maint-xfs-{name}");
                assert_ne!(tr(lang, &id), id, "{lang:?}: {id} missing");
            }
        }
    }
}
