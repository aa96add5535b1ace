//! ID/passport page reader: ICAO 9303 machine readable zones (TD1 ID cards, TD3 passports)
//! in a vendor frame, a driver thread and an emulator.
//!
//! # Vendor frame (ours; full-page readers use similar ones)
//! `STX (0x02)`, the MRZ lines as ASCII separated by `CR (0x0D)` (an LF after a CR is
//! tolerated), `ETX (0x03)`, `LRC`: the XOR of every byte after STX up to and including
//! ETX. A frame is at most [`MAX_FRAME`] bytes between STX and ETX.
//!
//! # MRZ (ICAO Doc 9303, 8th edition, parts 3, 4 and 5)
//! TD3 (part 4): 2 lines of 44; TD1 (part 5): 3 lines of 30; characters `A`–`Z`, `0`–`9`,
//! `<`. Check digits (part 3 §4.9): weights 7-3-1 repeating, `0`–`9` = 0–9, `A`–`Z` =
//! 10–35, `<` = 0, sum modulo 10. Verified: document number (with the TD1 long-number
//! extension into the optional data), date of birth, date of expiry, TD3 personal number
//! (a field of fillers may carry `<` or `0`), and the composite.
//!
//! MRZ data is personal data: [`MrzDocument`]'s `Debug` shows only its format, errors name
//! the field and position, never its content.

use std::fmt;

use super::passive::{self, FrameParser, ReaderEvent, ReaderHandle};
use super::serial::SerialConfig;

/// Start of a frame.
pub const STX: u8 = 0x02;
/// End of the MRZ lines.
pub const ETX: u8 = 0x03;
/// Line separator.
pub const CR: u8 = 0x0D;
/// Largest frame body (between STX and ETX), in bytes.
pub const MAX_FRAME: usize = 128;

/// Why bytes were not a frame. The decoder has resynchronised when it reports one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// More than [`MAX_FRAME`] bytes without ETX.
    #[error("frame longer than {MAX_FRAME} bytes")]
    TooLong,
    /// An STX arrived inside a frame: the first frame was cut short.
    #[error("frame cut short by a new STX")]
    Restarted,
    /// The LRC does not match.
    #[error("bad LRC: computed {computed:#04x}, received {received:#04x}")]
    BadLrc {
        /// XOR over the body and ETX.
        computed: u8,
        /// The LRC byte received.
        received: u8,
    },
    /// The line went quiet in the middle of a frame.
    #[error("frame interrupted (the reader went quiet mid-frame)")]
    Gap,
}

/// Encodes MRZ `lines` in the vendor frame.
pub fn encode_frame(lines: &[&str]) -> Vec<u8> {
    let mut body = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if i > 0 {
            body.push(CR);
        }
        body.extend_from_slice(l.as_bytes());
    }
    body.push(ETX);
    let lrc = body.iter().fold(0, |a, b| a ^ b);
    let mut out = vec![STX];
    out.extend(body);
    out.push(lrc);
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    Body,
    Lrc,
}

/// Incremental frame decoder. Bytes outside frames are skipped (counted); an STX inside a
/// frame restarts it; at most [`MAX_FRAME`] + 1 bytes are buffered.
#[derive(Debug)]
pub struct FrameDecoder {
    state: State,
    body: Vec<u8>,
    skipped: u64,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self {
            state: State::Idle,
            body: Vec::new(),
            skipped: 0,
        }
    }
}

impl FrameDecoder {
    /// An empty decoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Consumes `bytes`; returns every frame's lines (or framing error) they complete.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Result<Vec<String>, FrameError>> {
        let mut out = Vec::new();
        for &b in bytes {
            match self.state {
                State::Idle => {
                    if b == STX {
                        self.state = State::Body;
                        self.body.clear();
                    } else {
                        self.skipped += 1;
                    }
                }
                State::Body => {
                    if b == STX {
                        out.push(Err(FrameError::Restarted));
                        self.body.clear();
                    } else if b == ETX {
                        self.body.push(ETX);
                        self.state = State::Lrc;
                    } else if self.body.len() >= MAX_FRAME {
                        out.push(Err(FrameError::TooLong));
                        self.state = State::Idle;
                        self.body.clear();
                    } else {
                        self.body.push(b);
                    }
                }
                State::Lrc => {
                    let computed = self.body.iter().fold(0, |a, b| a ^ b);
                    self.state = State::Idle;
                    if computed != b {
                        out.push(Err(FrameError::BadLrc {
                            computed,
                            received: b,
                        }));
                    } else {
                        self.body.pop(); // ETX
                        out.push(Ok(split_lines(&self.body)));
                    }
                    self.body.clear();
                }
            }
        }
        out
    }

    /// Drops a partial frame (after an inter-byte gap); true if there was one.
    pub fn reset(&mut self) -> bool {
        let partial = self.state != State::Idle;
        self.state = State::Idle;
        self.body.clear();
        partial
    }

    /// Bytes skipped outside frames so far.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }
}

