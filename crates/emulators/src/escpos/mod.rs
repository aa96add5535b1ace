//! The ESC/POS printer emulator: a pure stream decoder that draws the paper
//! ([`decode_stream`], [`StreamDecoder`]) and a printer on a pseudo-terminal around it
//! ([`PrinterEmulator`], `manassa emulate printer`).
//!
//! Slow devices are modelled by a **byte-rate limit**, not by XON/XOFF or RTS/CTS (a pty has
//! no modem lines, and the kernel would keep tens of KiB in flight after an XOFF): with a
//! baud rate set, the emulator takes at most `baud / 10` bytes per second off the line, so
//! the pty's buffer fills and the host's writes block, which is what hardware flow control
//! does to a host writing faster than the printer can take. Real-time requests (`DLE EOT`)
//! are answered as soon as the emulator reads them; `GS r 1` is answered in stream order,
//! i.e. once everything before it has been "printed", which is what the driver waits for.

use std::io::{BufRead, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use tracing::warn;

use crate::paper::{LINE_SPACING, Paper, PaperEnd, PlacedKind};
use serialport::TTYPort;

use crate::harness::{Device, Emulator, Shared};
use manassa_devices::PaperState;
use manassa_devices::escpos::{
    Align, DLE, EOT, ESC, GS, LF, MonoBitmap, PrinterStatus, StatusRequest,
};
use manassa_devices::serial::{self, SerialError};

mod decoder;
pub use decoder::*;

/// A fault scheduled after some bytes of print data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MidJobFault {
    /// The paper runs out.
    PaperOut,
    /// Someone opens the cover.
    CoverOpen,
}

struct EmuState {
    paper: PaperState,
    cover_open: bool,
    fault: Option<(usize, MidJobFault)>,
    jobs: Vec<PrintedJob>,
    bytes_received: usize,
    /// Bytes per second taken off the line; `None`: as fast as they come.
    rate: Option<u32>,
    /// How long replies wait before they are sent (a slow or busy printer).
    reply_delay: Duration,
    /// Every reply is sent twice (a printer that repeats itself).
    reply_twice: bool,
    /// Takes nothing off the line (a printer holding XOFF, or hung).
    holding: bool,
    /// Whether the line was told so with XOFF (DC3), for a host with software flow
    /// control; XON (DC1) is sent when it lets go.
    xoff_sent: bool,
    /// Start holding after this many more bytes.
    hold_after: Option<usize>,
}

impl PrinterModel for EmuState {
    fn status(&self) -> PrinterStatus {
        PrinterStatus {
            online: !self.cover_open && matches!(self.paper, PaperState::Full | PaperState::Low),
            cover_open: self.cover_open,
            paper: self.paper,
        }
    }

    fn consumed(&mut self, bytes: usize) -> bool {
        let Some((left, fault)) = self.fault else {
            return false;
        };
        let left = left.saturating_sub(bytes);
        if left > 0 {
            self.fault = Some((left, fault));
            return false;
        }
        self.fault = None;
        match fault {
            MidJobFault::PaperOut => self.paper = PaperState::Out,
            MidJobFault::CoverOpen => self.cover_open = true,
        }
        true
    }
}

/// Emulated ESC/POS printer on a pseudo-terminal.
///
/// Decodes the stream with a [`StreamDecoder`] into [`PrintedJob`]s (text, QR, rasters and
/// the drawn [`Paper`]), answers `DLE EOT n` (n = 1..=4) with the state it is given and
/// `GS r 1` in stream order. Faults: paper out or cover open now, or after N more bytes of
/// print data (the job in progress is then recorded as not cut, torn for paper out), a slow
/// line ([`set_baud`](Self::set_baud), see the module docs), unplug/replug.
pub struct PrinterEmulator {
    emu: Emulator<EmuState>,
}

impl PrinterEmulator {
    /// An emulator for 576-dot paper on a fresh pty; [`path`](Self::path) is the slave.
    ///
    /// # Errors
    /// When no pty can be created.
    pub fn start() -> Result<Self, SerialError> {
        Self::spawn(None, 576)
    }

