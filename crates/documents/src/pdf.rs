//! PDF writer (printpdf) for [`Paper`]s laid out by the shared text engine.
//!
//! Glyphs are written by id (Type0/Identity-H fonts, embedded) at the positions the text
//! engine computed, each with the logical text of its cluster, which printpdf turns into
//! the font's /ToUnicode CMap (PDF 32000-1 §9.10.3): the text is searchable even though
//! the Arabic glyphs are contextual forms and ligatures.
//!
//! Glyphs carry no direction, so a reader has to guess the logical order of a mixed
//! Arabic/Latin line from the glyph positions. Poppler (pdftotext, Evince, Okular) does it
//! with a simple two-level heuristic, not UAX #9, and moves numbers, brackets and the
//! spaces at direction changes. Each laid-out line is therefore also wrapped in a
//! marked-content span whose /ActualText (PDF 32000-1 §14.9.4) poppler takes instead of the
//! glyphs' text; that text is prepared (`actual_text`) so that poppler's heuristic turns
//! it back into exactly the logical line. Readers that ignore /ActualText still get the
//! per-glyph /ToUnicode text.
//!
//! Known limits: `pdftotext -raw` skips poppler's page-direction analysis and always reads
//! left to right, so on a mostly Arabic page its mixed lines come back in run order; and a
//! reader that takes /ActualText literally instead of re-ordering it as poppler does (the
//! text is prepared for poppler's pass) gets right-to-left runs in visual order, which is
//! what it would get from the glyphs without a bidi pass of its own. MuPDF 1.21's text
//! output (`mutool draw -F txt`) ignores the spans: it is the same with and without them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use printpdf::{
    Codepoint, Color, DictItem, FontId, Line, LinePoint, Mm, Op, PaintMode, ParsedFont,
    PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Rect, TextItem, TextMatrix,
};
use unicode_bidi::BidiClass;

use super::{A4_HEIGHT_PT, Element, Paper, Rgb};
use manassa_text::{FaceId, fonts};

/// Failure to produce a PDF.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// A bundled font could not be parsed by the PDF library.
    #[error("font {0} could not be embedded")]
    Font(&'static str),
    /// The file written could not be read back to add the printed fields (a bug).
    #[error("PDF could not be finished: {0}")]
    Write(String),
}

/// Subset a TrueType font to `glyphs` (PDF profile: the tables a PDF reader needs). Returns
/// the subset file and the map old glyph id → new glyph id (new ids follow the order of
/// the requested list, .notdef first, as allsorts documents).
fn subset(font: &[u8], glyphs: &BTreeSet<u16>) -> Option<(Vec<u8>, HashMap<u16, u16>)> {
    use allsorts::binary::read::ReadScope;
    use allsorts::font_data::FontData;
    use allsorts::subset::{CmapTarget, SubsetProfile};
    let ids: Vec<u16> = std::iter::once(0)
        .chain(glyphs.iter().copied().filter(|g| *g != 0))
        .collect();
    let data = ReadScope::new(font).read::<FontData<'_>>().ok()?;
    let provider = data.table_provider(0).ok()?;
    let bytes =
        allsorts::subset::subset(&provider, &ids, &SubsetProfile::Pdf, CmapTarget::Unicode).ok()?;
    let remap = ids
        .iter()
        .enumerate()
        .map(|(new, old)| (*old, new as u16))
        .collect();
    Some((bytes, remap))
}

/// The /ToUnicode text of one glyph. A ligature in a right-to-left run (e.g. the word
/// Allah in Naskh, U+0644 U+0644 U+0647 as one glyph) maps to several characters; text
/// extractors (poppler's pdftotext among them) reverse each glyph's characters when they
/// reorder an RTL line into logical order, so the mapping is stored in visual order to
/// come out logical.
fn extraction_text(logical: &str, rtl: bool) -> String {
    if rtl && logical.chars().count() > 1 {
        logical.chars().rev().collect()
    } else {
        logical.to_string()
    }
}

