//! Pseudo-terminals for emulators: the emulator talks on the master, the driver opens the
//! slave path like any serial device.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serialport::{SerialPort, TTYPort};

use manassa_devices::serial::*;

/// A pseudo-terminal pair for emulators and tests: the emulator talks on the master, the
/// driver opens [`Pty::path`] like any serial device.
///
/// The slave side stays open for the life of the `Pty`: without it the master reads EIO
/// whenever the driver closes the port, e.g. while it reconnects. Dropping the `Pty` closes
/// both sides, which the driver sees as an unplug (hang-up), and removes the symlink.
pub struct Pty {
    master: TTYPort,
    // Held, never read: only keeps the terminal alive between driver opens.
    _slave: TTYPort,
    slave_path: PathBuf,
    link: Option<PathBuf>,
}

impl Pty {
    /// Creates a pty pair. The master's read/write timeout is 20 ms so emulator loops stay
    /// responsive to their control handles.
    ///
    /// # Errors
    /// [`SerialError::Io`] when the OS has no free pty.
    pub fn new() -> Result<Self, SerialError> {
        let (mut master, slave) = TTYPort::pair().map_err(|e| SerialError::Io(e.into()))?;
        let slave_path = slave
            .name()
            .map(PathBuf::from)
            .ok_or_else(|| SerialError::Io(io::Error::other("pty slave has no name")))?;
        master
            .set_timeout(Duration::from_millis(20))
            .map_err(|e| SerialError::Io(e.into()))?;
        Ok(Self {
            master,
            _slave: slave,
            slave_path,
            link: None,
        })
    }

    /// Creates a pty pair and a symlink at `link` pointing to the slave, replacing an
    /// existing symlink there (a stable name for `manassa emulate --pty PATH`).
    ///
    /// # Errors
    /// [`SerialError::Io`] when the pty cannot be created, `link` exists and is not a
    /// symlink (never clobbered), or the symlink cannot be created.
    pub fn with_link(link: &Path) -> Result<Self, SerialError> {
        let mut pty = Self::new()?;
        if let Ok(meta) = fs::symlink_metadata(link) {
            if !meta.file_type().is_symlink() {
                return Err(SerialError::Io(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{} exists and is not a symlink", link.display()),
                )));
            }
            fs::remove_file(link).map_err(SerialError::Io)?;
        }
        std::os::unix::fs::symlink(&pty.slave_path, link).map_err(SerialError::Io)?;
        pty.link = Some(link.to_path_buf());
        Ok(pty)
    }

    /// The path a driver should open: the symlink if one was requested, else the slave.
    pub fn path(&self) -> PathBuf {
        self.link.clone().unwrap_or_else(|| self.slave_path.clone())
    }

    /// The slave device, e.g. `/dev/pts/3`.
    pub fn slave_path(&self) -> &Path {
        &self.slave_path
    }

    /// The symlink created by [`Pty::with_link`], if any.
    pub fn link(&self) -> Option<&Path> {
        self.link.as_deref()
    }

    /// The master side, for the emulator to read and write.
    pub fn master(&mut self) -> &mut TTYPort {
        &mut self.master
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        // Remove the link only if it still points at our slave: a successor pty may
        // already own the name.
        if let Some(link) = &self.link
            && fs::read_link(link).is_ok_and(|t| t == self.slave_path)
        {
            let _ = fs::remove_file(link);
        }
    }
}

/// The device side of an emulator's pseudo-terminal, with a plug that can be pulled.
///
/// With a symlink, unplugging closes the pty (the driver sees a hang-up: EIO) and removes
/// the link, as pulling a USB adapter removes its `/dev/serial/by-id` name; plugging in
/// again creates a new pty under the same link. Without a link the pty stays and an
/// unplugged emulator only goes deaf and silent (a driver cannot find a new pty path).
pub struct EmulatorPort {
    pty: Option<Pty>,
    link: Option<PathBuf>,
    path: PathBuf,
}

impl EmulatorPort {
    /// A fresh pty, with a symlink at `link` when given.
    ///
    /// # Errors
    /// As [`Pty::new`] and [`Pty::with_link`].
    pub fn new(link: Option<&Path>) -> Result<Self, SerialError> {
        let pty = match link {
            Some(l) => Pty::with_link(l)?,
            None => Pty::new()?,
        };
        Ok(Self {
            path: pty.path(),
            pty: Some(pty),
            link: link.map(Path::to_path_buf),
        })
    }

    /// The path a driver opens: the link if there is one, else the pty slave.
    pub fn path(&self) -> PathBuf {
        self.path.clone()
    }

    /// Applies the plug state and returns the master side while plugged in. Re-plugging
    /// may fail to create a pty (logged; retried on the next call).
    pub fn master(&mut self, unplugged: bool) -> Option<&mut TTYPort> {
        if unplugged {
            if self.link.is_some() {
                self.pty = None;
            } else if let Some(pty) = &mut self.pty {
                // A device without a cable hears nothing: what the host writes meanwhile
                // is lost, not answered after re-plugging.
                let mut sink = [0u8; 256];
                let _ = read_some(pty.master(), &mut sink);
            }
            return None;
        }
        if self.pty.is_none()
            && let Some(link) = &self.link
        {
            match Pty::with_link(link) {
                Ok(p) => {
                    self.path = p.path();
                    self.pty = Some(p);
                }
                Err(e) => tracing::warn!(error = %e, "emulator cannot recreate its pty"),
            }
        }
        self.pty.as_mut().map(Pty::master)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pty_round_trip_and_unplug() {
        let dir = std::env::temp_dir().join(format!("manassa-pty-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let link = dir.join("serial-test");
        let mut pty = Pty::with_link(&link).unwrap();
        assert_eq!(fs::read_link(&link).unwrap(), pty.slave_path());

        let mut cfg = SerialConfig::new(pty.path());
        cfg.read_timeout = Duration::from_millis(50);
        let mut port = open(&cfg).unwrap();

        let data: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        write_chunked(port.as_mut(), &data).unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 512];
        while got.len() < data.len() {
            let n = read_some(pty.master(), &mut buf).unwrap();
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, data);

        assert!(read_some(port.as_mut(), &mut buf).unwrap_err().is_timeout());
        write_all(pty.master(), b"ok").unwrap();
        let n = read_some(port.as_mut(), &mut buf).unwrap();
        assert_eq!(&buf[..n], b"ok");

        drop(pty);
        assert!(!link.exists(), "symlink removed with the pty");
        assert!(matches!(
            read_some(port.as_mut(), &mut buf),
            Err(SerialError::Unplugged)
        ));
        let _ = fs::remove_dir(&dir);
    }
}
