//! The bilingual A4 layout shared by every paper: Arabic primary (right), English secondary
//! (left). Header and emblem area on every page, title, a two-language field table, extra
//! lines (salary items), a note, and on the last page the place and date of issue in
//! Gregorian and Hijri with the Tawkeed seal's QR code; "page n of N" on every page.

use super::kinds::Content;
use super::{A4_HEIGHT_PT, A4_WIDTH_PT, Element, INK, MAROON, Page, Paper, Rgb, mm, seal};
use manassa_i18n::{Arg, Lang, Ymd, format_gregorian, format_hijri, tr, tr_args};
use manassa_text::{Align, BaseDirection, Family, TextStyle, layout};

const MARGIN: f32 = 18.0; // mm
/// Distance of the page-number line from the bottom edge, mm.
const FOOTER_MM: f32 = 12.0;
const GREY: Rgb = Rgb(0.35, 0.35, 0.35);
const RULE: Rgb = Rgb(0.62, 0.62, 0.62);
/// The printed size of one QR module, mm: what a phone's camera resolves from 15–25 cm
/// and a 150 dpi printer still draws with 2.5 dots.
pub const QR_MODULE_MM: f32 = 0.42;
/// The smallest printed QR code, mm (a small seal is not drawn smaller).
pub const QR_MIN_SIDE_MM: f32 = 38.0;

/// The printed side of a QR symbol `modules` wide, mm: [`QR_MODULE_MM`] per module, at
/// least [`QR_MIN_SIDE_MM`]; a version-25 seal (117 modules) is 49 mm.
pub fn seal_side_mm(modules: usize) -> f32 {
    (modules as f32 * QR_MODULE_MM).max(QR_MIN_SIDE_MM)
}

struct Builder {
    pages: Vec<Page>,
    y: f32,
    left: f32,
    width: f32,
}

fn both(id: &str) -> (String, String) {
    (tr(Lang::Ar, id), tr(Lang::En, id))
}

impl Builder {
    fn page(&mut self) -> &mut Page {
        self.pages.last_mut().expect("a page exists")
    }

    // Private helper mirroring `text::layout`'s own parameters plus position and colour.
    #[allow(clippy::too_many_arguments)]
    fn text(
        &mut self,
        text: &str,
        style: TextStyle,
        dir: BaseDirection,
        align: Align,
        x: f32,
        width: f32,
        color: Rgb,
    ) -> f32 {
        let para = layout(text, &style, dir, align, Some(width));
        let h = para.height;
        let y = self.y;
        self.page()
            .elements
            .push(Element::Text { para, x, y, color });
        h
    }

    fn rule(&mut self, width: f32, color: Rgb) {
        let (l, r, y) = (self.left, self.left + self.width, self.y);
        self.page().elements.push(Element::Rule {
            from: (l, y),
            to: (r, y),
            width,
            color,
        });
    }

    /// Start a page with the ministry header.
    fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = mm(14.0);
        let (ar, en) = both("paper-ministry");
        let head = TextStyle::new(Family::Naskh, 13.0).bold();
        let half = self.width / 2.0 - mm(14.0);
        let right = self.left + self.width - half;
        let h_ar = self.text(
            &ar,
            head,
            BaseDirection::Rtl,
            Align::Start,
            right,
            half,
            MAROON,
        );
        let h_en = self.text(
            &en,
            head,
            BaseDirection::Ltr,
            Align::Start,
            self.left,
            half,
            MAROON,
        );
        // Emblem area: the ministry's emblem artwork is pre-printed or placed here.
        let side = mm(20.0);
        let at = (self.left + (self.width - side) / 2.0, self.y);
        self.page().elements.push(Element::Box {
            at,
            size: (side, side),
            fill: false,
            color: MAROON,
        });
        self.y += h_ar.max(h_en).max(side) + mm(3.0);
        self.rule(1.5, MAROON);
        self.y += mm(5.0);
    }

    /// Room left above the footer band of a page.
    fn fits(&self, h: f32) -> bool {
        self.y + h <= A4_HEIGHT_PT - mm(FOOTER_MM + 8.0)
    }

    /// A row: English label (left), value (centre), Arabic label (right); breaks the page
    /// when it does not fit.
    fn row(&mut self, label_ar: &str, label_en: &str, value: &str) {
        let label_w = mm(44.0);
        let value_w = self.width - 2.0 * label_w - mm(8.0);
        let label = TextStyle::new(Family::Naskh, 10.0);
        let value_style = TextStyle::new(Family::Naskh, 12.0).bold();
        let ar = layout(
            label_ar,
            &label,
            BaseDirection::Rtl,
            Align::Start,
            Some(label_w),
        );
        let en = layout(
            label_en,
            &label,
            BaseDirection::Ltr,
            Align::Start,
            Some(label_w),
        );
        let val = layout(
            value,
            &value_style,
            BaseDirection::Auto,
            Align::Center,
            Some(value_w),
        );
        let h = ar.height.max(en.height).max(val.height) + mm(1.6);
        if !self.fits(h) {
            self.new_page();
            self.rule(0.5, RULE);
        }
        let top = self.y + mm(0.8);
        let (left, width) = (self.left, self.width);
        let page = self.page();
        page.elements.push(Element::Text {
            para: ar,
            x: left + width - label_w,
            y: top,
            color: GREY,
        });
        page.elements.push(Element::Text {
            para: val,
            x: left + label_w + mm(4.0),
            y: top,
            color: INK,
        });
        page.elements.push(Element::Text {
            para: en,
            x: left,
            y: top,
            color: GREY,
        });
        self.y += h;
        self.rule(0.5, RULE);
    }

    /// The seal block: QR on the left, issue place and dates and the caption on the right.
    fn seal_block(&mut self, content: &Content, qr: Option<&seal::QrSymbol>) {
        let side = mm(seal_side_mm(qr.map_or(0, |q| q.width)));
        let block = side + mm(3.0);
        if !self.fits(block + mm(3.0)) {
            self.new_page();
        }
        self.y += mm(3.0);
        let top = self.y;
        if let Some(seal::QrSymbol {
            modules, width: n, ..
        }) = qr
        {
            let n = *n;
            let module = side / n as f32;
            let (x0, y0) = (self.left, top);
            let page = self.page();
            for row in 0..n {
                let mut col = 0;
                while col < n {
                    if !modules[row * n + col] {
                        col += 1;
                        continue;
                    }
                    let start = col;
                    while col < n && modules[row * n + col] {
                        col += 1;
                    }
                    page.elements.push(Element::Box {
                        at: (x0 + start as f32 * module, y0 + row as f32 * module),
                        size: ((col - start) as f32 * module, module),
                        fill: true,
                        color: Rgb(0.0, 0.0, 0.0),
                    });
                }
            }
        }
        let text_x = self.left + side + mm(8.0);
        let text_w = self.width - side - mm(8.0);
        let date = Ymd::parse(&content.issued_on);
        let small = TextStyle::new(Family::Naskh, 9.5);
        for (lang, dir) in [
            (Lang::Ar, BaseDirection::Rtl),
            (Lang::En, BaseDirection::Ltr),
        ] {
            let (greg, hijri) = match date {
                Some(d) => (
                    format_gregorian(lang, d),
                    format_hijri(lang, d).unwrap_or_default(),
                ),
                None => (content.issued_on.clone(), String::new()),
            };
            let place = tr(lang, "paper-issue-place");
            let issued = tr_args(
                lang,
                "paper-issued-at",
                &[
                    ("place", Arg::Str(&place)),
                    ("gregorian", Arg::Str(&greg)),
                    ("hijri", Arg::Str(&hijri)),
                ],
            );
            let h = self.text(&issued, small, dir, Align::Start, text_x, text_w, INK);
            self.y += h;
            let h = self.text(
                &tr(lang, "paper-seal-caption"),
                small,
                dir,
                Align::Start,
                text_x,
                text_w,
                GREY,
            );
            self.y += h + mm(2.0);
        }
        self.y = self.y.max(top + block);
    }
}

