//! The text engine's round trip: mixed Arabic/Latin/digit strings are sanitised, laid out
//! (bidi, shaping), written to a PDF and read back with poppler's `pdftotext`; each line
//! must come back in logical order, spaces at direction changes included.

use std::process::Command;

use manassa::documents::{A4_WIDTH_PT, Element, INK, Page, Paper, mm, pdf};
use manassa::text::{Align, BaseDirection, Family, TextStyle, layout, sanitize};

/// How strictly a line must come back.
#[derive(Clone, Copy, PartialEq)]
enum Check {
    /// Exactly the expected text.
    Exact,
    /// Every word whole (see below).
    Words,
}
use Check::*;

/// (input, expected logical text after sanitising, check). `Words` marks lines
/// where poppler's own visual-to-logical reconstruction (not a full UAX #9 inverse) moves
/// numbers, neutral punctuation or spaces at a direction change; for those the test checks
/// that every Arabic word comes back whole, with its letters in logical order, and that no
/// letter or digit is lost or added.
const CORPUS: &[(&str, &str, Check)] = &[
    ("محمد عبدالله الكواري", "محمد عبدالله الكواري", Exact),
    (
        "Mohammed Abdullah Al-Kuwari",
        "Mohammed Abdullah Al-Kuwari",
        Exact,
    ),
    (
        "رقم الرخصة BP-2026-004512",
        "رقم الرخصة BP-2026-004512",
        Exact,
    ),
    (
        "الرقم الشخصي 28463400123",
        "الرقم الشخصي 28463400123",
        Exact,
    ),
    ("بلدية الدوحة", "بلدية الدوحة", Exact),
    ("المنطقة الوعب 55", "المنطقة الوعب 55", Exact),
    ("رقم القطعة 69/1234", "رقم القطعة 69/1234", Exact),
    ("المبلغ 18,000.00 ر.ق", "المبلغ 18,000.00 ر.ق", Words),
    (
        "صافي الراتب 24,600.00 QAR",
        "صافي الراتب 24,600.00 QAR",
        Words,
    ),
    ("تاريخ الإصدار 2026-03-15", "تاريخ الإصدار 2026-03-15", Words),
    ("26 رمضان 1447 هـ", "26 رمضان 1447 هـ", Words),
    (
        "الاستشاري Arab Engineering Bureau",
        "الاستشاري Arab Engineering Bureau",
        Exact,
    ),
    (
        "المقاول Al Jaber Contracting",
        "المقاول Al Jaber Contracting",
        Exact,
    ),
    ("مرحبا بكم في Manassa", "مرحبا بكم في Manassa", Exact),
    ("الرمز 482913", "الرمز 482913", Exact),
    ("لا إله إلا الله", "لا إله إلا الله", Exact),
    (
        "عبدالرحمن بن خليفة آل ثاني",
        "عبدالرحمن بن خليفة آل ثاني",
        Exact,
    ),
    ("شارع 340 مبنى 12", "شارع 340 مبنى 12", Words),
    (
        "Building Permit BP-2026-004512",
        "Building Permit BP-2026-004512",
        Exact,
    ),
    ("Plot 69/1234, Zone 55", "Plot 69/1234, Zone 55", Exact),
    (
        "Issued 15 March 2026 (26 Ramadan 1447 AH)",
        "Issued 15 March 2026 (26 Ramadan 1447 AH)",
        Words,
    ),
    ("Net 24,600.00 QAR", "Net 24,600.00 QAR", Exact),
    ("الهاتف +974 5512 3456", "الهاتف +974 5512 3456", Words),
    ("الطابق 2 من 3", "الطابق 2 من 3", Words),
    ("وزارة البلدية والبيئة", "وزارة البلدية والبيئة", Exact),
    (
        "الرقم المرجعي K01-20261129-7F3A9C",
        "الرقم المرجعي K01-20261129-7F3A9C",
        Exact,
    ),
    (
        "سكني خاص Private residential",
        "سكني خاص Private residential",
        Exact,
    ),
    (
        "بدل سكن Housing allowance 6,000.00",
        "بدل سكن Housing allowance 6,000.00",
        Exact,
    ),
    (
        "شهادة إتمام بناء CC-2026-000871",
        "شهادة إتمام بناء CC-2026-000871",
        Exact,
    ),
    (
        "\u{202E}BP-2026-004512\u{202C} رقم",
        "BP-2026-004512 رقم",
        Words,
    ),
    (
        "Name: \u{2067}فاطمة\u{2069} Al-Marri",
        "Name: فاطمة Al-Marri",
        Words,
    ),
    (
        "الموظف رقم MM-7731 في قسم التراخيص",
        "الموظف رقم MM-7731 في قسم التراخيص",
        Words,
    ),
];

