//! Manassa: self-service government kiosk software.
//!
//! The pure [`session`] state machine sits in the middle; everything that does I/O lives
//! at the edges ([`devices`], [`ministry`], [`outbox`], [`documents`]) and is wired to the
//! session by [`runtime`]. [`ui`] is the only module that touches Slint types. See
//! `ARCHITECTURE.md` for the map and the invariants.

#![warn(missing_docs)]

pub mod config;
pub mod devices;
pub mod documents;
pub mod i18n;
pub mod maintenance;
pub mod ministry;
pub mod outbox;
pub mod runtime;
pub mod session;
pub mod speech;
pub mod text;
pub mod ui;
