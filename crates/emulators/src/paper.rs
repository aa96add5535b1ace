//! The paper an ESC/POS printer produces, drawn from decoded commands: what the emulator
//! "prints" and what `manassa ticket render --png` shows.
//!
//! Model (ours, close to an Epson TM-T88 at 203 dpi in standard mode):
//! - native text in font A, 12×24-dot cells, drawn with the public-domain `font8x8` glyphs
//!   stretched to the cell (a stand-in for the printer's ROM font: the shapes differ, the
//!   positions and sizes match); `GS !` double size doubles the cell; a line advances by the
//!   default line spacing of 30 dots or the tallest character plus 6 dots;
//! - raster images (`GS v 0`) and QR symbols (`GS ( k`, drawn with the `qrcode` crate, model
//!   2, no quiet zone: the printer does not add one) honour `ESC a` justification;
//! - `ESC J n` feeds n dots, `ESC d n` feeds n lines;
//! - a cut (`GS V`) is drawn as a dashed grey line across the paper, a torn end (paper out)
//!   as a grey zigzag. Marks are grey so that a 1-bit view of the paper ignores them.

use qrcode::{Color as QrColor, EcLevel, QrCode};
use tiny_skia::{Color, Pixmap, PremultipliedColorU8};

use manassa_devices::escpos::{Align, MonoBitmap};

/// Width of a font A cell in dots.
pub const CELL_WIDTH: u32 = 12;
/// Height of a font A cell in dots.
pub const CELL_HEIGHT: u32 = 24;
/// Default line spacing (`ESC 2`): 1/6 inch at 203 dpi.
pub const LINE_SPACING: u32 = 30;
/// Largest paper length drawn per job, in dots (about 5 m): bounds memory on hostile input.
pub const MAX_PAPER_ROWS: u32 = 40_000;

/// How a job's paper ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaperEnd {
    /// Cut by the cutter (`GS V`).
    Cut,
    /// The paper ran out: the end is torn.
    Torn,
    /// Still printing (no cut yet).
    Open,
}

/// What was put on the paper where, for logs and for tests that mask parts of a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    /// First dot row.
    pub y: u32,
    /// Height in dot rows.
    pub height: u32,
    /// What it is.
    pub what: PlacedKind,
}

/// The kinds of [`Placed`] items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlacedKind {
    /// A line in the native font.
    Text(String),
    /// A raster image `width`×`height` dots at `x`.
    Raster {
        /// Left edge in dots.
        x: u32,
        /// Width in dots.
        width: u32,
    },
    /// A QR symbol with its payload.
    Qr(String),
    /// A cut mark.
    Cut,
    /// A torn end.
    Torn,
}

/// A roll of paper being printed: a 1-bit image `width` dots wide that grows downwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paper {
    width: u32,
    /// Packed rows, as in [`MonoBitmap`].
    dots: Vec<u8>,
    /// Current print position (dot row).
    y: u32,
    align: Align,
    /// Character scale (1 or 2) for width and height.
    scale_w: u32,
    scale_h: u32,
    /// Characters waiting for the end of the line, with their scales.
    line: Vec<(u8, u32, u32)>,
    placed: Vec<Placed>,
    end: PaperEnd,
    /// Number of dot rows dropped past [`MAX_PAPER_ROWS`].
    clipped: bool,
}

impl Default for Paper {
    /// Blank 576-dot (80 mm) paper.
    fn default() -> Self {
        Self::new(576)
    }
}

impl Paper {
    /// Blank paper `width` dots wide (384–576 for real heads; any width 8..=2048 works).
    pub fn new(width: u32) -> Self {
        Self {
            width: width.clamp(8, 2048),
            dots: Vec::new(),
            y: 0,
            align: Align::Left,
            scale_w: 1,
            scale_h: 1,
            line: Vec::new(),
            placed: Vec::new(),
            end: PaperEnd::Open,
            clipped: false,
        }
    }

    /// Paper width in dots.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Dot rows printed or fed so far.
    pub fn height(&self) -> u32 {
        self.y
    }

    /// What was placed where.
    pub fn placed(&self) -> &[Placed] {
        &self.placed
    }

    /// How the paper ends.
    pub fn end(&self) -> PaperEnd {
        self.end
    }

