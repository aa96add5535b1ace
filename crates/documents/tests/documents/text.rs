//! The text engine's round trip: mixed Arabic/Latin/digit strings are sanitised, laid out
//! (bidi, shaping), written to a PDF and read back with poppler's `pdftotext`; each line
//! must come back in logical order, spaces at direction changes included.

use std::process::Command;

use manassa_documents::{A4_WIDTH_PT, Element, INK, Page, Paper, mm, pdf};
use manassa_text::{Align, BaseDirection, Family, TextStyle, layout, sanitize};

/// (input, expected logical text after sanitising). Every line must come back exactly,
/// spaces at direction changes included.
const CORPUS: &[(&str, &str)] = &[
    ("محمد عبدالله الكواري", "محمد عبدالله الكواري"),
    ("Mohammed Abdullah Al-Kuwari", "Mohammed Abdullah Al-Kuwari"),
    ("رقم الرخصة BP-2026-004512", "رقم الرخصة BP-2026-004512"),
    ("الرقم الشخصي 28463400123", "الرقم الشخصي 28463400123"),
    ("بلدية الدوحة", "بلدية الدوحة"),
    ("المنطقة الوعب 55", "المنطقة الوعب 55"),
    ("رقم القطعة 69/1234", "رقم القطعة 69/1234"),
    ("المبلغ 18,000.00 ر.ق", "المبلغ 18,000.00 ر.ق"),
    ("صافي الراتب 24,600.00 QAR", "صافي الراتب 24,600.00 QAR"),
    ("تاريخ الإصدار 2026-03-15", "تاريخ الإصدار 2026-03-15"),
    ("26 رمضان 1447 هـ", "26 رمضان 1447 هـ"),
    (
        "الاستشاري Arab Engineering Bureau",
        "الاستشاري Arab Engineering Bureau",
    ),
    (
        "المقاول Al Jaber Contracting",
        "المقاول Al Jaber Contracting",
    ),
    ("مرحبا بكم في Manassa", "مرحبا بكم في Manassa"),
    ("الرمز 482913", "الرمز 482913"),
    ("لا إله إلا الله", "لا إله إلا الله"),
    ("عبدالرحمن بن خليفة آل ثاني", "عبدالرحمن بن خليفة آل ثاني"),
    ("شارع 340 مبنى 12", "شارع 340 مبنى 12"),
    (
        "Building Permit BP-2026-004512",
        "Building Permit BP-2026-004512",
    ),
    ("Plot 69/1234, Zone 55", "Plot 69/1234, Zone 55"),
    (
        "Issued 15 March 2026 (26 Ramadan 1447 AH)",
        "Issued 15 March 2026 (26 Ramadan 1447 AH)",
    ),
    ("Net 24,600.00 QAR", "Net 24,600.00 QAR"),
    ("الهاتف +974 5512 3456", "الهاتف +974 5512 3456"),
    ("الطابق 2 من 3", "الطابق 2 من 3"),
    ("وزارة البلدية والبيئة", "وزارة البلدية والبيئة"),
    (
        "الرقم المرجعي K01-20261129-7F3A9C",
        "الرقم المرجعي K01-20261129-7F3A9C",
    ),
    (
        "سكني خاص Private residential",
        "سكني خاص Private residential",
    ),
    (
        "بدل سكن Housing allowance 6,000.00",
        "بدل سكن Housing allowance 6,000.00",
    ),
    (
        "شهادة إتمام بناء CC-2026-000871",
        "شهادة إتمام بناء CC-2026-000871",
    ),
    ("\u{202E}BP-2026-004512\u{202C} رقم", "BP-2026-004512 رقم"),
    (
        "Name: \u{2067}فاطمة\u{2069} Al-Marri",
        "Name: فاطمة Al-Marri",
    ),
    (
        "الموظف رقم MM-7731 في قسم التراخيص",
        "الموظف رقم MM-7731 في قسم التراخيص",
    ),
];

/// Poppler marks right-to-left spans with RLE…PDF (U+202B/U+202C, and LRE U+202A inside
/// them) in its output, and the PDF writer puts an invisible LRM/RLM where poppler's
/// reordering needs one (see `documents::pdf`); these bidi format characters are not part
/// of the text.
fn strip_marks(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '\u{202A}'..='\u{202C}' | '\u{200E}' | '\u{200F}'))
        .collect()
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
    let lines = extract(&Paper {
        title: "corpus".into(),
        lang: "ar-QA",
        pages,
        printed_fields: Vec::new(),
    });
    assert_eq!(
        lines.len(),
        inputs.len(),
        "one extracted line per input line:\n{lines:#?}"
    );
    lines
}

/// Write `paper` to a PDF and return pdftotext's non-empty lines, bidi marks removed.
fn extract(paper: &Paper) -> Vec<String> {
    // Tests run in parallel: one directory per call.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("manassa-corpus-{}-{call}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("corpus.pdf");
    std::fs::write(&path, pdf::write(paper).unwrap()).unwrap();
    // Keep a copy to look at (pdftoppm) when asked: CORPUS_PDF_OUT=/some/dir
    if let Some(keep) = std::env::var_os("CORPUS_PDF_OUT") {
        let keep = std::path::Path::new(&keep);
        std::fs::create_dir_all(keep).unwrap();
        std::fs::copy(&path, keep.join(format!("corpus-{call}.pdf"))).unwrap();
    }
    let out = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) must be installed: scripts/test.sh installs it");
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<String> = text
        .lines()
        .map(|l| strip_marks(l.trim_start_matches('\u{c}')))
        .filter(|l| !l.is_empty())
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    lines
}

