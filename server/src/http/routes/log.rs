//! The verifiable log for anyone (issue 28; docs/API.md "The log"): the newest signed
//! checkpoint, an event's inclusion proof, a consistency proof between two signed sizes, the
//! leaves by range, and the public keys. Proofs of given sizes never change, so they are
//! cacheable for a year; the checkpoint for a few seconds.

use app::{error::AppError, service::log, store::Db};
use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;

/// A proof or leaves of fixed sizes: the same bytes forever.
const FOREVER: &str = "public, max-age=31536000, immutable";
/// The head moves with each change.
const SHORT: &str = "public, max-age=10";

/// An error in the API's words: 404 for what is not (yet) proven, 400 with the reasons for
/// a bad range or pair of sizes.
fn failed(e: AppError) -> Response {
    match e {
        AppError::NotFound => {
            AppError::Missing("Not in the log, or not under a signed checkpoint yet.".into())
        }
        AppError::Invalid(fields) => AppError::Request(
            fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        other => other,
    }
    .into_response()
}

fn cached(mut res: Response, policy: &'static str) -> Response {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    res
}

#[derive(Debug, Deserialize)]
pub struct SizeQuery {
    size: Option<u64>,
}

/// Sizes and indexes are 63-bit (the documented `int64`): a larger number is refused, never
/// wrapped.
fn out_of_range(numbers: &[u64]) -> Option<Response> {
    numbers.iter().any(|n| i64::try_from(*n).is_err()).then(|| {
        AppError::Request(format!("sizes and indexes are at most {}", i64::MAX)).into_response()
    })
}

fn note(note: String, policy: &'static str) -> Response {
    cached(
        ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], note).into_response(),
        policy,
    )
}

/// `GET /api/v1/log/checkpoint[?size=N]`: the newest signed checkpoint (or the one of `N`
/// leaves), as a signed note (`text/plain`).
#[utoipa::path(get, path = "/api/v1/log/checkpoint", tag = "log",
    params(("size" = Option<u64>, Query, minimum = 0, maximum = 9223372036854775807_u64, description = "The checkpoint of exactly this many leaves")),
    responses(
        (status = 200, description = "A C2SP checkpoint in a signed note", body = String, content_type = "text/plain"),
        (status = 400, description = "`size` is not a number", body = String, content_type = "text/plain"),
        (status = 404, description = "No checkpoint (of that size) was signed", body = String, content_type = "text/plain"),
        (status = 429, description = "Too many requests", body = String, content_type = "text/plain"),
    ))]
pub async fn checkpoint(State(db): State<Db>, Query(q): Query<SizeQuery>) -> Response {
    if let Some(res) = out_of_range(q.size.as_slice()) {
        return res;
    }
    match q.size {
        Some(size) => match log::checkpoint_of_size(&db, size).await {
            Ok(n) => note(n, FOREVER),
            Err(e) => failed(e),
        },
        None => match log::latest(&db).await {
            Ok(Some(n)) => note(n, SHORT),
            Ok(None) => failed(AppError::NotFound),
            Err(e) => failed(e),
        },
    }
}

/// `GET /api/v1/log/events/{id}/proof[?size=N]`: the event's leaf and its inclusion proof in
/// the first signed tree holding it (or the signed tree of `N` leaves).
#[utoipa::path(get, path = "/api/v1/log/events/{id}/proof", tag = "log",
    params(
        ("id" = i64, Path, description = "The change event's id"),
        ("size" = Option<u64>, Query, minimum = 0, maximum = 9223372036854775807_u64, description = "Prove it in the signed tree of this many leaves"),
    ),
    responses(
        (status = 200, description = "The leaf and its inclusion proof", body = log::InclusionProof),
        (status = 400, description = "A malformed id or size", body = String, content_type = "text/plain"),
        (status = 404, description = "Not in the log, or not under a signed checkpoint yet", body = String, content_type = "text/plain"),
        (status = 429, description = "Too many requests", body = String, content_type = "text/plain"),
    ))]
