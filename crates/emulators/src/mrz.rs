//! Emulated mrz reader.

use std::path::Path;
use std::time::Duration;

use crate::sender::{self as passive, SenderEmulator};
use manassa_devices::mrz::*;
use manassa_devices::serial::SerialError;

/// Emulated MRZ reader: a [`SenderEmulator`] that sends MRZ frames.
pub struct MrzEmulator {
    inner: SenderEmulator,
}

impl MrzEmulator {
    /// An emulator on a fresh pty, with a symlink at `link` when given.
    ///
    /// # Errors
    /// When no pty can be created or `link` exists and is not a symlink.
    pub fn start(link: Option<&Path>) -> Result<Self, SerialError> {
        Ok(Self {
            inner: SenderEmulator::start("mrz-reader", link)?,
        })
    }

    /// The path the driver opens.
    pub fn path(&self) -> std::path::PathBuf {
        self.inner.path()
    }

    /// A document is placed on the reader: sends its MRZ `lines` in one frame.
    pub fn present(&self, lines: &[&str]) {
        self.inner.send(&encode_frame(lines));
    }

    /// The underlying sender, for raw bytes, gaps and unplugging.
    pub fn sender(&self) -> &SenderEmulator {
        &self.inner
    }
}

/// `manassa emulate mrz-reader --pty PATH`: commands on stdin: `td1`, `td3` (the ICAO
/// specimens), `mrz LINE1|LINE2[|LINE3]`, `bad-check` (specimen with a wrong composite),
/// `bad-lrc`, `split` (specimen in three pieces), `gap` (half a frame, a pause, the rest),
/// `garbage`, `unplug`, `plug`, `quit`.
///
/// # Errors
/// When the pty or its link cannot be created, or stdin fails.
pub fn run_cli(pty: &Path) -> anyhow::Result<()> {
    let emu = MrzEmulator::start(Some(pty))?;
    passive::run_stdin(
        emu.sender(),
        "MRZ reader emulator (STX lines CR ETX LRC); commands: td1 | td3 | mrz L1|L2[|L3] | bad-check | bad-lrc | split | gap | garbage | unplug | plug | quit",
        |s, words| {
            let frame = |lines: &[&str]| encode_frame(lines);
            match words {
                ["td1"] => {
                    s.send(&frame(&SPECIMEN_TD1));
                    "sent the TD1 specimen".into()
                }
                ["td3"] => {
                    s.send(&frame(&SPECIMEN_TD3));
                    "sent the TD3 specimen".into()
                }
                ["mrz", lines] => {
                    let lines: Vec<&str> = lines.split('|').collect();
                    s.send(&frame(&lines));
                    format!("sent {} line(s)", lines.len())
                }
                ["bad-check"] => {
                    let l2 = SPECIMEN_TD3[1].replace("<10", "<11");
                    s.send(&frame(&[SPECIMEN_TD3[0], &l2]));
                    "sent the TD3 specimen with a wrong composite check digit".into()
                }
                ["bad-lrc"] => {
                    let mut f = frame(&SPECIMEN_TD3);
                    *f.last_mut().expect("non-empty") ^= 0x55;
                    s.send(&f);
                    "sent a frame with a bad LRC".into()
                }
                ["split"] => {
                    let f = frame(&SPECIMEN_TD1);
                    let (a, rest) = f.split_at(10);
                    let (b, c) = rest.split_at(40);
                    s.send_parts(&[a, b, c], Duration::from_millis(5));
                    "sent the TD1 specimen in three pieces".into()
                }
                ["gap"] => {
                    let f = frame(&SPECIMEN_TD3);
                    let (a, b) = f.split_at(30);
                    s.send_parts(&[a, b], Duration::from_secs(1));
                    "sent half a frame, paused 1 s, sent the rest".into()
                }
                _ => format!("unknown command {:?}", words.join(" ")),
            }
        },
    )
}
