//! The wire types of audit: what the browser receives and posts (see `crate::api::audit`).

use super::types::AuditEntry;
use serde::{Deserialize, Serialize};

/// One page of the audit trail with the filters that produced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
    pub actor: String,
    pub entity: String,
    pub vendor: String,
    pub from: String,
    pub to: String,
    pub message: Option<String>,
}

/// Rows per page of the audit trail.
pub const AUDIT_PAGE: u32 = 50;
