//! Bulk import of vendors and training records from a CSV or XLSX file (the export's
//! columns): a dry run that shows what would happen row by row, then the apply, all or
//! nothing, through the editor's own save. `/manage/import` uploads the file; the run goes on
//! in the background and `/manage/import/{id}` shows its progress, then its report.

use crate::error::AppError;
use leptos::prelude::*;

pub use crate::model::import::*;
#[cfg(feature = "ssr")]
use crate::service::import as service;

#[server(prefix = "/api", endpoint = "manage/imports")]
pub async fn load_imports() -> Result<Vec<ImportLine>, AppError> {
    service::load_imports().await
}

#[server(prefix = "/api", endpoint = "manage/import")]
pub async fn load_import(id: i64) -> Result<ImportView, AppError> {
    service::load_import(id).await
}

/// Upload a file and start its dry run (or, with `apply=on`, apply it at once): a
/// multipart form with `file`, `apply`, `skip_refused`, `whole_list` and `confirm_removals`.
/// Answers with the run's page.
#[server(prefix = "/api", endpoint = "manage/import_upload", input = leptos::server_fn::codec::MultipartFormData)]
pub async fn upload_import(data: leptos::server_fn::codec::MultipartData) -> Result<(), AppError> {
    match service::upload(data).await {
        Ok(id) => leptos_axum::redirect(&format!("/manage/import/{id}")),
        // a refused file goes back to the form with the reason (a form post has no script)
        Err(AppError::Invalid(fields)) => {
            let why: Vec<String> = fields.into_iter().map(|f| f.message).collect();
            let q = serde_urlencoded::to_string([("error", why.join(" "))]).unwrap_or_default();
            leptos_axum::redirect(&format!("/manage/import?{q}"));
        }
        Err(e) => return Err(e),
    }
    Ok(())
}

/// Apply a checked file (the dry run `id`), skipping refused rows if asked, and confirming
/// `confirm_removals` removals of a whole-list import.
#[server(prefix = "/api", endpoint = "manage/import_apply")]
pub async fn apply_import(
    id: i64,
    skip_refused: Option<String>,
    confirm_removals: Option<String>,
) -> Result<(), AppError> {
    let confirm = service::confirmed(confirm_removals.as_deref())?;
    let run = service::apply(id, skip_refused.as_deref() == Some("on"), confirm).await?;
    leptos_axum::redirect(&format!("/manage/import/{run}"));
    Ok(())
}
