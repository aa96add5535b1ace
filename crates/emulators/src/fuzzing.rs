//! Entry points for fuzzing the device parsers, shared by the cargo-fuzz targets in
//! `fuzz/` and the randomized test in `tests/devices/fuzz.rs` (which runs on stable in the
//! normal suite).
//!
//! Each takes arbitrary bytes and panics only on a bug: besides not crashing, every
//! incremental decoder must give the same result whether the input arrives whole or split
//! into reads (the split is derived from the input), and must keep its buffer bounded.

use crate::escpos;
use manassa_devices::escpos::{PrinterStatus, StatusRequest};
use manassa_devices::{badge, card_reader, mrz, scanner};

/// Read sizes derived from the input: 1..=8 bytes, cycling.
fn chunks(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let step = data.first().map_or(1, |b| usize::from(b % 8) + 1);
    data.chunks(step)
}

/// `DLE EOT` status replies: parsing never panics; a parsed state round-trips through the
/// replies a printer would send.
pub fn printer_status(data: &[u8]) {
    for t in data.chunks(3) {
        let [a, b, c] = [t[0], *t.get(1).unwrap_or(&0x12), *t.get(2).unwrap_or(&0x12)];
        if let Ok(s) = PrinterStatus::parse(a, b, c) {
            let again = PrinterStatus::parse(
                s.reply(StatusRequest::Printer),
                s.reply(StatusRequest::OfflineCause),
                s.reply(StatusRequest::PaperSensor),
            )
            .expect("replies carry the fixed bits");
            assert_eq!(again.paper, s.paper);
            assert_eq!(again.cover_open, s.cover_open);
        }
    }
}

/// The ESC/POS stream decoder (the printer emulator's): split invariance and a bounded
/// pending buffer.
pub fn escpos_stream(data: &[u8]) {
    let whole = escpos::decode_stream(data, 576);
    let mut dec = escpos::StreamDecoder::new(576);
    let mut jobs = Vec::new();
    for c in chunks(data) {
        jobs.extend(dec.push(c, &mut AlwaysReady).jobs);
        // One raster strip (256 × 4095 + 8) or GS ( block (7092 + 5) at most.
        assert!(dec.pending() <= 256 * 4095 + 8);
    }
    jobs.extend(dec.finish());
    assert_eq!(whole.len(), jobs.len());
    for (a, b) in whole.iter().zip(&jobs) {
        assert_eq!(a, b);
    }
}

struct AlwaysReady;

impl escpos::PrinterModel for AlwaysReady {
    fn status(&self) -> PrinterStatus {
        PrinterStatus {
            online: true,
            cover_open: false,
            paper: manassa_devices::PaperState::Full,
        }
    }
}

/// The CRT-310 frame decoder: split invariance; frames it accepts re-encode to bytes that
/// decode to the same frame.
pub fn crt310_frames(data: &[u8]) {
    let whole = card_reader::FrameDecoder::new().push(data);
    let mut dec = card_reader::FrameDecoder::new();
    let mut split = Vec::new();
    for c in chunks(data) {
        split.extend(dec.push(c));
    }
    assert_eq!(whole, split);
    for f in whole.into_iter().flatten() {
        let bytes = f.encode().expect("a decoded frame fits");
        assert_eq!(card_reader::FrameDecoder::new().push(&bytes), vec![Ok(f)]);
    }
}

/// The MRZ reader: frame decoder split invariance, bounded buffer, and the MRZ parser on
/// whatever lines come out (and on the raw input cut into lines).
pub fn mrz_frames(data: &[u8]) {
    let whole = mrz::FrameDecoder::new().push(data);
    let mut dec = mrz::FrameDecoder::new();
    let mut split = Vec::new();
    for c in chunks(data) {
        split.extend(dec.push(c));
    }
    assert_eq!(whole, split);
    for lines in whole.into_iter().flatten() {
        let _ = mrz::parse(&lines);
    }
    let text = String::from_utf8_lossy(data);
    let lines: Vec<&str> = text.split('\n').collect();
    if let Ok(doc) = mrz::parse(&lines) {
        assert!(matches!(
            doc.format,
            mrz::MrzFormat::Td1 | mrz::MrzFormat::Td3
        ));
    }
}

/// The RDM6300 decoder: split invariance; accepted frames re-encode identically (modulo
/// hex case).
pub fn rdm6300(data: &[u8]) {
    let whole = badge::FrameDecoder::new().push(data);
    let mut dec = badge::FrameDecoder::new();
    let mut split = Vec::new();
    for c in chunks(data) {
        split.extend(dec.push(c));
    }
    assert_eq!(whole, split);
    for id in whole.into_iter().flatten() {
        assert_eq!(
            badge::FrameDecoder::new().push(&badge::frame(&id)),
            vec![Ok(id)]
        );
    }
}

/// The scanner's line decoder: split invariance, lines within the bound, no control
/// characters passed on.
pub fn scanner_lines(data: &[u8]) {
    let term = match data.first().map_or(0, |b| b % 3) {
        0 => scanner::Terminator::Cr,
        1 => scanner::Terminator::Lf,
        _ => scanner::Terminator::CrLf,
    };
    let whole = scanner::LineDecoder::new(term, 64).push(data);
    let mut dec = scanner::LineDecoder::new(term, 64);
    let mut split = Vec::new();
    for c in chunks(data) {
        split.extend(dec.push(c));
    }
    assert_eq!(whole, split);
    for line in whole.into_iter().flatten() {
        assert!(line.len() <= 64 && !line.is_empty());
        assert!(!line.chars().any(char::is_control));
    }
}
