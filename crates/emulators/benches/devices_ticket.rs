//! Thermal ticket on the wire: bytes per ticket and seconds at 9600 and 115200 baud for our
//! encoding, next to the naive full-raster encoding of the same paper (every dot row sent as
//! raster, blank rows included), plus a measured print through the printer emulator with
//! its line limited to the baud rate (`GS r` confirmation included).
//!
//! `cargo bench -p manassa-emulators --bench devices_ticket`. Under `cargo test` (no `--bench` argument) it only
//! checks the figures can be computed, without the slow measured prints.

use std::time::{Duration, Instant};

use manassa_devices::escpos::{
    self, EscPosPrinter, MonoBitmap, Profile, RASTER_STRIP_ROWS, TicketItem, cmd,
};
use manassa_devices::serial::SerialConfig;
use manassa_documents::ticket::{self, Ticket};
use manassa_emulators::escpos::{self as emu, PrintedJob, PrinterEmulator};
use manassa_i18n::Lang;

/// `ESC @`, the whole paper as `GS v 0` strips of full rows, the cut.
fn naive_full_raster(paper: &MonoBitmap) -> Vec<u8> {
    let mut out = cmd::init().to_vec();
    let stride = paper.stride();
    for strip in paper.data.chunks(stride * RASTER_STRIP_ROWS as usize) {
        out.extend(cmd::raster(
            stride as u16,
            (strip.len() / stride) as u16,
            strip,
        ));
    }
    out.extend(cmd::partial_cut());
    out
}

/// A lower bound for the content: the inked byte span of every raster row, the native
/// text and QR payloads, `ESC @` and the cut.
fn lower_bound(job: &PrintedJob) -> usize {
    let spans: usize = job
        .rasters
        .iter()
        .map(|r| {
            (0..r.height as usize)
                .map(|y| {
                    let row = &r.data[y * r.stride()..(y + 1) * r.stride()];
                    match (
                        row.iter().position(|&b| b != 0),
                        row.iter().rposition(|&b| b != 0),
                    ) {
                        (Some(a), Some(b)) => b - a + 1,
                        _ => 0,
                    }
                })
                .sum::<usize>()
        })
        .sum();
    let text: usize = job.text_lines.iter().map(|l| l.len() + 1).sum();
    let qr: usize = job.qr_codes.iter().map(String::len).sum();
    spans + text + qr + 2 + 4
}

fn wire_s(bytes: usize, baud: u32) -> f64 {
    bytes as f64 * 10.0 / f64::from(baud)
}

fn measured_print(items: &[TicketItem], baud: u32) -> Duration {
    let emu = PrinterEmulator::start().expect("pty");
    emu.set_baud(Some(baud));
    let mut cfg = SerialConfig::new(emu.path());
    cfg.baud = baud;
    cfg.read_timeout = Duration::from_millis(20);
    let mut p = EscPosPrinter::open(&cfg, 576).expect("open");
    let t = Instant::now();
    p.print(items).expect("print");
    t.elapsed()
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    println!(
        "{:<4} {:<28} {:>7} {:>9} {:>9} {:>8}",
        "lang", "encoding", "bytes", "9600 s", "115200 s", "x bound"
    );
    for lang in [Lang::Ar, Lang::En] {
        let t = Ticket {
            lang,
            reference: "K01-20261129-0042".into(),
            document_number: "BP-2026-004512".into(),
        };
        let items = ticket::render(&t, 576);
        let ours = escpos::encode_for(&items, &Profile::new(576)).expect("encode");
        let raster_qr =
            escpos::encode_for(&items, &Profile::named("80mm-raster-qr").unwrap()).expect("encode");
        let untrimmed = escpos::encode_ticket(&items).expect("encode");
        let job = &emu::decode_stream(&ours, 576)[0];
        let naive = naive_full_raster(&job.paper.bitmap());
        let bound = lower_bound(job);
        let l = if lang == Lang::Ar { "ar" } else { "en" };
        for (name, bytes) in [
            ("ours (native text + QR)", &ours),
            ("ours, QR as raster", &raster_qr),
            ("no profile (right trim only)", &untrimmed),
            ("naive full raster", &naive),
        ] {
            println!(
                "{l:<4} {name:<28} {:>7} {:>9.2} {:>9.3} {:>8.2}",
                bytes.len(),
                wire_s(bytes.len(), 9600),
                wire_s(bytes.len(), 115_200),
                bytes.len() as f64 / bound as f64
            );
        }
        println!("{l:<4} {:<28} {bound:>7}", "content lower bound");
        assert!(ours.len() < naive.len());
        if bench {
            let n = 200;
            let start = Instant::now();
            for _ in 0..n {
                std::hint::black_box(escpos::encode_for(&items, &Profile::new(576)).unwrap());
            }
            let enc = start.elapsed() / n;
            let start = Instant::now();
            for _ in 0..20 {
                std::hint::black_box(ticket::render(&t, 576));
            }
            let render = start.elapsed() / 20;
            println!("{l:<4} encode {enc:?} per ticket; compose (text engine) {render:?}");
            for baud in [115_200, 9600] {
                let d = measured_print(&items, baud);
                println!(
                    "{l:<4} measured print through the emulator at {baud} baud: {:.2} s (wire {:.2} s)",
                    d.as_secs_f64(),
                    wire_s(ours.len(), baud)
                );
            }
        }
    }
}
