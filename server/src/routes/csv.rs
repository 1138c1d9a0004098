//! `GET /subprocessors.csv`: the registry rows for the same query parameters as `/`, streamed.

use app::{
    domain::RegistryFilter,
    store::{vendors, Db},
};
use axum::{
    body::{Body, Bytes},
    extract::{RawQuery, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

use crate::csv_export;

/// Rows encoded per body chunk.
const ROWS_PER_CHUNK: usize = 256;

pub async fn subprocessors_csv(State(db): State<Db>, RawQuery(query): RawQuery) -> Response {
    let (filter, _ignored) = RegistryFilter::from_query(query.as_deref().unwrap_or(""));
    let today = chrono::Utc::now().date_naive();
    let header_bytes = match csv_export::header() {
        Ok(h) => h,
        Err(e) => {
            tracing::error!("csv header: {e}");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let rows = vendors::stream_public(&db, &filter, today);
    let body = futures::stream::unfold(
        (Some(header_bytes), rows, false),
        |(first, mut rows, done)| async move {
            if let Some(h) = first {
                return Some((Ok(Bytes::from(h)), (None, rows, false)));
            }
            if done {
                return None;
            }
            let mut w = csv_export::writer();
            let mut n = 0;
            while n < ROWS_PER_CHUNK {
                // wait for the first row of a chunk, then take whatever is ready
                let next = if n == 0 {
                    rows.recv().await
                } else {
                    rows.try_recv().ok()
                };
                match next {
                    Some(Ok(row)) => {
                        if let Err(e) = csv_export::write_row(&mut w, &row) {
                            return Some((Err(std::io::Error::other(e)), (None, rows, true)));
                        }
                        n += 1;
                    }
                    Some(Err(e)) => {
                        tracing::error!("csv export aborted: {e}");
                        return Some((
                            Err(std::io::Error::other("export failed")),
                            (None, rows, true),
                        ));
                    }
                    None if n == 0 => return None,
                    None => break,
                }
            }
            match w.into_inner() {
                Ok(buf) => Some((Ok(Bytes::from(buf)), (None, rows, false))),
                Err(e) => Some((
                    Err(std::io::Error::other(e.into_error())),
                    (None, rows, true),
                )),
            }
        },
    );
    let filename = format!(
        "attachment; filename=\"subprocessors-{}.csv\"",
        today.format("%Y-%m-%d")
    );
    let mut res = Response::new(Body::from_stream(body));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&filename) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}
