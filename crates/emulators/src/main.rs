//! `manassa-emulate`: one device emulator on a pseudo-terminal, commands on standard input.
//! The first line on standard output names the pseudo-terminal: once it is printed, a
//! driver can open the port.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use manassa_emulators::cli;

#[derive(Parser)]
#[command(
    name = "manassa-emulate",
    version,
    about = "Manassa device emulators on pseudo-terminals"
)]
struct Cli {
    #[command(subcommand)]
    device: EmulatedDevice,
}

#[derive(Subcommand)]
enum EmulatedDevice {
    /// Motorised card reader (CRT-310 framing). Reads commands on stdin: insert QID, remove, nak, garbage, quit.
    CardReader {
        /// Symlink to create for the pseudo-terminal.
        #[arg(long)]
        pty: PathBuf,
        /// Insert a card carrying this data at start.
        #[arg(long)]
        insert: Option<String>,
    },
    /// ESC/POS thermal printer: draws each job to PNG and logs it; faults on stdin.
    Printer(cli::PrinterArgs),
    /// ID/passport page reader (ICAO 9303 MRZ in a vendor frame); documents on stdin.
    MrzReader(cli::EmulatorArgs),
    /// Technician badge reader (RDM6300); badges on stdin.
    BadgeReader(cli::EmulatorArgs),
    /// QR/barcode scanner in serial mode; `scan TEXT` on stdin.
    Scanner(cli::ScannerArgs),
    /// Thermal tickets: encode one to ESC/POS bytes and draw what the printer would print.
    Ticket(cli::TicketArgs),
}

fn main() -> anyhow::Result<()> {
    use tracing_subscriber::EnvFilter;
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().device {
        EmulatedDevice::CardReader { pty, insert } => {
            manassa_emulators::card_reader::run_cli(&pty, insert)
        }
        EmulatedDevice::Printer(args) => cli::emulate_printer(&args),
        EmulatedDevice::MrzReader(args) => cli::emulate_mrz_reader(&args),
        EmulatedDevice::BadgeReader(args) => cli::emulate_badge_reader(&args),
        EmulatedDevice::Scanner(args) => cli::emulate_scanner(&args),
        EmulatedDevice::Ticket(args) => cli::ticket(&args),
    }
}
