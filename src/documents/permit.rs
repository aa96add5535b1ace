//! Building permit: typed fields (as the ministry API returns them) and the bilingual A4
//! layout (Arabic primary on the right, English secondary on the left).

use serde::Deserialize;
use serde_json::Value;

use super::{A4_WIDTH_PT, Element, INK, MAROON, Page, Paper, Rgb, mm};
use crate::i18n::{Lang, tr};
use crate::text::{Align, BaseDirection, Family, TextStyle, layout, sanitize};

/// A building permit's printed fields. Every text field is sanitised on parse.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BuildingPermit {
    /// Permit number, e.g. `BP-2026-004512`.
    pub permit_no: String,
    /// Owner's name in Arabic.
    pub owner_name_ar: String,
    /// Owner's name in Latin script.
    pub owner_name_en: String,
    /// Owner's QID (11 digits).
    pub owner_qid: String,
    /// Plot number, e.g. `69/1234`.
    pub plot_no: String,
    /// Zone name and number.
    pub zone: String,
    /// Issuing municipality, Arabic.
    pub municipality_ar: String,
    /// Issuing municipality, English.
    pub municipality_en: String,
    /// Permitted use, Arabic.
    pub building_use_ar: String,
    /// Permitted use, English.
    pub building_use_en: String,
    /// Number of floors.
    pub floors: u32,
    /// Built area in square metres.
    pub built_area_m2: f64,
    /// Consultant (engineering office).
    pub consultant: String,
    /// Contractor.
    pub contractor: String,
    /// Issue date, ISO 8601 `YYYY-MM-DD`.
    pub issued_on: String,
    /// Expiry date, ISO 8601 `YYYY-MM-DD`.
    pub expires_on: String,
}

/// A payload that is not a valid building permit; names the offending field.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("building permit field `{field}`: {problem}")]
pub struct FieldError {
    /// JSON field name.
    pub field: String,
    /// What is wrong with it.
    pub problem: String,
}

impl BuildingPermit {
    /// Parse and sanitise the API payload (`SignedDocument.payload`).
    ///
    /// Errors: a missing or mistyped field, or a date that is not `YYYY-MM-DD`.
    pub fn from_payload(v: &Value) -> Result<Self, FieldError> {
        let mut p: BuildingPermit = serde_json::from_value(v.clone()).map_err(|e| {
            let msg = e.to_string();
            let field = msg.split('`').nth(1).unwrap_or("payload").to_string();
            FieldError {
                field,
                problem: msg,
            }
        })?;
        for f in [
            &mut p.permit_no,
            &mut p.owner_name_ar,
            &mut p.owner_name_en,
            &mut p.owner_qid,
            &mut p.plot_no,
            &mut p.zone,
            &mut p.municipality_ar,
            &mut p.municipality_en,
            &mut p.building_use_ar,
            &mut p.building_use_en,
            &mut p.consultant,
            &mut p.contractor,
            &mut p.issued_on,
            &mut p.expires_on,
        ] {
            *f = sanitize(f);
        }
        for (name, d) in [("issued_on", &p.issued_on), ("expires_on", &p.expires_on)] {
            let ok = d.len() == 10
                && d.bytes().enumerate().all(|(i, b)| {
                    if i == 4 || i == 7 {
                        b == b'-'
                    } else {
                        b.is_ascii_digit()
                    }
                });
            if !ok {
                return Err(FieldError {
                    field: name.into(),
                    problem: "expected a date as YYYY-MM-DD".into(),
                });
            }
        }
        Ok(p)
    }

