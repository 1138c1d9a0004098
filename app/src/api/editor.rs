//! The vendor editor: every field of a vendor, its scope and lifecycle dates. Saving applies
//! the notice rule and records the change events customers are told of.

use crate::error::AppError;
use leptos::prelude::*;

pub use crate::model::editor::*;
#[cfg(feature = "ssr")]
use crate::service::vendors as service;

#[server(prefix = "/api", endpoint = "manage/vendor_editor")]
pub async fn load_vendor_editor(slug: String) -> Result<VendorEditor, AppError> {
    service::load_vendor_editor(&slug).await
}

/// Add, change or remove one of a vendor's subprocessors (managers and admins): part of its
/// public scope, so the notice rule applies and a change event is recorded.
#[server(prefix = "/api", endpoint = "manage/save_sub_processor")]
pub async fn save_sub_processor(s: SubProcessorForm) -> Result<(), AppError> {
    service::save_sub_processor(s).await
}

/// Create (no slug) or update a vendor, then show its records.
#[server(prefix = "/api", endpoint = "manage/save_vendor")]
pub async fn save_vendor(vendor: VendorForm) -> Result<(), AppError> {
    let slug = service::save_vendor(vendor).await?;
    leptos_axum::redirect(&format!("/manage/vendors/{slug}"));
    Ok(())
}

pub use crate::model::watch::{FetchLine, WatchForm, WatchStatus};

/// The vendor's published sub-processor list the registry follows, and its newest fetches.
#[server(prefix = "/api", endpoint = "manage/watched_list")]
pub async fn load_watched_list(slug: String) -> Result<WatchStatus, AppError> {
    crate::service::watch::watched_list(&slug).await
}

/// Follow a vendor's published sub-processor list (`w[subprocessor_list_url]`, empty to
/// stop; `w[every_hours]`), managers and admins.
#[server(prefix = "/api", endpoint = "manage/save_watched_list")]
pub async fn save_watched_list(w: WatchForm) -> Result<(), AppError> {
    crate::service::watch::set_watched_list(w).await
}