fn split_lines(body: &[u8]) -> Vec<String> {
    body.split(|&b| b == CR)
        .map(|l| l.strip_prefix(b"\n").unwrap_or(l))
        .filter(|l| !l.is_empty())
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect()
}

/// The two MRZ formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MrzFormat {
    /// ID-1 card: 3 lines of 30 characters.
    Td1,
    /// Passport: 2 lines of 44 characters.
    Td3,
}

/// A field protected by a check digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Document number.
    DocumentNumber,
    /// Date of birth.
    BirthDate,
    /// Date of expiry.
    ExpiryDate,
    /// TD3 personal number (optional data).
    PersonalNumber,
    /// The composite check digit over the whole zone.
    Composite,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::DocumentNumber => "document number",
            Field::BirthDate => "date of birth",
            Field::ExpiryDate => "date of expiry",
            Field::PersonalNumber => "personal number",
            Field::Composite => "composite",
        })
    }
}

/// Why an MRZ was rejected. Messages name fields and positions, never their content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MrzError {
    /// Neither 3 lines of 30 (TD1) nor 2 lines of 44 (TD3).
    #[error("not a TD1 (3×30) or TD3 (2×44) zone: {} line(s) of length {lengths:?}", lengths.len())]
    Shape {
        /// Length of each line received.
        lengths: Vec<usize>,
    },
    /// A character outside `A`–`Z`, `0`–`9`, `<` (1-based line and column).
    #[error("line {line} column {column}: not A–Z, 0–9 or <")]
    BadCharacter {
        /// Line, from 1.
        line: usize,
        /// Column, from 1.
        column: usize,
    },
    /// A check digit position holds something other than a digit.
    #[error("check digit of the {0} is not a digit")]
    CheckNotDigit(Field),
    /// A check digit does not match its field.
    #[error("check digit of the {0} does not match")]
    CheckDigit(Field),
    /// A date that is not YYMMDD with a valid month and day.
    #[error("{0} is not a valid YYMMDD date")]
    BadDate(Field),
    /// The sex field is not `M`, `F`, `X` or `<`.
    #[error("sex field is not M, F, X or <")]
    BadSex,
    /// The document code does not start with a letter, or the long document number
    /// extension of a TD1 is malformed.
    #[error("malformed {0}")]
    Malformed(&'static str),
}

/// A date as written in the MRZ (two-digit year: the century is for the caller to decide).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MrzDate {
    /// Year, 0–99.
    pub yy: u8,
    /// Month, 1–12.
    pub mm: u8,
    /// Day, 1–31.
    pub dd: u8,
}

/// A parsed, fully verified machine readable zone. Fields keep the MRZ's letters with
/// fillers removed (names: `<` between words becomes a space).
#[derive(Clone, PartialEq, Eq)]
pub struct MrzDocument {
    /// TD1 or TD3.
    pub format: MrzFormat,
    /// Document code, e.g. `P`, `ID`, `I`.
    pub document_code: String,
    /// Issuing state or organisation (ICAO 3-letter code).
    pub issuing_state: String,
    /// Document number (TD1 long numbers included whole).
    pub document_number: String,
    /// Primary identifier (surname).
    pub primary_name: String,
    /// Secondary identifier (given names).
    pub secondary_name: String,
    /// Nationality (3-letter code).
    pub nationality: String,
    /// Date of birth.
    pub birth_date: MrzDate,
    /// `M`, `F`, `X`, or `<` (unspecified).
    pub sex: char,
    /// Date of expiry.
    pub expiry_date: MrzDate,
    /// Optional data: TD3 personal number, TD1 optional data 1 and 2 joined by `|`.
    pub optional_data: String,
}

// Manual Debug: MRZ contents are personal data.
impl fmt::Debug for MrzDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MrzDocument {{ format: {:?}, .. }}", self.format)
    }
}

impl MrzDocument {
    /// "TD1 ID card" or "TD3 passport".
    pub fn format_name(&self) -> &'static str {
        match self.format {
            MrzFormat::Td1 => "TD1 ID card",
            MrzFormat::Td3 => "TD3 passport",
        }
    }
}

