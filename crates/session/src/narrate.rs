//! Audio guidance: what the kiosk says when the view changes (DESIGN §9).
//!
//! Pure: [`narrate`] compares the view before and after an intent and returns the cues to
//! speak, in the view's language. A new screen is read from the top (title, instructions,
//! the facts it shows, then its choices); a focus move reads the focused choice with its
//! role; typed digits are echoed, except one-time-code digits, which get a tone; errors,
//! the idle warning, print progress, volume and rate changes are spoken as they happen.
//! Speech runs only while audio mode is on (ADA §707.5: started by the user).

use crate::texts;
use crate::{Choice, ComplaintStep, Role, Screen, View};
use manassa_i18n::{Arg, Lang, tr, tr_args};

/// A sentence to speak in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Utterance {
    /// The language (and so the voice) to speak it in.
    pub lang: Lang,
    /// The text, plain Unicode (already sanitised if it holds untrusted values). NUL and
    /// other C0 controls are dropped before it reaches speech-dispatcher.
    pub text: String,
}

impl Utterance {
    /// An utterance of `text` in `lang`.
    pub fn new(lang: Lang, text: impl Into<String>) -> Self {
        Utterance {
            lang,
            text: text.into(),
        }
    }
}

/// One item of a spoken script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cue {
    /// Speak a sentence.
    Say(Utterance),
    /// A short non-speech tone: confirms a keypress without revealing it (one-time-code
    /// digits are never echoed, DESIGN §9). The kiosk's speech backend plays a sound icon;
    /// a recording backend records [`TONE_MARK`].
    Tone,
}

impl From<Utterance> for Cue {
    fn from(u: Utterance) -> Self {
        Cue::Say(u)
    }
}

impl Cue {
    /// Shorthand for `Cue::Say(Utterance::new(lang, text))`.
    pub fn say(lang: Lang, text: impl Into<String>) -> Self {
        Cue::Say(Utterance::new(lang, text))
    }
}

/// What a recording speech backend records for a [`Cue::Tone`].
pub const TONE_MARK: &str = "<tone>";

/// What to say after a view change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Narration {
    /// The cues, in order.
    pub cues: Vec<Cue>,
    /// Stop what is being said first (a new screen or focus), or queue after it.
    pub interrupt: bool,
}

/// The cues for the change from `prev` (none at start) to `next`; `None` when nothing is
/// to be said (audio off, or nothing a listener needs changed).
pub fn narrate(prev: Option<&View>, next: &View) -> Option<Narration> {
    let lang = next.lang;
    let say = |s: String| Cue::say(lang, s);
    let was_on = prev.is_some_and(|p| p.access.audio);
    if !next.access.audio {
        return was_on.then(|| Narration {
            cues: vec![say(tr(lang, "speech-audio-off"))],
            interrupt: true,
        });
    }
    let Some(prev) = prev.filter(|_| was_on) else {
        let mut cues = vec![say(tr(lang, "speech-audio-on"))];
        cues.extend(screen_script(next));
        return Some(Narration {
            cues,
            interrupt: true,
        });
    };
    let step = |v: &View| v.complaint.as_ref().map(|c| c.step);
    let loaded = |v: &View| v.documents.is_some() || v.preview.is_some() || v.verdict.is_some();
    if prev.screen != next.screen
        || prev.lang != next.lang
        || step(prev) != step(next)
        || loaded(prev) != loaded(next)
        || (prev.busy && !next.busy && next.screen == Screen::Identify)
    {
        return Some(Narration {
            cues: screen_script(next),
            interrupt: true,
        });
    }
    if next.idle_warning_s.is_some() && prev.idle_warning_s.is_none() {
        return Some(Narration {
            cues: vec![
                say(texts::idle_warning_text(next)),
                say(tr(lang, "idle-more-time")),
            ],
            interrupt: true,
        });
    }
    let mut cues = Vec::new();
    let mut interrupt = false;
    let key = |v: &View| {
        v.focus
            .and_then(|i| v.choices.get(i))
            .map(|c| c.key.clone())
    };
    if key(next) != key(prev) {
        match next.focus.and_then(|i| next.choices.get(i)) {
            Some(c) => cues.push(say(describe(next, c))),
            None => cues.push(say(tr(lang, "speech-focus-lost"))),
        }
        interrupt = true;
    }
    echo_typing(prev, next, &mut cues);
    if next.error != prev.error && next.error.is_some() {
        cues.push(say(texts::error_text(next)));
    }
    if next.print_stage != prev.print_stage && next.print_stage.is_some() {
        cues.push(say(texts::printing_status(next)));
    }
    let (a, b) = (prev.access, next.access);
    if a.volume != b.volume {
        cues.push(say(tr_args(
            lang,
            "speech-volume",
            &[("level", Arg::Num(b.volume.into()))],
        )));
    }
    if a.rate != b.rate {
        cues.push(say(tr_args(
            lang,
            "speech-rate",
            &[("level", Arg::Num(b.rate.into()))],
        )));
    }
    if a.large_text != b.large_text {
        cues.push(say(toggle(lang, "access-large-text", b.large_text)));
    }
    if a.high_contrast != b.high_contrast {
        cues.push(say(toggle(lang, "access-contrast", b.high_contrast)));
    }
    (!cues.is_empty()).then_some(Narration { cues, interrupt })
}

