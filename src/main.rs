//! `manassa`: the kiosk and the technician's tools. The reference server is `manassa-sim`
//! and the device emulators `manassa-emulate`; the demo starts both as child processes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};

use manassa::config::{A4Config, Config, ThermalConfig};
use manassa::runtime::{Kiosk, Services, forward_card_events, forward_scanner_events};
use manassa::ui::KioskUi;
use manassa_devices::a4::A4Sink;
use manassa_devices::card_reader;
use manassa_devices::serial::SerialConfig;
use manassa_devices::thermal::ThermalPrinter;
use manassa_outbox::{Outbox, spawn_sync_worker};
use manassa_session::Session;

#[derive(Parser)]
#[command(name = "manassa", version, about = "Self-service government kiosk")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// The kiosk with its embedded defaults: reference server on loopback, emulated card
    /// reader and thermal printer on pseudo-terminals, A4 papers written to a folder.
    Demo {
        /// Folder for A4 PDFs and the demo database.
        #[arg(long, default_value = "demo-out")]
        out: PathBuf,
    },
    /// The kiosk in production: full screen, configured devices and ministry API.
    Run {
        /// TOML configuration file.
        #[arg(long, default_value = "/etc/manassa/manassa.toml")]
        config: PathBuf,
    },
    /// The kiosk's health on the command line; exit code 0 when all is well, 2 when something
    /// needs a look, 1 when something is broken.
    Doctor {
        /// TOML configuration file.
        #[arg(long, default_value = "/etc/manassa/manassa.toml")]
        config: PathBuf,
    },
    // -- maintenance --
    /// Hash a technician PIN (6–8 digits, read from stdin) to an Argon2id PHC string for
    /// `[maintenance.pins]`, peppered with the kiosk's maintenance secret when given.
    PinHash {
        /// The file behind the kiosk's `manassa-maintenance-secret` credential (at least
        /// 32 bytes). Hashes made without it do not verify on a kiosk that has it.
        #[arg(long)]
        secret: Option<PathBuf>,
    },
    // -- end maintenance --
    /// Render one screen headlessly to PNG with demo data (docs, reviews, tests).
    Snapshot {
        /// Screen: attract, services, identify, code, documents, preview, printing, done,
        /// error, verify-scan, verify-result, complaint, complaint-category,
        /// complaint-phone, rating, sent, idle-warning.
        #[arg(long, default_value = "attract")]
        screen: String,
        /// Language: ar or en.
        #[arg(long, default_value = "ar")]
        lang: String,
        /// Large-text mode (EN 301 549 5.1.4).
        #[arg(long)]
        large_text: bool,
        /// High-contrast theme.
        #[arg(long)]
        high_contrast: bool,
        /// Size in pixels, WIDTHxHEIGHT.
        #[arg(long, default_value = "1080x1920")]
        size: String,
        /// Output PNG.
        #[arg(long)]
        out: PathBuf,
    },
    /// Official papers: render one, or check a paper's seal.
    Doc(manassa::cli::doc::DocArgs),
    // -- devices (issues 7, 9): technician and ticket commands in manassa::cli::device --
    /// Configured serial devices: list them with their state, or test one.
    Device(manassa::cli::device::DeviceArgs),
    // -- end devices --
    // -- outbox: technician commands, implemented in manassa::cli::outbox --
    /// Offline outbox: status, forced drain, dead letters, re-queue.
    Outbox(manassa::cli::outbox::OutboxArgs),
    // -- end outbox --
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(manassa::maintenance::logs::tee_stderr) // stderr + the menu's log page
        .init();
    // The kiosk image names a folder on the data partition; the demo logs to stderr only.
    if let Some(dir) = std::env::var_os("MANASSA_LOG_DIR") {
        let dir = Path::new(&dir);
        if let Err(e) =
            manassa::maintenance::logs::open_file(dir, manassa::maintenance::logs::ROTATE_BYTES)
        {
            tracing::error!(dir = %dir.display(), error = %e, "log file not opened; logging to stderr only");
        }
    }
}

