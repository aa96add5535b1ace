//! The ticket encoder: items to ESC/POS bytes for a printer profile.

use super::*;

/// Why a ticket cannot be encoded. `item` is the index in the item list; the content is
/// never included (it may be personal data).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A text item contains a byte outside printable ASCII.
    #[error("item {item}: text is not printable ASCII (use a raster for other scripts)")]
    NotAscii {
        /// Item index.
        item: usize,
    },
    /// A bitmap's data length does not match its size.
    #[error("item {item}: bitmap data is {len} bytes, {width}x{height} needs {expected}")]
    BadBitmap {
        /// Item index.
        item: usize,
        /// Bitmap width.
        width: u32,
        /// Bitmap height.
        height: u32,
        /// Data length.
        len: usize,
        /// Required length.
        expected: usize,
    },
    /// A bitmap is wider than the printable width.
    #[error("item {item}: bitmap is {width} dots wide, the printer prints {max}")]
    TooWide {
        /// Item index.
        item: usize,
        /// Bitmap width in dots.
        width: u32,
        /// Printable width in dots.
        max: u32,
    },
    /// A QR payload is empty or longer than [`QR_MAX_DATA`].
    #[error("item {item}: QR payload of {len} bytes outside 1..={QR_MAX_DATA}")]
    QrLength {
        /// Item index.
        item: usize,
        /// Payload length.
        len: usize,
    },
    /// A QR module size outside 1..=16.
    #[error("item {item}: QR module size {size} outside 1..=16")]
    QrModule {
        /// Item index.
        item: usize,
        /// Requested size.
        size: u8,
    },
}

/// Blank rows inside a bitmap from which a run is fed (`ESC J`, 3 bytes) instead of being
/// sent as white raster rows; splitting costs a feed and a new strip header (11 bytes).
const MIN_FED_GAP: usize = 2;

/// Encodes a ticket without knowing the paper: `ESC @`, then each item. Alignment and
/// character size commands are only sent when they change; blank raster rows are fed and
/// blank bytes at the right end of raster rows are not sent.
///
/// # Errors
/// [`EncodeError`] for non-ASCII text, inconsistent bitmaps and bad QR parameters. Bitmap
/// width is not checked here; [`encode_for`] and [`EscPosPrinter::print`] check it.
pub fn encode_ticket(items: &[TicketItem]) -> Result<Vec<u8>, EncodeError> {
    encode(items, None)
}

/// Encodes a ticket for a printer `profile`: as [`encode_ticket`], and moreover bitmaps as
/// wide as the paper also lose their blank bytes on the left (printed centred or
/// right-justified so every dot stays where it was), and QR codes become rasters on
/// printers without native QR.
///
/// # Errors
/// As [`encode_ticket`], plus [`EncodeError::TooWide`] for bitmaps wider than the paper.
pub fn encode_for(items: &[TicketItem], profile: &Profile) -> Result<Vec<u8>, EncodeError> {
    encode(items, Some(profile))
}

