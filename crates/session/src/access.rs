//! Accessibility in the session (DESIGN §9): the tactile keypad, the keypad
//! focus over each screen's choices, audio mode, large text, high contrast, speech volume
//! and rate. Everything here is reset for the next user by the wipe.
//!
//! ADA 2010 §707.6 (tactile keys), §707.5 (speech output, initiated by the user, with
//! volume control and repeat), EN 301 549 5.1.3 (non-visual access to closed
//! functionality), 5.1.4 (text size in closed functionality).

use super::{
    ComplaintStep, Intent, Key, Screen, Service, Session, State, TextKey, View, keyboard_rows,
};
use crate::ComplaintCategory;

/// Speech volume levels `1..=VOLUME_MAX` (`speech::VOLUME_LEVELS`, mapped there onto
/// speech-dispatcher's scale).
pub const VOLUME_MAX: u8 = 5;
/// Volume at the start of every session (`speech::DEFAULT_VOLUME_LEVEL`).
pub const DEFAULT_VOLUME: u8 = 4;
/// Speech rate levels `-RATE_STEPS..=RATE_STEPS`, 0 being the voice's normal rate
/// (`speech::RATE_LEVELS`).
pub const RATE_STEPS: i8 = 3;

/// The accessibility settings of the current user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accessibility {
    /// Audio guidance (speech) is on.
    pub audio: bool,
    /// Large text (EN 301 549 5.1.4).
    pub large_text: bool,
    /// High-contrast theme.
    pub high_contrast: bool,
    /// Speech volume, `1..=VOLUME_MAX`.
    pub volume: u8,
    /// Speech rate, `-RATE_STEPS..=RATE_STEPS`.
    pub rate: i8,
}

impl Default for Accessibility {
    fn default() -> Self {
        Accessibility {
            audio: false,
            large_text: false,
            high_contrast: false,
            volume: DEFAULT_VOLUME,
            rate: 0,
        }
    }
}

/// A key of the tactile keypad: the 12-key telephone layout plus function keys
/// (ADA §707.6.2; ITU-T E.161 digit layout, a raised dot on 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TactileKey {
    /// 0–9.
    Digit(u8),
    /// `*`: speak more slowly.
    Star,
    /// `#`: speak faster.
    Hash,
    /// Activate the focused choice (or submit the field).
    Enter,
    /// Delete the last digit or character.
    Clear,
    /// End the session.
    Cancel,
    /// Start audio guidance, then repeat what was said.
    Help,
    /// Louder.
    VolumeUp,
    /// Quieter.
    VolumeDown,
    /// Previous choice.
    Up,
    /// Next choice.
    Down,
    /// Previous choice in left-to-right reading, next in Arabic.
    Left,
    /// Next choice in left-to-right reading, previous in Arabic.
    Right,
}

/// What a choice is, as speech announces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A button.
    Button,
    /// A field to type into (its content is `detail`, never for the one-time code).
    Field,
    /// A key of the on-screen keyboard (its character is `detail`).
    Key,
    /// An on/off setting.
    Toggle {
        /// Currently on.
        on: bool,
    },
}

/// One thing the keypad can focus and activate on the current screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// Stable key: `start`, `service:print`, `doc:<id>`, `key:ب`, `next`, `back`, ….
    /// The UI draws the focus ring on the widget with the same key.
    pub key: String,
    /// Fluent id of the label (empty for keyboard keys).
    pub label: &'static str,
    /// Text spoken after the label: a document number, a field's content, a key's
    /// character. Sanitised data, never the one-time code.
    pub detail: String,
    /// What it is.
    pub role: Role,
}

fn choice(key: impl Into<String>, label: &'static str, role: Role) -> Choice {
    Choice {
        key: key.into(),
        label,
        detail: String::new(),
        role,
    }
}

fn button(key: &str, label: &'static str) -> Choice {
    choice(key, label, Role::Button)
}

