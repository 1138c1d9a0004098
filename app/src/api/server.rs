//! Server-only halves of the server functions: context, clock and row-to-wire mapping.

use chrono::NaiveDate;
use leptos::prelude::*;

use super::{
    registry::PAGE_SIZE,
    types::{
        service_options, AssuranceSummary, Country, RegistryPage, SelectOption, VendorDetail,
        VendorSummary,
    },
};
use crate::domain::changes::{registry_as_of, AsOfEntry};
use crate::{
    domain::{
        compliance::{assess, public_assurance, required_obligations, PublicAssurance},
        country::country_name,
        label_for,
        vendor::{PurposeCategory, TransferMechanism, VendorKind, WorkLocation},
        DataCategory, RegistryFilter, Slug,
    },
    error::AppError,
    store::{
        assurance, changes, services, vendors, vendors::VendorRow, Db, StoreError, StoreResult,
    },
};

/// The database handle provided to every request by the server.
pub fn db() -> Result<Db, AppError> {
    use_context::<Db>().ok_or_else(|| internal("database handle missing from context"))
}

/// Today's date (UTC), the day every public status is computed for.
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Log `cause` with a fresh reference and return the sentence the user sees.
pub fn internal(cause: impl std::fmt::Display) -> AppError {
    let reference = reference_id();
    tracing::error!(reference = %reference, "{cause}");
    // the page that shows this error must not pass (or be cached) as a good one
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
    }
    AppError::Internal(reference)
}

fn reference_id() -> String {
    let nanos = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default();
    format!(
        "{:08x}",
        (nanos as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32
    )
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        internal(e)
    }
}

fn date(s: Option<&str>) -> Result<Option<NaiveDate>, AppError> {
    s.map(|s| {
        s.parse::<NaiveDate>()
            .map_err(|e| internal(format!("bad stored date {s:?}: {e}")))
    })
    .transpose()
}

fn country(code: &str) -> Country {
    Country {
        code: code.to_string(),
        name: country_name(code).unwrap_or(code).to_string(),
    }
}

pub fn to_summary(row: &VendorRow, a: &PublicAssurance) -> Result<VendorSummary, AppError> {
    Ok(VendorSummary {
        slug: row.slug.clone(),
        legal_name: row.legal_name.clone(),
        trading_name: row.trading_name.clone(),
        purpose_category: label_for(
            &row.purpose_category,
            PurposeCategory::parse,
            PurposeCategory::label,
        ),
        purpose: row.purpose.clone(),
        services: row.service_list(),
        countries: row.country_list().iter().map(|c| country(c)).collect(),
        categories: row
            .category_list()
            .iter()
            .map(|c| label_for(c, DataCategory::parse, DataCategory::label))
            .collect(),
        status: row.status()?,
        authorized: a.compliance.authorized,
        announced_on: date(row.announced_on.as_deref())?,
        effective_on: date(row.effective_on.as_deref())?,
        removed_on: date(row.removed_on.as_deref())?,
    })
}

/// Keep `as_of` only for a past day (today's registry is the live one), noting why not.
pub fn past_day_only(filter: &mut RegistryFilter, today: NaiveDate, messages: &mut Vec<String>) {
    if let Some(d) = filter.as_of.filter(|d| *d >= today) {
        messages.push(format!("{d} is not a past date; showing today's registry."));
        filter.as_of = None;
    }
}

/// The public registry as it stood on `day`, replayed from the change events announced by
/// then, with the filter applied (compliance aside: it is not known for past days).
pub async fn registry_on(
    db: &Db,
    filter: &RegistryFilter,
    day: NaiveDate,
) -> Result<Vec<AsOfEntry>, AppError> {
    let events = changes::events_until(db, day).await?;
    let names: Vec<String> = services::list_services(db)
        .await?
        .into_iter()
        .filter(|s| filter.services.iter().any(|w| w.as_str() == s.slug))
        .map(|s| s.name)
        .collect();
    Ok(registry_as_of(&events, day)
        .into_iter()
        .filter(|e| filter.matches_as_of(e, &names))
        .collect())
}

