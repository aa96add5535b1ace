//! The card reader's device thread: handshake, retries, polling and card movements.

use std::convert::Infallible;
use std::fmt;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::{self};
use std::time::{Duration, Instant};

use serialport::{ClearBuffer, SerialPort};
use tracing::{debug, info, warn};

use super::frame::*;
use crate::DeviceState;
use crate::serial::{self, Backoff, SerialConfig, SerialError};

/// A card left at the gate this long after an eject is captured ([`spawn`]'s default).
pub const FORGOTTEN_CARD_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the host waits for ACK/NAK after a command frame.
pub const ACK_TIMEOUT: Duration = Duration::from_millis(500);
/// How long the host waits for the reply frame after ENQ (card movements take ~1 s).
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(3);
/// Attempts per command before the reader is considered gone.
pub const ATTEMPTS: u32 = 3;
/// Interval between status polls.
pub const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// Events from the card reader thread.
#[derive(Clone, PartialEq, Eq)]
pub enum CardEvent {
    /// A card was taken in and read. `card_data` is its ID record (ASCII; a QID for Qatar
    /// ID cards): personal data, never log it.
    Inserted {
        /// The card's ID record.
        card_data: String,
    },
    /// A card that was in or at the reader has been taken away.
    Removed,
    /// A card was taken in but could not be read, or its data is not printable ASCII. The
    /// card stays inside: the session decides (normally [`CardReaderHandle::eject`]).
    Invalid {
        /// Why, without any card data.
        reason: String,
    },
    /// The card was captured into the bin, after [`CardReaderHandle::capture`] or because
    /// it was left at the gate past the forgotten-card timeout.
    Retained,
    /// A card is jammed in the transport (XFS4IoT media `jammed`); the device state goes to
    /// `hardwareError` until the jam is cleared.
    Jammed,
    /// The device state changed (`online` after initialisation, `noDevice` when the port
    /// is gone or the reader does not answer, `hardwareError` on a rejected status query).
    State(DeviceState),
}

// Manual Debug: never print card data.
impl fmt::Debug for CardEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CardEvent::Inserted { card_data } => {
                write!(f, "Inserted {{ card_data: <{} bytes> }}", card_data.len())
            }
            CardEvent::Removed => f.write_str("Removed"),
            CardEvent::Invalid { reason } => write!(f, "Invalid {{ reason: {reason:?} }}"),
            CardEvent::Retained => f.write_str("Retained"),
            CardEvent::Jammed => f.write_str("Jammed"),
            CardEvent::State(s) => write!(f, "State({s:?})"),
        }
    }
}

/// Requests to the card reader thread.
#[derive(Debug, Clone, Copy)]
enum Request {
    Eject,
    Capture,
    EnableEntry(bool),
    Shutdown,
}

/// Handle to the card reader thread. Cheap to clone; the thread stops when every handle
/// or the event receiver is dropped, or at [`CardReaderHandle::shutdown`]. Results show up as [`CardEvent`]s.
#[derive(Debug, Clone)]
pub struct CardReaderHandle {
    tx: Sender<Request>,
}

impl CardReaderHandle {
    /// Moves the card to the gate and holds it there for the user to take
    /// ([`Command::HoldAtFront`]: a held card can still be captured if forgotten).
    /// [`CardEvent::Removed`] follows when it is taken.
    pub fn eject(&self) {
        self.send(Request::Eject);
    }

    /// Captures the card into the bin (a forgotten card). [`CardEvent::Retained`] follows.
    pub fn capture(&self) {
        self.send(Request::Capture);
    }

    /// Accepts (`true`) or refuses new cards at the entry. Remembered across reconnects.
    pub fn enable_entry(&self, enable: bool) {
        self.send(Request::EnableEntry(enable));
    }

    /// Stops the driver thread and closes the port now, whatever other handles still
    /// exist (the kiosk is going away; a thread left reconnecting would open whatever
    /// device the OS gives the path next). Later requests are dropped with a warning.
    pub fn shutdown(&self) {
        let _ = self.tx.send(Request::Shutdown);
    }

