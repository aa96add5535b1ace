//! The localised texts of a session view that are computed from data (prompts with the
//! masked phone, references, verdicts, document rows). One place, so the screen
//! (`manassa::ui`) and the spoken guidance (`crate::narrate`) say the same words.

use crate::{DocItem, Msg, PrintStage, SentKind, Verdict, VerdictStatus, View, kind_msg_id};
use manassa_i18n::{Arg, Lang, ltr, tr, tr_args};

/// A message of the session in `lang` (with its `$count`, if any).
pub fn msg_text(lang: Lang, m: &Msg) -> String {
    match m.count {
        Some(n) => tr_args(lang, m.id, &[("count", Arg::Num(n))]),
        None => tr(lang, m.id),
    }
}

/// An ISO date written out in `lang` ("15 March 2026" / "15 مارس 2026").
pub fn date_text(lang: Lang, iso: &str) -> String {
    manassa_i18n::Ymd::parse(iso)
        .map(|d| manassa_i18n::format_gregorian(lang, d))
        .unwrap_or_else(|| iso.to_string())
}

/// The code screen's prompt: "We sent a 6-digit code to +974 ••••• 456."
pub fn code_prompt(v: &View) -> String {
    tr_args(
        v.lang,
        "code-body",
        &[("phone", Arg::Str(&ltr(&v.masked_phone)))],
    )
}

/// The view's error or message line, empty when none.
pub fn error_text(v: &View) -> String {
    v.error
        .as_ref()
        .map(|m| msg_text(v.lang, m))
        .unwrap_or_default()
}

/// A document row: (title, number, "issued on …").
pub fn document_texts(lang: Lang, d: &DocItem) -> (String, String, String) {
    (
        tr(lang, kind_msg_id(d.kind)),
        d.number.clone(),
        tr_args(
            lang,
            "documents-issued",
            &[("date", Arg::Str(&date_text(lang, &d.issued_on)))],
        ),
    )
}

/// The done screen's reference line, empty when there is no reference.
pub fn reference_text(v: &View) -> String {
    if v.reference.is_empty() {
        return String::new();
    }
    tr_args(
        v.lang,
        "done-reference",
        &[("reference", Arg::Str(&ltr(&v.reference)))],
    )
}

/// The done screen's "what was printed" line, empty when nothing was.
pub fn printed_text(v: &View) -> String {
    v.printed
        .as_ref()
        .map(|d| {
            let (title, number, _) = document_texts(v.lang, d);
            tr_args(
                v.lang,
                "done-printed",
                &[
                    ("kind", Arg::Str(&title)),
                    ("number", Arg::Str(&ltr(&number))),
                ],
            )
        })
        .unwrap_or_default()
}

/// The idle warning with its countdown, empty when it is not showing.
pub fn idle_warning_text(v: &View) -> String {
    v.idle_warning_s
        .map(|s| tr_args(v.lang, "idle-warning", &[("seconds", Arg::Num(s as i64))]))
        .unwrap_or_default()
}

/// The printing screen's stage line.
pub fn printing_status(v: &View) -> String {
    match v.print_stage {
        Some(PrintStage::Ticket) => tr(v.lang, "printing-stage-ticket"),
        Some(PrintStage::Paper) | None => tr(v.lang, "printing-stage-paper"),
    }
}

/// What the verdict screen shows and speech says of a verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictTexts {
    /// 0 genuine, 1 genuine but revocation not confirmed, 2 not genuine (revoked,
    /// altered, not a seal), 3 cannot be checked now.
    pub level: i32,
    /// The verdict, one line.
    pub title: String,
    /// What to do: compare the sealed facts with the paper, or why there are none.
    pub advice: String,
    /// (label, value) rows: kind, number, issue date, then each sealed fact. Values are
    /// marked left-to-right where they are numbers, codes or dates in Latin digits.
    pub facts: Vec<(String, String)>,
}

