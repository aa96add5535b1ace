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
            "zero", "one", "two", "few", "few", "many", "many", "other", "other", "other", "few",
            "few", "many", "many", "many"
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
