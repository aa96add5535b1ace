//! The complaint or inquiry form: category → text on the on-screen keyboard →
//! optional phone. Pure data; the session drives it.

use super::{Failure, Key, Msg};
use manassa_i18n::Lang;

/// Fewest characters a complaint text may have (after trimming), so an accidental tap is
/// not filed.
pub const COMPLAINT_MIN_CHARS: usize = 10;
/// Most characters a complaint text may have (the API's bound; DESIGN §6).
pub const COMPLAINT_MAX_CHARS: usize = 500;
/// Digits of a Qatar phone number without the +974 country code.
pub const PHONE_LEN: usize = 8;

/// What the complaint is about. The wire names are the API's `category` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComplaintCategory {
    /// Building permits and certificates.
    Permits,
    /// Cleanliness and waste collection.
    Cleanliness,
    /// Roads, pavements and street lighting.
    Roads,
    /// This kiosk (a machine problem).
    Kiosk,
    /// Anything else, or a question.
    Other,
}

impl ComplaintCategory {
    /// Every category in menu order.
    pub const ALL: [ComplaintCategory; 5] = [
        ComplaintCategory::Permits,
        ComplaintCategory::Cleanliness,
        ComplaintCategory::Roads,
        ComplaintCategory::Kiosk,
        ComplaintCategory::Other,
    ];

    /// The API's name, e.g. `permits`.
    pub fn wire(self) -> &'static str {
        match self {
            ComplaintCategory::Permits => "permits",
            ComplaintCategory::Cleanliness => "cleanliness",
            ComplaintCategory::Roads => "roads",
            ComplaintCategory::Kiosk => "kiosk",
            ComplaintCategory::Other => "other",
        }
    }

    /// The category from its API name.
    pub fn from_wire(s: &str) -> Option<ComplaintCategory> {
        Self::ALL.into_iter().find(|c| c.wire() == s)
    }

    /// Fluent id of its label, e.g. `complaint-cat-permits`.
    pub fn msg_id(self) -> &'static str {
        match self {
            ComplaintCategory::Permits => "complaint-cat-permits",
            ComplaintCategory::Cleanliness => "complaint-cat-cleanliness",
            ComplaintCategory::Roads => "complaint-cat-roads",
            ComplaintCategory::Kiosk => "complaint-cat-kiosk",
            ComplaintCategory::Other => "complaint-cat-other",
        }
    }
}

/// The step of the complaint form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComplaintStep {
    /// Choose a category.
    Category,
    /// Type the text.
    Text,
    /// Optionally type a phone number, then send.
    Phone,
}

/// A key of the on-screen text keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKey {
    /// Type this character.
    Char(char),
    /// A space (never two in a row, never first).
    Space,
    /// Remove the last character.
    Backspace,
    /// Switch between the Arabic and the English layout.
    SwitchLayout,
}

/// The on-screen keyboard's rows for a layout, leftmost key first. Arabic follows the
/// Arabic (101) PC layout (not mirrored, as on a physical keyboard), English QWERTY; both
/// start with a digit row.
pub fn keyboard_rows(layout: Lang) -> &'static [&'static str] {
    match layout {
        Lang::Ar => &[
            "1234567890",
            "ضصثقفغعهخحجد",
            "شسيبلاتنمكط",
            "ذئءؤرىةوزظ",
            "أإآ،.؟",
        ],
        Lang::En => &["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", ",.?-'@"],
    }
}

/// The complaint form as the UI shows it. `text` and `phone` are the resident's own input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplaintView {
    /// Current step.
    pub step: ComplaintStep,
    /// Chosen category.
    pub category: Option<ComplaintCategory>,
    /// The text so far (sanitised).
    pub text: String,
    /// The phone digits so far.
    pub phone: String,
    /// The keyboard layout showing.
    pub layout: Lang,
    /// Being stored.
    pub busy: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Form {
    pub view: ComplaintView,
    pub error: Option<Msg>,
}

/// What the form wants after a `Next`.
pub(super) enum Outcome {
    Stay,
    Submit {
        category: ComplaintCategory,
        text: String,
        phone: Option<String>,
    },
}

impl Form {
    pub fn new(layout: Lang) -> Form {
        Form {
            view: ComplaintView {
                step: ComplaintStep::Category,
                category: None,
                text: String::new(),
                phone: String::new(),
                layout,
                busy: false,
            },
            error: None,
        }
    }

    pub fn choose(&mut self, category: ComplaintCategory) {
        if self.view.step == ComplaintStep::Category && !self.view.busy {
            self.view.category = Some(category);
            self.view.step = ComplaintStep::Text;
            self.error = None;
        }
    }

    pub fn text_key(&mut self, key: TextKey) {
        if self.view.step != ComplaintStep::Text || self.view.busy {
            return;
        }
        self.error = None;
        let t = &mut self.view.text;
        let full = t.chars().count() >= COMPLAINT_MAX_CHARS;
        match key {
            TextKey::Char(c) if !full && !c.is_control() => t.push(c),
            TextKey::Char(_) => {}
            TextKey::Space => {
                if !full && !t.is_empty() && !t.ends_with(' ') {
                    t.push(' ');
                }
            }
            TextKey::Backspace => {
                t.pop();
            }
            TextKey::SwitchLayout => self.view.layout = self.view.layout.other(),
        }
    }

    pub fn text_edited(&mut self, text: &str) {
        if self.view.step == ComplaintStep::Text && !self.view.busy {
            self.view.text = manassa_core::sanitize_with(text, COMPLAINT_MAX_CHARS, false);
            self.error = None;
        }
    }

    pub fn phone_key(&mut self, key: Key) {
        if self.view.step == ComplaintStep::Phone && !self.view.busy {
            self.view.phone = key.apply(&self.view.phone, PHONE_LEN);
            self.error = None;
        }
    }

    pub fn next(&mut self) -> Outcome {
        if self.view.busy {
            return Outcome::Stay;
        }
        match self.view.step {
            ComplaintStep::Category => {}
            ComplaintStep::Text => {
                if self.view.text.trim().chars().count() < COMPLAINT_MIN_CHARS {
                    self.error = Some(Msg {
                        id: "complaint-too-short",
                        count: Some(COMPLAINT_MIN_CHARS as i64),
                    });
                } else {
                    self.view.step = ComplaintStep::Phone;
                    self.error = None;
                }
            }
            ComplaintStep::Phone => {
                let phone = &self.view.phone;
                if !phone.is_empty() && !valid_phone(phone) {
                    self.error = Some(Failure::InvalidPhone.msg());
                } else if let Some(category) = self.view.category {
                    self.view.busy = true;
                    self.error = None;
                    return Outcome::Submit {
                        category,
                        text: self.view.text.trim().to_string(),
                        phone: (!phone.is_empty()).then(|| phone.clone()),
                    };
                }
            }
        }
        Outcome::Stay
    }

    /// One step back; `false` when the form is left (back to the services).
    pub fn back(&mut self) -> bool {
        if self.view.busy {
            return true;
        }
        self.error = None;
        match self.view.step {
            ComplaintStep::Category => return false,
            ComplaintStep::Text => self.view.step = ComplaintStep::Category,
            ComplaintStep::Phone => self.view.step = ComplaintStep::Text,
        }
        true
    }
}

/// A Qatar number without +974: 8 digits, starting 3, 5, 6 or 7 (mobile) or 4 (fixed line).
fn valid_phone(p: &str) -> bool {
    p.len() == PHONE_LEN
        && p.bytes().all(|b| b.is_ascii_digit())
        && matches!(p.as_bytes()[0], b'3'..=b'7')
}
