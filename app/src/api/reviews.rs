//! Submissions and their review: a vendor's contact submits an independent assessment with
//! its report or certificate (`vendor/submit_assessment`, a multipart form), and reads what
//! its vendor submitted; managers read what waits (`manage/reviews`) and decide
//! (`manage/decide_review`). Documents download from `/documents/{id}` (a plain route).

use crate::error::AppError;
use leptos::prelude::*;

pub use crate::model::reviews::*;
#[cfg(feature = "ssr")]
use crate::service::{reviews as service, rosters};

/// Submit an assessment and its document (a contact): a multipart form with `kind`,
/// `assessor`, `period_start`, `period_end`, `issued_on`, `valid_until` and `file`. Back to
/// `/vendor`; a refusal goes back with its reason.
#[server(prefix = "/api", endpoint = "vendor/submit_assessment", input = leptos::server_fn::codec::MultipartFormData)]
pub async fn submit_assessment(
    data: leptos::server_fn::codec::MultipartData,
) -> Result<(), AppError> {
    match service::submit_assessment(data).await {
        Ok(_) => leptos_axum::redirect("/vendor?submitted=1#evidence-h"),
        // a form post has no script: the reason goes back in the address
        Err(AppError::Invalid(fields)) => {
            let why: Vec<String> = fields.into_iter().map(|f| f.message).collect();
            let q = serde_urlencoded::to_string([("error", why.join(" "))]).unwrap_or_default();
            leptos_axum::redirect(&format!("/vendor?{q}#evidence-h"));
        }
        Err(e) => return Err(e),
    }
    Ok(())
}

/// What the signed-in contact's vendor submitted, newest first.
#[server(prefix = "/api", endpoint = "vendor/submissions")]
pub async fn load_my_submissions() -> Result<Vec<SubmittedAssessment>, AppError> {
    service::my_submissions().await
}

/// What waits for review, oldest first (anyone signed in).
#[server(prefix = "/api", endpoint = "manage/reviews")]
pub async fn load_review_queue() -> Result<ReviewQueue, AppError> {
    service::queue().await
}

/// One submission (anyone signed in).
#[server(prefix = "/api", endpoint = "manage/review")]
pub async fn load_review(id: i64) -> Result<SubmittedAssessment, AppError> {
    service::review(id).await
}

/// Decide on a waiting submission (admins and managers): `decision` is `approve`,
/// `request_changes` or `reject`; the last two need a `comment`.
#[server(prefix = "/api", endpoint = "manage/decide_review")]
pub async fn decide_review(
    id: i64,
    version: i64,
    decision: String,
    comment: String,
) -> Result<(), AppError> {
    service::decide_submission(id, version, &decision, &comment).await
}

/// Submit the vendor's training roster (a contact): a multipart form with `file`, a CSV or
/// XLSX file with the columns `person_name`, `person_email`, `course`, `completed_on`. Back to
/// `/vendor`; a refusal goes back with its reasons.
#[server(prefix = "/api", endpoint = "vendor/submit_roster", input = leptos::server_fn::codec::MultipartFormData)]
pub async fn submit_roster(data: leptos::server_fn::codec::MultipartData) -> Result<(), AppError> {
    match rosters::submit_roster(data).await {
        Ok(_) => leptos_axum::redirect("/vendor?roster=1#roster-h"),
        Err(AppError::Invalid(fields)) => {
            let why: Vec<String> = fields.into_iter().map(|f| f.message).collect();
            let q =
                serde_urlencoded::to_string([("roster_error", why.join(" "))]).unwrap_or_default();
            leptos_axum::redirect(&format!("/vendor?{q}#roster-h"));
        }
        Err(e) => return Err(e),
    }
    Ok(())
}

/// The signed-in contact's vendor's rosters, newest first.
#[server(prefix = "/api", endpoint = "vendor/rosters")]
pub async fn load_my_rosters() -> Result<Vec<SubmittedRoster>, AppError> {
    rosters::my_rosters().await
}

/// One roster and how it differs from the training records in force (anyone signed in).
#[server(prefix = "/api", endpoint = "manage/roster")]
pub async fn load_roster_review(id: i64) -> Result<RosterReview, AppError> {
    rosters::roster_review(id).await
}

/// Decide on a waiting roster (admins and managers), as `decide_review`; approval makes it
/// the vendor's list of people with access.
#[server(prefix = "/api", endpoint = "manage/decide_roster")]
pub async fn decide_roster(
    id: i64,
    version: i64,
    decision: String,
    comment: String,
) -> Result<(), AppError> {
    rosters::decide_roster(id, version, &decision, &comment).await
}
