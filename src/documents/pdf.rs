//! PDF writer (printpdf) for [`Paper`]s laid out by the shared text engine.
//!
//! Glyphs are written by id (Type0/Identity-H fonts, embedded) at the positions the text
//! engine computed, each with the logical text of its cluster, which printpdf turns into
//! the font's /ToUnicode CMap (PDF 32000-1 §9.10.3): the text is searchable and extracts
//! in logical order even though the Arabic glyphs are contextual forms and ligatures.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use printpdf::{
    Codepoint, Color, FontId, Line, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument,
    PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Rect, TextItem, TextMatrix,
};

use super::{A4_HEIGHT_PT, Element, Paper, Rgb};
use crate::text::{FaceId, fonts};

/// Failure to produce a PDF.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// A bundled font could not be parsed by the PDF library.
    #[error("font {0} could not be embedded")]
    Font(&'static str),
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
    Ok(bytes)
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
