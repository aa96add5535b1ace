//! The whole kiosk: the real Slint UI (testing backend), runtime, speech, against the reference server, emulators and cupsd.
//!
//! One test binary per area (each links the whole kiosk, ~80 MB): the modules below were
//! separate binaries once.

mod support;
mod journeys;
mod accessibility;
mod verify;
mod a4_runtime;
mod sizes;
mod speech_script;
mod speech_dispatcher;
