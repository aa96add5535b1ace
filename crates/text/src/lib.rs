//! The one text engine for screen previews, A4 papers and thermal tickets.
//!
//! Pipeline: sanitise untrusted input ([`sanitize`]) → Unicode bidi (UAX #9, explicit
//! paragraph direction) → font itemisation over a bundled font stack → shaping with
//! HarfRust (OpenType GSUB/GPOS: Arabic joining, lam-alef, marks) → line breaking (UAX #14)
//! → visual reordering per line. The result, a [`Paragraph`], holds positioned glyphs that
//! keep the source text range they stand for, so the PDF writer can attach the logical text
//! to each glyph (ToUnicode) and the rasteriser ([`raster`]) can draw the same glyphs.

pub mod fonts;
pub mod raster;

use std::ops::Range;

use harfrust::{BufferClusterLevel, Direction, ShapeOptions, UnicodeBuffer};
use unicode_bidi::{BidiInfo, Level};

pub use fonts::{FaceId, Family};
pub use manassa_core::sanitize;

/// Style of one paragraph: family (font stack), weight and size.
///
/// `size` is the em size in the caller's output unit: PDF points for papers, dots for
/// thermal rasters, pixels for previews. Every length in the [`Paragraph`] is in that unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextStyle {
    /// Which bundled font stack to use.
    pub family: Family,
    /// Bold weight.
    pub bold: bool,
    /// Em size in output units.
    pub size: f32,
    /// Line height as a multiple of `size` (1.0 = solid).
    pub line_height: f32,
}

impl TextStyle {
    /// A regular-weight style with a line height of 1.6 em (comfortable for Arabic marks).
    pub fn new(family: Family, size: f32) -> Self {
        TextStyle {
            family,
            bold: false,
            size,
            line_height: 1.6,
        }
    }

    /// The same style in bold.
    pub fn bold(mut self) -> Self {
        self.bold = true;
        self
    }
}

/// Paragraph base direction (UAX #9 rule P2/P3 or an explicit override).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseDirection {
    /// Left to right (level 0).
    Ltr,
    /// Right to left (level 1).
    Rtl,
    /// From the first strong character (UAX #9 P2–P3).
    Auto,
}

/// Horizontal alignment inside the layout box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Left for LTR paragraphs, right for RTL ones.
    Start,
    /// Right for LTR paragraphs, left for RTL ones.
    End,
    /// Always left.
    Left,
    /// Always right.
    Right,
    /// Centred.
    Center,
}

/// One positioned glyph.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    /// Glyph id in the run's face.
    pub id: u16,
    /// Left edge of the glyph origin from the left of the layout box, output units.
    pub x: f32,
    /// Vertical offset from the baseline, output units, positive upwards (GPOS mark offsets).
    pub y: f32,
    /// Advance width, output units.
    pub advance: f32,
    /// Source text (byte range in [`Paragraph::text`]) this glyph stands for. Empty for the
    /// second and later glyphs of one cluster, so the text is attached exactly once.
    pub text: Range<usize>,
}

/// A run of glyphs from one face at one bidi level, in visual (left-to-right) order.
#[derive(Debug, Clone, PartialEq)]
pub struct GlyphRun {
    /// The face the glyph ids belong to.
    pub face: FaceId,
    /// Em size in output units.
    pub size: f32,
    /// Whether this run is right-to-left (odd bidi level).
    pub rtl: bool,
    /// Logical byte range of the run in [`Paragraph::text`].
    pub text: Range<usize>,
    /// Glyphs in visual order.
    pub glyphs: Vec<Glyph>,
}

/// One laid-out line.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Runs in visual order (left to right).
    pub runs: Vec<GlyphRun>,
    /// Logical byte range of the line, trailing white space excluded.
    pub text: Range<usize>,
    /// Ink advance width of the line, output units.
    pub width: f32,
    /// Baseline position from the top of the paragraph, output units (downwards).
    pub baseline: f32,
}

