//! The public registry as every reader of it loads it: the pages (through their server
//! functions) and the CSV, Excel and JSON routes. Today's list with compliance computed from
//! each vendor's evidence, or a past day's list replayed from the change events; each vendor
//! in the one public view of `view`. Server-only.

pub mod change;
pub mod view;

use chrono::NaiveDate;

use crate::{
    domain::{
        changes::{registry_as_of, AsOfEntry},
        compliance::{public_assurance, PublicAssurance},
        filter::admits,
        RegistryFilter,
    },
    error::AppError,
    request::cpu,
    store::{changes, services, vendors, vendors::VendorRow, Db, StoreResult},
};

/// Keep `as_of` only for a past day (today's registry is the live one), noting why not.
pub fn past_day_only(filter: &mut RegistryFilter, today: NaiveDate, messages: &mut Vec<String>) {
    if let Some(d) = filter.as_of.filter(|d| *d >= today) {
        messages.push(format!("{d} is not a past date; showing today's registry."));
        filter.as_of = None;
    }
}

/// The public registry as it stood on `day`, replayed from the change events announced by
/// then, with the filter applied (compliance aside: it is not known for past days). The
/// replay runs on a blocking thread.
pub async fn registry_on(
    db: &Db,
    filter: &RegistryFilter,
    day: NaiveDate,
) -> Result<Vec<AsOfEntry>, AppError> {
    let rows = changes::published(db, &changes::ChangeQuery::default(), day, u32::MAX / 2).await?;
    let names: Vec<String> = services::list_services(db)
        .await?
        .into_iter()
        .filter(|s| filter.services.iter().any(|w| w.as_str() == s.slug))
        .map(|s| s.name)
        .collect();
    let filter = filter.clone();
    cpu(move || -> Result<Vec<AsOfEntry>, AppError> {
        let events = rows
            .iter()
            .map(changes::ChangeRow::event)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(registry_as_of(&events, day)
            .into_iter()
            .filter(|e| filter.matches_as_of(e, &names))
            .collect())
    })
    .await?
}

/// Rows paired with their public assurance on `day`, computed from the evidence each row
/// carries (read in the same query as the vendors). `look_ahead` also finds the next change
/// of verdict (vendor pages).
pub fn with_assurance(
    rows: Vec<VendorRow>,
    day: NaiveDate,
    look_ahead: bool,
) -> StoreResult<Vec<(VendorRow, PublicAssurance)>> {
    rows.into_iter()
        .map(|row| {
            let a = public_assurance(&row.evidence()?, day, look_ahead);
            Ok((row, a))
        })
        .collect()
}

/// One page of the registry with compliance computed, and how many match in all. A
/// compliance filter needs every candidate's verdict before paging, so it reads all
/// candidates (in bulk, not per row). Verdicts are computed on a blocking thread.
pub async fn list_assured(
    db: &Db,
    filter: &RegistryFilter,
    day: NaiveDate,
    limit: u32,
    offset: u64,
) -> Result<(Vec<(VendorRow, PublicAssurance)>, i64), AppError> {
    match filter.authorized {
        None => {
            let (rows, total) =
                vendors::list_public(db, filter, day, Some((limit, offset))).await?;
            Ok((cpu(move || with_assurance(rows, day, false)).await??, total))
        }
        Some(wanted) => {
            let (rows, _) = vendors::list_public(db, filter, day, None).await?;
            cpu(move || -> Result<_, AppError> {
                let mut matching = with_assurance(rows, day, false)?;
                matching.retain(|(_, a)| admits(Some(wanted), a.compliance.standing));
                let total = i64::try_from(matching.len()).unwrap_or(i64::MAX);
                let page = matching
                    .into_iter()
                    .skip(usize::try_from(offset).unwrap_or(usize::MAX))
                    .take(limit as usize)
                    .collect();
                Ok((page, total))
            })
            .await?
        }
    }
}
