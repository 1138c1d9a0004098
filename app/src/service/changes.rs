//! Server half of the changes page: upcoming and past changes, and the difference between
//! two days.

use chrono::NaiveDate;

use crate::model::changes::{
    ChangeItem, ChangesPage, DiffGroup, DiffLine, DiffView, CHANGES_PAGE_SIZE, DIFF_SHOWN,
};
use crate::{
    domain::changes::{
        days_left, describe, scope_difference, AsOfEntry, ChangeEvent, ChangeKind, ChangesFilter,
        DiffHead,
    },
    error::AppError,
    model::types::{page_count, service_options},
    registry::diff_between,
    request::{db, today},
    store::{
        changes::{self, ChangeQuery, When},
        objections, services,
    },
};

fn item(
    e: ChangeEvent,
    today: NaiveDate,
    removed: &std::collections::HashSet<String>,
) -> ChangeItem {
    ChangeItem {
        withdrawn: e.kind == ChangeKind::Added && removed.contains(&e.slug),
        id: e.id,
        kind: e.kind,
        legal_name: e
            .after
            .as_ref()
            .or(e.before.as_ref())
            .map(|s| s.legal_name.clone())
            .unwrap_or_else(|| e.slug.clone()),
        summary: describe(&e),
        announced_on: e.announced_on,
        effective_on: e.effective_on,
        days_left: days_left(today, e.effective_on),
        slug: e.slug,
        objections: (0, 0),
    }
}

fn line(e: &AsOfEntry, detail: String) -> DiffLine {
    DiffLine {
        slug: e.slug.clone(),
        legal_name: e.scope.legal_name.clone(),
        detail,
    }
}

fn scope_text(e: &AsOfEntry) -> String {
    format!(
        "{} in {}",
        e.scope.services.join(", "),
        e.scope.countries.join(", ")
    )
}

/// A group's lines (at most [`DIFF_SHOWN`], as kept) and its size.
fn group<T>(head: &[T], total: usize, line: impl Fn(&T) -> DiffLine) -> DiffGroup {
    DiffGroup {
        lines: head.iter().map(line).collect(),
        total,
    }
}

/// The difference between the registry on `from` and on `to`, as the page lists it.
fn diff_view(h: &DiffHead, from: NaiveDate, to: NaiveDate) -> DiffView {
    let d = &h.diff;
    DiffView {
        from,
        to,
        added: group(&d.added, h.added, |e| line(e, scope_text(e))),
        removed: group(&d.removed, h.removed, |e| line(e, scope_text(e))),
        changed: group(&d.changed, h.changed, |(slug, b, a)| DiffLine {
            slug: slug.clone(),
            legal_name: a.legal_name.clone(),
            detail: scope_difference(b, a).join("; "),
        }),
    }
}

pub async fn load_changes(query: &str) -> Result<ChangesPage, AppError> {
    let db = db()?;
    let day = today();
    let (mut filter, mut messages) = ChangesFilter::from_query(query);
    let all_services = services::list_services(&db).await?;
    if let Some(s) = &filter.service {
        if !all_services.iter().any(|k| k.slug == s.as_str()) {
            messages.push(format!(
                "\"{}\" is not a service of ours; no change matches it.",
                s.as_str()
            ));
        }
    }
    let q = ChangeQuery {
        service: filter.service.as_ref().map(|s| s.as_str().to_string()),
        kind: filter.kind,
        vendor: filter.vendor.as_ref().map(|s| s.as_str().to_string()),
    };
    let upcoming = changes::list_rows(&db, &q, day, When::Upcoming, 500, 0).await?;
    let offset = filter
        .page
        .saturating_sub(1)
        .saturating_mul(CHANGES_PAGE_SIZE);
    let (mut past, past_total) =
        changes::list(&db, &q, day, When::Past, CHANGES_PAGE_SIZE, offset).await?;
    let pages = page_count(past_total, CHANGES_PAGE_SIZE);
    if past.is_empty() && past_total > 0 && filter.page > pages {
        messages.push(format!(
            "There are {pages} pages of past changes; showing the last one."
        ));
        filter.page = pages;
        let offset = (pages - 1).saturating_mul(CHANGES_PAGE_SIZE);
        past = changes::list(&db, &q, day, When::Past, CHANGES_PAGE_SIZE, offset)
            .await?
            .0;
    }
    let mut slugs: Vec<String> = upcoming
        .iter()
        .chain(past.iter())
        .map(|r| r.slug.clone())
        .collect();
    slugs.sort_unstable();
    slugs.dedup();
    let removed = changes::removed_among(&db, day, &slugs).await?;
    let ids: Vec<i64> = upcoming.iter().chain(past.iter()).map(|r| r.id).collect();
    let counts = objections::counts_by_change(&db, &ids).await?;
    let parse = |rows: Vec<changes::ChangeRow>| -> Result<Vec<ChangeItem>, AppError> {
        rows.iter()
            .map(|r| {
                let mut i = item(r.event()?, day, &removed);
                i.objections = counts.get(&i.id).copied().unwrap_or_default();
                Ok(i)
            })
            .collect()
    };
    let notice = {
        let mut conn = db.pool.acquire().await?;
        changes::notice_periods(&mut conn).await?
    };
    if filter.to.is_some_and(|d| d > day) {
        messages.push(format!(
            "The difference is shown up to today ({day}) at the latest."
        ));
        filter.to = Some(day);
    }
    let diff_view = match (filter.from, filter.to) {
        (Some(from), to) if from <= day => {
            let to = to.unwrap_or(day);
            let d = diff_between(
                &db,
                &*crate::registry::Kept::current()?,
                from,
                to,
                DIFF_SHOWN,
            )
            .await?;
            Some(diff_view(&d, from, to))
        }
        (Some(from), _) => {
            messages.push(format!("{from} is in the future; nothing to compare yet."));
            None
        }
        (None, Some(_)) => {
            messages.push("Give a \"from\" date to compare two days.".into());
            None
        }
        (None, None) => None,
    };
    Ok(ChangesPage {
        upcoming: parse(upcoming)?,
        past: parse(past)?,
        past_total,
        page_size: CHANGES_PAGE_SIZE,
        services: service_options(all_services.into_iter().map(|s| (s.slug, s.name))),
        messages,
        filter,
        today: day,
        diff: diff_view,
        notice,
    })
}

/// Every change announced by `today` and not yet in effect, by vendor, as the open list gives
/// them (their proofs under `base`), soonest first.
pub async fn upcoming_by_vendor(
    db: &crate::store::Db,
    today: NaiveDate,
    base: &str,
) -> Result<
    std::collections::HashMap<String, Vec<crate::registry::open_list::UpcomingChange>>,
    AppError,
> {
    let rows = changes::list_rows(
        db,
        &ChangeQuery::default(),
        today,
        When::Upcoming,
        10_000,
        0,
    )
    .await?;
    let mut out: std::collections::HashMap<_, Vec<_>> = std::collections::HashMap::new();
    for r in &rows {
        let e = r.event()?;
        out.entry(e.slug.clone())
            .or_default()
            .push(crate::registry::open_list::upcoming(&e, today, base));
    }
    Ok(out)
}
