//! A vendor's assurance evidence, for the signed-in: everything about it (with names and
//! reasons) to read, and for admins and managers, each kind of record to add, change or
//! remove. Every write checks the session and role itself and is audited.

use crate::error::AppError;
use leptos::prelude::*;

pub use crate::model::evidence::*;
#[cfg(feature = "ssr")]
use crate::service::evidence as service;

#[server(prefix = "/api", endpoint = "manage/vendor_assurance")]
pub async fn load_vendor_assurance(slug: String) -> Result<InternalAssurance, AppError> {
    service::load_vendor_assurance(&slug).await
}

#[server(prefix = "/api", endpoint = "manage/add_training")]
pub async fn add_training(t: TrainingForm) -> Result<(), AppError> {
    service::add_training(t).await
}

#[server(prefix = "/api", endpoint = "manage/edit_training")]
pub async fn edit_training(t: TrainingForm) -> Result<(), AppError> {
    service::edit_training(t).await
}

/// Several people who took one course; returns how many records were added.
#[server(prefix = "/api", endpoint = "manage/bulk_training")]
pub async fn bulk_training(b: BulkTrainingForm) -> Result<u32, AppError> {
    service::bulk_training(b).await
}

#[server(prefix = "/api", endpoint = "manage/add_enrollment")]
pub async fn add_enrollment(e: EnrollmentForm) -> Result<(), AppError> {
    service::add_enrollment(e).await
}

#[server(prefix = "/api", endpoint = "manage/add_attestation")]
pub async fn add_attestation(a: AttestationForm) -> Result<(), AppError> {
    service::add_attestation(a).await
}

#[server(prefix = "/api", endpoint = "manage/edit_attestation")]
pub async fn edit_attestation(a: AttestationForm) -> Result<(), AppError> {
    service::edit_attestation(a).await
}

#[server(prefix = "/api", endpoint = "manage/add_assessment")]
pub async fn add_assessment(a: AssessmentForm) -> Result<(), AppError> {
    service::add_assessment(a).await
}

#[server(prefix = "/api", endpoint = "manage/add_contract")]
pub async fn add_contract(c: ContractForm) -> Result<(), AppError> {
    service::add_contract(c).await
}

#[server(prefix = "/api", endpoint = "manage/remove_record")]
pub async fn remove_record(r: RemoveForm) -> Result<(), AppError> {
    service::remove_record(r).await
}
