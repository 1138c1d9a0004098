//! `GET /api/v1/subprocessors`: the registry as JSON for scripts, with the CSV's filters.
//! Field names are an interface (README): add fields, never rename. Answers carry an `ETag`
//! (a hash of the body) and `Last-Modified` (the newest data change, or the start of today
//! when statuses and compliance were last recomputed), and `304 Not Modified` to a request
//! whose `If-None-Match` or `If-Modified-Since` shows the client already has this answer.

use app::{
    domain::RegistryFilter,
    error::AppError,
    registry::{list_assured, past_day_only, registry_on, view::PublicVendor},
    request::{cpu, heavy},
    store::{changes, vendors, Db},
};
use axum::{
    extract::{RawQuery, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// The answer: the day it is for, and every matching vendor in the one public view (the
/// CSV's columns as keys).
#[derive(Serialize)]
struct Listing {
    /// The day statuses and compliance were computed for (or the past day asked for).
    as_of: NaiveDate,
    count: usize,
    subprocessors: Vec<PublicVendor>,
}

/// `?as_of=` a past day: the registry replayed from the change events.
async fn past_json(
    db: &Db,
    filter: &RegistryFilter,
    as_of: NaiveDate,
    headers: &HeaderMap,
    now: DateTime<Utc>,
) -> Response {
    let entries = match heavy(db, registry_on(db, filter, as_of, None)).await {
        Ok((e, _)) => e,
        Err(e) => return failed(e),
    };
    let listing = Listing {
        as_of,
        count: entries.len(),
        subprocessors: entries.iter().map(PublicVendor::from_past).collect(),
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

/// The answer for a failure of the app's own: busy (503, try again), or internal.
pub fn failed(e: AppError) -> Response {
    match e {
        AppError::Busy => super::busy(),
        other => internal(other),
    }
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
    // every matching vendor (the page size is the whole list): heavy work, bounded
    let body = heavy(&db, async {
        let (rows, _) = list_assured(&db, &filter, day, u32::MAX, 0).await?;
        cpu(move || -> Result<Vec<u8>, AppError> {
            let subprocessors = rows
                .iter()
                .map(|(r, a)| PublicVendor::from_row(r, a))
                .collect::<Result<Vec<_>, _>>()?;
            let listing = Listing {
                as_of: day,
                count: subprocessors.len(),
                subprocessors,
            };
            serde_json::to_vec(&listing).map_err(app::request::internal)
        })
        .await?
    })
    .await;
    let body = match body {
        Ok(b) => b,
        Err(e) => return failed(e),
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