    /// An emulator with a symlink at `link` (replacing an older symlink). Unplugging closes
    /// the pty and removes the link; re-plugging recreates both.
    ///
    /// # Errors
    /// When no pty can be created or `link` exists and is not a symlink.
    pub fn with_link(link: &Path) -> Result<Self, SerialError> {
        Self::spawn(Some(link), 576)
    }

    /// An emulator for paper `dot_width` dots wide, with an optional symlink.
    ///
    /// # Errors
    /// As [`with_link`](Self::with_link).
    pub fn spawn(link: Option<&Path>, dot_width: u32) -> Result<Self, SerialError> {
        let state = EmuState {
            paper: PaperState::Full,
            cover_open: false,
            fault: None,
            jobs: Vec::new(),
            bytes_received: 0,
            rate: None,
            reply_delay: Duration::ZERO,
            reply_twice: false,
            holding: false,
            xoff_sent: false,
            hold_after: None,
        };
        let device = Printer {
            width: dot_width,
            decoder: StreamDecoder::new(dot_width),
            allowance: 0.0,
            last: Instant::now(),
            pending: Vec::new(),
        };
        Ok(Self {
            emu: Emulator::spawn("printer", link, state, device)?,
        })
    }

    /// The path the driver should open.
    pub fn path(&self) -> PathBuf {
        self.emu.path()
    }

    /// Jobs recorded so far.
    pub fn jobs(&self) -> Vec<PrintedJob> {
        self.emu.lock().jobs.clone()
    }

    /// Waits until at least `count` jobs are recorded or `timeout` passes; returns the
    /// jobs recorded by then.
    pub fn wait_for_jobs(&self, count: usize, timeout: Duration) -> Vec<PrintedJob> {
        self.emu
            .wait_until(timeout, |st| st.jobs.len() >= count)
            .jobs
            .clone()
    }

    /// Print-data bytes received (real-time commands excluded), including discarded ones.
    pub fn bytes_received(&self) -> usize {
        self.emu.lock().bytes_received
    }

    /// Sets the paper state reported by the sensors (cancels a scheduled paper out).
    pub fn set_paper(&self, paper: PaperState) {
        let mut st = self.emu.lock();
        st.paper = paper;
        if matches!(st.fault, Some((_, MidJobFault::PaperOut))) {
            st.fault = None;
        }
    }

    /// Opens or closes the cover.
    pub fn set_cover_open(&self, open: bool) {
        self.emu.lock().cover_open = open;
    }

    /// Makes the paper run out after `bytes` more bytes of print data (`None`: never).
    pub fn paper_out_after_bytes(&self, bytes: Option<usize>) {
        self.emu.lock().fault = bytes.map(|b| (b, MidJobFault::PaperOut));
    }

    /// Schedules `fault` after `bytes` more bytes of print data (replaces any other).
    pub fn fault_after_bytes(&self, bytes: usize, fault: MidJobFault) {
        self.emu.lock().fault = Some((bytes, fault));
    }

    /// Limits the line to `baud / 10` bytes per second (`None`: unlimited).
    pub fn set_baud(&self, baud: Option<u32>) {
        self.emu.lock().rate = baud.map(|b| (b / 10).max(1));
    }

    /// Sends every reply (`DLE EOT`, `GS r`) `delay` after the request was read.
    pub fn set_reply_delay(&self, delay: Duration) {
        self.emu.lock().reply_delay = delay;
    }

    /// Stops taking bytes off the line (`true`) as a printer holding XOFF forever would:
    /// it sends XOFF (DC3), so a host with software flow control stops transmitting, and
    /// its writes block once the buffers are full; `false` sends XON (DC1) and reads again.
    pub fn set_holding(&self, holding: bool) {
        self.emu.lock().holding = holding;
    }

    /// Starts holding the line (see [`set_holding`](Self::set_holding)) once `bytes` more
    /// bytes have been taken off it: mid-job, after the status checks.
    pub fn hold_after_bytes(&self, bytes: usize) {
        self.emu.lock().hold_after = Some(bytes);
    }

    /// Sends every reply twice.
    pub fn set_reply_twice(&self, twice: bool) {
        self.emu.lock().reply_twice = twice;
    }

