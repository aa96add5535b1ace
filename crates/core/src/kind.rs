//! What the ministry issues and how a resident identifies.

use serde::{Deserialize, Serialize};

/// Kind of official paper the ministry issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// Building permit (رخصة بناء).
    BuildingPermit,
    /// Building completion certificate (شهادة إتمام بناء).
    CompletionCertificate,
    /// Monthly salary statement (كشف راتب).
    SalaryStatement,
}

impl DocumentKind {
    /// The `snake_case` wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::BuildingPermit => "building_permit",
            DocumentKind::CompletionCertificate => "completion_certificate",
            DocumentKind::SalaryStatement => "salary_statement",
        }
    }

    /// Parses the `snake_case` wire name.
    pub fn from_wire(s: &str) -> Option<Self> {
        [
            DocumentKind::BuildingPermit,
            DocumentKind::CompletionCertificate,
            DocumentKind::SalaryStatement,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// How the resident identified at the kiosk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdMethod {
    /// QID read from the ID card in the reader.
    Card,
    /// QID typed on the on-screen keypad.
    Typed,
}