    fn send(&self, req: Request) {
        if self.tx.send(req).is_err() {
            warn!(?req, "card reader thread has stopped; request dropped");
        }
    }
}

/// Starts the card reader driver on a dedicated OS thread that owns the port.
///
/// The thread opens `cfg.path`, initialises the reader ([`Command::Initialise`], which
/// moves a card left inside to the gate), enables entry, reports
/// `State(Online)` and polls the status every [`POLL_INTERVAL`]. When a card arrives inside
/// it reads it and reports [`CardEvent::Inserted`] or [`CardEvent::Invalid`]. When the port
/// disappears or the reader stops answering it reports `State(NoDevice)`, closes the port
/// and reopens it after 250 ms, doubling up to 5 s.
///
/// # Panics
/// If the OS cannot create a thread.
pub fn spawn(cfg: SerialConfig) -> (CardReaderHandle, Receiver<CardEvent>) {
    spawn_with(cfg, Some(FORGOTTEN_CARD_TIMEOUT))
}

/// As [`spawn`], with the forgotten-card policy: a card that stays at the gate for
/// `capture_after` (after an eject, or found there at start-up) is captured and
/// [`CardEvent::Retained`] reported; `None` never captures on its own.
///
/// # Panics
/// If the OS cannot create a thread.
pub fn spawn_with(
    cfg: SerialConfig,
    capture_after: Option<Duration>,
) -> (CardReaderHandle, Receiver<CardEvent>) {
    let (tx, requests) = mpsc::channel();
    let (events, rx) = mpsc::channel();
    let driver = Driver {
        cfg,
        requests,
        events,
        state: None,
        position: CardPosition::NoCard,
        entry_enabled: true,
        capture_after,
        at_gate_since: None,
    };
    thread::Builder::new()
        .name("card-reader".into())
        .spawn(move || driver.run())
        .expect("cannot spawn the card reader thread");
    (CardReaderHandle { tx }, rx)
}

/// Why the driver left a connected session.
enum Exit {
    /// Every handle or the event receiver was dropped.
    Shutdown,
    /// The port or the reader went away.
    Lost(String),
}

/// Why one command exchange failed.
#[derive(Debug, thiserror::Error)]
enum ExchangeError {
    #[error(transparent)]
    Serial(#[from] SerialError),
    #[error("no valid reply after {ATTEMPTS} attempts")]
    NoResponse,
}

impl From<ExchangeError> for Exit {
    fn from(e: ExchangeError) -> Self {
        Exit::Lost(e.to_string())
    }
}

/// A reply to a command, with the handshake done.
#[derive(Debug)]
enum Reply {
    Positive { st1: u8, data: Vec<u8> },
    Negative { code: [u8; 2] },
}

/// An open port to a reader, speaking the host side of the handshake.
struct Link {
    port: Box<dyn SerialPort>,
    decoder: FrameDecoder,
}

impl Link {
    /// Sends `cmd` and returns its reply, trying up to [`ATTEMPTS`] times on NAK, timeout
    /// or a malformed reply.
    fn exchange(&mut self, cmd: Command) -> Result<Reply, ExchangeError> {
        let frame = Frame::command(cmd)
            .encode()
            .expect("command frames are short");
        let (cm, pm) = cmd.cm_pm();
        for attempt in 1..=ATTEMPTS {
            // Stale bytes (late replies, noise) must not be taken for this reply.
            let _ = self.port.clear(ClearBuffer::Input);
            serial::write_all(self.port.as_mut(), &frame)?;
            match self.wait_ack()? {
                Some(ACK) => {}
                other => {
                    debug!(
                        ?cmd,
                        attempt,
                        nak = other.is_some(),
                        "command not acknowledged"
                    );
                    continue;
                }
            }
            serial::write_all(self.port.as_mut(), &[ENQ])?;
            match self.wait_reply()? {
                Some(Frame::Positive {
                    cm: rcm,
                    pm: rpm,
                    st1,
                    data,
                    ..
                }) if (rcm, rpm) == (cm, pm) => return Ok(Reply::Positive { st1, data }),
                Some(Frame::Negative {
                    cm: rcm,
                    pm: rpm,
                    e1,
                    e0,
                }) if (rcm, rpm) == (cm, pm) => return Ok(Reply::Negative { code: [e1, e0] }),
                other => debug!(?cmd, attempt, reply = ?other, "no matching reply"),
            }
        }
        Err(ExchangeError::NoResponse)
    }