fn main() -> anyhow::Result<()> {
    init_logging();
    let cli = Cli::parse();
    match cli.command {
        None => {
            let cfg = Path::new("/etc/manassa/manassa.toml");
            if cfg.exists() {
                run(cfg)
            } else {
                demo(Path::new("demo-out"))
            }
        }
        Some(Command::Demo { out }) => demo(&out),
        Some(Command::Run { config }) => run(&config),
        Some(Command::Outbox(args)) => manassa::cli::outbox::run_cli(args),
        Some(Command::Device(args)) => manassa::cli::device::device(&args), // issues 7, 9
        // -- maintenance --
        Some(Command::PinHash { secret }) => {
            let secret = match secret {
                Some(p) => {
                    let bytes =
                        std::fs::read(&p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
                    anyhow::ensure!(bytes.len() >= 32, "{}: fewer than 32 bytes", p.display());
                    Some(bytes)
                }
                None => None,
            };
            let mut pin = String::new();
            std::io::stdin().read_line(&mut pin)?;
            let phc = manassa::maintenance::pins::hash_pin(pin.trim(), secret.as_deref())
                .map_err(|e| anyhow::anyhow!(e))?;
            println!("{phc}");
            Ok(())
        }
        // -- end maintenance --
        Some(Command::Doctor { config }) => {
            let rt = tokio::runtime::Runtime::new()?;
            let checks = rt.block_on(manassa::maintenance::doctor(&config));
            // Non-zero whenever something needs attention: 1 broken, 2 needs a look.
            manassa::maintenance::print_report(&checks);
            match manassa::maintenance::exit_code(&checks) {
                0 => Ok(()),
                code => std::process::exit(code),
            }
        }
        Some(Command::Snapshot {
            screen,
            lang,
            large_text,
            high_contrast,
            size,
            out,
        }) => {
            // -- maintenance: maintenance-badge, maintenance-pin, maintenance-PAGE --
            if let Some(name) = screen.strip_prefix("maintenance-") {
                let lang = manassa_i18n::Lang::parse(&lang)
                    .with_context(|| format!("--lang {lang:?}: use ar or en"))?;
                let menu = manassa::ui::demo_menu_view(name).with_context(|| {
                    format!(
                        "--screen {screen:?}: use maintenance-{}",
                        manassa::ui::MAINT_SCREENS.join(" | maintenance-")
                    )
                })?;
                let base = manassa::ui::demo_view(manassa_session::Screen::Attract, lang);
                let png = manassa::ui::snapshot_maintenance_png(&base, &menu, 1080, 1920)?;
                std::fs::write(&out, png)
                    .with_context(|| format!("cannot write {}", out.display()))?;
                return Ok(());
            }
            // -- end maintenance --
            let lang = manassa_i18n::Lang::parse(&lang)
                .with_context(|| format!("--lang {lang:?}: use ar or en"))?;
            let mut view = manassa::ui::demo_view_named(&screen, lang).with_context(|| {
                format!(
                    "--screen {screen:?}: not a screen name; use one of {}",
                    manassa::ui::snapshot_names().join(", ")
                )
            })?;
            view.access.large_text = large_text;
            view.access.high_contrast = high_contrast;
            let (w, h) = size
                .split_once('x')
                .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)))
                .filter(|(w, h)| (320..=4096).contains(w) && (320..=4096).contains(h))
                .with_context(|| format!("--size {size:?}: use WIDTHxHEIGHT, 320–4096 each"))?;
            let png = manassa::ui::snapshot_png(&view, true, w, h)?;
            std::fs::write(&out, png).with_context(|| format!("cannot write {}", out.display()))?;
            Ok(())
        }
        Some(Command::Doc(args)) => {
            let code = manassa::cli::doc::run_cli(args)?;
            if code != 0 {
                std::process::exit(code);
            }
            Ok(())
        }
    }
}

/// The kiosk in production, from a configuration file.
fn run(path: &Path) -> anyhow::Result<()> {
    let cfg = Config::load(path)?;
    let rt = tokio::runtime::Runtime::new()?;
    let (kiosk, tech) = build_kiosk(&cfg, &rt, false)?;
    let ui = KioskUi::new(kiosk)?;
    ui.attach_maintenance(tech);
    ui.run(true)?;
    Ok(())
}