/// Value of an MRZ character in check digit sums.
fn value(b: u8) -> u32 {
    match b {
        b'0'..=b'9' => u32::from(b - b'0'),
        b'A'..=b'Z' => u32::from(b - b'A') + 10,
        _ => 0,
    }
}

/// The ICAO 9303 check digit of `data` (weights 7, 3, 1; `<` counts 0).
pub fn check_digit(data: &[u8]) -> u8 {
    let sum: u32 = data
        .iter()
        .zip([7, 3, 1].iter().cycle())
        .map(|(&b, &w)| value(b) * w)
        .sum();
    (sum % 10) as u8
}

fn verify(field: Field, data: &[u8], cd: u8) -> Result<(), MrzError> {
    if !cd.is_ascii_digit() {
        return Err(MrzError::CheckNotDigit(field));
    }
    if check_digit(data) != cd - b'0' {
        return Err(MrzError::CheckDigit(field));
    }
    Ok(())
}

fn date(field: Field, s: &[u8]) -> Result<MrzDate, MrzError> {
    if s.len() != 6 || !s.iter().all(u8::is_ascii_digit) {
        return Err(MrzError::BadDate(field));
    }
    let n = |i: usize| (s[i] - b'0') * 10 + (s[i + 1] - b'0');
    let d = MrzDate {
        yy: n(0),
        mm: n(2),
        dd: n(4),
    };
    if !(1..=12).contains(&d.mm) || !(1..=31).contains(&d.dd) {
        return Err(MrzError::BadDate(field));
    }
    Ok(d)
}

fn text(s: &[u8]) -> String {
    String::from_utf8_lossy(s)
        .trim_end_matches('<')
        .replace('<', " ")
        .trim()
        .to_string()
}

/// Splits a name field at the first `<<` into primary and secondary identifiers.
fn names(s: &[u8]) -> (String, String) {
    let field = String::from_utf8_lossy(s);
    match field.split_once("<<") {
        Some((p, rest)) => (text(p.as_bytes()), text(rest.as_bytes())),
        None => (text(s), String::new()),
    }
}

fn sex(b: u8) -> Result<char, MrzError> {
    match b {
        b'M' | b'F' | b'X' | b'<' => Ok(char::from(b)),
        _ => Err(MrzError::BadSex),
    }
}

/// Parses and verifies an MRZ given as its lines (TD1: 3×30, TD3: 2×44).
///
/// # Errors
/// [`MrzError`] naming the first problem found: shape, a bad character, a check digit (in
/// the order document number, birth, expiry, personal number, composite), a date, the sex.
pub fn parse(lines: &[impl AsRef<str>]) -> Result<MrzDocument, MrzError> {
    let lines: Vec<&[u8]> = lines.iter().map(|l| l.as_ref().as_bytes()).collect();
    let lengths: Vec<usize> = lines.iter().map(|l| l.len()).collect();
    let format = match lengths.as_slice() {
        [30, 30, 30] => MrzFormat::Td1,
        [44, 44] => MrzFormat::Td3,
        _ => return Err(MrzError::Shape { lengths }),
    };
    for (i, l) in lines.iter().enumerate() {
        if let Some(c) = l
            .iter()
            .position(|&b| !(b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'<'))
        {
            return Err(MrzError::BadCharacter {
                line: i + 1,
                column: c + 1,
            });
        }
    }
    if !lines[0][0].is_ascii_uppercase() {
        return Err(MrzError::Malformed("document code"));
    }
    match format {
        MrzFormat::Td3 => parse_td3(lines[0], lines[1]),
        MrzFormat::Td1 => parse_td1(lines[0], lines[1], lines[2]),
    }
}

fn parse_td3(l1: &[u8], l2: &[u8]) -> Result<MrzDocument, MrzError> {
    verify(Field::DocumentNumber, &l2[0..9], l2[9])?;
    verify(Field::BirthDate, &l2[13..19], l2[19])?;
    verify(Field::ExpiryDate, &l2[21..27], l2[27])?;
    let personal = &l2[28..42];
    if !(l2[42] == b'<' && personal.iter().all(|&b| b == b'<')) {
        verify(Field::PersonalNumber, personal, l2[42])?;
    }
    let composite = [&l2[0..10], &l2[13..20], &l2[21..43]].concat();
    verify(Field::Composite, &composite, l2[43])?;
    let (primary, secondary) = names(&l1[5..44]);
    Ok(MrzDocument {
        format: MrzFormat::Td3,
        document_code: text(&l1[0..2]),
        issuing_state: text(&l1[2..5]),
        document_number: text(&l2[0..9]),
        primary_name: primary,
        secondary_name: secondary,
        nationality: text(&l2[10..13]),
        birth_date: date(Field::BirthDate, &l2[13..19])?,
        sex: sex(l2[20])?,
        expiry_date: date(Field::ExpiryDate, &l2[21..27])?,
        optional_data: text(personal),
    })
}

