//! Serial transport shared by every serial driver and emulator.
//!
//! Drivers open their port with [`open`], write with [`write_chunked`] and read with
//! [`read_some`], which sort OS errors into the three cases a driver acts on:
//! [`SerialError::Timeout`] (nothing arrived yet, try again), [`SerialError::Unplugged`]
//! (report `noDevice`, close the port and reopen it after a [`Backoff`] delay) and anything
//! else. [`Pty`] gives emulators and tests a real pseudo-terminal to talk over.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serialport::SerialPort;

/// Bytes written per `write` + `flush` in [`write_chunked`].
///
/// Flushing (`tcdrain`) after every chunk bounds how much data sits in the kernel's
/// buffer, so a device that stops taking data (paper out, flow control held) makes the
/// write time out close to where it stopped instead of after many kilobytes. 256 bytes is
/// about 0.27 s on the wire at 9600 baud.
pub const WRITE_CHUNK: usize = 256;

/// Parity setting of a serial line (8 data bits, 1 stop bit are fixed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Parity {
    /// No parity bit (8N1).
    #[default]
    None,
    /// Odd parity (8O1).
    Odd,
    /// Even parity (8E1).
    Even,
}

/// Flow control of a serial line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    /// No flow control.
    #[default]
    None,
    /// Hardware flow control on the RTS/CTS lines (`rts_cts` in TOML).
    RtsCts,
    /// Software flow control with XON/XOFF bytes (`xon_xoff` in TOML). Do not use it for
    /// binary protocols (raster images contain 0x11/0x13).
    XonXoff,
}

/// Configuration of one serial device, part of the TOML config.
///
/// ```toml
/// path = "/dev/serial/by-id/usb-Creator_CRT-310-if00"
/// baud = 9600            # default 9600
/// parity = "none"        # none | odd | even; default none (8N1)
/// flow = "none"          # none | rts_cts | xon_xoff; default none
/// read_timeout_ms = 200  # default 200
/// ```
///
/// Unknown keys are not rejected here because device sections flatten this struct next to
/// their own keys (e.g. the printer's `dot_width`); the section decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SerialConfig {
    /// Device path. Prefer stable names (`/dev/serial/by-id/...` or a udev symlink).
    pub path: PathBuf,
    /// Line speed in baud.
    #[serde(default = "default_baud")]
    pub baud: u32,
    /// Parity; data bits are always 8 and stop bits 1.
    #[serde(default)]
    pub parity: Parity,
    /// Flow control.
    #[serde(default)]
    pub flow: Flow,
    /// Timeout of one blocking read or write call (`read_timeout_ms` in TOML). Drivers
    /// loop over such calls up to their own protocol deadlines.
    #[serde(
        default = "default_read_timeout",
        rename = "read_timeout_ms",
        with = "duration_ms"
    )]
    pub read_timeout: Duration,
}

fn default_baud() -> u32 {
    9600
}

fn default_read_timeout() -> Duration {
    Duration::from_millis(200)
}

impl SerialConfig {
    /// A config for `path` with the defaults: 9600 baud, 8N1, no flow control, 200 ms.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            baud: default_baud(),
            parity: Parity::None,
            flow: Flow::None,
            read_timeout: default_read_timeout(),
        }
    }
}

/// `Duration` as whole milliseconds in the config file.
mod duration_ms {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

/// Errors of the serial transport.
#[derive(Debug, thiserror::Error)]
pub enum SerialError {
    /// The port could not be opened (missing path, permission, or in use by another
    /// process: ports are opened exclusively).
    #[error("cannot open serial port {path}: {source}")]
    Open {
        /// The configured path.
        path: PathBuf,
        /// The error from the OS.
        #[source]
        source: serialport::Error,
    },
    /// The device went away: end of file, broken pipe/hang-up, EIO or another
    /// unclassified OS error. The driver reports `noDevice`, closes the port and reopens it
    /// with backoff.
    #[error("serial device unplugged or closed")]
    Unplugged,
    /// No data moved within the port's timeout.
    #[error("serial port timed out")]
    Timeout,
    /// Any other I/O error.
    #[error("serial I/O error: {0}")]
    Io(#[source] io::Error),
}

impl SerialError {
    /// Sorts an I/O error from `serialport` into the cases drivers act on.
    ///
    /// `serialport` folds errno values it does not name (EIO, ENXIO, ENODEV after a USB
    /// adapter is pulled) into [`io::ErrorKind::Other`] and turns poll hang-ups into
    /// [`io::ErrorKind::BrokenPipe`], so both count as an unplug.
    pub fn from_io(e: io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => SerialError::Timeout,
            io::ErrorKind::BrokenPipe
            | io::ErrorKind::Other
            | io::ErrorKind::NotFound
            | io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::NotConnected => SerialError::Unplugged,
            _ => SerialError::Io(e),
        }
    }

