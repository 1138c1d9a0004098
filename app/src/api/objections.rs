//! Customers' objections as vendor managers handle them: open ones oldest first with the
//! days left before the change takes effect, and each step (acknowledged, resolved with an
//! outcome) audited and mailed to the objector.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{domain::notices::ObjectionStepForm, error::AppError};

#[cfg(feature = "ssr")]
mod ssr;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepLine {
    pub step: String,
    pub outcome: Option<String>,
    pub response: String,
    pub actor: String,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectionItem {
    pub id: i64,
    pub change_id: i64,
    pub vendor_slug: String,
    pub vendor: String,
    pub kind: String,
    pub effective_on: String,
    /// Days until the change takes effect (negative once in effect).
    pub days_left: i64,
    pub email: String,
    pub organisation: Option<String>,
    pub contact: Option<String>,
    pub reason: String,
    pub received_at: String,
    /// `received`, `acknowledged` or `resolved`.
    pub step: String,
    pub steps: Vec<StepLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectionsPage {
    pub items: Vec<ObjectionItem>,
    /// Open only (the default) or every objection.
    pub open_only: bool,
    pub vendor: Option<String>,
    pub can_edit: bool,
    /// (code, label) of the outcomes.
    pub outcomes: Vec<(String, String)>,
}

/// Objections for a raw query (`all=1` for resolved ones too, `vendor=slug`).
#[server(prefix = "/api", endpoint = "manage/objections")]
pub async fn load_objections(query: String) -> Result<ObjectionsPage, AppError> {
    ssr::load_objections(&query).await
}

/// A manager's step on an objection (managers and admins): acknowledged, or resolved with an
/// outcome and the response mailed to the objector. Audited.
#[server(prefix = "/api", endpoint = "manage/objection_step")]
pub async fn objection_step(s: ObjectionStepForm) -> Result<(), AppError> {
    ssr::objection_step(s).await
}
