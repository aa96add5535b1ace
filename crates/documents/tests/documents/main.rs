//! Papers, seal and the text engine: PDFs checked with poppler and a QR decoder.
//!
//! One test binary per area (each links the whole kiosk, ~80 MB): the modules below were
//! separate binaries once.

mod papers;
mod qr_reading;
mod text;
