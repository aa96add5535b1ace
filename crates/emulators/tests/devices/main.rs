//! Device drivers over real pseudo-terminals against the emulators, and the
//! `manassa-emulate` processes driven on standard input.

mod card_reader;
mod fuzz;
mod printer;
mod readers;
