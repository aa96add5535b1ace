//! The ministry API (issue 4): the reference server over real HTTP and TLS, the client, the contract, faults.
//!
//! One test binary per area (each links the whole kiosk, ~80 MB): the modules below were
//! separate binaries once.

mod client;
mod contract;
mod faults;
mod support;
mod tls;
