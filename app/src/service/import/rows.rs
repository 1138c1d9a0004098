//! One row of an import: a vendor row through the editor's save, a training row through the
//! evidence's, and what a run's rows share ([`RowContext`]).

use std::collections::{HashMap, HashSet};

use crate::model::import::{FieldChange, RowOutcome};
use crate::{
    domain::{
        forms::Courses,
        import::{self, CellError, Columns, Row},
        Slug,
    },
    error::AppError,
    service::{evidence as evidence_ssr, vendors as editor},
    store::{audit, vendors, AnyConnection},
    write::Written,
};

/// A refused row: its cells' errors.
pub(super) struct Refusal(pub(super) Vec<CellError>);

impl Refusal {
    fn row(line: usize, column: &str, message: impl Into<String>) -> Self {
        Refusal(vec![CellError {
            line,
            column: column.into(),
            message: message.into(),
            cell: None,
        }])
    }
}

/// A store or other failure is not the row's fault: it fails the whole run.
pub(super) fn fail(e: impl Into<AppError>) -> Refusal {
    let e: AppError = e.into();
    Refusal::row(0, "", e.to_string())
}

/// Field by field, what a save changed: from the audit entry's before and after (the
/// editor's snapshots as JSON), so nothing is read again.
pub(super) fn changes_between(b: &serde_json::Value, a: &serde_json::Value) -> Vec<FieldChange> {
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
pub(super) struct RowContext<'a> {
    pub(super) services: &'a [(String, String)],
    pub(super) known: &'a [String],
    pub(super) names: &'a HashMap<String, String>,
    pub(super) notice: &'a crate::domain::changes::NoticePeriods,
    pub(super) actor: &'a str,
    pub(super) today: chrono::NaiveDate,
    pub(super) stored: HashMap<String, vendors::VendorEditRow>,
    pub(super) written: HashSet<String>,
    /// The slugs of `written` in the order they were added (to take a group's back).
    pub(super) added: Vec<String>,
    /// Whether the run may commit: a dry run holds no audit rows.
    pub(super) apply: bool,
    pub(super) audit: Vec<audit::Serialized>,
    /// The day each vendor row saved gave for its wider scope (`scope_effective_on`): the
    /// chain sheet's links of that vendor take effect with it unless they give their own.
    pub(super) scope_days: HashMap<String, chrono::NaiveDate>,
}

impl RowContext<'_> {
    /// Where the run is: to come back to when a group is rolled back.
    pub(super) fn mark(&self) -> (usize, usize) {
        (self.added.len(), self.audit.len())
    }

    /// Forget what the rows since `mark` wrote (the database has rolled them back).
    pub(super) fn back_to(&mut self, (added, audit): (usize, usize)) {
        for slug in self.added.drain(added..) {
            self.written.remove(&slug);
        }
        self.audit.truncate(audit);
    }
}

/// The vendor a row is matched with: its slug, or the slug of its legal name.
pub(super) fn row_slug(row: &Row, cols: &Columns) -> String {
    let cell = |name: &str| import::cell(cols.get(row, name).unwrap_or("")).unwrap_or_default();
    match cell("slug") {
        s if !s.is_empty() => s,
        _ => Slug::from_name(&cell("legal_name"))
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
    }
}

pub(super) async fn vendor_row(
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
            if let Some(day) = draft.scope_effective_on {
                ctx.scope_days.insert(value.clone(), day);
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

pub(super) async fn training_row(
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
                    cell: None,
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
