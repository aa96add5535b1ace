//! The kiosk's shared vocabulary: languages, document kinds, XFS4IoT device states,
//! printer problems and ticket items, the QID and one-time code rules, and the sanitiser
//! for untrusted text.
//!
//! Every other crate of the workspace may depend on this one; it depends on no other
//! crate of the workspace and does no I/O.

#![warn(missing_docs)]

pub mod badge;
pub mod kind;
pub mod lang;
pub mod printer;
pub mod qid;
pub mod sanitize;
pub mod xfs;

pub use kind::{DocumentKind, IdMethod};
pub use lang::Lang;
pub use printer::PrinterProblem;
pub use qid::{CODE_LEN, QID_LEN, QidError, validate_qid, validate_qid_at};
pub use sanitize::{sanitize, sanitize_with};
pub use xfs::{DeviceState, MediaState, PaperState};
