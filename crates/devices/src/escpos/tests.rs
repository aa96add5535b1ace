use super::*;
use crate::PaperState;

/// A `w`x`h` bitmap with a black frame, so the first and last rows carry ink.
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
fn encodes_commands_byte_exact() {
    let bytes = encode_ticket(&[text("HELLO"), TicketItem::Feed(30), TicketItem::Cut]).unwrap();
    assert_eq!(
        bytes,
        [
            &[ESC, b'@', ESC, b'a', 1][..],
            b"HELLO\n",
            &[ESC, b'J', 30, GS, b'V', 66, 0]
        ]
        .concat()
    );
    let qr = cmd::qr(b"abc", 6);
    assert_eq!(&qr[..9], &[GS, b'(', b'k', 4, 0, 49, 65, 50, 0]);
    assert_eq!(&qr[17..25], &[GS, b'(', b'k', 3, 0, 49, 69, 50]);
    assert_eq!(
        &qr[25..36],
        &[GS, b'(', b'k', 6, 0, 49, 80, 48, b'a', b'b', b'c']
    );
    assert_eq!(&qr[36..], &[GS, b'(', b'k', 3, 0, 49, 81, 48]);
    assert_eq!(cmd::status(StatusRequest::PaperSensor), [DLE, EOT, 4]);
}

#[test]
fn the_profile_decides_the_cut_and_the_strip_height() {
    let cut_bytes = |name: &str| {
        let bytes = encode_for(&[TicketItem::Cut], &Profile::named(name).unwrap()).unwrap();
        bytes[2..].to_vec()
    };
    assert_eq!(cut_bytes("default"), [GS, b'V', 66, 0]);
    assert_eq!(cut_bytes("80mm-full-cut"), [GS, b'V', 65, 0]);
    assert_eq!(cut_bytes("58mm"), [ESC, b'd', TEAR_FEED_LINES]);
    // A full-width inked block of 40 rows: strips no taller than the buffer allows.
    let strip_heights = |p: &Profile| {
        let bytes = encode_for(&[TicketItem::Raster(framed(p.dot_width, 40))], p).unwrap();
        let mut heights = Vec::new();
        let mut i = 0;
        while i + 8 <= bytes.len() {
            if bytes[i..i + 4] == [GS, b'v', b'0', 0] {
                let (w, h) = (bytes[i + 4] as usize, bytes[i + 6] as usize);
                heights.push(h);
                i += 8 + w * h;
            } else {
                i += 1;
            }
        }
        heights
    };
    let big = Profile::named("default").unwrap();
    assert_eq!(strip_heights(&big).iter().max(), Some(&24));
    let small = Profile::named("80mm-small-buffer").unwrap();
    let heights = strip_heights(&small);
    assert_eq!(heights.iter().sum::<usize>(), 40);
    assert!(heights.iter().all(|&h| 8 + h * 72 <= 512), "{heights:?}");
}

#[test]
fn raster_trims_blank_rows_into_feeds_and_strips() {
    // 16x60: ink on rows 10..=39 only (30 rows -> strips of 24 and 6).
    let mut b = MonoBitmap::new(16, 60);
    for y in 10..40 {
        b.set(3, y, true);
    }
    let bytes = encode_ticket(&[TicketItem::Raster(b)]).unwrap();
    // The blank right-hand byte of each row is not sent.
    let mut expected = vec![ESC, b'@', ESC, b'J', 10];
    expected.extend([GS, b'v', b'0', 0, 1, 0, 24, 0]);
    expected.extend([0x10].repeat(24));
    expected.extend([GS, b'v', b'0', 0, 1, 0, 6, 0]);
    expected.extend([0x10].repeat(6));
    expected.extend([ESC, b'J', 20]);
    assert_eq!(bytes, expected);
    // All white: only feed.
    let bytes = encode_ticket(&[TicketItem::Raster(MonoBitmap::new(576, 300))]).unwrap();
    assert_eq!(bytes, [ESC, b'@', ESC, b'J', 255, ESC, b'J', 45]);
}

#[test]
fn padding_bits_are_not_printed() {
    let mut b = MonoBitmap::new(4, 1);
    b.data[0] = 0xFF; // only the top 4 bits are inside the image
    let bytes = encode_ticket(&[TicketItem::Raster(b)]).unwrap();
    assert_eq!(bytes[bytes.len() - 1], 0xF0);
}

#[test]
fn encode_rejects_bad_items() {
    let e = encode_ticket(&[text("ok"), text("Doha \u{0627}")]).unwrap_err();
    assert_eq!(e, EncodeError::NotAscii { item: 1 });
    assert!(encode_ticket(&[text("bell\x07")]).is_err(), "control bytes");
    assert!(
        encode_ticket(&[text("esc\x1b@")]).is_err(),
        "no command injection"
    );
    let bad = MonoBitmap {
        width: 9,
        height: 2,
        data: vec![0; 3],
    };
    assert!(matches!(
        encode_ticket(&[TicketItem::Raster(bad)]),
        Err(EncodeError::BadBitmap { expected: 4, .. })
    ));
    let qr = |data: &str, module_dots| TicketItem::Qr {
        data: data.into(),
        module_dots,
    };
    assert!(matches!(
        encode_ticket(&[qr("", 4)]),
        Err(EncodeError::QrLength { .. })
    ));
    assert!(matches!(
        encode_ticket(&[qr(&"x".repeat(QR_MAX_DATA + 1), 4)]),
        Err(EncodeError::QrLength { .. })
    ));
    assert!(matches!(
        encode_ticket(&[qr("x", 17)]),
        Err(EncodeError::QrModule { size: 17, .. })
    ));
    assert!(matches!(
        encode_for(&[TicketItem::Raster(framed(584, 8))], &Profile::new(576)),
        Err(EncodeError::TooWide { width: 584, .. })
    ));
}

#[test]
fn status_bytes_parse_and_round_trip() {
    let ok = PrinterStatus::parse(0x12, 0x12, 0x12).unwrap();
    assert_eq!(
        ok,
        PrinterStatus {
            online: true,
            cover_open: false,
            paper: PaperState::Full
        }
    );
    // Epson TM values: offline with cover open; paper near end; paper end.
    let cover = PrinterStatus::parse(0x1A, 0x16, 0x12).unwrap();
    assert!(!cover.online && cover.cover_open);
    assert_eq!(
        PrinterStatus::parse(0x12, 0x12, 0x1E).unwrap().paper,
        PaperState::Low
    );
    assert_eq!(
        PrinterStatus::parse(0x1A, 0x32, 0x7E).unwrap().paper,
        PaperState::Out
    );
    assert_eq!(
        PrinterStatus::parse(0x1A, 0x52, 0x12).unwrap().paper,
        PaperState::Jammed
    );
    assert_eq!(
        PrinterStatus::parse(0x12, 0x00, 0x12),
        Err(BadStatusByte(0x00))
    );
    assert_eq!(
        PrinterStatus::parse(0x92, 0x12, 0x12),
        Err(BadStatusByte(0x92))
    );
    for paper in [
        PaperState::Full,
        PaperState::Low,
        PaperState::Out,
        PaperState::Jammed,
    ] {
        for cover_open in [false, true] {
            let s = PrinterStatus {
                online: !cover_open && matches!(paper, PaperState::Full | PaperState::Low),
                cover_open,
                paper,
            };
            let parsed = PrinterStatus::parse(
                s.reply(StatusRequest::Printer),
                s.reply(StatusRequest::OfflineCause),
                s.reply(StatusRequest::PaperSensor),
            )
            .unwrap();
            assert_eq!(parsed, s);
        }
    }
}
