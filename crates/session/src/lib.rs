//! The resident's session: a pure state machine.
//!
//! [`Session::handle`] takes an [`Intent`] (a touch, a card read, an API answer, a clock
//! tick) and returns the [`Effect`]s the runtime must perform; [`Session::view`] is what the
//! UI renders. No I/O, no clock, no Slint here, so every journey is tested in microseconds.
//!
//! Invariants:
//! - personal data (QID, code, resident token, document list) lives only inside the private `State`
//!   and is dropped on every return to [`Screen::Attract`] (the wipe);
//! - a late API answer for a state the user has left is ignored, never applied;
//! - the card is ejected whenever a session that read it ends.

use manassa_core::{DocumentKind, IdMethod, Lang};

mod access;
mod complaint;
pub mod maintenance;
pub mod narrate;
pub mod texts;
pub use access::{Accessibility, Choice, Role, TactileKey, choices, keyboard_layout_label};
pub use complaint::{
    COMPLAINT_MAX_CHARS, COMPLAINT_MIN_CHARS, ComplaintCategory, ComplaintStep, ComplaintView,
    PHONE_LEN, TextKey, keyboard_rows,
};

pub use manassa_core::{CODE_LEN, QID_LEN};
/// Seconds of warning before an idle session is wiped (WCAG 2.2.1 asks for at least 20).
pub const IDLE_WARNING_S: u64 = 20;

/// Which screen is showing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// Touch to start.
    Attract,
    /// Choose a service: print a paper or verify one.
    Services,
    /// Insert card or type QID.
    Identify,
    /// Type the one-time code.
    Code,
    /// Choose a paper.
    Documents,
    /// Page 1 of the chosen paper, before printing.
    Preview,
    /// Paper and ticket being printed.
    Printing,
    /// Take your papers.
    Done,
    /// A problem the user must acknowledge.
    Error,
    /// Hold a paper's QR seal to the scanner.
    VerifyScan,
    /// The verdict on a scanned seal.
    VerifyResult,
    /// File a complaint or inquiry: category, text, optional phone.
    Complaint,
    /// Rate the service, 1–5 faces.
    Rating,
    /// A complaint or rating was recorded.
    Sent,
}

/// A service of the menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// Print an official paper (needs identification).
    Print,
    /// Verify a printed paper's seal (anonymous).
    Verify,
    /// File a complaint or an inquiry (anonymous; the phone number is optional).
    Complaint,
    /// Rate the service, 1 to 5 (anonymous).
    Rate,
}

/// What the sent screen confirms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SentKind {
    /// A complaint or inquiry.
    Complaint,
    /// A rating.
    Rating,
}

/// The sent screen: what was recorded and whether it left the kiosk yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentView {
    /// Complaint or rating.
    pub kind: SentKind,
    /// Reference to quote to the ministry (complaints; empty for ratings).
    pub reference: String,
    /// The ministry could not be reached: kept in the kiosk's outbox, sent when back.
    pub offline: bool,
}

/// Honest progress of a print job: what the kiosk knows, no invented percentages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrintStage {
    /// The paper is going to the A4 printer and printing (CUPS job until completed).
    Paper,
    /// The paper is out; the thermal ticket is printing.
    Ticket,
}

