//! Bundled fonts (SIL OFL 1.1, licence in `assets/fonts/OFL.txt`). Nothing is read from
//! the host: the same glyphs reach the screen preview, the PDF and the thermal raster.

use std::sync::OnceLock;

use harfrust::ShaperData;
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

/// A font stack, chosen per use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// Noto Naskh Arabic + Noto Sans: the traditional book style for official papers.
    Naskh,
    /// Noto Sans Arabic + Noto Sans: the UI and thermal tickets (sturdy at 203 dpi).
    Sans,
}

/// Index of a bundled face.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FaceId(pub u8);

/// Vertical metrics normalised to the em (ascent positive, descent negative).
#[derive(Debug, Clone, Copy)]
pub struct FaceMetrics {
    /// Design units per em.
    pub units_per_em: f32,
    /// Ascent in ems.
    pub ascent: f32,
    /// Descent in ems (negative).
    pub descent: f32,
}

/// One bundled face with its shaping caches.
pub struct Face {
    /// PostScript-style name, used as the PDF font name.
    pub name: &'static str,
    /// The TrueType file.
    pub data: &'static [u8],
    shaper: ShaperData,
    metrics: FaceMetrics,
}

impl Face {
    fn load(name: &'static str, data: &'static [u8]) -> Face {
        let font = FontRef::new(data).expect("bundled font parses");
        let m = font.metrics(Size::unscaled(), LocationRef::default());
        let upem = m.units_per_em as f32;
        Face {
            name,
            data,
            shaper: ShaperData::new(&font),
            metrics: FaceMetrics {
                units_per_em: upem,
                ascent: m.ascent / upem,
                descent: m.descent / upem,
            },
        }
    }

    /// A parsed view of the font file.
    pub fn font_ref(&self) -> FontRef<'static> {
        FontRef::new(self.data).expect("bundled font parses")
    }

    /// HarfRust's cached per-font data.
    pub fn shaper_data(&self) -> &ShaperData {
        &self.shaper
    }

    /// Vertical metrics in ems.
    pub fn metrics(&self) -> FaceMetrics {
        self.metrics
    }

    /// Whether the face's cmap maps `c`.
    pub fn covers(&self, c: char) -> bool {
        self.font_ref().charmap().map(c).is_some()
    }
}

const NASKH: u8 = 0;
const NASKH_BOLD: u8 = 1;
const SANS_AR: u8 = 2;
const SANS_AR_BOLD: u8 = 3;
const LATIN: u8 = 4;
const LATIN_BOLD: u8 = 5;

fn faces() -> &'static [Face] {
    static FACES: OnceLock<Vec<Face>> = OnceLock::new();
    FACES.get_or_init(|| {
        vec![
            Face::load(
                "NotoNaskhArabic-Regular",
                include_bytes!("../../../assets/fonts/NotoNaskhArabic-Regular.ttf"),
            ),
            Face::load(
                "NotoNaskhArabic-Bold",
                include_bytes!("../../../assets/fonts/NotoNaskhArabic-Bold.ttf"),
            ),
            Face::load(
                "NotoSansArabic-Regular",
                include_bytes!("../../../assets/fonts/NotoSansArabic-Regular.ttf"),
            ),
            Face::load(
                "NotoSansArabic-Bold",
                include_bytes!("../../../assets/fonts/NotoSansArabic-Bold.ttf"),
            ),
            Face::load(
                "NotoSans-Regular",
                include_bytes!("../../../assets/fonts/NotoSans-Regular.ttf"),
            ),
            Face::load(
                "NotoSans-Bold",
                include_bytes!("../../../assets/fonts/NotoSans-Bold.ttf"),
            ),
        ]
    })
}

/// The face with this id. Panics only on an id not made by this module.
pub fn face(id: FaceId) -> &'static Face {
    &faces()[id.0 as usize]
}

/// Every bundled face with its id (for embedding in a PDF).
pub fn all() -> impl Iterator<Item = (FaceId, &'static Face)> {
    faces()
        .iter()
        .enumerate()
        .map(|(i, f)| (FaceId(i as u8), f))
}

/// The fallback order for a family: Arabic face first, Latin face second.
pub fn stack(family: Family, bold: bool) -> &'static [FaceId] {
    const STACKS: [[FaceId; 2]; 4] = [
        [FaceId(NASKH), FaceId(LATIN)],
        [FaceId(NASKH_BOLD), FaceId(LATIN_BOLD)],
        [FaceId(SANS_AR), FaceId(LATIN)],
        [FaceId(SANS_AR_BOLD), FaceId(LATIN_BOLD)],
    ];
    let i = match (family, bold) {
        (Family::Naskh, false) => 0,
        (Family::Naskh, true) => 1,
        (Family::Sans, false) => 2,
        (Family::Sans, true) => 3,
    };
    &STACKS[i]
}
