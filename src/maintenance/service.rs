//! Runs the technician menu's effects: PIN checks, page facts, test prints, self tests,
//! re-queues, defaults, restart; every action and login event is audited through the
//! outbox (kind [`TECHNICIAN_ACTION`], with the kiosk id, the technician's badge id and
//! `"via": "menu"`). Slint-free, like [`crate::runtime`]: [`crate::ui`] calls
//! [`Technician::dispatch`] and [`Technician::poll`] on the UI thread; slow work runs on
//! tokio (blocking parts in `spawn_blocking`) and comes back as a [`MenuIntent`].

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde_json::json;

use crate::cli::outbox::TECHNICIAN_ACTION;
use manassa_devices::DeviceState;
use manassa_devices::a4::{A4Sink, WaitPolicy};
use manassa_devices::badge::{BadgeEvent, BadgeId};
use manassa_devices::escpos::{Align, TicketItem};
use manassa_devices::passive::{ReaderEvent, ReaderHandle, ReaderState};
use manassa_devices::thermal::ThermalPrinter;
use manassa_i18n::{Lang, tr};
use manassa_ministry_api::client::Client;
use manassa_outbox::{Outbox, SyncWorker, enqueue_tx, requeue_all_tx, requeue_tx};

use super::menu::{
    Action, DeadRow, DeviceRow, Facts, Menu, MenuEffect, MenuIntent, MenuView, Page,
};
use super::monitor::{Counter, Device, Monitor};
use super::pins::PinStore;
use super::{Defaults, logs};

/// What the menu works with. Built once at start (see `main.rs`).
pub struct Tools {
    /// Registered PINs and the lockout.
    pub pins: PinStore,
    /// Counters and device states.
    pub monitor: Arc<Monitor>,
    /// The kiosk's outbox.
    pub outbox: Arc<Outbox>,
    /// Its sync worker, woken after each audit.
    pub sync: Option<SyncWorker>,
    /// Ministry API client (reachability).
    pub client: Client,
    /// Thermal printer, if configured.
    pub thermal: Option<ThermalPrinter>,
    /// A4 output.
    pub a4: A4Sink,
    /// Whether a card reader is configured (its state arrives through the monitor).
    pub card_reader: bool,
    /// QR scanner thread's state, if configured.
    pub scanner: Option<ReaderState>,
    /// Badge reader thread's state, if configured (the [`Technician`] owns the thread:
    /// an action still running after the menu is gone must not keep the port open).
    pub badge_reader: Option<ReaderState>,
    /// Kiosk id for audits and the test prints.
    pub kiosk_id: String,
    /// Where the defaults are saved (JSON, see [`Defaults`]).
    pub defaults_path: PathBuf,
    /// The defaults in force. Changed (and saved) only under this lock
    /// ([`change_defaults`]), so steps compose.
    pub defaults: Mutex<Defaults>,
}

/// Dead letters listed on the outbox page, newest first.
pub const DEAD_SHOWN: usize = 20;

/// Anything the menu needs done outside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outward {
    /// Cancel and wipe the resident's session.
    CancelResident,
    /// The menu closed.
    Closed,
    /// The technician defaults changed: the resident's side starts its next session with
    /// them (the one on screen, if any, keeps its own; the attract screen takes them at
    /// once). May come after [`Outward::Closed`] when a save finishes after the menu closed.
    Defaults(Defaults),
}

/// Feeds badge reads into the menu from any thread.
#[derive(Clone)]
pub struct MenuSender(Sender<MenuIntent>);

impl MenuSender {
    /// Queue `intent`; false once the menu is gone.
    pub fn send(&self, intent: MenuIntent) -> bool {
        self.0.send(intent).is_ok()
    }
}

/// The menu plus the machinery that runs its effects.
pub struct Technician {
    menu: Menu,
    tools: Arc<Tools>,
    rt: tokio::runtime::Handle,
    tx: Sender<MenuIntent>,
    rx: Receiver<MenuIntent>,
    started: Instant,
    /// The defaults last handed to the resident's side.
    applied: Defaults,
    /// The badge reader thread: stops when the menu is dropped.
    _badge_reader: Option<ReaderHandle>,
}

