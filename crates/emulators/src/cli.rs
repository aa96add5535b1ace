//! The subcommands of `manassa-emulate`: `printer`, `mrz-reader`, `badge-reader`, `scanner`
//! (the card reader's is in [`crate::card_reader::run_cli`]) and `ticket render`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::{badge, escpos, mrz, scanner};
use manassa_devices::escpos::Profile;
use manassa_documents::ticket::{self, Ticket};
use manassa_i18n::Lang;

/// `manassa emulate printer`.
#[derive(Debug, Args)]
pub struct PrinterArgs {
    /// Symlink to create for the pseudo-terminal.
    #[arg(long)]
    pub pty: PathBuf,
    /// Folder to write each job's paper (job-N.png) and log (job-N.txt) into.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The paper runs out after this many bytes of print data (mid-job).
    #[arg(long)]
    pub paper_out_after: Option<usize>,
    /// Slow line: take at most BAUD/10 bytes per second (byte-rate limit).
    #[arg(long)]
    pub baud: Option<u32>,
    /// Paper width in dots (384, 432, 512, 576).
    #[arg(long, default_value_t = 576)]
    pub dot_width: u32,
}

/// `manassa emulate mrz-reader|badge-reader`.
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Symlink to create for the pseudo-terminal.
    #[arg(long)]
    pub pty: PathBuf,
}

/// `manassa emulate scanner`.
#[derive(Debug, Args)]
pub struct ScannerArgs {
    /// Symlink to create for the pseudo-terminal.
    #[arg(long)]
    pub pty: PathBuf,
    /// Line terminator the scanner sends: cr, lf or crlf.
    #[arg(long, default_value = "crlf")]
    pub terminator: String,
}

/// `manassa ticket`.
#[derive(Debug, Args)]
pub struct TicketArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: TicketAction,
}

/// `manassa ticket render`.
#[derive(Debug, Subcommand)]
pub enum TicketAction {
    /// Encode a ticket ({"lang","reference","document_number"} JSON) to ESC/POS bytes and
    /// optionally draw the paper the printer would produce.
    Render {
        /// Ticket JSON: {"lang": "ar"|"en", "reference": "...", "document_number": "..."}.
        #[arg(long)]
        data: PathBuf,
        /// ESC/POS output file.
        #[arg(long)]
        out: PathBuf,
        /// PNG of the decoded paper.
        #[arg(long)]
        png: Option<PathBuf>,
        /// Printer profile from the devices crate's `data/thermal-profiles.toml`.
        #[arg(long, default_value = "default")]
        profile: String,
        /// Paper width in dots (384, 432, 512, 576), overriding the profile's.
        #[arg(long)]
        dot_width: Option<u32>,
        /// Send QR codes as rasters (printers without native QR), whatever the profile.
        #[arg(long)]
        raster_qr: bool,
    },
}

/// Runs `manassa emulate printer`.
///
/// # Errors
/// As [`escpos::run_cli`].
pub fn emulate_printer(args: &PrinterArgs) -> anyhow::Result<()> {
    escpos::run_cli(&escpos::CliOptions {
        pty: args.pty.clone(),
        out: args.out.clone(),
        paper_out_after: args.paper_out_after,
        baud: args.baud,
        dot_width: args.dot_width,
    })
}

/// Runs `manassa emulate mrz-reader`.
///
/// # Errors
/// When the pty or its link cannot be created.
pub fn emulate_mrz_reader(args: &EmulatorArgs) -> anyhow::Result<()> {
    mrz::run_cli(&args.pty)
}

/// Runs `manassa emulate badge-reader`.
///
/// # Errors
/// When the pty or its link cannot be created.
pub fn emulate_badge_reader(args: &EmulatorArgs) -> anyhow::Result<()> {
    badge::run_cli(&args.pty)
}

/// Runs `manassa emulate scanner`.
///
/// # Errors
/// When the terminator is unknown or the pty or its link cannot be created.
pub fn emulate_scanner(args: &ScannerArgs) -> anyhow::Result<()> {
    let term: manassa_devices::scanner::Terminator = args
        .terminator
        .parse()
        .map_err(|e: String| anyhow::anyhow!(e))?;
    scanner::run_cli(&args.pty, term)
}

/// The ticket file of `manassa ticket render`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TicketFile {
    lang: Lang,
    reference: String,
    document_number: String,
}

/// Runs `manassa ticket render`: composes the ticket with the documents module, encodes
/// it for the profile, and draws the PNG by decoding those bytes with the printer
/// emulator's decoder (the picture shows what the printer would print).
///
/// # Errors
/// Unreadable or invalid JSON, an unencodable ticket, unwritable outputs.
pub fn ticket(args: &TicketArgs) -> anyhow::Result<()> {
    let TicketAction::Render {
        data,
        out,
        png,
        profile,
        dot_width,
        raster_qr,
    } = &args.action;
    let mut profile = Profile::named(profile)?;
    if let Some(w) = dot_width {
        profile.dot_width = *w;
    }
    if *raster_qr {
        profile.native_qr = false;
    }
    let dot_width = &profile.dot_width;
    anyhow::ensure!(
        [384, 432, 512, 576].contains(dot_width),
        "--dot-width {dot_width} is not one of 384, 432, 512, 576"
    );
    let text =
        std::fs::read_to_string(data).with_context(|| format!("cannot read {}", data.display()))?;
    let file: TicketFile = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a ticket", data.display()))?;
    let t = Ticket {
        lang: file.lang,
        reference: file.reference,
        document_number: file.document_number,
    };
    let items = ticket::render(&t, *dot_width);
    let bytes = manassa_devices::escpos::encode_for(&items, &profile)?;
    std::fs::write(out, &bytes).with_context(|| format!("cannot write {}", out.display()))?;
    println!("{}: {} bytes", out.display(), bytes.len());
    if let Some(png) = png {
        write_png(&bytes, *dot_width, png)?;
    }
    Ok(())
}

/// Decodes `bytes` as the emulator would and writes the first job's paper as PNG.
fn write_png(bytes: &[u8], dot_width: u32, png: &Path) -> anyhow::Result<()> {
    let jobs = escpos::decode_stream(bytes, dot_width);
    let job = jobs.first().context("the stream prints nothing")?;
    let data = job.paper.to_png().map_err(anyhow::Error::msg)?;
    std::fs::write(png, data).with_context(|| format!("cannot write {}", png.display()))?;
    println!(
        "{}: {}x{} dots{}",
        png.display(),
        job.paper.width(),
        job.paper.height(),
        if job.cut { ", cut" } else { "" }
    );
    Ok(())
}
