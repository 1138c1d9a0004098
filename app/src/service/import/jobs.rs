//! The import runs as the pages show them: the recent runs, one run's state, progress and
//! report (trimmed for the page), and a run the server stopped during, shown as failed.

use std::collections::HashMap;

use super::progress_map;
use crate::{
    error::AppError,
    model::import::{ImportLine, ImportReport, ImportView, RowOutcome, SHOWN_ROWS},
    request::db,
    session::{editor as editor_role, require},
    store::imports,
};

/// A run still marked running that this instance is not doing and that started this long
/// ago was cut short by a restart: its transaction never committed, so nothing was written.
const INTERRUPTED_AFTER_MINUTES: i64 = 30;

fn interrupted(r: &imports::ImportRow) -> bool {
    let running_here = progress_map()
        .lock()
        .map(|m| m.contains_key(&r.id))
        .unwrap_or(false);
    let started = chrono::DateTime::parse_from_rfc3339(&r.created_at)
        .map(|t| t.with_timezone(&chrono::Utc))
        .ok();
    r.state == "running"
        && !running_here
        && started.is_some_and(|t| {
            chrono::Utc::now() - t > chrono::Duration::minutes(INTERRUPTED_AFTER_MINUTES)
        })
}

const INTERRUPTED: &str =
    "The server stopped during the import; nothing of it was written. Run it again.";

/// The state a run shows, with an interrupted one as failed.
fn shown(mut r: imports::ImportRow) -> imports::ImportRow {
    if interrupted(&r) {
        r.state = "failed".into();
        r.report = Some(INTERRUPTED.into());
        r.summary = Some(format!("Failed: {INTERRUPTED}"));
    }
    r
}

/// A report as a page gets it: every count, but at most [`SHOWN_ROWS`] rows of each outcome
/// (a file of 10,000 new vendors would otherwise put them all into the page).
fn trimmed(mut report: ImportReport) -> ImportReport {
    let mut seen: HashMap<&'static str, usize> = HashMap::new();
    report.rows.retain(|o| {
        let kind = match o {
            RowOutcome::New { .. } => "new",
            RowOutcome::Changed { .. } => "changed",
            RowOutcome::Refused { .. } => "refused",
            RowOutcome::Training { .. } => "training",
            RowOutcome::Removed { .. } => "removed",
            RowOutcome::Unchanged { .. } | RowOutcome::TrainingKnown { .. } => return false,
        };
        let n = seen.entry(kind).or_default();
        *n += 1;
        *n <= SHOWN_ROWS
    });
    report.absent.truncate(SHOWN_ROWS);
    report
}

fn summary_of(r: &imports::ImportRow) -> String {
    r.summary.clone().unwrap_or_else(|| "Running…".into())
}

pub async fn load_imports() -> Result<Vec<ImportLine>, AppError> {
    require(editor_role).await?;
    let db = db()?;
    Ok(imports::recent(&db, 20)
        .await?
        .into_iter()
        .map(shown)
        .map(|r| ImportLine {
            summary: summary_of(&r),
            id: r.id,
            file_name: r.file_name,
            actor: r.actor,
            apply: r.apply == 1,
            state: r.state,
            created_at: r.created_at,
        })
        .collect())
}

pub async fn load_import(id: i64) -> Result<ImportView, AppError> {
    require(editor_role).await?;
    let db = db()?;
    let r = shown(imports::get(&db, id).await?.ok_or(AppError::NotFound)?);
    let report = match (r.state.as_str(), &r.report) {
        ("done", Some(json)) => serde_json::from_str::<ImportReport>(json).ok().map(trimmed),
        _ => None,
    };
    let error = (r.state == "failed").then(|| r.report.clone().unwrap_or_default());
    let progress = progress_map().lock().ok().and_then(|m| m.get(&id).copied());
    Ok(ImportView {
        // a dry run that would write nothing (every row refused or unchanged) has nothing
        // to apply
        can_apply: r.apply == 0
            && r.has_file == 1
            && report
                .as_ref()
                .is_some_and(|r| r.new + r.changed + r.training + r.removed > 0),
        id: r.id,
        file_name: r.file_name,
        apply: r.apply == 1,
        skip_refused: r.skip_refused == 1,
        whole_list: r.whole_list == 1,
        state: r.state,
        progress,
        report,
        error,
    })
}
