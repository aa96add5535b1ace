//! ESC/POS command builders: each returns the bytes of one command.

use super::{Align, DLE, EOT, ESC, GS, StatusRequest};

/// `ESC @`: initialise the printer (modes back to defaults, print buffer cleared).
pub fn init() -> [u8; 2] {
    [ESC, b'@']
}

/// `ESC a n`: justification for the following lines, raster images and codes.
pub fn align(a: Align) -> [u8; 3] {
    let n = match a {
        Align::Left => 0,
        Align::Center => 1,
        Align::Right => 2,
    };
    [ESC, b'a', n]
}

/// `ESC d n`: print the line buffer and feed `n` lines.
pub fn feed_lines(n: u8) -> [u8; 3] {
    [ESC, b'd', n]
}

/// `ESC J n`: print the line buffer and feed `n` motion units, one dot row on common
/// 203-dpi printers (the default of `GS P`).
pub fn feed_dots(n: u8) -> [u8; 3] {
    [ESC, b'J', n]
}

/// `GS ! n`: character size; `double` = double width and double height (n = 0x11).
pub fn char_size(double: bool) -> [u8; 3] {
    [GS, b'!', if double { 0x11 } else { 0x00 }]
}

/// `GS V 66 0`: feed to the cutting position and cut partially (one point left
/// uncut, so the ticket does not fall).
pub fn partial_cut() -> [u8; 4] {
    [GS, b'V', 66, 0]
}

/// `GS V 65 0`: feed to the cutting position and cut through.
pub fn full_cut() -> [u8; 4] {
    [GS, b'V', 65, 0]
}

/// `GS v 0 m xL xH yL yH d1..dk` with m = 0 (normal density): a raster strip of
/// `width_bytes` bytes per row (MSB = leftmost dot, 1 = black) and `rows` rows.
///
/// # Panics
/// If `data.len() != width_bytes * rows`.
pub fn raster(width_bytes: u16, rows: u16, data: &[u8]) -> Vec<u8> {
    assert_eq!(data.len(), usize::from(width_bytes) * usize::from(rows));
    let [xl, xh] = width_bytes.to_le_bytes();
    let [yl, yh] = rows.to_le_bytes();
    let mut out = Vec::with_capacity(8 + data.len());
    out.extend_from_slice(&[GS, b'v', b'0', 0, xl, xh, yl, yh]);
    out.extend_from_slice(data);
    out
}

/// `GS ( k` sequence printing a QR code: model 2 (fn 165, n1 = 50), module size
/// `module_dots` (fn 167, 1..=16), error correction Q (fn 169, n = 50; 48 L, 49 M,
/// 50 Q, 51 H), store `data` (fn 180, m = 48), print (fn 181).
///
/// # Panics
/// If `data.len() > 7089` (the store function's limit).
pub fn qr(data: &[u8], module_dots: u8) -> Vec<u8> {
    assert!(data.len() <= 7089);
    let store_len = u16::try_from(data.len() + 3).expect("bounded above");
    let [pl, ph] = store_len.to_le_bytes();
    let mut out = Vec::with_capacity(data.len() + 40);
    out.extend_from_slice(&[GS, b'(', b'k', 4, 0, 49, 65, 50, 0]);
    out.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 67, module_dots]);
    out.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 69, 50]);
    out.extend_from_slice(&[GS, b'(', b'k', pl, ph, 49, 80, 48]);
    out.extend_from_slice(data);
    out.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 81, 48]);
    out
}

/// `GS r 1`: transmit the paper sensor status. Not real-time: the printer answers when
/// it reaches the command, i.e. after printing everything before it.
pub fn paper_status() -> [u8; 3] {
    [GS, b'r', 1]
}

/// `DLE EOT n`: real-time status request; the printer answers one byte.
pub fn status(req: StatusRequest) -> [u8; 3] {
    [DLE, EOT, req as u8]
}