#[test]
fn corpus_round_trips_through_pdftotext_in_logical_order() {
    assert!(CORPUS.len() >= 30);
    let inputs: Vec<&str> = CORPUS.iter().map(|(i, _)| *i).collect();
    let lines = round_trip(&inputs);
    let failures: Vec<String> = CORPUS
        .iter()
        .zip(&lines)
        .enumerate()
        .filter(|(_, ((_, expected), got))| got != expected)
        .map(|(i, ((input, expected), got))| {
            format!("{i}: {input:?}\n   expected {expected:?}\n   got      {got:?}")
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        CORPUS.len(),
        failures.join("\n")
    );
}

#[test]
fn harakat_round_trip() {
    // Vowel marks (fatha, damma, shadda, sukun, kasra, tanwin) are drawn over or under
    // their letter; they come back in their logical place, a shadda's own mark included.
    let lines = ["مُحَمَّد", "السَّلامُ عَلَيْكُم", "شُكْرًا لَكِ 2026"];
    let want: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    assert_eq!(round_trip(&lines), want);
}

#[test]
fn a_line_alone_on_a_left_to_right_page_round_trips_too() {
    // Poppler reads a page left-to-right when it holds more Latin than Arabic letters; the
    // spans must come back logical in that reading as well.
    let lines = [
        "Building Permit BP-2026-004512 issued by the Ministry of Municipality",
        "26 رمضان 1447 هـ",
        "الهاتف +974 5512 3456",
        "Name: فاطمة Al-Marri",
    ];
    let want: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    assert_eq!(round_trip(&lines), want);
}

#[test]
fn two_paragraphs_poppler_joins_into_one_line_both_come_back_whole() {
    // A value right beside its label on the same baseline: poppler makes one line of both
    // spans and runs its reordering over the pair. On a right-to-left page the right one
    // is read first.
    let pairs = [
        ("رقم الرخصة BP-2026-004512", "Plot 69/1234"),
        ("26 رمضان 1447 هـ", "الهاتف +974 5512 3456"),
        ("بلدية الدوحة", "Al Jaber Contracting"),
        ("Net 24,600.00 QAR", "الرمز 482913"),
        ("الطابق 2 من 3", "(26 Ramadan)"),
        ("شارع 340", "مبنى 12"),
    ];
    let style = TextStyle::new(Family::Naskh, 12.0);
    let mut page = Page::default();
    let mut y = mm(15.0);
    for (right, left) in pairs {
        let r = layout(
            right,
            &style,
            BaseDirection::Auto,
            Align::Right,
            Some(mm(80.0)),
        );
        let l = layout(
            left,
            &style,
            BaseDirection::Auto,
            Align::Right,
            Some(mm(80.0)),
        );
        // The left paragraph's ink ends a word space before the right one's begins.
        let right_x = mm(100.0);
        let right_ink = right_x + mm(80.0) - r.lines[0].width;
        page.elements.push(Element::Text {
            para: r,
            x: right_x,
            y,
            color: INK,
        });
        page.elements.push(Element::Text {
            para: l,
            x: right_ink - 4.0 - mm(80.0),
            y,
            color: INK,
        });
        y += mm(9.0);
    }
    let lines = extract(&Paper {
        title: "pairs".into(),
        lang: "ar-QA",
        pages: vec![page],
        printed_fields: Vec::new(),
    });
    let want: Vec<String> = pairs.iter().map(|(r, l)| format!("{r} {l}")).collect();
    assert_eq!(lines, want);
}

#[test]
fn a_line_that_ends_in_a_hyphen_keeps_it() {
    // Poppler drops a hyphen at the end of a line and joins the next line to it (soft
    // hyphenation); a name wrapped after "Al-" must still come back as printed.
    let style = TextStyle::new(Family::Naskh, 12.0);
    for filler in ["رخصة بناء صادرة عن وزارة البلدية", "Building permit issued"]
    {
        let mut page = Page::default();
        for (i, text) in [filler, "Mohammed Al-\nKuwari", "عبدالله آل-\nثاني"]
            .iter()
            .enumerate()
        {
            let para = layout(
                text,
                &style,
                BaseDirection::Auto,
                Align::Start,
                Some(mm(150.0)),
            );
            page.elements.push(Element::Text {
                para,
                x: mm(15.0),
                y: mm(15.0 + 20.0 * i as f32),
                color: INK,
            });
        }
        let lines = extract(&Paper {
            title: "hyphen".into(),
            lang: "ar-QA",
            pages: vec![page],
            printed_fields: Vec::new(),
        });
        assert_eq!(
            lines,
            [filler, "Mohammed Al-", "Kuwari", "عبدالله آل-", "ثاني"],
            "{filler}"
        );
    }
}
