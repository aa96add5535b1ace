//! Emulated badge reader.

use std::path::Path;

use crate::sender::{self as passive, SenderEmulator};
use manassa_devices::badge::*;
use manassa_devices::serial::SerialError;

/// Emulated RDM6300: a [`SenderEmulator`] that sends badge frames.
pub struct BadgeEmulator {
    inner: SenderEmulator,
}

impl BadgeEmulator {
    /// An emulator on a fresh pty, with a symlink at `link` when given.
    ///
    /// # Errors
    /// When no pty can be created or `link` exists and is not a symlink.
    pub fn start(link: Option<&Path>) -> Result<Self, SerialError> {
        Ok(Self {
            inner: SenderEmulator::start("badge-reader", link)?,
        })
    }

    /// The path the driver opens.
    pub fn path(&self) -> std::path::PathBuf {
        self.inner.path()
    }

    /// A badge held to the reader: `repeats` frames [`REPEAT_INTERVAL`] apart.
    pub fn hold(&self, id: BadgeId, repeats: usize) {
        let f = frame(&id);
        let parts: Vec<&[u8]> = (0..repeats.max(1)).map(|_| f.as_slice()).collect();
        self.inner.send_parts(&parts, REPEAT_INTERVAL);
    }

    /// The underlying sender, for raw bytes, gaps and unplugging.
    pub fn sender(&self) -> &SenderEmulator {
        &self.inner
    }
}

/// `manassa emulate badge-reader --pty PATH`: commands on stdin: `badge HEX10` (one
/// frame), `hold HEX10 N` (N repeats 100 ms apart), `bad-checksum HEX10`, `garbage`,
/// `unplug`, `plug`, `quit`.
///
/// # Errors
/// When the pty or its link cannot be created, or stdin fails.
pub fn run_cli(pty: &Path) -> anyhow::Result<()> {
    let emu = BadgeEmulator::start(Some(pty))?;
    passive::run_stdin(
        emu.sender(),
        "RDM6300 badge reader emulator; commands: badge HEX10 | hold HEX10 N | bad-checksum HEX10 | garbage | unplug | plug | quit",
        |s, words| match words {
            ["badge", hex] => match BadgeId::from_hex(hex) {
                Ok(id) => {
                    s.send(&frame(&id));
                    format!("badge {} presented", id.masked())
                }
                Err(e) => e,
            },
            ["hold", hex, n] => match (BadgeId::from_hex(hex), n.parse::<usize>()) {
                (Ok(id), Ok(n)) => {
                    let f = frame(&id);
                    let parts: Vec<&[u8]> = (0..n.max(1)).map(|_| f.as_slice()).collect();
                    s.send_parts(&parts, REPEAT_INTERVAL);
                    format!("badge {} held for {n} frames", id.masked())
                }
                _ => "hold HEX10 N".into(),
            },
            ["bad-checksum", hex] => match BadgeId::from_hex(hex) {
                Ok(id) => {
                    let mut f = frame(&id);
                    f[12] = if f[12] == b'0' { b'1' } else { b'0' };
                    s.send(&f);
                    "sent a frame with a bad checksum".into()
                }
                Err(e) => e,
            },
            _ => format!("unknown command {:?}", words.join(" ")),
        },
    )
}
