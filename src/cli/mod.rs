//! The command-line tools: `manassa device`, `manassa outbox` (technicians) and
//! `manassa doc` (papers and their seals). `main.rs` only forwards to these functions.

pub mod device;
pub mod doc;
pub mod outbox;
