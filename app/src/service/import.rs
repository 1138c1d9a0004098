//! Server half of the import: reading the upload (through `files`, the one reader of every
//! uploaded file), running every row through the editor's save (or the training form) in one
//! transaction with a savepoint per row, and the background runs the page follows. A dry run
//! is the same run rolled back, so it shows exactly what the apply will do, refusals of the
//! notice rule included; on SQLite it runs on a private copy of the database, so it never
//! takes the write lock. One import runs at a time per database ([`lock`]).

mod jobs;
pub mod lock;

pub use jobs::{load_import, load_imports};

use std::{
    collections::{HashMap, HashSet},
    sync::{Mutex, OnceLock},
};

use crate::model::import::{FieldChange, ImportReport, RowOutcome, MAX_FILE_BYTES};
use crate::{
    domain::{
        forms::Courses,
        import::{self, CellError, Columns, Row, Sheet, SheetKind},
        Slug,
    },
    error::AppError,
    files,
    request::db,
    service::{evidence as evidence_ssr, vendors as editor},
    session::{editor as editor_role, require},
    store::{
        audit, begin_write, changes, evidence, imports, private_copy::PrivateCopy, services,
        staged, vendors, AnyConnection, Backend, Db,
    },
    write::Written,
};
use lock::ImportLock;

/// Rows between two progress reports.
const PROGRESS_EVERY: usize = 100;

/// How a run goes: check only, or apply (skipping refused rows or not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode {
    pub apply: bool,
    pub skip_refused: bool,
}

/// What a run reads: the file's name, its sheets and the notes on how it was read.
pub type ReadFile<'a> = (&'a str, &'a [Sheet], Vec<String>);

