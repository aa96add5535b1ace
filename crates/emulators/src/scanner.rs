//! Emulated scanner reader.

use std::path::Path;
use std::time::Duration;

use crate::sender::{self as passive, SenderEmulator};
use manassa_devices::scanner::*;
use manassa_devices::serial::SerialError;

/// Emulated scanner: a [`SenderEmulator`] that sends lines.
pub struct ScannerEmulator {
    inner: SenderEmulator,
    term: Terminator,
}

impl ScannerEmulator {
    /// An emulator ending lines with `term`, on a fresh pty, with a symlink at `link`.
    ///
    /// # Errors
    /// When no pty can be created or `link` exists and is not a symlink.
    pub fn start(link: Option<&Path>, term: Terminator) -> Result<Self, SerialError> {
        Ok(Self {
            inner: SenderEmulator::start("scanner", link)?,
            term,
        })
    }

    /// The path the driver opens.
    pub fn path(&self) -> std::path::PathBuf {
        self.inner.path()
    }

    /// Sends `text` and the terminator, as one scan.
    pub fn scan(&self, text: &str) {
        self.inner
            .send(&[text.as_bytes(), self.term.bytes()].concat());
    }

    /// The underlying sender, for raw bytes, gaps and unplugging.
    pub fn sender(&self) -> &SenderEmulator {
        &self.inner
    }
}

/// `manassa emulate scanner --pty PATH [--terminator cr|lf|crlf]`: commands on stdin:
/// `scan TEXT` (the rest of the line), `long N` (a scan of N characters), `split TEXT`
/// (in two pieces), `gap TEXT` (half, a 1 s pause, the rest), `garbage`, `unplug`, `plug`,
/// `quit`.
///
/// # Errors
/// When the pty or its link cannot be created, or stdin fails.
pub fn run_cli(pty: &Path, term: Terminator) -> anyhow::Result<()> {
    let emu = ScannerEmulator::start(Some(pty), term)?;
    let t = term.bytes();
    passive::run_stdin(
        emu.sender(),
        "QR/barcode scanner emulator; commands: scan TEXT | long N | split TEXT | gap TEXT | garbage | unplug | plug | quit",
        |s, words| {
            let rest = words[1..].join(" ");
            match words[0] {
                "scan" if !rest.is_empty() => {
                    s.send(&[rest.as_bytes(), t].concat());
                    format!("scanned {} characters", rest.chars().count())
                }
                "long" => match rest.parse::<usize>() {
                    Ok(n) => {
                        s.send(&[&vec![b'A'; n][..], t].concat());
                        format!("scanned {n} characters")
                    }
                    Err(_) => "long N".into(),
                },
                "split" | "gap" if !rest.is_empty() => {
                    let line = [rest.as_bytes(), t].concat();
                    let (a, b) = line.split_at(line.len() / 2);
                    let pause = if words[0] == "gap" {
                        Duration::from_secs(1)
                    } else {
                        Duration::from_millis(5)
                    };
                    s.send_parts(&[a, b], pause);
                    format!("scanned in two pieces, {} ms apart", pause.as_millis())
                }
                _ => format!("unknown command {:?}", words.join(" ")),
            }
        },
    )
}