/// An RGBA preview image (8 bits a channel, row-major, premultiplied alpha not used).
#[derive(Clone, PartialEq, Eq)]
pub struct PreviewImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 4` bytes.
    pub rgba: std::sync::Arc<Vec<u8>>,
}

impl std::fmt::Debug for PreviewImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PreviewImage({}x{})", self.width, self.height)
    }
}

/// What a scanned seal turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerdictStatus {
    /// Signature valid and the ministry says the paper is valid.
    Genuine,
    /// Signature valid; the ministry could not be asked about revocation (offline).
    GenuineOffline,
    /// Signature valid but the ministry revoked the paper.
    Revoked,
    /// The seal does not verify: altered or forged.
    Altered,
    /// Not a ministry seal at all.
    NotASeal,
}

/// The verdict on a scanned seal and the paper's key facts (from the signed claims).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The verdict.
    pub status: VerdictStatus,
    /// Document number, when the seal verified.
    pub number: String,
    /// Document kind, when the seal verified.
    pub kind: Option<DocumentKind>,
    /// Issue date `YYYY-MM-DD`, when the seal verified.
    pub issued_on: String,
}

/// A message to show, by Fluent id, rendered in the current language by the UI (so a
/// language switch re-renders it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    /// Fluent message id.
    pub id: &'static str,
    /// Numeric argument `$count`, if the message has one.
    pub count: Option<i64>,
}

impl Msg {
    fn new(id: &'static str) -> Msg {
        Msg { id, count: None }
    }
}

/// Why an effect failed, as the session needs to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The QID failed validation.
    InvalidQid,
    /// No resident with that QID.
    ResidentNotFound,
    /// The resident's account is locked.
    AccountLocked,
    /// Wrong one-time code.
    WrongCode {
        /// Attempts the server still allows.
        attempts_left: u32,
    },
    /// The challenge is dead after too many wrong codes.
    TooManyAttempts,
    /// The code expired.
    CodeExpired,
    /// The ministry could not be reached or answered garbage.
    Network,
    /// A printer refused or failed the job.
    Printer,
    // -- A4 printer states --
    /// The A4 printer could not print, so nothing was sent to it (checked before printing:
    /// paper out, jam, door open, toner out, stopped or missing queue).
    A4NotReady(manassa_core::PrinterProblem),
    /// The A4 printer stopped during the job; the kiosk cancelled it and the paper is not
    /// counted as delivered.
    A4Interrupted(manassa_core::PrinterProblem),
    // -- end A4 printer states --
    /// The document's seal did not verify; it was not printed.
    SealInvalid,
    /// The card could not be read.
    Card,
    /// The phone number typed for a complaint is not a Qatar number.
    InvalidPhone,
    /// A complaint or rating could not be stored (disk full): nothing was recorded.
    NotRecorded,
    /// Anything else.
    Other,
}

impl Failure {
    fn msg(&self) -> Msg {
        match self {
            Failure::InvalidQid => Msg::new("error-invalid-qid"),
            Failure::ResidentNotFound => Msg::new("error-resident-not-found"),
            Failure::AccountLocked => Msg::new("error-account-locked"),
            Failure::WrongCode { attempts_left } => Msg {
                id: "code-attempts-left",
                count: Some(*attempts_left as i64),
            },
            Failure::TooManyAttempts => Msg::new("error-too-many-attempts"),
            Failure::CodeExpired => Msg::new("error-code-expired"),
            Failure::Network => Msg::new("error-network"),
            Failure::Printer => Msg::new("error-printer"),
            // -- A4 printer states --
            Failure::A4NotReady(p) => Msg::new(p.not_ready_message()),
            Failure::A4Interrupted(p) => Msg::new(p.interrupted_message()),
            // -- end A4 printer states --
            Failure::SealInvalid => Msg::new("error-seal"),
            Failure::Card => Msg::new("error-card"),
            Failure::InvalidPhone => Msg::new("error-invalid-phone"),
            Failure::NotRecorded => Msg::new("error-not-recorded"),
            Failure::Other => Msg::new("error-generic"),
        }
    }
}

/// Fluent id of a document kind's name, e.g. `doc-kind-building_permit`.
pub fn kind_msg_id(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::BuildingPermit => "doc-kind-building_permit",
        DocumentKind::CompletionCertificate => "doc-kind-completion_certificate",
        DocumentKind::SalaryStatement => "doc-kind-salary_statement",
    }
}

/// A paper the resident can print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocItem {
    /// API document id.
    pub id: String,
    /// Kind, for the localised title.
    pub kind: DocumentKind,
    /// Printed number, e.g. `BP-2026-004512`.
    pub number: String,
    /// Issue date `YYYY-MM-DD`.
    pub issued_on: String,
}

/// A key of the on-screen or tactile numeric keypad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A digit 0–9.
    Digit(u8),
    /// Remove the last digit.
    Delete,
    /// Empty the field.
    Clear,
}

impl Key {
    fn apply(self, field: &str, max: usize) -> String {
        let mut s = field.to_string();
        match self {
            Key::Digit(d) if d < 10 && s.len() < max => s.push(char::from(b'0' + d)),
            Key::Digit(_) => {}
            Key::Delete => {
                s.pop();
            }
            Key::Clear => s.clear(),
        }
        s
    }
}

/// Everything that can happen to a session.
#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    /// Touch on the attract screen.
    Start,
    /// A service chosen on the menu.
    ChooseService(Service),
    /// The chosen paper is fetched, verified and rendered; page 1 as a preview.
    PreviewReady {
        /// Document id.
        document_id: String,
        /// Page 1.
        preview: PreviewImage,
    },
    /// Print the previewed paper.
    ConfirmPrint,
    /// The scanner read a code (untrusted text).
    SealScanned(String),
    /// The verdict on the scanned seal.
    SealChecked(Verdict),
    /// The one-touch language switch.
    SwitchLanguage,
    /// The QID field's new content (the UI filters nothing; the session keeps digits only).
    QidEdited(String),
    /// A keypad key for the field on screen (QID or code).
    Key(Key),
    /// Continue with the typed QID.
    SubmitQid,
    /// The card reader read an ID card; `qid` is the card's ID number.
    CardRead {
        /// The card's ID number.
        qid: String,
    },
    /// A card was inserted but could not be read.
    CardUnreadable,
    /// The card was taken out of the reader.
    CardRemoved,
    /// Any touch or key that is not otherwise an intent ("I need more time").
    Activity,
    /// The code field's new content.
    CodeEdited(String),
    /// Verify the typed code.
    SubmitCode,
    /// The ministry started a challenge.
    ChallengeStarted {
        /// Challenge id for verification.
        challenge_id: String,
        /// Phone number as the ministry masked it.
        masked_phone: String,
    },
    /// Demo only: the code the (non-existent) SMS would carry, shown on a demo panel.
    DemoCode(String),
    /// The code was right; the resident's session token.
    CodeVerified {
        /// Short-lived resident session token (kept in memory only).
        token: String,
    },
    /// The resident's papers.
    DocumentsListed(Vec<DocItem>),
    /// Print this paper.
    SelectDocument(String),
    /// The paper and ticket were printed.
    PrintFinished {
        /// Reference number printed on the ticket.
        reference: String,
    },
    /// An effect failed.
    Failed(Failure),
    /// Back one step.
    Back,
    /// Abandon the session.
    Cancel,
    /// Finish on the done screen, or dismiss an error.
    Finish,
    /// Clock tick, milliseconds on a monotonic clock.
    Tick(u64),
    /// Printing moved on to the next stage.
    PrintProgress(PrintStage),
    /// A complaint category chosen.
    ChooseCategory(ComplaintCategory),
    /// A key of the on-screen text keyboard.
    TextKey(TextKey),
    /// The complaint text's new content (untrusted; sanitised and bounded by the session).
    TextEdited(String),
    /// Continue to the next step of a multi-step form (complaint).
    Next,
    /// A rating, 1 (very unhappy) to 5 (very happy).
    Rate(u8),
    /// The complaint or rating is stored in the outbox.
    Submitted {
        /// Reference for the resident (complaints).
        reference: String,
        /// The ministry is not reachable now; it will be sent later.
        offline: bool,
    },
    /// A key of the tactile keypad (ADA §707.6, EN 301 549 5.1.3).
    Tactile(TactileKey),
    /// Say the current screen again (audio mode).
    RepeatSpeech,
    /// Audio guidance on or off (the accessibility button).
    ToggleAudio,
    /// Large text on or off.
    ToggleLargeText,
    /// High contrast on or off.
    ToggleHighContrast,
}

/// What the runtime must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Start resident authentication (answers `ChallengeStarted` or `Failed`).
    StartChallenge {
        /// The QID.
        qid: String,
        /// From a card read or typed.
        method: IdMethod,
    },
    /// Verify the code (answers `CodeVerified` or `Failed`).
    VerifyCode {
        /// Challenge id.
        challenge_id: String,
        /// The code.
        code: String,
    },
    /// List papers (answers `DocumentsListed` or `Failed`).
    ListDocuments {
        /// Resident token.
        token: String,
    },
    /// Fetch a paper, verify its seal, render it (answers `PreviewReady` or `Failed`).
    PrepareDocument {
        /// Resident token.
        token: String,
        /// Document id.
        document_id: String,
    },
    /// Print the prepared paper, print the ticket, audit it (answers `PrintFinished` or
    /// `Failed`).
    PrintDocument {
        /// Document id (must be the prepared one).
        document_id: String,
        /// The language the resident used (ticket text).
        lang: Lang,
    },
    /// Verify a scanned seal offline, then ask the ministry about revocation (answers
    /// `SealChecked`).
    VerifySeal {
        /// The scanned text.
        text: String,
    },
    /// Give the card back.
    EjectCard,
    /// Check the A4 printer before the resident identifies (answers `Failed(A4NotReady)`
    /// only when it cannot print).
    CheckPrinter,
    /// Store a complaint in the outbox (answers `Submitted` or `Failed(NotRecorded)`).
    FileComplaint {
        /// Category.
        category: ComplaintCategory,
        /// The text, sanitised, `COMPLAINT_MIN_CHARS..=COMPLAINT_MAX_CHARS` characters.
        text: String,
        /// Optional phone, [`PHONE_LEN`] digits.
        phone: Option<String>,
        /// The resident's language (for the ministry's answer).
        lang: Lang,
    },
    /// Store a rating in the outbox (answers `Submitted` or `Failed(NotRecorded)`).
    SubmitRating {
        /// 1–5.
        stars: u8,
        /// The resident's language.
        lang: Lang,
    },
    /// Say the current screen again (audio mode; the Help/Repeat key).
    RepeatSpeech,
    /// The session ended: cancel anything in flight, forget everything.
    Wipe,
}

#[derive(Debug, Clone, PartialEq)]
enum State {
    Attract,
    Identify {
        qid: String,
        busy: bool,
        error: Option<Msg>,
    },
    Code {
        challenge_id: String,
        masked_phone: String,
        code: String,
        busy: bool,
        error: Option<Msg>,
        demo_code: Option<String>,
    },
    Documents {
        token: String,
        docs: Option<Vec<DocItem>>,
        error: Option<Msg>,
    },
    Services,
    Preview {
        token: String,
        docs: Vec<DocItem>,
        document_id: String,
        preview: Option<PreviewImage>,
    },
    Printing {
        token: String,
        docs: Vec<DocItem>,
        stage: PrintStage,
        printed: Option<DocItem>,
    },
    Complaint(complaint::Form),
    Rating {
        busy: bool,
    },
    Sent(SentView),
    VerifyScan {
        busy: bool,
    },
    VerifyResult {
        verdict: Verdict,
    },
    Done {
        reference: String,
        printed: Option<DocItem>,
    },
    Error {
        msg: Msg,
        /// The ministry is unreachable: offer what works offline.
        offline: bool,
    },
}

/// What the UI shows: plain data, no Slint types.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// The screen.
    pub screen: Screen,
    /// Current language.
    pub lang: Lang,
    /// QID field content.
    pub qid: String,
    /// Code field content.
    pub code: String,
    /// Masked phone of the code screen.
    pub masked_phone: String,
    /// Waiting for an answer.
    pub busy: bool,
    /// Message on the current screen (or the error screen's message).
    pub error: Option<Msg>,
    /// Papers on the documents screen (`None` while loading).
    pub documents: Option<Vec<DocItem>>,
    /// Reference on the done screen.
    pub reference: String,
    /// What was printed, on the done screen.
    pub printed: Option<DocItem>,
    /// Seconds left before an idle wipe, while the warning shows.
    pub idle_warning_s: Option<u64>,
    /// A card is in the reader (the done screen says "take your card").
    pub card_in_reader: bool,
    /// Demo panel: the one-time code.
    pub demo_code: Option<String>,
    /// Page 1 of the chosen paper on the preview screen (`None` while it is prepared).
    pub preview: Option<PreviewImage>,
    /// The verdict on the verify-result screen.
    pub verdict: Option<Verdict>,
    /// The complaint form, on the complaint screen.
    pub complaint: Option<ComplaintView>,
    /// What the sent screen confirms.
    pub sent: Option<SentView>,
    /// Print progress on the printing screen.
    pub print_stage: Option<PrintStage>,
    /// The error screen offers the services that work offline (network down).
    pub offline_offers: bool,
    /// Audio guidance, large text, high contrast, volume and rate (reset for each user).
    pub access: Accessibility,
    /// What the keypad can focus on this screen, in reading order.
    pub choices: Vec<Choice>,
    /// The keypad focus: an index into `choices` (none until the keypad moves it).
    pub focus: Option<usize>,
}

impl View {
    /// The key of the focused choice, if any.
    pub fn focus_key(&self) -> Option<&str> {
        self.focus
            .and_then(|i| self.choices.get(i))
            .map(|c| c.key.as_str())
    }
}

/// The state machine.
#[derive(Debug, Clone)]
pub struct Session {
    state: State,
    lang: Lang,
    default_lang: Lang,
    idle_timeout_ms: u64,
    /// The idle time the next user gets (the technician's default).
    default_idle_timeout_ms: u64,
    last_input_ms: u64,
    now_ms: u64,
    card_in_reader: bool,
    /// The card was already given back (at the done screen).
    card_ejected: bool,
    access: Accessibility,
    /// What every user starts with (the technician's volume default).
    default_access: Accessibility,
    /// The focused choice's key (not its index: lists change under the focus).
    focus: Option<String>,
}

impl Session {
    /// A session on the attract screen. `idle_timeout_s` is the idle time before the
    /// warning; the wipe follows [`IDLE_WARNING_S`] later.
    pub fn new(default_lang: Lang, idle_timeout_s: u64) -> Session {
        Session {
            state: State::Attract,
            lang: default_lang,
            default_lang,
            idle_timeout_ms: idle_timeout_s * 1000,
            default_idle_timeout_ms: idle_timeout_s * 1000,
            last_input_ms: 0,
            now_ms: 0,
            card_in_reader: false,
            card_ejected: false,
            access: Accessibility::default(),
            default_access: Accessibility::default(),
            focus: None,
        }
    }

    /// Start every user at speech volume `level` (clamped to `1..=VOLUME_MAX`), the
    /// technician's default (maintenance menu).
    pub fn with_default_volume(mut self, level: u8) -> Session {
        self.default_access.volume = level.clamp(1, access::VOLUME_MAX);
        self.access = self.default_access;
        self
    }

    /// New defaults from the technician menu: the language, idle time (seconds) and speech
    /// volume level (clamped to `1..=VOLUME_MAX`) every user starts with. They take effect
    /// at the next wipe (the next user); the user on screen keeps their language, idle
    /// time and volume. On the attract screen (nobody there) they apply at once.
    pub fn set_defaults(&mut self, lang: Lang, idle_timeout_s: u64, volume_level: u8) {
        self.default_lang = lang;
        self.default_idle_timeout_ms = idle_timeout_s * 1000;
        self.default_access.volume = volume_level.clamp(1, access::VOLUME_MAX);
        // Nobody on screen (the technician menu cancelled to attract, or closed before the
        // save answered): the attract screen itself is the next user's.
        if matches!(self.state, State::Attract) {
            self.lang = self.default_lang;
            self.idle_timeout_ms = self.default_idle_timeout_ms;
            self.access.volume = self.default_access.volume;
        }
    }

    /// The current screen.
    pub fn screen(&self) -> Screen {
        match self.state {
            State::Attract => Screen::Attract,
            State::Services => Screen::Services,
            State::Preview { .. } => Screen::Preview,
            State::VerifyScan { .. } => Screen::VerifyScan,
            State::VerifyResult { .. } => Screen::VerifyResult,
            State::Identify { .. } => Screen::Identify,
            State::Code { .. } => Screen::Code,
            State::Documents { .. } => Screen::Documents,
            State::Printing { .. } => Screen::Printing,
            State::Complaint(_) => Screen::Complaint,
            State::Rating { .. } => Screen::Rating,
            State::Sent(_) => Screen::Sent,
            State::Done { .. } => Screen::Done,
            State::Error { .. } => Screen::Error,
        }
    }

    /// Current language.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// Audio guidance is on for the current user.
    pub fn audio_on(&self) -> bool {
        self.access.audio
    }

    /// Apply one intent; returns the effects to run, in order.
    pub fn handle(&mut self, intent: Intent) -> Vec<Effect> {
        let screen = self.screen();
        let step = self.complaint_step();
        let printing = matches!(self.state, State::Printing { .. });
        let fx = self.apply(intent);
        // A new screen starts with no keypad focus; speech reads it from the top.
        if self.screen() != screen || self.complaint_step() != step {
            self.focus = None;
        }
        // The idle clock stood still while printing; the done (or error) screen gets the
        // whole idle time to be read.
        if printing && !matches!(self.state, State::Printing { .. }) {
            self.last_input_ms = self.now_ms;
        }
        fx
    }

    fn complaint_step(&self) -> Option<ComplaintStep> {
        match &self.state {
            State::Complaint(f) => Some(f.view.step),
            _ => None,
        }
    }

    fn idle_warning_shown(&self) -> bool {
        self.state != State::Attract
            && !matches!(self.state, State::Printing { .. })
            && self.now_ms.saturating_sub(self.last_input_ms) >= self.idle_timeout_ms
    }

    fn apply(&mut self, intent: Intent) -> Vec<Effect> {
        // Known before this input resets the idle clock: while the warning shows, a key
        // only means "more time", whatever the focus was under it.
        let warning = self.idle_warning_shown();
        let user_input = !matches!(
            intent,
            Intent::Tick(_)
                | Intent::ChallengeStarted { .. }
                | Intent::DemoCode(_)
                | Intent::CodeVerified { .. }
                | Intent::DocumentsListed(_)
                | Intent::PrintFinished { .. }
                | Intent::Failed(_)
                | Intent::CardRemoved
                | Intent::PreviewReady { .. }
                | Intent::SealChecked(_)
                | Intent::PrintProgress(_)
                | Intent::Submitted { .. }
        );
        if user_input {
            self.last_input_ms = self.now_ms;
        }
        let mut fx = Vec::new();
        match intent {
            Intent::Tick(now) => {
                self.now_ms = now;
                if self.state != State::Attract
                    && !matches!(self.state, State::Printing { .. })
                    && now.saturating_sub(self.last_input_ms)
                        >= self.idle_timeout_ms + IDLE_WARNING_S * 1000
                {
                    self.wipe(&mut fx);
                }
            }
            Intent::SwitchLanguage => self.lang = self.lang.other(),
            Intent::Start => {
                if self.state == State::Attract {
                    self.state = State::Services;
                }
            }
            Intent::ChooseService(service) => {
                // Offline, the error screen offers the services that work without the ministry.
                let offline_offer = matches!(self.state, State::Error { offline: true, .. })
                    && service != Service::Print;
                if self.state == State::Services || offline_offer {
                    self.state = match service {
                        Service::Print => {
                            fx.push(Effect::CheckPrinter);
                            identify()
                        }
                        Service::Verify => State::VerifyScan { busy: false },
                        Service::Complaint => State::Complaint(complaint::Form::new(self.lang)),
                        Service::Rate => State::Rating { busy: false },
                    };
                }
            }
            Intent::PrintProgress(next) => {
                if let State::Printing { stage, .. } = &mut self.state {
                    *stage = next;
                }
            }
            Intent::ChooseCategory(cat) => {
                if let State::Complaint(f) = &mut self.state {
                    f.choose(cat);
                }
            }
            Intent::TextKey(k) => {
                if let State::Complaint(f) = &mut self.state {
                    f.text_key(k);
                }
            }
            Intent::TextEdited(t) => {
                if let State::Complaint(f) = &mut self.state {
                    f.text_edited(&t);
                }
            }
            Intent::Next => {
                if let State::Complaint(f) = &mut self.state
                    && let complaint::Outcome::Submit {
                        category,
                        text,
                        phone,
                    } = f.next()
                {
                    fx.push(Effect::FileComplaint {
                        category,
                        text,
                        phone,
                        lang: self.lang,
                    });
                }
            }
            Intent::Rate(stars) => {
                if let State::Rating { busy: busy @ false } = &mut self.state
                    && (1..=5).contains(&stars)
                {
                    *busy = true;
                    fx.push(Effect::SubmitRating {
                        stars,
                        lang: self.lang,
                    });
                }
            }
            Intent::Submitted { reference, offline } => {
                let kind = match &self.state {
                    State::Complaint(f) if f.view.busy => Some(SentKind::Complaint),
                    State::Rating { busy: true } => Some(SentKind::Rating),
                    _ => None,
                };
                if let Some(kind) = kind {
                    self.state = State::Sent(SentView {
                        kind,
                        reference,
                        offline,
                    });
                }
            }
            Intent::Tactile(key) => {
                let settings = matches!(
                    key,
                    TactileKey::Help
                        | TactileKey::VolumeUp
                        | TactileKey::VolumeDown
                        | TactileKey::Star
                        | TactileKey::Hash
                );
                if warning && !settings {
                    // "More time": the clock was reset above; nothing under the warning acts.
                } else if let Some(i) = self.tactile(key) {
                    fx.extend(self.apply(i));
                }
            }
            Intent::ToggleAudio => self.access.audio = !self.access.audio,
            Intent::ToggleLargeText => self.access.large_text = !self.access.large_text,
            Intent::ToggleHighContrast => self.access.high_contrast = !self.access.high_contrast,
            Intent::SealScanned(text) => {
                // A scan is also how a passer-by starts the verify service.
                if matches!(
                    self.state,
                    State::Attract
                        | State::Services
                        | State::VerifyScan { busy: false }
                        | State::VerifyResult { .. }
                ) {
                    self.last_input_ms = self.now_ms;
                    self.state = State::VerifyScan { busy: true };
                    fx.push(Effect::VerifySeal { text });
                }
            }
            Intent::SealChecked(verdict) => {
                if let State::VerifyScan { busy: true } = self.state {
                    self.state = State::VerifyResult { verdict };
                }
            }
            Intent::PreviewReady {
                document_id,
                preview,
            } => {
                if let State::Preview {
                    document_id: id,
                    preview: slot @ None,
                    ..
                } = &mut self.state
                    && *id == document_id
                {
                    *slot = Some(preview);
                }
            }
            Intent::RepeatSpeech => fx.push(Effect::RepeatSpeech),
            Intent::ConfirmPrint => {
                if let State::Preview {
                    token,
                    docs,
                    document_id,
                    preview: Some(_),
                } = &self.state
                {
                    fx.push(Effect::PrintDocument {
                        document_id: document_id.clone(),
                        lang: self.lang,
                    });
                    self.state = State::Printing {
                        token: token.clone(),
                        printed: docs.iter().find(|d| d.id == *document_id).cloned(),
                        docs: docs.clone(),
                        stage: PrintStage::Paper,
                    };
                }
            }
            Intent::Cancel => {
                if !matches!(self.state, State::Printing { .. }) {
                    self.wipe(&mut fx);
                }
            }
            Intent::Back => match &mut self.state {
                State::Services | State::VerifyScan { busy: false } => self.wipe(&mut fx),
                State::Rating { busy: false } => self.state = State::Services,
                State::Complaint(f) => {
                    // The form steps back; from its first step, back to the services.
                    let stayed = f.back();
                    if !stayed {
                        self.state = State::Services;
                    }
                }
                State::Preview { token, docs, .. } => {
                    let (token, docs) = (token.clone(), docs.clone());
                    self.state = State::Documents {
                        token,
                        docs: Some(docs),
                        error: None,
                    };
                }
                // Not while an answer is awaited: it would land on the wrong screen.
                State::Identify { busy: true, .. } | State::Code { busy: true, .. } => {}
                State::Identify { .. } => self.state = State::Services,
                State::Code { .. } | State::Documents { .. } => {
                    // Going back drops the challenge or the resident token.
                    self.state = identify();
                }
                _ => {}
            },
            Intent::Finish => {
                if matches!(
                    self.state,
                    State::Done { .. }
                        | State::Error { .. }
                        | State::VerifyResult { .. }
                        | State::Sent(_)
                ) {
                    self.wipe(&mut fx);
                }
            }
            Intent::QidEdited(text) => {
                if let State::Identify {
                    qid,
                    busy: false,
                    error,
                } = &mut self.state
                {
                    *qid = text
                        .chars()
                        .filter(char::is_ascii_digit)
                        .take(QID_LEN)
                        .collect();
                    *error = None;
                }
            }
            Intent::Key(key) => match &mut self.state {
                State::Identify {
                    qid,
                    busy: false,
                    error,
                } => {
                    *qid = key.apply(qid, QID_LEN);
                    *error = None;
                }
                State::Code {
                    code,
                    busy: false,
                    error,
                    ..
                } => {
                    *code = key.apply(code, CODE_LEN);
                    *error = None;
                }
                State::Complaint(f) => f.phone_key(key),
                _ => {}
            },
            Intent::SubmitQid => {
                if let State::Identify { qid, busy, error } = &mut self.state {
                    if *busy {
                        return fx;
                    }
                    if qid.len() != QID_LEN {
                        *error = Some(Failure::InvalidQid.msg());
                    } else {
                        *busy = true;
                        *error = None;
                        fx.push(Effect::StartChallenge {
                            qid: qid.clone(),
                            method: IdMethod::Typed,
                        });
                    }
                }
            }
            Intent::CardRead { qid: card_qid } => {
                self.card_in_reader = true;
                self.card_ejected = false;
                match &mut self.state {
                    State::Attract | State::Services => {
                        // A card is how a resident starts printing without a touch.
                        fx.push(Effect::CheckPrinter);
                        self.state = identify();
                        self.start_card_challenge(card_qid, &mut fx);
                    }
                    State::Identify { busy: false, .. } => {
                        self.start_card_challenge(card_qid, &mut fx);
                    }
                    // A card inserted mid-journey is not for this session: give it back.
                    _ => fx.push(Effect::EjectCard),
                }
            }
            Intent::CardRemoved => {
                self.card_in_reader = false;
                self.card_ejected = false;
            }
            Intent::Activity => {}
            Intent::CardUnreadable => {
                fx.push(Effect::EjectCard);
                if let State::Identify { error, .. } = &mut self.state {
                    *error = Some(Failure::Card.msg());
                }
            }
            Intent::ChallengeStarted {
                challenge_id,
                masked_phone,
            } => {
                if let State::Identify { busy: true, .. } = self.state {
                    self.state = State::Code {
                        challenge_id,
                        masked_phone,
                        code: String::new(),
                        busy: false,
                        error: None,
                        demo_code: None,
                    };
                }
            }
            Intent::DemoCode(c) => {
                if let State::Code { demo_code, .. } = &mut self.state {
                    *demo_code = Some(c);
                }
            }
            Intent::CodeEdited(text) => {
                if let State::Code {
                    code,
                    busy: false,
                    error,
                    ..
                } = &mut self.state
                {
                    *code = text
                        .chars()
                        .filter(char::is_ascii_digit)
                        .take(CODE_LEN)
                        .collect();
                    *error = None;
                }
            }
            Intent::SubmitCode => {
                if let State::Code {
                    challenge_id,
                    code,
                    busy,
                    error,
                    ..
                } = &mut self.state
                {
                    if *busy {
                        return fx;
                    }
                    if code.len() != CODE_LEN {
                        *error = Some(Msg::new("error-code-short"));
                        return fx;
                    }
                    *busy = true;
                    *error = None;
                    fx.push(Effect::VerifyCode {
                        challenge_id: challenge_id.clone(),
                        code: code.clone(),
                    });
                }
            }
            Intent::CodeVerified { token } => {
                if let State::Code { busy: true, .. } = self.state {
                    fx.push(Effect::ListDocuments {
                        token: token.clone(),
                    });
                    self.state = State::Documents {
                        token,
                        docs: None,
                        error: None,
                    };
                }
            }
            Intent::DocumentsListed(list) => {
                if let State::Documents { docs, .. } = &mut self.state {
                    *docs = Some(list);
                }
            }
            Intent::SelectDocument(id) => {
                if let State::Documents {
                    token,
                    docs: Some(docs),
                    ..
                } = &self.state
                    && docs.iter().any(|d| d.id == id)
                {
                    fx.push(Effect::PrepareDocument {
                        token: token.clone(),
                        document_id: id.clone(),
                    });
                    self.state = State::Preview {
                        token: token.clone(),
                        docs: docs.clone(),
                        document_id: id,
                        preview: None,
                    };
                }
            }
            Intent::PrintFinished { reference } => {
                if let State::Printing { printed, .. } = &self.state {
                    let printed = printed.clone();
                    self.state = State::Done { reference, printed };
                    // "Take your card": the reader presents it at the gate now.
                    if self.card_in_reader && !self.card_ejected {
                        fx.push(Effect::EjectCard);
                        self.card_ejected = true;
                    }
                }
            }
            Intent::Failed(failure) => self.fail(failure, &mut fx),
        }
        fx
    }

    fn start_card_challenge(&mut self, card_qid: String, fx: &mut Vec<Effect>) {
        let digits: String = card_qid.chars().filter(char::is_ascii_digit).collect();
        if digits.len() != QID_LEN {
            fx.push(Effect::EjectCard);
            self.state = State::Identify {
                qid: String::new(),
                busy: false,
                error: Some(Failure::Card.msg()),
            };
            return;
        }
        self.state = State::Identify {
            qid: digits.clone(),
            busy: true,
            error: None,
        };
        fx.push(Effect::StartChallenge {
            qid: digits,
            method: IdMethod::Card,
        });
    }

    fn fail(&mut self, failure: Failure, fx: &mut Vec<Effect>) {
        let msg = failure.msg();
        let offline = failure == Failure::Network;
        match &mut self.state {
            // The printer check of the print service answers while the resident identifies
            // (a card read may already be in flight): no point going on, say it now.
            State::Identify { .. } | State::Code { .. }
                if matches!(failure, Failure::A4NotReady(_)) =>
            {
                self.state = State::Error { msg, offline };
            }
            State::Complaint(f) if f.view.busy => {
                f.view.busy = false;
                f.error = Some(msg);
            }
            State::Rating { busy } if *busy => {
                *busy = false;
                self.state = State::Error { msg, offline };
            }
            State::Identify { busy, error, .. } if *busy => {
                *busy = false;
                match failure {
                    Failure::Network | Failure::AccountLocked => {
                        self.state = State::Error { msg, offline };
                    }
                    _ => *error = Some(msg),
                }
            }
            State::Code {
                busy, error, code, ..
            } if *busy => {
                *busy = false;
                code.clear();
                match failure {
                    Failure::WrongCode { .. } => *error = Some(msg),
                    _ => self.state = State::Error { msg, offline },
                }
            }
            State::Documents { error, docs, .. } if docs.is_none() => {
                *error = Some(msg.clone());
                self.state = State::Error { msg, offline };
            }
            State::Preview { token, docs, .. } | State::Printing { token, docs, .. } => {
                // Nothing was delivered; the resident may choose again.
                self.state = State::Documents {
                    token: token.clone(),
                    docs: Some(docs.clone()),
                    error: Some(msg),
                };
            }
            _ => {
                let _ = fx;
            }
        }
    }

    /// Forget everything about the resident and return to the attract screen.
    fn wipe(&mut self, fx: &mut Vec<Effect>) {
        if self.card_in_reader && !self.card_ejected {
            fx.push(Effect::EjectCard);
        }
        self.card_in_reader = false;
        self.card_ejected = false;
        fx.push(Effect::Wipe);
        self.state = State::Attract;
        self.lang = self.default_lang;
        self.idle_timeout_ms = self.default_idle_timeout_ms;
        // The next user starts with the defaults (DESIGN §9).
        self.access = self.default_access;
        self.focus = None;
    }

    /// The view model for the UI.
    pub fn view(&self) -> View {
        let mut v = View {
            screen: self.screen(),
            lang: self.lang,
            qid: String::new(),
            code: String::new(),
            masked_phone: String::new(),
            busy: false,
            error: None,
            documents: None,
            reference: String::new(),
            printed: None,
            idle_warning_s: None,
            card_in_reader: self.card_in_reader,
            demo_code: None,
            preview: None,
            verdict: None,
            complaint: None,
            sent: None,
            print_stage: None,
            offline_offers: false,
            access: self.access,
            choices: Vec::new(),
            focus: None,
        };
        match &self.state {
            State::Attract | State::Services => {}
            State::Preview { preview, .. } => {
                v.busy = preview.is_none();
                v.preview = preview.clone();
            }
            State::VerifyScan { busy } => v.busy = *busy,
            State::VerifyResult { verdict } => v.verdict = Some(verdict.clone()),
            State::Identify { qid, busy, error } => {
                v.qid = qid.clone();
                v.busy = *busy;
                v.error = error.clone();
            }
            State::Code {
                masked_phone,
                code,
                busy,
                error,
                demo_code,
                ..
            } => {
                v.masked_phone = masked_phone.clone();
                v.code = code.clone();
                v.busy = *busy;
                v.error = error.clone();
                v.demo_code = demo_code.clone();
            }
            State::Documents { docs, error, .. } => {
                v.documents = docs.clone();
                v.busy = docs.is_none();
                v.error = error.clone();
            }
            State::Printing { stage, .. } => {
                v.busy = true;
                v.print_stage = Some(*stage);
            }
            State::Done { reference, printed } => {
                v.reference = reference.clone();
                v.printed = printed.clone();
            }
            State::Error { msg, offline } => {
                v.error = Some(msg.clone());
                v.offline_offers = *offline;
            }
            State::Complaint(f) => {
                v.busy = f.view.busy;
                v.error = f.error.clone();
                v.complaint = Some(f.view.clone());
            }
            State::Rating { busy } => v.busy = *busy,
            State::Sent(sent) => v.sent = Some(sent.clone()),
        }
        if self.state != State::Attract && !matches!(self.state, State::Printing { .. }) {
            let idle = self.now_ms.saturating_sub(self.last_input_ms);
            if idle >= self.idle_timeout_ms {
                let left = (self.idle_timeout_ms + IDLE_WARNING_S * 1000).saturating_sub(idle);
                v.idle_warning_s = Some(left.div_ceil(1000));
            }
        }
        v.choices = choices(&v);
        v.focus = self
            .focus
            .as_ref()
            .and_then(|k| v.choices.iter().position(|c| &c.key == k));
        v
    }
}

fn identify() -> State {
    State::Identify {
        qid: String::new(),
        busy: false,
        error: None,
    }
}

#[cfg(test)]
mod tests;