/// Run an import of `sheets` as `actor`. `progress(done, total)` is told as rows are checked.
/// Every row runs in a savepoint of one transaction: a refused row is rolled back alone; at
/// the end a dry run (or an apply with refusals, unless told to skip them) rolls back the
/// whole, an apply commits. On SQLite the rows run on a private copy of the database (a
/// snapshot taken as a read), so the real database's write lock, which sign-in, subscribing
/// and the outbox need, is never held while they run: a dry run drops the copy; an apply
/// commits on the copy and then publishes what it wrote in one short transaction
/// ([`staged`]), running again on a fresh copy when another writer moved something the rows
/// depended on meanwhile. On PostgreSQL the run is one transaction of the database itself
/// (other writers do not wait for it). The caller holds the import lock ([`ImportLock`]).
pub async fn run(
    db: &Db,
    file: ReadFile<'_>,
    actor: &str,
    mode: Mode,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> Result<ImportReport, AppError> {
    if db.backend != Backend::Sqlite {
        return run_in(db, file, actor, mode, progress, Finish::Here)
            .await?
            .ok_or_else(|| AppError::Internal("a run in place cannot be outrun".into()));
    }
    for _ in 0..PUBLISH_TRIES {
        let copy = PrivateCopy::of(db).await?;
        let report = run_on_copy(db, &copy, file.clone(), actor, mode, progress).await;
        copy.close().await;
        if let Some(report) = report? {
            return Ok(report);
        }
    }
    Err(AppError::Request(format!(
        "The registry was changed {PUBLISH_TRIES} times while this import ran (by another \
         manager's save); nothing was written. Run the import again."
    )))
}

/// Runs of an apply on SQLite before it gives up because other writers keep moving what its
/// rows depend on.
const PUBLISH_TRIES: usize = 3;

/// [`run`] on SQLite's private copy `copy` of `db`; `None` when the apply could not be
/// published (see [`staged::publish`]).
async fn run_on_copy(
    db: &Db,
    copy: &PrivateCopy,
    file: ReadFile<'_>,
    actor: &str,
    mode: Mode,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> Result<Option<ImportReport>, AppError> {
    if !mode.apply {
        return run_in(&copy.db, file, actor, mode, progress, Finish::Here).await;
    }
    let marks = staged::Marks::of(&copy.db).await?;
    let fingerprint = staged::Fingerprint::of(&copy.db).await?;
    let finish = Finish::Publish {
        db,
        copy,
        marks: &marks,
        fingerprint: &fingerprint,
    };
    run_in(&copy.db, file, actor, mode, progress, finish).await
}

/// How an apply that is accepted ends, once its audit rows are written and it is committed.
enum Finish<'a> {
    /// Nothing more: the run was on the database itself.
    Here,
    /// The run is on `copy`: published to `db`.
    Publish {
        db: &'a Db,
        copy: &'a PrivateCopy,
        marks: &'a staged::Marks,
        fingerprint: &'a staged::Fingerprint,
    },
}

/// [`run`] on `db` (the database, or a private copy of it); `None` when the apply could not
/// be published.
async fn run_in(
    db: &Db,
    (file_name, sheets, notes): ReadFile<'_>,
    actor: &str,
    mode: Mode,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
    finish: Finish<'_>,
) -> Result<Option<ImportReport>, AppError> {
    let mut report = ImportReport {
        file_name: file_name.to_string(),
        dry_run: !mode.apply,
        notes,
        ..Default::default()
    };
    let services: Vec<(String, String)> = services::list_services(db)
        .await?
        .into_iter()
        .map(|s| (s.slug, s.name))
        .collect();
    let known: Vec<String> = services.iter().map(|(s, _)| s.clone()).collect();
    let courses = evidence::list_courses(db).await?;
    let total: usize = sheets.iter().map(|s| s.rows.len()).sum();
    let today = chrono::Utc::now().date_naive();
    let mut tx = begin_write(db).await?;
    let names = services::service_names(&mut tx).await?;
    let notice = changes::notice_periods(&mut tx).await?;
    let mut ctx = RowContext {
        services: &services,
        known: &known,
        names: &names,
        notice: &notice,
        actor,
        today,
        stored: HashMap::new(),
        written: HashSet::new(),
        added: Vec::new(),
        apply: mode.apply,
        audit: Vec::new(),
    };
    let mut done = 0;
    sqlx::query("SAVEPOINT import_group")
        .execute(&mut *tx)
        .await?;
    for sheet in sheets {
        let (kind, cols, header_notes) = match import::columns(&sheet.header) {
            Ok(c) => c,
            Err(m) if sheets.len() > 1 => {
                report
                    .notes
                    .push(format!("Sheet \"{}\" was not read: {m}", sheet.name));
                continue;
            }
            Err(m) => return Err(AppError::invalid("file", m)),
        };
        report.notes.extend(header_notes);
        if kind == SheetKind::Vendors {
            let slugs: Vec<String> = sheet
                .rows
                .iter()
                .map(|r| row_slug(r, &cols))
                .filter(|s| !s.is_empty())
                .collect();
            ctx.stored
                .extend(vendors::edit_rows(&mut tx, &slugs).await?);
        }
        let sheet_rows = SheetRows {
            kind,
            cols: &cols,
            courses: &courses,
        };
        for group in sheet.rows.chunks(GROUP) {
            let outcomes = run_group(&mut tx, &sheet_rows, group, &mut ctx).await?;
            for outcome in outcomes {
                match &outcome {
                    RowOutcome::New { .. } => report.new += 1,
                    RowOutcome::Changed { .. } => report.changed += 1,
                    RowOutcome::Unchanged { .. } | RowOutcome::TrainingKnown { .. } => {
                        report.unchanged += 1
                    }
                    RowOutcome::Refused { .. } => report.refused += 1,
                    RowOutcome::Training { .. } => report.training += 1,
                }
                report.rows.push(outcome);
                done += 1;
                if done % PROGRESS_EVERY == 0 || done == total {
                    progress(done, total);
                }
            }
        }
    }
    let counts = format!(
        "{} new, {} changed, {} unchanged, {} training records, {} refused",
        report.new, report.changed, report.unchanged, report.training, report.refused
    );
    if !mode.apply {
        drop(tx);
        report.summary = format!("Dry run, nothing written: {counts}.");
    } else if report.refused > 0 && !mode.skip_refused {
        drop(tx);
        report.summary = format!(
            "Nothing written: {} row{} refused (fix them, or apply skipping them). {counts}.",
            report.refused,
            if report.refused == 1 { " is" } else { "s are" }
        );
    } else {
        // the accepted rows' audit rows, in the order of the file, written together
        audit::record_all(&mut tx, actor, std::mem::take(&mut ctx.audit)).await?;
        tx.commit().await?;
        if let Finish::Publish {
            db: real,
            copy,
            marks,
            fingerprint,
        } = finish
        {
            let moved = fingerprint.moved(&staged::Fingerprint::of(db).await?);
            if !moved.is_empty() {
                return Err(AppError::Internal(format!(
                    "the import wrote to {} on the copy, which a publish does not carry",
                    moved.join(", ")
                )));
            }
            let changed: Vec<(i64, i64)> = ctx
                .written
                .iter()
                .filter_map(|slug| ctx.stored.get(slug))
                .map(|before| (before.id, before.version))
                .collect();
            if !staged::publish(real, copy, marks, &changed).await? {
                return Ok(None);
            }
        }
        report.applied = true;
        report.summary = format!("Imported: {counts}.");
    }
    Ok(Some(report))
}

/// Rows run between two savepoints. A group runs without a savepoint per row (one round
/// trip a row fewer) until a row is refused; then the group is rolled back and run again a
/// row at a time, each in a savepoint of its own, so the refused row alone is left out. The
/// rows see the same data both times, so they come to the same outcomes.
const GROUP: usize = 50;

/// What the rows of one sheet are run with.
struct SheetRows<'a> {
    kind: SheetKind,
    cols: &'a Columns,
    courses: &'a Courses,
}

