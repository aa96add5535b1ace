//! User-facing text: Fluent (Project Fluent, `.ftl`) bundles for Arabic and English, built
//! from `locales/{ar,en}/*.ftl` at compile time so a kiosk can never start with text missing.
//!
//! Isolation marks: Fluent wraps placeables in FSI/PDI (U+2068/U+2069) by default. We turn
//! that off: the sanitiser removes those characters from untrusted values anyway, and every
//! renderer (Slint, the PDF/raster text engine, speech) then sees plain text whose direction
//! the Unicode bidi algorithm resolves from the paragraph direction. Placeables that must
//! stay left-to-right (QIDs, codes, reference numbers) are digits and ASCII, which UAX #9
//! keeps in order inside Arabic text.
//!
//! Plural categories: messages that count select on `PLURAL($n)`, the CLDR cardinal
//! category of an integer from ICU4X ([`plural_category`]). Fluent's own selection on a
//! bare number goes through `intl_pluralrules` 7.0.2, whose Arabic rule tests the number
//! itself instead of `n % 100` (103 comes out "other", not "few"; 1290 "other", not
//! "many").

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde::{Deserialize, Serialize};
use unic_langid::LanguageIdentifier;

pub use manassa_core::Lang;

/// The Fluent sources, embedded at compile time: (language, file name, text).
pub const SOURCES: &[(Lang, &str, &str)] = &[
    (
        Lang::Ar,
        "main.ftl",
        include_str!("../../../locales/ar/main.ftl"),
    ),
    (
        Lang::En,
        "main.ftl",
        include_str!("../../../locales/en/main.ftl"),
    ),
    (
        Lang::Ar,
        "speech.ftl",
        include_str!("../../../locales/ar/speech.ftl"),
    ),
    (
        Lang::En,
        "speech.ftl",
        include_str!("../../../locales/en/speech.ftl"),
    ),
    (
        Lang::Ar,
        "maintenance.ftl",
        include_str!("../../../locales/ar/maintenance.ftl"),
    ),
    (
        Lang::En,
        "maintenance.ftl",
        include_str!("../../../locales/en/maintenance.ftl"),
    ),
];

struct Bundles {
    ar: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

fn build(lang: Lang) -> FluentBundle<FluentResource> {
    let id: LanguageIdentifier = lang.tag().parse().expect("valid BCP 47 tag");
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    bundle.set_use_isolating(false);
    bundle
        .add_function("PLURAL", move |positional, _named| {
            match positional.first() {
                Some(FluentValue::Number(n)) if n.value.fract() == 0.0 => {
                    FluentValue::from(plural_category(lang, n.value.abs() as u64))
                }
                _ => FluentValue::from("other"),
            }
        })
        .expect("PLURAL is registered once");
    for (l, name, text) in SOURCES {
        if *l != lang {
            continue;
        }
        let res = FluentResource::try_new(text.to_string())
            .unwrap_or_else(|(_, errs)| panic!("locales/{l:?}/{name}: {errs:?}"));
        bundle
            .add_resource(res)
            .unwrap_or_else(|errs| panic!("locales/{l:?}/{name}: {errs:?}"));
    }
    bundle
}

/// The CLDR cardinal plural category of the integer `n` in `lang` (`zero`, `one`, `two`,
/// `few`, `many` or `other`; Unicode CLDR plural rules through ICU4X `icu_plurals`): what
/// `PLURAL($n)` gives a message's selector.
pub fn plural_category(lang: Lang, n: u64) -> &'static str {
    use icu_plurals::{PluralCategory, PluralRules};
    thread_local! {
        // Not `Sync` (ICU4X data may be reference-counted); built from compiled data.
        static RULES: [PluralRules; 2] = [icu_locale_core::locale!("ar"), icu_locale_core::locale!("en")]
            .map(|l| PluralRules::try_new_cardinal(l.into()).expect("compiled CLDR plural data"));
    }
    let category = RULES.with(|[ar, en]| match lang {
        Lang::Ar => ar.category_for(n),
        Lang::En => en.category_for(n),
    });
    match category {
        PluralCategory::Zero => "zero",
        PluralCategory::One => "one",
        PluralCategory::Two => "two",
        PluralCategory::Few => "few",
        PluralCategory::Many => "many",
        PluralCategory::Other => "other",
    }
}

fn bundles() -> &'static Bundles {
    static B: OnceLock<Bundles> = OnceLock::new();
    B.get_or_init(|| Bundles {
        ar: build(Lang::Ar),
        en: build(Lang::En),
    })
}

/// Mark a left-to-right value (phone number, reference, code) with LEFT-TO-RIGHT MARKs on
/// both sides (U+200E, UAX #9 rules W7 and N1) before it goes into a message: with Fluent's
/// own isolation turned off, this keeps "+974 ••••• 456" in order inside Arabic text. Marks
/// rather than isolates (U+2066…U+2069): strong marks are the oldest bidi controls, so
/// every renderer (Slint, our text engine, speech) and PDF text extractor handles them
/// the same way. The value must already be sanitised.
pub fn ltr(value: &str) -> String {
    format!("\u{200E}{value}\u{200E}")
}

/// An argument value for a message placeable.
pub enum Arg<'a> {
    /// Text (already sanitised if untrusted).
    Str(&'a str),
    /// A number, selecting plural categories (CLDR: Arabic has zero/one/two/few/many/other).
    Num(i64),
}