/// Poppler marks right-to-left spans with RLE…PDF (U+202B/U+202C) in its output; they are
/// not part of the text.
fn strip_marks(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}'))
        .collect::<String>()
        .trim()
        .to_string()
}

/// Lay out each string on its own line of a PDF and return pdftotext's lines.
fn round_trip(inputs: &[&str]) -> Vec<String> {
    let style = TextStyle::new(Family::Naskh, 12.0);
    let width = A4_WIDTH_PT - 2.0 * mm(15.0);
    let mut pages = Vec::new();
    let mut page = Page::default();
    let mut y = mm(15.0);
    for input in inputs {
        let text = sanitize(input);
        let para = layout(
            &text,
            &style,
            BaseDirection::Auto,
            Align::Start,
            Some(width),
        );
        assert_eq!(para.lines.len(), 1, "{input:?} fits one line");
        page.elements.push(Element::Text {
            para,
            x: mm(15.0),
            y,
            color: INK,
        });
        y += mm(9.0);
        if y > mm(270.0) {
            pages.push(std::mem::take(&mut page));
            y = mm(15.0);
        }
    }
    pages.push(page);
    let paper = Paper {
        title: "corpus".into(),
        lang: "ar-QA",
        pages,
    };
    let dir = std::env::temp_dir().join(format!("manassa-corpus-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("corpus.pdf");
    std::fs::write(&path, pdf::write(&paper).unwrap()).unwrap();
    let out = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) must be installed: scripts/test.sh installs it");
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<String> = text
        .lines()
        .map(strip_marks)
        .filter(|l| !l.is_empty())
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        lines.len(),
        inputs.len(),
        "one extracted line per input line:\n{text}"
    );
    lines
}

#[test]
fn corpus_round_trips_through_pdftotext_in_logical_order() {
    assert!(CORPUS.len() >= 30);
    let inputs: Vec<&str> = CORPUS.iter().map(|(i, _, _)| *i).collect();
    let lines = round_trip(&inputs);
    let mut failures = Vec::new();
    for (i, (input, expected, exact)) in CORPUS.iter().enumerate() {
        let got = &lines[i];
        let ok = if *exact == Exact {
            got == expected
        } else {
            let mut want: Vec<&str> = expected.split_whitespace().collect();
            let mut have: Vec<String> = got.split_whitespace().map(|w| w.to_string()).collect();
            // Poppler may split "2026-03-15" at the hyphens and reorder the parts, or keep
            // a neutral bracket on the other side: compare letters and digits per word.
            // Harakat (combining marks) are positioned over their base letter; poppler
            // extracts them beside it, so words are compared without them.
            let norm = |w: &str| {
                w.chars()
                    .filter(|c| {
                        c.is_alphanumeric() && !matches!(*c as u32, 0x064B..=0x065F | 0x0670)
                    })
                    .collect::<String>()
            };
            let got_bare = norm(&got.replace(' ', "|")).replace('|', " ");
            let arabic_words_whole = want
                .iter()
                .filter(|w| w.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)))
                .all(|w| got.contains(*w) || got_bare.contains(&norm(w)));
            want.sort_by_key(|w| norm(w));
            have.sort_by_key(|w| norm(w));
            let letters = |v: &[&str]| {
                let mut c: Vec<char> = v
                    .iter()
                    .flat_map(|w| w.chars())
                    .filter(|c| c.is_alphanumeric())
                    .collect();
                c.sort();
                c
            };
            let have_ref: Vec<&str> = have.iter().map(|s| s.as_str()).collect();
            arabic_words_whole && letters(&want) == letters(&have_ref)
        };
        if !ok {
            failures.push(format!(
                "{i}: {input:?}\n   expected {expected:?}\n   got      {got:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        CORPUS.len(),
        failures.join("\n")
    );
}

#[test]
#[ignore = "known gap (issue #3): poppler extracts harakat beside their letter, splits the word there and drops a mark stacked on a shadda"]
fn harakat_round_trip() {
    assert_eq!(round_trip(&["مُحَمَّد"]), vec!["مُحَمَّد".to_string()]);
}