    /// True when nothing was printed or fed.
    pub fn is_blank(&self) -> bool {
        self.y == 0 && self.line.is_empty()
    }

    fn stride(&self) -> usize {
        self.width.div_ceil(8) as usize
    }

    /// Makes rows up to `rows` exist (bounded by [`MAX_PAPER_ROWS`]).
    fn grow(&mut self, rows: u32) {
        let rows = rows.min(MAX_PAPER_ROWS);
        let need = rows as usize * self.stride();
        if self.dots.len() < need {
            self.dots.resize(need, 0);
        }
    }

    fn set(&mut self, x: u32, y: u32) {
        if x >= self.width || y >= MAX_PAPER_ROWS {
            self.clipped |= y >= MAX_PAPER_ROWS;
            return;
        }
        self.grow(y + 1);
        let i = y as usize * self.stride() + x as usize / 8;
        self.dots[i] |= 0x80 >> (x % 8);
    }

    fn advance(&mut self, rows: u32) {
        self.y = self.y.saturating_add(rows).min(MAX_PAPER_ROWS);
        self.grow(self.y);
    }

    /// `ESC @`: modes back to defaults; the line buffer is cleared.
    pub fn init(&mut self) {
        self.line.clear();
        self.align = Align::Left;
        self.scale_w = 1;
        self.scale_h = 1;
    }

    /// `ESC a`.
    pub fn set_align(&mut self, align: Align) {
        self.align = align;
    }

    /// `GS !`: width and height multipliers 1..=8 (higher values are clamped).
    pub fn set_char_size(&mut self, w: u32, h: u32) {
        self.scale_w = w.clamp(1, 8);
        self.scale_h = h.clamp(1, 8);
    }

    /// A character into the line buffer (wraps when the line is full).
    pub fn text(&mut self, b: u8) {
        let used: u32 = self.line.iter().map(|&(_, w, _)| w * CELL_WIDTH).sum();
        if used + self.scale_w * CELL_WIDTH > self.width {
            self.print_line();
        }
        self.line.push((b, self.scale_w, self.scale_h));
    }

    /// LF: prints the line buffer and advances one line (an empty line still advances).
    pub fn line_feed(&mut self) {
        if self.line.is_empty() {
            self.advance(LINE_SPACING);
        } else {
            self.print_line();
        }
    }

    /// Prints pending characters without an extra feed, as commands that need the start of
    /// a line do (raster, QR, `ESC J`).
    fn flush_line(&mut self) {
        if !self.line.is_empty() {
            self.print_line();
        }
    }

    fn print_line(&mut self) {
        let line = std::mem::take(&mut self.line);
        let width: u32 = line.iter().map(|&(_, w, _)| w * CELL_WIDTH).sum();
        let tall = line.iter().map(|&(_, _, h)| h).max().unwrap_or(1);
        let x0 = self.x_for(width);
        let base = self.y + tall * CELL_HEIGHT; // characters sit on a common baseline
        let mut x = x0;
        for &(b, sw, sh) in &line {
            let top = base - sh * CELL_HEIGHT;
            self.glyph(b, x, top, sw, sh);
            x += sw * CELL_WIDTH;
        }
        let text = line.iter().map(|&(b, _, _)| char::from(b)).collect();
        self.placed.push(Placed {
            y: self.y,
            height: tall * CELL_HEIGHT,
            what: PlacedKind::Text(text),
        });
        self.advance(LINE_SPACING.max(tall * CELL_HEIGHT + 6));
    }

    fn x_for(&self, width: u32) -> u32 {
        let free = self.width.saturating_sub(width);
        match self.align {
            Align::Left => 0,
            Align::Center => free / 2,
            Align::Right => free,
        }
    }

    /// Draws one 8×8 glyph stretched to a `sw`×`sh` font A cell at (`x`, `top`).
    fn glyph(&mut self, b: u8, x: u32, top: u32, sw: u32, sh: u32) {
        let Some(rows) = font8x8::legacy::BASIC_LEGACY.get(usize::from(b)) else {
            return; // codes 0x80..: no glyph in our stand-in font
        };
        let (w, h) = (CELL_WIDTH * sw, CELL_HEIGHT * sh);
        for dy in 0..h {
            let row = rows[(dy * 8 / h) as usize];
            for dx in 0..w {
                // font8x8: bit 0 is the leftmost pixel.
                if row & (1 << (dx * 8 / w)) != 0 {
                    self.set(x + dx, top + dy);
                }
            }
        }
    }