pub async fn inclusion(
    State(db): State<Db>,
    Path(id): Path<i64>,
    Query(q): Query<SizeQuery>,
) -> Response {
    if let Some(res) = out_of_range(q.size.as_slice()) {
        return res;
    }
    match log::inclusion(&db, id, q.size).await {
        // without a size, the first tree holding it: the same answer forever too
        Ok(proof) => cached(Json(proof).into_response(), FOREVER),
        Err(e) => failed(e),
    }
}

#[derive(Debug, Deserialize)]
pub struct ConsistencyQuery {
    first: u64,
    second: u64,
}

/// `GET /api/v1/log/consistency?first=M&second=N`: the proof that the signed tree of `N`
/// leaves extends the signed tree of `M`.
#[utoipa::path(get, path = "/api/v1/log/consistency", tag = "log",
    params(
        ("first" = u64, Query, minimum = 0, maximum = 9223372036854775807_u64, description = "The older signed size"),
        ("second" = u64, Query, minimum = 0, maximum = 9223372036854775807_u64, description = "The newer signed size"),
    ),
    responses(
        (status = 200, description = "The consistency proof", body = log::ConsistencyProof),
        (status = 400, description = "A size missing or malformed", body = String, content_type = "text/plain"),
        (status = 404, description = "No such proof: a size was not signed, or first is 0 or over second", body = String, content_type = "text/plain"),
        (status = 429, description = "Too many requests", body = String, content_type = "text/plain"),
    ))]
pub async fn consistency(State(db): State<Db>, Query(q): Query<ConsistencyQuery>) -> Response {
    if let Some(res) = out_of_range(&[q.first, q.second]) {
        return res;
    }
    match log::consistency(&db, q.first, q.second).await {
        Ok(proof) => cached(Json(proof).into_response(), FOREVER),
        Err(e) => failed(e),
    }
}

#[derive(Debug, Deserialize)]
pub struct RangeQuery {
    start: u64,
    end: u64,
}

/// `GET /api/v1/log/leaves?start=M&end=N`: the leaves `M..N` (at most 1,000 from `M`).
#[utoipa::path(get, path = "/api/v1/log/leaves", tag = "log",
    params(
        ("start" = u64, Query, minimum = 0, maximum = 9223372036854775807_u64, description = "The first leaf's index"),
        ("end" = u64, Query, minimum = 0, maximum = 9223372036854775807_u64, description = "One past the last leaf's index; the range is cut to 1000 leaves and to the log's end"),
    ),
    responses(
        (status = 200, description = "The leaves, in order (cut at the log's end)", body = Vec<log::Leaf>),
        (status = 400, description = "A bound missing or malformed", body = String, content_type = "text/plain"),
        (status = 429, description = "Too many requests", body = String, content_type = "text/plain"),
    ))]
pub async fn leaves(State(db): State<Db>, Query(q): Query<RangeQuery>) -> Response {
    if let Some(res) = out_of_range(&[q.start, q.end]) {
        return res;
    }
    let end = log::leaves_end(q.start, q.end);
    match log::leaves(&db, q.start, q.end).await {
        // a full range is fixed; one cut short by the log's end grows
        Ok(list) if end > q.start && list.len() as u64 == end - q.start => {
            cached(Json(list).into_response(), FOREVER)
        }
        Ok(list) => cached(Json(list).into_response(), SHORT),
        Err(e) => failed(e),
    }
}

/// `GET /.well-known/subprocessors-log-key`: every public key that signed the log, one per
/// line (`<name>+<key id>+<key>`, newest first; old keys stay after a rotation).
#[utoipa::path(get, path = "/.well-known/subprocessors-log-key", tag = "log",
    responses(
        (status = 200, description = "Every key that signed a checkpoint, one a line, newest first", body = String, content_type = "text/plain"),
        (status = 404, description = "Nothing was signed yet", body = String, content_type = "text/plain"),
        (status = 429, description = "Too many requests", body = String, content_type = "text/plain"),
    ))]
pub async fn keys(State(db): State<Db>) -> Response {
    match log::keys(&db).await {
        Ok(keys) if keys.is_empty() => failed(AppError::NotFound),
        Ok(keys) => cached(
            (
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                keys.iter().map(|k| format!("{k}\n")).collect::<String>(),
            )
                .into_response(),
            SHORT,
        ),
        Err(e) => failed(e),
    }
}
