//! Customers' objections as vendor managers handle them: open ones oldest first with the
//! days left before the change takes effect, and each step (acknowledged, resolved with an
//! outcome) audited and mailed to the objector.

use crate::{domain::notices::ObjectionStepForm, error::AppError};
use leptos::prelude::*;

pub use crate::model::objections::*;
#[cfg(feature = "ssr")]
use crate::service::objections as service;

/// Objections for a raw query (`all=1` for resolved ones too, `vendor=slug`).
#[server(prefix = "/api", endpoint = "manage/objections")]
pub async fn load_objections(query: String) -> Result<ObjectionsPage, AppError> {
    service::load_objections(&query).await
}

/// A manager's step on an objection (managers and admins): acknowledged, or resolved with an
/// outcome and the response mailed to the objector. Audited.
#[server(prefix = "/api", endpoint = "manage/objection_step")]
pub async fn objection_step(s: ObjectionStepForm) -> Result<(), AppError> {
    service::objection_step(s).await
}
