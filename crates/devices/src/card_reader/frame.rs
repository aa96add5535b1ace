//! CRT-310 frames: encoding, an incremental decoder and the command set.

use std::fmt;

/// Start of text.
pub const STX: u8 = 0x02;
/// End of text.
pub const ETX: u8 = 0x03;
/// End of transmission: the host cancels a pending reply.
pub const EOT: u8 = 0x04;
/// Enquiry: the host asks for the reply to an acknowledged command.
pub const ENQ: u8 = 0x05;
/// Positive acknowledgement of a command frame.
pub const ACK: u8 = 0x06;
/// Negative acknowledgement: the command frame was rejected (bad BCC, busy, ...).
pub const NAK: u8 = 0x15;

/// Largest TEXT accepted or produced, in bytes; longer frames are rejected so a corrupt
/// length cannot make a parser buffer without bound.
pub const MAX_TEXT_LEN: usize = 512;

/// Negative reply code (E1 E0): undefined command.
pub const ERR_UNDEFINED: [u8; 2] = *b"00";
/// Negative reply code: parameter (PM) not supported.
pub const ERR_PARAMETER: [u8; 2] = *b"01";
/// Negative reply code: command cannot be executed because there is no card.
pub const ERR_NO_CARD: [u8; 2] = *b"02";
/// Negative reply code: the card's data could not be read (blank or damaged card).
pub const ERR_READ: [u8; 2] = *b"60";
/// Negative reply code: a card is jammed in the transport (modelled).
pub const ERR_JAM: [u8; 2] = *b"40";

/// One decoded frame.
#[derive(Clone, PartialEq, Eq)]
pub enum Frame {
    /// Host command: `'C' CM PM DATA`.
    Command {
        /// Command byte.
        cm: u8,
        /// Parameter byte.
        pm: u8,
        /// Command data (empty for every command the kiosk sends).
        data: Vec<u8>,
    },
    /// Positive reply: `'P' CM PM ST1 ST0 DATA`.
    Positive {
        /// Echo of the command byte.
        cm: u8,
        /// Echo of the parameter byte.
        pm: u8,
        /// Card position, see [`CardPosition`].
        st1: u8,
        /// Reserved status byte (`'0'`).
        st0: u8,
        /// Reply data (the card's ID record for the read command).
        data: Vec<u8>,
    },
    /// Negative reply: `'N' CM PM E1 E0`.
    Negative {
        /// Echo of the command byte.
        cm: u8,
        /// Echo of the parameter byte.
        pm: u8,
        /// Error code, high digit.
        e1: u8,
        /// Error code, low digit.
        e0: u8,
    },
}

// Manual Debug: reply data may be a QID, which must not reach logs.
impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = |b: &u8| char::from(*b);
        match self {
            Frame::Command { cm, pm, data } => write!(
                f,
                "Command {{ cm: {:?}, pm: {:?}, data: <{} bytes> }}",
                c(cm),
                c(pm),
                data.len()
            ),
            Frame::Positive {
                cm,
                pm,
                st1,
                st0,
                data,
            } => write!(
                f,
                "Positive {{ cm: {:?}, pm: {:?}, st1: {:?}, st0: {:?}, data: <{} bytes> }}",
                c(cm),
                c(pm),
                c(st1),
                c(st0),
                data.len()
            ),
            Frame::Negative { cm, pm, e1, e0 } => write!(
                f,
                "Negative {{ cm: {:?}, pm: {:?}, e1: {:?}, e0: {:?} }}",
                c(cm),
                c(pm),
                c(e1),
                c(e0)
            ),
        }
    }
}

impl Frame {
    /// A host command frame without data.
    pub fn command(cmd: Command) -> Self {
        let (cm, pm) = cmd.cm_pm();
        Frame::Command {
            cm,
            pm,
            data: Vec::new(),
        }
    }

    /// The TEXT part of the frame.
    fn text(&self) -> Vec<u8> {
        match self {
            Frame::Command { cm, pm, data } => [&[b'C', *cm, *pm][..], data].concat(),
            Frame::Positive {
                cm,
                pm,
                st1,
                st0,
                data,
            } => [&[b'P', *cm, *pm, *st1, *st0][..], data].concat(),
            Frame::Negative { cm, pm, e1, e0 } => vec![b'N', *cm, *pm, *e1, *e0],
        }
    }