    /// Waits for ACK or NAK; other bytes are noise. `None` on timeout.
    fn wait_ack(&mut self) -> Result<Option<u8>, SerialError> {
        let deadline = Instant::now() + ACK_TIMEOUT;
        let mut buf = [0u8; 64];
        while Instant::now() < deadline {
            match serial::read_some(self.port.as_mut(), &mut buf) {
                Ok(n) => {
                    if let Some(&b) = buf[..n].iter().find(|&&b| b == ACK || b == NAK) {
                        return Ok(Some(b));
                    }
                }
                Err(e) if e.is_timeout() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }

    /// Waits for the first complete reply frame. `None` on timeout or a framing error.
    fn wait_reply(&mut self) -> Result<Option<Frame>, SerialError> {
        self.decoder.reset();
        let deadline = Instant::now() + REPLY_TIMEOUT;
        let mut buf = [0u8; 256];
        while Instant::now() < deadline {
            match serial::read_some(self.port.as_mut(), &mut buf) {
                Ok(n) => {
                    if let Some(result) = self.decoder.push(&buf[..n]).into_iter().next() {
                        return Ok(result
                            .inspect_err(|e| debug!(error = %e, "bad reply frame"))
                            .ok());
                    }
                }
                Err(e) if e.is_timeout() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }
}

/// State owned by the driver thread.
struct Driver {
    cfg: SerialConfig,
    requests: Receiver<Request>,
    events: Sender<CardEvent>,
    /// Last reported state, `None` before the first report.
    state: Option<DeviceState>,
    /// Last known card position.
    position: CardPosition,
    /// Wanted entry setting, re-applied after every (re)connect.
    entry_enabled: bool,
    /// Forgotten-card timeout.
    capture_after: Option<Duration>,
    /// Since when the card has been waiting at the gate.
    at_gate_since: Option<Instant>,
}

impl Driver {
    fn run(mut self) {
        let mut backoff = Backoff::new();
        info!(path = %self.cfg.path.display(), "card reader driver started");
        loop {
            let exit = match serial::open(&self.cfg) {
                Ok(port) => {
                    let mut link = Link {
                        port,
                        decoder: FrameDecoder::new(),
                    };
                    match self.serve(&mut link, &mut backoff) {
                        Ok(never) => match never {},
                        Err(exit) => exit,
                    }
                }
                Err(e) => Exit::Lost(e.to_string()),
            };
            match exit {
                Exit::Shutdown => break,
                Exit::Lost(reason) => {
                    if self.state != Some(DeviceState::NoDevice) {
                        warn!(%reason, "card reader unavailable");
                    }
                    if self.set_state(DeviceState::NoDevice).is_err()
                        || self.idle(backoff.next_delay()).is_err()
                    {
                        break;
                    }
                }
            }
        }
        info!("card reader driver stopped");
    }

    /// Runs a connected session until the link is lost or the driver shuts down.
    fn serve(&mut self, link: &mut Link, backoff: &mut Backoff) -> Result<Infallible, Exit> {
        match link.exchange(Command::Initialise)? {
            Reply::Positive { st1, .. } => self.observe(link, st1)?,
            Reply::Negative { code } => {
                // A reader that refuses to initialise is not usable; retry with backoff.
                self.set_state(DeviceState::HardwareError)?;
                return Err(Exit::Lost(format!(
                    "initialise refused with error {}",
                    String::from_utf8_lossy(&code)
                )));
            }
        }
        self.apply_entry(link)?;
        backoff.reset();
        self.set_state(DeviceState::Online)?;
        loop {
            match link.exchange(Command::Status)? {
                Reply::Positive { st1, .. } => {
                    self.set_state(DeviceState::Online)?;
                    self.observe(link, st1)?;
                    self.capture_if_forgotten(link)?;
                }
                Reply::Negative { code } if code == ERR_JAM => {
                    if self.state != Some(DeviceState::HardwareError) {
                        warn!("card jammed in the reader");
                        self.emit(CardEvent::Jammed)?;
                    }
                    self.set_state(DeviceState::HardwareError)?;
                }
                Reply::Negative { code } => {
                    warn!(code = %String::from_utf8_lossy(&code), "status refused");
                    self.set_state(DeviceState::HardwareError)?;
                }
            }
            let next_poll = Instant::now() + POLL_INTERVAL;
            loop {
                let left = next_poll.saturating_duration_since(Instant::now());
                match self.requests.recv_timeout(left) {
                    Ok(req) => self.handle(link, req)?,
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return Err(Exit::Shutdown),
                }
            }
        }
    }

    /// Captures a card left at the gate longer than the forgotten-card timeout.
    fn capture_if_forgotten(&mut self, link: &mut Link) -> Result<(), Exit> {
        if self.position != CardPosition::AtGate {
            self.at_gate_since = None;
            return Ok(());
        }
        let since = *self.at_gate_since.get_or_insert_with(Instant::now);
        let Some(after) = self.capture_after else {
            return Ok(());
        };
        if since.elapsed() < after {
            return Ok(());
        }
        info!("card forgotten at the gate: capturing it");
        self.at_gate_since = None;
        self.handle(link, Request::Capture)
    }

    /// Waits `delay` while disconnected, remembering entry requests.
    fn idle(&mut self, delay: Duration) -> Result<(), Exit> {
        let until = Instant::now() + delay;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.requests.recv_timeout(left) {
                Ok(Request::EnableEntry(on)) => self.entry_enabled = on,
                Ok(Request::Shutdown) => return Err(Exit::Shutdown),
                Ok(req) => warn!(?req, "card reader not connected; request dropped"),
                Err(RecvTimeoutError::Timeout) => return Ok(()),
                Err(RecvTimeoutError::Disconnected) => return Err(Exit::Shutdown),
            }
        }
    }

    fn handle(&mut self, link: &mut Link, req: Request) -> Result<(), Exit> {
        let cmd = match req {
            Request::Eject => Command::HoldAtFront,
            Request::Capture => Command::Capture,
            Request::EnableEntry(on) => {
                self.entry_enabled = on;
                return self.apply_entry(link);
            }
            Request::Shutdown => return Err(Exit::Shutdown),
        };
        match link.exchange(cmd)? {
            Reply::Positive { st1, .. } => {
                if cmd == Command::Capture {
                    // The card went to the bin, not to the user: no Removed event.
                    self.position = CardPosition::NoCard;
                    self.emit(CardEvent::Retained)?;
                }
                self.observe(link, st1)
            }
            Reply::Negative { code } => {
                warn!(?cmd, code = %String::from_utf8_lossy(&code), "card reader refused command");
                Ok(())
            }
        }
    }

    fn apply_entry(&mut self, link: &mut Link) -> Result<(), Exit> {
        let cmd = if self.entry_enabled {
            Command::EnableEntry
        } else {
            Command::DisableEntry
        };
        if let Reply::Negative { code } = link.exchange(cmd)? {
            warn!(?cmd, code = %String::from_utf8_lossy(&code), "card reader refused entry setting");
        }
        Ok(())
    }

    /// Acts on a reported card position: read a card that just arrived inside, report a
    /// card that was taken away.
    fn observe(&mut self, link: &mut Link, st1: u8) -> Result<(), Exit> {
        let Some(new) = CardPosition::from_st1(st1) else {
            warn!(st1, "unknown card position in reply");
            return Ok(());
        };
        let old = std::mem::replace(&mut self.position, new);
        match (old, new) {
            (CardPosition::NoCard | CardPosition::AtGate, CardPosition::Inside) => {
                self.read_card(link)
            }
            (CardPosition::AtGate | CardPosition::Inside, CardPosition::NoCard) => {
                info!("card removed");
                self.emit(CardEvent::Removed)
            }
            _ => Ok(()),
        }
    }

    fn read_card(&mut self, link: &mut Link) -> Result<(), Exit> {
        let event = match link.exchange(Command::Read)? {
            Reply::Positive { data, .. } => match validate_card_data(data) {
                Ok(card_data) => {
                    info!(len = card_data.len(), "card read");
                    CardEvent::Inserted { card_data }
                }
                Err(reason) => {
                    warn!(%reason, "card data rejected");
                    CardEvent::Invalid { reason }
                }
            },
            Reply::Negative { code } => {
                let reason = format!(
                    "card unreadable (reader error {})",
                    String::from_utf8_lossy(&code)
                );
                warn!(%reason, "card read failed");
                CardEvent::Invalid { reason }
            }
        };
        self.emit(event)
    }

    fn set_state(&mut self, state: DeviceState) -> Result<(), Exit> {
        if self.state == Some(state) {
            return Ok(());
        }
        self.state = Some(state);
        info!(?state, "card reader state");
        self.emit(CardEvent::State(state))
    }

    fn emit(&self, event: CardEvent) -> Result<(), Exit> {
        self.events.send(event).map_err(|_| Exit::Shutdown)
    }
}

/// Opens the reader briefly and asks its status (for `manassa device list`). Does not
/// initialise it, so a card inside stays where it is.
///
/// # Errors
/// A technician-readable reason: the port cannot be opened, or no valid reply.
pub fn probe(cfg: &SerialConfig) -> Result<CardPosition, String> {
    let port = serial::open(cfg).map_err(|e| e.to_string())?;
    let mut link = Link {
        port,
        decoder: FrameDecoder::new(),
    };
    match link.exchange(Command::Status).map_err(|e| e.to_string())? {
        Reply::Positive { st1, .. } => {
            CardPosition::from_st1(st1).ok_or_else(|| "unknown card position in reply".into())
        }
        Reply::Negative { code } => Err(format!(
            "status refused with error {}",
            String::from_utf8_lossy(&code)
        )),
    }
}

/// `manassa device test card-reader`: initialises the reader, enables entry, waits up to
/// `wait` for a card, reads it (printing only its length), and ejects it to the gate.
///
/// # Errors
/// When the reader cannot be opened, refuses a command, or no card arrives in time.
pub fn self_test(cfg: &SerialConfig, wait: Duration) -> anyhow::Result<()> {
    let port = serial::open(cfg)?;
    let mut link = Link {
        port,
        decoder: FrameDecoder::new(),
    };
    let mut run = |cmd: Command| -> anyhow::Result<Reply> {
        let r = link.exchange(cmd)?;
        if let Reply::Negative { code } = &r
            && cmd != Command::Read
        {
            anyhow::bail!(
                "{cmd:?} refused with error {}",
                String::from_utf8_lossy(code)
            );
        }
        println!("{cmd:?}: ok");
        Ok(r)
    };
    run(Command::Initialise)?;
    run(Command::EnableEntry)?;
    println!("insert a card…");
    let deadline = Instant::now() + wait;
    loop {
        if let Reply::Positive { st1, .. } = run(Command::Status)?
            && CardPosition::from_st1(st1) == Some(CardPosition::Inside)
        {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "no card within {} s",
            wait.as_secs()
        );
        thread::sleep(POLL_INTERVAL);
    }
    match run(Command::Read)? {
        Reply::Positive { data, .. } => match validate_card_data(data) {
            Ok(d) => println!("card read: {} characters", d.len()),
            Err(reason) => println!("card rejected: {reason}"),
        },
        Reply::Negative { code } => {
            println!("card unreadable (error {})", String::from_utf8_lossy(&code));
        }
    }
    run(Command::DisableEntry)?;
    run(Command::HoldAtFront)?;
    println!("card at the gate: take it");
    Ok(())
}

/// Card data must be non-empty printable ASCII; the reason never contains the data.
fn validate_card_data(data: Vec<u8>) -> Result<String, String> {
    if data.is_empty() {
        return Err("card has no ID record".into());
    }
    if !data.iter().all(|b| (0x20..=0x7e).contains(b)) {
        return Err(format!(
            "card ID record is not printable ASCII ({} bytes)",
            data.len()
        ));
    }
    String::from_utf8(data).map_err(|_| "card ID record is not ASCII".into())
}
