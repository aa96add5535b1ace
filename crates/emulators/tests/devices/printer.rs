//! The thermal printer over real pseudo-terminals: the ESC/POS driver against the printer
//! emulator, tickets compared with reference images, faults mid-job, unplug/replug, a slow
//! line, and the `manassa-emulate ticket render` / `manassa-emulate printer` processes.
//!
//! Reference images live in `tests/data/ticket-*.png`. After an intended change to the
//! ticket's layout, regenerate them with `MANASSA_BLESS=1 cargo test --test devices printer::`
//! and look at them before committing.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use manassa_devices::PaperState;
use manassa_devices::escpos::{self, EscPosPrinter, PrinterError, Profile, TicketItem};
use manassa_devices::serial::SerialConfig;
use manassa_documents::ticket::{self, Ticket};
use manassa_emulators::escpos::{self as emu, MidJobFault, PrintedJob, PrinterEmulator};
use manassa_emulators::paper::{Paper, PaperEnd, PlacedKind};
use manassa_i18n::Lang;

fn fast(path: PathBuf) -> SerialConfig {
    let mut cfg = SerialConfig::new(path);
    cfg.read_timeout = Duration::from_millis(50);
    cfg
}

fn demo_ticket(lang: Lang) -> Ticket {
    Ticket {
        lang,
        reference: "K01-20261129-0042".into(),
        document_number: "BP-2026-004512".into(),
    }
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("manassa-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Rows of the paper that depend on the clock: the date line of the ticket.
fn time_rows(job: &PrintedJob) -> Vec<std::ops::Range<u32>> {
    job.paper
        .placed()
        .iter()
        .filter(|p| matches!(&p.what, PlacedKind::Text(t) if t.ends_with(" UTC")))
        .map(|p| p.y..p.y + p.height)
        .collect()
}

/// Black dots of a PNG written by `Paper::to_png` (grey marks and white are not black).
fn black_of(png: &tiny_skia::Pixmap, x: u32, y: u32) -> bool {
    png.pixel(x, y).is_some_and(|p| p.red() < 100)
}

fn qr_payloads(paper: &Paper) -> Vec<String> {
    let bmp = paper.bitmap();
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(
        bmp.width as usize,
        bmp.height as usize,
        |x, y| if bmp.get(x as u32, y as u32) { 0 } else { 255 },
    );
    img.detect_grids()
        .iter()
        .filter_map(|g| g.decode().ok().map(|(_, s)| s))
        .collect()
}

/// Compares the paper with the reference PNG outside the clock's rows; at most 0.2 % of the
/// compared dots may differ (font hinting changes), and the size must match.
fn compare_with_reference(job: &PrintedJob, name: &str) {
    let reference = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    if std::env::var_os("MANASSA_BLESS").is_some() {
        std::fs::create_dir_all(reference.parent().unwrap()).unwrap();
        std::fs::write(&reference, job.paper.to_png().unwrap()).unwrap();
    }
    let want = tiny_skia::Pixmap::load_png(&reference)
        .unwrap_or_else(|e| panic!("{}: {e} (MANASSA_BLESS=1 creates it)", reference.display()));
    let got = job.paper.to_pixmap();
    assert_eq!(
        (got.width(), got.height()),
        (want.width(), want.height()),
        "paper size differs from {name}"
    );
    let skip = time_rows(job);
    assert_eq!(skip.len(), 1, "one date line");
    let (mut compared, mut differ) = (0u64, 0u64);
    for y in (0..got.height()).filter(|y| !skip.iter().any(|r| r.contains(y))) {
        for x in 0..got.width() {
            compared += 1;
            differ += u64::from(black_of(&got, x, y) != black_of(&want, x, y));
        }
    }
    assert!(
        differ * 500 <= compared,
        "{differ} of {compared} dots differ from {name}"
    );
}

#[test]
fn tickets_print_as_the_reference_images_with_a_scannable_qr_and_a_cut() {
    let emu = PrinterEmulator::start().unwrap();
    let mut printer = EscPosPrinter::open(&fast(emu.path()), 576).unwrap();
    for (n, (lang, name)) in [(Lang::Ar, "ticket-ar.png"), (Lang::En, "ticket-en.png")]
        .into_iter()
        .enumerate()
    {
        let t = demo_ticket(lang);
        printer.print(&ticket::render(&t, 576)).unwrap();
        let jobs = emu.wait_for_jobs(n + 1, Duration::from_secs(10));
        let job = &jobs[n];
        assert!(job.cut, "the ticket ends with a cut");
        assert_eq!(job.paper.end(), PaperEnd::Cut);
        assert!(job.text_lines.contains(&t.reference));
        assert_eq!(job.qr_codes, std::slice::from_ref(&t.reference));
        assert_eq!(
            qr_payloads(&job.paper),
            std::slice::from_ref(&t.reference),
            "QR scans"
        );
        compare_with_reference(job, name);
    }
}

#[test]
fn ticket_bytes_are_far_below_the_naive_full_raster() {
    let items = ticket::render(&demo_ticket(Lang::Ar), 576);
    let bytes = escpos::encode_for(&items, &Profile::new(576)).unwrap();
    let job = &emu::decode_stream(&bytes, 576)[0];
    let naive = 2 + job.paper.height() as usize * 72;
    assert!(
        bytes.len() * 3 < naive,
        "{} bytes vs {naive} for the full raster",
        bytes.len()
    );
}

#[test]
fn status_answers_the_state_the_emulator_is_given() {
    let emu = PrinterEmulator::start().unwrap();
    let mut printer = EscPosPrinter::open(&fast(emu.path()), 576).unwrap();
    for paper in [
        PaperState::Full,
        PaperState::Low,
        PaperState::Out,
        PaperState::Jammed,
    ] {
        for cover in [false, true] {
            emu.set_paper(paper);
            emu.set_cover_open(cover);
            let s = printer.status().unwrap();
            assert_eq!((s.paper, s.cover_open), (paper, cover));
            assert_eq!(
                s.online,
                !cover && matches!(paper, PaperState::Full | PaperState::Low)
            );
        }
    }
    emu.set_paper(PaperState::Jammed);
    emu.set_cover_open(false);
    assert!(matches!(
        printer.print(&[TicketItem::Cut]),
        Err(PrinterError::Jammed)
    ));
    emu.set_paper(PaperState::Low);
    printer.print(&[TicketItem::Cut]).unwrap();
}

#[test]
fn paper_out_mid_job_is_reported_and_the_ticket_is_torn() {
    let emu = PrinterEmulator::start().unwrap();
    let mut printer = EscPosPrinter::open(&fast(emu.path()), 576).unwrap();
    emu.paper_out_after_bytes(Some(1500));
    let items = ticket::render(&demo_ticket(Lang::Ar), 576);
    let err = printer.print(&items).unwrap_err();
    assert!(matches!(err, PrinterError::PaperOutMidJob), "{err}");
    let jobs = emu.wait_for_jobs(1, Duration::from_secs(10));
    assert_eq!(jobs.len(), 1);
    let job = &jobs[0];
    assert!(!job.cut);
    assert_eq!(job.paper.end(), PaperEnd::Torn);
    assert!(job.qr_codes.is_empty(), "torn before the QR");
    // The drawn paper shows the torn edge (grey) below the last printed row.
    let png = job.paper.to_pixmap();
    let grey = (0..png.width())
        .filter(|&x| {
            (job.paper.height()..png.height()).any(|y| png.pixel(x, y).unwrap().red() == 150)
        })
        .count();
    assert_eq!(grey, png.width() as usize, "a torn edge across the paper");
    // Refused while out; prints once the roll is replaced.
    assert!(matches!(printer.print(&items), Err(PrinterError::PaperOut)));
    emu.set_paper(PaperState::Full);
    printer.print(&items).unwrap();
    assert!(emu.wait_for_jobs(2, Duration::from_secs(10))[1].cut);
}

#[test]
fn cover_opened_mid_job_is_reported() {
    let emu = PrinterEmulator::start().unwrap();
    let mut printer = EscPosPrinter::open(&fast(emu.path()), 576).unwrap();
    emu.fault_after_bytes(800, MidJobFault::CoverOpen);
    let err = printer
        .print(&ticket::render(&demo_ticket(Lang::En), 576))
        .unwrap_err();
    match err {
        PrinterError::FailedMidJob(s) => assert!(s.cover_open && !s.online),
        other => panic!("expected FailedMidJob, got {other}"),
    }
    let job = &emu.wait_for_jobs(1, Duration::from_secs(10))[0];
    assert!(!job.cut);
    assert_eq!(job.paper.end(), PaperEnd::Open, "stopped, not torn");
}

#[test]
fn unplugged_printer_is_used_again_after_replug_without_reopening_by_hand() {
    let dir = tmpdir("printer-replug");
    let link = dir.join("thermal");
    let emu = PrinterEmulator::with_link(&link).unwrap();
    let mut printer = EscPosPrinter::open(&fast(link.clone()), 576).unwrap();
    let items = [
        TicketItem::Text {
            text: "one".into(),
            align: escpos::Align::Left,
            double: false,
        },
        TicketItem::Cut,
    ];
    printer.print(&items).unwrap();
    emu.set_unplugged(true);
    wait_until("the link to go", || !link.exists());
    assert!(matches!(
        printer.print(&items),
        Err(PrinterError::NoDevice(_))
    ));
    emu.set_unplugged(false);
    wait_until("the link to come back", || link.exists());
    printer.print(&items).unwrap();
    let jobs = emu.wait_for_jobs(2, Duration::from_secs(10));
    assert_eq!(jobs.len(), 2, "before and after the replug");
    drop(emu);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn slow_line_is_waited_for_before_the_job_counts_as_printed() {
    let emu = PrinterEmulator::start().unwrap();
    emu.set_baud(Some(38_400));
    let mut cfg = fast(emu.path());
    cfg.baud = 38_400;
    let mut printer = EscPosPrinter::open(&cfg, 576).unwrap();
    let items = ticket::render(&demo_ticket(Lang::Ar), 576);
    printer.print(&items).unwrap();
    // print() returned only after the printer answered GS r 1, which it does once it has
    // taken and printed every byte before it: the job is there without waiting.
    let jobs = emu.jobs();
    assert_eq!(jobs.len(), 1);
    assert!(jobs[0].cut);
    assert_eq!(
        jobs[0].bytes,
        escpos::encode_for(&items, &Profile::new(576))
            .unwrap()
            .len()
    );
}

#[test]
fn ticket_render_command_writes_the_bytes_and_the_paper() {
    let dir = tmpdir("ticket-render");
    let data = dir.join("ticket.json");
    std::fs::write(
        &data,
        r#"{"lang": "ar", "reference": "K01-20261129-0042", "document_number": "BP-2026-004512"}"#,
    )
    .unwrap();
    let (bin, png) = (dir.join("t.bin"), dir.join("t.png"));
    let out = Command::new(env!("CARGO_BIN_EXE_manassa-emulate"))
        .args(["ticket", "render", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&bin)
        .arg("--png")
        .arg(&png)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&bin).unwrap();
    let jobs = emu::decode_stream(&bytes, 576);
    assert!(jobs[0].cut);
    let pm = tiny_skia::Pixmap::load_png(&png).unwrap();
    assert_eq!((pm.width(), pm.height()), (576, jobs[0].paper.height() + 8));
    // A bad file is refused with a message naming it.
    std::fs::write(&data, r#"{"lang": "fr"}"#).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_manassa-emulate"))
        .args(["ticket", "render", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&bin)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a ticket"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn emulate_printer_command_draws_each_job_and_follows_stdin_faults() {
    let dir = tmpdir("emulate-printer");
    let link = dir.join("thermal");
    let out = dir.join("jobs");
    let mut child = Command::new(env!("CARGO_BIN_EXE_manassa-emulate"))
        .args(["printer", "--pty"])
        .arg(&link)
        .arg("--out")
        .arg(&out)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until("the emulator's link", || link.exists());
    let mut printer = EscPosPrinter::open(&fast(link.clone()), 576).unwrap();
    printer
        .print(&ticket::render(&demo_ticket(Lang::En), 576))
        .unwrap();
    wait_until("job-1.png", || out.join("job-1.txt").exists());
    let log = std::fs::read_to_string(out.join("job-1.txt")).unwrap();
    assert!(
        log.contains("cut") && log.contains("qr     K01-20261129-0042"),
        "{log}"
    );
    wait_until("job-1.png", || {
        std::fs::read(out.join("job-1.png"))
            .is_ok_and(|b| tiny_skia::Pixmap::decode_png(&b).is_ok())
    });
    let stdin = child.stdin.as_mut().unwrap();
    writeln!(stdin, "paper out").unwrap();
    stdin.flush().unwrap();
    wait_until("paper out", || {
        printer.status().is_ok_and(|s| s.paper == PaperState::Out)
    });
    writeln!(child.stdin.as_mut().unwrap(), "quit").unwrap();
    assert!(child.wait().unwrap().success());
    assert!(!link.exists(), "the link goes with the emulator");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_status_reply_that_comes_late_or_twice_never_answers_the_next_query() {
    let emu = PrinterEmulator::start().unwrap();
    let mut printer = EscPosPrinter::open(&fast(emu.path()), 576).unwrap();
    // Every reply twice: each query still gets its own.
    emu.set_reply_twice(true);
    for (paper, cover) in [
        (PaperState::Full, true),
        (PaperState::Out, false),
        (PaperState::Low, true),
        (PaperState::Full, false),
    ] {
        emu.set_paper(paper);
        emu.set_cover_open(cover);
        let s = printer.status().unwrap();
        assert_eq!((s.paper, s.cover_open), (paper, cover), "replies twice");
    }
    emu.set_reply_twice(false);
    // A reply just after the driver gave up (1.05 s for a 1 s timeout), while the printer
    // was still fine; then someone opens the cover. The ticket must not be sent.
    emu.set_reply_delay(Duration::from_millis(1050));
    assert!(matches!(printer.status(), Err(PrinterError::NoDevice(_))));
    emu.set_reply_delay(Duration::ZERO);
    emu.set_cover_open(true);
    assert!(matches!(
        printer.print(&[TicketItem::Cut]),
        Err(PrinterError::CoverOpen)
    ));
    emu.set_cover_open(false);
    emu.set_paper(PaperState::Out);
    assert_eq!(printer.status().unwrap().paper, PaperState::Out);
    emu.set_paper(PaperState::Full);
    printer.print(&[TicketItem::Cut]).unwrap();
}

#[test]
fn a_printer_that_holds_the_line_forever_fails_the_job_instead_of_hanging() {
    let emu = PrinterEmulator::start().unwrap();
    let mut cfg = fast(emu.path());
    // Software flow control: the XOFF stops the host's output in the kernel, where a
    // plain tcdrain would wait for it for ever.
    cfg.flow = manassa_devices::serial::Flow::XonXoff;
    let mut printer = EscPosPrinter::open(&cfg, 576).unwrap();
    printer.status().unwrap();
    // The status checks pass; the printer holds the line a few KiB into the job.
    emu.hold_after_bytes(8 * 1024);
    // A tall raster: far more than the pty holds.
    let tall = TicketItem::Raster(manassa_devices::escpos::MonoBitmap {
        width: 576,
        height: 4000,
        data: vec![0xAA; 72 * 4000],
    });
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(printer.print(&[tall, TicketItem::Cut]));
    });
    // A watchdog, not a speed target: without a bound the thread never comes back.
    let result = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("the printer thread hung on a printer holding the line");
    assert!(result.is_err(), "{result:?}");
}
