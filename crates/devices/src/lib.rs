//! Peripheral devices: serial transport, the shared status vocabulary, drivers and their
//! emulators.
//!
//! Every serial driver runs behind one dedicated OS thread that owns its port, reconnects
//! after an unplug and talks to the rest of the kiosk through channels (DESIGN.md §6).
//! Every driver has an emulator that speaks the same wire protocol on a pseudo-terminal, so
//! tests, the demo and technician training exercise the real driver code.
//!
//! The status words follow CEN/XFS4IoT (`common.status.device`, `printer.status.paper`,
//! `cardReader.status.media`) so technicians and integrators recognise them.

pub mod a4;
pub mod badge;
pub mod card_reader;
pub mod escpos;
pub mod mrz;
pub mod passive;
pub mod scanner;
pub mod serial;
pub mod thermal;

pub use manassa_core::xfs::{DeviceState, MediaState, PaperState};