/// A laid-out paragraph: lines of positioned glyphs plus the sanitised source text.
#[derive(Debug, Clone, PartialEq)]
pub struct Paragraph {
    /// The text the glyph ranges point into.
    pub text: String,
    /// Lines top to bottom.
    pub lines: Vec<Line>,
    /// Width of the layout box (the `max_width` given, or the widest line).
    pub width: f32,
    /// Total height, output units.
    pub height: f32,
    /// Whether the paragraph base direction resolved to right-to-left.
    pub rtl: bool,
    /// Line advance, output units.
    pub line_height: f32,
    /// Ascent above the first baseline, output units.
    pub ascent: f32,
}

impl Paragraph {
    /// The logical text of each line (what a reader should extract), trailing spaces trimmed.
    pub fn line_texts(&self) -> Vec<&str> {
        self.lines
            .iter()
            .map(|l| &self.text[l.text.clone()])
            .collect()
    }
}

/// A shaped glyph before line breaking, in font units.
#[derive(Debug, Clone)]
struct ShapedGlyph {
    id: u16,
    cluster: usize,
    advance: f32,
    x_offset: f32,
    y_offset: f32,
}

/// A logical run: one face, one bidi level, shaped as a whole.
#[derive(Debug)]
struct ShapedRun {
    face: FaceId,
    level: Level,
    range: Range<usize>,
    /// Shaped glyphs in visual order (HarfRust reverses RTL runs).
    glyphs: Vec<ShapedGlyph>,
    scale: f32,
}

/// Lay out `text` (already sanitised if it is untrusted) in a box `max_width` wide.
///
/// With `max_width = None` the text stays on one line per mandatory break (U+000A).
/// Lengths are in the unit of `style.size`. Never fails: characters no bundled face
/// covers are drawn as the first face's `.notdef` glyph, and still extract as themselves.
pub fn layout(
    text: &str,
    style: &TextStyle,
    dir: BaseDirection,
    align: Align,
    max_width: Option<f32>,
) -> Paragraph {
    let stack = fonts::stack(style.family, style.bold);
    let default_level = match dir {
        BaseDirection::Ltr => Some(Level::ltr()),
        BaseDirection::Rtl => Some(Level::rtl()),
        BaseDirection::Auto => None,
    };
    let bidi = BidiInfo::new(text, default_level);
    let para_level = bidi
        .paragraphs
        .first()
        .map(|p| p.level)
        .unwrap_or_else(|| default_level.unwrap_or(Level::ltr()));
    let rtl = para_level.is_rtl();

    let runs = shape_runs(text, &bidi.levels, stack, style.size);

    let mut ascent: f32 = 0.0;
    let mut descent: f32 = 0.0;
    for face in stack {
        let m = fonts::face(*face).metrics();
        ascent = ascent.max(m.ascent * style.size);
        descent = descent.max(-m.descent * style.size);
    }
    let line_height = (style.size * style.line_height).max(ascent + descent);

    let ranges = break_lines(text, &runs, max_width);
    let mut lines = Vec::with_capacity(ranges.len());
    for (i, range) in ranges.into_iter().enumerate() {
        let baseline = ascent + line_height * i as f32;
        lines.push(build_line(text, &bidi, &runs, range, baseline, style.size));
    }

    let box_width = max_width.unwrap_or_else(|| lines.iter().map(|l| l.width).fold(0.0, f32::max));
    for line in &mut lines {
        let right = match align {
            Align::Start => rtl,
            Align::End => !rtl,
            Align::Left => false,
            Align::Right => true,
            Align::Center => false,
        };
        let shift = if align == Align::Center {
            (box_width - line.width) / 2.0
        } else if right {
            box_width - line.width
        } else {
            0.0
        };
        for run in &mut line.runs {
            for g in &mut run.glyphs {
                g.x += shift;
            }
        }
    }
    let height = if lines.is_empty() {
        0.0
    } else {
        ascent + descent + line_height * (lines.len() - 1) as f32
    };
    Paragraph {
        text: text.to_string(),
        lines,
        width: box_width,
        height,
        rtl,
        line_height,
        ascent,
    }
}

/// Width of `text` on one line, in the unit of `style.size`.
pub fn measure(text: &str, style: &TextStyle) -> f32 {
    layout(text, style, BaseDirection::Auto, Align::Left, None)
        .lines
        .iter()
        .map(|l| l.width)
        .fold(0.0, f32::max)
}

fn is_arabic(c: char) -> bool {
    matches!(c as u32, 0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF)
}

