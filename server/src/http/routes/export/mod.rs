//! The registry's downloads: `GET /subprocessors.csv`, `GET /subprocessors.xlsx` and
//! `GET /api/v1/subprocessors` (JSON), for the same query parameters as `/` (`as_of` a past
//! day included). Each route opens the one row pipeline
//! ([`app::registry::export::PublicVendors`]) and hands it to its format's sink here (`csv`,
//! `xlsx`, `json`); a sink encodes the vendors it is given and never reads the store or the
//! registry itself, so the three formats always list the same vendors.

pub mod csv;
pub mod json;
pub mod kept;
pub mod xlsx;

use app::{
    domain::RegistryFilter,
    error::AppError,
    registry::{
        export::{last_changed, PublicVendors, Weight},
        past_day_only, Kept,
    },
    store::Db,
};
use axum::{
    body::{Body, Bytes},
    extract::{RawQuery, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use std::sync::Arc;

use kept::{Format, KeptCopies};

use super::conditional::{conditional, conditional_with, last_modified, not_modified};

/// The registry's query parameters as the OpenAPI document lists them. The handlers read the
/// raw query (`RegistryFilter::from_query`): a value they cannot use is left out with a
/// message, never refused.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct RegistryParams {
    /// Text in the legal or trading name.
    q: Option<String>,
    /// A service's slug (repeatable).
    service: Option<String>,
    /// A processing country, ISO 3166-1 alpha-2 (repeatable).
    country: Option<String>,
    /// A data category code (repeatable).
    category: Option<String>,
    /// `announced`, `active` or `removed` (repeatable; default announced and active).
    status: Option<String>,
    /// `authorized` or `not_compliant`.
    compliance: Option<String>,
    /// `YYYY-MM-DD`: the registry as it stood that (past) day.
    as_of: Option<String>,
}

/// A download produced piece by piece: the next piece, `None` at the end; an error ends the
/// body early.
pub trait Chunks: Send + 'static {
    fn next_chunk(
        &mut self,
    ) -> impl std::future::Future<Output = Option<std::io::Result<Bytes>>> + Send;
}

/// `head`, then every piece of `chunks` until the end or the first error, as a body.
pub fn streamed(head: Bytes, chunks: impl Chunks) -> Body {
    let rest = futures::stream::unfold((chunks, false), |(mut chunks, done)| async move {
        if done {
            return None;
        }
        match chunks.next_chunk().await? {
            Ok(bytes) => Some((Ok(bytes), (chunks, false))),
            Err(e) => Some((Err(e), (chunks, true))),
        }
    });
    // fused: a layer that polls again after the end (compression does) gets the end again
    Body::from_stream(futures::StreamExt::fuse(futures::StreamExt::chain(
        futures::stream::once(async { Ok::<_, std::io::Error>(head) }),
        rest,
    )))
}

/// The error that ends a download already under way, logged (its status is sent already).
pub fn aborted(what: &str, e: impl std::fmt::Display) -> std::io::Error {
    tracing::error!("{what} export aborted: {e}");
    std::io::Error::other("export failed")
}

/// The filter a download's query asks for (an `as_of` kept only for a past day) and now.
fn asked(query: Option<&str>) -> (RegistryFilter, DateTime<Utc>) {
    let (mut filter, mut ignored) = RegistryFilter::from_query(query.unwrap_or(""));
    let now = Utc::now();
    past_day_only(&mut filter, now.date_naive(), &mut ignored);
    (filter, now)
}

/// The file name of a download of `vendors`: `subprocessors-2026-12-06.csv`, or
/// `subprocessors-as-of-2026-01-31.csv` for a past day.
fn file_name(vendors: &PublicVendors, extension: &str) -> String {
    let past = if vendors.is_past() { "as-of-" } else { "" };
    format!("subprocessors-{past}{}.{extension}", vendors.day())
}

/// `res` as a file to save, never kept by a cache without asking.
fn attachment(mut res: Response, content_type: &'static str, filename: &str) -> Response {
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

/// `GET /subprocessors.csv`: streamed as the rows arrive, so memory stays flat at any size.
#[utoipa::path(get, path = "/subprocessors.csv", tag = "registry",
    params(RegistryParams),
    responses(
        (status = 200, description = "The matching vendors, one row each (docs/API.md, \"CSV columns\"); a past day's names its checkpoint in `Log-Checkpoint` and `Log-Checkpoint-Size`", body = String, content_type = "text/csv"),
        (status = 304, description = "Not modified"),
        (status = 429, description = "Too many requests", body = String, content_type = "text/plain"),
        (status = 503, description = "Every export slot is busy: try again after `Retry-After`", body = String, content_type = "text/plain"),
    ))]
pub async fn subprocessors_csv(
    State(db): State<Db>,
    State(kept): State<Arc<Kept>>,
    State(copies): State<KeptCopies>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    file(&db, &kept, &copies, Format::Csv, query.as_deref(), &headers).await
}

/// `GET /subprocessors.xlsx`: the CSV's rows and columns, and a sheet of the chain.
#[utoipa::path(get, path = "/subprocessors.xlsx", tag = "registry",
    params(RegistryParams),
    responses(
        (status = 200, description = "The CSV's rows in a workbook, and a sheet of the chain", body = String, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 304, description = "Not modified"),
        (status = 429, description = "Too many requests", body = String, content_type = "text/plain"),
        (status = 503, description = "Every export slot is busy: try again after `Retry-After`", body = String, content_type = "text/plain"),
    ))]
