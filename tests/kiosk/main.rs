//! The whole kiosk: the real Slint UI (testing backend), the runtime, speech and the
//! technician menu, against the reference server, the emulators and cupsd.
//!
//! One test binary per area (each links the whole kiosk, ~80 MB): the modules below were
//! separate binaries once.

mod a4_runtime;
mod accessibility;
mod doc_cli;
mod journeys;
mod maintenance;
mod sizes;
mod speech_dispatcher;
mod speech_script;
mod support;
mod verify;
