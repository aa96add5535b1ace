//! `manassa device list|test`: the configured serial devices, probed and exercised.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::config::Config;
use manassa_devices::escpos::{self, EscPosPrinter, TicketItem};
use manassa_devices::serial::{self, SerialConfig, SerialError};
use manassa_devices::{DeviceState, badge, card_reader, mrz, scanner};

/// `manassa device`.
#[derive(Debug, Args)]
pub struct DeviceArgs {
    /// Kiosk configuration file.
    #[arg(long, default_value = "/etc/manassa/manassa.toml")]
    pub config: PathBuf,
    /// What to do.
    #[command(subcommand)]
    pub action: DeviceAction,
}

/// `manassa device list|test`.
#[derive(Debug, Subcommand)]
pub enum DeviceAction {
    /// Every configured serial device, its path and its state (XFS4IoT words).
    List,
    /// Exercise one device: card-reader, printer, mrz-reader, badge-reader or scanner.
    Test {
        /// Device name as shown by `device list`.
        name: String,
        /// How long to wait for a card, document, badge or scan.
        #[arg(long, default_value_t = 30)]
        seconds: u64,
    },
}

/// One configured serial device.
struct Configured {
    name: &'static str,
    kind: &'static str,
    serial: SerialConfig,
}

fn configured(cfg: &Config) -> Vec<Configured> {
    let mut out = Vec::new();
    if let Some(s) = &cfg.card_reader {
        out.push(Configured {
            name: "card-reader",
            kind: "CRT-310 card reader",
            serial: s.clone(),
        });
    }
    if let Some(p) = &cfg.printer {
        out.push(Configured {
            name: "printer",
            kind: "ESC/POS thermal printer",
            serial: p.serial.clone(),
        });
    }
    if let Some(s) = &cfg.mrz_reader {
        out.push(Configured {
            name: "mrz-reader",
            kind: "ID/passport MRZ reader",
            serial: s.clone(),
        });
    }
    if let Some(s) = &cfg.badge_reader {
        out.push(Configured {
            name: "badge-reader",
            kind: "RDM6300 badge reader",
            serial: s.clone(),
        });
    }
    if let Some(s) = &cfg.scanner {
        out.push(Configured {
            name: "scanner",
            kind: "QR/barcode scanner",
            serial: s.serial.clone(),
        });
    }
    out
}

/// Runs `manassa device list|test`.
///
/// # Errors
/// An unreadable configuration, an unknown device name, or a failed test.
pub fn device(args: &DeviceArgs) -> anyhow::Result<()> {
    let cfg = Config::load(&args.config)?;
    let devices = configured(&cfg);
    match &args.action {
        DeviceAction::List => {
            if devices.is_empty() {
                println!("no serial devices configured in {}", args.config.display());
            }
            for d in &devices {
                let (state, detail) = probe(d, &cfg);
                println!(
                    "{:<13} {:<24} {:<10} {}  {}",
                    d.name,
                    d.kind,
                    state_word(state),
                    d.serial.path.display(),
                    detail
                );
            }
            Ok(())
        }
        DeviceAction::Test { name, seconds } => {
            let d = devices.iter().find(|d| d.name == name).with_context(|| {
                let names: Vec<_> = devices.iter().map(|d| d.name).collect();
                format!("no configured device {name:?}; configured: {names:?}")
            })?;
            test_device(d, &cfg, Duration::from_secs(*seconds))
        }
    }
}

/// The configured printer profile's name and capabilities (the default when unset).
fn printer_profile(cfg: &Config) -> (String, escpos::Profile) {
    match &cfg.printer {
        Some(p) => (p.profile_name.clone(), p.profile),
        None => (escpos::DEFAULT_PROFILE.into(), escpos::Profile::new(576)),
    }
}

/// The XFS4IoT word of a state, as technicians know it.
fn state_word(s: DeviceState) -> String {
    serde_json::to_string(&s)
        .unwrap_or_default()
        .trim_matches('"')
        .to_string()
}

/// Explains a failed open the way a technician needs it.
fn open_problem(e: &SerialError) -> String {
    match e {
        SerialError::Open { source, .. } => {
            let text = source.to_string();
            if text.contains("busy") || text.contains("Resource temporarily unavailable") {
                "port busy: is the kiosk running? (`systemctl stop manassa` to test)".into()
            } else {
                format!("cannot open: {text}")
            }
        }
        other => other.to_string(),
    }
}