/// Neutral characters (spaces, digits, punctuation, marks) take the face of their
/// neighbours when it covers them, so a run is not split at every space.
fn is_neutral(c: char) -> bool {
    !c.is_alphabetic() || matches!(c as u32, 0x064B..=0x065F | 0x0670)
}

/// Split the text into (face, level) runs in logical order and shape each.
fn shape_runs(text: &str, levels: &[Level], stack: &[FaceId], size: f32) -> Vec<ShapedRun> {
    let mut items: Vec<(FaceId, Level, Range<usize>)> = Vec::new();
    let mut prev_face: Option<FaceId> = None;
    for (i, c) in text.char_indices() {
        if c == '\n' {
            prev_face = None;
            continue;
        }
        let covering = |f: &FaceId| fonts::face(*f).covers(c);
        let face = if is_neutral(c) {
            prev_face
                .filter(covering)
                .or_else(|| stack.iter().copied().find(covering))
        } else {
            stack.iter().copied().find(covering)
        }
        .unwrap_or(stack[0]);
        prev_face = Some(face);
        let level = levels[i];
        let end = i + c.len_utf8();
        match items.last_mut() {
            Some((f, l, r)) if *f == face && *l == level && r.end == i => r.end = end,
            _ => items.push((face, level, i..end)),
        }
    }
    items
        .into_iter()
        .map(|(face, level, range)| shape_one(text, face, level, range, size))
        .collect()
}

fn shape_one(text: &str, face: FaceId, level: Level, range: Range<usize>, size: f32) -> ShapedRun {
    let f = fonts::face(face);
    let font = f.font_ref();
    let shaper = f.shaper_data().shaper(&font).build();
    let slice = &text[range.clone()];
    let mut buf = UnicodeBuffer::new();
    buf.push_str(slice);
    buf.set_pre_context(&text[..range.start]);
    buf.set_post_context(&text[range.end..]);
    buf.set_cluster_level(BufferClusterLevel::Characters);
    buf.set_direction(if level.is_rtl() {
        Direction::RightToLeft
    } else {
        Direction::LeftToRight
    });
    buf.set_script(if slice.chars().any(is_arabic) {
        harfrust::script::ARABIC
    } else {
        harfrust::script::LATIN
    });
    let out = shaper.shape(buf, ShapeOptions::new());
    let glyphs = out
        .glyph_infos()
        .iter()
        .zip(out.glyph_positions())
        .map(|(info, pos)| ShapedGlyph {
            id: info.glyph_id as u16,
            cluster: range.start + info.cluster as usize,
            advance: pos.x_advance as f32,
            x_offset: pos.x_offset as f32,
            y_offset: pos.y_offset as f32,
        })
        .collect();
    ShapedRun {
        face,
        level,
        range,
        glyphs,
        scale: size / f.metrics().units_per_em,
    }
}

/// Advance width of the glyphs whose cluster starts inside `range`.
fn width_of(runs: &[ShapedRun], range: Range<usize>) -> f32 {
    runs.iter()
        .filter(|r| r.range.start < range.end && range.start < r.range.end)
        .flat_map(|r| {
            r.glyphs
                .iter()
                .filter(|g| range.contains(&g.cluster))
                .map(move |g| g.advance * r.scale)
        })
        .sum()
}

fn trim_end_ws(text: &str, range: Range<usize>) -> Range<usize> {
    let trimmed = text[range.clone()].trim_end();
    range.start..range.start + trimmed.len()
}

/// Greedy line breaking at UAX #14 opportunities; returns logical byte ranges without
/// trailing white space or the newline.
fn break_lines(text: &str, runs: &[ShapedRun], max_width: Option<f32>) -> Vec<Range<usize>> {
    use unicode_linebreak::{BreakOpportunity, linebreaks};
    let mut lines = Vec::new();
    let mut start = 0;
    let mut last_ok: Option<usize> = None;
    for (pos, kind) in linebreaks(text) {
        let mandatory = kind == BreakOpportunity::Mandatory;
        if let Some(max) = max_width
            && width_of(runs, trim_end_ws(text, start..pos)) > max
            && let Some(prev) = last_ok.filter(|p| *p > start)
        {
            lines.push(trim_end_ws(text, start..prev));
            start = prev;
        }
        if mandatory {
            let end = if pos == text.len() && !text.ends_with('\n') {
                pos
            } else {
                pos.saturating_sub(1).max(start)
            };
            lines.push(trim_end_ws(text, start..end));
            start = pos;
            last_ok = None;
        } else {
            last_ok = Some(pos);
        }
    }
    if lines.is_empty() {
        lines.push(0..0);
    }
    lines
}

