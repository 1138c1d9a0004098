//! The vendor editor: every field of a vendor, its scope and lifecycle dates. Saving applies
//! the notice rule and records the change events customers are told of.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::types::SelectOption;
pub use crate::domain::{
    chain::{SubProcessor, SubProcessorForm},
    forms::VendorForm,
};
use crate::error::AppError;

#[cfg(feature = "ssr")]
pub(crate) mod ssr;

/// A vendor as its editing form shows it: stored codes, dates as `YYYY-MM-DD`, and the
/// multi-valued fields as lists. Also the before/after snapshot in the audit trail.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorEdit {
    pub slug: String,
    pub version: i64,
    pub legal_name: String,
    pub trading_name: String,
    pub parent_company: String,
    pub registration_country: String,
    pub website: String,
    pub privacy_contact: String,
    pub kind: String,
    pub work_location: String,
    pub purpose_category: String,
    pub purpose: String,
    pub transfer_mechanism: String,
    pub announced_on: String,
    pub effective_on: String,
    pub removed_on: String,
    pub services: Vec<String>,
    /// Processing countries, ISO codes separated by spaces.
    pub countries: String,
    pub categories: Vec<String>,
    /// Its own subprocessors.
    #[serde(default)]
    pub sub_processors: Vec<SubProcessor>,
}

/// What the vendor editor needs: the vendor (empty for a new one) and our services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorEditor {
    pub vendor: VendorEdit,
    pub is_new: bool,
    pub services: Vec<SelectOption>,
}

#[server(prefix = "/api", endpoint = "manage/vendor_editor")]
pub async fn load_vendor_editor(slug: String) -> Result<VendorEditor, AppError> {
    ssr::load_vendor_editor(&slug).await
}

/// Add, change or remove one of a vendor's subprocessors (managers and admins): part of its
/// public scope, so the notice rule applies and a change event is recorded.
#[server(prefix = "/api", endpoint = "manage/save_sub_processor")]
pub async fn save_sub_processor(s: SubProcessorForm) -> Result<(), AppError> {
    ssr::save_sub_processor(s).await
}

/// Create (no slug) or update a vendor, then show its records.
#[server(prefix = "/api", endpoint = "manage/save_vendor")]
pub async fn save_vendor(vendor: VendorForm) -> Result<(), AppError> {
    let slug = ssr::save_vendor(vendor).await?;
    leptos_axum::redirect(&format!("/manage/vendors/{slug}"));
    Ok(())
}
