//! The technician menu as a pure state machine, beside the resident session: [`Menu::handle`]
//! takes a [`MenuIntent`] and returns [`MenuEffect`]s; [`Menu::view`] is what the panel
//! shows. No I/O, no clock (time arrives as [`MenuIntent::Tick`] in milliseconds), no Slint.
//!
//! Flow: closed → (hidden gesture) badge → (badge read) PIN → (submit) checking →
//! menu home ⇄ pages. A wrong PIN goes back to the PIN pad with the attempts left; a
//! lockout goes back to the badge prompt with the time left. Opening cancels the resident's
//! session first ([`MenuEffect::CancelResident`]); inactivity closes the menu back to the
//! attract screen ([`ENTRY_TIMEOUT_MS`] before login, the configured timeout after).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use manassa_core::badge::BadgeId;
use manassa_i18n::Lang;

// -- what the menu knows of the kiosk: PIN rules, counters, devices --

/// Shortest accepted PIN, in digits: 6, so a stolen hash is 10^6 Argon2id guesses away,
/// not 10^4.
pub const MIN_PIN_LEN: usize = 6;
/// Longest accepted PIN, in digits.
pub const MAX_PIN_LEN: usize = 8;

/// Persisted counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Counts {
    /// A4 pages delivered by the A4 printer (one per paper copy).
    pub a4_pages: u64,
    /// Thermal tickets printed (resident tickets and test tickets).
    pub tickets: u64,
    /// Cuts made by the thermal printer.
    pub cuts: u64,
    /// Cards captured into the card reader's bin.
    pub card_captures: u64,
    /// Tickets printed since the paper roll was last replaced (reset by the technician).
    pub roll_tickets: u64,
}

/// A device the menu reports on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Device {
    /// Thermal ticket printer.
    Thermal,
    /// A4 printer.
    A4,
    /// ID card reader.
    CardReader,
    /// QR scanner.
    Scanner,
    /// Technician badge reader.
    BadgeReader,
}

impl Device {
    /// Every device, in display order.
    pub const ALL: [Device; 5] = [
        Device::Thermal,
        Device::A4,
        Device::CardReader,
        Device::Scanner,
        Device::BadgeReader,
    ];

    /// Stable name for audits and Fluent ids (`maint-device-NAME`).
    pub fn name(self) -> &'static str {
        match self {
            Device::Thermal => "thermal",
            Device::A4 => "a4",
            Device::CardReader => "card-reader",
            Device::Scanner => "scanner",
            Device::BadgeReader => "badge-reader",
        }
    }
}

/// What a PIN attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinOutcome {
    /// Right badge and PIN.
    Accepted,
    /// Wrong (or unknown badge); `attempts_left` before a lockout.
    Rejected {
        /// Attempts left before the lockout starts.
        attempts_left: u32,
    },
    /// Locked out (this attempt was not checked, or it was the one that started it).
    LockedOut {
        /// Time left, rounded up to whole seconds.
        remaining: Duration,
        /// Whether this attempt is worth an audit record.
        audit: LockAudit,
    },
}

/// What a [`PinOutcome::LockedOut`] attempt is, for the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockAudit {
    /// This wrong PIN started the lockout (audit it).
    Started,
    /// The first attempt of this badge refused in this lockout period (audit it).
    Refused,
    /// This badge was already refused in this lockout period, or as many badges as the
    /// kiosk audits per period were (no audit).
    Quiet,
}

/// Inactivity before login (badge and PIN prompts) that closes the menu, in ms.
pub const ENTRY_TIMEOUT_MS: u64 = 60_000;

/// Where the technician is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The menu is not shown.
    Closed,
    /// Waiting for a badge.
    Badge,
    /// Typing the PIN.
    Pin,
    /// The PIN is being checked (Argon2id, off the UI thread).
    Checking,
    /// Logged in.
    Menu,
}

/// A page of the menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// The list of pages, restart and exit.
    Home,
    /// Device states, last errors and counters.
    Devices,
    /// Test prints and the paper roll counter.
    Printers,
    /// Self test of each reader.
    Readers,
    /// Outbox depth, oldest age, dead letters with re-queue.
    Outbox,
    /// Network interfaces and ministry API reachability.
    Network,
    /// Speech test in both languages.
    Speech,
    /// Volume, language and idle-time defaults.
    Defaults,
    /// Recent log lines.
    Logs,
}

