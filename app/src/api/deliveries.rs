//! The outbox as vendor managers and auditors see it: what was sent, what is pending or
//! retrying, what failed and why; a failed delivery can be sent again by hand (managers).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[cfg(feature = "ssr")]
mod ssr;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryLine {
    pub id: i64,
    /// `mail` or `webhook`.
    pub channel: String,
    /// `notice`, `confirm`, `manage`, `objection` or `digest`.
    pub purpose: String,
    pub recipient: String,
    pub change_id: Option<i64>,
    /// `sent`, `pending`, `retrying`, `failed` or `skipped`.
    pub state: String,
    pub attempts: i64,
    pub created_at: String,
    pub next_attempt_at: Option<String>,
    pub sent_at: Option<String>,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveriesPage {
    pub lines: Vec<DeliveryLine>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
    /// The state listed (`all`, `sent`, `pending`, `retrying`, `failed`, `skipped`).
    pub state: String,
    /// (sent, pending, retrying, failed, skipped)
    pub counts: (i64, i64, i64, i64, i64),
    pub can_retry: bool,
    pub message: Option<String>,
}

pub const DELIVERIES_PAGE: u32 = 50;

/// One page of deliveries for a raw query (`state`, `page`).
#[server(prefix = "/api", endpoint = "manage/deliveries")]
pub async fn load_deliveries(query: String) -> Result<DeliveriesPage, AppError> {
    ssr::load_deliveries(&query).await
}

/// Send a failed delivery again (managers and admins); audited.
#[server(prefix = "/api", endpoint = "manage/retry_delivery")]
pub async fn retry_delivery(id: i64) -> Result<(), AppError> {
    ssr::retry_delivery(id).await
}
