//! Customers' subscriptions (no account: a subscription's token is its key): what its manage
//! page and an objection form show. The forms themselves are plain HTML posts answered by
//! the server's routes (`POST /subscribe`, `/subscriptions/...`, `/changes/{id}/objection`),
//! which work the same with JavaScript off; their server half is [`ssr`].

use crate::error::AppError;
use leptos::prelude::*;

pub use crate::model::subscriptions::*;
#[cfg(feature = "ssr")]
use crate::service::subscriptions as service;

/// The subscription a manage link's token opens (404 for an unknown token).
#[server(prefix = "/api", endpoint = "subscriptions/view")]
pub async fn load_subscription(token: String) -> Result<SubscriptionView, AppError> {
    service::load_subscription(&token).await
}

/// The subscription an unsubscribe link (or a manage link) ends (404 for any other token).
#[server(prefix = "/api", endpoint = "subscriptions/unsubscribe-view")]
pub async fn load_unsubscribe(token: String) -> Result<UnsubscribeView, AppError> {
    service::load_unsubscribe(&token).await
}

/// The objection form of change `change` for the subscription of `token`.
#[server(prefix = "/api", endpoint = "subscriptions/objection-form")]
pub async fn load_objection_form(
    change: i64,
    token: String,
) -> Result<ObjectionFormView, AppError> {
    service::load_objection_form(change, &token).await
}

#[server(prefix = "/api", endpoint = "subscriptions/options")]
pub async fn load_subscribe_options() -> Result<SubscribeOptions, AppError> {
    service::load_subscribe_options().await
}