impl Page {
    /// Pages listed on the home page, in order.
    pub const LISTED: [Page; 8] = [
        Page::Devices,
        Page::Printers,
        Page::Readers,
        Page::Outbox,
        Page::Network,
        Page::Speech,
        Page::Defaults,
        Page::Logs,
    ];

    /// Stable name (Fluent ids `maint-page-NAME`, snapshots, audits).
    pub fn name(self) -> &'static str {
        match self {
            Page::Home => "home",
            Page::Devices => "devices",
            Page::Printers => "printers",
            Page::Readers => "readers",
            Page::Outbox => "outbox",
            Page::Network => "network",
            Page::Speech => "speech",
            Page::Defaults => "defaults",
            Page::Logs => "logs",
        }
    }

    /// The page called `name`.
    pub fn parse(name: &str) -> Option<Page> {
        [Page::Home]
            .into_iter()
            .chain(Page::LISTED)
            .find(|p| p.name() == name)
    }
}

/// Something the technician asks the kiosk to do. Every action is audited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Print a test ticket on the thermal printer.
    TestTicket,
    /// Print a test page on the A4 printer.
    TestPage,
    /// Check a reader answers (its state as its driver sees it).
    SelfTest(Device),
    /// A new paper roll was loaded.
    ResetRoll,
    /// Move a dead letter back into the queue.
    Requeue(i64),
    /// Move every dead letter back into the queue (one audit record).
    RequeueAll,
    /// Measure network and API reachability.
    Ping,
    /// Speak a test sentence.
    Speak(Lang),
    /// Default language of the attract screen (from the next resident session on).
    SetLanguage(Lang),
    /// Change the default idle time by this many seconds (negative: shorter), applied to
    /// the value in force when the step runs and kept within 30–600 s, so steps compose
    /// even when the page lags behind (from the next resident session on).
    StepIdle(i32),
    /// Change the default speech volume by this many points (negative: quieter), applied to
    /// the value in force when the step runs and kept within 0–100.
    StepVolume(i32),
    /// Restart the application.
    Restart,
}

impl Action {
    /// Stable name for the audit record, e.g. `maintenance.test_ticket`.
    pub fn audit_name(&self) -> &'static str {
        match self {
            Action::TestTicket => "maintenance.test_ticket",
            Action::TestPage => "maintenance.test_page",
            Action::SelfTest(_) => "maintenance.self_test",
            Action::ResetRoll => "maintenance.reset_roll",
            Action::Requeue(_) => "outbox.requeue",
            Action::RequeueAll => "outbox.requeue_all",
            Action::Ping => "maintenance.ping",
            Action::Speak(_) => "maintenance.speech_test",
            Action::SetLanguage(_) => "maintenance.set_language",
            Action::StepIdle(_) => "maintenance.set_idle",
            Action::StepVolume(_) => "maintenance.set_volume",
            Action::Restart => "maintenance.restart",
        }
    }
}

/// A line for the panel: a Fluent id in `maintenance.ftl` and its one argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Fluent id.
    pub id: &'static str,
    /// Value of `$arg`, if the message has one (plain text, no personal data).
    pub arg: Option<String>,
    /// Good news (green) or a problem (red).
    pub ok: bool,
}

impl Notice {
    /// A notice with an argument.
    pub fn new(id: &'static str, arg: Option<String>, ok: bool) -> Notice {
        Notice { id, arg, ok }
    }
}

/// A device row on the devices page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRow {
    /// Which device.
    pub device: Device,
    /// Whether it is configured at all.
    pub configured: bool,
    /// XFS4IoT state name (`online`, `noDevice`, …) or `unknown`.
    pub state: String,
    /// Last error, sanitised.
    pub last_error: Option<String>,
}

/// A dead letter as listed (no payload: it may hold personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadRow {
    /// Row id (for re-queue).
    pub id: i64,
    /// Event kind.
    pub kind: String,
    /// Attempts made.
    pub attempts: u32,
    /// Why it was given up.
    pub error: String,
}