    /// `ESC J n` (dots) and `ESC d n` (lines, pass `n * LINE_SPACING`).
    pub fn feed(&mut self, dots: u32) {
        self.flush_line();
        self.advance(dots);
    }

    /// `GS v 0`: a raster strip `width_bytes * 8` dots wide; `data` is packed rows.
    pub fn raster(&mut self, width_bytes: usize, rows: usize, data: &[u8]) {
        self.flush_line();
        let width = (width_bytes * 8) as u32;
        let x0 = self.x_for(width);
        let y0 = self.y;
        for (r, row) in data.chunks(width_bytes.max(1)).take(rows).enumerate() {
            for (i, &byte) in row.iter().enumerate() {
                for bit in 0..8 {
                    if byte & (0x80 >> bit) != 0 {
                        self.set(x0 + (i * 8 + bit) as u32, y0 + r as u32);
                    }
                }
            }
        }
        // Consecutive strips of one image make one placed item.
        match self.placed.last_mut() {
            Some(Placed {
                y,
                height,
                what: PlacedKind::Raster { x, width: w },
            }) if *y + *height == y0 && *x == x0 && *w == width => *height += rows as u32,
            _ => self.placed.push(Placed {
                y: y0,
                height: rows as u32,
                what: PlacedKind::Raster { x: x0, width },
            }),
        }
        self.advance(rows as u32);
    }

    /// `GS ( k` fn 181: a QR symbol of `data`, `module` dots per module, error correction
    /// `ec` (fn 169 value 48–51). Returns false (nothing printed) when the data does not
    /// fit a QR symbol.
    pub fn qr(&mut self, data: &[u8], module: u32, ec: u8) -> bool {
        self.flush_line();
        let level = match ec {
            48 => EcLevel::L,
            49 => EcLevel::M,
            51 => EcLevel::H,
            _ => EcLevel::Q,
        };
        let Ok(code) = QrCode::with_error_correction_level(data, level) else {
            return false;
        };
        let module = module.clamp(1, 16);
        let n = code.width() as u32;
        let size = n * module;
        let x0 = self.x_for(size);
        let y0 = self.y;
        let colors = code.to_colors();
        for my in 0..n {
            for mx in 0..n {
                if colors[(my * n + mx) as usize] == QrColor::Dark {
                    for dy in 0..module {
                        for dx in 0..module {
                            self.set(x0 + mx * module + dx, y0 + my * module + dy);
                        }
                    }
                }
            }
        }
        self.placed.push(Placed {
            y: y0,
            height: size,
            what: PlacedKind::Qr(String::from_utf8_lossy(data).into_owned()),
        });
        self.advance(size);
        true
    }

    /// `GS V`: feeds `feed` dots to the cutter and cuts. The job's paper ends here.
    pub fn cut(&mut self, feed: u32) {
        self.flush_line();
        self.advance(feed);
        self.placed.push(Placed {
            y: self.y,
            height: 0,
            what: PlacedKind::Cut,
        });
        self.end = PaperEnd::Cut;
    }

    /// The paper ran out here.
    pub fn tear(&mut self) {
        self.flush_line();
        self.placed.push(Placed {
            y: self.y,
            height: 0,
            what: PlacedKind::Torn,
        });
        self.end = PaperEnd::Torn;
    }

    /// The printed dots as a bitmap `width` × `height()` (marks not included).
    pub fn bitmap(&self) -> MonoBitmap {
        let mut data = self.dots.clone();
        data.resize(self.y as usize * self.stride(), 0);
        MonoBitmap {
            width: self.width,
            height: self.y,
            data,
        }
    }

