//! The wire types of deliveries: what the browser receives and posts (see `crate::api::deliveries`).

use serde::{Deserialize, Serialize};

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
