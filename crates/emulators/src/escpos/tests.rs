//! The ESC/POS stream decoder on its own, then the real driver against the emulator on a PTY.

use std::path::PathBuf;

use manassa_devices::escpos::{
    EncodeError, EscPosPrinter, PrinterError, Profile, TicketItem, cmd, encode_for, encode_ticket,
    is_status_byte,
};
use manassa_devices::serial::SerialConfig;

use super::*;
fn framed(w: u32, h: u32) -> MonoBitmap {
    let mut b = MonoBitmap::new(w, h);
    for x in 0..w {
        b.set(x, 0, true);
        b.set(x, h - 1, true);
    }
    for y in 0..h {
        b.set(0, y, true);
        b.set(w - 1, y, true);
    }
    b
}

fn text(s: &str) -> TicketItem {
    TicketItem::Text {
        text: s.into(),
        align: Align::Center,
        double: false,
    }
}

#[test]
fn stream_decoder_handles_split_and_merged_commands() {
    let ticket = encode_ticket(&[
        TicketItem::Qr {
            data: "Q".into(),
            module_dots: 3,
        },
        TicketItem::Raster(framed(8, 30)),
        text("END"),
        TicketItem::Cut,
    ])
    .unwrap();
    let stream = [&ticket[..], &cmd::status(StatusRequest::Printer), &ticket].concat();
    let mut dec = StreamDecoder::new(576);
    let mut replies = Vec::new();
    let mut jobs = Vec::new();
    for b in &stream {
        let d = dec.push(&[*b], &mut AlwaysReady);
        replies.extend(d.replies);
        jobs.extend(d.jobs);
    }
    assert_eq!(replies, [0x12]);
    assert_eq!(jobs.len(), 2);
    for job in &jobs {
        assert_eq!(job.qr_codes, ["Q"]);
        assert_eq!(job.text_lines, ["END"]);
        assert_eq!(job.rasters, [framed(8, 30)]);
        assert_eq!(job.bytes, ticket.len());
        assert!(job.cut);
    }
    assert_eq!(dec.pending(), 0);
    assert_eq!(
        decode_stream(&stream, 576),
        jobs,
        "one read gives the same jobs"
    );
}

#[test]
fn stream_decoder_skips_unknown_and_malformed_commands() {
    let mut dec = StreamDecoder::new(576);
    // ESC t 17 (code table), GS v 0 with a zero width (malformed header), DLE ENQ 2.
    let junk = [ESC, b't', 17, GS, b'v', b'0', 0, 0, 0, 1, 0, DLE, 0x05, 2];
    let tail = encode_ticket(&[text("OK"), TicketItem::Cut]).unwrap();
    let d = dec.push(&[&junk[..], &tail].concat(), &mut AlwaysReady);
    assert!(d.replies.is_empty());
    assert_eq!(d.jobs[0].text_lines, ["OK"]);
    // A huge raster header is not buffered.
    let d = dec.push(
        &[GS, b'v', b'0', 0, 0xFF, 0xFF, 0xFF, 0xFF],
        &mut AlwaysReady,
    );
    assert!(d.jobs.is_empty());
    assert_eq!(dec.pending(), 0);
}

/// Found by the fuzzer: a `GS ( k` block with a short length must not be read past its
/// end (the decoding then depended on how the bytes were split).
#[test]
fn short_gs_paren_block_is_not_read_past_its_end() {
    let mut stream = cmd::qr(b"K01", 3);
    let print = stream.len() - 8;
    stream[print + 3] = 1; // fn 181 with n = 1: the block is just `49`
    stream.extend(cmd::partial_cut());
    let whole = decode_stream(&stream, 576);
    assert!(whole[0].qr_codes.is_empty());
    let mut dec = StreamDecoder::new(576);
    let mut jobs = Vec::new();
    for b in &stream {
        jobs.extend(dec.push(&[*b], &mut AlwaysReady).jobs);
    }
    assert_eq!(jobs, whole);
}

#[test]
fn paper_status_is_answered_in_order_and_differs_from_dle_eot() {
    let out = PrinterStatus {
        online: false,
        cover_open: false,
        paper: PaperState::Out,
    };
    assert_eq!(paper_status_reply(&out, 1), 0x0C);
    for s in [0x00, 0x03, 0x0C] {
        assert!(!is_status_byte(s));
    }
    let d = StreamDecoder::new(576).push(&[GS, b'r', 1], &mut AlwaysReady);
    assert_eq!(d.replies, [0]);
}

// The real driver against the emulator.

fn fast_config(path: PathBuf) -> SerialConfig {
    let mut cfg = SerialConfig::new(path);
    cfg.read_timeout = Duration::from_millis(50);
    cfg
}