/// The focusable choices of a view's screen in reading order (what the keypad walks and
/// speech lists). A function of the view alone, so snapshots and speech tests get the same.
pub fn choices(v: &View) -> Vec<Choice> {
    if v.idle_warning_s.is_some() {
        return vec![button("more-time", "idle-more-time")];
    }
    let a = &v.access;
    let mut c = Vec::new();
    match v.screen {
        Screen::Attract => {
            c.push(button("start", "attract-start"));
            c.push(button("lang", "language-switch-label"));
            c.push(choice(
                "audio",
                "access-audio",
                Role::Toggle { on: a.audio },
            ));
            c.push(choice(
                "large-text",
                "access-large-text",
                Role::Toggle { on: a.large_text },
            ));
            c.push(choice(
                "contrast",
                "access-contrast",
                Role::Toggle {
                    on: a.high_contrast,
                },
            ));
        }
        Screen::Services => {
            c.push(button("service:print", "service-print"));
            c.push(button("service:verify", "service-verify"));
            c.push(button("service:complaint", "service-complaint"));
            c.push(button("service:rate", "service-rate"));
            c.push(button("back", "cancel"));
        }
        Screen::Identify => {
            let mut f = choice("qid", "identify-qid-label", Role::Field);
            f.detail = v.qid.clone();
            c.push(f);
            c.push(button("next", "identify-continue"));
            c.push(button("back", "back"));
        }
        Screen::Code => {
            c.push(choice("code", "code-label", Role::Field));
            c.push(button("next", "code-verify"));
            c.push(button("back", "back"));
        }
        Screen::Documents => {
            for d in v.documents.iter().flatten() {
                c.push(Choice {
                    key: format!("doc:{}", d.id),
                    label: super::kind_msg_id(d.kind),
                    detail: d.number.clone(),
                    role: Role::Button,
                });
            }
            c.push(button("cancel", "cancel"));
        }
        Screen::Preview => {
            if v.preview.is_some() {
                c.push(button("next", "preview-print"));
            }
            c.push(button("back", "back"));
        }
        Screen::Printing => {}
        Screen::VerifyScan => c.push(button("back", "cancel")),
        Screen::VerifyResult | Screen::Done | Screen::Sent => {
            c.push(button("finish", "done-finish"))
        }
        Screen::Error => {
            c.push(button("finish", "error-ok"));
            if v.offline_offers {
                c.push(button("service:verify", "service-verify"));
                c.push(button("service:complaint", "service-complaint"));
                c.push(button("service:rate", "service-rate"));
            }
        }
        Screen::Rating => {
            for n in 1..=5u8 {
                c.push(button(&format!("star:{n}"), RATING_LABELS[n as usize - 1]));
            }
            c.push(button("back", "back"));
        }
        Screen::Complaint => {
            let Some(form) = &v.complaint else {
                return c;
            };
            match form.step {
                ComplaintStep::Category => {
                    for cat in ComplaintCategory::ALL {
                        c.push(button(&format!("cat:{}", cat.wire()), cat.msg_id()));
                    }
                    c.push(button("back", "back"));
                }
                ComplaintStep::Text => {
                    let mut f = choice("text", "complaint-text-label", Role::Field);
                    f.detail = form.text.clone();
                    c.push(f);
                    // Continue and Back before the ~45 keys, so Send is not a long walk.
                    c.push(button("next", "complaint-next"));
                    c.push(button("back", "back"));
                    for row in keyboard_rows(form.layout) {
                        for ch in row.chars() {
                            let mut k = choice(format!("key:{ch}"), "", Role::Key);
                            k.detail = ch.to_string();
                            c.push(k);
                        }
                    }
                    c.push(button("key-space", "keyboard-space"));
                    c.push(button("key-backspace", "keyboard-backspace"));
                    c.push(button("key-layout", keyboard_layout_label(form.layout)));
                }
                ComplaintStep::Phone => {
                    let mut f = choice("phone", "complaint-phone-label", Role::Field);
                    f.detail = form.phone.clone();
                    c.push(f);
                    c.push(button("next", "complaint-send"));
                    c.push(button("back", "back"));
                }
            }
        }
    }
    // The header's language switch is on every screen.
    if v.screen != Screen::Attract {
        c.push(button("lang", "language-switch-label"));
    }
    c
}

impl Session {
    /// The intent a choice stands for on the current screen.
    pub(super) fn intent_for(&self, key: &str) -> Option<Intent> {
        let screen = self.screen();
        let submit = || match screen {
            Screen::Identify => Some(Intent::SubmitQid),
            Screen::Code => Some(Intent::SubmitCode),
            Screen::Preview => Some(Intent::ConfirmPrint),
            Screen::Complaint => Some(Intent::Next),
            _ => None,
        };
        Some(match key {
            "start" => Intent::Start,
            "lang" => Intent::SwitchLanguage,
            "audio" => Intent::ToggleAudio,
            "large-text" => Intent::ToggleLargeText,
            "contrast" => Intent::ToggleHighContrast,
            "service:print" => Intent::ChooseService(Service::Print),
            "service:verify" => Intent::ChooseService(Service::Verify),
            "service:complaint" => Intent::ChooseService(Service::Complaint),
            "service:rate" => Intent::ChooseService(Service::Rate),
            "next" | "qid" | "code" | "text" | "phone" => return submit(),
            "back" => Intent::Back,
            "cancel" => Intent::Cancel,
            "finish" => Intent::Finish,
            "more-time" => Intent::Activity,
            "key-space" => Intent::TextKey(TextKey::Space),
            "key-backspace" => Intent::TextKey(TextKey::Backspace),
            "key-layout" => Intent::TextKey(TextKey::SwitchLayout),
            _ => {
                if let Some(id) = key.strip_prefix("doc:") {
                    Intent::SelectDocument(id.to_string())
                } else if let Some(w) = key.strip_prefix("cat:") {
                    Intent::ChooseCategory(ComplaintCategory::from_wire(w)?)
                } else if let Some(n) = key.strip_prefix("star:") {
                    Intent::Rate(n.parse().ok()?)
                } else if let Some(ch) = key.strip_prefix("key:") {
                    let mut it = ch.chars();
                    let c = it.next()?;
                    if it.next().is_some() {
                        return None;
                    }
                    Intent::TextKey(TextKey::Char(c))
                } else {
                    return None;
                }
            }
        })
    }