/// A past day's registry row in the shape of today's (no compliance: `authorized` is false
/// and the page hides that column).
pub fn as_of_summary(e: &AsOfEntry) -> VendorSummary {
    let (status, announced_on, effective_on) = e.status_and_dates();
    VendorSummary {
        slug: e.slug.clone(),
        legal_name: e.scope.legal_name.clone(),
        trading_name: None,
        purpose_category: e.scope.purpose.clone(),
        purpose: e.scope.purpose.clone(),
        services: e.scope.services.clone(),
        countries: e.scope.countries.iter().map(|c| country(c)).collect(),
        categories: e.category_labels(),
        status,
        authorized: false,
        announced_on,
        effective_on,
        removed_on: None,
    }
}

pub async fn load_registry(query: &str) -> Result<RegistryPage, AppError> {
    let db = db()?;
    let day = today();
    let (mut filter, mut messages) = RegistryFilter::from_query(query);
    past_day_only(&mut filter, day, &mut messages);
    let all_services = services::list_services(&db).await?;
    for s in &filter.services {
        if !all_services.iter().any(|k| k.slug == s.as_str()) {
            messages.push(format!(
                "\"{}\" is not a service of ours; no vendor matches it.",
                s.as_str()
            ));
        }
    }
    let offset = u64::from(filter.page.saturating_sub(1)) * u64::from(PAGE_SIZE);
    let (items, total) = if let Some(as_of) = filter.as_of {
        if filter.authorized.is_some() {
            messages.push(
                "Compliance is not recorded for past dates; that filter was not applied.".into(),
            );
        }
        let entries = registry_on(&db, &filter, as_of).await?;
        let total = i64::try_from(entries.len()).unwrap_or(i64::MAX);
        let items = entries
            .iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(PAGE_SIZE as usize)
            .map(as_of_summary)
            .collect();
        (items, total)
    } else {
        let (rows, total) = list_assured(&db, &filter, day, PAGE_SIZE, offset).await?;
        let items = rows
            .iter()
            .map(|(row, a)| to_summary(row, a))
            .collect::<Result<Vec<_>, _>>()?;
        (items, total)
    };
    let mut countries: Vec<SelectOption> = vendors::public_countries(&db, day)
        .await?
        .into_iter()
        .map(|c| SelectOption {
            label: country_name(&c).unwrap_or(&c).to_string(),
            value: c,
        })
        .collect();
    countries.sort_by(|a, b| a.label.cmp(&b.label));
    let csv_query = filter.to_query(false);
    Ok(RegistryPage {
        items,
        total,
        page: filter.page,
        page_size: PAGE_SIZE,
        messages,
        services: service_options(all_services.into_iter().map(|s| (s.slug, s.name))),
        countries,
        csv_href: if csv_query.is_empty() {
            "/subprocessors.csv".into()
        } else {
            format!("/subprocessors.csv?{csv_query}")
        },
        filter,
        today: day,
    })
}

/// `NotFound`, with HTTP 404 on the page being rendered.
pub fn not_found() -> AppError {
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    AppError::NotFound
}