fn toggle(lang: Lang, label: &str, on: bool) -> String {
    format!(
        "{} {}",
        tr(lang, label),
        tr(lang, if on { "access-on" } else { "access-off" })
    )
}

/// Echo a typed digit or character; one-time-code digits get a tone instead.
fn echo_typing(prev: &View, next: &View, cues: &mut Vec<Cue>) {
    let lang = next.lang;
    let field = |v: &View| -> (String, bool) {
        match v.screen {
            Screen::Identify => (v.qid.clone(), false),
            Screen::Code => (v.code.clone(), true),
            Screen::Complaint => v
                .complaint
                .as_ref()
                .map(|c| match c.step {
                    ComplaintStep::Phone => (c.phone.clone(), false),
                    _ => (c.text.clone(), false),
                })
                .unwrap_or_default(),
            _ => (String::new(), false),
        }
    };
    if prev.screen != next.screen {
        return;
    }
    let ((before, _), (after, secret)) = (field(prev), field(next));
    if before == after {
        return;
    }
    if after.chars().count() < before.chars().count() {
        cues.push(Cue::say(lang, tr(lang, "speech-deleted")));
    } else if secret {
        cues.push(Cue::Tone);
    } else if let Some(c) = after.chars().last() {
        cues.push(Cue::say(lang, key_name(lang, c)));
    }
}

/// How a typed or focused character is said: punctuation by name (speech-dispatcher's
/// default punctuation mode says nothing for it), anything else as itself.
fn key_name(lang: Lang, c: char) -> String {
    let id = match c {
        ' ' => "keyboard-space",
        '.' => "speech-key-period",
        ',' => "speech-key-comma",
        '?' => "speech-key-question",
        '-' => "speech-key-hyphen",
        '\'' => "speech-key-apostrophe",
        '@' => "speech-key-at",
        '،' => "speech-key-arabic-comma",
        '؟' => "speech-key-arabic-question",
        _ => return c.to_string(),
    };
    tr(lang, id)
}

/// A choice as spoken when focused: label, detail and role ("Print a paper, button").
pub fn describe(v: &View, c: &Choice) -> String {
    let lang = v.lang;
    let mut parts: Vec<String> = Vec::new();
    if !c.label.is_empty() {
        parts.push(tr(lang, c.label));
    }
    match c.role {
        Role::Field => {
            // The one-time code is never read back; its length is.
            if c.key == "code" {
                parts.push(tr_args(
                    lang,
                    "speech-code-length",
                    &[("count", Arg::Num(v.code.len() as i64))],
                ));
            } else if c.detail.is_empty() {
                parts.push(tr(lang, "speech-field-empty"));
            } else {
                parts.push(spell(lang, &c.detail));
            }
            parts.push(tr(lang, "speech-role-field"));
        }
        Role::Key => {
            parts.push(
                c.detail
                    .chars()
                    .next()
                    .map_or_else(String::new, |ch| key_name(lang, ch)),
            );
            parts.push(tr(lang, "speech-role-key"));
        }
        Role::Toggle { on } => {
            // "Large text off", as the button's own label says it.
            let state = tr(lang, if on { "access-on" } else { "access-off" });
            match parts.last_mut() {
                Some(label) => *label = format!("{label} {state}"),
                None => parts.push(state),
            }
            parts.push(tr(lang, "speech-role-toggle"));
        }
        Role::Button => {
            if !c.detail.is_empty() {
                parts.push(c.detail.clone());
            }
            parts.push(tr(lang, "speech-role-button"));
        }
    }
    parts.join(if lang == Lang::Ar { "، " } else { ", " })
}

