//! `server import FILE`: the bulk import from the command line, with a progress bar on a
//! terminal (indicatif) and the report: what each row does (or would), refusals by line and
//! column, and a summary. Exits non-zero when a row is refused or nothing could be written,
//! or when another import runs (one at a time per database, the server's included).

use std::{
    io::{IsTerminal, Read},
    path::Path,
};

use app::{
    domain::Email,
    files::{self, limits::MAX_FILE_BYTES},
    model::import::RowOutcome,
    service::import::{lock::ImportLock, run as run_import, Mode},
    store::{users, Db},
};

pub async fn run(db: &Db, file: &Path, mode: Mode, actor: Option<&str>) -> Result<(), String> {
    let dry_run = !mode.apply;
    let actor = match actor {
        None => "server import (command line)".to_string(),
        Some(a) => {
            let email = Email::parse(a).map_err(|e| format!("--actor: {}", e.0))?;
            let user = users::find_by_email(db, &email)
                .await
                .map_err(|e| format!("cannot read the accounts: {e}"))?
                .filter(|u| u.disabled == 0 && (u.role == "admin" || u.role == "manager"))
                .ok_or_else(|| {
                    format!("--actor: {a} is not an enabled admin or manager account")
                })?;
            user.email
        }
    };
    let bytes = read_capped(file)?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    // the same reader as an upload's, on a blocking thread
    let files::Contents { sheets, notes } = files::read(&name, &bytes)
        .await
        .map_err(|m| format!("{}: {m}", file.display()))?;
    let total: usize = sheets.iter().map(|s| s.rows.len()).sum();
    let bar = if std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new(total as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{msg} [{bar:40}] {pos}/{len} rows ({eta} left)",
        ) {
            b.set_style(style.progress_chars("=> "));
        }
        b.set_message(if dry_run { "checking" } else { "importing" });
        Some(b)
    } else {
        None
    };
    let tick = {
        let bar = bar.clone();
        move |done: usize, _total: usize| {
            if let Some(b) = &bar {
                b.set_position(done as u64);
            }
        }
    };
    let lock = ImportLock::take(db, &actor, &name).await.map_err(message)?;
    let report = run_import(db, (&name, &sheets, notes), &actor, mode, &tick).await;
    lock.release().await;
    let report = report.map_err(message)?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    for n in &report.notes {
        println!("note: {n}");
    }
    for r in &report.rows {
        match r {
            RowOutcome::New { line, slug, name } => {
                println!("line {line}: new vendor {name} ({slug})")
            }
            RowOutcome::Changed {
                line,
                slug,
                changes,
            } => {
                println!("line {line}: {slug} changes");
                for c in changes {
                    println!("    {}: {:?} -> {:?}", c.column, c.before, c.after);
                }
            }
            RowOutcome::Unchanged { .. } | RowOutcome::TrainingKnown { .. } => {}
            RowOutcome::Training {
                line,
                vendor,
                person,
            } => {
                println!("line {line}: training record of {person} for {vendor}")
            }
            RowOutcome::Refused { line: 0, errors } => {
                for e in errors {
                    println!("refused: {}", e.message);
                }
            }
            RowOutcome::Refused { line, errors } => {
                for e in errors {
                    match &e.cell {
                        Some(cell) => println!(
                            "line {line}, column {} ({cell}): refused: {}",
                            e.column, e.message
                        ),
                        None => {
                            println!("line {line}, column {}: refused: {}", e.column, e.message)
                        }
                    }
                }
            }
            RowOutcome::Removed { slug, name, .. } => println!(
                "{} {name} ({slug}): not in the file",
                if report.applied {
                    "removed"
                } else {
                    "would remove"
                }
            ),
        }
    }
    println!("{}", report.summary);
    if report.confirm_needed > 0 && mode.apply {
        return Err(format!(
            "{} removals need confirming: run again with --confirm-removals {}",
            report.confirm_needed, report.confirm_needed
        ));
    }
    if report.refused > 0 && !(report.applied && mode.skip_refused) {
        return Err(format!(
            "{} row(s) refused{}",
            report.refused,
            if dry_run { "" } else { "; nothing was written" }
        ));
    }
    Ok(())
}

/// The sentence an error of the run says.
fn message(e: app::error::AppError) -> String {
    match e {
        app::error::AppError::Invalid(f) => f
            .into_iter()
            .map(|f| f.message)
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

/// The file's bytes; a file larger than an import takes is refused by its size, unread
/// (and read at most one byte past the cap, should it grow meanwhile).
fn read_capped(file: &Path) -> Result<Vec<u8>, String> {
    let cannot = |e: std::io::Error| format!("cannot read {}: {e}", file.display());
    let f = std::fs::File::open(file).map_err(cannot)?;
    let size = f.metadata().map_err(cannot)?.len();
    if size > MAX_FILE_BYTES as u64 {
        return Err(format!(
            "{}: the file is {:.1} MB; an import is at most {} MB.",
            file.display(),
            size as f64 / 1e6,
            MAX_FILE_BYTES / (1024 * 1024)
        ));
    }
    let mut bytes = Vec::new();
    f.take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    Ok(bytes)
}
