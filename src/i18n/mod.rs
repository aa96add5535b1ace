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

pub mod view;

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde::{Deserialize, Serialize};
use unic_langid::LanguageIdentifier;

/// A language the kiosk speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Arabic (Qatar), right to left. The default.
    #[default]
    Ar,
    /// English, left to right.
    En,
}

impl Lang {
    /// BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Ar => "ar-QA",
            Lang::En => "en-GB",
        }
    }

    /// Whether the script runs right to left.
    pub fn is_rtl(self) -> bool {
        self == Lang::Ar
    }

    /// The other language (the one-touch switch on every screen).
    pub fn other(self) -> Lang {
        match self {
            Lang::Ar => Lang::En,
            Lang::En => Lang::Ar,
        }
    }

    /// Parse "ar"/"en" (and region-tagged forms such as "ar-QA").
    pub fn parse(s: &str) -> Option<Lang> {
        match s.split(['-', '_']).next()?.to_ascii_lowercase().as_str() {
            "ar" => Some(Lang::Ar),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// The Fluent sources, embedded at compile time: (language, file name, text).
pub const SOURCES: &[(Lang, &str, &str)] = &[
    (
        Lang::Ar,
        "main.ftl",
        include_str!("../../locales/ar/main.ftl"),
    ),
    (
        Lang::En,
        "main.ftl",
        include_str!("../../locales/en/main.ftl"),
    ),
    (
        Lang::Ar,
        "speech.ftl",
        include_str!("../../locales/ar/speech.ftl"),
    ),
    (
        Lang::En,
        "speech.ftl",
        include_str!("../../locales/en/speech.ftl"),
    ),
    (
        Lang::Ar,
        "maintenance.ftl",
        include_str!("../../locales/ar/maintenance.ftl"),
    ),
    (
        Lang::En,
        "maintenance.ftl",
        include_str!("../../locales/en/maintenance.ftl"),
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
mod tests {
    use super::*;

    #[test]
    fn both_languages_define_the_same_ids() {
        let ar = message_ids(Lang::Ar);
        let en = message_ids(Lang::En);
        assert!(ar.len() > 40);
        assert_eq!(ar, en);
    }

    #[test]
    fn placeables_are_the_same_in_every_language() {
        for id in message_ids(Lang::En) {
            let vars = |lang| {
                let (_, _, text) = SOURCES.iter().find(|(l, _, _)| *l == lang).unwrap();
                let start = text.find(&format!("\n{id} =")).map(|i| i + 1).unwrap_or(0);
                let rest = &text[start..];
                let end = rest[1..]
                    .find("\n\n")
                    .or_else(|| rest[1..].find("\n#"))
                    .map(|e| e + 1)
                    .unwrap_or(rest.len());
                let mut v: Vec<String> = rest[..end]
                    .split('$')
                    .skip(1)
                    .map(|s| {
                        s.chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect()
                    })
                    .collect();
                v.sort();
                v.dedup();
                v
            };
            assert_eq!(vars(Lang::Ar), vars(Lang::En), "placeables of {id}");
        }
    }

    #[test]
    fn arabic_plural_categories() {
        let f = |n| tr_args(Lang::Ar, "code-attempts-left", &[("count", Arg::Num(n))]);
        assert!(f(0).contains("لم تبقَ"));
        assert!(f(1).contains("محاولة واحدة"));
        assert!(f(2).contains("محاولتان"));
        assert!(f(3).contains("3 محاولات"));
        assert!(f(11).contains("11 محاولة"));
        assert!(f(100).contains("100 محاولة"));
        assert_eq!(
            tr_args(Lang::En, "code-attempts-left", &[("count", Arg::Num(1))]),
            "Wrong code. One attempt left."
        );
    }

    /// The same sweep (0, 1, 2, 3, 11, 100: zero, one, two, few, many, other) over every
    /// count the technician menu shows; English has one and other.
    #[test]
    fn arabic_plural_categories_of_maintenance_counts() {
        // (id, variable, Arabic for 0, 1, 2, 3, 11, 100; English for 1 and 100)
        let cases: &[(&str, &str, [&str; 6], [&str; 2])] = &[
            (
                "maint-pin-wrong",
                "n",
                [
                    "لم تبقَ محاولات",
                    "محاولة واحدة",
                    "محاولتان",
                    "3 محاولات",
                    "11 محاولة",
                    "100 محاولة",
                ],
                ["1 attempt left", "100 attempts left"],
            ),
            (
                "maint-locked",
                "n",
                [
                    "بعد قليل",
                    "دقيقة واحدة",
                    "دقيقتين",
                    "3 دقائق",
                    "11 دقيقة",
                    "100 دقيقة",
                ],
                ["in 1 minute.", "in 100 minutes."],
            ),
            (
                "maint-count-a4-pages",
                "n",
                [
                    "لم تُطبع أي صفحة",
                    "صفحة واحدة",
                    "صفحتان",
                    "3 صفحات",
                    "11 صفحة",
                    "100 صفحة",
                ],
                ["1 A4 page printed", "100 A4 pages printed"],
            ),
            (
                "maint-count-tickets",
                "n",
                [
                    "لم يُطبع أي إيصال",
                    "إيصال واحد",
                    "إيصالان",
                    "3 إيصالات",
                    "11 إيصالًا",
                    "100 إيصال",
                ],
                ["1 ticket printed", "100 tickets printed"],
            ),
            (
                "maint-count-cuts",
                "n",
                [
                    "لم يُقصّ",
                    "مرة واحدة",
                    "مرتين",
                    "3 مرات",
                    "11 مرة",
                    "100 مرة",
                ],
                ["1 paper cut", "100 paper cuts"],
            ),
            (
                "maint-count-captures",
                "n",
                [
                    "لم تُحتجز أي بطاقة",
                    "بطاقة واحدة",
                    "بطاقتان",
                    "3 بطاقات",
                    "11 بطاقة",
                    "100 بطاقة",
                ],
                ["1 card captured", "100 cards captured"],
            ),
            (
                "maint-count-roll",
                "n",
                [
                    "لا إيصالات",
                    "إيصال واحد",
                    "إيصالان",
                    "3 إيصالات",
                    "11 إيصالًا",
                    "100 إيصال",
                ],
                ["1 ticket on", "100 tickets on"],
            ),
            (
                "maint-outbox-depth",
                "n",
                [
                    "لا أحداث",
                    "حدث واحد",
                    "حدثان",
                    "3 أحداث",
                    "11 حدثًا",
                    "100 حدث",
                ],
                ["1 event waiting", "100 events waiting"],
            ),
            (
                "maint-outbox-oldest",
                "n",
                [
                    "أقل من ثانية",
                    "ثانية واحدة",
                    "ثانيتين",
                    "3 ثوانٍ",
                    "11 ثانية",
                    "100 ثانية",
                ],
                ["for 1 second", "for 100 seconds"],
            ),
            (
                "maint-outbox-dead",
                "n",
                [
                    "لا رسائل",
                    "رسالة واحدة",
                    "رسالتان",
                    "3 رسائل",
                    "11 رسالة",
                    "100 رسالة",
                ],
                ["1 dead letter", "100 dead letters"],
            ),
            (
                "maint-dead-detail",
                "attempts",
                [
                    "لم تُجرَ أي محاولة",
                    "محاولة واحدة",
                    "محاولتان",
                    "3 محاولات",
                    "11 محاولة",
                    "100 محاولة",
                ],
                ["1 attempt ·", "100 attempts ·"],
            ),
            (
                "maint-api-ok",
                "n",
                [
                    "أقل من ملّي ثانية",
                    "1 ملّي ثانية",
                    "2 ملّي ثانية",
                    "3 ملّي ثانية",
                    "11 ملّي ثانية",
                    "100 ملّي ثانية",
                ],
                ["in 1 ms", "in 100 ms"],
            ),
            (
                "complaint-too-short",
                "count",
                ["0 حرف", "حرف واحد", "حرفين", "3 أحرف", "11 حرفًا", "100 حرف"],
                ["at least 1 character.", "at least 100 characters."],
            ),
            (
                "maint-default-idle",
                "n",
                [
                    "بلا مهلة",
                    "ثانية واحدة",
                    "ثانيتان",
                    "3 ثوانٍ",
                    "11 ثانية",
                    "100 ثانية",
                ],
                ["1 second", "100 seconds"],
            ),
        ];
        for (id, var, ar, en) in cases {
            for (n, want) in [0, 1, 2, 3, 11, 100].into_iter().zip(ar) {
                let got = tr_args(
                    Lang::Ar,
                    id,
                    &[(var, Arg::Num(n)), ("error", Arg::Str("x"))],
                );
                assert!(got.contains(want), "{id} for {n}: {got:?} lacks {want:?}");
                assert!(!got.contains('{'), "{id} for {n}: {got:?}");
            }
            for (n, want) in [1, 100].into_iter().zip(en) {
                let got = tr_args(
                    Lang::En,
                    id,
                    &[(var, Arg::Num(n)), ("error", Arg::Str("x"))],
                );
                assert!(got.contains(want), "{id} for {n}: {got:?} lacks {want:?}");
            }
        }
    }

    #[test]
    fn the_complaint_counter_agrees_with_its_maximum() {
        let c = |max| {
            tr_args(
                Lang::Ar,
                "complaint-counter",
                &[("count", Arg::Num(12)), ("max", Arg::Num(max))],
            )
        };
        assert_eq!(c(500), "12 من 500 حرف");
        assert_eq!(c(50), "12 من 50 حرفًا");
        assert_eq!(c(10), "12 من 10 أحرف");
    }

    #[test]
    fn plural_categories_follow_cldr_beyond_one_hundred() {
        let cat = |n| plural_category(Lang::Ar, n);
        let got: Vec<&str> = [
            0, 1, 2, 3, 10, 11, 99, 100, 101, 102, 103, 110, 111, 199, 1290,
        ]
        .into_iter()
        .map(cat)
        .collect();
        assert_eq!(
            got,
            [
                "zero", "one", "two", "few", "few", "many", "many", "other", "other", "other",
                "few", "few", "many", "many", "many"
            ]
        );
        assert_eq!(plural_category(Lang::En, 1), "one");
        assert_eq!(plural_category(Lang::En, 101), "other");
        let t = |n| tr_args(Lang::Ar, "maint-count-tickets", &[("n", Arg::Num(n))]);
        assert!(t(101).ends_with("101 إيصال"), "{}", t(101));
        assert!(t(103).ends_with("103 إيصالات"), "{}", t(103));
        assert!(t(1290).ends_with("1290 إيصالًا"), "{}", t(1290));
        assert!(t(1000).ends_with("1000 إيصال"), "{}", t(1000));
    }

    #[test]
    fn every_selector_on_a_count_goes_through_plural() {
        // A bare `{ $n -> ... }` would use intl_pluralrules' faulty Arabic rule. Walks every
        // select expression of every message, term and attribute (nested ones too).
        use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};
        fn selectors<'a>(p: &'a Pattern<&'a str>, out: &mut Vec<&'a InlineExpression<&'a str>>) {
            fn expr<'a>(e: &'a Expression<&'a str>, out: &mut Vec<&'a InlineExpression<&'a str>>) {
                match e {
                    Expression::Select { selector, variants } => {
                        out.push(selector);
                        variants.iter().for_each(|v| selectors(&v.value, out));
                    }
                    Expression::Inline(InlineExpression::Placeable { expression }) => {
                        expr(expression, out)
                    }
                    Expression::Inline(_) => {}
                }
            }
            for el in &p.elements {
                if let PatternElement::Placeable { expression } = el {
                    expr(expression, out);
                }
            }
        }
        let mut seen = 0;
        for (l, name, text) in SOURCES {
            let res = fluent_syntax::parser::parse(*text).expect("valid Fluent");
            let mut found = Vec::new();
            for entry in &res.body {
                let (value, attrs) = match entry {
                    Entry::Message(m) => (m.value.as_ref(), &m.attributes),
                    Entry::Term(t) => (Some(&t.value), &t.attributes),
                    _ => continue,
                };
                value.into_iter().for_each(|p| selectors(p, &mut found));
                attrs.iter().for_each(|a| selectors(&a.value, &mut found));
            }
            for sel in found {
                seen += 1;
                assert!(
                    matches!(sel, InlineExpression::FunctionReference { id, .. } if id.name == "PLURAL"),
                    "locales/{l:?}/{name}: select on PLURAL($n), not {sel:?}"
                );
            }
        }
        assert!(
            seen >= 30,
            "only {seen} selectors found: is the walk broken?"
        );
    }

    #[test]
    fn numbers_and_amounts_follow_the_locale() {
        assert_eq!(
            format_number(Lang::En, DigitStyle::Latin, "18000.00").unwrap(),
            "18,000.00"
        );
        assert_eq!(
            format_number(Lang::Ar, DigitStyle::ArabicIndic, "18000.5").unwrap(),
            "١٨٬٠٠٠٫٥"
        );
        assert_eq!(format_amount(Lang::En, "6000.00"), "6,000.00 QAR");
        assert!(format_number(Lang::En, DigitStyle::Latin, "12a").is_none());
    }

    #[test]
    fn gregorian_and_umm_al_qura_dates() {
        let d = Ymd::parse("2026-03-15").unwrap();
        // 15 March 2026 is 26 Ramadan 1447 in the Umm al-Qura calendar.
        assert_eq!(d.to_hijri(), Some((1447, 9, 26)));
        assert_eq!(format_gregorian(Lang::En, d), "15 March 2026");
        assert_eq!(format_hijri(Lang::En, d).unwrap(), "26 Ramadan 1447 AH");
        assert_eq!(format_hijri(Lang::Ar, d).unwrap(), "26 رمضان 1447 هـ");
        assert!(Ymd::parse("2026-02-30").is_none());
        assert!(Ymd::parse("15/03/2026").is_none());
    }

    #[test]
    fn no_isolation_marks_in_output() {
        let s = tr_args(
            Lang::Ar,
            "done-reference",
            &[("reference", Arg::Str("K01-000001"))],
        );
        assert_eq!(s, "الرقم المرجعي K01-000001");
    }
}