async fn run_row(
    tx: &mut AnyConnection,
    sheet: &SheetRows<'_>,
    row: &Row,
    ctx: &mut RowContext<'_>,
) -> Result<RowOutcome, Refusal> {
    match sheet.kind {
        SheetKind::Vendors => vendor_row(tx, row, sheet.cols, ctx).await,
        SheetKind::Training => training_row(tx, row, sheet.cols, sheet.courses, ctx).await,
    }
}

/// Run one group of rows (see [`GROUP`]); the savepoint `import_group` is set before and
/// after it.
async fn run_group(
    tx: &mut AnyConnection,
    sheet: &SheetRows<'_>,
    group: &[Row],
    ctx: &mut RowContext<'_>,
) -> Result<Vec<RowOutcome>, AppError> {
    // no arguments: sent as one simple query, both statements in one trip
    const NEXT: &str = "RELEASE SAVEPOINT import_group; SAVEPOINT import_group";
    let mark = ctx.mark();
    let mut outcomes = Vec::with_capacity(group.len());
    for row in group {
        match run_row(tx, sheet, row, ctx).await {
            Ok(o) => outcomes.push(o),
            Err(_) => break,
        }
    }
    if outcomes.len() == group.len() {
        sqlx::Executor::execute(&mut *tx, NEXT).await?;
        return Ok(outcomes);
    }
    sqlx::query("ROLLBACK TO SAVEPOINT import_group")
        .execute(&mut *tx)
        .await?;
    ctx.back_to(mark);
    outcomes.clear();
    for row in group {
        sqlx::query("SAVEPOINT import_row")
            .execute(&mut *tx)
            .await?;
        match run_row(tx, sheet, row, ctx).await {
            Ok(o) => {
                sqlx::query("RELEASE SAVEPOINT import_row")
                    .execute(&mut *tx)
                    .await?;
                outcomes.push(o);
            }
            Err(Refusal(errors)) => {
                sqlx::Executor::execute(
                    &mut *tx,
                    "ROLLBACK TO SAVEPOINT import_row; RELEASE SAVEPOINT import_row",
                )
                .await?;
                outcomes.push(RowOutcome::Refused {
                    line: row.line,
                    errors,
                });
            }
        }
    }
    sqlx::Executor::execute(&mut *tx, NEXT).await?;
    Ok(outcomes)
}