    /// True for [`SerialError::Timeout`].
    pub fn is_timeout(&self) -> bool {
        matches!(self, SerialError::Timeout)
    }
}

/// Opens the port described by `cfg`: 8 data bits, 1 stop bit, the configured baud,
/// parity and flow control, raw mode, exclusive access, `cfg.read_timeout` per call.
///
/// Exclusive access (TIOCEXCL + flock) keeps a second kiosk instance or a stray `screen`
/// off a real device. Pseudo-terminals (`/dev/pts/*`, i.e. emulators) are opened shared:
/// TIOCEXCL is a flag on the tty, not on our descriptor, and a pty lives as long as its
/// master (the emulator), so after a driver restart a non-root kiosk would get EBUSY forever.
///
/// # Errors
/// [`SerialError::Open`] when the path does not exist, is not a tty, is locked by another
/// process or the settings cannot be applied.
pub fn open(cfg: &SerialConfig) -> Result<Box<dyn SerialPort>, SerialError> {
    let parity = match cfg.parity {
        Parity::None => serialport::Parity::None,
        Parity::Odd => serialport::Parity::Odd,
        Parity::Even => serialport::Parity::Even,
    };
    let flow = match cfg.flow {
        Flow::None => serialport::FlowControl::None,
        Flow::RtsCts => serialport::FlowControl::Hardware,
        Flow::XonXoff => serialport::FlowControl::Software,
    };
    serialport::new(cfg.path.to_string_lossy(), cfg.baud)
        .data_bits(serialport::DataBits::Eight)
        .stop_bits(serialport::StopBits::One)
        .parity(parity)
        .flow_control(flow)
        .timeout(cfg.read_timeout)
        .exclusive(!is_pty(&cfg.path))
        .open()
        .map_err(|source| SerialError::Open {
            path: cfg.path.clone(),
            source,
        })
}

/// True when `path` (after following symlinks) is a pseudo-terminal slave.
fn is_pty(path: &Path) -> bool {
    fs::canonicalize(path).is_ok_and(|p| p.starts_with("/dev/pts"))
}

/// Writes all of `data` in [`WRITE_CHUNK`]-byte chunks, draining the output (`flush`,
/// i.e. `tcdrain`) after each one.
///
/// # Errors
/// [`SerialError::Timeout`] when the device stopped accepting data for longer than the
/// port's timeout; [`SerialError::Unplugged`] when it went away (a failed drain also counts:
/// `serialport` reports it without an errno).
pub fn write_chunked(port: &mut dyn SerialPort, data: &[u8]) -> Result<(), SerialError> {
    for chunk in data.chunks(WRITE_CHUNK) {
        write_all(port, chunk)?;
        drain_output(port)?;
    }
    Ok(())
}

/// Waits until the port's output queue is empty (what `tcdrain` does, but bounded by the
/// port's timeout: a device that holds XOFF forever would block `tcdrain` forever).
///
/// # Errors
/// [`SerialError::Timeout`] when bytes are still queued after the port's timeout;
/// [`SerialError::Unplugged`] when the queue cannot be read.
fn drain_output(port: &mut dyn SerialPort) -> Result<(), SerialError> {
    let until = Instant::now() + port.timeout();
    loop {
        match port.bytes_to_write() {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(_) => return Err(SerialError::Unplugged),
        }
        if Instant::now() >= until {
            return Err(SerialError::Timeout);
        }
        // The kernel gives no event for "output queue empty" short of tcdrain.
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Writes all of `data` without draining; for short protocol frames.
///
/// # Errors
/// As [`write_chunked`].
pub fn write_all(port: &mut dyn SerialPort, mut data: &[u8]) -> Result<(), SerialError> {
    while !data.is_empty() {
        match port.write(data) {
            Ok(0) => return Err(SerialError::Unplugged),
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(SerialError::from_io(e)),
        }
    }
    Ok(())
}

/// Reads what is available into `buf`, waiting at most the port's timeout.
///
/// Returns the number of bytes read, always at least 1.
///
/// # Errors
/// [`SerialError::Timeout`] when nothing arrived in time; [`SerialError::Unplugged`] on end
/// of file (`Ok(0)`), hang-up, broken pipe or EIO.
pub fn read_some(port: &mut dyn SerialPort, buf: &mut [u8]) -> Result<usize, SerialError> {
    loop {
        match port.read(buf) {
            Ok(0) => return Err(SerialError::Unplugged),
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(SerialError::from_io(e)),
        }
    }
}

/// Reconnect delay: starts at 250 ms and doubles up to 5 s, so a missing device costs a
/// few wake-ups a minute and never a busy loop.
#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
}

impl Backoff {
    /// First delay.
    pub const MIN: Duration = Duration::from_millis(250);
    /// Largest delay.
    pub const MAX: Duration = Duration::from_secs(5);

    /// A backoff at its first delay.
    pub fn new() -> Self {
        Self { next: Self::MIN }
    }

    /// The delay to wait now; the following one is doubled, capped at [`Backoff::MAX`].
    pub fn next_delay(&mut self) -> Duration {
        let d = self.next;
        self.next = (self.next * 2).min(Self::MAX);
        d
    }

    /// Back to the first delay, after a successful reconnect.
    pub fn reset(&mut self) {
        self.next = Self::MIN;
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_defaults_and_toml_names() {
        let cfg: SerialConfig = toml::from_str(r#"path = "/dev/ttyUSB0""#).unwrap();
        assert_eq!(cfg, SerialConfig::new("/dev/ttyUSB0"));
        assert_eq!(cfg.baud, 9600);
        assert_eq!(cfg.read_timeout, Duration::from_millis(200));

        let cfg: SerialConfig = toml::from_str(
            r#"
            path = "/dev/ttyS1"
            baud = 38400
            parity = "even"
            flow = "rts_cts"
            read_timeout_ms = 50
            "#,
        )
        .unwrap();
        assert_eq!(cfg.baud, 38400);
        assert_eq!(cfg.parity, Parity::Even);
        assert_eq!(cfg.flow, Flow::RtsCts);
        assert_eq!(cfg.read_timeout, Duration::from_millis(50));

        assert!(toml::from_str::<SerialConfig>("path = \"/x\"\nbaud = \"fast\"").is_err());
        assert!(
            toml::from_str::<SerialConfig>("baud = 9600").is_err(),
            "path is required"
        );
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let mut b = Backoff::new();
        let delays: Vec<u64> = (0..7).map(|_| b.next_delay().as_millis() as u64).collect();
        assert_eq!(delays, [250, 500, 1000, 2000, 4000, 5000, 5000]);
        b.reset();
        assert_eq!(b.next_delay(), Backoff::MIN);
    }
}

/// A rate limit for a warning that a device can repeat at will (a garbled frame every few
/// milliseconds from a noisy or hostile USB device): at most `burst` per `window` reach the
/// log; the rest are counted and the count goes with the next one let through, so the log
/// cannot fill the data partition and still says how much was dropped.
#[derive(Debug, Clone)]
pub struct WarnLimit {
    burst: u32,
    window: Duration,
    started: Option<Instant>,
    passed: u32,
    suppressed: u64,
}

impl WarnLimit {
    /// At most `burst` warnings per `window`.
    pub fn new(burst: u32, window: Duration) -> Self {
        WarnLimit {
            burst,
            window,
            started: None,
            passed: 0,
            suppressed: 0,
        }
    }

    /// Whether a warning at `now` may be logged: `Some(n)` with the number suppressed since
    /// the last one logged, or `None` to drop it (and count it).
    pub fn allow(&mut self, now: Instant) -> Option<u64> {
        let fresh = self
            .started
            .is_none_or(|s| now.saturating_duration_since(s) >= self.window);
        if fresh {
            self.started = Some(now);
            self.passed = 0;
        }
        if self.passed < self.burst {
            self.passed += 1;
            Some(std::mem::take(&mut self.suppressed))
        } else {
            self.suppressed += 1;
            None
        }
    }
}

#[cfg(test)]
mod warn_limit_tests {
    use super::*;

    #[test]
    fn a_flood_of_warnings_is_cut_to_the_burst_and_counted() {
        let mut limit = WarnLimit::new(5, Duration::from_secs(60));
        let t0 = Instant::now();
        // 10,000 rejected frames within a second: five are logged.
        let logged: Vec<u64> = (0..10_000)
            .filter_map(|i| limit.allow(t0 + Duration::from_micros(i * 100)))
            .collect();
        assert_eq!(logged, vec![0; 5]);
        // The next window logs again, saying how many were dropped.
        assert_eq!(limit.allow(t0 + Duration::from_secs(61)), Some(9_995));
        assert_eq!(limit.allow(t0 + Duration::from_secs(61)), Some(0));
    }
}