    /// The bilingual A4 layout.
    pub fn layout(&self) -> Paper {
        let mut page = Page::default();
        let margin = mm(18.0);
        let width = A4_WIDTH_PT - 2.0 * margin;
        let mut y = mm(16.0);

        let both = |id: &str| (tr(Lang::Ar, id), tr(Lang::En, id));

        // Header: Arabic ministry name on the right, English on the left, emblem area between.
        let (min_ar, min_en) = both("paper-ministry");
        let head = TextStyle::new(Family::Naskh, 13.0).bold();
        let half = width / 2.0 - mm(14.0);
        let ar = layout(&min_ar, &head, BaseDirection::Rtl, Align::Start, Some(half));
        let en = layout(&min_en, &head, BaseDirection::Ltr, Align::Start, Some(half));
        let head_h = ar.height.max(en.height).max(mm(22.0));
        page.elements.push(Element::Text {
            para: ar,
            x: margin + width - half,
            y,
            color: MAROON,
        });
        page.elements.push(Element::Text {
            para: en,
            x: margin,
            y,
            color: MAROON,
        });
        // Emblem area: a reserved square the ministry's emblem artwork is printed into.
        let emblem = mm(20.0);
        page.elements.push(Element::Box {
            at: (margin + (width - emblem) / 2.0, y),
            size: (emblem, emblem),
            fill: false,
            color: MAROON,
        });
        y += head_h + mm(4.0);
        page.elements.push(Element::Rule {
            from: (margin, y),
            to: (margin + width, y),
            width: 1.5,
            color: MAROON,
        });
        y += mm(6.0);

        // Title, Arabic above English, centred.
        let (t_ar, t_en) = both("paper-permit-title");
        for (text, size, dir) in [
            (t_ar, 22.0, BaseDirection::Rtl),
            (t_en, 14.0, BaseDirection::Ltr),
        ] {
            let p = layout(
                &text,
                &TextStyle::new(Family::Naskh, size).bold(),
                dir,
                Align::Center,
                Some(width),
            );
            let h = p.height;
            page.elements.push(Element::Text {
                para: p,
                x: margin,
                y,
                color: INK,
            });
            y += h;
        }
        y += mm(6.0);

        // Field table: English label | value | Arabic label.
        let area = format!("{:.1}", self.built_area_m2);
        let floors = self.floors.to_string();
        let owner = format!("{}\n{}", self.owner_name_ar, self.owner_name_en);
        let municipality = format!("{}\n{}", self.municipality_ar, self.municipality_en);
        let use_ = format!("{}\n{}", self.building_use_ar, self.building_use_en);
        let rows: Vec<(&str, &str)> = vec![
            ("paper-permit-no", &self.permit_no),
            ("paper-owner", &owner),
            ("paper-owner-qid", &self.owner_qid),
            ("paper-plot", &self.plot_no),
            ("paper-zone", &self.zone),
            ("paper-municipality", &municipality),
            ("paper-use", &use_),
            ("paper-floors", &floors),
            ("paper-area", &area),
            ("paper-consultant", &self.consultant),
            ("paper-contractor", &self.contractor),
            ("paper-issued", &self.issued_on),
            ("paper-expires", &self.expires_on),
        ];
        let label_w = mm(44.0);
        let value_w = width - 2.0 * label_w - mm(8.0);
        let label = TextStyle::new(Family::Naskh, 10.0);
        let value = TextStyle::new(Family::Naskh, 12.0).bold();
        page.elements.push(Element::Rule {
            from: (margin, y),
            to: (margin + width, y),
            width: 0.5,
            color: Rgb(0.6, 0.6, 0.6),
        });
        for (id, v) in rows {
            let (l_ar, l_en) = both(id);
            let en = layout(
                &l_en,
                &label,
                BaseDirection::Ltr,
                Align::Start,
                Some(label_w),
            );
            let ar = layout(
                &l_ar,
                &label,
                BaseDirection::Rtl,
                Align::Start,
                Some(label_w),
            );
            let val = layout(v, &value, BaseDirection::Auto, Align::Center, Some(value_w));
            let h = en.height.max(ar.height).max(val.height) + mm(3.0);
            let top = y + mm(1.5);
            page.elements.push(Element::Text {
                para: ar,
                x: margin + width - label_w,
                y: top,
                color: Rgb(0.35, 0.35, 0.35),
            });
            page.elements.push(Element::Text {
                para: val,
                x: margin + label_w + mm(4.0),
                y: top,
                color: INK,
            });
            page.elements.push(Element::Text {
                para: en,
                x: margin,
                y: top,
                color: Rgb(0.35, 0.35, 0.35),
            });
            y += h;
            page.elements.push(Element::Rule {
                from: (margin, y),
                to: (margin + width, y),
                width: 0.5,
                color: Rgb(0.6, 0.6, 0.6),
            });
        }

        // Footer: verification note in both languages and the page number.
        let (f_ar, f_en) = both("paper-footer");
        let small = TextStyle::new(Family::Naskh, 9.0);
        let mut fy = super::A4_HEIGHT_PT - mm(30.0);
        for (text, dir) in [(f_ar, BaseDirection::Rtl), (f_en, BaseDirection::Ltr)] {
            let p = layout(&text, &small, dir, Align::Center, Some(width));
            let h = p.height;
            page.elements.push(Element::Text {
                para: p,
                x: margin,
                y: fy,
                color: INK,
            });
            fy += h;
        }
        let num = layout(
            "1 / 1",
            &small,
            BaseDirection::Ltr,
            Align::Center,
            Some(width),
        );
        page.elements.push(Element::Text {
            para: num,
            x: margin,
            y: fy + mm(2.0),
            color: INK,
        });

        Paper {
            title: format!("{} {}", tr(Lang::En, "paper-permit-title"), self.permit_no),
            lang: "ar-QA",
            pages: vec![page],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> Value {
        serde_json::json!({
            "permit_no": "BP-2026-004512",
            "owner_name_ar": "محمد عبدالله الكواري",
            "owner_name_en": "Mohammed Abdullah Al-Kuwari",
            "owner_qid": "28463400123",
            "plot_no": "69/1234",
            "zone": "Al Waab (55)",
            "municipality_ar": "بلدية الدوحة",
            "municipality_en": "Doha Municipality",
            "building_use_ar": "سكني خاص",
            "building_use_en": "Private residential",
            "floors": 2,
            "built_area_m2": 412.5,
            "consultant": "Arab Engineering Bureau",
            "contractor": "Al Jaber Contracting",
            "issued_on": "2026-03-15",
            "expires_on": "2028-03-14"
        })
    }

    #[test]
    fn parses_and_sanitises() {
        let mut v = sample();
        v["owner_name_en"] = Value::from("Mohammed\u{202E} Al-Kuwari");
        let p = BuildingPermit::from_payload(&v).unwrap();
        assert_eq!(p.owner_name_en, "Mohammed Al-Kuwari");
    }

    #[test]
    fn errors_name_the_field() {
        let mut v = sample();
        v.as_object_mut().unwrap().remove("plot_no");
        let e = BuildingPermit::from_payload(&v).unwrap_err();
        assert_eq!(e.field, "plot_no");
        let mut v = sample();
        v["issued_on"] = Value::from("15/03/2026");
        assert_eq!(
            BuildingPermit::from_payload(&v).unwrap_err().field,
            "issued_on"
        );
    }
}