/// Facts a page shows, gathered by the runtime on [`MenuEffect::Refresh`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Facts {
    /// Device rows.
    pub devices: Vec<DeviceRow>,
    /// Counters.
    pub counts: Counts,
    /// Outbox depth, oldest age in seconds, number of dead letters and the newest of them;
    /// `None` if it could not be read.
    pub outbox: Option<(usize, Option<u64>, usize, Vec<DeadRow>)>,
    /// Network interfaces (name, up).
    pub interfaces: Vec<(String, bool)>,
    /// API reachability: latency in ms, or the error.
    pub api: Option<Result<u64, String>>,
    /// Recent log lines.
    pub logs: Vec<String>,
    /// Defaults: language, idle seconds, volume.
    pub defaults: Option<(Lang, u32, u8)>,
    /// Whether speech is available on this kiosk.
    pub speech: bool,
}

/// Inputs to the menu.
#[derive(Debug, Clone, PartialEq)]
pub enum MenuIntent {
    /// The hidden gesture was made.
    Open,
    /// A badge was read.
    BadgeRead(BadgeId),
    /// A PIN pad digit.
    Digit(u8),
    /// Delete the last PIN digit.
    Delete,
    /// Clear the PIN.
    Clear,
    /// Check the PIN.
    SubmitPin,
    /// The PIN check's answer.
    PinChecked(PinOutcome),
    /// Open a page.
    Go(Page),
    /// Back to home (from a page) or close (from home or a prompt).
    Back,
    /// Log out and close.
    Exit,
    /// Do something.
    Act(Action),
    /// An action finished: its notice, for the login that started it (see
    /// [`MenuEffect::Run`]); an answer for an earlier login is dropped.
    Done {
        /// The login the action was started in.
        login: u64,
        /// What to show.
        notice: Notice,
    },
    /// New facts for the page, gathered for a login ([`Menu::login`] when the
    /// [`MenuEffect::Refresh`] was run); facts for an earlier login are dropped.
    Facts {
        /// The login they were gathered for.
        login: u64,
        /// The facts.
        facts: Box<Facts>,
    },
    /// Milliseconds since start.
    Tick(u64),
    /// A touch anywhere on the panel (postpones the timeout).
    Activity,
}

/// What the runtime must do.
#[derive(Debug, Clone, PartialEq)]
pub enum MenuEffect {
    /// Cancel and wipe the resident's session (sent before the menu shows).
    CancelResident,
    /// Check `pin` for `badge` (answer with [`MenuIntent::PinChecked`]).
    CheckPin {
        /// The badge presented.
        badge: BadgeId,
        /// The PIN typed.
        pin: String,
    },
    /// Gather the facts for `page` (answer with [`MenuIntent::Facts`]).
    Refresh(Page),
    /// Run and audit an action (answer with [`MenuIntent::Done`] carrying `login`).
    Run {
        /// Who asked (the audit names this badge, whenever the action finishes).
        badge: BadgeId,
        /// Which login asked: a number that grows with every successful login.
        login: u64,
        /// What.
        action: Action,
    },
    /// Audit a login event (`maintenance.login`, `maintenance.login_failed`,
    /// `maintenance.lockout` when a lockout starts, `maintenance.lockout_refused` for the
    /// first refused attempt of a badge in a lockout period, `maintenance.logout`,
    /// `maintenance.timeout`).
    Audit {
        /// The badge concerned.
        badge: BadgeId,
        /// Event name.
        event: &'static str,
    },
    /// The menu closed: the resident's attract screen is back.
    Closed,
}

/// What the panel shows.
#[derive(Debug, Clone, PartialEq)]
pub struct MenuView {
    /// Stage.
    pub stage: Stage,
    /// Page (when logged in).
    pub page: Page,
    /// Digits typed so far (shown as dots).
    pub pin_len: usize,
    /// The technician's badge, masked (`******B2C3`).
    pub badge: Option<String>,
    /// Last notice.
    pub notice: Option<Notice>,
    /// An action is running.
    pub busy: bool,
    /// Facts for the page.
    pub facts: Facts,
}

