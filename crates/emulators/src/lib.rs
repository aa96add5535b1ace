//! Device emulators: each speaks its device's wire protocol on a pseudo-terminal, so tests,
//! the demo and technician training drive the real drivers of `manassa-devices`. Faults
//! (paper out, jam, garbage, unplug) are scriptable through each emulator's handle or, in
//! the `manassa-emulate` binary, on standard input.
//!
//! Nothing here ships in the kiosk binary.

#![warn(missing_docs)]

pub mod badge;
pub mod card_reader;
pub mod cli;
pub mod escpos;
pub mod fuzzing;
pub mod harness;
pub mod mrz;
pub mod paper;
pub mod pty;
pub mod scanner;
pub mod sender;

pub use pty::{EmulatorPort, Pty};
