//! The view model: what a screen shows, the texts it needs and the choices it offers.

use super::*;

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

/// The verdict on a paper's seal: one vocabulary for the kiosk, `manassa doc verify` and
/// the phone page (DESIGN §4). [`VerdictStatus::as_str`] gives the wire names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VerdictStatus {
    /// Signature valid and the ministry says the paper is valid.
    Genuine,
    /// Signature valid; revocation not confirmed (see [`Verdict::not_confirmed`]).
    GenuineUnchecked,
    /// Signature valid but the ministry revoked the paper.
    Revoked,
    /// The seal does not verify: altered or forged, or made with a key the ministry does
    /// not publish.
    Altered,
    /// No key for the seal's key id and no ministry to ask: cannot check now (never
    /// "altered").
    Unverifiable,
    /// Not a ministry seal at all.
    #[default]
    NotASeal,
}

impl VerdictStatus {
    /// Every verdict.
    pub const ALL: [VerdictStatus; 6] = [
        VerdictStatus::Genuine,
        VerdictStatus::GenuineUnchecked,
        VerdictStatus::Revoked,
        VerdictStatus::Altered,
        VerdictStatus::Unverifiable,
        VerdictStatus::NotASeal,
    ];

    /// The wire name: `genuine`, `genuine_unchecked`, `revoked`, `altered`,
    /// `unverifiable`, `not_a_seal`.
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictStatus::Genuine => "genuine",
            VerdictStatus::GenuineUnchecked => "genuine_unchecked",
            VerdictStatus::Revoked => "revoked",
            VerdictStatus::Altered => "altered",
            VerdictStatus::Unverifiable => "unverifiable",
            VerdictStatus::NotASeal => "not_a_seal",
        }
    }
}

/// The verdict on a scanned seal, with what the seal states.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Verdict {
    /// The verdict.
    pub status: VerdictStatus,
    /// With [`VerdictStatus::GenuineUnchecked`]: the ministry answered but not with a
    /// status (an error, a malformed body), so "could not confirm" rather than
    /// "unreachable".
    pub not_confirmed: bool,
    /// Document number, when the seal verified.
    pub number: String,
    /// Document kind, when the seal verified.
    pub kind: Option<DocumentKind>,
    /// Issue date `YYYY-MM-DD`, when the seal verified.
    pub issued_on: String,
    /// The sealed facts to compare with the paper, in the seal's order: (fact name as the
    /// seal contract names it, e.g. `holder_name_en`; value as sealed, sanitised).
    pub facts: Vec<(String, String)>,
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
    pub(crate) fn new(id: &'static str) -> Msg {
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
    /// The ministry sent as many codes as it allows for now (per resident or per kiosk);
    /// a new one can be asked for after this many minutes (at least 1).
    TooManyCodes {
        /// Minutes to wait, rounded up.
        minutes: u32,
    },
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
    /// The kiosk lost contact with CUPS after it accepted the job and cannot say whether
    /// the paper came out; it is not counted as delivered.
    A4Unknown,
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
    pub(crate) fn msg(&self) -> Msg {
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
            Failure::TooManyCodes { minutes } => Msg {
                id: "error-too-many-codes",
                count: Some(i64::from(*minutes)),
            },
            Failure::Network => Msg::new("error-network"),
            Failure::Printer => Msg::new("error-printer"),
            // -- A4 printer states --
            Failure::A4NotReady(p) => Msg::new(p.not_ready_message()),
            Failure::A4Interrupted(p) => Msg::new(p.interrupted_message()),
            Failure::A4Unknown => Msg::new("error-a4-unknown"),
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
    pub(crate) fn apply(self, field: &str, max: usize) -> String {
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

impl Session {
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