    /// Simulates unplugging (`true`) and re-plugging (`false`); see [`EmulatorPort`].
    pub fn set_unplugged(&self, unplugged: bool) {
        self.emu.set_unplugged(unplugged);
    }
}

/// The printer's line: reads at the line rate, decodes, answers.
struct Printer {
    width: u32,
    decoder: StreamDecoder,
    /// Token bucket of the byte-rate limit.
    allowance: f64,
    last: Instant,
    /// Replies waiting for their time (see [`PrinterEmulator::set_reply_delay`]).
    pending: Vec<(Instant, Vec<u8>)>,
}

impl Device for Printer {
    type State = EmuState;

    fn turn(&mut self, shared: &Shared<EmuState>, master: &mut TTYPort) {
        let now = Instant::now();
        let (due, later): (Vec<_>, Vec<_>) = self.pending.drain(..).partition(|(at, _)| *at <= now);
        self.pending = later;
        for (_, reply) in due {
            if serial::write_all(master, &reply).is_err() {
                warn!("printer emulator could not send status");
            }
        }
        let mut buf = [0u8; 4096];
        let (rate, holding) = {
            let mut st = shared.lock();
            let signal = match (st.holding, st.xoff_sent) {
                (true, false) => Some(0x13),
                (false, true) => Some(0x11),
                _ => None,
            };
            if let Some(byte) = signal {
                st.xoff_sent = st.holding;
                if serial::write_all(master, &[byte]).is_err() {
                    warn!("printer emulator could not send flow control");
                }
            }
            (st.rate, st.holding)
        };
        if holding {
            thread::sleep(Duration::from_millis(2));
            return;
        }
        let mut want = buf.len();
        if let Some(rate) = rate {
            let now = Instant::now();
            let cap = (f64::from(rate) / 20.0).max(1.0);
            self.allowance = (self.allowance
                + now.duration_since(self.last).as_secs_f64() * f64::from(rate))
            .min(cap);
            self.last = now;
            if self.allowance < 1.0 {
                thread::sleep(Duration::from_millis(2));
                return;
            }
            want = want.min(self.allowance as usize);
        }
        let n = match serial::read_some(master, &mut buf[..want]) {
            Ok(n) => n,
            Err(e) if e.is_timeout() => return,
            Err(_) => {
                thread::sleep(Duration::from_millis(20));
                return;
            }
        };
        if rate.is_some() {
            self.allowance -= n as f64;
        }
        {
            let mut st = shared.lock();
            if let Some(left) = st.hold_after {
                if n >= left {
                    st.hold_after = None;
                    st.holding = true;
                } else {
                    st.hold_after = Some(left - n);
                }
            }
        }
        let decoded = {
            let mut st = shared.lock();
            let d = self.decoder.push(&buf[..n], &mut *st);
            st.bytes_received += d.bytes;
            st.jobs.extend(d.jobs.iter().cloned());
            d
        };
        if !decoded.jobs.is_empty() {
            shared.notify();
        }
        if !decoded.replies.is_empty() {
            let (delay, twice) = {
                let st = shared.lock();
                (st.reply_delay, st.reply_twice)
            };
            let mut reply = decoded.replies.clone();
            if twice {
                reply.extend_from_slice(&decoded.replies);
            }
            if delay.is_zero() {
                if serial::write_all(master, &reply).is_err() {
                    warn!("printer emulator could not send status");
                }
            } else {
                self.pending.push((Instant::now() + delay, reply));
            }
        }
    }

    fn unplugged(&mut self, _shared: &Shared<EmuState>) {
        self.pending.clear();
        self.decoder = StreamDecoder::new(self.width);
    }
}

/// Options of `manassa emulate printer`.
#[derive(Debug, Clone)]
pub struct CliOptions {
    /// Symlink to create for the pty.
    pub pty: PathBuf,
    /// Folder for `job-N.png` and `job-N.txt`.
    pub out: Option<PathBuf>,
    /// Paper runs out after this many bytes of print data.
    pub paper_out_after: Option<usize>,
    /// Line rate limit in baud (bytes per second = baud / 10).
    pub baud: Option<u32>,
    /// Paper width in dots.
    pub dot_width: u32,
}