pub async fn load_vendor(slug: &str) -> Result<VendorDetail, AppError> {
    let Ok(slug) = Slug::parse(slug) else {
        return Err(not_found());
    };
    let db = db()?;
    let day = today();
    let Some(row) = vendors::get_public(&db, &slug, day).await? else {
        return Err(not_found());
    };
    let (row, a) = with_assurance(vec![row], day, true)?
        .pop()
        .ok_or_else(|| internal("vendor row lost while loading its evidence"))?;
    let only_this = changes::ChangeQuery {
        vendor: Some(row.slug.clone()),
        ..Default::default()
    };
    let (upcoming, _) = changes::list(&db, &only_this, day, changes::When::Upcoming, 20, 0).await?;
    let upcoming_changes = upcoming
        .iter()
        .map(|r| {
            let e = r.event()?;
            Ok((e.effective_on, crate::domain::changes::describe(&e)))
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(VendorDetail {
        upcoming_changes,
        summary: to_summary(&row, &a)?,
        assurance: assurance_summary(&a),
        parent_company: row.parent_company.clone(),
        registration_country: country(&row.registration_country),
        website: row.website.clone(),
        privacy_contact: row.privacy_contact.clone(),
        kind: label_for(&row.kind, VendorKind::parse, VendorKind::label),
        work_location: label_for(&row.work_location, WorkLocation::parse, WorkLocation::label),
        transfer_mechanism: label_for(
            &row.transfer_mechanism,
            TransferMechanism::parse,
            TransferMechanism::label,
        ),
    })
}

/// Rows paired with their public assurance on `day`, computed from the evidence each row
/// carries (read in the same query as the vendors).
pub fn with_assurance(
    rows: Vec<VendorRow>,
    day: NaiveDate,
    look_ahead: bool,
) -> StoreResult<Vec<(VendorRow, PublicAssurance)>> {
    rows.into_iter()
        .map(|row| {
            let e = assurance::evidence_of(&row)?;
            let a = public_assurance(&e, day, look_ahead);
            Ok((row, a))
        })
        .collect()
}

/// One page of the registry with compliance computed. A compliance filter needs every
/// candidate's verdict before paging, so it reads all candidates (in bulk, not per row).
pub async fn list_assured(
    db: &Db,
    filter: &RegistryFilter,
    day: NaiveDate,
    limit: u32,
    offset: u64,
) -> StoreResult<(Vec<(VendorRow, PublicAssurance)>, i64)> {
    match filter.authorized {
        None => {
            let (rows, total) =
                vendors::list_public(db, filter, day, Some((limit, offset))).await?;
            Ok((with_assurance(rows, day, false)?, total))
        }
        Some(wanted) => {
            let (rows, _) = vendors::list_public(db, filter, day, None).await?;
            let mut matching = with_assurance(rows, day, false)?;
            matching.retain(|(_, a)| a.compliance.authorized == wanted);
            let total = i64::try_from(matching.len()).unwrap_or(i64::MAX);
            let page = matching
                .into_iter()
                .skip(usize::try_from(offset).unwrap_or(usize::MAX))
                .take(limit as usize)
                .collect();
            Ok((page, total))
        }
    }
}

pub fn assurance_summary(a: &PublicAssurance) -> AssuranceSummary {
    AssuranceSummary {
        authorized: a.compliance.authorized,
        reasons: a
            .compliance
            .reasons
            .iter()
            .map(|r| r.text.clone())
            .collect(),
        next_change: a.compliance.next_change,
        vpap_since: a.vpap_since,
        tier: a.tier.label().to_string(),
        certifications: a
            .certifications
            .iter()
            .map(|(k, until)| (k.label().to_string(), *until))
            .collect(),
        obligations: a
            .obligations
            .iter()
            .map(|o| o.label().to_string())
            .collect(),
    }
}

/// The internal view of one vendor, for anyone signed in.
pub async fn load_vendor_assurance(
    slug: &str,
) -> Result<super::assurance::InternalAssurance, AppError> {
    let who = super::session::require(super::session::any_role).await?;
    let slug = Slug::parse(slug).map_err(|_| not_found())?;
    let db = db()?;
    let day = today();
    let row = vendors::get_any(&db, &slug, day)
        .await?
        .ok_or_else(not_found)?;
    let (evidence, keys) = assurance::evidence_with_keys(&row)?;
    let compliance = assess(&evidence, day);
    let courses = crate::store::records::list_courses(&db)
        .await?
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let query = crate::store::audit::AuditQuery {
        vendor: Some(row.slug.clone()),
        ..Default::default()
    };
    let (history, _) = crate::store::audit::list(&db, &query, 100, 0).await?;
    Ok(super::assurance::InternalAssurance {
        keys,
        courses,
        can_edit: who.role.can_edit(),
        history: history.into_iter().map(audit_entry).collect(),
        legal_name: row.legal_name.clone(),
        slug: row.slug.clone(),
        status: row.status()?,
        today: day,
        tier: crate::domain::assurance::AssuranceTier::for_categories(&evidence.categories),
        required: required_obligations(evidence.work_location),
        lapse_window: compliance.lapse_window(day),
        compliance,
        evidence,
    })
}

pub fn audit_entry(r: crate::store::audit::AuditRow) -> super::types::AuditEntry {
    super::types::AuditEntry {
        id: r.id,
        at: r.occurred_at,
        actor: r.actor,
        action: r.action,
        entity: r.entity,
        entity_id: r.entity_id,
        before: r.before_json,
        after: r.after_json,
    }
}