#[test]
fn ticket_prints_through_the_emulator() {
    let emu = PrinterEmulator::start().unwrap();
    let mut printer = EscPosPrinter::open(&fast_config(emu.path()), 576).unwrap();
    let status = printer.status().unwrap();
    assert!(status.online && status.paper == PaperState::Full);

    let seal = "https://verify.example.qa/t/ABC123?s=MEUCIQ";
    let ticket = [
        text("Ticket 042"),
        TicketItem::Raster(framed(200, 50)),
        TicketItem::Qr {
            data: seal.into(),
            module_dots: 6,
        },
        TicketItem::Text {
            text: "Thank you".into(),
            align: Align::Left,
            double: true,
        },
        TicketItem::Feed(40),
        TicketItem::Cut,
    ];
    printer.print(&ticket).unwrap();
    let jobs = emu.wait_for_jobs(1, Duration::from_secs(10));
    assert_eq!(jobs.len(), 1, "one job recorded");
    let job = &jobs[0];
    assert_eq!(job.text_lines, ["Ticket 042", "Thank you"]);
    assert_eq!(job.qr_codes, [seal]);
    assert_eq!(job.rasters.len(), 1, "strips joined into one image");
    assert_eq!((job.rasters[0].width, job.rasters[0].height), (200, 50));
    assert_eq!(job.rasters[0], framed(200, 50));
    assert!(job.cut);
    assert_eq!(
        job.bytes,
        encode_for(&ticket, &Profile::new(576)).unwrap().len()
    );
}

#[test]
fn paper_out_refuses_before_sending() {
    let emu = PrinterEmulator::start().unwrap();
    emu.set_paper(PaperState::Out);
    let mut printer = EscPosPrinter::open(&fast_config(emu.path()), 576).unwrap();
    let err = printer
        .print(&[text("never printed"), TicketItem::Cut])
        .unwrap_err();
    assert!(matches!(err, PrinterError::PaperOut), "{err}");
    emu.set_paper(PaperState::Full);
    emu.set_cover_open(true);
    let err = printer.print(&[text("x"), TicketItem::Cut]).unwrap_err();
    assert!(matches!(err, PrinterError::CoverOpen), "{err}");
    // Status requests are answered in order, so the emulator has seen everything.
    assert!(printer.status().unwrap().cover_open);
    assert!(emu.jobs().is_empty());
    assert_eq!(emu.bytes_received(), 0, "no print data was sent");
}

#[test]
fn paper_out_during_a_job_is_reported() {
    let emu = PrinterEmulator::start().unwrap();
    emu.paper_out_after_bytes(Some(300));
    let mut printer = EscPosPrinter::open(&fast_config(emu.path()), 576).unwrap();
    let err = printer
        .print(&[
            text("start"),
            TicketItem::Raster(framed(576, 100)),
            TicketItem::Cut,
        ])
        .unwrap_err();
    assert!(matches!(err, PrinterError::PaperOutMidJob), "{err}");
    let jobs = emu.wait_for_jobs(1, Duration::from_secs(10));
    assert_eq!(jobs.len(), 1);
    assert!(!jobs[0].cut, "torn job");
    assert_eq!(jobs[0].text_lines, ["start"]);
}

#[test]
fn wider_than_paper_is_an_error_and_sends_nothing() {
    let emu = PrinterEmulator::start().unwrap();
    let mut printer = EscPosPrinter::open(&fast_config(emu.path()), 384).unwrap();
    let err = printer
        .print(&[TicketItem::Raster(framed(576, 8))])
        .unwrap_err();
    assert!(matches!(
        err,
        PrinterError::Encode(EncodeError::TooWide { max: 384, .. })
    ));
    printer.status().unwrap();
    assert_eq!(emu.bytes_received(), 0);
}

/// Decoding what the encoder sends puts every dot back where the bitmap had it, for
/// bitmaps as wide as the paper (trimmed on both sides) and narrower (right only).
#[test]
fn trimmed_rasters_print_every_dot_in_place() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for (width, paper) in [(576, 576), (384, 384), (200, 576), (576, 576)] {
        let mut b = MonoBitmap::new(width, 90);
        // Ink in bands with blank runs of 1, 2 and 30 rows, off-centre.
        for y in (3..20).chain(21..40).chain(42..50).chain(80..88) {
            let from = rng.random_range(0..width / 2);
            let to = rng.random_range(from..width);
            for x in from..to {
                if rng.random_bool(0.4) {
                    b.set(x, y, true);
                }
            }
        }
        let bytes = encode_for(&[TicketItem::Raster(b.clone())], &Profile::new(paper)).unwrap();
        let jobs = decode_stream(&bytes, paper);
        let printed = jobs[0].paper.bitmap();
        assert_eq!(printed.height, 90);
        for y in 0..90 {
            for x in 0..paper {
                assert_eq!(
                    printed.get(x, y),
                    b.get(x, y),
                    "dot ({x}, {y}) width {width}"
                );
            }
        }
        let naive = 8 + 90 * b.stride();
        assert!(bytes.len() < naive, "{} >= {naive}", bytes.len());
    }
}

#[test]
fn qr_as_raster_decodes_like_native_qr() {
    let items = [
        TicketItem::Qr {
            data: "MNS-REF-0042".into(),
            module_dots: 5,
        },
        TicketItem::Cut,
    ];
    let native = encode_for(&items, &Profile::new(576)).unwrap();
    let raster = encode_for(&items, &Profile::named("80mm-raster-qr").unwrap()).unwrap();
    let a = &decode_stream(&native, 576)[0];
    let b = &decode_stream(&raster, 576)[0];
    assert_eq!(a.qr_codes, ["MNS-REF-0042"]);
    assert!(b.qr_codes.is_empty() && !b.rasters.is_empty());
    assert_eq!(a.paper.bitmap(), b.paper.bitmap(), "same dots either way");
}