    /// Encodes the frame: `STX LENH LENL TEXT ETX BCC`.
    ///
    /// # Errors
    /// [`FrameError::Length`] when TEXT would exceed [`MAX_TEXT_LEN`].
    pub fn encode(&self) -> Result<Vec<u8>, FrameError> {
        let text = self.text();
        if text.len() > MAX_TEXT_LEN {
            return Err(FrameError::Length(text.len()));
        }
        let len = u16::try_from(text.len()).map_err(|_| FrameError::Length(text.len()))?;
        let mut out = Vec::with_capacity(text.len() + 5);
        out.push(STX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&text);
        out.push(ETX);
        out.push(bcc(&out));
        Ok(out)
    }

    /// Parses a TEXT part.
    fn parse_text(text: &[u8]) -> Result<Self, FrameError> {
        match text {
            [b'C', cm, pm, data @ ..] => Ok(Frame::Command {
                cm: *cm,
                pm: *pm,
                data: data.to_vec(),
            }),
            [b'P', cm, pm, st1, st0, data @ ..] => Ok(Frame::Positive {
                cm: *cm,
                pm: *pm,
                st1: *st1,
                st0: *st0,
                data: data.to_vec(),
            }),
            [b'N', cm, pm, e1, e0] => Ok(Frame::Negative {
                cm: *cm,
                pm: *pm,
                e1: *e1,
                e0: *e0,
            }),
            _ => Err(FrameError::BadText),
        }
    }
}

/// XOR of all bytes: the CRT-310 block check character over STX..=ETX.
pub fn bcc(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |acc, b| acc ^ b)
}

/// Why bytes that started with STX were not a frame. The decoder has already resynchronised
/// when it reports one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// LEN is outside 3..=[`MAX_TEXT_LEN`].
    #[error("frame text length {0} outside 3..={MAX_TEXT_LEN}")]
    Length(usize),
    /// The byte after TEXT is not ETX.
    #[error("no ETX where the length says the frame ends")]
    MissingEtx,
    /// The block check character does not match.
    #[error("bad BCC: computed {computed:#04x}, received {received:#04x}")]
    BadBcc {
        /// XOR over STX..=ETX as received.
        computed: u8,
        /// The BCC byte received.
        received: u8,
    },
    /// TEXT is not a well-formed `C`, `P` or `N` text.
    #[error("malformed frame text")]
    BadText,
    /// A frame was still incomplete when a whole valid frame followed it in the stream
    /// (its length byte was corrupted, or it was cut short): it is dropped for the frame.
    #[error("incomplete frame overtaken by the next frame")]
    Overtaken,
}

/// Incremental frame decoder: feed it whatever each read returned.
///
/// Bytes before an STX are skipped (counted in [`FrameDecoder::skipped`]). A bad length, a
/// missing ETX or a bad BCC drops only the STX and the search resumes at the next one, so a
/// real frame behind a corrupted one is still found; a frame whose BCC is right but whose
/// text is malformed is dropped whole. While a frame waits for the bytes its length
/// promises, a complete valid frame starting at a later STX wins at once (a corrupted
/// length byte must not swallow the next frame until the inter-byte timeout). At most `MAX_TEXT_LEN + 5` bytes are ever buffered. After an inter-byte gap the
/// owner should call [`FrameDecoder::reset`] to drop a half frame that will never complete:
/// besides stalling, a truncated short frame followed by its resend can alias into a frame
/// with a valid BCC (LENL `0x03` equals ETX; the XOR BCC is weak).
#[derive(Debug, Default)]
pub struct FrameDecoder {
    pub(super) buf: Vec<u8>,
    skipped: u64,
}

/// Outcome of looking at the buffer from an STX.
enum Step {
    NeedMore,
    Frame(Frame, usize),
    /// The error, the bytes to drop, and where the claimed frame would end (for a frame
    /// whose length was plausible): a valid frame inside that span overtakes it.
    Error(FrameError, usize, Option<usize>),
}

