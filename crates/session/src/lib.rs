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
mod intent;
pub mod maintenance;
pub mod narrate;
pub mod texts;
mod view;
pub use access::{Accessibility, Choice, Role, TactileKey, choices, keyboard_layout_label};
pub use complaint::{
    COMPLAINT_MAX_CHARS, COMPLAINT_MIN_CHARS, ComplaintCategory, ComplaintStep, ComplaintView,
    PHONE_LEN, TextKey, keyboard_rows,
};

pub use intent::*;
pub use manassa_core::{CODE_LEN, QID_LEN};
pub use view::*;
/// Seconds of warning before an idle session is wiped (WCAG 2.2.1 asks for at least 20).
pub const IDLE_WARNING_S: u64 = 20;

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