    /// Handle a tactile key: returns the intent it stands for, after updating the focus and
    /// the speech settings it changes itself.
    pub(super) fn tactile(&mut self, key: TactileKey) -> Option<Intent> {
        let a = &mut self.access;
        match key {
            TactileKey::VolumeUp => {
                a.volume = (a.volume + 1).min(VOLUME_MAX);
                return None;
            }
            TactileKey::VolumeDown => {
                a.volume = a.volume.saturating_sub(1).max(1);
                return None;
            }
            TactileKey::Star => {
                a.rate = (a.rate - 1).max(-RATE_STEPS);
                return None;
            }
            TactileKey::Hash => {
                a.rate = (a.rate + 1).min(RATE_STEPS);
                return None;
            }
            TactileKey::Help if !a.audio => {
                a.audio = true;
                return None;
            }
            TactileKey::Help => return Some(Intent::RepeatSpeech),
            // On the attract screen any key starts audio mode (ADA §707.5: the user starts it).
            _ if self.state == State::Attract && !a.audio => {
                a.audio = true;
                return None;
            }
            _ => {}
        }
        let view = self.view();
        let n = view.choices.len();
        let focused = view.focus.and_then(|i| view.choices.get(i));
        // Arabic reading order mirrors Left/Right, except on the keyboard, whose keys sit
        // where a physical keyboard has them (left to right).
        let ltr = !self.lang.is_rtl() || focused.is_some_and(|c| c.role == Role::Key);
        let forward = match key {
            TactileKey::Down => Some(true),
            TactileKey::Up => Some(false),
            TactileKey::Right => Some(ltr),
            TactileKey::Left => Some(!ltr),
            _ => None,
        };
        if let Some(fwd) = forward {
            if n > 0 {
                let i = match view.focus {
                    None if fwd => 0,
                    None => n - 1,
                    Some(i) if fwd => (i + 1) % n,
                    Some(i) => (i + n - 1) % n,
                };
                self.focus = Some(view.choices[i].key.clone());
            }
            return None;
        }
        let field_screen = matches!(self.screen(), Screen::Identify | Screen::Code)
            || matches!(&self.state, State::Complaint(f) if f.view.step == ComplaintStep::Phone);
        match key {
            TactileKey::Enter => match focused {
                Some(c) => self.intent_for(&c.key),
                None if self.state == State::Attract => Some(Intent::Start),
                None => {
                    if let Some(first) = view.choices.first() {
                        self.focus = Some(first.key.clone());
                    }
                    None
                }
            },
            TactileKey::Digit(d) if field_screen => Some(Intent::Key(Key::Digit(d))),
            TactileKey::Digit(d) if self.screen() == Screen::Rating && (1..=5).contains(&d) => {
                Some(Intent::Rate(d))
            }
            TactileKey::Digit(_) => None,
            TactileKey::Clear if field_screen => Some(Intent::Key(Key::Delete)),
            TactileKey::Clear if matches!(&self.state, State::Complaint(_)) => {
                Some(Intent::TextKey(TextKey::Backspace))
            }
            TactileKey::Clear => None,
            TactileKey::Cancel => Some(Intent::Cancel),
            _ => None,
        }
    }
}

/// Fluent id of the layout key's label: the layout it switches to, named in that layout's
/// own script ("English" under the Arabic layout, "عربي" under the English one).
pub fn keyboard_layout_label(showing: manassa_i18n::Lang) -> &'static str {
    match showing {
        manassa_i18n::Lang::Ar => "keyboard-to-english",
        manassa_i18n::Lang::En => "keyboard-to-arabic",
    }
}

/// Fluent ids of the five rating faces, 1 (very unhappy) to 5 (very happy).
pub const RATING_LABELS: [&str; 5] = ["rating-1", "rating-2", "rating-3", "rating-4", "rating-5"];
