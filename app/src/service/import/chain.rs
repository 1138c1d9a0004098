//! A workbook's chain sheet in an import: the rows of each vendor read onto its stored links
//! and saved together through the chain's own save (`vendors::save_chain_in`), with the
//! notice rule for a new link or a wider scope; in whole-list mode a vendor's link the sheet
//! leaves out is removed, and so are the links of a listed vendor the sheet does not name.
//! Each vendor's links run in a savepoint of their own: a refused vendor is left out alone.

use std::collections::{HashMap, HashSet};

use super::rows::{fail, Refusal, RowContext};
use crate::model::import::{FieldChange, RowOutcome};
use crate::{
    domain::{
        chain::{ChainEdit, SubProcessor, MAX_SUB_PROCESSORS},
        import::{
            chain::{link_column, link_key, link_row, merged, one_day},
            CellError, Columns, Row, Sheet,
        },
    },
    error::AppError,
    service::vendors::save_chain_in,
    store::{
        audit,
        vendors::{self, words, VendorEditRow},
        AnyConnection,
    },
    write::Written,
};

/// The outcome of each vendor the chain sheet `sheet` names (in the order of its first
/// row), then, in whole-list mode, of each vendor whose links it leaves out entirely among
/// the vendors `named` by the file's vendor sheet (a chain sheet alone touches no other).
pub(super) async fn run_sheet(
    tx: &mut AnyConnection,
    (sheet, cols): (&Sheet, &Columns),
    ctx: &mut RowContext<'_>,
    whole_list: bool,
    named: Option<&HashSet<String>>,
) -> Result<Vec<RowOutcome>, AppError> {
    let mut groups: Vec<(String, Vec<&Row>)> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for row in &sheet.rows {
        let (slug, _) = link_key(row, cols);
        match at.get(&slug) {
            Some(&i) => groups[i].1.push(row),
            None => {
                at.insert(slug.clone(), groups.len());
                groups.push((slug, vec![row]));
            }
        }
    }
    if whole_list {
        let seen: HashSet<&str> = groups.iter().map(|(s, _)| s.as_str()).collect();
        // a chain sheet alone (no vendor sheet) changes only the vendors it names
        let mut others: Vec<String> = named
            .into_iter()
            .flatten()
            .filter(|s| !seen.contains(s.as_str()))
            .cloned()
            .collect();
        others.sort();
        groups.extend(others.into_iter().map(|s| (s, Vec::new())));
    }
    let mut outcomes = Vec::new();
    for (slug, rows) in &groups {
        sqlx::query("SAVEPOINT import_row")
            .execute(&mut *tx)
            .await?;
        let mark = ctx.mark();
        match vendor_links(tx, (slug, rows), cols, ctx, whole_list).await {
            Ok(outcome) => {
                sqlx::query("RELEASE SAVEPOINT import_row")
                    .execute(&mut *tx)
                    .await?;
                // a vendor whose links the sheet leaves out, and which has none, is not news
                let quiet = rows.is_empty() && matches!(outcome, RowOutcome::Unchanged { .. });
                if !quiet {
                    outcomes.push(outcome);
                }
            }
            Err(Refusal(errors)) => {
                sqlx::Executor::execute(
                    &mut *tx,
                    "ROLLBACK TO SAVEPOINT import_row; RELEASE SAVEPOINT import_row",
                )
                .await?;
                ctx.back_to(mark);
                outcomes.push(RowOutcome::Refused {
                    line: rows.first().map(|r| r.line).unwrap_or(0),
                    errors,
                });
            }
        }
    }
    Ok(outcomes)
}

fn refuse(line: usize, column: &str, message: impl Into<String>) -> Refusal {
    Refusal(vec![CellError {
        line,
        column: column.into(),
        message: message.into(),
        cell: None,
    }])
}

/// The stored row of the vendor `slug` as this run sees it (kept in the context, so the
/// publish of a SQLite run can tell whether another writer changed it meanwhile).
async fn vendor(
    tx: &mut AnyConnection,
    slug: &str,
    ctx: &mut RowContext<'_>,
) -> Result<Option<VendorEditRow>, Refusal> {
    if ctx.written.contains(slug) {
        return vendors::edit_row(tx, slug).await.map_err(fail);
    }
    if let Some(row) = ctx.stored.get(slug) {
        return Ok(Some(row.clone()));
    }
    let row = vendors::edit_row(tx, slug).await.map_err(fail)?;
    if let Some(r) = &row {
        ctx.stored.insert(slug.to_string(), r.clone());
    }
    Ok(row)
}

