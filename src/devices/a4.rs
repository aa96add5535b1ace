//! A4 printing: a CUPS queue (production and tests, via the CUPS command-line client `lp`,
//! which submits an IPP Print-Job to the local scheduler) or a folder (the demo's file sink).

use std::path::{Path, PathBuf};

use crate::config::A4Config;

/// Where A4 papers go.
#[derive(Debug, Clone, PartialEq)]
pub enum A4Sink {
    /// A CUPS queue by name.
    Cups {
        /// Queue name.
        queue: String,
    },
    /// Write PDFs into a folder.
    File {
        /// Target folder.
        folder: PathBuf,
    },
}

/// A submitted A4 job.
#[derive(Debug, Clone, PartialEq)]
pub enum A4Job {
    /// CUPS accepted the job; the IPP job id as `lp` printed it (e.g. `kiosk-a4-12`).
    Cups(String),
    /// The file written by the file sink.
    File(PathBuf),
}

/// Why an A4 job was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum A4Error {
    /// The scheduler refused the job (missing or stopped queue, no scheduler running).
    #[error("CUPS refused the job: {0}")]
    Refused(String),
    /// The CUPS client could not run, or the file could not be written.
    #[error("A4 output failed: {0}")]
    Io(#[from] std::io::Error),
}

impl From<&A4Config> for A4Sink {
    fn from(c: &A4Config) -> Self {
        match c {
            A4Config::Cups { queue } => A4Sink::Cups {
                queue: queue.clone(),
            },
            A4Config::File { folder } => A4Sink::File {
                folder: folder.clone(),
            },
        }
    }
}

/// A file name made only of safe characters from `name`.
fn safe_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    if s.is_empty() { "paper".into() } else { s }
}

impl A4Sink {
    /// Submit `pdf` (A4, one copy) under the job name `name` (ASCII-sanitised).
    pub async fn print(&self, pdf: &[u8], name: &str) -> Result<A4Job, A4Error> {
        let name = safe_name(name);
        match self {
            A4Sink::File { folder } => {
                tokio::fs::create_dir_all(folder).await?;
                let path = folder.join(format!("{name}.pdf"));
                write_atomic(&path, pdf).await?;
                Ok(A4Job::File(path))
            }
            A4Sink::Cups { queue } => {
                let dir = std::env::temp_dir().join("manassa-a4");
                tokio::fs::create_dir_all(&dir).await?;
                let path = dir.join(format!("{name}-{}.pdf", uuid::Uuid::new_v4().simple()));
                write_atomic(&path, pdf).await?;
                let out = tokio::process::Command::new("lp")
                    .args(["-d", queue, "-t", &name, "-o", "media=A4", "-n", "1"])
                    .arg(&path)
                    .output()
                    .await;
                let _ = tokio::fs::remove_file(&path).await;
                let out = out?;
                let stdout = String::from_utf8_lossy(&out.stdout);
                if !out.status.success() {
                    return Err(A4Error::Refused(
                        String::from_utf8_lossy(&out.stderr).trim().to_string(),
                    ));
                }
                // "request id is kiosk-a4-12 (1 file(s))"
                let id = stdout
                    .split_whitespace()
                    .skip_while(|w| *w != "is")
                    .nth(1)
                    .unwrap_or("")
                    .to_string();
                Ok(A4Job::Cups(id))
            }
        }
    }
}

async fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("pdf.tmp");
    tokio::fs::write(&tmp, bytes).await?;
    tokio::fs::rename(&tmp, path).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn file_sink_writes_the_pdf() {
        let dir = std::env::temp_dir().join(format!("manassa-a4-test-{}", std::process::id()));
        let sink = A4Sink::File {
            folder: dir.clone(),
        };
        let job = sink
            .print(b"%PDF-1.7 test", "BP-2026/004512")
            .await
            .unwrap();
        let A4Job::File(path) = job else {
            panic!("file job")
        };
        assert_eq!(path.file_name().unwrap(), "BP-2026_004512.pdf");
        assert_eq!(std::fs::read(&path).unwrap(), b"%PDF-1.7 test");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn missing_queue_is_a_clear_error() {
        let sink = A4Sink::Cups {
            queue: "no-such-queue-manassa".into(),
        };
        match sink.print(b"%PDF-1.7", "x").await {
            Err(A4Error::Refused(msg)) => assert!(!msg.is_empty()),
            Err(A4Error::Io(e)) => panic!("the CUPS client `lp` must be installed: {e}"),
            Ok(j) => panic!("printed to a missing queue: {j:?}"),
        }
    }
}