fn xfs(state: Option<DeviceState>) -> String {
    state
        .and_then(|s| serde_json::to_value(s).ok())
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

impl Technician {
    /// A closed menu over `tools`; logged-in sessions end after `timeout` idle.
    pub fn new(tools: Tools, timeout: Duration, rt: tokio::runtime::Handle) -> Technician {
        let (tx, rx) = channel();
        let applied = *tools.defaults.lock().unwrap_or_else(|p| p.into_inner());
        Technician {
            menu: Menu::new(timeout),
            tools: Arc::new(tools),
            rt,
            tx,
            rx,
            started: Instant::now(),
            applied,
            _badge_reader: None,
        }
    }

    /// A sender for device threads (the badge reader).
    pub fn sender(&self) -> MenuSender {
        MenuSender(self.tx.clone())
    }

    /// The tools (tests read the counters through them).
    pub fn tools(&self) -> &Tools {
        &self.tools
    }

    /// The view.
    pub fn view(&self) -> MenuView {
        self.menu.view()
    }

    /// Whether the panel is shown.
    pub fn is_open(&self) -> bool {
        self.menu.is_open()
    }

    /// Apply `intent`, start its effects, return what the caller must do: first the
    /// defaults if they changed since the last call (a step saved in the meantime).
    pub fn dispatch(&mut self, intent: MenuIntent) -> Vec<Outward> {
        let mut out = Vec::new();
        let now = *self
            .tools
            .defaults
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if now != self.applied {
            self.applied = now;
            out.push(Outward::Defaults(now));
        }
        for e in self.menu.handle(intent) {
            match e {
                MenuEffect::CancelResident => out.push(Outward::CancelResident),
                MenuEffect::Closed => out.push(Outward::Closed),
                other => self.run(other),
            }
        }
        out
    }

    /// Tick the clock and apply what arrived; returns whether the view changed and what
    /// the caller must do.
    pub fn poll(&mut self) -> (bool, Vec<Outward>) {
        let before = self.menu.view();
        let now = self.started.elapsed().as_millis() as u64;
        let mut out = self.dispatch(MenuIntent::Tick(now));
        while let Ok(i) = self.rx.try_recv() {
            out.extend(self.dispatch(i));
        }
        (self.menu.view() != before, out)
    }

    fn run(&mut self, effect: MenuEffect) {
        let tools = self.tools.clone();
        let tx = self.tx.clone();
        match effect {
            MenuEffect::CheckPin { badge, pin } => {
                self.rt.spawn_blocking(move || {
                    let outcome = tools.pins.verify(&badge, &pin, SystemTime::now());
                    let _ = tx.send(MenuIntent::PinChecked(outcome));
                });
            }
            MenuEffect::Audit { badge, event } => {
                self.rt.spawn_blocking(move || {
                    audit(&tools, &badge, event, json!({}));
                });
            }
            MenuEffect::Refresh(page) => {
                let login = self.menu.login();
                self.rt.spawn(async move {
                    let facts = Box::new(facts(&tools, page).await);
                    let _ = tx.send(MenuIntent::Facts { login, facts });
                });
            }
            MenuEffect::Run {
                badge,
                login,
                action,
            } => {
                self.rt.spawn(async move {
                    let notice = act(&tools, &badge, &action).await;
                    let _ = tx.send(MenuIntent::Done { login, notice });
                });
            }
            MenuEffect::CancelResident | MenuEffect::Closed => {}
        }
    }
}

/// Write a technician audit event (blocking: one fsync) and wake the sync worker.
fn audit(tools: &Tools, badge: &BadgeId, action: &str, detail: serde_json::Value) {
    let payload = json!({
        "kiosk_id": tools.kiosk_id,
        "action": action,
        "badge": tools.pins.badge_ref(badge),
        "via": "menu",
        "detail": detail,
    });
    match tools.outbox.enqueue(TECHNICIAN_ACTION, &payload) {
        Ok(_) => {
            if let Some(s) = &tools.sync {
                s.wake();
            }
        }
        Err(e) => tracing::error!(error = %e, action, "technician audit not queued"),
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    tokio::task::spawn_blocking(f).await.ok()
}

/// Network interfaces from `/sys/class/net` (loopback left out): name and whether up.
fn interfaces() -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = std::fs::read_dir("/sys/class/net")
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().to_string();
                    (name != "lo").then(|| {
                        let state =
                            std::fs::read_to_string(e.path().join("operstate")).unwrap_or_default();
                        (name, state.trim() == "up")
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

async fn api_latency(client: &Client) -> Result<u64, String> {
    let start = Instant::now();
    client
        .health()
        .await
        .map(|()| start.elapsed().as_millis() as u64)
        .map_err(|e| manassa_text::sanitize(&e.to_string()))
}

/// Gather everything the pages show (cheap enough to do for every page).
async fn facts(tools: &Arc<Tools>, page: Page) -> Facts {
    let a4_state = match tools.a4.status().await {
        Ok(s) => {
            let err = s.problem().map(|_| s.summary());
            tools.monitor.device(Device::A4, Some(s.device), err);
            Some(s.device)
        }
        Err(e) => {
            tools
                .monitor
                .device(Device::A4, Some(e.device_state()), Some(e.to_string()));
            Some(e.device_state())
        }
    };
    let mut devices = Vec::new();
    for d in Device::ALL {
        let info = tools.monitor.device_info(d);
        let (configured, state) = match d {
            Device::Thermal => (tools.thermal.is_some(), info.state),
            Device::A4 => (true, a4_state),
            Device::CardReader => (tools.card_reader, info.state),
            Device::Scanner => (
                tools.scanner.is_some(),
                tools.scanner.as_ref().and_then(|h| h.get()),
            ),
            Device::BadgeReader => (
                tools.badge_reader.is_some(),
                tools.badge_reader.as_ref().and_then(|h| h.get()),
            ),
        };
        devices.push(DeviceRow {
            device: d,
            configured,
            state: xfs(state),
            last_error: info.last_error,
        });
    }
    let t = tools.clone();
    let outbox = blocking(
        move || -> Option<(usize, Option<u64>, usize, Vec<DeadRow>)> {
            let st = t.outbox.status().ok()?;
            // Newest first, at most DEAD_SHOWN (the rest stay for `manassa outbox`).
            let dead = t
                .outbox
                .dead_letters()
                .ok()?
                .into_iter()
                .rev()
                .take(DEAD_SHOWN)
                .map(|d| DeadRow {
                    id: d.id,
                    kind: manassa_text::sanitize(&d.kind),
                    attempts: d.attempts,
                    error: manassa_text::sanitize(d.last_error.as_deref().unwrap_or("-")),
                })
                .collect();
            Some((
                st.depth,
                st.oldest_age.map(|d| d.as_secs()),
                st.dead_letters,
                dead,
            ))
        },
    )
    .await
    .flatten();
    let d = *tools.defaults.lock().unwrap_or_else(|p| p.into_inner());
    Facts {
        devices,
        counts: tools.monitor.counts(),
        outbox,
        interfaces: interfaces(),
        api: Some(api_latency(&tools.client).await),
        logs: logs::recent(30),
        defaults: Some((d.language, d.idle_timeout_s, d.volume)),
        // Connecting to speech-dispatcher is only worth it on the speech page.
        speech: page == Page::Speech && blocking(super::speech_available).await.unwrap_or(false),
    }
}

/// The test ticket: bilingual title, kiosk id and time, a QR code, a cut.
pub fn test_ticket(kiosk_id: &str, width: u32) -> Vec<TicketItem> {
    use manassa_text::{Align as TAlign, BaseDirection, Family, TextStyle, layout, raster};
    let line = |text: &str, lang: Lang| {
        let style = TextStyle::new(Family::Sans, 30.0);
        let dir = if lang.is_rtl() {
            BaseDirection::Rtl
        } else {
            BaseDirection::Ltr
        };
        let para = layout(text, &style, dir, TAlign::Center, Some(width as f32));
        let b = raster::paragraph_bitmap(&para, width);
        TicketItem::Raster(manassa_devices::escpos::MonoBitmap {
            width: b.width,
            height: b.height,
            data: b.data,
        })
    };
    let now = time::OffsetDateTime::now_utc();
    vec![
        line(&tr(Lang::Ar, "maint-test-ticket-title"), Lang::Ar),
        line(&tr(Lang::En, "maint-test-ticket-title"), Lang::En),
        TicketItem::Text {
            text: format!("TEST {kiosk_id}"),
            align: Align::Center,
            double: true,
        },
        TicketItem::Text {
            text: format!(
                "{:04}-{:02}-{:02} {:02}:{:02} UTC",
                now.year(),
                now.month() as u8,
                now.day(),
                now.hour(),
                now.minute()
            ),
            align: Align::Center,
            double: false,
        },
        TicketItem::Qr {
            data: format!("MANASSA-TEST-{kiosk_id}"),
            module_dots: 6,
        },
        TicketItem::Feed(48),
        TicketItem::Cut,
    ]
}

/// The A4 test page: bilingual title, kiosk id, a frame at the printable margins.
pub fn test_page(kiosk_id: &str) -> manassa_documents::Paper {
    use manassa_documents::{Element, INK, MAROON, Page, Paper, mm};
    use manassa_text::{Align as TAlign, BaseDirection, Family, TextStyle, layout};
    let w = mm(210.0);
    let mut style = TextStyle::new(Family::Sans, 28.0);
    style.bold = true;
    let body = TextStyle::new(Family::Sans, 16.0);
    let text = |s: &str, st: &TextStyle, dir, y: f32, color| Element::Text {
        para: layout(s, st, dir, TAlign::Center, Some(w - mm(40.0))),
        x: mm(20.0),
        y,
        color,
    };
    let elements = vec![
        Element::Box {
            at: (mm(10.0), mm(10.0)),
            size: (w - mm(20.0), mm(277.0)),
            fill: false,
            color: MAROON,
        },
        text(
            &tr(Lang::Ar, "maint-test-page-title"),
            &style,
            BaseDirection::Rtl,
            mm(40.0),
            MAROON,
        ),
        text(
            &tr(Lang::En, "maint-test-page-title"),
            &style,
            BaseDirection::Ltr,
            mm(60.0),
            MAROON,
        ),
        text(
            &format!("{kiosk_id} · {}", time::OffsetDateTime::now_utc().date()),
            &body,
            BaseDirection::Ltr,
            mm(85.0),
            INK,
        ),
    ];
    Paper {
        title: tr(Lang::En, "maint-test-page-title"),
        lang: "ar",
        pages: vec![Page { elements }],
        printed_fields: Vec::new(),
    }
}

async fn act(tools: &Arc<Tools>, badge: &BadgeId, action: &Action) -> super::menu::Notice {
    use super::menu::Notice;
    let (notice, detail) = match action {
        Action::TestTicket => match &tools.thermal {
            None => (
                Notice::new("maint-not-configured", None, false),
                json!({"result": "not_configured"}),
            ),
            Some(p) => match tokio::time::timeout(
                std::time::Duration::from_secs(30),
                p.print(test_ticket(&tools.kiosk_id, p.dot_width())),
            )
            .await
            // No answer in 30 s counts as offline (XFS4IoT): the thread is stuck.
            .unwrap_or(Err(manassa_devices::escpos::PrinterError::Offline))
            {
                Ok(()) => {
                    tools.monitor.record(Counter::Ticket);
                    tools
                        .monitor
                        .device(Device::Thermal, Some(DeviceState::Online), None);
                    (
                        Notice::new("maint-test-ticket-ok", None, true),
                        json!({"result": "printed"}),
                    )
                }
                Err(e) => {
                    let msg = e.to_string();
                    tools.monitor.device(
                        Device::Thermal,
                        Some(thermal_state(&e)),
                        Some(msg.clone()),
                    );
                    (
                        Notice::new("maint-failed", Some(msg.clone()), false),
                        json!({"result": "failed", "error": msg}),
                    )
                }
            },
        },
        Action::TestPage => {
            let id = tools.kiosk_id.clone();
            let pdf = blocking(move || manassa_documents::pdf::write(&test_page(&id)).ok())
                .await
                .flatten();
            match pdf {
                None => (
                    Notice::new("maint-failed", Some("PDF".into()), false),
                    json!({"result": "failed"}),
                ),
                Some(bytes) => {
                    match tools
                        .a4
                        .deliver(&bytes, "manassa-test-page", 1, &WaitPolicy::default())
                        .await
                    {
                        Ok(d) if d.end.delivered() => {
                            tools.monitor.record(Counter::A4Page);
                            (
                                Notice::new("maint-test-page-ok", None, true),
                                json!({"result": "printed"}),
                            )
                        }
                        Ok(d) => (
                            Notice::new("maint-failed", Some(d.end.audit().into()), false),
                            json!({"result": d.end.audit()}),
                        ),
                        Err(e) => {
                            let msg = e.to_string();
                            tools.monitor.device(
                                Device::A4,
                                Some(e.device_state()),
                                Some(msg.clone()),
                            );
                            (
                                Notice::new("maint-failed", Some(msg.clone()), false),
                                json!({"result": "failed", "error": msg}),
                            )
                        }
                    }
                }
            }
        }
        Action::SelfTest(d) => {
            // The drivers own their ports; the test is what the driver last saw of the
            // device (it polls the card reader, reopens passive readers on loss).
            let state = match d {
                Device::CardReader => tools.monitor.device_info(*d).state,
                Device::Scanner => tools.scanner.as_ref().and_then(|h| h.get()),
                Device::BadgeReader => tools.badge_reader.as_ref().and_then(|h| h.get()),
                Device::Thermal => tools.monitor.device_info(*d).state,
                Device::A4 => tools.a4.status().await.ok().map(|s| s.device),
            };
            let ok = state == Some(DeviceState::Online);
            (
                Notice::new(
                    if ok {
                        "maint-selftest-ok"
                    } else {
                        "maint-selftest-fail"
                    },
                    Some(xfs(state)),
                    ok,
                ),
                json!({"device": d.name(), "state": xfs(state)}),
            )
        }
        Action::ResetRoll => {
            let before = tools.monitor.counts().roll_tickets;
            tools.monitor.reset_roll();
            (
                Notice::new("maint-roll-reset", None, true),
                json!({"roll_tickets_before": before}),
            )
        }
        Action::Requeue(id) => {
            let t = tools.clone();
            let id = *id;
            let payload = json!({
                "kiosk_id": tools.kiosk_id,
                "action": "outbox.requeue",
                "badge": tools.pins.badge_ref(badge),
                "via": "menu",
                "dead_letter_id": id,
            });
            let r = blocking(move || {
                t.outbox.with_transaction(|tx| {
                    requeue_tx(tx, id)?;
                    enqueue_tx(tx, TECHNICIAN_ACTION, &payload)
                })
            })
            .await;
            if let Some(s) = &tools.sync {
                s.wake();
            }
            // Audited in the same transaction as the re-queue.
            return match r {
                Some(Ok(_)) => Notice::new("maint-requeued", Some(id.to_string()), true),
                Some(Err(e)) => Notice::new("maint-failed", Some(e.to_string()), false),
                None => Notice::new("maint-failed", Some("-".into()), false),
            };
        }
        Action::RequeueAll => {
            let t = tools.clone();
            let kiosk_id = tools.kiosk_id.clone();
            let badge = tools.pins.badge_ref(badge);
            let r = blocking(move || {
                t.outbox.with_transaction(|tx| {
                    let moved = requeue_all_tx(tx)?;
                    let payload = json!({
                        "kiosk_id": kiosk_id,
                        "action": "outbox.requeue_all",
                        "badge": badge,
                        "via": "menu",
                        "count": moved,
                    });
                    enqueue_tx(tx, TECHNICIAN_ACTION, &payload)?;
                    Ok(moved)
                })
            })
            .await;
            if let Some(s) = &tools.sync {
                s.wake();
            }
            // Audited in the same transaction as the re-queue.
            return match r {
                Some(Ok(n)) => Notice::new("maint-requeued-all", Some(n.to_string()), true),
                Some(Err(e)) => Notice::new("maint-failed", Some(e.to_string()), false),
                None => Notice::new("maint-failed", Some("-".into()), false),
            };
        }
        Action::Ping => match api_latency(&tools.client).await {
            Ok(ms) => (
                Notice::new("maint-api-ok", Some(ms.to_string()), true),
                json!({"latency_ms": ms}),
            ),
            Err(e) => (
                Notice::new("maint-api-down", Some(e.clone()), false),
                json!({"error": e}),
            ),
        },
        Action::Speak(lang) => {
            let volume = tools
                .defaults
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .volume;
            let l = *lang;
            let ok = blocking(move || super::speak_test(l, volume))
                .await
                .unwrap_or(false);
            (
                if ok {
                    Notice::new("maint-speech-ok", None, true)
                } else {
                    Notice::new("maint-speech-unavailable", None, false)
                },
                json!({"lang": lang, "spoken": ok}),
            )
        }
        Action::SetLanguage(_) | Action::StepIdle(_) | Action::StepVolume(_) => {
            let t = tools.clone();
            let a = action.clone();
            let r = blocking(move || change_defaults(&t.defaults, &t.defaults_path, &a)).await;
            match r {
                Some(Ok(saved)) => (
                    Notice::new("maint-saved", None, true),
                    json!({"language": saved.language, "idle_timeout_s": saved.idle_timeout_s, "volume": saved.volume}),
                ),
                _ => (
                    Notice::new("maint-failed", Some("-".into()), false),
                    json!({"result": "failed"}),
                ),
            }
        }
        Action::Restart => {
            let t = tools.clone();
            let b = *badge;
            blocking(move || audit(&t, &b, action_name(&Action::Restart), json!({}))).await;
            restart();
            return Notice::new("maint-failed", Some("restart".into()), false);
        }
    };
    let t = tools.clone();
    let b = *badge;
    let name = action.audit_name();
    blocking(move || audit(&t, &b, name, detail)).await;
    notice
}

/// Apply a defaults action (`SetLanguage`, `StepIdle`, `StepVolume`; anything else leaves
/// them as they are) to the defaults in force and save them to `path`. Changes are
/// serialised by one lock held through the save (the `defaults` lock itself only for the
/// change, so readers never wait for the disk): two steps in quick succession compose (each
/// starts from the other's result) and the file ends with the last value. Idle time is kept
/// within 30–600 s, volume within 0–100. Blocking (one fsync). Returns the defaults now in
/// force.
///
/// # Errors
/// The file could not be written; the new value stays in force for this run of the app.
pub fn change_defaults(
    defaults: &Mutex<Defaults>,
    path: &std::path::Path,
    action: &Action,
) -> std::io::Result<Defaults> {
    static CHANGING: Mutex<()> = Mutex::new(());
    let _one_at_a_time = CHANGING.lock().unwrap_or_else(|p| p.into_inner());
    let mut d = defaults.lock().unwrap_or_else(|p| p.into_inner());
    match action {
        Action::SetLanguage(l) => d.language = *l,
        Action::StepIdle(s) => {
            d.idle_timeout_s = (i64::from(d.idle_timeout_s) + i64::from(*s)).clamp(30, 600) as u32
        }
        Action::StepVolume(v) => {
            d.volume = (i64::from(d.volume) + i64::from(*v)).clamp(0, 100) as u8
        }
        _ => {}
    }
    let now = *d;
    drop(d);
    super::pins::save(path, &now)?;
    Ok(now)
}

fn action_name(a: &Action) -> &'static str {
    a.audit_name()
}

fn thermal_state(e: &manassa_devices::escpos::PrinterError) -> DeviceState {
    use manassa_devices::escpos::PrinterError as E;
    match e {
        E::NoDevice(_) | E::Gone => DeviceState::NoDevice,
        E::PaperOut | E::CoverOpen | E::Offline => DeviceState::Offline,
        E::Jammed | E::PaperOutMidJob | E::FailedMidJob(_) => DeviceState::HardwareError,
        E::Encode(_) => DeviceState::Online,
    }
}

/// Restart the application: replace the process with a fresh copy of itself, same
/// arguments (`execv`); under systemd the unit's `Restart=` would also restart an exit.
/// Returns only if the exec failed.
fn restart() {
    use std::os::unix::process::CommandExt;
    tracing::warn!("technician restart");
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let err = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .exec();
    tracing::error!(error = %err, "restart failed");
}

/// Bridge the badge reader's events into the menu (runs on its own thread): reads, and
/// the reader's state and rejected frames for the devices page.
pub fn forward_badge_events(events: Receiver<BadgeEvent>, tx: MenuSender, monitor: Arc<Monitor>) {
    std::thread::Builder::new()
        .name("badge-events".into())
        .spawn(move || {
            for ev in events {
                match ev {
                    ReaderEvent::Read(id) => {
                        if !tx.send(MenuIntent::BadgeRead(id)) {
                            break;
                        }
                    }
                    ReaderEvent::State(s) => monitor.device(Device::BadgeReader, Some(s), None),
                    ReaderEvent::Rejected { reason } => {
                        monitor.device(Device::BadgeReader, None, Some(reason))
                    }
                }
            }
        })
        .expect("spawn badge-events thread");
}

/// Everything the kiosk's wiring hands over to build the menu.
pub struct Parts {
    /// Ministry API client.
    pub client: Client,
    /// The outbox.
    pub outbox: Arc<Outbox>,
    /// Its sync worker.
    pub sync: Option<SyncWorker>,
    /// Thermal printer.
    pub thermal: Option<ThermalPrinter>,
    /// QR scanner thread's state ([`ReaderHandle::watch`]).
    pub scanner: Option<ReaderState>,
}

/// Build the technician menu from the configuration: opens the [`Monitor`] (counters
/// under `maintenance.state_dir`; give it to [`crate::runtime::Services::monitor`]), opens the PIN store, starts the badge reader (when
/// `[badge_reader]` is configured) and bridges its reads into the menu. Returns the menu
/// and the defaults to start the resident's session with (saved technician defaults over
/// `[kiosk]`).
///
/// # Errors
/// The state folder cannot be created, or a PIN entry is invalid.
pub fn technician(
    cfg: &crate::config::Config,
    parts: Parts,
    rt: tokio::runtime::Handle,
) -> anyhow::Result<(Technician, Defaults)> {
    use anyhow::Context as _;
    let m = &cfg.maintenance;
    std::fs::create_dir_all(&m.state_dir).with_context(|| {
        format!(
            "maintenance.state_dir: cannot create {}",
            m.state_dir.display()
        )
    })?;
    let paths = super::StatePaths::new(&m.state_dir);
    let monitor = Arc::new(Monitor::open(&paths.counters));
    let pins: std::collections::HashMap<String, String> =
        m.pins.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let secret = super::pins::secret_from_credentials().map_err(|e| anyhow::anyhow!(e))?;
    if secret.is_none() && !pins.is_empty() {
        tracing::warn!(
            credential = super::pins::SECRET_CREDENTIAL,
            "no maintenance secret: PIN hashes are not peppered"
        );
    }
    let pins = PinStore::open(&pins, &paths.lockout, secret.as_deref())
        .map_err(|e| anyhow::anyhow!("maintenance.pins: {e}"))?;
    let defaults = Defaults::load(
        &paths.defaults,
        Defaults {
            language: cfg.kiosk.language,
            idle_timeout_s: cfg.kiosk.idle_timeout_s,
            ..Defaults::default()
        },
    );
    let (badge_reader, badge_events) = match &cfg.badge_reader {
        Some(serial) => {
            let (h, ev) = manassa_devices::badge::spawn(serial.clone());
            (Some(h), Some(ev))
        }
        None => (None, None),
    };
    let tools = Tools {
        pins,
        monitor,
        outbox: parts.outbox,
        sync: parts.sync,
        client: parts.client,
        thermal: parts.thermal,
        a4: A4Sink::from(&cfg.a4),
        card_reader: cfg.card_reader.is_some(),
        scanner: parts.scanner,
        badge_reader: badge_reader.as_ref().map(ReaderHandle::watch),
        kiosk_id: cfg.kiosk.id.clone(),
        defaults_path: paths.defaults,
        defaults: Mutex::new(defaults),
    };
    let mut tech = Technician::new(
        tools,
        Duration::from_secs(u64::from(m.session_timeout_s)),
        rt,
    );
    tech._badge_reader = badge_reader;
    if let Some(ev) = badge_events {
        forward_badge_events(ev, tech.sender(), tech.tools().monitor.clone());
    }
    Ok((tech, defaults))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_steps_compose_and_the_file_keeps_the_last_value() {
        let dir = std::env::temp_dir().join(format!("manassa-steps-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("defaults.json");
        let defaults = Arc::new(Mutex::new(Defaults::default()));
        // Two quick presses each: what the panel sends for "+30 s" and "+10", from two
        // threads at once (as two tokio tasks would run them).
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (d, p) = (defaults.clone(), path.clone());
                std::thread::spawn(move || {
                    for a in [Action::StepIdle(30), Action::StepVolume(10)] {
                        change_defaults(&d, &p, &a).unwrap();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let now = *defaults.lock().unwrap();
        assert_eq!((now.idle_timeout_s, now.volume), (150, 90), "no step lost");
        assert_eq!(Defaults::load(&path, Defaults::default()), now);
        // Steps stop at the bounds.
        for _ in 0..3 {
            change_defaults(&defaults, &path, &Action::StepVolume(10)).unwrap();
        }
        let d = change_defaults(&defaults, &path, &Action::StepIdle(-600)).unwrap();
        assert_eq!((d.idle_timeout_s, d.volume), (30, 100));
        let d = change_defaults(&defaults, &path, &Action::SetLanguage(Lang::En)).unwrap();
        assert_eq!(d.language, Lang::En);
        assert_eq!(Defaults::load(&path, Defaults::default()), d);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
