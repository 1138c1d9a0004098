//! The outbox as vendor managers and auditors see it: what was sent, what is pending or
//! retrying, what failed and why; a failed delivery can be sent again by hand (managers).

use crate::error::AppError;
use leptos::prelude::*;

pub use crate::model::deliveries::*;
#[cfg(feature = "ssr")]
use crate::service::deliveries as service;

/// One page of deliveries for a raw query (`state`, `page`).
#[server(prefix = "/api", endpoint = "manage/deliveries")]
pub async fn load_deliveries(query: String) -> Result<DeliveriesPage, AppError> {
    service::load_deliveries(&query).await
}

/// Send a failed delivery again (managers and admins); audited.
#[server(prefix = "/api", endpoint = "manage/retry_delivery")]
pub async fn retry_delivery(id: i64) -> Result<(), AppError> {
    service::retry_delivery(id).await
}