impl FrameDecoder {
    /// An empty decoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `bytes` and returns every frame (or framing error) completed by them, in
    /// order.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Result<Frame, FrameError>> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        loop {
            let start = self
                .buf
                .iter()
                .position(|&b| b == STX)
                .unwrap_or(self.buf.len());
            self.skipped += start as u64;
            self.buf.drain(..start);
            if self.buf.is_empty() {
                break;
            }
            // A valid frame that completes inside the span of a broken or unfinished one
            // overtakes it. The span is bounded by the claimed length, so the outcome is
            // the same however the bytes were split into reads.
            let (step, span) = match self.step_at(0) {
                Step::NeedMore => (Step::NeedMore, self.buf.len()),
                Step::Error(e, used, Some(end)) => (Step::Error(e, used, None), end),
                other => (other, 0),
            };
            if let Some(at) = self.overtaking_frame(span) {
                self.skipped += at as u64;
                self.buf.drain(..at);
                out.push(Err(FrameError::Overtaken));
                continue;
            }
            match step {
                Step::NeedMore => break,
                Step::Frame(frame, used) => {
                    self.buf.drain(..used);
                    out.push(Ok(frame));
                }
                Step::Error(e, used, _) => {
                    self.buf.drain(..used);
                    out.push(Err(e));
                }
            }
        }
        out
    }

    /// The first later STX at which a complete, valid frame lies, ending within `span`
    /// bytes of the buffer's start.
    fn overtaking_frame(&self, span: usize) -> Option<usize> {
        (1..span.min(self.buf.len()))
            .filter(|&i| self.buf[i] == STX)
            .find(|&i| matches!(self.step_at(i), Step::Frame(_, used) if i + used <= span))
    }

    /// Looks for a frame at `buf[at] == STX`.
    fn step_at(&self, at: usize) -> Step {
        let b = &self.buf[at..];
        if b.len() < 3 {
            return Step::NeedMore;
        }
        let len = usize::from(u16::from_be_bytes([b[1], b[2]]));
        if !(3..=MAX_TEXT_LEN).contains(&len) {
            return Step::Error(FrameError::Length(len), 1, None);
        }
        let total = len + 5;
        if b.len() < total {
            return Step::NeedMore;
        }
        if b[3 + len] != ETX {
            return Step::Error(FrameError::MissingEtx, 1, Some(total));
        }
        let computed = bcc(&b[..4 + len]);
        let received = b[4 + len];
        if computed != received {
            // Only the STX: with a corrupted length the "frame" may span a good one.
            return Step::Error(FrameError::BadBcc { computed, received }, 1, Some(total));
        }
        match Frame::parse_text(&b[3..3 + len]) {
            Ok(frame) => Step::Frame(frame, total),
            Err(e) => Step::Error(e, total, None),
        }
    }

    /// True when no partial frame is buffered (single control bytes such as ENQ can then be
    /// interpreted on their own).
    pub fn is_idle(&self) -> bool {
        self.buf.is_empty()
    }

    /// Drops a partial frame, e.g. after an inter-byte gap.
    pub fn reset(&mut self) {
        self.skipped += self.buf.len() as u64;
        self.buf.clear();
    }

    /// Bytes skipped so far while looking for STX (line noise, garbage).
    pub fn skipped(&self) -> u64 {
        self.skipped
    }
}

/// Host commands (CM, PM), modelled on the CRT-310 command set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// `'0' '0'`: initialise; a card inside is moved to the gate.
    Initialise,
    /// `'1' '0'`: status; ST1 is the card position.
    Status,
    /// `'2' '0'`: move the card to the front and hold it at the gate.
    HoldAtFront,
    /// `'2' '9'`: eject the card out of the gate.
    Eject,
    /// `'3' '0'`: accept cards at the entry.
    EnableEntry,
    /// `'3' '1'`: refuse cards at the entry.
    DisableEntry,
    /// `'5' '0'`: capture (retain) the card into the bin.
    Capture,
    /// `'6' '0'`: read the card's ID record; DATA is ASCII.
    Read,
}

impl Command {
    /// The CM and PM bytes.
    pub fn cm_pm(self) -> (u8, u8) {
        match self {
            Command::Initialise => (b'0', b'0'),
            Command::Status => (b'1', b'0'),
            Command::HoldAtFront => (b'2', b'0'),
            Command::Eject => (b'2', b'9'),
            Command::EnableEntry => (b'3', b'0'),
            Command::DisableEntry => (b'3', b'1'),
            Command::Capture => (b'5', b'0'),
            Command::Read => (b'6', b'0'),
        }
    }
}

/// Where the card is, as reported in ST1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardPosition {
    /// `'0'`: no card in the reader.
    NoCard,
    /// `'1'`: card at the gate (the mouth), e.g. after an eject; the user can take it.
    AtGate,
    /// `'2'`: card inside, in the read position.
    Inside,
}

impl CardPosition {
    /// Decodes ST1.
    pub fn from_st1(st1: u8) -> Option<Self> {
        match st1 {
            b'0' => Some(CardPosition::NoCard),
            b'1' => Some(CardPosition::AtGate),
            b'2' => Some(CardPosition::Inside),
            _ => None,
        }
    }

    /// Encodes ST1.
    pub fn st1(self) -> u8 {
        match self {
            CardPosition::NoCard => b'0',
            CardPosition::AtGate => b'1',
            CardPosition::Inside => b'2',
        }
    }

    /// The XFS4IoT media state.
    pub fn media_state(self) -> crate::MediaState {
        match self {
            CardPosition::NoCard => crate::MediaState::NotPresent,
            CardPosition::AtGate => crate::MediaState::Entering,
            CardPosition::Inside => crate::MediaState::Present,
        }
    }
}
