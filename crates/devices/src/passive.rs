//! Passive serial readers (ID/passport MRZ reader, RDM6300 badge reader, QR/barcode scanner):
//! devices that only talk, one frame or line per document, badge or scan.
//!
//! [`spawn`] runs one on a dedicated OS thread that owns the port: it feeds every read to
//! an incremental [`FrameParser`], tells it about inter-byte gaps (a read timeout with a
//! partial frame buffered), publishes [`ReaderEvent`]s, and on unplug (EOF, hang-up, EIO)
//! reports `noDevice`, closes the port and reopens it with [`Backoff`]. [`SenderEmulator`]
//! is the device side on a pseudo-terminal, shared by the three emulators.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::{self};
use std::time::{Duration, Instant};

use tracing::{info, warn};

use super::DeviceState;
use super::serial::{self, Backoff, SerialConfig, SerialError, WarnLimit};

/// An incremental parser of a reader's byte stream.
pub trait FrameParser: Send + 'static {
    /// What a good frame decodes to.
    type Item: Send + 'static;
    /// Why a frame was rejected: typed, so consumers can act on the reason; its text is
    /// safe to log and show (never the frame's data).
    type Reject: fmt::Display + fmt::Debug + Send + 'static;

    /// Consumes `bytes` (any split) and appends each completed frame, or the reason it was
    /// rejected, to `out`.
    fn push(&mut self, bytes: &[u8], out: &mut Vec<Result<Self::Item, Self::Reject>>);

    /// Called when no byte arrived for a read timeout: a partial frame will never complete
    /// and is dropped. Returns a reason to report, if the device should report it.
    fn gap(&mut self) -> Option<Self::Reject>;
}

/// The events a reader with parser `P` sends.
pub type EventOf<P> = ReaderEvent<<P as FrameParser>::Item, <P as FrameParser>::Reject>;

/// Events of a passive reader.
#[derive(Clone, PartialEq, Eq)]
pub enum ReaderEvent<T, R = String> {
    /// A frame was read and is valid.
    Read(T),
    /// A frame arrived but is not valid; `reason` is safe to log and to show.
    Rejected {
        /// Why, without any of the frame's data (the parser's own type).
        reason: R,
    },
    /// The device state changed: `online` once the port is open, `noDevice` when it is
    /// missing or was unplugged.
    State(DeviceState),
}

impl<T: fmt::Debug, R: fmt::Debug> fmt::Debug for ReaderEvent<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReaderEvent::Read(t) => write!(f, "Read({t:?})"),
            ReaderEvent::Rejected { reason } => write!(f, "Rejected {{ reason: {reason:?} }}"),
            ReaderEvent::State(s) => write!(f, "State({s:?})"),
        }
    }
}

struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Handle to a reader thread. The thread stops when every clone of the handle, or the
/// event receiver, has been dropped.
#[derive(Clone)]
pub struct ReaderHandle {
    _stop: Arc<StopOnDrop>,
    state: Arc<Mutex<Option<DeviceState>>>,
}

