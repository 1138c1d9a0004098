//! One run of an import: every row of every sheet through the editor's save (or the training
//! form) in one transaction with savepoints, on SQLite on a private copy published at the end.

use std::collections::{HashMap, HashSet};

use super::chain;
use super::rows::{row_slug, training_row, vendor_row, Refusal, RowContext};
use crate::model::import::{AbsentVendor, ImportReport, RowOutcome, UNCONFIRMED_REMOVALS_PER};
use crate::{
    domain::{
        forms::Courses,
        import::{self, Columns, Row, Sheet, SheetKind},
    },
    error::AppError,
    store::{
        audit, begin_write, changes, evidence, private_copy::PrivateCopy, services, staged,
        vendors, AnyConnection, Backend, Db,
    },
};

/// Rows between two progress reports.
const PROGRESS_EVERY: usize = 100;

/// How a run goes: check only, or apply (skipping refused rows or not); as the whole list
/// (the registry's vendors the file does not name are removed, beyond a fifth of the
/// registry only with their number confirmed) or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Mode {
    pub apply: bool,
    pub skip_refused: bool,
    pub whole_list: bool,
    pub confirm_removals: Option<usize>,
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
        whole_list: mode.whole_list,
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
        scope_days: HashMap::new(),
    };
    let mut done = 0;
    // the slugs the file names (refused rows included), when it has a vendor sheet
    let mut named: Option<HashSet<String>> = None;
    let mut chains = Vec::new();
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
        if kind == SheetKind::Chain {
            // after the vendors, whose rows it may name
            chains.push((sheet, cols));
            continue;
        }
        if kind == SheetKind::Vendors {
            let slugs: Vec<String> = sheet
                .rows
                .iter()
                .map(|r| row_slug(r, &cols))
                .filter(|s| !s.is_empty())
                .collect();
            ctx.stored
                .extend(vendors::edit_rows(&mut tx, &slugs).await?);
            named.get_or_insert_with(HashSet::new).extend(slugs);
        }
        let sheet_rows = SheetRows {
            kind,
            cols: &cols,
            courses: &courses,
        };
        for group in sheet.rows.chunks(GROUP) {
            let outcomes = run_group(&mut tx, &sheet_rows, group, &mut ctx).await?;
            for outcome in outcomes {
                tally(&mut report, (sheet, &cols), outcome);
                done += 1;
                if done % PROGRESS_EVERY == 0 || done == total {
                    progress(done, total);
                }
            }
        }
    }
    for (sheet, cols) in chains {
        let at = (sheet, &cols);
        for outcome in
            chain::run_sheet(&mut tx, at, &mut ctx, mode.whole_list, named.as_ref()).await?
        {
            tally(&mut report, at, outcome);
        }
        done += sheet.rows.len();
        progress(done, total);
    }
    if let Some(named) = named {
        absent(&mut tx, &named, mode, &courses, &mut ctx, &mut report).await?;
    }
    let mut counts = format!(
        "{} new, {} changed, {} unchanged, {} training records, {} refused",
        report.new, report.changed, report.unchanged, report.training, report.refused
    );
    if mode.whole_list {
        counts.push_str(&format!(", {} removed (not in the file)", report.removed));
    }
    if !mode.apply {
        drop(tx);
        report.summary = format!("Dry run, nothing written: {counts}.");
    } else if report.confirm_needed > 0 {
        drop(tx);
        report.summary = format!(
            "Nothing written: this whole list would remove {} of the registry's {} vendors, more \
             than a fifth; confirm {} removals to apply it. {counts}.",
            report.confirm_needed, report.listed, report.confirm_needed
        );
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
        // the rows' change events enter the log together (a dry run, rolled back, never does)
        crate::store::log::append_pending(&mut tx).await?;
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

/// Count `outcome` in the report and keep it (a refused cell named as the sheet names it).
fn tally(report: &mut ImportReport, (sheet, cols): (&Sheet, &Columns), mut outcome: RowOutcome) {
    if let RowOutcome::Refused { errors, .. } = &mut outcome {
        import::name_cells(sheet, cols, errors);
    }
    match &outcome {
        RowOutcome::New { .. } => report.new += 1,
        RowOutcome::Changed { .. } => report.changed += 1,
        RowOutcome::Unchanged { .. } | RowOutcome::TrainingKnown { .. } => report.unchanged += 1,
        RowOutcome::Refused { .. } => report.refused += 1,
        RowOutcome::Training { .. } => report.training += 1,
        RowOutcome::Removed { .. } => report.removed += 1,
    }
    report.rows.push(outcome);
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
        // run vendor by vendor ([`chain::run_sheet`]), never row by row
        SheetKind::Chain => Err(Refusal(Vec::new())),
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

/// The registry's vendors (announced or active, not removed) that the file does not name:
/// listed in the report; in whole-list mode removed as of today through the editor's save
/// (announced, and subscribers told, as when a manager removes one), each reported as
/// [`RowOutcome::Removed`] (or refused, with the reason). Removing more than a fifth of the
/// registry needs that number confirmed ([`Mode::confirm_removals`]): a filtered export
/// imported as the whole list must not empty the registry.
async fn absent(
    tx: &mut AnyConnection,
    named: &HashSet<String>,
    mode: Mode,
    courses: &Courses,
    ctx: &mut RowContext<'_>,
    report: &mut ImportReport,
) -> Result<(), AppError> {
    let listed = vendors::listed(tx).await?;
    report.listed = listed.len();
    report.absent = listed
        .into_iter()
        .filter(|(slug, _)| !named.contains(slug))
        .map(|(slug, name)| AbsentVendor { slug, name })
        .collect();
    let n = report.absent.len();
    if n == 0 {
        return Ok(());
    }
    if !mode.whole_list {
        // counted, not listed in full: an update of ten rows to a large registry would
        // otherwise keep the whole registry in its report
        report.absent.truncate(crate::model::import::SHOWN_ROWS);
        report.notes.push(format!(
            "{n} vendor{} of the registry {} not in this file; {} as {} (a whole-list import \
             would remove {}).",
            if n == 1 { "" } else { "s" },
            if n == 1 { "is" } else { "are" },
            if n == 1 { "it stays" } else { "they stay" },
            if n == 1 { "it is" } else { "they are" },
            if n == 1 { "it" } else { "them" },
        ));
        return Ok(());
    }
    if n * UNCONFIRMED_REMOVALS_PER > report.listed && mode.confirm_removals != Some(n) {
        report.confirm_needed = n;
        report.notes.push(format!(
            "This whole list leaves out {n} of the registry's {} vendors, more than a fifth: \
             applying it needs that number confirmed (the checkbox of the apply, or \
             --confirm-removals {n}).",
            report.listed
        ));
    }
    let slugs: Vec<String> = report.absent.iter().map(|a| a.slug.clone()).collect();
    ctx.stored.extend(vendors::edit_rows(tx, &slugs).await?);
    let header = ["slug".to_string(), "removed_on".to_string()];
    let (kind, cols, _) = import::columns(&header).map_err(AppError::Internal)?;
    let today = ctx.today.to_string();
    let rows: Vec<Row> = slugs
        .iter()
        .map(|slug| Row {
            line: 0,
            cells: vec![slug.clone(), today.clone()],
        })
        .collect();
    let sheet = SheetRows {
        kind,
        cols: &cols,
        courses,
    };
    let absent = report.absent.clone();
    for (group, vendors) in rows.chunks(GROUP).zip(absent.chunks(GROUP)) {
        for (outcome, vendor) in run_group(tx, &sheet, group, ctx)
            .await?
            .into_iter()
            .zip(vendors)
        {
            match outcome {
                RowOutcome::Refused { errors, .. } => {
                    report.refused += 1;
                    report.rows.push(RowOutcome::Refused {
                        line: 0,
                        errors: errors
                            .into_iter()
                            .map(|mut e| {
                                e.message = format!(
                                    "{} ({}) is not in the file, and cannot be removed: {}",
                                    vendor.name, vendor.slug, e.message
                                );
                                e
                            })
                            .collect(),
                    });
                }
                RowOutcome::Unchanged { .. } => {}
                _ => {
                    report.removed += 1;
                    report.rows.push(RowOutcome::Removed {
                        line: 0,
                        slug: vendor.slug.clone(),
                        name: vendor.name.clone(),
                    });
                }
            }
        }
    }
    Ok(())
}