fn build_line(
    text: &str,
    bidi: &BidiInfo,
    runs: &[ShapedRun],
    range: Range<usize>,
    baseline: f32,
    size: f32,
) -> Line {
    let mut out_runs = Vec::new();
    let mut cursor = 0.0;
    if !range.is_empty() {
        let para = bidi
            .paragraphs
            .iter()
            .find(|p| p.range.start <= range.start && range.end <= p.range.end)
            .unwrap_or(&bidi.paragraphs[0]);
        let (levels, visual) = bidi.visual_runs(para, range.clone());
        for vrun in visual {
            let level = levels[vrun.start];
            let overlapping: Vec<&ShapedRun> = runs
                .iter()
                .filter(|r| r.range.start < vrun.end && vrun.start < r.range.end)
                .collect();
            let ordered: Box<dyn Iterator<Item = &&ShapedRun>> = if level.is_rtl() {
                Box::new(overlapping.iter().rev())
            } else {
                Box::new(overlapping.iter())
            };
            for run in ordered {
                let sub = run.range.start.max(vrun.start)..run.range.end.min(vrun.end);
                let glyphs = place_glyphs(text, run, sub.clone(), &mut cursor);
                if !glyphs.is_empty() {
                    out_runs.push(GlyphRun {
                        face: run.face,
                        size,
                        rtl: run.level.is_rtl(),
                        text: sub,
                        glyphs,
                    });
                }
            }
        }
    }
    Line {
        runs: out_runs,
        text: range,
        width: cursor,
        baseline,
    }
}

