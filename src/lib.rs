//! Manassa's kiosk application: the edges that run the pure session of `manassa-session`.
//!
//! [`runtime`] runs the session's effects (ministry calls, printing, audit) on tokio and
//! device threads and feeds the answers back; [`ui`] is the only module that touches Slint
//! types; [`speech`] speaks through speech-dispatcher; [`maintenance`] holds the
//! technician's tools; [`config`] is the TOML configuration; [`cli`] the technician's
//! command-line tools. See `ARCHITECTURE.md` for the map of the crates and the invariants.

#![warn(missing_docs)]

pub mod cli;
pub mod config;
pub mod demo;
pub mod maintenance;
pub mod runtime;
pub mod speech;
pub mod tawkeed;
pub mod ui;
