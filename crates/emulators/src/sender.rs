//! The device side of a passive reader (MRZ, badge, scanner) on a pseudo-terminal.

use std::collections::VecDeque;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serialport::TTYPort;
use tracing::warn;

use crate::harness::{Device, Emulator, Shared};
use manassa_devices::serial::{self, SerialError};

/// What a passive reader has to send and has sent.
#[derive(Default)]
struct SendState {
    /// Chunks to send, each after its pause.
    queue: VecDeque<(Duration, Vec<u8>)>,
    sent: usize,
}

/// The device side of a passive reader on a pseudo-terminal: sends queued bytes (with
/// optional pauses between chunks, to make inter-byte gaps), discards what the host writes,
/// and can be unplugged (see [`EmulatorPort`](crate::EmulatorPort)). Bytes queued while
/// unplugged are dropped, as a reader without a cable sends nothing.
pub struct SenderEmulator {
    emu: Emulator<SendState>,
}

impl SenderEmulator {
    /// An emulator on a fresh pty, with a symlink at `link` when given.
    ///
    /// # Errors
    /// When no pty can be created or `link` exists and is not a symlink.
    pub fn start(name: &str, link: Option<&Path>) -> Result<Self, SerialError> {
        let device = Sender {
            not_before: Instant::now(),
            waiting: false,
        };
        Ok(Self {
            emu: Emulator::spawn(name, link, SendState::default(), device)?,
        })
    }

    /// The path the driver opens.
    pub fn path(&self) -> PathBuf {
        self.emu.path()
    }

    /// Queues `bytes` to send now.
    pub fn send(&self, bytes: &[u8]) {
        self.send_parts(&[bytes], Duration::ZERO);
    }

    /// Queues `parts`, with `gap` of silence before each part after the first.
    pub fn send_parts(&self, parts: &[&[u8]], gap: Duration) {
        let mut st = self.emu.lock();
        for (i, p) in parts.iter().enumerate() {
            let pause = if i == 0 { Duration::ZERO } else { gap };
            st.queue.push_back((pause, p.to_vec()));
        }
    }

    /// True when everything queued has been written.
    pub fn is_idle(&self) -> bool {
        self.emu.lock().queue.is_empty()
    }

    /// Bytes written to the host so far.
    pub fn sent(&self) -> usize {
        self.emu.lock().sent
    }

    /// Unplugs (`true`) or plugs in again (`false`).
    pub fn set_unplugged(&self, unplugged: bool) {
        self.emu.set_unplugged(unplugged);
    }
}

/// The reader's line: pauses, then writes the next queued chunk.
struct Sender {
    not_before: Instant,
    waiting: bool,
}

impl Device for Sender {
    type State = SendState;

    fn turn(&mut self, shared: &Shared<SendState>, master: &mut TTYPort) {
        // The host's writes (if any) are read and dropped; this also paces the loop.
        let mut sink = [0u8; 256];
        let _ = serial::read_some(master, &mut sink);
        let next = {
            let mut st = shared.lock();
            match st.queue.front() {
                Some((pause, _)) if !self.waiting => {
                    self.not_before = Instant::now() + *pause;
                    self.waiting = true;
                    None
                }
                Some(_) if Instant::now() >= self.not_before => {
                    self.waiting = false;
                    st.queue.pop_front().map(|(_, b)| b)
                }
                _ => None,
            }
        };
        if let Some(bytes) = next {
            if serial::write_all(master, &bytes).is_ok() {
                shared.lock().sent += bytes.len();
                shared.notify();
            } else {
                warn!("reader emulator could not send");
            }
        }
    }

    fn unplugged(&mut self, shared: &Shared<SendState>) {
        shared.lock().queue.clear();
        self.waiting = false;
    }
}

/// Runs a reader emulator's command loop on stdin: `garbage`, `unplug`, `plug`, `quit` are
/// common; every other line goes to `device`, which returns what to print. Stops at `quit`
/// or end of input.
///
/// # Errors
/// When stdin fails.
pub fn run_stdin(
    emu: &SenderEmulator,
    banner: &str,
    mut device: impl FnMut(&SenderEmulator, &[&str]) -> String,
) -> anyhow::Result<()> {
    use rand::Rng;
    println!("{banner} on {}", emu.path().display());
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let words: Vec<&str> = line.split_whitespace().collect();
        let reply = match words.as_slice() {
            [] => continue,
            ["garbage"] => {
                let bytes: [u8; 16] = rand::rng().random();
                emu.send(&bytes);
                "sent 16 random bytes".to_string()
            }
            ["unplug"] => {
                emu.set_unplugged(true);
                "unplugged".into()
            }
            ["plug"] => {
                emu.set_unplugged(false);
                "plugged in".into()
            }
            ["quit"] => break,
            _ => device(emu, &words),
        };
        println!("{reply}");
    }
    Ok(())
}
