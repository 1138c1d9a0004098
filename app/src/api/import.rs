//! Bulk import of vendors and training records from a CSV or XLSX file (the export's
//! columns): a dry run that shows what would happen row by row, then the apply, all or
//! nothing, through the editor's own save. `/manage/import` uploads the file; the run goes on
//! in the background and `/manage/import/{id}` shows its progress, then its report.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{domain::import::CellError, error::AppError};

#[cfg(feature = "ssr")]
pub mod ssr;

/// One changed field of a vendor: column, stored value, value from the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub column: String,
    pub before: String,
    pub after: String,
}

/// What happens (or would) to one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RowOutcome {
    New {
        line: usize,
        slug: String,
        name: String,
    },
    Changed {
        line: usize,
        slug: String,
        changes: Vec<FieldChange>,
    },
    Unchanged {
        line: usize,
        slug: String,
    },
    Refused {
        line: usize,
        errors: Vec<CellError>,
    },
    /// A training record added to a vendor.
    Training {
        line: usize,
        vendor: String,
        person: String,
    },
    /// A training record the vendor has already.
    TrainingKnown {
        line: usize,
        vendor: String,
        person: String,
    },
}

impl RowOutcome {
    pub fn line(&self) -> usize {
        match self {
            RowOutcome::New { line, .. }
            | RowOutcome::Changed { line, .. }
            | RowOutcome::Unchanged { line, .. }
            | RowOutcome::Refused { line, .. }
            | RowOutcome::Training { line, .. }
            | RowOutcome::TrainingKnown { line, .. } => *line,
        }
    }
}

/// The report of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub file_name: String,
    /// A dry run writes nothing; an apply writes every accepted row in one transaction.
    pub dry_run: bool,
    /// Whether the rows were written (an apply with no refusal, or told to skip them).
    pub applied: bool,
    /// Notes on the file: its encoding, ignored columns, sheets read.
    pub notes: Vec<String>,
    pub rows: Vec<RowOutcome>,
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub refused: usize,
    pub training: usize,
    /// One sentence for the whole run.
    pub summary: String,
}

/// The import page: recent runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportLine {
    pub id: i64,
    pub file_name: String,
    pub actor: String,
    pub apply: bool,
    pub state: String,
    pub created_at: String,
    pub summary: String,
}

/// One run as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportView {
    pub id: i64,
    pub file_name: String,
    pub apply: bool,
    pub skip_refused: bool,
    /// `running`, `done` or `failed`.
    pub state: String,
    /// Rows checked so far and in all, while it runs on this instance.
    pub progress: Option<(usize, usize)>,
    pub report: Option<ImportReport>,
    /// Why it failed.
    pub error: Option<String>,
    pub can_apply: bool,
}

/// Rows of each outcome a run's page gets (its counts cover all).
pub const SHOWN_ROWS: usize = 500;

/// Largest file accepted, in bytes (the upload's body limit); see `files::limits`.
pub use crate::files::limits::MAX_FILE_BYTES;

#[server(prefix = "/api", endpoint = "manage/imports")]
pub async fn load_imports() -> Result<Vec<ImportLine>, AppError> {
    ssr::load_imports().await
}

#[server(prefix = "/api", endpoint = "manage/import")]
pub async fn load_import(id: i64) -> Result<ImportView, AppError> {
    ssr::load_import(id).await
}

/// Upload a file and start its dry run (or, with `apply=on`, apply it at once): a
/// multipart form with `file`, `apply` and `skip_refused`. Answers with the run's page.
#[server(prefix = "/api", endpoint = "manage/import_upload", input = leptos::server_fn::codec::MultipartFormData)]
pub async fn upload_import(data: leptos::server_fn::codec::MultipartData) -> Result<(), AppError> {
    match ssr::upload(data).await {
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

/// Apply a checked file (the dry run `id`), skipping refused rows if asked.
#[server(prefix = "/api", endpoint = "manage/import_apply")]
pub async fn apply_import(id: i64, skip_refused: Option<String>) -> Result<(), AppError> {
    let run = ssr::apply(id, skip_refused.as_deref() == Some("on")).await?;
    leptos_axum::redirect(&format!("/manage/import/{run}"));
    Ok(())
}