/// How poppler's text extraction (TextOutputDev, `reorderText`) classes a character: its
/// own table, close to the Unicode bidi classes of Unicode 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Left-to-right letter.
    L,
    /// Right-to-left letter (Arabic, Hebrew, RLM).
    R,
    /// Digits and the separators/terminators around numbers (`+ , - . / : %`, NBSP).
    Num,
    /// Everything else: spaces, brackets, most punctuation, combining marks.
    Neutral,
}

fn kind(c: char) -> Kind {
    // Where poppler's table (an older Unicode) differs from today's bidi classes, for the
    // Arabic, punctuation and currency blocks.
    match c as u32 {
        0x0600..=0x0603 | 0x06DD | 0x0616..=0x061A | 0x202B | 0x202E => return Kind::R,
        0xFD40..=0xFD4F | 0xFDCF => return Kind::R,
        0x0606..=0x0608 | 0x060B | 0x0659..=0x065F => return Kind::Num,
        0x202A | 0x202D => return Kind::L,
        0x202F | 0x20B2..=0x20BF => return Kind::Neutral,
        _ => {}
    }
    match unicode_bidi::bidi_class(c) {
        BidiClass::L => Kind::L,
        BidiClass::R | BidiClass::AL => Kind::R,
        BidiClass::EN | BidiClass::ES | BidiClass::ET | BidiClass::CS | BidiClass::AN => Kind::Num,
        _ => Kind::Neutral,
    }
}

/// Whether poppler will read a page whose lines are `texts` as primarily left-to-right:
/// it counts left-to-right letters minus right-to-left letters over the whole page and
/// reads left-to-right when the count is not negative.
fn primary_ltr<'a>(texts: impl IntoIterator<Item = &'a str>) -> bool {
    let count: i64 = texts
        .into_iter()
        .flat_map(str::chars)
        .map(|c| match kind(c) {
            Kind::L => 1,
            Kind::R => -1,
            _ => 0,
        })
        .sum();
    count >= 0
}

/// Left-to-right mark: a [`Kind::L`] letter that draws nothing.
const LRM: char = '\u{200E}';
/// Right-to-left mark: a [`Kind::R`] letter that draws nothing.
const RLM: char = '\u{200F}';