/// The technician menu.
#[derive(Debug)]
pub struct Menu {
    stage: Stage,
    page: Page,
    badge: Option<BadgeId>,
    pin: String,
    notice: Option<Notice>,
    busy: bool,
    facts: Facts,
    now: u64,
    last_activity: u64,
    timeout_ms: u64,
    /// "Restart" was pressed once; a second press restarts.
    restart_armed: bool,
    /// Successful logins so far (kept when the menu closes): tags actions with the login
    /// that started them.
    login: u64,
}

impl Menu {
    /// A closed menu; logged-in sessions end after `timeout` without a touch.
    pub fn new(timeout: Duration) -> Menu {
        Menu {
            stage: Stage::Closed,
            page: Page::Home,
            badge: None,
            pin: String::new(),
            notice: None,
            busy: false,
            facts: Facts::default(),
            now: 0,
            last_activity: 0,
            timeout_ms: timeout.as_millis() as u64,
            restart_armed: false,
            login: 0,
        }
    }

    /// Whether the panel is shown.
    pub fn is_open(&self) -> bool {
        self.stage != Stage::Closed
    }

    /// The current login: a number that grows with every successful login (0 before the
    /// first). Answers ([`MenuIntent::Done`], [`MenuIntent::Facts`]) carry the login they
    /// belong to.
    pub fn login(&self) -> u64 {
        self.login
    }

    /// The view.
    pub fn view(&self) -> MenuView {
        MenuView {
            stage: self.stage,
            page: self.page,
            pin_len: self.pin.len(),
            badge: self.badge.map(|b| b.masked()),
            notice: self.notice.clone(),
            busy: self.busy,
            facts: self.facts.clone(),
        }
    }

    fn close(&mut self, fx: &mut Vec<MenuEffect>, event: Option<&'static str>) {
        if let (Some(badge), Some(event)) = (self.badge, event) {
            fx.push(MenuEffect::Audit { badge, event });
        }
        *self = Menu {
            now: self.now,
            last_activity: self.now,
            login: self.login,
            ..Menu::new(Duration::from_millis(self.timeout_ms))
        };
        fx.push(MenuEffect::Closed);
    }

