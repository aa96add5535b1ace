//! The offline outbox: SQLite queue, sync worker, crash safety, disk full, the CLI.
//!
//! One test binary per area (each links the whole kiosk, ~80 MB): the modules below were
//! separate binaries once.

mod cli;
mod crash;
mod disk_full;
mod faults;
mod support;
mod worker;