impl ReaderHandle {
    /// The last state the thread reported (`None` before the first open attempt ends).
    pub fn state(&self) -> Option<DeviceState> {
        *self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A view of the thread's state that does not keep the thread running (for a status
    /// page that may outlive the reader's owner).
    pub fn watch(&self) -> ReaderState {
        ReaderState(self.state.clone())
    }
}

/// The last state a reader thread reported, without owning the thread (see
/// [`ReaderHandle::watch`]); `None` before its first open attempt ends.
#[derive(Clone)]
pub struct ReaderState(Arc<Mutex<Option<DeviceState>>>);

impl ReaderState {
    /// The last state the thread reported (XFS4IoT device state).
    pub fn get(&self) -> Option<DeviceState> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Starts a reader thread named `name` on `cfg` with `parser`. See the module docs.
///
/// # Panics
/// If the OS cannot create a thread.
pub fn spawn<P: FrameParser>(
    name: &'static str,
    cfg: SerialConfig,
    parser: P,
) -> (ReaderHandle, Receiver<EventOf<P>>) {
    let stop = Arc::new(AtomicBool::new(false));
    let state = Arc::new(Mutex::new(None));
    let (tx, rx) = mpsc::channel();
    let thread = Reader {
        name,
        cfg,
        parser,
        events: tx,
        stop: Arc::clone(&stop),
        state: Arc::clone(&state),
        rejected: WarnLimit::new(5, Duration::from_secs(60)),
    };
    thread::Builder::new()
        .name(name.into())
        .spawn(move || thread.run())
        .expect("cannot spawn a reader thread");
    (
        ReaderHandle {
            _stop: Arc::new(StopOnDrop(stop)),
            state,
        },
        rx,
    )
}

struct Reader<P: FrameParser> {
    name: &'static str,
    cfg: SerialConfig,
    parser: P,
    events: Sender<EventOf<P>>,
    stop: Arc<AtomicBool>,
    state: Arc<Mutex<Option<DeviceState>>>,
    /// A device sending garbage must not fill the log.
    rejected: WarnLimit,
}

/// Why a connected session ended.
enum Exit {
    Stop,
    Lost(String),
}

impl<P: FrameParser> Reader<P> {
    fn run(mut self) {
        info!(device = self.name, path = %self.cfg.path.display(), "reader started");
        let mut backoff = Backoff::new();
        loop {
            let exit = match serial::open(&self.cfg) {
                Ok(mut port) => self.serve(port.as_mut(), &mut backoff),
                Err(e) => Exit::Lost(e.to_string()),
            };
            match exit {
                Exit::Stop => break,
                Exit::Lost(reason) => {
                    if *self.state.lock().unwrap_or_else(|p| p.into_inner())
                        != Some(DeviceState::NoDevice)
                    {
                        warn!(device = self.name, %reason, "reader unavailable");
                    }
                    let _ = self.parser.gap();
                    if self.set_state(DeviceState::NoDevice).is_err() {
                        break;
                    }
                    let until = Instant::now() + backoff.next_delay();
                    while Instant::now() < until {
                        if self.stop.load(Ordering::Relaxed) {
                            return;
                        }
                        thread::sleep(Duration::from_millis(20));
                    }
                }
            }
        }
        info!(device = self.name, "reader stopped");
    }

    fn serve(&mut self, port: &mut dyn serialport::SerialPort, backoff: &mut Backoff) -> Exit {
        if self.set_state(DeviceState::Online).is_err() {
            return Exit::Stop;
        }
        let mut buf = [0u8; 512];
        let mut out = Vec::new();
        loop {
            if self.stop.load(Ordering::Relaxed) {
                return Exit::Stop;
            }
            match serial::read_some(port, &mut buf) {
                Ok(n) => {
                    backoff.reset();
                    self.parser.push(&buf[..n], &mut out);
                }
                Err(SerialError::Timeout) => {
                    backoff.reset();
                    if let Some(reason) = self.parser.gap() {
                        out.push(Err(reason));
                    }
                }
                Err(e) => return Exit::Lost(e.to_string()),
            }
            for r in out.drain(..) {
                let ev = match r {
                    Ok(item) => ReaderEvent::Read(item),
                    Err(reason) => {
                        if let Some(suppressed) = self.rejected.allow(Instant::now()) {
                            warn!(device = self.name, reason = %reason, suppressed, "frame rejected");
                        }
                        ReaderEvent::Rejected { reason }
                    }
                };
                if self.events.send(ev).is_err() {
                    return Exit::Stop;
                }
            }
        }
    }

    fn set_state(&mut self, s: DeviceState) -> Result<(), ()> {
        let mut cur = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if *cur == Some(s) {
            return Ok(());
        }
        *cur = Some(s);
        drop(cur);
        info!(device = self.name, state = ?s, "reader state");
        self.events.send(ReaderEvent::State(s)).map_err(|_| ())
    }
}
