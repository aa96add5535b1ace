//! Rasterising laid-out paragraphs: anti-aliased for previews and screens, and thresholded
//! to 1 bit per dot for thermal printers (ESC/POS `GS v 0` rasters at 203 dpi).

use skrifa::instance::{LocationRef, Size};
use skrifa::outline::{DrawSettings, OutlinePen};
use skrifa::{GlyphId, MetadataProvider};
use tiny_skia::{Color, FillRule, Paint, PathBuilder, Pixmap, Transform};

use super::{Paragraph, fonts};

/// Converts skrifa outline commands (y up, pixels) to a tiny-skia path (y down).
struct SkiaPen {
    builder: PathBuilder,
    x: f32,
    y: f32,
}

impl OutlinePen for SkiaPen {
    fn move_to(&mut self, x: f32, y: f32) {
        self.builder.move_to(self.x + x, self.y - y);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.builder.line_to(self.x + x, self.y - y);
    }
    fn quad_to(&mut self, cx0: f32, cy0: f32, x: f32, y: f32) {
        self.builder
            .quad_to(self.x + cx0, self.y - cy0, self.x + x, self.y - y);
    }
    fn curve_to(&mut self, cx0: f32, cy0: f32, cx1: f32, cy1: f32, x: f32, y: f32) {
        self.builder.cubic_to(
            self.x + cx0,
            self.y - cy0,
            self.x + cx1,
            self.y - cy1,
            self.x + x,
            self.y - y,
        );
    }
    fn close(&mut self) {
        self.builder.close();
    }
}

/// Draw `para` onto `pixmap` with its top-left corner at (`left`, `top`) pixels.
///
/// The paragraph must have been laid out with sizes in pixels of this pixmap.
pub fn draw_paragraph(pixmap: &mut Pixmap, para: &Paragraph, left: f32, top: f32, color: Color) {
    let mut paint = Paint::default();
    paint.set_color(color);
    paint.anti_alias = true;
    for line in &para.lines {
        let baseline = top + line.baseline;
        for run in &line.runs {
            let font = fonts::face(run.face).font_ref();
            let outlines = font.outline_glyphs();
            for g in &run.glyphs {
                let settings = DrawSettings::unhinted(Size::new(run.size), LocationRef::default());
                let Some(glyph) = outlines.get(GlyphId::new(g.id as u32)) else {
                    continue;
                };
                let mut pen = SkiaPen {
                    builder: PathBuilder::new(),
                    x: left + g.x,
                    y: baseline - g.y,
                };
                if glyph.draw(settings, &mut pen).is_err() {
                    continue;
                }
                if let Some(path) = pen.builder.finish() {
                    pixmap.fill_path(
                        &path,
                        &paint,
                        FillRule::Winding,
                        Transform::identity(),
                        None,
                    );
                }
            }
        }
    }
}

/// A 1-bit image: rows top to bottom, MSB first, `(width + 7) / 8` bytes a row, 1 = black.
/// This is the layout of ESC/POS `GS v 0` raster data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitmap1 {
    /// Width in dots.
    pub width: u32,
    /// Height in dots.
    pub height: u32,
    /// Packed rows.
    pub data: Vec<u8>,
}

impl Bitmap1 {
    /// Bytes per row.
    pub fn stride(&self) -> usize {
        self.width.div_ceil(8) as usize
    }

    /// Whether the dot at (x, y) is black.
    pub fn get(&self, x: u32, y: u32) -> bool {
        let byte = self.data[y as usize * self.stride() + (x / 8) as usize];
        byte & (0x80 >> (x % 8)) != 0
    }

    /// Number of black dots (for tests and ink estimates).
    pub fn black_dots(&self) -> u32 {
        self.data.iter().map(|b| b.count_ones()).sum()
    }
}

/// Threshold an RGBA pixmap (drawn black on white or on transparent) to 1 bit per dot.
/// A dot is black when its darkness × alpha exceeds 50 %.
pub fn to_bitmap1(pixmap: &Pixmap) -> Bitmap1 {
    let (w, h) = (pixmap.width(), pixmap.height());
    let stride = w.div_ceil(8) as usize;
    let mut data = vec![0u8; stride * h as usize];
    for (i, px) in pixmap.pixels().iter().enumerate() {
        let c = px.demultiply();
        let luminance =
            (c.red() as u32 * 299 + c.green() as u32 * 587 + c.blue() as u32 * 114) / 1000;
        let ink = (255 - luminance) * c.alpha() as u32 / 255;
        if ink > 127 {
            let (x, y) = (i as u32 % w, i as u32 / w);
            data[y as usize * stride + (x / 8) as usize] |= 0x80 >> (x % 8);
        }
    }
    Bitmap1 {
        width: w,
        height: h,
        data,
    }
}

