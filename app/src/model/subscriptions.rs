//! The wire types of subscriptions: what the browser receives and posts (see `crate::api::subscriptions`).

use super::types::SelectOption;
use crate::error::FieldError;
use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

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

/// What the unsubscribe page of a link shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsubscribeView {
    pub email: String,
    /// `pending`, `confirmed` or `unsubscribed`.
    pub status: String,
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

/// The subscribe page's choices: our services and the data categories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscribeOptions {
    pub services: Vec<SelectOption>,
    pub categories: Vec<SelectOption>,
}
