//! Vendor managers' server functions: editing vendors and their evidence. Each checks the
//! session and role itself (anyone can POST to it), parses the form into domain types, and
//! writes the change and its audit row in one transaction (see `editing`).

use std::collections::BTreeMap;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::types::SelectOption;
use crate::error::AppError;

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
}

/// The vendor form as posted (`vendor[legal_name]=…`); checkboxes arrive as
/// `vendor[services][slug]=on`. Missing fields are empty.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct VendorForm {
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
    /// When a wider scope (new country, category or service) takes effect; notice applies.
    pub scope_effective_on: String,
    pub services: BTreeMap<String, String>,
    pub countries: String,
    pub categories: BTreeMap<String, String>,
}

/// What the vendor editor needs: the vendor (empty for a new one) and our services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorEditor {
    pub vendor: VendorEdit,
    pub is_new: bool,
    pub services: Vec<SelectOption>,
}

/// One training record (or, with `id`, a change to one).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainingForm {
    pub vendor: String,
    pub id: i64,
    pub version: i64,
    pub person_name: String,
    pub person_email: String,
    pub course: String,
    pub completed_on: String,
}

/// Several people who completed one course on one day: one `Name <email>` per line.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BulkTrainingForm {
    pub vendor: String,
    pub people: String,
    pub course: String,
    pub completed_on: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EnrollmentForm {
    pub vendor: String,
    pub enrolled_on: String,
    pub status: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AttestationForm {
    pub vendor: String,
    /// Set when changing a stored attestation.
    pub id: i64,
    pub version: i64,
    pub submitted_on: String,
    pub outcome: String,
    pub approved_on: String,
    pub approved_by: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AssessmentForm {
    pub vendor: String,
    pub kind: String,
    pub assessor: String,
    pub period_start: String,
    pub period_end: String,
    pub issued_on: String,
    pub valid_until: String,
}

/// A contract with the obligations it carries (`contract[obligations][code]=on`) and the
/// breach-notice hours.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ContractForm {
    pub vendor: String,
    pub kind: String,
    pub reference: String,
    pub signed_on: String,
    pub in_force_from: String,
    pub ends_on: String,
    pub auto_renew: String,
    pub notice_days: String,
    pub obligations: BTreeMap<String, String>,
    pub breach_hours: String,
}

/// Remove one evidence record, at the version the manager saw.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RemoveForm {
    pub vendor: String,
    pub kind: String,
    pub id: i64,
    pub version: i64,
}

#[server(prefix = "/api", endpoint = "manage/vendor_editor")]
pub async fn load_vendor_editor(slug: String) -> Result<VendorEditor, AppError> {
    super::editing::load_vendor_editor(&slug).await
}

#[server(prefix = "/api", endpoint = "manage/save_vendor")]
pub async fn save_vendor(vendor: VendorForm) -> Result<(), AppError> {
    let slug = super::editing::save_vendor(vendor)
        .await
        .map_err(super::session::with_status)?;
    leptos_axum::redirect(&format!("/manage/vendors/{slug}"));
    Ok(())
}

#[server(prefix = "/api", endpoint = "manage/add_training")]
pub async fn add_training(t: TrainingForm) -> Result<(), AppError> {
    super::editing::add_training(t)
        .await
        .map_err(super::session::with_status)
}

#[server(prefix = "/api", endpoint = "manage/edit_training")]
pub async fn edit_training(t: TrainingForm) -> Result<(), AppError> {
    super::editing::edit_training(t)
        .await
        .map_err(super::session::with_status)
}

#[server(prefix = "/api", endpoint = "manage/bulk_training")]
pub async fn bulk_training(b: BulkTrainingForm) -> Result<u32, AppError> {
    super::editing::bulk_training(b)
        .await
        .map_err(super::session::with_status)
}

#[server(prefix = "/api", endpoint = "manage/add_enrollment")]
pub async fn add_enrollment(e: EnrollmentForm) -> Result<(), AppError> {
    super::editing::add_enrollment(e)
        .await
        .map_err(super::session::with_status)
}

#[server(prefix = "/api", endpoint = "manage/add_attestation")]
pub async fn add_attestation(a: AttestationForm) -> Result<(), AppError> {
    super::editing::add_attestation(a)
        .await
        .map_err(super::session::with_status)
}

#[server(prefix = "/api", endpoint = "manage/edit_attestation")]
pub async fn edit_attestation(a: AttestationForm) -> Result<(), AppError> {
    super::editing::edit_attestation(a)
        .await
        .map_err(super::session::with_status)
}

#[server(prefix = "/api", endpoint = "manage/add_assessment")]
pub async fn add_assessment(a: AssessmentForm) -> Result<(), AppError> {
    super::editing::add_assessment(a)
        .await
        .map_err(super::session::with_status)
}

#[server(prefix = "/api", endpoint = "manage/add_contract")]
pub async fn add_contract(c: ContractForm) -> Result<(), AppError> {
    super::editing::add_contract(c)
        .await
        .map_err(super::session::with_status)
}

#[server(prefix = "/api", endpoint = "manage/remove_record")]
pub async fn remove_record(r: RemoveForm) -> Result<(), AppError> {
    super::editing::remove_record(r)
        .await
        .map_err(super::session::with_status)
}
