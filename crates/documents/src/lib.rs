//! Official papers: typed document fields, the A4 page model, the PDF writer and the preview
//! raster. One layout ([`Page`]) feeds both the PDF and the on-screen preview, so what the
//! resident sees is what is printed.

pub mod kinds;
pub mod layout;
pub mod pdf;
pub mod seal;
pub mod ticket;

use tiny_skia::{Color, Paint, PathBuilder, Pixmap, Rect, Stroke, Transform};

use manassa_text::{Paragraph, raster};

/// Lay out a document payload of `kind` as an A4 paper (with its seal's QR symbol when
/// given).
///
/// Errors: the payload is not a valid document of that kind ([`kinds::FieldError`]).
pub fn render(
    kind: manassa_core::DocumentKind,
    payload: &serde_json::Value,
    qr: Option<&seal::QrSymbol>,
) -> Result<Paper, kinds::FieldError> {
    Ok(layout::paper(&kinds::content(kind, payload)?, qr))
}

/// Guess a bare payload's kind from its number field (for `manassa doc render` on files).
pub fn infer_kind(payload: &serde_json::Value) -> Option<manassa_core::DocumentKind> {
    use manassa_core::DocumentKind as K;
    if payload.get("certificate_no").is_some() {
        Some(K::CompletionCertificate)
    } else if payload.get("statement_no").is_some() {
        Some(K::SalaryStatement)
    } else if payload.get("permit_no").is_some() {
        Some(K::BuildingPermit)
    } else {
        None
    }
}

/// A4 width in PDF points (210 mm).
pub const A4_WIDTH_PT: f32 = 595.276;
/// A4 height in PDF points (297 mm).
pub const A4_HEIGHT_PT: f32 = 841.89;

/// Millimetres to PDF points (1 pt = 1/72 in).
pub fn mm(v: f32) -> f32 {
    v * 72.0 / 25.4
}

/// An RGB colour, components 0–1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rgb(pub f32, pub f32, pub f32);

/// The ministry's maroon (Qatar's national colour), used for rules and headings.
pub const MAROON: Rgb = Rgb(0.541, 0.082, 0.220);
/// Body text.
pub const INK: Rgb = Rgb(0.1, 0.1, 0.1);

/// Something drawn on a page. Coordinates are PDF points from the page's top-left corner,
/// y downwards (the PDF writer flips them).
#[derive(Debug, Clone)]
pub enum Element {
    /// A laid-out paragraph whose box has its top-left corner at (`x`, `y`).
    Text {
        /// The glyphs.
        para: Paragraph,
        /// Left of the layout box.
        x: f32,
        /// Top of the layout box.
        y: f32,
        /// Fill colour.
        color: Rgb,
    },
    /// A straight line.
    Rule {
        /// Start (x, y).
        from: (f32, f32),
        /// End (x, y).
        to: (f32, f32),
        /// Stroke width, points.
        width: f32,
        /// Stroke colour.
        color: Rgb,
    },
    /// A rectangle outline or fill.
    Box {
        /// Top-left (x, y).
        at: (f32, f32),
        /// Width and height, points.
        size: (f32, f32),
        /// Fill instead of stroke.
        fill: bool,
        /// Colour.
        color: Rgb,
    },
}

/// One page of a paper.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// Drawing order.
    pub elements: Vec<Element>,
}

/// A laid-out paper, ready for the PDF writer or the preview.
#[derive(Debug, Clone)]
pub struct Paper {
    /// Document title for the PDF metadata (Info /Title and XMP dc:title).
    pub title: String,
    /// BCP 47 language of the primary text, for the PDF /Lang entry.
    pub lang: &'static str,
    /// Pages in order.
    pub pages: Vec<Page>,
    /// What the paper prints, as (field id, value): the pairs its seal digests. The PDF
    /// carries them (Info `/ManassaPrintedFields`) so a digital copy can be checked
    /// against its seal and its own visible text ([`pdf::printed_fields`]).
    pub printed_fields: Vec<(String, String)>,
}

/// Render page `index` of `paper` at `dpi` dots per inch to an RGBA pixmap (the preview).
pub fn render_page(paper: &Paper, index: usize, dpi: f32) -> Option<Pixmap> {
    let page = paper.pages.get(index)?;
    let scale = dpi / 72.0;
    let mut pixmap = Pixmap::new(
        (A4_WIDTH_PT * scale).round() as u32,
        (A4_HEIGHT_PT * scale).round() as u32,
    )?;
    pixmap.fill(Color::WHITE);
    let color = |c: Rgb| Color::from_rgba(c.0, c.1, c.2, 1.0).unwrap_or(Color::BLACK);
    for el in &page.elements {
        match el {
            Element::Text {
                para,
                x,
                y,
                color: c,
            } => {
                // Re-scale the glyph geometry from points to pixels.
                let mut scaled = para.clone();
                for line in &mut scaled.lines {
                    line.baseline *= scale;
                    for run in &mut line.runs {
                        run.size *= scale;
                        for g in &mut run.glyphs {
                            g.x *= scale;
                            g.y *= scale;
                        }
                    }
                }
                raster::draw_paragraph(&mut pixmap, &scaled, x * scale, y * scale, color(*c));
            }
            Element::Rule {
                from,
                to,
                width,
                color: c,
            } => {
                let mut pb = PathBuilder::new();
                pb.move_to(from.0 * scale, from.1 * scale);
                pb.line_to(to.0 * scale, to.1 * scale);
                if let Some(path) = pb.finish() {
                    let mut paint = Paint::default();
                    paint.set_color(color(*c));
                    // At least one pixel: tiny-skia's hairline path (< 1 px) asserts on some
                    // anti-aliased lines.
                    let stroke = Stroke {
                        width: (width * scale).max(1.0),
                        ..Stroke::default()
                    };
                    pixmap.stroke_path(&path, &paint, &stroke, Transform::identity(), None);
                }
            }
            Element::Box {
                at,
                size,
                fill,
                color: c,
            } => {
                // Filled boxes snap to the pixel grid (shared edges stay shared, so QR modules
                // neither gap nor overlap); outlines keep their exact position.
                let (x0, y0) = (at.0 * scale, at.1 * scale);
                let (x1, y1) = (x0 + size.0 * scale, y0 + size.1 * scale);
                let rect = if *fill {
                    Rect::from_ltrb(
                        x0.round(),
                        y0.round(),
                        x1.round().max(x0.round() + 1.0),
                        y1.round().max(y0.round() + 1.0),
                    )
                } else {
                    Rect::from_ltrb(x0, y0, x1, y1)
                };
                let Some(rect) = rect else {
                    continue;
                };
                let mut paint = Paint::default();
                paint.set_color(color(*c));
                if *fill {
                    // Filled boxes are QR modules: crisp edges scan better, and tiny-skia's
                    // anti-aliased fill of sub-2-pixel rectangles trips a debug assertion.
                    paint.anti_alias = false;
                    pixmap.fill_rect(rect, &paint, Transform::identity(), None);
                } else {
                    let path = PathBuilder::from_rect(rect);
                    let stroke = Stroke {
                        width: scale.max(1.0),
                        ..Stroke::default()
                    };
                    pixmap.stroke_path(&path, &paint, &stroke, Transform::identity(), None);
                }
            }
        }
    }
    Some(pixmap)
}
