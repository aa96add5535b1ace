//! The device side of a passive reader (MRZ, badge, scanner) on a pseudo-terminal.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use tracing::warn;

use crate::pty::EmulatorPort;
use manassa_devices::serial::{self, SerialError};

// ---------------------------------------------------------------------------------------
// Emulator side
// ---------------------------------------------------------------------------------------

struct EmuState {
    /// Chunks to send, each after its pause.
    queue: std::collections::VecDeque<(Duration, Vec<u8>)>,
    unplugged: bool,
    path: PathBuf,
    sent: usize,
}

struct EmuShared {
    state: Mutex<EmuState>,
    stop: AtomicBool,
}

impl EmuShared {
    fn lock(&self) -> MutexGuard<'_, EmuState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The device side of a passive reader on a pseudo-terminal: sends queued bytes (with
/// optional pauses between chunks, to make inter-byte gaps), discards what the host writes,
/// and can be unplugged (see [`EmulatorPort`]). Bytes queued while unplugged are dropped,
/// as a reader without a cable sends nothing.
pub struct SenderEmulator {
    shared: Arc<EmuShared>,
    thread: Option<JoinHandle<()>>,
}

impl SenderEmulator {
    /// An emulator on a fresh pty, with a symlink at `link` when given.
    ///
    /// # Errors
    /// When no pty can be created or `link` exists and is not a symlink.
    pub fn start(name: &str, link: Option<&Path>) -> Result<Self, SerialError> {
        let port = EmulatorPort::new(link)?;
        let shared = Arc::new(EmuShared {
            state: Mutex::new(EmuState {
                queue: Default::default(),
                unplugged: false,
                path: port.path(),
                sent: 0,
            }),
            stop: AtomicBool::new(false),
        });
        let s = Arc::clone(&shared);
        let thread = thread::Builder::new()
            .name(format!("{name}-emu"))
            .spawn(move || sender_thread(&s, port))
            .map_err(SerialError::Io)?;
        Ok(Self {
            shared,
            thread: Some(thread),
        })
    }

    /// The path the driver opens.
    pub fn path(&self) -> PathBuf {
        self.shared.lock().path.clone()
    }

    /// Queues `bytes` to send now.
    pub fn send(&self, bytes: &[u8]) {
        self.send_parts(&[bytes], Duration::ZERO);
    }

    /// Queues `parts`, with `gap` of silence before each part after the first.
    pub fn send_parts(&self, parts: &[&[u8]], gap: Duration) {
        let mut st = self.shared.lock();
        for (i, p) in parts.iter().enumerate() {
            let pause = if i == 0 { Duration::ZERO } else { gap };
            st.queue.push_back((pause, p.to_vec()));
        }
    }

    /// True when everything queued has been written.
    pub fn is_idle(&self) -> bool {
        self.shared.lock().queue.is_empty()
    }

    /// Bytes written to the host so far.
    pub fn sent(&self) -> usize {
        self.shared.lock().sent
    }

    /// Unplugs (`true`) or plugs in again (`false`).
    pub fn set_unplugged(&self, unplugged: bool) {
        self.shared.lock().unplugged = unplugged;
    }
}

impl Drop for SenderEmulator {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn sender_thread(shared: &EmuShared, mut port: EmulatorPort) {
    let mut sink = [0u8; 256];
    let mut not_before = Instant::now();
    let mut waiting = false;
    while !shared.stop.load(Ordering::Relaxed) {
        let unplugged = shared.lock().unplugged;
        let Some(master) = port.master(unplugged) else {
            shared.lock().queue.clear();
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        // The host's writes (if any) are read and dropped; this also paces the loop.
        let _ = serial::read_some(master, &mut sink);
        let next = {
            let mut st = shared.lock();
            st.path = port.path();
            match st.queue.front() {
                Some((pause, _)) if !waiting => {
                    not_before = Instant::now() + *pause;
                    waiting = true;
                    None
                }
                Some(_) if Instant::now() >= not_before => {
                    waiting = false;
                    st.queue.pop_front().map(|(_, b)| b)
                }
                _ => None,
            }
        };
        if let Some(bytes) = next {
            let master = port.master(false).expect("plugged in");
            if serial::write_all(master, &bytes).is_ok() {
                shared.lock().sent += bytes.len();
            } else {
                warn!("reader emulator could not send");
            }
        }
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