/// Assemble services from `cfg` and wire devices to a new kiosk.
/// Also builds the technician menu over the same devices and outbox.
fn build_kiosk(
    cfg: &Config,
    rt: &tokio::runtime::Runtime,
    demo: bool,
) -> anyhow::Result<(Kiosk, manassa::maintenance::service::Technician)> {
    let client = cfg.api_client()?;
    if let Some(dir) = cfg.outbox.path.parent() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("outbox.path: cannot create {}", dir.display()))?;
    }
    // A full data partition must not keep the kiosk from starting: verifying papers works
    // without the outbox, and the outbox opens its file once space returns.
    let outbox = Arc::new(
        Outbox::open_or_degraded(&cfg.outbox.path)
            .with_context(|| format!("outbox.path: cannot open {}", cfg.outbox.path.display()))?,
    );
    let sync = {
        let _guard = rt.enter();
        spawn_sync_worker(outbox.clone(), client.clone())
    };
    let (card, card_events) = match &cfg.card_reader {
        Some(serial) => {
            let (h, ev) = card_reader::spawn(serial.clone());
            (Some(h), Some(ev))
        }
        None => (None, None),
    };
    let thermal = cfg
        .printer
        .as_ref()
        .map(|p| ThermalPrinter::spawn(p.serial.clone(), p.profile));
    let (scanner, scan_events) = match &cfg.scanner {
        Some(sc) => {
            let (h, ev) = manassa_devices::scanner::spawn(sc.clone());
            (Some(h), Some(ev))
        }
        None => (None, None),
    };
    // -- maintenance: the menu, its counters and the badge reader --
    let (tech, defaults) = manassa::maintenance::service::technician(
        cfg,
        manassa::maintenance::service::Parts {
            client: client.clone(),
            outbox: outbox.clone(),
            sync: Some(sync.clone()),
            thermal: thermal.clone(),
            scanner: scanner.as_ref().map(|h| h.watch()),
        },
        rt.handle().clone(),
    )?;
    let monitor = tech.tools().monitor.clone();
    let card_events =
        card_events.map(|ev| manassa::maintenance::monitor::tap_card_events(ev, monitor.clone()));
    // -- end maintenance --
    let keys = Arc::new(manassa::tawkeed::KeyStore::open(
        cfg.keys_path(),
        std::time::Duration::from_secs(cfg.ministry.keys_refresh_s),
    ));
    {
        let _guard = rt.enter();
        manassa::tawkeed::spawn_refresher(keys.clone(), client.clone());
    }
    let services = Services {
        scanner,
        client,
        outbox,
        sync,
        a4: A4Sink::from(&cfg.a4),
        thermal,
        card,
        kiosk_id: cfg.kiosk.id.clone(),
        demo,
        keys: keys.clone(),
        verifier_url: cfg.ministry.verifier_url.clone(),
        prepared: Default::default(),
        monitor: Some(monitor),
    };
    // Technician defaults (maintenance) over [kiosk].
    // The technician's volume (0–100) in the session's five speech levels.
    let volume = manassa::maintenance::volume_level(defaults.volume);
    let session =
        Session::new(defaults.language, defaults.idle_timeout_s as u64).with_default_volume(volume);
    // Audio guidance through speech-dispatcher; silent (and logged once) where it is missing.
    let kiosk = Kiosk::new(session, services, rt.handle().clone())
        .with_speaker(manassa::speech::Speaker::speech_dispatcher());
    if let Some(ev) = card_events {
        forward_card_events(ev, kiosk.sender());
    }
    if let Some(ev) = scan_events {
        forward_scanner_events(ev, kiosk.sender());
    }
    Ok((kiosk, tech))
}

/// The demo: nothing to configure. The reference server and the device emulators run as
/// child processes (`manassa-sim`, `manassa-emulate`), which the demo stops when it ends.
fn demo(out: &Path) -> anyhow::Result<()> {
    use manassa::demo::{DemoChild, emulator};
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let out = std::fs::canonicalize(out)?;
    let dev = out.join("dev");
    std::fs::create_dir_all(&dev).with_context(|| format!("cannot create {}", dev.display()))?;
    let rt = tokio::runtime::Runtime::new()?;
    let (sim, url) = DemoChild::start(
        "reference server",
        "manassa-sim",
        &[
            "--listen".as_ref(),
            "127.0.0.1:0".as_ref(),
            "--demo-sms".as_ref(),
        ],
    )?;
    tracing::info!(url = %url, "demo: reference ministry server");
    let tickets = out.join("tickets");
    let tickets_arg = tickets.to_string_lossy().into_owned();
    let (card_emu, card_path) = emulator("card-reader", &dev, &[])?;
    let (printer_emu, printer_path) = emulator("printer", &dev, &["--out", &tickets_arg])?;
    let (scanner_emu, scanner_path) = emulator("scanner", &dev, &[])?;
    // Badge reader emulator; demo badge and PIN in README.
    let (badge_emu, badge_path) = emulator("badge-reader", &dev, &[])?;
    tracing::info!(folder = %dev.display(), "demo: device emulators on pseudo-terminals");

    let mut cfg = Config::default();
    cfg.ministry.base_url = url;
    cfg.outbox.path = out.join("outbox.sqlite");
    cfg.a4 = A4Config::File {
        folder: out.join("papers"),
    };
    cfg.card_reader = Some(SerialConfig::new(card_path));
    cfg.scanner = Some(manassa_devices::scanner::ScannerConfig::new(
        SerialConfig::new(scanner_path),
    ));
    cfg.printer = Some(ThermalConfig::new(SerialConfig::new(printer_path)));
    cfg.badge_reader = Some(SerialConfig::new(badge_path));
    cfg.maintenance.state_dir = out.clone();
    cfg.maintenance.pins.insert(
        manassa::maintenance::DEMO_BADGE.into(),
        manassa::maintenance::DEMO_PIN_HASH.into(),
    );
    let (kiosk, tech) = build_kiosk(&cfg, &rt, true)?;
    let ui = KioskUi::new(kiosk)?;
    ui.attach_maintenance(tech);
    let badge_emu = Arc::new(badge_emu);
    let b = badge_emu.clone();
    ui.on_demo_badge(move || {
        b.command(&format!("hold {} 3", manassa::maintenance::DEMO_BADGE));
    });
    let card_emu = Arc::new(card_emu);
    let c = card_emu.clone();
    ui.on_demo_insert_card(move || {
        c.command("insert 28463400123");
    });
    ui.run(false)?;
    drop((printer_emu, scanner_emu, sim));
    Ok(())
}
