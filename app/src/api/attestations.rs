//! The VPAP attestation: a contact reads the questionnaire in force (`vendor/attestation`)
//! and signs it (`vendor/sign_attestation`, a multipart form); managers read a signed one
//! (`manage/attestation`) and decide (`manage/decide_attestation`), with comments on single
//! answers; admins keep the questionnaire's versions (`manage/questionnaires`,
//! `manage/new_questionnaire`, `manage/save_questionnaire`, `manage/publish_questionnaire`).

use std::collections::HashMap;

use crate::error::AppError;
use leptos::prelude::*;

pub use crate::model::attestations::*;
#[cfg(feature = "ssr")]
use crate::service::{attestations as service, questionnaires};

/// The questionnaire in force, answered as last time (a contact).
#[server(prefix = "/api", endpoint = "vendor/attestation")]
pub async fn load_attestation_form() -> Result<AttestationForm, AppError> {
    service::form().await
}

/// Sign the attestation (a contact): a multipart form with `questionnaire`, `answer.<key>`,
/// `explanation.<key>`, `file.<key>` and `signed_name`. Back to `/vendor`; a refusal goes
/// back to the form with its reasons.
#[server(prefix = "/api", endpoint = "vendor/sign_attestation", input = leptos::server_fn::codec::MultipartFormData)]
pub async fn sign_attestation(
    data: leptos::server_fn::codec::MultipartData,
) -> Result<(), AppError> {
    match service::submit(data).await {
        Ok(_) => leptos_axum::redirect("/vendor?attested=1#attestation-h"),
        // a form post has no script: the reasons go back in the address, by field
        Err(AppError::Invalid(fields)) => {
            let pairs: Vec<(String, String)> =
                fields.into_iter().map(|f| (f.field, f.message)).collect();
            let q = serde_urlencoded::to_string(&pairs).unwrap_or_default();
            leptos_axum::redirect(&format!("/vendor/attestation?{q}#attestation-errors"));
        }
        Err(e) => return Err(e),
    }
    Ok(())
}

/// One signed attestation, each answer against its statement (anyone signed in).
#[server(prefix = "/api", endpoint = "manage/attestation")]
pub async fn load_attestation_review(id: i64) -> Result<AttestationReview, AppError> {
    service::review(id).await
}

/// Decide on a waiting attestation (admins and managers): `decision` is `approve`,
/// `request_changes` or `reject`; `notes[<key>]` comment on single answers.
#[server(prefix = "/api", endpoint = "manage/decide_attestation")]
pub async fn decide_attestation(
    id: i64,
    version: i64,
    decision: String,
    comment: String,
    #[server(default)] notes: HashMap<String, String>,
) -> Result<(), AppError> {
    service::decide_attestation(id, version, &decision, &comment, notes).await
}

/// The questionnaire's versions, newest first (anyone signed in).
#[server(prefix = "/api", endpoint = "manage/questionnaires")]
pub async fn load_questionnaires() -> Result<Questionnaires, AppError> {
    questionnaires::versions().await
}

/// Start the next version as a draft copied from the one in force (admins).
#[server(prefix = "/api", endpoint = "manage/new_questionnaire")]
pub async fn new_questionnaire() -> Result<(), AppError> {
    questionnaires::new_draft().await
}

/// Save the draft (admins): `body` is the questionnaire's JSON.
#[server(prefix = "/api", endpoint = "manage/save_questionnaire")]
pub async fn save_questionnaire(id: i64, version: i64, body: String) -> Result<(), AppError> {
    questionnaires::save_draft(id, version, body).await
}

/// Publish the draft (admins; `confirm` = `yes`): frozen from then on.
#[server(prefix = "/api", endpoint = "manage/publish_questionnaire")]
pub async fn publish_questionnaire(
    id: i64,
    version: i64,
    #[server(default)] confirm: String,
) -> Result<(), AppError> {
    questionnaires::publish(id, version, confirm).await
}