/// The texts of `verdict` in `lang`.
pub fn verdict_texts(lang: Lang, verdict: &Verdict) -> VerdictTexts {
    let (level, title, advice) = match verdict.status {
        VerdictStatus::Genuine => (0, "verdict-genuine", "verdict-compare"),
        VerdictStatus::GenuineUnchecked if verdict.not_confirmed => {
            (1, "verdict-not-confirmed", "verdict-compare")
        }
        VerdictStatus::GenuineUnchecked => (1, "verdict-genuine-unchecked", "verdict-compare"),
        VerdictStatus::Revoked => (2, "verdict-revoked", "verdict-revoked-advice"),
        VerdictStatus::Altered => (2, "verdict-altered", "verdict-altered-advice"),
        VerdictStatus::Unverifiable => (3, "verdict-unverifiable", "verdict-unverifiable-advice"),
        VerdictStatus::NotASeal => (2, "verdict-not-a-seal", "verdict-not-a-seal-advice"),
    };
    let mut facts = Vec::new();
    if let Some(kind) = verdict.kind {
        facts.push((tr(lang, "fact-kind"), tr(lang, kind_msg_id(kind))));
        facts.push((tr(lang, "fact-number"), ltr(&verdict.number)));
        facts.push((
            tr(lang, "fact-issued-on"),
            date_text(lang, &verdict.issued_on),
        ));
    }
    for (name, value) in &verdict.facts {
        let label = tr(lang, &format!("fact-{}", name.replace('_', "-")));
        facts.push((label, fact_value(lang, name, value)));
    }
    VerdictTexts {
        level,
        title: tr(lang, title),
        advice: tr(lang, advice),
        facts,
    }
}

/// A sealed fact's value as shown: dates written out, amounts as money, the QID's last
/// digits after a mask, numbers and codes kept left-to-right, names as they are.
fn fact_value(lang: Lang, name: &str, value: &str) -> String {
    match name {
        "expires_on" | "completed_on" | "inspected_on" => date_text(lang, value),
        "basic_salary" | "allowances_total" | "deductions" | "net" => {
            manassa_i18n::format_amount(lang, value)
        }
        "qid_last4" => ltr(&format!("••••••• {value}")),
        "built_area_m2" => tr_args(lang, "fact-area-value", &[("area", Arg::Str(&ltr(value)))]),
        "floors" | "plot_no" | "zone" | "permit_no" | "period" | "currency" => ltr(value),
        _ => value.to_string(),
    }
}

/// The sent screen's (title, body, reference line); empty when not on it. The reference
/// has a line of its own so it never breaks at a hyphen.
pub fn sent_texts(v: &View) -> (String, String, String) {
    let Some(sent) = &v.sent else {
        return (String::new(), String::new(), String::new());
    };
    let lang = v.lang;
    let r = &[("reference", Arg::Str(&ltr(&sent.reference)))];
    let reference = if sent.reference.is_empty() {
        String::new()
    } else {
        tr_args(lang, "sent-reference", r)
    };
    let (title, body) = match (sent.kind, sent.offline) {
        (SentKind::Complaint, false) => (
            "sent-complaint-title",
            tr_args(lang, "sent-complaint-body", r),
        ),
        (SentKind::Complaint, true) => (
            "sent-complaint-title",
            tr_args(lang, "sent-complaint-offline", r),
        ),
        (SentKind::Rating, false) => ("sent-rating-title", tr(lang, "sent-rating-body")),
        (SentKind::Rating, true) => ("sent-rating-title", tr(lang, "sent-rating-offline")),
    };
    (tr(lang, title), body, reference)
}

/// The complaint text screen's counter: "47 of 500 characters".
pub fn complaint_counter(v: &View) -> String {
    let n = v.complaint.as_ref().map_or(0, |c| c.text.chars().count());
    tr_args(
        v.lang,
        "complaint-counter",
        &[
            ("count", Arg::Num(n as i64)),
            ("max", Arg::Num(crate::COMPLAINT_MAX_CHARS as i64)),
        ],
    )
}