/// A refused row: its cells' errors.
struct Refusal(Vec<CellError>);

impl Refusal {
    fn row(line: usize, column: &str, message: impl Into<String>) -> Self {
        Refusal(vec![CellError {
            line,
            column: column.into(),
            message: message.into(),
        }])
    }
}

/// A store or other failure is not the row's fault: it fails the whole run.
fn fail(e: impl Into<AppError>) -> Refusal {
    let e: AppError = e.into();
    Refusal::row(0, "", e.to_string())
}

/// Field by field, what a save changed: from the audit entry's before and after (the
/// editor's snapshots as JSON), so nothing is read again.
fn changes_between(b: &serde_json::Value, a: &serde_json::Value) -> Vec<FieldChange> {
    let text = |v: Option<&serde_json::Value>| match v {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| i.to_string())
            })
            .collect::<Vec<_>>()
            .join("; "),
        Some(serde_json::Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let mut out = Vec::new();
    if let (Some(b), Some(a)) = (b.as_object(), a.as_object()) {
        for (k, av) in a {
            if k == "version" || k == "slug" {
                continue;
            }
            let (bt, at) = (text(b.get(k)), text(Some(av)));
            if bt != at {
                out.push(FieldChange {
                    column: import::column_of(k).to_string(),
                    before: bt,
                    after: at,
                });
            }
        }
    }
    out
}

/// What the rows of one run share: the lists a row is checked against, the notice rule's
/// inputs, the stored rows of the file's vendors (read once, before the rows), the vendors a
/// row of this run wrote (read again when another row names them) and the audit rows of the
/// accepted rows, written together at the end.
struct RowContext<'a> {
    services: &'a [(String, String)],
    known: &'a [String],
    names: &'a HashMap<String, String>,
    notice: &'a crate::domain::changes::NoticePeriods,
    actor: &'a str,
    today: chrono::NaiveDate,
    stored: HashMap<String, vendors::VendorEditRow>,
    written: HashSet<String>,
    /// The slugs of `written` in the order they were added (to take a group's back).
    added: Vec<String>,
    /// Whether the run may commit: a dry run holds no audit rows.
    apply: bool,
    audit: Vec<audit::Serialized>,
}

impl RowContext<'_> {
    /// Where the run is: to come back to when a group is rolled back.
    fn mark(&self) -> (usize, usize) {
        (self.added.len(), self.audit.len())
    }

    /// Forget what the rows since `mark` wrote (the database has rolled them back).
    fn back_to(&mut self, (added, audit): (usize, usize)) {
        for slug in self.added.drain(added..) {
            self.written.remove(&slug);
        }
        self.audit.truncate(audit);
    }
}

/// The vendor a row is matched with: its slug, or the slug of its legal name.
fn row_slug(row: &Row, cols: &Columns) -> String {
    let cell = |name: &str| import::cell(cols.get(row, name).unwrap_or("")).unwrap_or_default();
    match cell("slug") {
        s if !s.is_empty() => s,
        _ => Slug::from_name(&cell("legal_name"))
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
    }
}

