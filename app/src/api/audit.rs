//! The audit trail, for anyone signed in: newest first, filtered by who, what, which vendor
//! and when.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::types::AuditEntry;
use crate::error::AppError;

#[cfg(feature = "ssr")]
mod ssr;

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

/// The audit trail for a raw query string (`actor`, `entity`, `vendor`, `from`, `to`, `page`).
#[server(prefix = "/api", endpoint = "manage/audit")]
pub async fn load_audit(query: String) -> Result<AuditPage, AppError> {
    ssr::load_audit(&query).await
}
