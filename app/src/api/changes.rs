//! The public change history: what was announced, what is upcoming, and what changed between
//! two days. No session needed, read only.

use crate::error::AppError;
use leptos::prelude::*;

pub use crate::model::changes::*;
#[cfg(feature = "ssr")]
use crate::service::changes as service;

/// The changes page for a raw query string (`service`, `kind`, `vendor`, `page`, `from`, `to`).
#[server(prefix = "/api", endpoint = "changes")]
pub async fn load_changes(query: String) -> Result<ChangesPage, AppError> {
    service::load_changes(&query).await
}