/// Digits are read one by one ("2 8 4 6 …"), so a number is not read as one big amount.
fn spell(_lang: Lang, s: &str) -> String {
    if s.chars().all(|c| c.is_ascii_digit()) {
        s.chars().map(String::from).collect::<Vec<_>>().join(" ")
    } else {
        s.to_string()
    }
}

/// The whole screen, from the top: title, instructions, the facts it shows, the choices.
pub fn screen_script(v: &View) -> Vec<Cue> {
    let lang = v.lang;
    let t = |id: &str| tr(lang, id);
    let mut lines: Vec<String> = Vec::new();
    // The idle warning covers the screen: it comes first.
    if v.idle_warning_s.is_some() {
        lines.push(texts::idle_warning_text(v));
    }
    match v.screen {
        Screen::Attract => {
            lines.push(t("attract-title"));
            lines.push(t("attract-body"));
            lines.push(t("access-title"));
        }
        Screen::Services => {
            lines.push(t("services-title"));
            lines.push(format!(
                "{}: {}",
                t("service-print"),
                t("service-print-body")
            ));
            lines.push(format!(
                "{}: {}",
                t("service-verify"),
                t("service-verify-body")
            ));
        }
        Screen::Identify => {
            lines.push(t("identify-title"));
            lines.push(if v.busy {
                t("identify-reading-card")
            } else {
                t("identify-body")
            });
        }
        Screen::Code => {
            lines.push(t("code-title"));
            lines.push(texts::code_prompt(v));
        }
        Screen::Documents => {
            lines.push(t("documents-title"));
            match &v.documents {
                None => lines.push(t("speech-wait")),
                Some(d) if d.is_empty() => lines.push(t("documents-empty")),
                Some(docs) => {
                    for d in docs {
                        let (title, number, issued) = texts::document_texts(lang, d);
                        lines.push(format!("{title}, {number}, {issued}"));
                    }
                }
            }
        }
        Screen::Preview => {
            lines.push(t("preview-title"));
            lines.push(if v.preview.is_some() {
                t("speech-preview-ready")
            } else {
                t("preview-preparing")
            });
        }
        Screen::Printing => {
            lines.push(t("printing-title"));
            lines.push(texts::printing_status(v));
            lines.push(t("printing-body"));
        }
        Screen::Done => {
            lines.push(t("done-title"));
            lines.push(texts::printed_text(v));
            lines.push(t("done-body"));
            if v.card_in_reader {
                lines.push(t("done-take-card"));
            }
            lines.push(texts::reference_text(v));
        }
        Screen::Error => {
            lines.push(t("error-title"));
            lines.push(texts::error_text(v));
            if v.offline_offers {
                lines.push(t("offline-offers"));
            }
        }
        Screen::VerifyScan => {
            lines.push(t("verify-title"));
            lines.push(if v.busy {
                t("verify-checking")
            } else {
                t("verify-body")
            });
        }
        Screen::VerifyResult => {
            if let Some(verdict) = &v.verdict {
                let t = texts::verdict_texts(lang, verdict);
                lines.push(t.title);
                lines.push(t.advice);
                for (label, value) in t.facts {
                    lines.push(format!("{label}: {value}"));
                }
            }
        }
        Screen::Complaint => match v.complaint.as_ref().map(|c| c.step) {
            Some(ComplaintStep::Category) | None => {
                lines.push(t("complaint-title"));
                lines.push(t("complaint-category-body"));
            }
            Some(ComplaintStep::Text) => {
                let c = v.complaint.as_ref().expect("complaint view");
                if let Some(cat) = c.category {
                    lines.push(t(cat.msg_id()));
                }
                lines.push(t("complaint-text-body"));
                if !c.text.is_empty() {
                    lines.push(c.text.clone());
                }
                lines.push(texts::complaint_counter(v));
                lines.push(t("speech-keyboard-hint"));
            }
            Some(ComplaintStep::Phone) => {
                lines.push(t("complaint-phone-title"));
                lines.push(t("complaint-phone-body"));
            }
        },
        Screen::Rating => {
            lines.push(t("rating-title"));
            lines.push(t("rating-body"));
        }
        Screen::Sent => {
            let (title, body, reference) = texts::sent_texts(v);
            lines.push(title);
            lines.push(body);
            lines.push(reference);
        }
    }
    let err = texts::error_text(v);
    if !err.is_empty() && v.screen != Screen::Error {
        lines.push(err);
    }
    // The choices, keyboard keys left out (the hint says how to reach them).
    let choices: Vec<String> = v
        .choices
        .iter()
        .filter(|c| c.role != Role::Key)
        .map(|c| describe(v, c))
        .collect();
    if !choices.is_empty() {
        lines.push(t("speech-choices"));
        lines.extend(choices);
        lines.push(t("speech-keys-hint"));
    }
    lines
        .into_iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| Cue::say(lang, l))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Intent, Service, Session, TactileKey};

    fn said(n: &Option<Narration>) -> Vec<String> {
        n.iter()
            .flat_map(|n| n.cues.iter())
            .map(|c| match c {
                Cue::Say(u) => u.text.clone(),
                Cue::Tone => TONE_MARK.to_string(),
            })
            .collect()
    }

    fn step(s: &mut Session, i: Intent) -> Option<Narration> {
        let before = s.view();
        s.handle(i);
        narrate(Some(&before), &s.view())
    }

    #[test]
    fn silent_until_audio_mode_then_announces_itself_and_the_screen() {
        let mut s = Session::new(Lang::En, 60);
        assert_eq!(step(&mut s, Intent::Start), None);
        let n = step(&mut s, Intent::Tactile(TactileKey::Help));
        let text = said(&n).join(" | ");
        assert!(n.unwrap().interrupt);
        assert!(text.starts_with(&tr(Lang::En, "speech-audio-on")), "{text}");
        assert!(text.contains(&tr(Lang::En, "services-title")), "{text}");
        assert!(text.contains("Print an official paper, button"), "{text}");
    }

    #[test]
    fn code_digits_are_toned_qid_digits_echoed() {
        let mut s = Session::new(Lang::Ar, 60);
        s.handle(Intent::Tactile(TactileKey::Help));
        s.handle(Intent::Start);
        s.handle(Intent::ChooseService(Service::Print));
        let n = step(&mut s, Intent::Tactile(TactileKey::Digit(2)));
        assert_eq!(said(&n), vec!["2"]);
        s.handle(Intent::QidEdited("28463400123".into()));
        s.handle(Intent::SubmitQid);
        s.handle(Intent::ChallengeStarted {
            challenge_id: "c".into(),
            masked_phone: "x".into(),
        });
        let n = step(&mut s, Intent::Tactile(TactileKey::Digit(7)));
        assert_eq!(said(&n), vec![TONE_MARK]);
        let n = step(&mut s, Intent::Tactile(TactileKey::Down));
        let focus = said(&n).join(" ");
        assert!(focus.contains(&tr(Lang::Ar, "code-label")), "{focus}");
        assert!(!focus.contains('7'), "{focus}");
    }

    #[test]
    fn volume_and_errors_are_spoken() {
        let mut s = Session::new(Lang::En, 60);
        s.handle(Intent::Tactile(TactileKey::Help));
        let n = step(&mut s, Intent::Tactile(TactileKey::VolumeUp));
        assert_eq!(said(&n), vec!["Volume 5"]);
        s.handle(Intent::Start);
        s.handle(Intent::ChooseService(Service::Print));
        s.handle(Intent::QidEdited("123".into()));
        let n = step(&mut s, Intent::SubmitQid);
        assert_eq!(said(&n), vec![tr(Lang::En, "error-invalid-qid")]);
    }
}