/// Lay out `content` as an A4 paper, with the seal's QR symbol when given (see
/// [`seal::qr_symbol`]; the kiosk never prints a paper without one).
pub fn paper(content: &Content, qr: Option<&seal::QrSymbol>) -> Paper {
    let left = mm(MARGIN);
    let mut b = Builder {
        pages: Vec::new(),
        y: 0.0,
        left,
        width: A4_WIDTH_PT - 2.0 * left,
    };
    b.new_page();

    let (t_ar, t_en) = both(content.title);
    let h = b.text(
        &t_ar,
        TextStyle::new(Family::Naskh, 22.0).bold(),
        BaseDirection::Rtl,
        Align::Center,
        left,
        b.width,
        INK,
    );
    b.y += h;
    let h = b.text(
        &t_en,
        TextStyle::new(Family::Naskh, 14.0).bold(),
        BaseDirection::Ltr,
        Align::Center,
        left,
        b.width,
        INK,
    );
    b.y += h + mm(5.0);
    b.rule(0.5, RULE);

    for f in &content.fields {
        let (ar, en) = both(f.label);
        b.row(&ar, &en, &f.value);
    }
    if !content.lines.is_empty() {
        b.y += mm(4.0);
        let (ar, en) = both("paper-allowances");
        b.row(&ar, &en, &tr(Lang::En, "paper-amount"));
        for (ar, en, amount) in &content.lines {
            b.row(ar, en, amount);
        }
    }

    b.y += mm(4.0);
    let (n_ar, n_en) = both(content.note);
    let note = TextStyle::new(Family::Naskh, 10.0);
    let width = b.width;
    if !b.fits(mm(14.0)) {
        b.new_page();
    }
    let h = b.text(
        &n_ar,
        note,
        BaseDirection::Rtl,
        Align::Start,
        left,
        width,
        INK,
    );
    b.y += h;
    let h = b.text(
        &n_en,
        note,
        BaseDirection::Ltr,
        Align::Start,
        left,
        width,
        INK,
    );
    b.y += h;

    b.seal_block(content, qr);

    // "Page n of N" in both languages on every page.
    let total = b.pages.len();
    let small = TextStyle::new(Family::Naskh, 9.0);
    for (i, page) in b.pages.iter_mut().enumerate() {
        let args = [
            ("page", Arg::Num(i as i64 + 1)),
            ("pages", Arg::Num(total as i64)),
        ];
        let y = A4_HEIGHT_PT - mm(FOOTER_MM);
        let half = width / 2.0;
        let ar = layout(
            &tr_args(Lang::Ar, "paper-page", &args),
            &small,
            BaseDirection::Rtl,
            Align::Start,
            Some(half),
        );
        let en = layout(
            &tr_args(Lang::En, "paper-page", &args),
            &small,
            BaseDirection::Ltr,
            Align::Start,
            Some(half),
        );
        page.elements.push(Element::Text {
            para: ar,
            x: left + half,
            y,
            color: GREY,
        });
        page.elements.push(Element::Text {
            para: en,
            x: left,
            y,
            color: GREY,
        });
    }

    Paper {
        title: format!("{} {}", tr(Lang::En, content.title), content.number),
        lang: "ar-QA",
        pages: b.pages,
        printed_fields: content.printed_fields(),
    }
}