/// The /ActualText of a line whose logical text is `logical`, on a page poppler reads as
/// `primary_ltr` (see [`primary_ltr`]).
///
/// Poppler treats the text it collects for a line as visual (left-to-right) order and
/// turns it into logical order with a fixed two-level pass (`reorderText` in
/// TextOutputDev.cc): on a right-to-left page it walks from the right end and alternately
/// reverses a maximal run of right-to-left letters and neutrals and keeps a maximal run of
/// anything but right-to-left letters; on a left-to-right page it walks from the left and
/// alternately keeps a maximal run without right-to-left letters and reverses a maximal
/// run of right-to-left letters and neutrals. This function is the inverse of that pass:
/// it cuts `logical` into the same runs and lays them out as the pass expects, so the pass
/// gives `logical` back, character for character.
///
/// Some logical strings are out of the pass's reach: spaces or brackets between a number
/// or Latin word and a following Arabic word (or the end of the line) on a right-to-left
/// page, and the mirror case on a left-to-right page. There a zero-width mark of the
/// page's own direction (RLM or LRM) is put before the neutral characters; it draws
/// nothing, does not change the page's direction count's sign, and is a no-op for bidi.
fn actual_text(logical: &str, primary_ltr: bool) -> String {
    let src: Vec<char> = logical.chars().collect();
    // 1. Marks before the neutral runs the pass cannot place.
    let mut chars: Vec<char> = Vec::with_capacity(src.len() + 4);
    let mut i = 0;
    while i < src.len() {
        if kind(src[i]) != Kind::Neutral {
            chars.push(src[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < src.len() && kind(src[i]) == Kind::Neutral {
            i += 1;
        }
        let before = start.checked_sub(1).map(|p| kind(src[p]));
        let after = src.get(i).map(|c| kind(*c));
        let strong_ltr = |k: Option<Kind>| matches!(k, Some(Kind::L | Kind::Num));
        if primary_ltr {
            if before == Some(Kind::R) && (after.is_none() || strong_ltr(after)) {
                chars.push(LRM);
            }
        } else if strong_ltr(before) && (after.is_none() || after == Some(Kind::R)) {
            chars.push(RLM);
        }
        chars.extend_from_slice(&src[start..i]);
    }
    // 1b. Poppler joins spans that sit side by side on one baseline into one line and runs
    //     its pass over the joined text. Ending each span with a run the pass reverses on a
    //     right-to-left page (keeps on a left-to-right one) stops a run from reaching into
    //     the neighbouring span, so each span still comes back whole, read in the page's
    //     direction.
    match (chars.last().map(|c| kind(*c)), primary_ltr) {
        (Some(Kind::L | Kind::Num), false) => chars.push(RLM),
        (Some(Kind::R), true) => chars.push(LRM),
        _ => {}
    }
    let visual = lay_out_for_poppler(&chars, primary_ltr);
    // 1c. Poppler takes a line whose text ends in '-' for a hyphenated word: it drops the
    //     hyphen and joins the next line on. Keep a mark after it (a mark of the page's
    //     direction, in the run poppler reads last).
    if visual.ends_with('-') {
        if primary_ltr {
            chars.push(LRM);
        } else {
            chars.insert(0, RLM);
        }
        return lay_out_for_poppler(&chars, primary_ltr);
    }
    visual
}

/// Steps 2 and 3 of [`actual_text`]: `chars` (logical, marks in place) in the order
/// poppler's pass expects.
fn lay_out_for_poppler(chars: &[char], primary_ltr: bool) -> String {
    // 2. Cut into alternating runs: `rev` runs (right-to-left letters and neutrals) come
    //    out of the pass reversed, the others as they are.
    let mut runs: Vec<(bool, &[char])> = Vec::new();
    let mut at = 0;
    let mut rev = !primary_ltr;
    while at < chars.len() {
        let end = at
            + chars[at..]
                .iter()
                .take_while(|c| {
                    let k = kind(**c);
                    if rev {
                        matches!(k, Kind::R | Kind::Neutral)
                    } else {
                        k != Kind::R
                    }
                })
                .count();
        if end > at {
            runs.push((rev, &chars[at..end]));
        }
        at = end;
        rev = !rev;
    }
    // 3. Lay the runs out as the pass reads them: from the right end on a right-to-left
    //    page, from the left on a left-to-right one; reversed runs reversed.
    if !primary_ltr {
        runs.reverse();
    }
    runs.iter()
        .flat_map(|(rev, run)| {
            let it: Box<dyn Iterator<Item = &char>> = if *rev {
                Box::new(run.iter().rev())
            } else {
                Box::new(run.iter())
            };
            it
        })
        .collect()
}

/// `<< /ActualText (…) >>` with the text as a UTF-16BE string with its byte order mark
/// (PDF 32000-1 §7.9.2.2), written as a hex string.
fn actual_text_dict(text: &str) -> DictItem {
    let mut data = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        data.extend_from_slice(&unit.to_be_bytes());
    }
    DictItem::Dict {
        map: BTreeMap::from([(
            "ActualText".to_string(),
            DictItem::String {
                data,
                literal: false,
            },
        )]),
    }
}

fn color(c: Rgb) -> Color {
    Color::Rgb(printpdf::Rgb::new(c.0, c.1, c.2, None))
}

/// Serialise `paper` to PDF bytes (A4 pages, fonts embedded, /Title set).
pub fn write(paper: &Paper) -> Result<Vec<u8>, PdfError> {
    let mut doc = PdfDocument::new(&paper.title);
    doc.metadata.info.document_title = paper.title.clone();
    doc.metadata.info.creator = "Manassa kiosk".into();
    doc.metadata.info.producer = "Manassa (printpdf)".into();

    // Embed only the faces this paper uses, each subset to the glyphs it draws, under
    // stable resource names.
    let mut used: BTreeMap<FaceId, BTreeSet<u16>> = BTreeMap::new();
    for para in paper
        .pages
        .iter()
        .flat_map(|p| &p.elements)
        .filter_map(|e| match e {
            Element::Text { para, .. } => Some(para),
            _ => None,
        })
    {
        for run in para.lines.iter().flat_map(|l| &l.runs) {
            used.entry(run.face)
                .or_default()
                .extend(run.glyphs.iter().map(|g| g.id));
        }
    }
    let mut fonts_in_pdf: HashMap<FaceId, (FontId, HashMap<u16, u16>)> = HashMap::new();
    for (face, glyphs) in used {
        let f = fonts::face(face);
        let (bytes, remap) = subset(f.data, &glyphs).ok_or(PdfError::Font(f.name))?;
        let mut warnings = Vec::new();
        let parsed =
            ParsedFont::from_bytes(&bytes, 0, &mut warnings).ok_or(PdfError::Font(f.name))?;
        let id = FontId(f.name.to_string());
        doc.resources
            .fonts
            .map
            .insert(id.clone(), printpdf::PdfFont::new(parsed));
        fonts_in_pdf.insert(face, (id, remap));
    }

    let mut pages = Vec::new();
    for page in &paper.pages {
        // Poppler decides one reading direction per page from all of its text.
        let primary_ltr = primary_ltr(page.elements.iter().flat_map(|e| match e {
            Element::Text { para, .. } => para.line_texts(),
            _ => Vec::new(),
        }));
        let mut ops = Vec::new();
        for el in &page.elements {
            match el {
                Element::Text {
                    para,
                    x,
                    y,
                    color: c,
                } => {
                    ops.push(Op::StartTextSection);
                    ops.push(Op::SetFillColor { col: color(*c) });
                    for line in &para.lines {
                        let baseline = A4_HEIGHT_PT - (y + line.baseline);
                        let spanned = line.runs.iter().any(|r| !r.glyphs.is_empty());
                        if spanned {
                            let logical = &para.text[line.text.clone()];
                            ops.push(Op::BeginMarkedContentWithProperties {
                                tag: "Span".into(),
                                properties: actual_text_dict(&actual_text(logical, primary_ltr)),
                            });
                        }

                        for run in &line.runs {
                            let (font_id, remap) = &fonts_in_pdf[&run.face];
                            ops.push(Op::SetFont {
                                font: PdfFontHandle::External(font_id.clone()),
                                size: Pt(run.size),
                            });
                            for g in &run.glyphs {
                                ops.push(Op::SetTextMatrix {
                                    matrix: TextMatrix::Translate(Pt(x + g.x), Pt(baseline + g.y)),
                                });
                                let text = extraction_text(&para.text[g.text.clone()], run.rtl);
                                ops.push(Op::ShowText {
                                    items: vec![TextItem::GlyphIds(vec![Codepoint::with_cid(
                                        remap.get(&g.id).copied().unwrap_or(0),
                                        0.0,
                                        text,
                                    )])],
                                });
                            }
                        }
                        if spanned {
                            ops.push(Op::EndMarkedContentWithProperties);
                        }
                    }
                    ops.push(Op::EndTextSection);
                }
                Element::Rule {
                    from,
                    to,
                    width,
                    color: c,
                } => {
                    ops.push(Op::SetOutlineColor { col: color(*c) });
                    ops.push(Op::SetOutlineThickness { pt: Pt(*width) });
                    ops.push(Op::DrawLine {
                        line: Line {
                            points: [from, to]
                                .iter()
                                .map(|p| LinePoint {
                                    p: Point {
                                        x: Pt(p.0),
                                        y: Pt(A4_HEIGHT_PT - p.1),
                                    },
                                    bezier: false,
                                })
                                .collect(),
                            is_closed: false,
                        },
                    });
                }
                Element::Box {
                    at,
                    size,
                    fill,
                    color: c,
                } => {
                    if *fill {
                        ops.push(Op::SetFillColor { col: color(*c) });
                    } else {
                        ops.push(Op::SetOutlineColor { col: color(*c) });
                        ops.push(Op::SetOutlineThickness { pt: Pt(1.0) });
                    }
                    ops.push(Op::DrawRectangle {
                        rectangle: Rect {
                            x: Pt(at.0),
                            y: Pt(A4_HEIGHT_PT - at.1 - size.1),
                            width: Pt(size.0),
                            height: Pt(size.1),
                            mode: Some(if *fill {
                                PaintMode::Fill
                            } else {
                                PaintMode::Stroke
                            }),
                            winding_order: None,
                        },
                    });
                }
            }
        }
        pages.push(PdfPage::new(Mm(210.0), Mm(297.0), ops));
    }
    doc.with_pages(pages);
    let mut warnings = Vec::new();
    let opts = PdfSaveOptions {
        subset_fonts: false,
        ..PdfSaveOptions::default()
    };
    let mut bytes = doc.save(&opts, &mut warnings);
    stable_file_id(&mut bytes);
    if paper.printed_fields.is_empty() {
        return Ok(bytes);
    }
    with_printed_fields(&bytes, &paper.printed_fields)
}

/// The Info dictionary key that carries a paper's printed fields.
const FIELDS_KEY: &[u8] = b"ManassaPrintedFields";

/// `bytes` with the printed fields added to the Info dictionary as a text string (UTF-16BE,
/// PDF 32000-1 §7.9.2.2) holding a JSON array of `[id, value]` pairs. lopdf rewrites the
/// file deterministically, keeping the stable /ID.
fn with_printed_fields(bytes: &[u8], fields: &[(String, String)]) -> Result<Vec<u8>, PdfError> {
    let mut doc = lopdf::Document::load_mem(bytes).map_err(|e| PdfError::Write(e.to_string()))?;
    let json = serde_json::to_string(fields).expect("strings serialise");
    let mut utf16 = vec![0xFE, 0xFF];
    for unit in json.encode_utf16() {
        utf16.extend_from_slice(&unit.to_be_bytes());
    }
    let info = doc
        .trailer
        .get(b"Info")
        .and_then(lopdf::Object::as_reference)
        .map_err(|e| PdfError::Write(e.to_string()))?;
    doc.get_dictionary_mut(info)
        .map_err(|e| PdfError::Write(e.to_string()))?
        .set(
            FIELDS_KEY,
            lopdf::Object::String(utf16, lopdf::StringFormat::Hexadecimal),
        );
    let mut out = Vec::new();
    doc.save_to(&mut out)
        .map_err(|e| PdfError::Write(e.to_string()))?;
    Ok(out)
}

/// The printed fields a PDF made by [`write`] carries, or `None` when it has none or they
/// cannot be read (another producer, a damaged file).
pub fn printed_fields(bytes: &[u8]) -> Option<Vec<(String, String)>> {
    let doc = lopdf::Document::load_mem(bytes).ok()?;
    let info = doc.trailer.get(b"Info").ok()?.as_reference().ok()?;
    let raw = doc
        .get_dictionary(info)
        .ok()?
        .get(FIELDS_KEY)
        .ok()?
        .as_str()
        .ok()?;
    let units: Vec<u16> = raw
        .strip_prefix(&[0xFE, 0xFF])?
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    serde_json::from_str(&String::from_utf16(&units).ok()?).ok()
}

/// Replace the trailer's /ID pair (printpdf draws it at random) with one derived from the
/// file's content, so the same paper always gives the same bytes (PDF 32000-1 §14.4 only
/// asks the ID to identify the file). Same length: the cross-reference offsets stay right.
fn stable_file_id(bytes: &mut [u8]) {
    use sha2::{Digest, Sha256};
    let Some(at) = bytes.windows(5).rposition(|w| w == b"/ID[(") else {
        return;
    };
    let start = at + 5;
    // Two literal strings of 32 letters: (…)(…)
    if bytes.len() < start + 66 || bytes[start + 32] != b')' || bytes[start + 33] != b'(' {
        return;
    }
    let mut h = Sha256::new();
    h.update(&bytes[..start]);
    h.update(&bytes[start + 66..]);
    let digest = h.finalize();
    for i in 0..32 {
        let nibble = |b: u8| b'A' + (b & 0x0F);
        bytes[start + i] = nibble(digest[i]);
        bytes[start + 34 + i] = nibble(digest[i] >> 4);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Poppler's visual-to-logical pass (`reorderText` in TextOutputDev.cc, poppler 22),
    /// modelled on the character classes above, without the embedding marks it adds.
    fn poppler_reorder(visual: &str, primary_ltr: bool) -> String {
        let t: Vec<char> = visual.chars().collect();
        let ltr_or_num = |c: char| matches!(kind(c), Kind::L | Kind::Num);
        let mut out = String::new();
        if primary_ltr {
            let mut i = 0;
            while i < t.len() {
                let mut j = i;
                while j < t.len() && kind(t[j]) != Kind::R {
                    j += 1;
                }
                out.extend(&t[i..j]);
                i = j;
                while j < t.len() && !ltr_or_num(t[j]) {
                    j += 1;
                }
                out.extend(t[i..j].iter().rev());
                i = j;
            }
        } else {
            let mut end = t.len();
            while end > 0 {
                let mut j = end;
                while j > 0 && !ltr_or_num(t[j - 1]) {
                    j -= 1;
                }
                out.extend(t[j..end].iter().rev());
                end = j;
                while j > 0 && kind(t[j - 1]) != Kind::R {
                    j -= 1;
                }
                out.extend(&t[j..end]);
                end = j;
            }
        }
        out
    }

    fn without_marks(s: &str) -> String {
        s.chars().filter(|c| *c != LRM && *c != RLM).collect()
    }

    #[test]
    fn actual_text_comes_back_logical_through_poppler_s_pass_on_both_page_directions() {
        let lines = [
            "26 رمضان 1447 هـ",
            "Issued 15 March 2026 (26 Ramadan 1447 AH)",
            "المبلغ 18,000.00 ر.ق",
            "Name: فاطمة Al-Marri",
            "الهاتف +974 5512 3456",
            "مُحَمَّد",
            "(رقم)",
            " ( a ) ",
            "",
        ];
        for primary in [false, true] {
            for l in lines {
                let v = actual_text(l, primary);
                assert_eq!(
                    without_marks(&poppler_reorder(&v, primary)),
                    l,
                    "{primary} {v:?}"
                );
            }
        }
    }

    #[test]
    fn actual_text_round_trips_random_mixed_strings() {
        // Every class poppler knows, including harakat and a mark poppler counts as a digit.
        let alphabet: Vec<char> = "اب لa b1 2(-)،\u{064E}\u{0651}\u{065A}.".chars().collect();
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        let mut random = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 12) as usize;
            (0..len)
                .map(|k| alphabet[((seed >> (k * 5)) % alphabet.len() as u64) as usize])
                .collect::<String>()
        };
        for _ in 0..4000 {
            let (s, t) = (random(), random());
            for primary in [false, true] {
                let v = actual_text(&s, primary);
                assert_eq!(
                    without_marks(&poppler_reorder(&v, primary)),
                    s,
                    "{primary} {s:?}"
                );
                // Marks only of the page's own direction: the page's count keeps its sign.
                assert!(!v.contains(if primary { RLM } else { LRM }));
                // Never a trailing hyphen poppler would take for a hyphenated word.
                assert!(!v.ends_with('-'), "{primary} {s:?}");
                // Two spans poppler joins into one line (s left of t).
                let joined = format!("{v} {}", actual_text(&t, primary));
                let want = if primary {
                    format!("{s} {t}")
                } else {
                    format!("{t} {s}")
                };
                let got = without_marks(&poppler_reorder(&joined, primary));
                assert_eq!(got, want, "{primary} {s:?} | {t:?}");
            }
        }
    }

    #[test]
    fn spans_poppler_joins_on_one_line_come_back_whole_in_page_order() {
        let spans = [
            "رقم الرخصة BP-2026-004512",
            "Plot 69/1234",
            "26 رمضان 1447 هـ",
            "(26 Ramadan)",
            "Net 24,600.00 QAR",
            "بلدية الدوحة",
            "مُحَمَّد (1)",
        ];
        for primary in [false, true] {
            for left in spans {
                for right in spans {
                    for gap in ["", " "] {
                        let visual = format!(
                            "{}{gap}{}",
                            actual_text(left, primary),
                            actual_text(right, primary)
                        );
                        let want = if primary {
                            format!("{left}{gap}{right}")
                        } else {
                            format!("{right}{gap}{left}")
                        };
                        let got = without_marks(&poppler_reorder(&visual, primary));
                        assert_eq!(got, want, "{primary} {left:?} | {right:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn page_direction_follows_the_letter_count() {
        assert!(primary_ltr(["Building Permit", "رخصة"]));
        assert!(!primary_ltr(["رخصة بناء", "BP-2026-004512"]));
        assert!(primary_ltr(Vec::<&str>::new()));
    }
}
