//! Device drivers over real pseudo-terminals against the emulators, and the A4 sink against real cupsd.
//!
//! One test binary per area (each links the whole kiosk, ~80 MB): the modules below were
//! separate binaries once.

mod a4_cups;
mod card_reader;
mod fuzz;
mod printer;
mod readers;