fn encode(items: &[TicketItem], profile: Option<&Profile>) -> Result<Vec<u8>, EncodeError> {
    let mut enc = Encoder {
        out: cmd::init().to_vec(),
        align: Align::Left,
        double: false,
        paper: profile.map(|p| p.dot_width),
        strip_rows: profile.map_or(RASTER_STRIP_ROWS, Profile::strip_rows) as usize,
    };
    for (item, it) in items.iter().enumerate() {
        match it {
            TicketItem::Raster(bmp) => {
                let expected = bmp.stride() * bmp.height as usize;
                if bmp.data.len() != expected {
                    return Err(EncodeError::BadBitmap {
                        item,
                        width: bmp.width,
                        height: bmp.height,
                        len: bmp.data.len(),
                        expected,
                    });
                }
                let max = profile.map_or(u32::from(u16::MAX), |p| p.dot_width);
                if bmp.width > max {
                    return Err(EncodeError::TooWide {
                        item,
                        width: bmp.width,
                        max,
                    });
                }
                enc.raster(bmp);
            }
            TicketItem::Text {
                text,
                align,
                double,
            } => {
                if !text.bytes().all(|b| (0x20..=0x7E).contains(&b)) {
                    return Err(EncodeError::NotAscii { item });
                }
                enc.set_align(*align);
                if enc.double != *double {
                    enc.out.extend(cmd::char_size(*double));
                    enc.double = *double;
                }
                enc.out.extend_from_slice(text.as_bytes());
                enc.out.push(LF);
            }
            TicketItem::Qr { data, module_dots } => {
                if data.is_empty() || data.len() > QR_MAX_DATA {
                    return Err(EncodeError::QrLength {
                        item,
                        len: data.len(),
                    });
                }
                if !(1..=16).contains(module_dots) {
                    return Err(EncodeError::QrModule {
                        item,
                        size: *module_dots,
                    });
                }
                // Quiet zone of 4 modules above and below: printers do not add one.
                let quiet = 4 * u32::from(*module_dots);
                match profile {
                    Some(p) if !p.native_qr => {
                        let bmp = qr_bitmap(data.as_bytes(), *module_dots, p.dot_width).ok_or(
                            EncodeError::QrLength {
                                item,
                                len: data.len(),
                            },
                        )?;
                        if bmp.width > p.dot_width {
                            return Err(EncodeError::TooWide {
                                item,
                                width: bmp.width,
                                max: p.dot_width,
                            });
                        }
                        enc.raster(&bmp);
                    }
                    _ => {
                        enc.feed(quiet);
                        enc.set_align(Align::Center);
                        enc.out.extend(cmd::qr(data.as_bytes(), *module_dots));
                        enc.feed(quiet);
                    }
                }
            }
            TicketItem::Feed(rows) => enc.feed(u32::from(*rows)),
            TicketItem::Cut => match profile.map_or(Cut::Partial, |p| p.cut) {
                Cut::Partial => enc.out.extend(cmd::partial_cut()),
                Cut::Full => enc.out.extend(cmd::full_cut()),
                Cut::None => enc.out.extend(cmd::feed_lines(TEAR_FEED_LINES)),
            },
        }
    }
    Ok(enc.out)
}

/// A QR symbol (model 2, error correction Q) drawn centred on a bitmap `paper` dots wide,
/// with a 4-module quiet zone above and below; `None` when `data` does not fit. The
/// bitmap is wider than `paper` when the symbol is.
pub fn qr_bitmap(data: &[u8], module_dots: u8, paper: u32) -> Option<MonoBitmap> {
    let code = qrcode::QrCode::with_error_correction_level(data, qrcode::EcLevel::Q).ok()?;
    let n = code.width() as u32;
    let m = u32::from(module_dots.max(1));
    let size = n * m;
    let width = paper.max(size.div_ceil(8) * 8);
    let quiet = 4 * m;
    let mut bmp = MonoBitmap::new(width, size + 2 * quiet);
    let x0 = (width - size) / 2;
    let colors = code.to_colors();
    for y in 0..size {
        for x in 0..size {
            if colors[((y / m) * n + x / m) as usize] == qrcode::Color::Dark {
                bmp.set(x0 + x, quiet + y, true);
            }
        }
    }
    Some(bmp)
}

struct Encoder {
    out: Vec<u8>,
    align: Align,
    double: bool,
    /// Paper width in dots, when known.
    paper: Option<u32>,
    /// Most rows per raster strip (the profile's buffer allows).
    strip_rows: usize,
}

impl Encoder {
    fn set_align(&mut self, a: Align) {
        if self.align != a {
            self.out.extend(cmd::align(a));
            self.align = a;
        }
    }

    fn feed(&mut self, mut rows: u32) {
        while rows > 0 {
            let n = rows.min(255);
            self.out.extend(cmd::feed_dots(n as u8));
            rows -= n;
        }
    }

    /// Blank runs of rows (at the ends, or [`MIN_FED_GAP`] rows and more inside) are fed;
    /// inked runs go out in strips of at most `strip_rows` rows, each trimmed of the blank
    /// bytes it can drop without moving a dot.
    fn raster(&mut self, bmp: &MonoBitmap) {
        let rows: Vec<Vec<u8>> = (0..bmp.height).map(|y| bmp.clean_row(y)).collect();
        let blank = |r: &[u8]| r.iter().all(|&b| b == 0);
        let h = rows.len();
        let mut cursor = 0;
        let mut i = 0;
        while i < h {
            if blank(&rows[i]) {
                i += 1;
                continue;
            }
            let start = i;
            let mut end = i;
            let mut j = i + 1;
            while j < h {
                if !blank(&rows[j]) {
                    end = j;
                    j += 1;
                    continue;
                }
                let run = rows[j..].iter().take_while(|r| blank(r)).count();
                if run >= MIN_FED_GAP || j + run >= h {
                    break;
                }
                j += run;
            }
            self.feed((start - cursor) as u32);
            let run = &rows[start..=end];
            let mut at = 0;
            for len in self.strip_lengths(bmp.width, run) {
                self.strip(bmp.width, &run[at..at + len]);
                at += len;
            }
            cursor = end + 1;
            i = end + 1;
        }
        self.feed((h - cursor) as u32);
    }

