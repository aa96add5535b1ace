//! `manassa-sim`: the reference ministry server alone (HTTP, or HTTPS with `--tls`), until
//! Ctrl-C or SIGTERM. Once it listens, the first line on standard output is its base URL
//! (`http://127.0.0.1:8787`), so a parent process (`manassa demo`) can wait for it.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Parser;
use manassa_sim::{FaultPlan, SimConfig};

/// The reference ministry server.
#[derive(Parser)]
#[command(
    name = "manassa-sim",
    version,
    about = "Manassa reference ministry server"
)]
struct Cli {
    /// Address to listen on (port 0: any free port, printed on the first line).
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// SQLite database (in memory when absent).
    #[arg(long)]
    db: Option<PathBuf>,
    /// Serve the demo endpoint that reveals one-time codes (there is no SMS gateway).
    #[arg(long)]
    demo_sms: bool,
    /// Inject faults, e.g. 'latency_ms=200,error_rate=0.2,route=/v1/outbox' (keys:
    /// route latency_ms error_rate drop_rate drop_after_commit slow_body_ms
    /// throttle_rate retry_after_s seed).
    #[arg(long)]
    fault: Option<FaultPlan>,
    /// Serve HTTPS with a certificate generated at start (for localhost/127.0.0.1).
    #[arg(long)]
    tls: bool,
    /// With --tls: write the generated CA certificate (PEM) here for clients to pin;
    /// printed on stdout after the URL otherwise.
    #[arg(long, requires = "tls")]
    ca_out: Option<PathBuf>,
    /// Bearer token of the /v1/admin routes (fault plans, key rotation).
    #[arg(long, default_value = "demo-admin-token")]
    admin_token: String,
}

fn main() -> anyhow::Result<()> {
    use tracing_subscriber::EnvFilter;
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let sim = manassa_sim::spawn(
            SimConfig {
                db_path: cli.db,
                demo_sms: cli.demo_sms,
                tls: cli.tls,
                faults: cli.fault,
                admin_token: cli.admin_token,
                ..SimConfig::default()
            },
            cli.listen,
        )
        .await?;
        tracing::info!(url = %sim.base_url(), "reference ministry server listening");
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", sim.base_url())?;
        if let Some(pem) = sim.ca_pem() {
            match &cli.ca_out {
                Some(path) => std::fs::write(path, pem)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => write!(out, "{pem}")?,
            }
        }
        out.flush()?;
        drop(out);
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r?,
            _ = term.recv() => {}
        }
        sim.shutdown().await
    })
}
