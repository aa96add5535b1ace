//! The three official papers with typed fields, parsed from the ministry API's document
//! payload (`SignedDocument.payload`), and their printable content.
//!
//! Every text value is sanitised on parse. [`Content::printed_fields`] lists exactly what
//! the paper prints; the Tawkeed seal's digest covers that list.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use manassa_core::DocumentKind;
use manassa_i18n::{Lang, format_amount};
use manassa_seal::Fact;
use manassa_text::sanitize;

/// A payload that is not a valid document of its kind; names the offending field.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{kind} field `{field}`: {problem}")]
pub struct FieldError {
    /// Document kind.
    pub kind: &'static str,
    /// JSON field name.
    pub field: String,
    /// What is wrong with it.
    pub problem: String,
}

/// Building permit.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildingPermit {
    /// Permit number, e.g. `BP-2026-004512`.
    pub permit_no: String,
    /// Owner's name, Arabic.
    pub owner_name_ar: String,
    /// Owner's name, Latin script.
    pub owner_name_en: String,
    /// Owner's QID, 11 digits.
    pub owner_qid: String,
    /// Plot number.
    pub plot_no: String,
    /// Zone name and number.
    pub zone: String,
    /// Municipality, Arabic.
    pub municipality_ar: String,
    /// Municipality, English.
    pub municipality_en: String,
    /// Permitted use, Arabic.
    pub building_use_ar: String,
    /// Permitted use, English.
    pub building_use_en: String,
    /// Number of floors.
    pub floors: u32,
    /// Built area, square metres.
    pub built_area_m2: f64,
    /// Consultant (engineering office).
    pub consultant: String,
    /// Contractor.
    pub contractor: String,
    /// Issue date `YYYY-MM-DD`.
    pub issued_on: String,
    /// Expiry date `YYYY-MM-DD`.
    pub expires_on: String,
}

/// Building completion certificate.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompletionCertificate {
    /// Certificate number, e.g. `CC-2026-000871`.
    pub certificate_no: String,
    /// The building permit it completes.
    pub permit_no: String,
    /// Owner's name, Arabic.
    pub owner_name_ar: String,
    /// Owner's name, Latin script.
    pub owner_name_en: String,
    /// Owner's QID.
    pub owner_qid: String,
    /// Plot number.
    pub plot_no: String,
    /// Zone.
    pub zone: String,
    /// Municipality, Arabic.
    pub municipality_ar: String,
    /// Municipality, English.
    pub municipality_en: String,
    /// Completion date `YYYY-MM-DD`.
    pub completed_on: String,
    /// Final inspection date `YYYY-MM-DD`, when recorded.
    #[serde(default)]
    pub inspected_on: Option<String>,
    /// Inspector's reference, when recorded.
    #[serde(default)]
    pub inspector_ref: Option<String>,
    /// Issue date `YYYY-MM-DD`.
    pub issued_on: String,
}

/// One allowance line of a salary statement.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allowance {
    /// Name, Arabic.
    pub name_ar: String,
    /// Name, English.
    pub name_en: String,
    /// Amount as a decimal string, e.g. `6000.00`.
    pub amount: String,
}

/// Salary statement.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SalaryStatement {
    /// Statement number.
    pub statement_no: String,
    /// Employee's name, Arabic.
    pub employee_name_ar: String,
    /// Employee's name, Latin script.
    pub employee_name_en: String,
    /// Employee's QID.
    pub employee_qid: String,
    /// Employee number.
    pub employee_no: String,
    /// Employer, Arabic.
    pub employer_ar: String,
    /// Employer, English.
    pub employer_en: String,
    /// Pay period `YYYY-MM`.
    pub period: String,
    /// Basic salary, decimal string.
    pub basic_salary: String,
    /// Allowance lines.
    #[serde(default)]
    pub allowances: Vec<Allowance>,
    /// Total deductions, decimal string.
    pub deductions: String,
    /// Net pay, decimal string.
    pub net: String,
    /// ISO 4217 currency; only `QAR` is printed.
    pub currency: String,
    /// Issue date `YYYY-MM-DD`.
    pub issued_on: String,
}

