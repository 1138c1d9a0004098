//! `GET /api/v1/subprocessors`: the registry as JSON for scripts, with the CSV's filters.
//! Field names are an interface (README): add fields, never rename. Today's list streams out
//! as the CSV does; a past day's is built whole. Answers carry an `ETag` (today's: the
//! registry's version, the day and the filter; a past day's: a hash of the body) and
//! `Last-Modified` (the newest data change, or the start of today when statuses and
//! compliance were last recomputed), and `304 Not Modified` to a request whose
//! `If-None-Match` or `If-Modified-Since` shows the client already has this answer.

use app::{
    domain::RegistryFilter,
    error::AppError,
    registry::{past_day_only, registry_on, view::PublicVendor},
    request::heavy,
    store::{changes, vendors, Db},
};
use axum::{
    body::Bytes,
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
    subprocessors: Vec<PublicVendor>,
    /// Last, as today's list streams out and knows it only at the end.
    count: usize,
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
        Err(e) => return e.into_response(),
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

/// The answer for a failure of the app's own: logged with a reference, which the answer quotes.
pub fn internal(e: impl std::fmt::Display) -> Response {
    app::request::internal(e).into_response()
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
    // every matching vendor, streamed like the CSV (an export slot, flat memory); a client
    // that has this version of the list already gets 304 without any of it being read
    let version = match vendors::registry_version(&db).await {
        Ok(v) => v,
        Err(e) => return internal(e),
    };
    let changed = match vendors::last_change(&db).await {
        Ok(t) => t,
        Err(e) => return internal(e),
    };
    let etag = today_etag(version, day, &filter);
    let last_modified = last_modified(changed, now);
    if not_modified(&headers, &etag, last_modified) {
        return conditional_with(&headers, &etag, JSON, last_modified, || {
            StatusCode::NOT_MODIFIED.into_response()
        });
    }
    let Some(slot) = db.export_slot().await else {
        return AppError::Busy.into_response();
    };
    // as heavy as a past day's registry while it streams (serialising 100,000 vendors keeps
    // a core busy): it holds a heavy-work permit too, so the heavy work running at once, and
    // the CPU it takes from cheap pages and health checks, stays bounded
    let Some(heavy) = db.heavy_slot().await else {
        return AppError::Busy.into_response();
    };
    let stream = Stream {
        _heavy: heavy,
        rows: super::PublicRows::new("json", &db, &filter, day, slot),
        count: 0,
        ended: false,
    };
    let head = Bytes::from(format!("{{\"as_of\":\"{day}\",\"subprocessors\":["));
    let body = super::streamed(head, stream);
    conditional_with(&headers, &etag, JSON, last_modified, || {
        body.into_response()
    })
}

const JSON: &str = "application/json";

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
    conditional_with(headers, &etag, content_type, last_modified, || {
        body.into_response()
    })
}

/// The answer `body` makes, with `etag`, `Last-Modified` and `Cache-Control: no-cache`, or
/// `304 Not Modified` (and `body` never called) when the client has it already.
fn conditional_with(
    headers: &HeaderMap,
    etag: &str,
    content_type: &'static str,
    last_modified: DateTime<Utc>,
    body: impl FnOnce() -> Response,
) -> Response {
    let mut res = if not_modified(headers, etag, last_modified) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        body()
    };
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(etag) {
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

/// Today's list as it streams out: the vendors of each batch of rows, one JSON object each.
struct Stream {
    /// Held until the stream ends.
    _heavy: tokio::sync::OwnedSemaphorePermit,
    rows: super::PublicRows,
    count: usize,
    ended: bool,
}

impl super::Chunks for Stream {
    /// The next piece of the body: a batch of vendors, then the count that closes the
    /// object; `None` after it. An error ends the body early (and is logged).
    async fn next_chunk(&mut self) -> Option<std::io::Result<Bytes>> {
        if self.ended {
            return None;
        }
        let mut out = Vec::new();
        let count = &mut self.count;
        let batch = self
            .rows
            .next_batch(|v| {
                if *count > 0 {
                    out.push(b',');
                }
                *count += 1;
                serde_json::to_writer(&mut out, v)
            })
            .await;
        match batch {
            Some(Ok(())) => Some(Ok(out.into())),
            Some(Err(e)) => Some(Err(e)),
            None => {
                self.ended = true;
                Some(Ok(format!("],\"count\":{}}}", self.count).into()))
            }
        }
    }
}

/// The ETag of today's list for `filter`: the registry's version (it moves with every change
/// to what the list shows), the day (statuses and compliance follow the calendar), the
/// filter and the answer's format. The same tag always means the same bytes.
fn today_etag(version: i64, day: NaiveDate, filter: &RegistryFilter) -> String {
    use sha2::{Digest, Sha256};
    let query = hex::encode(Sha256::digest(filter.to_query(false).as_bytes()));
    format!("\"v{version}-{day}-{}-{FORMAT}\"", &query[..16])
}

/// Moved whenever the answer's shape changes, so an ETag of an older build never matches.
const FORMAT: u32 = 2;