/// Opens the device briefly and reports its state.
fn probe(d: &Configured, cfg: &Config) -> (DeviceState, String) {
    match d.name {
        "card-reader" => match card_reader::probe(&d.serial) {
            Ok(pos) => (
                DeviceState::Online,
                format!("media {}", state_json(&pos.media_state())),
            ),
            Err(e) => (DeviceState::NoDevice, e),
        },
        "printer" => {
            let (name, profile) = printer_profile(cfg);
            match EscPosPrinter::with_profile(&d.serial, profile).and_then(|mut p| p.status()) {
                Ok(s) => (
                    if s.online {
                        DeviceState::Online
                    } else {
                        DeviceState::Offline
                    },
                    format!(
                        "paper {}{}, profile {name}",
                        state_json(&s.paper),
                        if s.cover_open { ", cover open" } else { "" }
                    ),
                ),
                Err(escpos::PrinterError::NoDevice(e)) => (DeviceState::NoDevice, open_problem(&e)),
                Err(e) => (DeviceState::HardwareError, e.to_string()),
            }
        }
        // Passive readers only talk when used: an open port is all we can know.
        _ => match serial::open(&d.serial) {
            Ok(_) => (
                DeviceState::Online,
                "port opens (the device speaks only when used)".into(),
            ),
            Err(e) => (DeviceState::NoDevice, open_problem(&e)),
        },
    }
}

fn state_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v)
        .unwrap_or_default()
        .trim_matches('"')
        .to_string()
}

/// `manassa device test NAME`.
fn test_device(d: &Configured, cfg: &Config, wait: Duration) -> anyhow::Result<()> {
    println!(
        "testing {} ({}) on {}",
        d.name,
        d.kind,
        d.serial.path.display()
    );
    match d.name {
        "card-reader" => card_reader::self_test(&d.serial, wait),
        "printer" => {
            let mut p = EscPosPrinter::with_profile(&d.serial, printer_profile(cfg).1)?;
            let width = p.dot_width();
            let s = p.status()?;
            println!(
                "status: {}, paper {}{}",
                if s.online { "online" } else { "offline" },
                state_json(&s.paper),
                if s.cover_open { ", cover open" } else { "" }
            );
            let now = time::OffsetDateTime::now_utc();
            let items = vec![
                TicketItem::Text {
                    text: "MANASSA PRINTER TEST".into(),
                    align: escpos::Align::Center,
                    double: true,
                },
                TicketItem::Text {
                    text: format!(
                        "{:04}-{:02}-{:02} {:02}:{:02} UTC, {} dots",
                        now.year(),
                        now.month() as u8,
                        now.day(),
                        now.hour(),
                        now.minute(),
                        width
                    ),
                    align: escpos::Align::Center,
                    double: false,
                },
                TicketItem::Qr {
                    data: "MANASSA-PRINTER-TEST".into(),
                    module_dots: 6,
                },
                TicketItem::Feed(48),
                TicketItem::Cut,
            ];
            p.print(&items)?;
            println!("test ticket printed and confirmed");
            Ok(())
        }
        "mrz-reader" => {
            let (_h, events) = mrz::spawn(d.serial.clone());
            println!("place an ID card or passport page on the reader…");
            wait_event(&events, wait, |ev| match ev {
                mrz::MrzEvent::Read(doc) => Some(Ok(format!(
                    "{} read, every check digit correct",
                    doc.format_name()
                ))),
                mrz::MrzEvent::Rejected { reason } => Some(Err(format!("rejected: {reason}"))),
                mrz::MrzEvent::State(s) => {
                    println!("state {}", state_word(*s));
                    None
                }
            })
        }
        "badge-reader" => {
            let (_h, events) = badge::spawn(d.serial.clone());
            println!("present a badge to the reader…");
            wait_event(&events, wait, |ev| match ev {
                badge::BadgeEvent::Read(b) => Some(Ok(format!("badge read: {}", b.masked()))),
                badge::BadgeEvent::Rejected { reason } => Some(Err(format!("rejected: {reason}"))),
                badge::BadgeEvent::State(s) => {
                    println!("state {}", state_word(*s));
                    None
                }
            })
        }
        "scanner" => {
            let sc = cfg.scanner.clone().context("scanner not configured")?;
            let (_h, events) = scanner::spawn(sc);
            println!("scan a QR code or barcode…");
            wait_event(&events, wait, |ev| match ev {
                scanner::ScanEvent::Read(s) => {
                    Some(Ok(format!("scan read: {} characters", s.chars().count())))
                }
                scanner::ScanEvent::Rejected { reason } => Some(Err(format!("rejected: {reason}"))),
                scanner::ScanEvent::State(s) => {
                    println!("state {}", state_word(*s));
                    None
                }
            })
        }
        other => anyhow::bail!("no test for {other}"),
    }
}

/// Waits for the first event `judge` decides on.
fn wait_event<E>(
    events: &std::sync::mpsc::Receiver<E>,
    wait: Duration,
    judge: impl Fn(&E) -> Option<Result<String, String>>,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match events.recv_timeout(left) {
            Ok(ev) => match judge(&ev) {
                Some(Ok(msg)) => {
                    println!("{msg}");
                    return Ok(());
                }
                Some(Err(msg)) => anyhow::bail!(msg),
                None => {}
            },
            Err(_) => anyhow::bail!("nothing read within {} s", wait.as_secs()),
        }
    }
}