pub async fn subprocessors_xlsx(
    State(db): State<Db>,
    State(kept): State<Arc<Kept>>,
    State(copies): State<KeptCopies>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    file(
        &db,
        &kept,
        &copies,
        Format::Xlsx,
        query.as_deref(),
        &headers,
    )
    .await
}

/// A download to save (the CSV or the workbook): the kept copy of today's whole list when it
/// is asked for and kept, else the rows written fresh by the format's sink.
async fn file(
    db: &Db,
    kept: &Arc<Kept>,
    copies: &KeptCopies,
    format: Format,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let (filter, now) = asked(query);
    let today = now.date_naive();
    if let Some(res) = whole_list(db, kept, copies, &filter, format, headers, today).await? {
        let name = format!("subprocessors-{today}.{}", format.name());
        return Ok(attachment(res, format.content_type(), &name));
    }
    let vendors = PublicVendors::open(db, kept, &filter, today, Weight::Export).await?;
    let name = file_name(&vendors, format.name());
    let signed = match vendors.is_past() {
        true => app::service::log::checkpoint_as_of(db, vendors.day()).await?,
        false => None,
    };
    let body = match format {
        Format::Xlsx => Body::from(xlsx::workbook(vendors).await?),
        Format::Csv => csv::body(vendors)?,
        Format::Json => json::body(vendors),
    };
    let mut res = attachment(Response::new(body), format.content_type(), &name);
    if let Some(c) = signed {
        checkpoint_headers(res.headers_mut(), &c);
    }
    Ok(res)
}

/// A past day's file names the signed checkpoint that holds every change announced by then:
/// `Log-Checkpoint-Size` (the tree's size) and `Log-Checkpoint`, the signed note in standard
/// base64 (a note has several lines; a header has one).
fn checkpoint_headers(h: &mut HeaderMap, c: &app::registry::change::DayCheckpoint) {
    use base64::Engine;
    let note = base64::engine::general_purpose::STANDARD.encode(c.note.as_bytes());
    if let Ok(v) = HeaderValue::from_str(&note) {
        h.insert("log-checkpoint", v);
    }
    h.insert("log-checkpoint-size", HeaderValue::from(c.size));
}

/// Today's whole list in `format` from this instance's kept copy, when `filter` asks for it
/// and the copy is of the registry's version now (else a build of one starts, and `None`).
async fn whole_list(
    db: &Db,
    kept: &Arc<Kept>,
    copies: &KeptCopies,
    filter: &RegistryFilter,
    format: Format,
    headers: &HeaderMap,
    today: chrono::NaiveDate,
) -> Result<Option<Response>, AppError> {
    if !KeptCopies::keeps(filter) {
        return Ok(None);
    }
    // the version alone (one row): when the data last changed is the JSON's concern
    let version = app::registry::export::version(db).await?;
    Ok(copies
        .serve(format, version, today, headers, db, kept)
        .await)
}

/// `GET /api/v1/subprocessors`. Answers carry an `ETag` (today's: the registry's version, the
/// day and the filter, known before any row is read; a past day's: a hash of the body) and
/// `Last-Modified` (the newest data change, or the start of today when statuses and compliance
/// were last recomputed), and `304 Not Modified` to a client that has this answer already.
#[utoipa::path(get, path = "/api/v1/subprocessors", tag = "registry",
    params(RegistryParams),
    responses(
        (status = 200, description = "The matching vendors", body = json::SubprocessorList),
        (status = 304, description = "Not modified"),
        (status = 429, description = "Too many requests", body = String, content_type = "text/plain"),
        (status = 503, description = "Every export slot is busy: try again after `Retry-After`", body = String, content_type = "text/plain"),
    ))]
pub async fn subprocessors_json(
    State(db): State<Db>,
    State(kept): State<Arc<Kept>>,
    State(copies): State<KeptCopies>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (filter, now) = asked(query.as_deref());
    let today = now.date_naive();
    let day = filter.as_of.unwrap_or(today);
    let (changed, version) = last_changed(&db, day, today).await?;
    let last_modified = last_modified(changed, now);
    let Some(version) = version else {
        // a past day's list is small (one entry per vendor listed then): built whole
        let vendors = PublicVendors::open(&db, &kept, &filter, today, Weight::Heavy).await?;
        let signed = app::service::log::checkpoint_as_of(&db, day).await?;
        let body = json::whole(vendors, signed.as_ref()).await?;
        return Ok(conditional(
            &headers,
            body,
            json::CONTENT_TYPE,
            last_modified,
        ));
    };
    // a client that has this version of the list already gets 304 without any of it read
    let etag = json::today_etag(version, day, &filter);
    if not_modified(&headers, &etag, last_modified) {
        return Ok(conditional_with(
            &headers,
            &etag,
            json::CONTENT_TYPE,
            last_modified,
            || StatusCode::NOT_MODIFIED.into_response(),
        ));
    }
    if KeptCopies::keeps(&filter) {
        if let Some(res) = copies
            .serve(Format::Json, version, today, &headers, &db, &kept)
            .await
        {
            return Ok(conditional_with(
                &headers,
                &etag,
                json::CONTENT_TYPE,
                last_modified,
                || res,
            ));
        }
    }
    let vendors = PublicVendors::open(&db, &kept, &filter, today, Weight::Heavy).await?;
    let body = json::body(vendors);
    Ok(conditional_with(
        &headers,
        &etag,
        json::CONTENT_TYPE,
        last_modified,
        || body.into_response(),
    ))
}