    /// The paper as an RGBA image: white paper, black dots, a grey dashed cut line or a
    /// grey torn edge, and 8 grey rows of margin below the end so the mark is visible.
    ///
    /// # Panics
    /// Never for widths and heights this type produces (tiny-skia accepts them).
    pub fn to_pixmap(&self) -> Pixmap {
        let height = self.y + 8;
        let mut pm = Pixmap::new(self.width, height).expect("non-zero size");
        pm.fill(Color::WHITE);
        let black = PremultipliedColorU8::from_rgba(0, 0, 0, 255).expect("opaque");
        let grey = PremultipliedColorU8::from_rgba(150, 150, 150, 255).expect("opaque");
        let width = self.width as usize;
        let bmp = self.bitmap();
        let px = pm.pixels_mut();
        for y in 0..self.y {
            for x in 0..self.width {
                if bmp.get(x, y) {
                    px[y as usize * width + x as usize] = black;
                }
            }
        }
        match self.end {
            PaperEnd::Cut => {
                for x in 0..width {
                    if x % 12 < 7 {
                        for dy in 0..2 {
                            px[(self.y as usize + 2 + dy) * width + x] = grey;
                        }
                    }
                }
            }
            PaperEnd::Torn => {
                for x in 0..width {
                    let dy = (x % 12).min(12 - x % 12) / 2; // zigzag, 0..=3
                    px[(self.y as usize + 1 + dy) * width + x] = grey;
                }
            }
            PaperEnd::Open => {}
        }
        pm
    }

    /// The paper as PNG bytes (see [`Paper::to_pixmap`]).
    ///
    /// # Errors
    /// When the PNG encoder fails (out of memory).
    pub fn to_png(&self) -> Result<Vec<u8>, String> {
        self.to_pixmap().encode_png().map_err(|e| e.to_string())
    }

    /// True when drawing stopped at [`MAX_PAPER_ROWS`].
    pub fn clipped(&self) -> bool {
        self.clipped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_lines_use_font_a_cells_and_spacing() {
        let mut p = Paper::new(576);
        p.set_align(Align::Center);
        for b in b"AB" {
            p.text(*b);
        }
        p.line_feed();
        assert_eq!(p.height(), LINE_SPACING);
        let PlacedKind::Text(t) = &p.placed()[0].what else {
            panic!("text expected")
        };
        assert_eq!(t, "AB");
        // Centred: two 12-dot cells in 576 dots start at 276.
        let bmp = p.bitmap();
        let inked: Vec<u32> = (0..576)
            .filter(|&x| (0..24).any(|y| bmp.get(x, y)))
            .collect();
        assert!(*inked.first().unwrap() >= 276 && *inked.last().unwrap() < 300);
        // Double size: 48-dot cell, 54-dot advance.
        p.set_char_size(2, 2);
        p.text(b'X');
        p.line_feed();
        assert_eq!(p.height(), LINE_SPACING + 54);
        // A full line wraps.
        let mut p = Paper::new(384);
        for _ in 0..33 {
            p.text(b'x');
        }
        p.line_feed();
        assert_eq!(p.placed().len(), 2, "32 cells fit in 384 dots");
    }

    #[test]
    fn raster_and_qr_honour_alignment_and_marks_are_grey() {
        let mut p = Paper::new(64);
        p.set_align(Align::Right);
        p.raster(1, 2, &[0x80, 0x01]);
        assert!(p.bitmap().get(56, 0) && p.bitmap().get(63, 1));
        p.set_align(Align::Center);
        assert!(p.qr(b"hi", 2, 50));
        assert_eq!(p.height(), 2 + 21 * 2, "version 1 is 21 modules");
        p.cut(10);
        assert_eq!(p.end(), PaperEnd::Cut);
        let pm = p.to_pixmap();
        assert_eq!(pm.height(), p.height() + 8);
        let px = pm.pixel(0, p.height() + 2).unwrap();
        assert_eq!((px.red(), px.alpha()), (150, 255));
        assert!(!Paper::new(64).qr(&[b'x'; 4000], 1, 50), "too long for QR");
    }

    #[test]
    fn hostile_sizes_are_bounded() {
        let mut p = Paper::new(576);
        for _ in 0..1000 {
            p.feed(255);
        }
        assert_eq!(p.height(), MAX_PAPER_ROWS);
        p.raster(72, 10, &[0xFF; 720]);
        assert!(p.clipped());
        assert!(p.bitmap().data.len() <= 72 * MAX_PAPER_ROWS as usize);
    }
}
