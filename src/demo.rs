//! `manassa demo`'s helpers: the reference server and the device emulators run as child
//! processes (`manassa-sim`, `manassa-emulate`), so the kiosk binary itself holds no server,
//! no signer and no emulator.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;

use anyhow::Context as _;

/// A child process of the demo: killed and reaped when dropped.
pub struct DemoChild {
    name: &'static str,
    child: Child,
    stdin: Mutex<Option<ChildStdin>>,
}

impl DemoChild {
    /// Starts `program` (a sibling of the running executable, else found on `PATH`) with
    /// `args`, and waits for the first line it prints on standard output: the server's
    /// URL, or an emulator's banner once its pseudo-terminal exists. Returns the child and
    /// that line.
    ///
    /// # Errors
    /// When the program cannot be started or exits before printing a line.
    pub fn start(
        name: &'static str,
        program: &str,
        args: &[&std::ffi::OsStr],
    ) -> anyhow::Result<(DemoChild, String)> {
        let path = sibling(program);
        let mut child = Command::new(&path)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| {
                format!(
                    "demo: cannot start {} (build it with `cargo build --workspace --bins`)",
                    path.display()
                )
            })?;
        let stdout = child.stdout.take().context("child stdout")?;
        let mut lines = BufReader::new(stdout);
        let mut first = String::new();
        let n = lines.read_line(&mut first)?;
        if n == 0 {
            let _ = child.kill();
            let _ = child.wait();
            anyhow::bail!(
                "demo: {name} ({}) exited before it was ready",
                path.display()
            );
        }
        // Keep draining what it prints, so a full pipe never blocks it.
        std::thread::Builder::new()
            .name(format!("demo-{name}-out"))
            .spawn(move || {
                let mut sink = String::new();
                while matches!(lines.read_line(&mut sink), Ok(n) if n > 0) {
                    sink.clear();
                }
            })?;
        let stdin = Mutex::new(child.stdin.take());
        Ok((DemoChild { name, child, stdin }, first.trim().to_string()))
    }

    /// Sends one command line to the child's standard input (an emulator's console).
    pub fn command(&self, line: &str) {
        let mut stdin = self.stdin.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = stdin.as_mut()
            && writeln!(s, "{line}").and_then(|()| s.flush()).is_err()
        {
            tracing::warn!(child = self.name, "demo: a child's console is closed");
        }
    }
}

impl Drop for DemoChild {
    fn drop(&mut self) {
        drop(self.stdin.lock().unwrap_or_else(|p| p.into_inner()).take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `program` next to the running executable (how cargo and the packages lay them out), or
/// the bare name for a `PATH` look-up.
fn sibling(program: &str) -> PathBuf {
    std::env::current_exe()
        .ok()
        .map(|exe| exe.with_file_name(program))
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from(program))
}

/// Starts `manassa-emulate DEVICE --pty DIR/DEVICE EXTRA…`; returns the child and the
/// path the driver opens.
///
/// # Errors
/// As [`DemoChild::start`].
pub fn emulator(
    device: &'static str,
    dir: &Path,
    extra: &[&str],
) -> anyhow::Result<(DemoChild, PathBuf)> {
    let link = dir.join(device);
    let mut args: Vec<&std::ffi::OsStr> = vec![device.as_ref(), "--pty".as_ref(), link.as_os_str()];
    args.extend(extra.iter().map(|s| std::ffi::OsStr::new(*s)));
    let (child, _banner) = DemoChild::start(device, "manassa-emulate", &args)?;
    Ok((child, link))
}
