//! The whole kiosk: the real Slint UI (testing backend), runtime, speech, against the reference server, emulators and cupsd.
//!
//! One test binary per area (each links the whole kiosk, ~80 MB): the modules below were
//! separate binaries once.

mod a4_runtime;
mod accessibility;
mod journeys;
mod sizes;
mod speech_dispatcher;
mod speech_script;
mod support;
mod verify;