/// Format message `id` in `lang` with arguments. A missing id yields the id itself (and a
/// test makes sure none is missing), so a screen never shows an empty label.
pub fn tr_args(lang: Lang, id: &str, args: &[(&str, Arg<'_>)]) -> String {
    let b = bundles();
    let bundle = match lang {
        Lang::Ar => &b.ar,
        Lang::En => &b.en,
    };
    let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
        tracing::warn!(message_id = id, "missing Fluent message");
        return id.to_string();
    };
    let mut fargs = FluentArgs::new();
    for (k, v) in args {
        match v {
            Arg::Str(s) => fargs.set(*k, FluentValue::from(*s)),
            Arg::Num(n) => fargs.set(*k, FluentValue::from(*n)),
        }
    }
    let mut errors = Vec::new();
    let out = bundle.format_pattern(pattern, Some(&fargs), &mut errors);
    if !errors.is_empty() {
        tracing::warn!(
            message_id = id,
            "Fluent formatting errors: {}",
            errors.len()
        );
    }
    out.into_owned()
}

/// Format message `id` in `lang` without arguments.
pub fn tr(lang: Lang, id: &str) -> String {
    tr_args(lang, id, &[])
}

/// Message ids defined in one language's sources (for parity checks and diagnostics).
pub fn message_ids(lang: Lang) -> Vec<String> {
    let mut ids = Vec::new();
    for (l, _, text) in SOURCES {
        if *l != lang {
            continue;
        }
        let res = FluentResource::try_new(text.to_string()).expect("parsed above");
        for entry in res.entries() {
            if let fluent_syntax::ast::Entry::Message(m) = entry {
                ids.push(m.id.name.to_string());
            }
        }
    }
    ids.sort();
    ids
}

/// How digits are written in Arabic text (a kiosk setting): Latin digits (0–9, usual in
/// Qatar's official papers) or Arabic-Indic digits (٠–٩, CLDR numbering system `arab`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DigitStyle {
    /// 0–9.
    #[default]
    Latin,
    /// ٠–٩ (U+0660–U+0669).
    ArabicIndic,
}

/// Format a plain decimal string (`18000.00`) with the locale's grouping and decimal
/// separators through ICU4X (CLDR data). Returns `None` when `s` is not a decimal.
pub fn format_number(lang: Lang, digits: DigitStyle, s: &str) -> Option<String> {
    use icu_decimal::DecimalFormatter;
    use icu_decimal::input::Decimal;
    let tag = match (lang, digits) {
        (Lang::En, _) => "en-GB",
        (Lang::Ar, DigitStyle::Latin) => "ar-QA-u-nu-latn",
        (Lang::Ar, DigitStyle::ArabicIndic) => "ar-QA-u-nu-arab",
    };
    let locale = icu_locale_core::Locale::try_from_str(tag).ok()?;
    let formatter = DecimalFormatter::try_new((&locale).into(), Default::default()).ok()?;
    let value = Decimal::try_from_str(s).ok()?;
    Some(formatter.format(&value).to_string())
}

/// An amount in Qatari riyals (ISO 4217 QAR) as printed on papers: Latin digits, grouping,
/// two decimals, the currency code after the number. Non-decimal input is returned as is.
pub fn format_amount(lang: Lang, s: &str) -> String {
    let number = format_number(lang, DigitStyle::Latin, s).unwrap_or_else(|| s.to_string());
    tr_args(lang, "amount-qar", &[("amount", Arg::Str(&number))])
}

/// A calendar date (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ymd {
    /// Year.
    pub year: i32,
    /// Month 1–12.
    pub month: u8,
    /// Day 1–31.
    pub day: u8,
}

impl Ymd {
    /// Parse ISO 8601 `YYYY-MM-DD`; `None` when malformed or not a real date.
    pub fn parse(s: &str) -> Option<Ymd> {
        let mut it = s.split('-');
        let (y, m, d) = (it.next()?, it.next()?, it.next()?);
        if it.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let ymd = Ymd {
            year: y.parse().ok()?,
            month: m.parse().ok()?,
            day: d.parse().ok()?,
        };
        icu_calendar::Date::try_new_gregorian(ymd.year, ymd.month, ymd.day).ok()?;
        Some(ymd)
    }

    /// The same day in the Hijri calendar, Umm al-Qura rules (ICU4X): (year AH, month, day).
    pub fn to_hijri(self) -> Option<(i32, u8, u8)> {
        let g = icu_calendar::Date::try_new_gregorian(self.year, self.month, self.day).ok()?;
        let h = g.to_calendar(icu_calendar::cal::Hijri::new_umm_al_qura());
        Some((
            h.year().extended_year(),
            h.month().ordinal,
            h.day_of_month().0,
        ))
    }
}

/// A Gregorian date written out, e.g. "15 March 2026" / "15 مارس 2026".
pub fn format_gregorian(lang: Lang, date: Ymd) -> String {
    let month = tr(lang, &format!("month-{}", date.month));
    tr_args(
        lang,
        "date-gregorian",
        &[
            ("day", Arg::Num(date.day as i64)),
            ("month", Arg::Str(&month)),
            ("year", Arg::Num(date.year as i64)),
        ],
    )
}

/// The same date in the Hijri (Umm al-Qura) calendar, e.g. "26 Ramadan 1447 AH".
pub fn format_hijri(lang: Lang, date: Ymd) -> Option<String> {
    let (y, m, d) = date.to_hijri()?;
    let month = tr(lang, &format!("hijri-month-{m}"));
    Some(tr_args(
        lang,
        "date-hijri",
        &[
            ("day", Arg::Num(d as i64)),
            ("month", Arg::Str(&month)),
            ("year", Arg::Num(y as i64)),
        ],
    ))
}

#[cfg(test)]
mod tests;
