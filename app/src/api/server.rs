//! Server-only halves of the server functions: context, clock and row-to-wire mapping.

use chrono::NaiveDate;
use leptos::prelude::*;

use super::{
    registry::PAGE_SIZE,
    types::{Country, RegistryPage, SelectOption, VendorDetail, VendorSummary},
};
use crate::{
    domain::{
        country::country_name,
        vendor::{PurposeCategory, TransferMechanism, VendorKind, WorkLocation},
        DataCategory, RegistryFilter, Slug,
    },
    error::AppError,
    store::{services, vendors, vendors::VendorRow, Db, StoreError},
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

pub fn to_summary(row: &VendorRow) -> Result<VendorSummary, AppError> {
    Ok(VendorSummary {
        slug: row.slug.clone(),
        legal_name: row.legal_name.clone(),
        trading_name: row.trading_name.clone(),
        purpose_category: PurposeCategory::parse(&row.purpose_category)
            .map(|p| p.label().to_string())
            .unwrap_or_else(|_| row.purpose_category.clone()),
        purpose: row.purpose.clone(),
        services: row.service_list(),
        countries: row.country_list().iter().map(|c| country(c)).collect(),
        categories: row
            .category_list()
            .iter()
            .map(|c| {
                DataCategory::parse(c)
                    .map(|c| c.label().to_string())
                    .unwrap_or_else(|_| c.clone())
            })
            .collect(),
        status: row.status()?,
        announced_on: date(row.announced_on.as_deref())?,
        effective_on: date(row.effective_on.as_deref())?,
        removed_on: date(row.removed_on.as_deref())?,
    })
}

fn label_of<T: Copy>(
    code: &str,
    parse: fn(&str) -> Result<T, crate::domain::ParseError>,
    label: fn(T) -> &'static str,
) -> String {
    parse(code)
        .map(label)
        .map(str::to_string)
        .unwrap_or_else(|_| code.to_string())
}

pub async fn load_registry(query: &str) -> Result<RegistryPage, AppError> {
    let db = db()?;
    let day = today();
    let (filter, mut messages) = RegistryFilter::from_query(query);
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
    let (rows, total) = vendors::list_public(&db, &filter, day, PAGE_SIZE, offset).await?;
    let items = rows.iter().map(to_summary).collect::<Result<Vec<_>, _>>()?;
    let countries = vendors::public_countries(&db, day).await?;
    let csv_query = filter.to_query(false);
    Ok(RegistryPage {
        items,
        total,
        page: filter.page,
        page_size: PAGE_SIZE,
        messages,
        services: all_services
            .into_iter()
            .map(|s| SelectOption {
                value: s.slug,
                label: s.name,
            })
            .collect(),
        countries: countries
            .iter()
            .map(|c| SelectOption {
                value: c.clone(),
                label: country_name(c).unwrap_or(c).to_string(),
            })
            .collect(),
        csv_href: if csv_query.is_empty() {
            "/subprocessors.csv".into()
        } else {
            format!("/subprocessors.csv?{csv_query}")
        },
        filter,
        today: day,
    })
}

pub async fn load_vendor(slug: &str) -> Result<VendorDetail, AppError> {
    let not_found = || {
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(axum::http::StatusCode::NOT_FOUND);
        }
        AppError::NotFound
    };
    let Ok(slug) = Slug::parse(slug) else {
        return Err(not_found());
    };
    let db = db()?;
    let Some(row) = vendors::get_public(&db, &slug, today()).await? else {
        return Err(not_found());
    };
    Ok(VendorDetail {
        summary: to_summary(&row)?,
        parent_company: row.parent_company.clone(),
        registration_country: country(&row.registration_country),
        website: row.website.clone(),
        privacy_contact: row.privacy_contact.clone(),
        kind: label_of(&row.kind, VendorKind::parse, VendorKind::label),
        work_location: label_of(&row.work_location, WorkLocation::parse, WorkLocation::label),
        transfer_mechanism: label_of(
            &row.transfer_mechanism,
            TransferMechanism::parse,
            TransferMechanism::label,
        ),
    })
}