/// Render one paragraph alone into a 1-bit bitmap `width` dots wide, as tall as the text.
pub fn paragraph_bitmap(para: &Paragraph, width: u32) -> Bitmap1 {
    let height = para.height.ceil().max(1.0) as u32;
    let mut pixmap = Pixmap::new(width, height).expect("non-zero bitmap size");
    pixmap.fill(Color::WHITE);
    draw_paragraph(&mut pixmap, para, 0.0, 0.0, Color::BLACK);
    to_bitmap1(&pixmap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Align, BaseDirection, Family, TextStyle, layout};

    #[test]
    fn arabic_line_rasterises_right_aligned_at_203_dpi() {
        // 24 dots ≈ 3 mm cap height on a 203 dpi head.
        let style = TextStyle::new(Family::Sans, 24.0);
        let para = layout(
            "مرحبا بكم",
            &style,
            BaseDirection::Rtl,
            Align::Start,
            Some(384.0),
        );
        let bmp = paragraph_bitmap(&para, 384);
        assert_eq!(bmp.width, 384);
        assert!(bmp.black_dots() > 200, "text drew ink");
        // Right aligned: the right half holds the ink, the left quarter none.
        let ink_in = |x0: u32, x1: u32| {
            (0..bmp.height)
                .flat_map(|y| (x0..x1).map(move |x| (x, y)))
                .filter(|(x, y)| bmp.get(*x, *y))
                .count()
        };
        assert!(ink_in(288, 384) > 0);
        assert_eq!(ink_in(0, 96), 0);
    }

    /// Stored reference for [`arabic_line_matches_its_203_dpi_reference`]: the 1-bit raster
    /// as a black-on-white PNG (checked by eye: joined, right to left, digits and Latin in
    /// order). Regenerate with `MANASSA_UPDATE_REFERENCE=1` after a deliberate change.
    const REFERENCE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/text-arabic-line-203dpi.png"
    );

    fn bitmap_to_pixmap(bmp: &Bitmap1) -> Pixmap {
        let mut pm = Pixmap::new(bmp.width, bmp.height).expect("non-zero bitmap size");
        for y in 0..bmp.height {
            for x in 0..bmp.width {
                let v = if bmp.get(x, y) { 0 } else { 255 };
                let i = (y * bmp.width + x) as usize;
                pm.pixels_mut()[i] = tiny_skia::PremultipliedColorU8::from_rgba(v, v, v, 255)
                    .expect("opaque colour");
            }
        }
        pm
    }

    #[test]
    fn arabic_line_matches_its_203_dpi_reference() {
        // A ticket line on a 72 mm (576-dot) 203 dpi head: Sans at 30 dots (≈ 3.75 mm em).
        let style = TextStyle::new(Family::Sans, 30.0);
        let para = layout(
            "رخصة بناء رقم BP-2026-004512 — الدوحة",
            &style,
            BaseDirection::Rtl,
            Align::Center,
            Some(576.0),
        );
        let got = paragraph_bitmap(&para, 576);
        if std::env::var_os("MANASSA_UPDATE_REFERENCE").is_some() {
            bitmap_to_pixmap(&got).save_png(REFERENCE).unwrap();
        }
        let want = to_bitmap1(&Pixmap::load_png(REFERENCE).expect("reference PNG in tests/data"));
        assert_eq!((got.width, got.height), (want.width, want.height));
        let differ: u32 = got
            .data
            .iter()
            .zip(&want.data)
            .map(|(a, b)| (a ^ b).count_ones())
            .sum();
        // Anti-aliasing edges may flip a few dots across rasteriser versions; a wrong glyph,
        // a broken join or a reordered word changes hundreds.
        let ink = want.black_dots();
        assert!(ink > 1000, "the reference holds the line ({ink} dots)");
        assert!(
            differ * 100 <= ink,
            "{differ} dots differ from the reference ({ink} black)"
        );
        // The tolerance is tight enough to see a wrong order: the same words in a
        // left-to-right paragraph (Latin moved to the other side) do not pass.
        let ltr = layout(
            "رخصة بناء رقم BP-2026-004512 — الدوحة",
            &style,
            BaseDirection::Ltr,
            Align::Center,
            Some(576.0),
        );
        let wrong = paragraph_bitmap(&ltr, 576);
        let wrong_differ: u32 = wrong
            .data
            .iter()
            .zip(&want.data)
            .map(|(a, b)| (a ^ b).count_ones())
            .sum();
        assert!(wrong_differ * 100 > ink, "{wrong_differ}");
    }
}
