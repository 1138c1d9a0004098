//! `GET /api/v1/subprocessors`: the registry as JSON for scripts, with the CSV's filters.
//! Field names are an interface (README): add fields, never rename. Answers carry an `ETag`
//! (a hash of the body) and `Last-Modified` (the newest data change, or the start of today
//! when statuses and compliance were last recomputed), and `304 Not Modified` to a request
//! whose `If-None-Match` or `If-Modified-Since` shows the client already has this answer.

use app::{
    api::server::{list_assured, past_day_only, registry_on},
    domain::RegistryFilter,
    store::{changes, vendors, vendors::VendorRow, Db},
};
use axum::{
    extract::{RawQuery, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::csv_export::{self, COLUMNS};

#[derive(Serialize)]
struct Certification {
    name: String,
    valid_until: NaiveDate,
}

/// One vendor; the names follow the CSV columns, lists are arrays.
#[derive(Serialize)]
struct Subprocessor {
    slug: String,
    legal_name: String,
    trading_name: Option<String>,
    parent_company: Option<String>,
    registration_country: String,
    kind: String,
    work_location: String,
    purpose_category: String,
    purpose: String,
    services: Vec<String>,
    processing_countries: Vec<String>,
    data_categories: Vec<String>,
    transfer_mechanism: String,
    status: String,
    announced_on: Option<String>,
    effective_on: Option<String>,
    removed_on: Option<String>,
    website: Option<String>,
    privacy_contact: Option<String>,
    compliance: &'static str,
    vpap_enrolled_since: Option<NaiveDate>,
    assurance_tier: String,
    certifications: Vec<Certification>,
    bound_by_contract_to: Vec<String>,
}

#[derive(Serialize)]
struct Listing {
    /// The day statuses and compliance were computed for.
    as_of: NaiveDate,
    count: usize,
    subprocessors: Vec<Subprocessor>,
}

fn list(cell: &str) -> Vec<String> {
    cell.split(csv_export::LIST_SEPARATOR)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn to_json(row: &VendorRow, a: &app::domain::compliance::PublicAssurance) -> Subprocessor {
    // the same labels as the CSV, from the same mapping
    let cells = csv_export::record(row, a);
    let cell = |name: &str| {
        COLUMNS
            .iter()
            .position(|c| *c == name)
            .and_then(|i| cells.get(i))
            .cloned()
            .unwrap_or_default()
    };
    Subprocessor {
        slug: row.slug.clone(),
        legal_name: row.legal_name.clone(),
        trading_name: row.trading_name.clone(),
        parent_company: row.parent_company.clone(),
        registration_country: row.registration_country.clone(),
        kind: cell("kind"),
        work_location: cell("work_location"),
        purpose_category: cell("purpose_category"),
        purpose: row.purpose.clone(),
        services: row.service_list(),
        processing_countries: row.country_list(),
        data_categories: list(&cell("data_categories")),
        transfer_mechanism: cell("transfer_mechanism"),
        status: cell("status"),
        announced_on: row.announced_on.clone(),
        effective_on: row.effective_on.clone(),
        removed_on: row.removed_on.clone(),
        website: row.website.clone(),
        privacy_contact: row.privacy_contact.clone(),
        compliance: a.compliance.code(),
        vpap_enrolled_since: a.vpap_since,
        assurance_tier: a.tier.label().to_string(),
        certifications: a
            .certifications
            .iter()
            .map(|(k, until)| Certification {
                name: k.label().to_string(),
                valid_until: *until,
            })
            .collect(),
        bound_by_contract_to: a
            .obligations
            .iter()
            .map(|o| o.label().to_string())
            .collect(),
    }
}

/// One vendor of a past day's registry: what the change history records.
#[derive(Serialize)]
struct PastSubprocessor {
    slug: String,
    legal_name: String,
    purpose: String,
    services: Vec<String>,
    processing_countries: Vec<String>,
    data_categories: Vec<String>,
    status: &'static str,
    announced_on: Option<NaiveDate>,
    effective_on: Option<NaiveDate>,
}

#[derive(Serialize)]
struct PastListing {
    as_of: NaiveDate,
    count: usize,
    subprocessors: Vec<PastSubprocessor>,
}

/// `?as_of=` a past day: the registry replayed from the change events.
async fn past_json(
    db: &Db,
    filter: &RegistryFilter,
    as_of: NaiveDate,
    headers: &HeaderMap,
    now: DateTime<Utc>,
) -> Response {
    let entries = match registry_on(db, filter, as_of).await {
        Ok(e) => e,
        Err(e) => return internal(e),
    };
    let listing = PastListing {
        as_of,
        count: entries.len(),
        subprocessors: entries
            .into_iter()
            .map(|e| {
                let (status, announced_on, effective_on) = e.status_and_dates();
                PastSubprocessor {
                    data_categories: e.category_labels(),
                    slug: e.slug,
                    legal_name: e.scope.legal_name,
                    purpose: e.scope.purpose,
                    services: e.scope.services,
                    processing_countries: e.scope.countries,
                    status: status.label(),
                    announced_on,
                    effective_on,
                }
            })
            .collect(),
    };
    let body = match serde_json::to_vec(&listing) {
        Ok(b) => b,
        Err(e) => return internal(e),
    };
    match changes::last_recorded(db).await {
        Ok(changed) => conditional(
            headers,
            body,
            "application/json",
            last_modified(changed, now),
        ),
        Err(e) => internal(e),
    }
}

/// Whether the client's conditional headers show it has this answer already.
fn not_modified(req: &HeaderMap, etag: &str, last_modified: DateTime<Utc>) -> bool {
    if let Some(tags) = req.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        return tags
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == etag || t == "*");
    }
    req.get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
        .is_some_and(|since| last_modified.timestamp() <= since.timestamp())
}

pub fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!("json api: {e}");
    (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
}

pub async fn subprocessors_json(
    State(db): State<Db>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (mut filter, mut ignored) = RegistryFilter::from_query(query.as_deref().unwrap_or(""));
    let now = Utc::now();
    let day = now.date_naive();
    past_day_only(&mut filter, day, &mut ignored);
    if let Some(as_of) = filter.as_of {
        return past_json(&db, &filter, as_of, &headers, now).await;
    }
    // every matching vendor (the page size is the whole list)
    let rows = match list_assured(&db, &filter, day, u32::MAX, 0).await {
        Ok((rows, _)) => rows,
        Err(e) => return internal(e),
    };
    let listing = Listing {
        as_of: day,
        count: rows.len(),
        subprocessors: rows.iter().map(|(r, a)| to_json(r, a)).collect(),
    };
    let body = match serde_json::to_vec(&listing) {
        Ok(b) => b,
        Err(e) => return internal(e),
    };
    let changed = match vendors::last_change(&db).await {
        Ok(t) => t,
        Err(e) => return internal(e),
    };
    conditional(
        &headers,
        body,
        "application/json",
        last_modified(changed, now),
    )
}

/// `Last-Modified` for data last changed at `changed` (RFC 3339) whose statuses follow the
/// calendar: the later of that and the start of today, never in the future.
pub fn last_modified(changed: Option<String>, now: DateTime<Utc>) -> DateTime<Utc> {
    let start_of_day = now
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or(now);
    changed
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc))
        .map_or(start_of_day, |c| c.max(start_of_day))
        .min(now)
}

/// The answer with `ETag` (hash of the body), `Last-Modified` and `Cache-Control: no-cache`,
/// or `304 Not Modified` when the request's conditional headers show the client has it.
pub fn conditional(
    headers: &HeaderMap,
    body: Vec<u8>,
    content_type: &'static str,
    last_modified: DateTime<Utc>,
) -> Response {
    use sha2::{Digest, Sha256};
    let etag = format!("\"{}\"", &hex::encode(Sha256::digest(&body))[..32]);
    let mut res = if not_modified(headers, &etag, last_modified) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        body.into_response()
    };
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    let http_date = last_modified
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    if let Ok(v) = HeaderValue::from_str(&http_date) {
        h.insert(header::LAST_MODIFIED, v);
    }
    res
}
