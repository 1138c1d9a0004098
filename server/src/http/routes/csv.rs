//! `GET /subprocessors.csv`: the registry rows for the same query parameters as `/`, streamed.
//! Rows (each carrying its stored assurance where that holds today, else its evidence) arrive
//! in registry order, in batches, through a bounded channel; each batch's compliance is read
//! or computed and the batch encoded, so memory stays flat at any size.

use app::{
    domain::RegistryFilter,
    error::AppError,
    registry::{past_day_only, registry_on, view::PublicVendor},
    request::internal,
    store::Db,
};
use axum::{
    body::{Body, Bytes},
    extract::{RawQuery, State},
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};
use chrono::NaiveDate;

use super::csv_export;

/// The CSV's body after its header: each batch of rows, encoded.
struct Export(super::PublicRows);

impl super::Chunks for Export {
    /// The next batch of rows, encoded; `None` at the end. Errors end the body early (and are
    /// logged).
    async fn next_chunk(&mut self) -> Option<std::io::Result<Bytes>> {
        let mut w = csv_export::writer();
        if let Err(e) = self
            .0
            .next_batch(|v| csv_export::write_vendor(&mut w, v))
            .await?
        {
            return Some(Err(e));
        }
        Some(
            w.into_inner()
                .map(Bytes::from)
                .map_err(|e| self.0.fail(e.into_error())),
        )
    }
}

/// The whole CSV of a past day's registry (`?as_of=`), replayed from the change events; small
/// enough to build in memory (one row per vendor listed that day).
async fn as_of_csv(db: &Db, filter: &RegistryFilter, as_of: NaiveDate) -> Response {
    let entries = match app::request::heavy(db, registry_on(db, filter, as_of, None)).await {
        Ok((e, _)) => e,
        Err(e) => return e.into_response(),
    };
    let body = (|| -> csv::Result<Vec<u8>> {
        let mut out = csv_export::header()?;
        let mut w = csv_export::writer();
        for e in &entries {
            csv_export::write_vendor(&mut w, &PublicVendor::from_past(e))?;
        }
        out.extend(w.into_inner().map_err(|e| e.into_error())?);
        Ok(out)
    })();
    match body {
        Ok(body) => csv_response(
            Body::from(body),
            &format!("subprocessors-as-of-{as_of}.csv"),
        ),
        Err(e) => internal(format!("csv as of {as_of}: {e}")).into_response(),
    }
}

fn csv_response(body: Body, filename: &str) -> Response {
    let disposition = format!("attachment; filename=\"{filename}\"");
    let mut res = Response::new(body);
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

pub async fn subprocessors_csv(State(db): State<Db>, RawQuery(query): RawQuery) -> Response {
    let (mut filter, mut ignored) = RegistryFilter::from_query(query.as_deref().unwrap_or(""));
    let day = chrono::Utc::now().date_naive();
    past_day_only(&mut filter, day, &mut ignored);
    if let Some(as_of) = filter.as_of {
        return as_of_csv(&db, &filter, as_of).await;
    }
    let header_bytes = match csv_export::header() {
        Ok(h) => Bytes::from(h),
        Err(e) => return internal(format!("csv header: {e}")).into_response(),
    };
    let Some(slot) = db.export_slot().await else {
        return AppError::Busy.into_response();
    };
    let export = Export(super::PublicRows::new("csv", &db, &filter, day, slot));
    csv_response(
        super::streamed(header_bytes, export),
        &format!("subprocessors-{}.csv", day.format("%Y-%m-%d")),
    )
}
