//! Server half of the import: reading the upload (through `files`, the one reader of every
//! uploaded file), running every row through the editor's save (or the training form) in one
//! transaction with a savepoint per row, and the background runs the page follows. A dry run
//! is the same run rolled back, so it shows exactly what the apply will do, refusals of the
//! notice rule included; on SQLite it runs on a private copy of the database, so it never
//! takes the write lock. One import runs at a time per database ([`lock`]).

mod chain;
mod jobs;
pub mod lock;
mod rows;
mod run;

pub use jobs::{load_import, load_imports};
pub use run::{run, Mode, ReadFile};

use std::{
    collections::HashMap,
    sync::{Mutex, OnceLock},
};

use crate::model::import::MAX_FILE_BYTES;
use crate::{
    domain::import::Sheet,
    error::AppError,
    files,
    request::db,
    session::{editor as editor_role, require},
    store::{begin_write, imports, Db},
};
use lock::ImportLock;

/// Progress of the runs this instance is doing: id -> (rows done, rows in all).
fn progress_map() -> &'static Mutex<HashMap<i64, (usize, usize)>> {
    static MAP: OnceLock<Mutex<HashMap<i64, (usize, usize)>>> = OnceLock::new();
    MAP.get_or_init(Default::default)
}

/// Run the stored import `id`, its file read, in the background, holding `lock` until it is
/// over.
fn spawn_run(
    (db, lock): (Db, ImportLock),
    id: i64,
    file_name: String,
    (sheets, notes): (Vec<Sheet>, Vec<String>),
    actor: String,
    mode: Mode,
) {
    tokio::spawn(async move {
        let report_progress = move |done: usize, total: usize| {
            if let Ok(mut m) = progress_map().lock() {
                m.insert(id, (done, total));
            }
        };
        let result = run(
            &db,
            (&file_name, &sheets, notes),
            &actor,
            mode,
            &report_progress,
        )
        .await
        .map_err(|e| match e {
            AppError::Invalid(fields) => fields
                .into_iter()
                .map(|f| f.message)
                .collect::<Vec<_>>()
                .join(" "),
            other => other.to_string(),
        });
        let (state, text, summary) = match result {
            Ok(report) => (
                "done",
                serde_json::to_string(&report).unwrap_or_default(),
                report.summary,
            ),
            Err(m) => ("failed", m.clone(), format!("Failed: {m}")),
        };
        if let Err(e) = imports::finish(&db, id, state, (&text, &summary)).await {
            tracing::error!(import = id, "cannot record the end of an import: {e}");
        }
        lock.release().await;
        if let Ok(mut m) = progress_map().lock() {
            m.remove(&id);
        }
        tracing::info!(import = id, state, "import finished");
    });
}

/// Read `content` (a file that cannot be read is refused at once, nothing stored), take the
/// import lock (refused while another import runs), record the run and start it; returns
/// its id. The file is read once, here.
async fn start(
    db: &Db,
    actor: &str,
    file_name: &str,
    content: Vec<u8>,
    mode: Mode,
) -> Result<i64, AppError> {
    let read = files::read(file_name, &content)
        .await
        .map(|c| (c.sheets, c.notes))
        .map_err(|m| AppError::invalid("file", m))?;
    let lock = ImportLock::take(db, actor, file_name).await?;
    let recorded = async {
        let mut tx = begin_write(db).await?;
        let id = imports::start(
            &mut tx,
            actor,
            file_name,
            &content,
            (mode.apply, mode.skip_refused, mode.whole_list),
        )
        .await?;
        tx.commit().await?;
        Ok::<_, AppError>(id)
    }
    .await;
    let id = match recorded {
        Ok(id) => id,
        Err(e) => {
            lock.release().await;
            return Err(e);
        }
    };
    spawn_run(
        (db.clone(), lock),
        id,
        file_name.to_string(),
        read,
        actor.to_string(),
        mode,
    );
    Ok(id)
}

/// The refusal of an upload whose multipart body could not be read whole.
fn cut_short(e: impl std::fmt::Display) -> AppError {
    tracing::info!("an import upload was refused: {e}");
    AppError::invalid(
        "file",
        "The upload did not arrive whole (the connection was cut or the form data is \
         malformed); nothing was read. Send the file again.",
    )
}

pub async fn upload(data: leptos::server_fn::codec::MultipartData) -> Result<i64, AppError> {
    let who = require(editor_role).await?;
    let db = db()?;
    let Some(mut form) = data.into_inner() else {
        return Err(AppError::Request("No file was sent.".into()));
    };
    let mut file: Option<(String, Vec<u8>)> = None;
    let (mut apply, mut skip, mut whole_list) = (false, false, false);
    let mut confirm_removals = None;
    // Any error of the multipart stream (a cut connection, a body without its closing
    // boundary, the body limit reached) refuses the whole upload: the bytes read so far are
    // not the file.
    while let Some(mut field) = form.next_field().await.map_err(cut_short)? {
        match field.name().unwrap_or("") {
            "file" => {
                let name = field.file_name().unwrap_or("upload").to_string();
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(cut_short)? {
                    if bytes.len() + chunk.len() > MAX_FILE_BYTES {
                        return Err(AppError::invalid(
                            "file",
                            format!(
                                "The file is larger than {} MB, the most an import takes.",
                                MAX_FILE_BYTES / (1024 * 1024)
                            ),
                        ));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                file = Some((name, bytes));
            }
            "apply" => apply = field.text().await.map_err(cut_short)? == "on",
            "skip_refused" => skip = field.text().await.map_err(cut_short)? == "on",
            "whole_list" => whole_list = field.text().await.map_err(cut_short)? == "on",
            "confirm_removals" => {
                confirm_removals = confirmed(Some(&field.text().await.map_err(cut_short)?))?
            }
            _ => {}
        }
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Err(AppError::invalid(
            "file",
            "Choose a CSV or XLSX file to import.",
        ));
    };
    start(
        &db,
        &who.email,
        &name,
        bytes,
        Mode {
            apply,
            skip_refused: skip,
            whole_list,
            confirm_removals,
        },
    )
    .await
}

/// The number of removals a manager confirmed (`confirm_removals`: a count, or absent).
pub fn confirmed(value: Option<&str>) -> Result<Option<usize>, AppError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| {
            AppError::invalid(
                "confirm_removals",
                format!("\"{v}\" is not a number of removals to confirm."),
            )
        }),
    }
}

/// Apply the dry run `id` as it was checked (its whole-list mode included), skipping
/// refused rows if asked; `confirm_removals` confirms that many removals of a whole-list
/// import (needed beyond a fifth of the registry).
pub async fn apply(
    id: i64,
    skip_refused: bool,
    confirm_removals: Option<usize>,
) -> Result<i64, AppError> {
    let who = require(editor_role).await?;
    let db = db()?;
    let row = imports::get(&db, id).await?.ok_or(AppError::NotFound)?;
    let content = imports::content(&db, id).await?.ok_or(AppError::NotFound)?;
    if content.is_empty() {
        return Err(AppError::invalid(
            "file",
            "The file of this dry run is no longer kept (stored import files are removed after \
             their retention period); upload it again.",
        ));
    }
    start(
        &db,
        &who.email,
        &row.file_name,
        content,
        Mode {
            apply: true,
            skip_refused,
            whole_list: row.whole_list == 1,
            confirm_removals,
        },
    )
    .await
}
