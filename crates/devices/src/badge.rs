//! Technician badge reader: RDM6300 125 kHz (EM4100) module, a driver thread and an
//! emulator.
//!
//! # Wire protocol (RDM6300 datasheet)
//! 9600 baud 8N1, reader to host only. One frame per read, repeated while the tag stays in
//! the field: `0x02`, 10 ASCII hex digits (2 for the version/customer byte, 8 for the
//! 32-bit tag), 2 ASCII hex digits of checksum (XOR of the 5 data bytes), `0x03`: 14 bytes.
//! Lower-case hex is accepted.
//!
//! Modelled here: repeats of the same tag within [`DEBOUNCE`] of its last sighting are one
//! badge presentation ([`Debouncer`]); after an absence of [`DEBOUNCE`] it counts again.
//! Tag numbers are credentials: `Debug` and logs show only [`BadgeId::masked`].

use std::time::{Duration, Instant};

use super::passive::{self, FrameParser, ReaderEvent, ReaderHandle};
use super::serial::SerialConfig;

/// Start of a frame.
pub const STX: u8 = 0x02;
/// End of a frame.
pub const ETX: u8 = 0x03;
/// Frame length in bytes.
pub const FRAME_LEN: usize = 14;
/// Repeats of one tag closer than this to its previous sighting are ignored.
pub const DEBOUNCE: Duration = Duration::from_secs(1);

pub use manassa_core::badge::BadgeId;

/// The 14-byte frame the reader sends for badge `id`.
pub fn frame(id: &BadgeId) -> Vec<u8> {
    let bytes = [
        id.version,
        (id.tag >> 24) as u8,
        (id.tag >> 16) as u8,
        (id.tag >> 8) as u8,
        id.tag as u8,
    ];
    let sum = bytes.iter().fold(0, |a, b| a ^ b);
    let mut out = vec![STX];
    out.extend(format!("{}{sum:02X}", id.hex()).bytes());
    out.push(ETX);
    out
}

/// Why a frame was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// 12 characters were not followed by ETX (a byte lost or added).
    #[error("no ETX after 12 characters")]
    MissingEtx,
    /// A character in the frame is not a hex digit.
    #[error("frame has a non-hex character")]
    NotHex,
    /// The checksum does not match.
    #[error("bad checksum")]
    BadChecksum,
}

/// Incremental RDM6300 frame decoder. Bytes before STX are skipped; an STX inside a frame
/// restarts it (hex digits are never 0x02), so a truncated frame followed by a whole one
/// loses only the first; at most 13 bytes are buffered.
#[derive(Debug, Default)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    in_frame: bool,
}

impl FrameDecoder {
    /// An empty decoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Consumes `bytes`; returns every frame they complete.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Result<BadgeId, FrameError>> {
        let mut out = Vec::new();
        for &b in bytes {
            if b == STX {
                self.in_frame = true;
                self.buf.clear();
                continue;
            }
            if !self.in_frame {
                continue;
            }
            if self.buf.len() < 12 {
                self.buf.push(b);
                continue;
            }
            self.in_frame = false;
            out.push(if b == ETX {
                decode(&self.buf)
            } else {
                Err(FrameError::MissingEtx)
            });
            self.buf.clear();
        }
        out
    }

    /// Drops a partial frame; true if there was one.
    pub fn reset(&mut self) -> bool {
        let partial = self.in_frame;
        self.in_frame = false;
        self.buf.clear();
        partial
    }
}

fn decode(chars: &[u8]) -> Result<BadgeId, FrameError> {
    let text = std::str::from_utf8(chars).map_err(|_| FrameError::NotHex)?;
    if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(FrameError::NotHex);
    }
    let byte = |i: usize| u8::from_str_radix(&text[i..i + 2], 16).map_err(|_| FrameError::NotHex);
    let data = [byte(0)?, byte(2)?, byte(4)?, byte(6)?, byte(8)?];
    if data.iter().fold(0, |a, b| a ^ b) != byte(10)? {
        return Err(FrameError::BadChecksum);
    }
    Ok(BadgeId {
        version: data[0],
        tag: u32::from_be_bytes([data[1], data[2], data[3], data[4]]),
    })
}

/// Debounces repeated sightings: a badge counts when it differs from the last one or was
/// last seen [`DEBOUNCE`] or more ago. Every sighting refreshes the time, so a badge held
/// to the reader counts once.
#[derive(Debug, Default)]
pub struct Debouncer {
    last: Option<(BadgeId, Instant)>,
}

impl Debouncer {
    /// Whether a sighting of `id` at `now` is a new presentation.
    pub fn accept(&mut self, id: BadgeId, now: Instant) -> bool {
        let new = match self.last {
            Some((last, at)) => last != id || now.duration_since(at) >= DEBOUNCE,
            None => true,
        };
        self.last = Some((id, now));
        new
    }
}

