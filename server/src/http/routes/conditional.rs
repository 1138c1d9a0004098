//! Conditional GET for the machine-readable answers (`/api/v1/subprocessors`,
//! `/api/v1/changes`, `/changes.atom`): `ETag`, `Last-Modified`, `Cache-Control: no-cache`,
//! and `304 Not Modified` to a request whose `If-None-Match` or `If-Modified-Since` shows the
//! client already has this answer.

use axum::{
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};

/// Whether the client's conditional headers show it has this answer already.
pub fn not_modified(req: &HeaderMap, etag: &str, last_modified: DateTime<Utc>) -> bool {
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
pub fn conditional_with(
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
