//! Qatari ID (QID) structure check and the one-time code length, shared by the session,
//! the kiosk client and the reference server.
//!
//! A QID is 11 ASCII digits: `C YY NNN SSSSS` — century digit (`2` = 1900s, `3` = 2000s),
//! the last two digits of the birth year, a 3-digit nationality code, and a serial. This
//! check only rejects numbers that cannot be a QID; whether the resident exists is the
//! ministry's answer. No variant of [`QidError`] carries any digit of the input, so the
//! error can be logged or shown without leaking the number.

use thiserror::Error;

/// Number of digits in a QID.
pub const QID_LEN: usize = 11;

/// Number of digits of a one-time code.
pub const CODE_LEN: usize = 6;

/// Why a string is not a structurally valid QID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum QidError {
    /// Not exactly [`QID_LEN`] characters long; `len` is the character count found.
    #[error("a QID has 11 digits, got {len} characters")]
    WrongLength {
        /// Characters in the input.
        len: usize,
    },
    /// Contains something other than ASCII digits `0`–`9`.
    #[error("a QID contains only the digits 0-9")]
    NotDigits,
    /// The first (century) digit is neither `2` (1900s) nor `3` (2000s).
    #[error("the first digit of a QID (century) must be 2 or 3")]
    BadCentury,
    /// The birth year (digits 2–3 with the century) lies in the future.
    #[error("the birth year encoded in the QID is in the future")]
    FutureBirthYear,
    /// The nationality code (digits 4–6) is `000`.
    #[error("the nationality code in the QID (digits 4-6) must be 001-999")]
    BadNationality,
}

/// Checks that `s` has the structure of a QID, using the current UTC year for the
/// birth-year plausibility check. See [`validate_qid_at`].
pub fn validate_qid(s: &str) -> Result<(), QidError> {
    validate_qid_at(s, time::OffsetDateTime::now_utc().year())
}

/// Checks that `s` has the structure of a QID, as of the Gregorian year `current_year`.
///
/// Rules: exactly 11 ASCII digits; century digit `2` (born 19YY, any YY) or `3` (born
/// 20YY with 20YY ≤ `current_year`); nationality code (digits 4–6) in `001..=999`.
/// Length is counted in characters so a non-ASCII input reports a sensible length.
pub fn validate_qid_at(s: &str, current_year: i32) -> Result<(), QidError> {
    let len = s.chars().count();
    if len != QID_LEN {
        return Err(QidError::WrongLength { len });
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(QidError::NotDigits);
    }
    let d = s.as_bytes();
    let digit = |i: usize| i32::from(d[i] - b'0');
    let yy = digit(1) * 10 + digit(2);
    let birth_year = match d[0] {
        b'2' => 1900 + yy,
        b'3' => 2000 + yy,
        _ => return Err(QidError::BadCentury),
    };
    if birth_year > current_year {
        return Err(QidError::FutureBirthYear);
    }
    if &s[3..6] == "000" {
        return Err(QidError::BadNationality);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_seeded_and_recent_qids() {
        for qid in ["28463400123", "29035600017", "28163400044", "30063400001"] {
            assert_eq!(validate_qid_at(qid, 2026), Ok(()), "{qid}");
        }
        // Born this very year is still plausible.
        assert_eq!(validate_qid_at("32663400001", 2026), Ok(()));
    }

    #[test]
    fn rejects_wrong_length() {
        assert_eq!(
            validate_qid_at("2846340012", 2026),
            Err(QidError::WrongLength { len: 10 })
        );
        assert_eq!(
            validate_qid_at("284634001234", 2026),
            Err(QidError::WrongLength { len: 12 })
        );
        assert_eq!(
            validate_qid_at("", 2026),
            Err(QidError::WrongLength { len: 0 })
        );
        // Arabic-Indic digits are 11 characters but not ASCII digits.
        assert_eq!(
            validate_qid_at("٢٨٤٦٣٤٠٠١٢٣", 2026),
            Err(QidError::NotDigits)
        );
    }

    #[test]
    fn rejects_non_digits() {
        assert_eq!(
            validate_qid_at("2846340012a", 2026),
            Err(QidError::NotDigits)
        );
        assert_eq!(
            validate_qid_at("28463 00123", 2026),
            Err(QidError::NotDigits)
        );
        assert_eq!(
            validate_qid_at("-2846340012", 2026),
            Err(QidError::NotDigits)
        );
    }

    #[test]
    fn rejects_bad_century() {
        for first in ['0', '1', '4', '9'] {
            let qid = format!("{first}8463400123");
            assert_eq!(
                validate_qid_at(&qid, 2026),
                Err(QidError::BadCentury),
                "{qid}"
            );
        }
    }

    #[test]
    fn rejects_future_birth_year() {
        assert_eq!(
            validate_qid_at("32763400001", 2026),
            Err(QidError::FutureBirthYear)
        );
        assert_eq!(
            validate_qid_at("39963400001", 2026),
            Err(QidError::FutureBirthYear)
        );
        // Any 19YY is in the past.
        assert_eq!(validate_qid_at("29963400001", 2026), Ok(()));
    }

    #[test]
    fn rejects_zero_nationality() {
        assert_eq!(
            validate_qid_at("28400000123", 2026),
            Err(QidError::BadNationality)
        );
        assert_eq!(validate_qid_at("28400100123", 2026), Ok(()));
        assert_eq!(validate_qid_at("28499900123", 2026), Ok(()));
    }

    #[test]
    fn error_messages_never_echo_the_input() {
        let inputs = [
            "2846340012",
            "2846340012a",
            "18463400123",
            "32763400001",
            "28400000123",
        ];
        for input in inputs {
            let err = validate_qid_at(input, 2026).unwrap_err();
            let msg = err.to_string();
            assert!(!msg.contains(&input[..6]), "{msg}");
            assert!(!format!("{err:?}").contains(&input[..6]));
        }
    }

    #[test]
    fn uses_the_real_clock() {
        let next_year = time::OffsetDateTime::now_utc().year() + 1;
        let yy = next_year % 100;
        let qid = format!("3{yy:02}63400001");
        assert_eq!(validate_qid(&qid), Err(QidError::FutureBirthYear));
        assert_eq!(validate_qid("28463400123"), Ok(()));
    }
}