/// One printed field: its Fluent label id, its payload key (for the seal digest) and the
/// value as printed (one or two lines).
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Fluent id of the label (`paper-…`), printed in Arabic and English.
    pub label: &'static str,
    /// Key in the digest.
    pub key: String,
    /// Printed value.
    pub value: String,
}

/// A paper's printable content, whatever its kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Content {
    /// Kind.
    pub kind: DocumentKind,
    /// Fluent id of the title.
    pub title: &'static str,
    /// Printed document number.
    pub number: String,
    /// Holder's QID (for the seal's holder reference).
    pub holder_qid: String,
    /// Issue date `YYYY-MM-DD`.
    pub issued_on: String,
    /// Field rows in order.
    pub fields: Vec<Field>,
    /// Extra table rows (salary lines): (Arabic label, English label, amount).
    pub lines: Vec<(String, String, String)>,
    /// Fluent id of a note printed under the fields.
    pub note: &'static str,
    /// What a v2 seal states for a reader to compare with the paper (DESIGN §4), in
    /// [`Fact`] order: names, masked QID, the kind's decisive figures. Amounts are plain
    /// decimals, dates `YYYY-MM-DD`.
    pub facts: Vec<(Fact, String)>,
}

impl Content {
    /// Exactly what the paper prints, as (key, value) pairs, for the seal digest.
    pub fn printed_fields(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .fields
            .iter()
            .map(|f| (f.key.clone(), f.value.clone()))
            .collect();
        for (i, (ar, en, amount)) in self.lines.iter().enumerate() {
            out.push((format!("line.{i:03}"), format!("{ar} | {en} | {amount}")));
        }
        out
    }
}

fn parse<T: DeserializeOwned>(kind: &'static str, v: &Value) -> Result<T, FieldError> {
    serde_json::from_value(v.clone()).map_err(|e| {
        let msg = e.to_string();
        let field = msg.split('`').nth(1).unwrap_or("payload").to_string();
        FieldError {
            kind,
            field,
            problem: msg,
        }
    })
}

fn check_date(kind: &'static str, name: &str, d: &str) -> Result<(), FieldError> {
    let ok = d.len() == 10
        && d.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if ok {
        Ok(())
    } else {
        Err(FieldError {
            kind,
            field: name.into(),
            problem: "expected a date as YYYY-MM-DD".into(),
        })
    }
}

fn check_amount(kind: &'static str, name: &str, a: &str) -> Result<(), FieldError> {
    let mut parts = a.split('.');
    let whole = parts.next().unwrap_or("");
    let frac = parts.next().unwrap_or("");
    let ok = !whole.is_empty()
        && whole.len() <= 12
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.len() <= 3
        && frac.bytes().all(|b| b.is_ascii_digit())
        && parts.next().is_none();
    if ok {
        Ok(())
    } else {
        Err(FieldError {
            kind,
            field: name.into(),
            problem: "expected a decimal amount such as 1500.00".into(),
        })
    }
}

fn field(label: &'static str, key: &str, value: impl Into<String>) -> Field {
    Field {
        label,
        key: key.into(),
        value: value.into(),
    }
}

fn two(ar: &str, en: &str) -> String {
    format!("{}\n{}", sanitize(ar), sanitize(en))
}

/// Facts in key order.
fn facts(mut f: Vec<(Fact, String)>) -> Vec<(Fact, String)> {
    f.sort_by_key(|(fact, _)| *fact);
    f
}

/// The last 4 characters of a QID: all a seal may say of it.
fn last4(qid: &str) -> String {
    let qid = sanitize(qid);
    let n = qid.chars().count();
    qid.chars().skip(n.saturating_sub(4)).collect()
}

/// The exact sum of checked decimal amounts (at most 3 decimals each), with as many
/// decimals as the most precise one and at least 2: `["100.00", "137.07"]` → `"237.07"`.
fn sum_amounts<'a>(amounts: impl Iterator<Item = &'a str>) -> String {
    let mut total: u128 = 0; // thousandths
    let mut decimals = 2;
    for a in amounts {
        let (whole, frac) = a.split_once('.').unwrap_or((a, ""));
        decimals = decimals.max(frac.len());
        let frac_milli = format!("{frac:0<3}").parse::<u128>().unwrap_or(0);
        total += whole.parse::<u128>().unwrap_or(0) * 1000 + frac_milli;
    }
    let whole = total / 1000;
    let frac = format!("{:03}", total % 1000);
    format!("{whole}.{}", &frac[..decimals.min(3)])
}

