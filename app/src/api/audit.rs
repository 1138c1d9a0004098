//! The audit trail, for anyone signed in: newest first, filtered by who, what, which vendor
//! and when.

use crate::error::AppError;
use leptos::prelude::*;

pub use crate::model::audit::*;
#[cfg(feature = "ssr")]
use crate::service::audit as service;

/// The audit trail for a raw query string (`actor`, `entity`, `vendor`, `from`, `to`, `page`).
#[server(prefix = "/api", endpoint = "manage/audit")]
pub async fn load_audit(query: String) -> Result<AuditPage, AppError> {
    service::load_audit(&query).await
}