async fn vendor_row(
    tx: &mut AnyConnection,
    row: &Row,
    cols: &Columns,
    ctx: &mut RowContext<'_>,
) -> Result<RowOutcome, Refusal> {
    let slug = row_slug(row, cols);
    let before = if slug.is_empty() {
        None
    } else if ctx.written.contains(&slug) {
        vendors::edit_row(tx, &slug).await.map_err(fail)?
    } else {
        ctx.stored.get(&slug).cloned()
    };
    let base = before.as_ref().map(editor::form_of).unwrap_or_default();
    let (form, cells) = import::vendor_form(row, cols, base, ctx.services, ctx.today);
    let draft = match form.parse(ctx.known) {
        Ok(draft) if cells.is_empty() => draft,
        Ok(_) => return Err(Refusal(cells)),
        Err(e) => return Err(Refusal(import::refusals(row.line, cells, e))),
    };
    if let Some(b) = &before {
        if b.record().map_err(fail)?.same_as(&draft.vendor) {
            return Ok(RowOutcome::Unchanged {
                line: row.line,
                slug: b.slug.clone(),
            });
        }
    }
    match editor::save_in(tx, &form, &draft, ctx.actor, (ctx.names, ctx.notice)).await {
        Ok(Written::Done {
            value,
            audit: entries,
        }) => {
            let null = serde_json::Value::Null;
            let changes = entries
                .first()
                .map(|e| {
                    changes_between(
                        e.before.as_ref().unwrap_or(&null),
                        e.after.as_ref().unwrap_or(&null),
                    )
                })
                .unwrap_or_default();
            if ctx.apply {
                ctx.audit
                    .extend(entries.into_iter().map(audit::Serialized::from));
            }
            if ctx.written.insert(value.clone()) {
                ctx.added.push(value.clone());
            }
            Ok(match &before {
                None => RowOutcome::New {
                    line: row.line,
                    slug: value,
                    name: draft.vendor.legal_name.clone(),
                },
                Some(_) => RowOutcome::Changed {
                    line: row.line,
                    slug: value,
                    changes,
                },
            })
        }
        Ok(Written::Stale { .. }) => Err(Refusal::row(
            row.line,
            "slug",
            "This vendor was changed by someone else during the import; run it again.",
        )),
        Err(AppError::Invalid(errors)) => Err(Refusal(import::cell_errors(row.line, errors))),
        Err(e) => Err(fail(e)),
    }
}

async fn training_row(
    tx: &mut AnyConnection,
    row: &Row,
    cols: &Columns,
    courses: &Courses,
    ctx: &mut RowContext<'_>,
) -> Result<RowOutcome, Refusal> {
    let today = ctx.today;
    let form = import::training_form(row, cols).map_err(Refusal)?;
    let record = form.parse(courses, today).map_err(|errors| {
        Refusal(
            errors
                .into_iter()
                .map(|e| CellError {
                    line: row.line,
                    column: import::training_column(&e.field).to_string(),
                    message: e.message,
                })
                .collect(),
        )
    })?;
    let slug = form.vendor.trim().to_string();
    let vendor = match Slug::parse(&slug) {
        Ok(s) => vendors::get_any(&mut *tx, &s, today).await.map_err(fail)?,
        Err(_) => None,
    };
    let Some(vendor) = vendor else {
        return Err(Refusal::row(
            row.line,
            "vendor_slug",
            format!("There is no vendor \"{slug}\" in the registry."),
        ));
    };
    let person = format!("{} <{}>", record.person_name, record.person_email);
    match evidence_ssr::add_training_in(tx, (vendor.id, &vendor.slug), &record)
        .await
        .map_err(fail)?
    {
        Some(entry) => {
            if ctx.apply {
                ctx.audit.push(entry.into());
            }
            Ok(RowOutcome::Training {
                line: row.line,
                vendor: vendor.slug,
                person,
            })
        }
        None => Ok(RowOutcome::TrainingKnown {
            line: row.line,
            vendor: vendor.slug,
            person,
        }),
    }
}

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
            (mode.apply, mode.skip_refused),
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
    let (mut apply, mut skip) = (false, false);
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
        },
    )
    .await
}

pub async fn apply(id: i64, skip_refused: bool) -> Result<i64, AppError> {
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
        },
    )
    .await
}
