//! The one harness every emulator runs in: a thread that owns an [`EmulatorPort`], a
//! state shared with the emulator's handle, a plug that can be pulled, and a clean stop
//! when the handle is dropped.
//!
//! An emulator is a [`Device`] (what it does with the bytes on its line) plus a state type
//! (fault switches and what it recorded). Its handle wraps an [`Emulator`] and adds the
//! device's own controls on top of [`Emulator::lock`].

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use serialport::TTYPort;

use crate::pty::EmulatorPort;
use manassa_devices::serial::SerialError;

/// Pause between turns while unplugged (nothing can arrive on a missing cable).
const UNPLUGGED_POLL: Duration = Duration::from_millis(10);

/// A device model: what the emulator does with its line, one turn at a time.
pub trait Device: Send + 'static {
    /// The state shared with the handle: fault switches and what the device recorded.
    type State: Send + 'static;

    /// One turn while plugged in. Reads on `master` wait at most its timeout (20 ms, see
    /// [`Pty::new`](crate::Pty::new)), which paces the loop; call [`Shared::notify`] after
    /// changing something a handle may be waiting for.
    fn turn(&mut self, shared: &Shared<Self::State>, master: &mut TTYPort);

    /// One turn while unplugged: forget half-received input and queued output.
    fn unplugged(&mut self, _shared: &Shared<Self::State>) {}
}

/// What the emulator thread and the handle share.
pub struct Shared<S> {
    state: Mutex<S>,
    changed: Condvar,
    stop: AtomicBool,
    unplugged: AtomicBool,
    path: Mutex<PathBuf>,
}

impl<S> Shared<S> {
    /// The device state. A panic in the emulator thread does not hide it from tests.
    pub fn lock(&self) -> MutexGuard<'_, S> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Wakes handles blocked in [`Emulator::wait_until`].
    pub fn notify(&self) {
        self.changed.notify_all();
    }

    /// Whether the plug is pulled.
    pub fn is_unplugged(&self) -> bool {
        self.unplugged.load(Ordering::SeqCst)
    }
}

/// A running emulator: its thread, its pty and its state. Dropping it stops the thread and
/// closes the pty (the driver sees a hang-up) and removes the symlink.
pub struct Emulator<S> {
    shared: Arc<Shared<S>>,
    thread: Option<JoinHandle<()>>,
}

impl<S: Send + 'static> Emulator<S> {
    /// Starts `device` with `state` on a fresh pty, with a symlink at `link` when given; the
    /// thread is called `{name}-emu`.
    ///
    /// # Errors
    /// When no pty can be created, `link` exists and is not a symlink, or the thread
    /// cannot be started.
    pub fn spawn<D: Device<State = S>>(
        name: &str,
        link: Option<&Path>,
        state: S,
        mut device: D,
    ) -> Result<Self, SerialError> {
        let mut port = EmulatorPort::new(link)?;
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            changed: Condvar::new(),
            stop: AtomicBool::new(false),
            unplugged: AtomicBool::new(false),
            path: Mutex::new(port.path()),
        });
        let s = Arc::clone(&shared);
        let thread = thread::Builder::new()
            .name(format!("{name}-emu"))
            .spawn(move || {
                while !s.stop.load(Ordering::SeqCst) {
                    match port.master(s.is_unplugged()) {
                        Some(master) => device.turn(&s, master),
                        None => {
                            device.unplugged(&s);
                            thread::sleep(UNPLUGGED_POLL);
                            continue;
                        }
                    }
                    *s.path.lock().unwrap_or_else(|p| p.into_inner()) = port.path();
                }
            })
            .map_err(SerialError::Io)?;
        Ok(Self {
            shared,
            thread: Some(thread),
        })
    }

    /// The path a driver opens: the symlink if there is one, else the pty slave.
    pub fn path(&self) -> PathBuf {
        self.shared
            .path
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The device state.
    pub fn lock(&self) -> MutexGuard<'_, S> {
        self.shared.lock()
    }

    /// Pulls the plug (`true`) or plugs in again (`false`), see [`EmulatorPort`].
    pub fn set_unplugged(&self, unplugged: bool) {
        self.shared.unplugged.store(unplugged, Ordering::SeqCst);
    }

    /// Whether the plug is pulled.
    pub fn is_unplugged(&self) -> bool {
        self.shared.is_unplugged()
    }

    /// Blocks until `done` holds for the state (checked whenever the device calls
    /// [`Shared::notify`]) or `timeout` passes, and returns the state as it is then.
    pub fn wait_until(
        &self,
        timeout: Duration,
        mut done: impl FnMut(&S) -> bool,
    ) -> MutexGuard<'_, S> {
        let guard = self.shared.lock();
        self.shared
            .changed
            .wait_timeout_while(guard, timeout, |s| !done(s))
            .unwrap_or_else(|p| p.into_inner())
            .0
    }
}

impl<S> Drop for Emulator<S> {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use manassa_devices::serial::{self, SerialConfig};

    /// Echoes what it hears, counting bytes; unplugged, it forgets a partial count.
    struct Echo {
        partial: usize,
    }

    impl Device for Echo {
        type State = (usize, usize);

        fn turn(&mut self, shared: &Shared<(usize, usize)>, master: &mut TTYPort) {
            let mut buf = [0u8; 64];
            if let Ok(n) = serial::read_some(master, &mut buf) {
                let _ = serial::write_all(master, &buf[..n]);
                self.partial += n;
                shared.lock().0 += n;
                shared.notify();
            }
        }

        fn unplugged(&mut self, shared: &Shared<(usize, usize)>) {
            if self.partial > 0 {
                self.partial = 0;
                shared.lock().1 += 1;
                shared.notify();
            }
        }
    }

    #[test]
    fn echo_unplug_replug_and_stop() {
        let dir = std::env::temp_dir().join(format!("manassa-harness-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let link = dir.join("echo");
        let emu = Emulator::spawn("echo", Some(&link), (0, 0), Echo { partial: 0 }).unwrap();
        assert_eq!(emu.path(), link);
        let mut cfg = SerialConfig::new(emu.path());
        cfg.read_timeout = Duration::from_millis(50);
        let mut port = serial::open(&cfg).unwrap();
        serial::write_all(port.as_mut(), b"hello").unwrap();
        assert_eq!(emu.wait_until(Duration::from_secs(5), |s| s.0 == 5).0, 5);
        let mut got = Vec::new();
        let mut buf = [0u8; 16];
        while got.len() < 5 {
            let n = serial::read_some(port.as_mut(), &mut buf).unwrap();
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"hello");

        emu.set_unplugged(true);
        assert_eq!(emu.wait_until(Duration::from_secs(5), |s| s.1 == 1).1, 1);
        assert!(!link.exists(), "an unplugged emulator has no device node");
        emu.set_unplugged(false);
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !link.exists() {
            assert!(std::time::Instant::now() < deadline, "the link came back");
            std::thread::yield_now();
        }
        drop(emu);
        assert!(!link.exists(), "dropping the emulator removes its link");
        let _ = std::fs::remove_dir(&dir);
    }
}