    /// Splits an inked run of rows into strips of at most `strip_rows` rows so
    /// that headers plus trimmed data are smallest (rows of a text line vary in width:
    /// a strip per band of similar rows beats fixed strips). Dynamic programming over the
    /// run, O(rows × strip rows).
    fn strip_lengths(&self, width: u32, run: &[Vec<u8>]) -> Vec<usize> {
        let n = run.len();
        let margins: Vec<(usize, usize)> = run.iter().map(|r| margins(r)).collect();
        let stride = run[0].len();
        let wide = self.paper == Some(width) && width.is_multiple_of(8);
        // best[k]: cheapest encoding of rows 0..k, with the length of its last strip.
        let mut best: Vec<(usize, usize)> = vec![(0, 0); n + 1];
        for k in 1..=n {
            let (mut lead, mut trail) = (usize::MAX, usize::MAX);
            best[k] = (usize::MAX, 0);
            for j in (k.saturating_sub(self.strip_rows)..k).rev() {
                lead = lead.min(margins[j].0);
                trail = trail.min(margins[j].1);
                if lead == stride {
                    continue; // only blank rows so far: not a strip of its own
                }
                let cost = best[j].0 + 8 + (k - j) * kept_bytes(stride, lead, trail, wide);
                if cost < best[k].0 {
                    best[k] = (cost, k - j);
                }
            }
        }
        let mut lengths = Vec::new();
        let mut k = n;
        while k > 0 {
            lengths.push(best[k].1);
            k -= best[k].1;
        }
        lengths.reverse();
        lengths
    }

    /// One `GS v 0` strip of rows from a bitmap `width` dots wide, at least one row inked.
    fn strip(&mut self, width: u32, rows: &[Vec<u8>]) {
        let stride = rows[0].len();
        let (lead, trail) = rows
            .iter()
            .map(|r| margins(r))
            .fold((usize::MAX, usize::MAX), |(l, t), (a, b)| {
                (l.min(a), t.min(b))
            });
        // Left-justified, only the right end can go. A bitmap as wide as the paper can
        // also be centred (drop as much on both sides) or right-justified (drop the left).
        let mut options = vec![(Align::Left, 0, stride - trail)];
        if self.paper == Some(width) && width.is_multiple_of(8) {
            let k = lead.min(trail);
            options.push((Align::Center, k, stride - k));
            options.push((Align::Right, lead, stride));
        }
        let cost = |&(a, from, to): &(Align, usize, usize)| {
            (to - from) * rows.len() + if a == self.align { 0 } else { 3 }
        };
        let &(align, from, to) = options.iter().min_by_key(|o| cost(o)).expect("non-empty");
        self.set_align(align);
        let data: Vec<u8> = rows
            .iter()
            .flat_map(|r| r[from..to].iter().copied())
            .collect();
        let width_bytes = u16::try_from(to - from).expect("width checked against u16::MAX");
        self.out
            .extend(cmd::raster(width_bytes, rows.len() as u16, &data));
    }
}

/// Blank bytes at the start and at the end of an inked row.
fn margins(row: &[u8]) -> (usize, usize) {
    let lead = row.iter().take_while(|&&b| b == 0).count();
    let trail = row.iter().rev().take_while(|&&b| b == 0).count();
    (lead, trail)
}

/// Bytes per row left after the best trim (see [`Encoder::strip`]).
fn kept_bytes(stride: usize, lead: usize, trail: usize, paper_wide: bool) -> usize {
    let left = stride - trail;
    if paper_wide {
        left.min(stride - 2 * lead.min(trail)).min(stride - lead)
    } else {
        left
    }
}