/// `manassa emulate printer --pty PATH [--paper-out-after N] [--baud B] [--out DIR]`: runs
/// an emulator, prints each job's log as it completes and, with `--out`, writes
/// `job-N.png` (the paper) and `job-N.txt` (the log). Commands on stdin: `paper
/// full|low|out|jam`, `cover open|close`, `paper-out-after N`, `cover-open-after N`,
/// `baud B|off`, `unplug`, `plug`, `quit`. End of input does not stop it; `quit` does.
///
/// # Errors
/// When the pty, the link or the output folder cannot be created, or a file not written.
pub fn run_cli(opts: &CliOptions) -> anyhow::Result<()> {
    let emu = Arc::new(PrinterEmulator::spawn(Some(&opts.pty), opts.dot_width)?);
    if let Some(dir) = &opts.out {
        std::fs::create_dir_all(dir)?;
    }
    emu.paper_out_after_bytes(opts.paper_out_after);
    emu.set_baud(opts.baud);
    println!(
        "ESC/POS printer emulator on {} ({} dots{}); commands: paper full|low|out|jam | cover open|close | paper-out-after N | cover-open-after N | baud B|off | unplug | plug | quit",
        emu.path().display(),
        opts.dot_width,
        opts.baud.map(|b| format!(", {b} baud")).unwrap_or_default()
    );
    let quit = Arc::new(AtomicBool::new(false));
    {
        let (emu, quit) = (Arc::clone(&emu), Arc::clone(&quit));
        thread::spawn(move || stdin_commands(&emu, &quit));
    }
    let mut shown = 0;
    while !quit.load(Ordering::Relaxed) {
        let jobs = emu.wait_for_jobs(shown + 1, Duration::from_millis(200));
        for (i, job) in jobs.iter().enumerate().skip(shown) {
            let log = job.log(i + 1);
            print!("{log}");
            std::io::stdout().flush()?;
            if let Some(dir) = &opts.out {
                std::fs::write(dir.join(format!("job-{}.txt", i + 1)), &log)?;
                let png = job.paper.to_png().map_err(anyhow::Error::msg)?;
                std::fs::write(dir.join(format!("job-{}.png", i + 1)), png)?;
            }
        }
        shown = jobs.len();
    }
    Ok(())
}

fn stdin_commands(emu: &PrinterEmulator, quit: &AtomicBool) {
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["paper", state] => {
                let paper = match *state {
                    "full" => PaperState::Full,
                    "low" => PaperState::Low,
                    "out" => PaperState::Out,
                    "jam" => PaperState::Jammed,
                    _ => {
                        println!("paper full|low|out|jam");
                        continue;
                    }
                };
                emu.set_paper(paper);
                println!("paper {paper:?}");
            }
            ["cover", state @ ("open" | "close")] => {
                emu.set_cover_open(*state == "open");
                println!("cover {state}");
            }
            [cmd @ ("paper-out-after" | "cover-open-after"), n] => match n.parse() {
                Ok(n) => {
                    let fault = if *cmd == "paper-out-after" {
                        MidJobFault::PaperOut
                    } else {
                        MidJobFault::CoverOpen
                    };
                    emu.fault_after_bytes(n, fault);
                    println!("{fault:?} after {n} bytes");
                }
                Err(_) => println!("{cmd} N"),
            },
            ["baud", "off"] => {
                emu.set_baud(None);
                println!("line rate unlimited");
            }
            ["baud", b] => match b.parse() {
                Ok(b) => {
                    emu.set_baud(Some(b));
                    println!("line limited to {b} baud");
                }
                Err(_) => println!("baud B|off"),
            },
            ["unplug"] => {
                emu.set_unplugged(true);
                println!("unplugged");
            }
            ["plug"] => {
                emu.set_unplugged(false);
                println!("plugged in");
            }
            ["quit"] => {
                quit.store(true, Ordering::Relaxed);
                return;
            }
            [] => {}
            _ => println!("unknown command {line:?}"),
        }
    }
}

#[cfg(test)]
mod tests;