    /// Apply one intent.
    pub fn handle(&mut self, intent: MenuIntent) -> Vec<MenuEffect> {
        let mut fx = Vec::new();
        let user_input = !matches!(
            intent,
            MenuIntent::Tick(_)
                | MenuIntent::Done { .. }
                | MenuIntent::Facts { .. }
                | MenuIntent::PinChecked(_)
        );
        // Restart needs two presses in a row: any other input in between disarms it.
        let armed = if user_input {
            self.last_activity = self.now;
            std::mem::take(&mut self.restart_armed)
        } else {
            self.restart_armed
        };
        match intent {
            MenuIntent::Open => {
                if self.stage == Stage::Closed {
                    fx.push(MenuEffect::CancelResident);
                    self.stage = Stage::Badge;
                    self.notice = None;
                }
            }
            MenuIntent::BadgeRead(id) => {
                if matches!(self.stage, Stage::Badge | Stage::Pin) {
                    self.badge = Some(id);
                    self.pin.clear();
                    // A lockout stays said until the next PIN answer.
                    if self.notice.as_ref().is_some_and(|n| n.id != "maint-locked") {
                        self.notice = None;
                    }
                    self.stage = Stage::Pin;
                }
            }
            MenuIntent::Digit(d) => {
                if self.stage == Stage::Pin && d < 10 && self.pin.len() < MAX_PIN_LEN {
                    self.pin.push(char::from(b'0' + d));
                }
            }
            MenuIntent::Delete => {
                if self.stage == Stage::Pin {
                    self.pin.pop();
                }
            }
            MenuIntent::Clear => {
                if self.stage == Stage::Pin {
                    self.pin.clear();
                }
            }
            MenuIntent::SubmitPin => {
                if self.stage == Stage::Pin
                    && self.pin.len() >= MIN_PIN_LEN
                    && let Some(badge) = self.badge
                {
                    fx.push(MenuEffect::CheckPin {
                        badge,
                        pin: std::mem::take(&mut self.pin),
                    });
                    self.stage = Stage::Checking;
                }
            }
            MenuIntent::PinChecked(outcome) => {
                if self.stage == Stage::Checking
                    && let Some(badge) = self.badge
                {
                    match outcome {
                        PinOutcome::Accepted => {
                            self.login += 1;
                            fx.push(MenuEffect::Audit {
                                badge,
                                event: "maintenance.login",
                            });
                            self.stage = Stage::Menu;
                            self.page = Page::Home;
                            self.notice = None;
                            fx.push(MenuEffect::Refresh(Page::Home));
                        }
                        PinOutcome::Rejected { attempts_left } => {
                            fx.push(MenuEffect::Audit {
                                badge,
                                event: "maintenance.login_failed",
                            });
                            self.stage = Stage::Pin;
                            self.notice = Some(Notice::new(
                                "maint-pin-wrong",
                                Some(attempts_left.to_string()),
                                false,
                            ));
                        }
                        PinOutcome::LockedOut { remaining, audit } => {
                            // Every attempt is refused; the audit is rate-limited by the
                            // PIN store (one refusal per badge and lockout period).
                            let event = match audit {
                                LockAudit::Started => Some("maintenance.lockout"),
                                LockAudit::Refused => Some("maintenance.lockout_refused"),
                                LockAudit::Quiet => None,
                            };
                            if let Some(event) = event {
                                fx.push(MenuEffect::Audit { badge, event });
                            }
                            self.stage = Stage::Badge;
                            self.badge = None;
                            self.notice = Some(Notice::new(
                                "maint-locked",
                                Some(remaining.as_secs().div_ceil(60).max(1).to_string()),
                                false,
                            ));
                        }
                    }
                }
            }
            MenuIntent::Go(page) => {
                if self.stage == Stage::Menu && !self.busy {
                    self.page = page;
                    self.notice = None;
                    fx.push(MenuEffect::Refresh(page));
                }
            }
            MenuIntent::Back => match self.stage {
                Stage::Menu if self.page != Page::Home => {
                    if !self.busy {
                        self.page = Page::Home;
                        self.notice = None;
                    }
                }
                Stage::Menu => self.close(&mut fx, Some("maintenance.logout")),
                Stage::Badge | Stage::Pin => self.close(&mut fx, None),
                Stage::Checking | Stage::Closed => {}
            },
            MenuIntent::Exit => {
                if self.stage != Stage::Checking && self.stage != Stage::Closed {
                    let event = (self.stage == Stage::Menu).then_some("maintenance.logout");
                    self.close(&mut fx, event);
                }
            }
            MenuIntent::Act(action) => {
                if action == Action::Restart && !armed && self.stage == Stage::Menu {
                    self.restart_armed = true;
                    self.notice = Some(Notice::new("maint-restart-confirm", None, false));
                } else if self.stage == Stage::Menu
                    && !self.busy
                    && let Some(badge) = self.badge
                {
                    self.busy = true;
                    self.notice = Some(Notice::new("maint-working", None, true));
                    fx.push(MenuEffect::Run {
                        badge,
                        login: self.login,
                        action,
                    });
                }
            }
            MenuIntent::Done { login, notice } => {
                // A slow action of an earlier login (logged out or timed out since) is not
                // this technician's business: its notice is dropped (it was audited with
                // its own badge).
                if self.stage == Stage::Menu && login == self.login {
                    self.busy = false;
                    self.notice = Some(notice);
                    fx.push(MenuEffect::Refresh(self.page));
                }
            }
            MenuIntent::Facts { login, facts } => {
                if self.stage == Stage::Menu && login == self.login {
                    self.facts = *facts;
                }
            }
            MenuIntent::Tick(now) => {
                self.now = now;
                let limit = if self.stage == Stage::Menu {
                    self.timeout_ms
                } else {
                    ENTRY_TIMEOUT_MS
                };
                // Also while an action runs: a hung device must not keep the menu open to
                // whoever comes next (its late answer finds the menu closed).
                if matches!(self.stage, Stage::Badge | Stage::Pin | Stage::Menu)
                    && now.saturating_sub(self.last_activity) >= limit
                {
                    let event = (self.stage == Stage::Menu).then_some("maintenance.timeout");
                    self.close(&mut fx, event);
                }
            }
            MenuIntent::Activity => self.restart_armed = armed,
        }
        fx
    }
}

#[cfg(test)]
mod tests;