/// Position the glyphs of `run` whose cluster lies in `sub`, advancing `cursor`, and
/// attach to each glyph the source text of its cluster (once per cluster).
fn place_glyphs(text: &str, run: &ShapedRun, sub: Range<usize>, cursor: &mut f32) -> Vec<Glyph> {
    // Cluster boundaries in logical order, to find where each cluster's text ends.
    let mut starts: Vec<usize> = run
        .glyphs
        .iter()
        .map(|g| g.cluster)
        .filter(|c| sub.contains(c))
        .collect();
    starts.sort_unstable();
    starts.dedup();
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for g in run.glyphs.iter().filter(|g| sub.contains(&g.cluster)) {
        let end = starts
            .iter()
            .find(|s| **s > g.cluster)
            .copied()
            .unwrap_or(sub.end);
        let end = end.min(text.len());
        let range = if seen.insert(g.cluster) {
            g.cluster..end
        } else {
            g.cluster..g.cluster
        };
        out.push(Glyph {
            id: g.id,
            x: *cursor + g.x_offset * run.scale,
            y: g.y_offset * run.scale,
            advance: g.advance * run.scale,
            text: range,
        });
        *cursor += g.advance * run.scale;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style() -> TextStyle {
        TextStyle::new(Family::Naskh, 12.0)
    }

    #[test]
    fn arabic_is_joined_into_contextual_forms() {
        // The same letter (beh) isolated and in a word must map to different glyphs.
        let isolated = layout("ب", &style(), BaseDirection::Rtl, Align::Start, None);
        let joined = layout("ببب", &style(), BaseDirection::Rtl, Align::Start, None);
        let iso_id = isolated.lines[0].runs[0].glyphs[0].id;
        let ids: Vec<u16> = joined.lines[0].runs[0]
            .glyphs
            .iter()
            .map(|g| g.id)
            .collect();
        assert_eq!(ids.len(), 3);
        assert!(ids.iter().all(|id| *id != iso_id), "{ids:?} vs {iso_id}");
        assert_ne!(ids[0], ids[1], "final and medial forms differ");
    }

    #[test]
    fn lam_alef_takes_its_special_form_and_keeps_both_letters_as_text() {
        // Fonts form lam-alef either as one ligature glyph or as two contextual glyphs;
        // either way the shapes differ from the isolated letters and the text survives.
        for family in [Family::Naskh, Family::Sans] {
            let st = TextStyle::new(family, 12.0);
            let ids = |t: &str| -> Vec<u16> {
                layout(t, &st, BaseDirection::Rtl, Align::Start, None).lines[0].runs[0]
                    .glyphs
                    .iter()
                    .map(|g| g.id)
                    .collect()
            };
            let p = layout("لا", &st, BaseDirection::Rtl, Align::Start, None);
            let glyphs = &p.lines[0].runs[0].glyphs;
            let mut parts: Vec<_> = glyphs.iter().filter(|g| !g.text.is_empty()).collect();
            parts.sort_by_key(|g| g.text.start);
            let text: String = parts.iter().map(|g| &p.text[g.text.clone()]).collect();
            assert_eq!(text, "لا");
            let isolated = [ids("ل")[0], ids("ا")[0]];
            assert!(
                glyphs.iter().any(|g| !isolated.contains(&g.id)),
                "{family:?}"
            );
        }
    }

    #[test]
    fn rtl_paragraph_puts_first_word_on_the_right() {
        let p = layout(
            "رخصة بناء",
            &style(),
            BaseDirection::Rtl,
            Align::Start,
            Some(300.0),
        );
        let line = &p.lines[0];
        let first_word_x = line
            .runs
            .iter()
            .flat_map(|r| &r.glyphs)
            .filter(|g| g.text.start == 0 && !g.text.is_empty())
            .map(|g| g.x)
            .next()
            .unwrap();
        let last_word_x = line
            .runs
            .iter()
            .flat_map(|r| &r.glyphs)
            .filter(|g| g.text.start > "رخصة".len())
            .map(|g| g.x)
            .fold(f32::MAX, f32::min);
        assert!(first_word_x > last_word_x);
        // Right aligned in a 300-unit box.
        let right_edge = line
            .runs
            .iter()
            .flat_map(|r| &r.glyphs)
            .map(|g| g.x + g.advance)
            .fold(0.0, f32::max);
        assert!((right_edge - 300.0).abs() < 0.5, "{right_edge}");
    }

    #[test]
    fn latin_inside_arabic_stays_left_to_right_and_uses_a_latin_face() {
        let text = "رقم الرخصة BP-2026-004512";
        let p = layout(text, &style(), BaseDirection::Rtl, Align::Start, None);
        let line = &p.lines[0];
        let latin = line
            .runs
            .iter()
            .find(|r| p.text[r.text.clone()].contains("BP"))
            .unwrap();
        assert!(!latin.rtl);
        // The Latin run is left of the Arabic words in an RTL paragraph.
        let arabic_min_x = line
            .runs
            .iter()
            .filter(|r| r.rtl)
            .flat_map(|r| &r.glyphs)
            .map(|g| g.x)
            .fold(f32::MAX, f32::min);
        assert!(latin.glyphs[0].x < arabic_min_x);
        // Every character of the source is covered by exactly one glyph's text.
        let mut covered: Vec<Range<usize>> = line
            .runs
            .iter()
            .flat_map(|r| r.glyphs.iter().map(|g| g.text.clone()))
            .filter(|r| !r.is_empty())
            .collect();
        covered.sort_by_key(|r| r.start);
        let joined: String = covered.iter().map(|r| &p.text[r.clone()]).collect();
        assert_eq!(joined, text);
    }

    #[test]
    fn wraps_to_width_and_keeps_all_words() {
        let text = "هذه الرخصة صادرة عن بلدية الدوحة وفق قانون تنظيم المباني";
        let p = layout(text, &style(), BaseDirection::Rtl, Align::Start, Some(80.0));
        assert!(p.lines.len() > 2);
        for line in &p.lines {
            assert!(line.width <= 80.0 + 0.01 || !p.text[line.text.clone()].contains(' '));
        }
        let rejoined = p.line_texts().join(" ");
        assert_eq!(rejoined, text);
    }

    #[test]
    fn mandatory_breaks_start_new_lines() {
        let p = layout("one\ntwo", &style(), BaseDirection::Ltr, Align::Start, None);
        assert_eq!(p.line_texts(), vec!["one", "two"]);
    }
}
