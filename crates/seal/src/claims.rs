//! What a seal asserts ([`Claims`]), the facts a reader compares with the paper
//! ([`Fact`]), and their CBOR form (RFC 8949) inside the COSE payload.

use coset::cbor::Value;
#[cfg(feature = "sign")]
use unicode_normalization::UnicodeNormalization;

use crate::SealError;

macro_rules! facts {
    ($($(#[doc = $doc:literal])* $variant:ident = $id:literal, $name:literal;)*) => {
        /// A fact a relying party compares with the paper in hand. The number is the key in
        /// the claims' facts map (DESIGN §4, part of the seal's contract and the phone
        /// page's); the name is its JSON and Fluent id (`fact-` + name, `_` as `-`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u8)]
        pub enum Fact {
            $($(#[doc = $doc])* $variant = $id,)*
        }

        impl Fact {
            /// Every fact, in key order.
            pub const ALL: &[Fact] = &[$(Fact::$variant),*];

            /// The CBOR map key.
            pub fn id(self) -> u8 {
                self as u8
            }

            /// The snake-case name (`holder_name_ar`).
            pub fn name(self) -> &'static str {
                match self {
                    $(Fact::$variant => $name,)*
                }
            }

            /// The fact with CBOR key `id`; `None` for a key this verifier does not know.
            pub fn from_id(id: u64) -> Option<Fact> {
                match id {
                    $($id => Some(Fact::$variant),)*
                    _ => None,
                }
            }

            /// The fact named `name` (see [`Fact::name`]).
            pub fn from_name(name: &str) -> Option<Fact> {
                match name {
                    $($name => Some(Fact::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

facts! {
    /// Holder's name in Arabic.
    HolderNameAr = 1, "holder_name_ar";
    /// Holder's name in Latin script.
    HolderNameEn = 2, "holder_name_en";
    /// The last 4 digits of the holder's QID (the rest is never sealed).
    QidLast4 = 3, "qid_last4";
    /// Building permit number (a completion certificate names the permit it completes).
    PermitNo = 10, "permit_no";
    /// Plot number.
    PlotNo = 11, "plot_no";
    /// Zone.
    Zone = 12, "zone";
    /// Municipality, Arabic.
    MunicipalityAr = 13, "municipality_ar";
    /// Municipality, English.
    MunicipalityEn = 14, "municipality_en";
    /// Permitted use, Arabic.
    UseAr = 15, "use_ar";
    /// Permitted use, English.
    UseEn = 16, "use_en";
    /// Number of floors.
    Floors = 17, "floors";
    /// Built area, square metres, one decimal.
    BuiltAreaM2 = 18, "built_area_m2";
    /// Expiry date `YYYY-MM-DD`.
    ExpiresOn = 19, "expires_on";
    /// Completion date `YYYY-MM-DD`.
    CompletedOn = 20, "completed_on";
    /// Final inspection date `YYYY-MM-DD`.
    InspectedOn = 21, "inspected_on";
    /// Employer, Arabic.
    EmployerAr = 30, "employer_ar";
    /// Employer, English.
    EmployerEn = 31, "employer_en";
    /// Pay period `YYYY-MM`.
    Period = 32, "period";
    /// Basic salary, decimal.
    BasicSalary = 33, "basic_salary";
    /// Sum of the allowance lines, decimal.
    AllowancesTotal = 34, "allowances_total";
    /// Total deductions, decimal.
    Deductions = 35, "deductions";
    /// Net pay, decimal.
    Net = 36, "net";
    /// ISO 4217 currency of the amounts.
    Currency = 37, "currency";
}

/// Most facts one seal may carry (a bound on what a hostile seal makes the verifier hold).
pub const MAX_FACTS: usize = 48;

/// What the seal asserts. Text is NFC-normalised before signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// Seal version: 1 (`MNS1:`, no facts, digest over lines) or 2 (`MNS2:`).
    pub version: u8,
    /// Ministry document id.
    pub document_id: String,
    /// Document kind, as the API names it (`building_permit`, ...).
    pub kind: String,
    /// Printed document number, e.g. `BP-2026-004512`.
    pub number: String,
    /// Pseudonymous holder reference: in v2 a keyed hash only the signer can compute
    /// (see `holder_ref`), 32 hex digits; never the QID itself.
    pub holder_ref: String,
    /// Issue date `YYYY-MM-DD`.
    pub issued_on: String,
    /// Date the seal was made, `YYYY-MM-DD` (UTC): the signing key must have been in force
    /// then. A paper issued years ago may be sealed today, when it is printed.
    pub signed_on: String,
    /// SHA-256 of the printed fields (`fields_digest`; v1: `fields_digest_v1`).
    pub digest: [u8; 32],
    /// The facts to compare with the paper, in key order (empty in v1).
    pub facts: Vec<(Fact, String)>,
}

// CBOR map keys (small integers keep the QR small).
const K_VERSION: i64 = 0;
const K_ID: i64 = 1;
const K_KIND: i64 = 2;
const K_NUMBER: i64 = 3;
const K_HOLDER: i64 = 4;
const K_ISSUED: i64 = 5;
const K_DIGEST: i64 = 6;
const K_SIGNED: i64 = 7;
const K_FACTS: i64 = 8;

impl Claims {
    /// The value of `fact`, if sealed.
    pub fn fact(&self, fact: Fact) -> Option<&str> {
        self.facts
            .iter()
            .find(|(f, _)| *f == fact)
            .map(|(_, v)| v.as_str())
    }

    /// The claims as a CBOR map, keys ascending (v2; v1 seals are only read).
    #[cfg(feature = "sign")]
    pub(crate) fn to_cbor(&self) -> Vec<u8> {
        let nfc = |s: &str| Value::Text(s.nfc().collect());
        let mut facts: Vec<&(Fact, String)> = self.facts.iter().collect();
        facts.sort_by_key(|(f, _)| *f);
        let map = Value::Map(vec![
            (Value::from(K_VERSION), Value::from(2)),
            (Value::from(K_ID), nfc(&self.document_id)),
            (Value::from(K_KIND), nfc(&self.kind)),
            (Value::from(K_NUMBER), nfc(&self.number)),
            (Value::from(K_HOLDER), nfc(&self.holder_ref)),
            (Value::from(K_ISSUED), nfc(&self.issued_on)),
            (Value::from(K_DIGEST), Value::Bytes(self.digest.to_vec())),
            (Value::from(K_SIGNED), nfc(&self.signed_on)),
            (
                Value::from(K_FACTS),
                Value::Map(
                    facts
                        .into_iter()
                        .map(|(f, v)| (Value::from(f.id()), nfc(v)))
                        .collect(),
                ),
            ),
        ]);
        let mut out = Vec::new();
        coset::cbor::ser::into_writer(&map, &mut out).expect("CBOR to memory cannot fail");
        out
    }

    /// Read the claims of a seal of `version`. A v1 payload holding v2 keys (a v2 seal
    /// re-labelled `MNS1:` to hide its facts) is refused, as is a v2 payload whose
    /// version key is not 2.
    pub(crate) fn from_cbor(version: u8, bytes: &[u8]) -> Result<Claims, SealError> {
        let v: Value = coset::cbor::de::from_reader(bytes)
            .map_err(|_| SealError::Malformed("claims are not CBOR"))?;
        let Value::Map(entries) = v else {
            return Err(SealError::Malformed("claims are not a map"));
        };
        let get = |k: i64| {
            entries
                .iter()
                .find(|(key, _)| key.as_integer() == Some(k.into()))
                .map(|(_, v)| v)
        };
        let text = |k: i64| match get(k) {
            Some(Value::Text(s)) => Ok(s.clone()),
            _ => Err(SealError::Malformed("a claim is missing or not text")),
        };
        let digest = match get(K_DIGEST) {
            Some(Value::Bytes(b)) if b.len() == 32 => {
                let mut d = [0u8; 32];
                d.copy_from_slice(b);
                d
            }
            _ => return Err(SealError::Malformed("digest claim is missing")),
        };
        let facts = match version {
            1 => {
                if get(K_VERSION).is_some() || get(K_FACTS).is_some() {
                    return Err(SealError::Malformed("a v2 payload under a v1 prefix"));
                }
                Vec::new()
            }
            _ => {
                if get(K_VERSION).and_then(Value::as_integer) != Some(2.into()) {
                    return Err(SealError::Malformed("version claim is not 2"));
                }
                match get(K_FACTS) {
                    Some(Value::Map(m)) => read_facts(m)?,
                    _ => return Err(SealError::Malformed("facts claim is missing")),
                }
            }
        };
        Ok(Claims {
            version,
            document_id: text(K_ID)?,
            kind: text(K_KIND)?,
            number: text(K_NUMBER)?,
            holder_ref: text(K_HOLDER)?,
            issued_on: text(K_ISSUED)?,
            signed_on: text(K_SIGNED)?,
            digest,
            facts,
        })
    }
}

/// The facts map: unsigned keys, text values; keys this verifier does not know are
/// skipped (a newer signer may add facts), a repeated key is refused.
fn read_facts(map: &[(Value, Value)]) -> Result<Vec<(Fact, String)>, SealError> {
    if map.len() > MAX_FACTS {
        return Err(SealError::Malformed("too many facts"));
    }
    let mut out: Vec<(Fact, String)> = Vec::new();
    let mut seen = Vec::new();
    for (k, v) in map {
        let id = k
            .as_integer()
            .and_then(|i| u64::try_from(i).ok())
            .ok_or(SealError::Malformed("a fact key is not a number"))?;
        let Value::Text(text) = v else {
            return Err(SealError::Malformed("a fact is not text"));
        };
        if seen.contains(&id) {
            return Err(SealError::Malformed("a fact is repeated"));
        }
        seen.push(id);
        if let Some(fact) = Fact::from_id(id) {
            out.push((fact, text.clone()));
        }
    }
    out.sort_by_key(|(f, _)| *f);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fact_ids_and_names_round_trip_and_are_unique() {
        let mut ids = std::collections::HashSet::new();
        for &f in Fact::ALL {
            assert!(ids.insert(f.id()), "{f:?} repeats an id");
            assert_eq!(Fact::from_id(f.id().into()), Some(f));
            assert_eq!(Fact::from_name(f.name()), Some(f));
        }
        assert_eq!(Fact::from_id(99), None);
    }

    fn encode(v: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        coset::cbor::ser::into_writer(v, &mut out).unwrap();
        out
    }

    fn base(version: Option<i64>, facts: Option<Value>) -> Value {
        let mut m = vec![
            (Value::from(1), Value::Text("d".into())),
            (Value::from(2), Value::Text("building_permit".into())),
            (Value::from(3), Value::Text("BP-1".into())),
            (Value::from(4), Value::Text("ab".into())),
            (Value::from(5), Value::Text("2026-01-01".into())),
            (Value::from(6), Value::Bytes(vec![0; 32])),
            (Value::from(7), Value::Text("2026-01-02".into())),
        ];
        if let Some(v) = version {
            m.push((Value::from(0), Value::from(v)));
        }
        if let Some(f) = facts {
            m.push((Value::from(8), f));
        }
        Value::Map(m)
    }

    #[test]
    fn a_v2_payload_under_a_v1_prefix_is_refused() {
        let facts = Value::Map(vec![(Value::from(1), Value::Text("x".into()))]);
        let v2 = encode(&base(Some(2), Some(facts)));
        assert!(Claims::from_cbor(2, &v2).is_ok());
        assert!(matches!(
            Claims::from_cbor(1, &v2),
            Err(SealError::Malformed(_))
        ));
        let v1 = encode(&base(None, None));
        assert!(Claims::from_cbor(1, &v1).unwrap().facts.is_empty());
        assert!(
            Claims::from_cbor(2, &v1).is_err(),
            "v2 needs version and facts"
        );
    }

    #[test]
    fn unknown_facts_are_skipped_and_repeated_ones_refused() {
        let facts = Value::Map(vec![
            (Value::from(99), Value::Text("future".into())),
            (Value::from(2), Value::Text("Name".into())),
        ]);
        let c = Claims::from_cbor(2, &encode(&base(Some(2), Some(facts)))).unwrap();
        assert_eq!(c.facts, vec![(Fact::HolderNameEn, "Name".to_string())]);
        let twice = Value::Map(vec![
            (Value::from(2), Value::Text("A".into())),
            (Value::from(2), Value::Text("B".into())),
        ]);
        assert!(Claims::from_cbor(2, &encode(&base(Some(2), Some(twice)))).is_err());
        let not_text = Value::Map(vec![(Value::from(2), Value::from(5))]);
        assert!(Claims::from_cbor(2, &encode(&base(Some(2), Some(not_text)))).is_err());
    }
}