/// The reader's stream parser: frames, checksum, debounce. Bad frames are reported
/// (a flaky antenna shows up in the log); gaps silently drop a partial frame.
#[derive(Debug, Default)]
pub struct BadgeParser {
    frames: FrameDecoder,
    debounce: Debouncer,
}

impl FrameParser for BadgeParser {
    type Item = BadgeId;
    type Reject = String;

    fn push(&mut self, bytes: &[u8], out: &mut Vec<Result<BadgeId, String>>) {
        let now = Instant::now();
        for r in self.frames.push(bytes) {
            match r {
                Ok(id) => {
                    if self.debounce.accept(id, now) {
                        out.push(Ok(id));
                    }
                }
                Err(e) => out.push(Err(format!("badge frame rejected: {e}"))),
            }
        }
    }

    fn gap(&mut self) -> Option<String> {
        self.frames.reset();
        None
    }
}

/// Events of the badge reader.
pub type BadgeEvent = ReaderEvent<BadgeId>;

/// Starts the badge reader driver on its own thread (see [`passive::spawn`]).
pub fn spawn(cfg: SerialConfig) -> (ReaderHandle, std::sync::mpsc::Receiver<BadgeEvent>) {
    passive::spawn("badge-reader", cfg, BadgeParser::default())
}

/// Interval of an RDM6300's repeats while a tag is held in its field.
pub const REPEAT_INTERVAL: Duration = Duration::from_millis(100);

#[cfg(test)]
mod tests {
    use super::*;

    const ID: BadgeId = BadgeId {
        version: 0x0F,
        tag: 0x00A1_B2C3,
    };

    #[test]
    fn frame_layout_and_checksum() {
        let f = frame(&ID);
        assert_eq!(f.len(), FRAME_LEN);
        // 0F ^ 00 ^ A1 ^ B2 ^ C3 = 0xDF
        assert_eq!(&f[..], b"\x020F00A1B2C3DF\x03");
        assert_eq!(FrameDecoder::new().push(&f), vec![Ok(ID)]);
        let lower = b"\x020f00a1b2c3df\x03";
        assert_eq!(FrameDecoder::new().push(lower), vec![Ok(ID)]);
        assert_eq!(BadgeId::from_hex("0F00A1B2C3").unwrap(), ID);
        assert!(BadgeId::from_hex("0F00A1B2C").is_err());
        assert_eq!(format!("{ID:?}"), "BadgeId(******B2C3)");
    }

    #[test]
    fn decoder_resynchronises() {
        let f = frame(&ID);
        let mut dec = FrameDecoder::new();
        // Split, merged, garbage before.
        let mut got = Vec::new();
        for chunk in [&b"xx\xff"[..], &f[..5], &f[5..], &f, &f[..3]] {
            got.extend(dec.push(chunk));
        }
        assert_eq!(got, vec![Ok(ID), Ok(ID)]);
        assert_eq!(dec.push(&f[3..]), vec![Ok(ID)]);
        // A lost byte: the next STX restarts, the frame after is good.
        let short = [&f[..7], &f[8..]].concat();
        let got = dec.push(&[short, f.clone()].concat());
        assert_eq!(got.last(), Some(&Ok(ID)));
        assert!(got[..got.len() - 1].iter().all(|r| r.is_err()));
        // An extra byte: no ETX where expected.
        let long = [&f[..7], b"7", &f[7..]].concat();
        assert_eq!(dec.push(&long), vec![Err(FrameError::MissingEtx)]);
        // Bad checksum and non-hex.
        let mut bad = f.clone();
        bad[12] = b'0';
        assert_eq!(dec.push(&bad), vec![Err(FrameError::BadChecksum)]);
        let mut nothex = f.clone();
        nothex[3] = b'Z';
        assert_eq!(dec.push(&nothex), vec![Err(FrameError::NotHex)]);
        // Gap.
        assert!(dec.push(&f[..6]).is_empty());
        assert!(dec.reset());
        assert!(dec.push(&f[6..]).is_empty());
    }

    #[test]
    fn debounce_counts_a_held_badge_once() {
        let mut d = Debouncer::default();
        let t0 = Instant::now();
        let other = BadgeId { version: 1, tag: 2 };
        assert!(d.accept(ID, t0));
        for i in 1..20 {
            assert!(!d.accept(ID, t0 + REPEAT_INTERVAL * i), "repeat {i}");
        }
        let last = t0 + REPEAT_INTERVAL * 19;
        assert!(
            d.accept(ID, last + DEBOUNCE),
            "presented again after 1 s away"
        );
        assert!(d.accept(other, last + DEBOUNCE), "another badge at once");
        assert!(d.accept(ID, last + DEBOUNCE), "and back");
    }
}
