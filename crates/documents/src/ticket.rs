//! The thermal ticket (receipt) of a journey, composed from the shared text engine.
//!
//! Arabic and any non-ASCII text is rendered by the text engine into 1-bit rasters (ESC/POS
//! `GS v 0`); the reference number and dates are ASCII and go in the printer's native font,
//! and the QR code as a native `GS ( k` symbol: fewer bytes on the wire, and the reference
//! stays machine-readable in the printer's own log.

use manassa_core::printer::{Align as PrintAlign, MonoBitmap, TicketItem};
use manassa_i18n::{Lang, tr};
use manassa_text::{Align, BaseDirection, Family, TextStyle, layout, raster};

/// What a journey's ticket says.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    /// Language of the journey (the secondary line is always the other language).
    pub lang: Lang,
    /// Reference number, ASCII.
    pub reference: String,
    /// Printed document's number, ASCII.
    pub document_number: String,
}

/// Render `text` in the Sans stack at `size` dots as a raster `width` dots wide.
fn raster_line(text: &str, size: f32, bold: bool, lang: Lang, width: u32) -> TicketItem {
    let mut style = TextStyle::new(Family::Sans, size);
    style.bold = bold;
    style.line_height = 1.35;
    let dir = if lang.is_rtl() {
        BaseDirection::Rtl
    } else {
        BaseDirection::Ltr
    };
    let para = layout(text, &style, dir, Align::Center, Some(width as f32));
    let b = raster::paragraph_bitmap(&para, width);
    TicketItem::Raster(MonoBitmap {
        width: b.width,
        height: b.height,
        data: b.data,
    })
}

/// The ticket's ESC/POS items for a head `width` dots wide (384–576 at 203 dpi).
pub fn render(t: &Ticket, width: u32) -> Vec<TicketItem> {
    let other = t.lang.other();
    let now = time::OffsetDateTime::now_utc();
    let stamp = format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        now.year(),
        now.month() as u8,
        now.day(),
        now.hour(),
        now.minute()
    );
    vec![
        raster_line(&tr(Lang::Ar, "ticket-title"), 36.0, true, Lang::Ar, width),
        raster_line(&tr(Lang::En, "ticket-title"), 24.0, false, Lang::En, width),
        TicketItem::Feed(16),
        raster_line(&tr(t.lang, "ticket-printed"), 30.0, true, t.lang, width),
        raster_line(&tr(other, "ticket-printed"), 24.0, false, other, width),
        TicketItem::Text {
            text: t.document_number.clone(),
            align: PrintAlign::Center,
            double: false,
        },
        TicketItem::Feed(16),
        TicketItem::Text {
            text: t.reference.clone(),
            align: PrintAlign::Center,
            double: true,
        },
        TicketItem::Text {
            text: stamp,
            align: PrintAlign::Center,
            double: false,
        },
        TicketItem::Qr {
            data: t.reference.clone(),
            module_dots: 6,
        },
        raster_line(&tr(t.lang, "ticket-thanks"), 28.0, false, t.lang, width),
        TicketItem::Feed(48),
        TicketItem::Cut,
    ]
}
