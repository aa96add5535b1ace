//! The technician's command-line tools: `manassa device` and `manassa outbox`. `main.rs`
//! only forwards to these functions.

pub mod device;
pub mod outbox;