/// Maximum salary lines printed (the rest would be a ministry-side error).
pub const MAX_LINES: usize = 200;

/// The sample payload of `kind` (`docs/samples/*.json`, embedded), shaped as the ministry
/// API sends it: demo screens, benchmarks and tests.
///
/// # Panics
/// Never for the bundled samples (a test parses all three).
pub fn sample(kind: DocumentKind) -> Value {
    let text = match kind {
        DocumentKind::BuildingPermit => include_str!("../../../docs/samples/building-permit.json"),
        DocumentKind::CompletionCertificate => {
            include_str!("../../../docs/samples/completion-certificate.json")
        }
        DocumentKind::SalaryStatement => {
            include_str!("../../../docs/samples/salary-statement.json")
        }
    };
    serde_json::from_str(text).expect("bundled sample parses")
}

/// Parse a document payload of `kind` into printable content.
///
/// Errors: a missing, unknown or mistyped field, a date not `YYYY-MM-DD`, an amount that is
/// not a plain decimal, a currency other than QAR, too many lines.
pub fn content(kind: DocumentKind, payload: &Value) -> Result<Content, FieldError> {
    let s = |v: &str| sanitize(v);
    match kind {
        DocumentKind::BuildingPermit => {
            const K: &str = "building permit";
            let p: BuildingPermit = parse(K, payload)?;
            check_date(K, "issued_on", &p.issued_on)?;
            check_date(K, "expires_on", &p.expires_on)?;
            Ok(Content {
                kind,
                title: "paper-permit-title",
                number: s(&p.permit_no),
                holder_qid: s(&p.owner_qid),
                issued_on: p.issued_on.clone(),
                fields: vec![
                    field("paper-permit-no", "permit_no", s(&p.permit_no)),
                    field(
                        "paper-owner",
                        "owner_name",
                        two(&p.owner_name_ar, &p.owner_name_en),
                    ),
                    field("paper-owner-qid", "owner_qid", s(&p.owner_qid)),
                    field("paper-plot", "plot_no", s(&p.plot_no)),
                    field("paper-zone", "zone", s(&p.zone)),
                    field(
                        "paper-municipality",
                        "municipality",
                        two(&p.municipality_ar, &p.municipality_en),
                    ),
                    field(
                        "paper-use",
                        "building_use",
                        two(&p.building_use_ar, &p.building_use_en),
                    ),
                    field("paper-floors", "floors", p.floors.to_string()),
                    field(
                        "paper-area",
                        "built_area_m2",
                        format!("{:.1}", p.built_area_m2),
                    ),
                    field("paper-consultant", "consultant", s(&p.consultant)),
                    field("paper-contractor", "contractor", s(&p.contractor)),
                    field("paper-issued", "issued_on", p.issued_on.clone()),
                    field("paper-expires", "expires_on", p.expires_on.clone()),
                ],
                lines: Vec::new(),
                note: "paper-permit-note",
                facts: facts(vec![
                    (Fact::HolderNameAr, s(&p.owner_name_ar)),
                    (Fact::HolderNameEn, s(&p.owner_name_en)),
                    (Fact::QidLast4, last4(&p.owner_qid)),
                    (Fact::PlotNo, s(&p.plot_no)),
                    (Fact::Zone, s(&p.zone)),
                    (Fact::MunicipalityAr, s(&p.municipality_ar)),
                    (Fact::MunicipalityEn, s(&p.municipality_en)),
                    (Fact::UseAr, s(&p.building_use_ar)),
                    (Fact::UseEn, s(&p.building_use_en)),
                    (Fact::Floors, p.floors.to_string()),
                    (Fact::BuiltAreaM2, format!("{:.1}", p.built_area_m2)),
                    (Fact::ExpiresOn, p.expires_on.clone()),
                ]),
            })
        }
        DocumentKind::CompletionCertificate => {
            const K: &str = "completion certificate";
            let c: CompletionCertificate = parse(K, payload)?;
            check_date(K, "issued_on", &c.issued_on)?;
            check_date(K, "completed_on", &c.completed_on)?;
            let mut fields = vec![
                field(
                    "paper-certificate-no",
                    "certificate_no",
                    s(&c.certificate_no),
                ),
                field("paper-permit-no", "permit_no", s(&c.permit_no)),
                field(
                    "paper-owner",
                    "owner_name",
                    two(&c.owner_name_ar, &c.owner_name_en),
                ),
                field("paper-owner-qid", "owner_qid", s(&c.owner_qid)),
                field("paper-plot", "plot_no", s(&c.plot_no)),
                field("paper-zone", "zone", s(&c.zone)),
                field(
                    "paper-municipality",
                    "municipality",
                    two(&c.municipality_ar, &c.municipality_en),
                ),
                field("paper-completed", "completed_on", c.completed_on.clone()),
            ];
            if let Some(d) = &c.inspected_on {
                check_date(K, "inspected_on", d)?;
                fields.push(field("paper-inspected", "inspected_on", d.clone()));
            }
            if let Some(r) = &c.inspector_ref {
                fields.push(field("paper-inspector", "inspector_ref", s(r)));
            }
            fields.push(field("paper-issued", "issued_on", c.issued_on.clone()));
            let mut sealed = vec![
                (Fact::HolderNameAr, s(&c.owner_name_ar)),
                (Fact::HolderNameEn, s(&c.owner_name_en)),
                (Fact::QidLast4, last4(&c.owner_qid)),
                (Fact::PermitNo, s(&c.permit_no)),
                (Fact::PlotNo, s(&c.plot_no)),
                (Fact::Zone, s(&c.zone)),
                (Fact::MunicipalityAr, s(&c.municipality_ar)),
                (Fact::MunicipalityEn, s(&c.municipality_en)),
                (Fact::CompletedOn, c.completed_on.clone()),
            ];
            if let Some(d) = &c.inspected_on {
                sealed.push((Fact::InspectedOn, d.clone()));
            }
            Ok(Content {
                kind,
                title: "paper-completion-title",
                number: s(&c.certificate_no),
                holder_qid: s(&c.owner_qid),
                issued_on: c.issued_on.clone(),
                fields,
                lines: Vec::new(),
                note: "paper-completion-note",
                facts: facts(sealed),
            })
        }
        DocumentKind::SalaryStatement => {
            const K: &str = "salary statement";
            let st: SalaryStatement = parse(K, payload)?;
            check_date(K, "issued_on", &st.issued_on)?;
            if st.currency != "QAR" {
                return Err(FieldError {
                    kind: K,
                    field: "currency".into(),
                    problem: format!("{:?} is not QAR", sanitize(&st.currency)),
                });
            }
            for (name, a) in [
                ("basic_salary", &st.basic_salary),
                ("deductions", &st.deductions),
                ("net", &st.net),
            ] {
                check_amount(K, name, a)?;
            }
            if st.allowances.len() > MAX_LINES {
                return Err(FieldError {
                    kind: K,
                    field: "allowances".into(),
                    problem: format!("{} lines, at most {MAX_LINES}", st.allowances.len()),
                });
            }
            let mut lines = Vec::new();
            for (i, a) in st.allowances.iter().enumerate() {
                check_amount(K, &format!("allowances[{i}].amount"), &a.amount)?;
                lines.push((
                    s(&a.name_ar),
                    s(&a.name_en),
                    format_amount(Lang::En, &a.amount),
                ));
            }
            Ok(Content {
                kind,
                title: "paper-salary-title",
                number: s(&st.statement_no),
                holder_qid: s(&st.employee_qid),
                issued_on: st.issued_on.clone(),
                fields: vec![
                    field("paper-statement-no", "statement_no", s(&st.statement_no)),
                    field(
                        "paper-employee",
                        "employee_name",
                        two(&st.employee_name_ar, &st.employee_name_en),
                    ),
                    field("paper-qid", "employee_qid", s(&st.employee_qid)),
                    field("paper-employee-no", "employee_no", s(&st.employee_no)),
                    field(
                        "paper-employer",
                        "employer",
                        two(&st.employer_ar, &st.employer_en),
                    ),
                    field("paper-period", "period", s(&st.period)),
                    field(
                        "paper-basic-salary",
                        "basic_salary",
                        format_amount(Lang::En, &st.basic_salary),
                    ),
                    field(
                        "paper-deductions",
                        "deductions",
                        format_amount(Lang::En, &st.deductions),
                    ),
                    field("paper-net", "net", format_amount(Lang::En, &st.net)),
                    field("paper-issued", "issued_on", st.issued_on.clone()),
                ],
                lines,
                note: "paper-salary-note",
                facts: facts(vec![
                    (Fact::HolderNameAr, s(&st.employee_name_ar)),
                    (Fact::HolderNameEn, s(&st.employee_name_en)),
                    (Fact::QidLast4, last4(&st.employee_qid)),
                    (Fact::EmployerAr, s(&st.employer_ar)),
                    (Fact::EmployerEn, s(&st.employer_en)),
                    (Fact::Period, s(&st.period)),
                    (Fact::BasicSalary, st.basic_salary.clone()),
                    (
                        Fact::AllowancesTotal,
                        sum_amounts(st.allowances.iter().map(|a| a.amount.as_str())),
                    ),
                    (Fact::Deductions, st.deductions.clone()),
                    (Fact::Net, st.net.clone()),
                    (Fact::Currency, st.currency.clone()),
                ]),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_parses_from_its_sample() {
        let p = content(
            DocumentKind::BuildingPermit,
            &sample(DocumentKind::BuildingPermit),
        )
        .unwrap();
        assert_eq!(p.number, "BP-2026-004512");
        let c = content(
            DocumentKind::CompletionCertificate,
            &sample(DocumentKind::CompletionCertificate),
        )
        .unwrap();
        assert_eq!(c.number, "CC-2026-000871");
        let s = content(
            DocumentKind::SalaryStatement,
            &sample(DocumentKind::SalaryStatement),
        )
        .unwrap();
        assert_eq!(s.lines.len(), 40);
        assert!(
            s.fields
                .iter()
                .any(|f| f.key == "net" && f.value.contains("QAR"))
        );
    }

    #[test]
    fn sanitises_untrusted_fields() {
        let mut v = sample(DocumentKind::BuildingPermit);
        v["owner_name_en"] = Value::from("Mohammed\u{202E} Al-Kuwari");
        let p = content(DocumentKind::BuildingPermit, &v).unwrap();
        let owner = p.fields.iter().find(|f| f.key == "owner_name").unwrap();
        assert!(owner.value.ends_with("Mohammed Al-Kuwari"));
    }

    #[test]
    fn errors_name_the_field() {
        let mut v = sample(DocumentKind::BuildingPermit);
        v.as_object_mut().unwrap().remove("plot_no");
        assert_eq!(
            content(DocumentKind::BuildingPermit, &v).unwrap_err().field,
            "plot_no"
        );
        let mut v = sample(DocumentKind::BuildingPermit);
        v["issued_on"] = Value::from("15/03/2026");
        assert_eq!(
            content(DocumentKind::BuildingPermit, &v).unwrap_err().field,
            "issued_on"
        );
        let mut v = sample(DocumentKind::SalaryStatement);
        v["net"] = Value::from("24,600");
        assert_eq!(
            content(DocumentKind::SalaryStatement, &v)
                .unwrap_err()
                .field,
            "net"
        );
        let mut v = sample(DocumentKind::SalaryStatement);
        v["currency"] = Value::from("USD");
        assert_eq!(
            content(DocumentKind::SalaryStatement, &v)
                .unwrap_err()
                .field,
            "currency"
        );
    }

    #[test]
    fn printed_fields_cover_every_line() {
        let s = content(
            DocumentKind::SalaryStatement,
            &sample(DocumentKind::SalaryStatement),
        )
        .unwrap();
        let f = s.printed_fields();
        assert_eq!(f.len(), s.fields.len() + 40);
    }
}
