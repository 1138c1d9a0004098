//! Customers' subscriptions (no account: a subscription's token is its key): what its manage
//! page and an objection form show. The forms themselves are plain HTML posts answered by
//! the server's routes (`POST /subscribe`, `/subscriptions/...`, `/changes/{id}/objection`),
//! which work the same with JavaScript off; their server half is [`ssr`].

use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::types::SelectOption;
use crate::error::{AppError, FieldError};

#[cfg(feature = "ssr")]
pub mod ssr;

/// What a plain form post left for the page the server renders in answer: the values posted
/// (so nothing typed is lost), the refusals by field, and a secret to show once. The server
/// provides it as context; pages read it with [`posted`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posted {
    /// Which form was posted (`subscribe`, `filters`, `webhook`, `objection`).
    pub form: String,
    pub values: Vec<(String, String)>,
    pub errors: Vec<FieldError>,
    /// A webhook's signing secret, shown once.
    pub secret: Option<String>,
    /// A sentence for the whole form (e.g. rate limited).
    pub message: Option<String>,
}

impl Posted {
    pub fn value(&self, name: &str) -> Option<String> {
        self.values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    pub fn values_of(&self, name: &str) -> Vec<String> {
        self.values
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn error(&self, name: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|e| e.field == name)
            .map(|e| e.message.clone())
    }
}

/// The outcome of the form post this page answers, if it answers one: read on the server from
/// the context and carried to the browser with the page, so hydration sees the same.
pub fn posted() -> Option<Posted> {
    SharedValue::new(use_context::<Posted>).into_inner()
}

/// A choice on the filters form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub option: SelectOption,
    pub chosen: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointView {
    pub id: i64,
    pub url: String,
    pub enabled: bool,
    /// Why it no longer receives calls.
    pub note: Option<String>,
}

/// An objection as its subscriber sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectionLine {
    pub id: i64,
    pub change_id: i64,
    pub vendor: String,
    pub effective_on: String,
    pub received_at: String,
    /// The latest step, e.g. "Acknowledged" or "Resolved: Change withdrawn".
    pub state: String,
    /// The latest response, if any.
    pub response: Option<String>,
}

/// A change a subscriber can still object to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpcomingChange {
    pub id: i64,
    pub vendor: String,
    pub summary: String,
    pub effective_on: NaiveDate,
}

/// Everything the manage page of a subscription shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionView {
    pub email: String,
    pub organisation: String,
    /// `pending`, `confirmed` or `unsubscribed`.
    pub status: String,
    pub version: i64,
    pub services: Vec<Choice>,
    pub categories: Vec<Choice>,
    pub endpoints: Vec<EndpointView>,
    pub objections: Vec<ObjectionLine>,
    pub upcoming: Vec<UpcomingChange>,
}

/// The subscription a manage link's token opens (404 for an unknown token).
#[server(prefix = "/api", endpoint = "subscriptions/view")]
pub async fn load_subscription(token: String) -> Result<SubscriptionView, AppError> {
    ssr::load_subscription(&token).await
}

/// What the unsubscribe page of a link shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsubscribeView {
    pub email: String,
    /// `pending`, `confirmed` or `unsubscribed`.
    pub status: String,
}

/// The subscription an unsubscribe link (or a manage link) ends (404 for any other token).
#[server(prefix = "/api", endpoint = "subscriptions/unsubscribe-view")]
pub async fn load_unsubscribe(token: String) -> Result<UnsubscribeView, AppError> {
    ssr::load_unsubscribe(&token).await
}

/// What the objection form for one change shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectionFormView {
    pub change: UpcomingChange,
    /// Why no objection can be made (in effect already, not a widening), with the date.
    pub closed: Option<String>,
    pub email: String,
    pub organisation: String,
    /// Objections this subscriber made to this change already.
    pub mine: Vec<ObjectionLine>,
    /// Whether the token is a manage link (an objection link opens only its form).
    pub can_manage: bool,
}

/// The objection form of change `change` for the subscription of `token`.
#[server(prefix = "/api", endpoint = "subscriptions/objection-form")]
pub async fn load_objection_form(
    change: i64,
    token: String,
) -> Result<ObjectionFormView, AppError> {
    ssr::load_objection_form(change, &token).await
}

/// The subscribe page's choices: our services and the data categories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscribeOptions {
    pub services: Vec<SelectOption>,
    pub categories: Vec<SelectOption>,
}

#[server(prefix = "/api", endpoint = "subscriptions/options")]
pub async fn load_subscribe_options() -> Result<SubscribeOptions, AppError> {
    ssr::load_subscribe_options().await
}