/// The vendor `slug`'s links in the sheet (`rows`), saved as its chain.
async fn vendor_links(
    tx: &mut AnyConnection,
    (slug, rows): (&str, &[&Row]),
    cols: &Columns,
    ctx: &mut RowContext<'_>,
    whole_list: bool,
) -> Result<RowOutcome, Refusal> {
    let line = rows.first().map(|r| r.line).unwrap_or(0);
    if slug.is_empty() {
        return Err(refuse(
            line,
            "vendor_slug",
            "Name the vendor whose sub-processor this is (its slug).",
        ));
    }
    let Some(before) = vendor(tx, slug, ctx).await? else {
        return Err(refuse(
            line,
            "vendor_slug",
            format!("There is no vendor \"{slug}\" in the registry."),
        ));
    };
    if rows.is_empty() && before.removed_on.is_some() {
        // a removed vendor's chain stays as it was when it left
        return Ok(RowOutcome::Unchanged {
            line,
            slug: slug.to_string(),
        });
    }
    let mut stored = before.sub_processor_list().map_err(fail)?;
    stored.sort();
    let categories = words(before.categories.as_deref());
    let mut errors = Vec::new();
    let mut links: Vec<SubProcessor> = Vec::new();
    let mut read = Vec::new();
    for row in rows {
        let (_, name) = link_key(row, cols);
        let base = stored
            .iter()
            .find(|s| s.legal_name.eq_ignore_ascii_case(name.trim()));
        let link = link_row(row, cols, base);
        let mut row_errors = link.errors.clone();
        match link.form.parse(&categories, 0) {
            Ok((ChainEdit::Add(s), _)) => links.push(s),
            Ok(_) => {}
            Err(form) => {
                for e in form {
                    let column = link_column(&e.field);
                    if !row_errors.iter().any(|c| c.column == column) {
                        row_errors.push(CellError {
                            line: row.line,
                            column: column.into(),
                            message: e.message,
                            cell: None,
                        });
                    }
                }
            }
        }
        errors.extend(row_errors);
        read.push(link);
    }
    if !errors.is_empty() {
        return Err(Refusal(errors));
    }
    let effective = match one_day(&read) {
        Err(at) => {
            return Err(refuse(
                at,
                "scope_effective_on",
                format!(
                    "The links of {slug} are saved together, as one change: give them one day \
                     (an earlier row gives another)."
                ),
            ))
        }
        Ok(Some(day)) => match day.parse::<chrono::NaiveDate>() {
            Ok(d) => Some(d),
            Err(_) => {
                return Err(refuse(
                    line,
                    "scope_effective_on",
                    format!("\"{day}\" is not a date (YYYY-MM-DD)."),
                ))
            }
        },
        Ok(None) => ctx.scope_days.get(slug).copied(),
    };
    let new_list = merged(&stored, &links, whole_list).map_err(|i| {
        let at = rows.get(i).map(|r| r.line).unwrap_or(line);
        refuse(
            at,
            "legal_name",
            format!(
                "{} is listed twice for {slug}.",
                links.get(i).map(|l| l.legal_name.as_str()).unwrap_or("")
            ),
        )
    })?;
    if new_list.len() > MAX_SUB_PROCESSORS {
        return Err(refuse(
            line,
            "legal_name",
            format!(
                "A vendor lists at most {MAX_SUB_PROCESSORS} subprocessors; {slug} would list {}.",
                new_list.len()
            ),
        ));
    }
    if new_list == stored {
        return Ok(RowOutcome::Unchanged {
            line,
            slug: slug.to_string(),
        });
    }
    let short = |l: &[SubProcessor]| {
        l.iter()
            .map(SubProcessor::short)
            .collect::<Vec<_>>()
            .join("; ")
    };
    let change = FieldChange {
        column: "sub_processors".into(),
        before: short(&stored),
        after: short(&new_list),
    };
    match save_chain_in(
        tx,
        (&before, &new_list),
        effective,
        ctx.actor,
        (ctx.names, ctx.notice),
    )
    .await
    {
        Ok(Written::Done { audit: entries, .. }) => {
            if ctx.apply {
                ctx.audit
                    .extend(entries.into_iter().map(audit::Serialized::from));
            }
            if ctx.written.insert(slug.to_string()) {
                ctx.added.push(slug.to_string());
            }
            Ok(RowOutcome::Changed {
                line,
                slug: slug.to_string(),
                changes: vec![change],
            })
        }
        Ok(Written::Stale { .. }) => Err(refuse(
            line,
            "vendor_slug",
            "This vendor was changed by someone else during the import; run it again.",
        )),
        Err(AppError::Invalid(errors)) => Err(Refusal(
            errors
                .into_iter()
                .map(|e| CellError {
                    line,
                    column: link_column(&e.field).into(),
                    message: e.message,
                    cell: None,
                })
                .collect(),
        )),
        Err(e) => Err(fail(e)),
    }
}
