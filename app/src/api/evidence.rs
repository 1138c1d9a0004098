//! A vendor's assurance evidence, for the signed-in: everything about it (with names and
//! reasons) to read, and for admins and managers, each kind of record to add, change or
//! remove. Every write checks the session and role itself and is audited.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::types::AuditEntry;
pub use crate::domain::forms::{
    AssessmentForm, AttestationForm, BulkTrainingForm, ContractForm, EnrollmentForm, RemoveForm,
    TrainingForm,
};
use crate::{
    domain::{
        assurance::{AssuranceTier, Evidence, EvidenceKeys, Obligation},
        compliance::Compliance,
        Status,
    },
    error::AppError,
};

#[cfg(feature = "ssr")]
pub(crate) mod ssr;

/// Everything a vendor manager reads about one vendor's assurance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InternalAssurance {
    pub legal_name: String,
    pub slug: String,
    pub status: Status,
    pub today: chrono::NaiveDate,
    pub tier: AssuranceTier,
    pub required: Vec<Obligation>,
    pub evidence: Evidence,
    pub compliance: Compliance,
    pub lapse_window: Option<u32>,
    /// Stored ids and versions of the evidence records, in the same order.
    pub keys: EvidenceKeys,
    /// Training courses offered in the forms.
    pub courses: Vec<String>,
    /// Whether the reader may change records (admins and managers).
    pub can_edit: bool,
    /// This vendor's audit trail, newest first.
    pub history: Vec<AuditEntry>,
    /// The vendor's version (the chain's forms save against it), its data category codes
    /// (what it can pass on) and its own subprocessors.
    pub version: i64,
    pub categories: Vec<String>,
    pub sub_processors: Vec<crate::domain::chain::SubProcessor>,
}

#[server(prefix = "/api", endpoint = "manage/vendor_assurance")]
pub async fn load_vendor_assurance(slug: String) -> Result<InternalAssurance, AppError> {
    ssr::load_vendor_assurance(&slug).await
}

#[server(prefix = "/api", endpoint = "manage/add_training")]
pub async fn add_training(t: TrainingForm) -> Result<(), AppError> {
    ssr::add_training(t).await
}

#[server(prefix = "/api", endpoint = "manage/edit_training")]
pub async fn edit_training(t: TrainingForm) -> Result<(), AppError> {
    ssr::edit_training(t).await
}

/// Several people who took one course; returns how many records were added.
#[server(prefix = "/api", endpoint = "manage/bulk_training")]
pub async fn bulk_training(b: BulkTrainingForm) -> Result<u32, AppError> {
    ssr::bulk_training(b).await
}

#[server(prefix = "/api", endpoint = "manage/add_enrollment")]
pub async fn add_enrollment(e: EnrollmentForm) -> Result<(), AppError> {
    ssr::add_enrollment(e).await
}

#[server(prefix = "/api", endpoint = "manage/add_attestation")]
pub async fn add_attestation(a: AttestationForm) -> Result<(), AppError> {
    ssr::add_attestation(a).await
}

#[server(prefix = "/api", endpoint = "manage/edit_attestation")]
pub async fn edit_attestation(a: AttestationForm) -> Result<(), AppError> {
    ssr::edit_attestation(a).await
}

#[server(prefix = "/api", endpoint = "manage/add_assessment")]
pub async fn add_assessment(a: AssessmentForm) -> Result<(), AppError> {
    ssr::add_assessment(a).await
}

#[server(prefix = "/api", endpoint = "manage/add_contract")]
pub async fn add_contract(c: ContractForm) -> Result<(), AppError> {
    ssr::add_contract(c).await
}

#[server(prefix = "/api", endpoint = "manage/remove_record")]
pub async fn remove_record(r: RemoveForm) -> Result<(), AppError> {
    ssr::remove_record(r).await
}