fn parse_td1(l1: &[u8], l2: &[u8], l3: &[u8]) -> Result<MrzDocument, MrzError> {
    let (number, optional1) = if l1[14] == b'<' && l1[5..14].iter().all(|&b| b != b'<') {
        // Long document number: the rest and its check digit open optional data 1.
        let ext_len = l1[15..30].iter().take_while(|&&b| b != b'<').count();
        if ext_len < 2 {
            return Err(MrzError::Malformed("long document number"));
        }
        let ext = &l1[15..15 + ext_len];
        let number = [&l1[5..14], &ext[..ext_len - 1]].concat();
        verify(Field::DocumentNumber, &number, ext[ext_len - 1])?;
        (number, &l1[15 + ext_len..30])
    } else {
        verify(Field::DocumentNumber, &l1[5..14], l1[14])?;
        (l1[5..14].to_vec(), &l1[15..30])
    };
    verify(Field::BirthDate, &l2[0..6], l2[6])?;
    verify(Field::ExpiryDate, &l2[8..14], l2[14])?;
    let composite = [&l1[5..30], &l2[0..7], &l2[8..15], &l2[18..29]].concat();
    verify(Field::Composite, &composite, l2[29])?;
    let (primary, secondary) = names(l3);
    let (o1, o2) = (text(optional1), text(&l2[18..29]));
    Ok(MrzDocument {
        format: MrzFormat::Td1,
        document_code: text(&l1[0..2]),
        issuing_state: text(&l1[2..5]),
        document_number: text(&number),
        primary_name: primary,
        secondary_name: secondary,
        nationality: text(&l2[15..18]),
        birth_date: date(Field::BirthDate, &l2[0..6])?,
        sex: sex(l2[7])?,
        expiry_date: date(Field::ExpiryDate, &l2[8..14])?,
        optional_data: if o2.is_empty() {
            o1
        } else {
            format!("{o1}|{o2}")
        },
    })
}

/// Why the MRZ reader rejected what it read: the reader's framing, or the document's MRZ
/// (ICAO 9303 structure and check digits). Neither carries the document's data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MrzReject {
    /// The reader's frame was broken.
    #[error("reader frame rejected: {0}")]
    Frame(FrameError),
    /// The frame was sound but its MRZ is not a valid TD1/TD3 zone.
    #[error("document rejected: {0}")]
    Document(MrzError),
}

/// The reader's stream parser: frames, then MRZ verification.
#[derive(Debug, Default)]
pub struct MrzParser {
    frames: FrameDecoder,
}

impl FrameParser for MrzParser {
    type Item = MrzDocument;
    type Reject = MrzReject;

    fn push(&mut self, bytes: &[u8], out: &mut Vec<Result<MrzDocument, MrzReject>>) {
        for r in self.frames.push(bytes) {
            out.push(match r {
                Ok(lines) => parse(&lines).map_err(MrzReject::Document),
                Err(e) => Err(MrzReject::Frame(e)),
            });
        }
    }

    fn gap(&mut self) -> Option<MrzReject> {
        self.frames
            .reset()
            .then_some(MrzReject::Frame(FrameError::Gap))
    }
}

/// Events of the MRZ reader.
pub type MrzEvent = ReaderEvent<MrzDocument, MrzReject>;

/// Starts the MRZ reader driver on its own thread (see [`passive::spawn`]).
pub fn spawn(cfg: SerialConfig) -> (ReaderHandle, std::sync::mpsc::Receiver<MrzEvent>) {
    passive::spawn("mrz-reader", cfg, MrzParser::default())
}

/// ICAO 9303 part 4 specimen passport (fictional "Utopia"), valid.
pub const SPECIMEN_TD3: [&str; 2] = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
];

/// ICAO 9303 part 5 specimen ID card (fictional "Utopia"), valid.
pub const SPECIMEN_TD1: [&str; 3] = [
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
];

#[cfg(test)]
mod tests;
