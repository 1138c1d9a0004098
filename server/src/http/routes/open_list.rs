//! The open list (issue 28; docs/API.md, "The open list"): `GET /.well-known/subprocessors.json`,
//! today's registry in the `subprocessors/v1` format, streamed from the one export pipeline as
//! the other downloads are, and `GET /schemas/subprocessors/v1.json`, its JSON Schema.

use std::collections::HashMap;

use app::{
    domain::RegistryFilter,
    error::AppError,
    registry::{
        export::{PublicVendors, Weight},
        open_list::{self, open_vendor, UpcomingChange},
    },
};
use axum::{
    body::{Body, Bytes},
    extract::State,
    http::{header, HeaderMap, HeaderValue},
    response::{IntoResponse, Response},
};
use chrono::{SecondsFormat, Utc};
use serde_json::json;

use super::{
    base_of,
    export::{aborted, streamed, Chunks},
};

/// Who publishes the open list.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Publisher {
    pub name: String,
    pub url: String,
}

/// `GET /.well-known/subprocessors.json`'s answer: the `subprocessors/v1` format (its JSON
/// Schema is at `/schemas/subprocessors/v1.json`).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct OpenList {
    #[serde(rename = "$schema")]
    pub schema: String,
    /// `subprocessors/v1`.
    pub format: String,
    pub publisher: Publisher,
    pub as_of: chrono::NaiveDate,
    pub generated_at: String,
    /// The newest signed checkpoint; `null` before the first.
    pub checkpoint: Option<app::registry::change::DayCheckpoint>,
    pub feed: String,
    pub subprocessors: Vec<app::registry::open_list::OpenVendor>,
    pub count: u64,
}

/// The list changes with each change and each day; a minute is fresh enough.
const FRESH: &str = "public, max-age=60";

/// `GET /.well-known/subprocessors.json`.
#[utoipa::path(get, path = "/.well-known/subprocessors.json", tag = "registry",
    responses(
        (status = 200, description = "Today's list in the subprocessors/v1 format", body = OpenList),
        (status = 429, description = "Too many requests", body = String, content_type = "text/plain"),
        (status = 503, description = "Every export slot is busy: try again after `Retry-After`", body = String, content_type = "text/plain"),
    ))]
pub async fn open_list(
    State(state): State<crate::AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let db = state.db.clone();
    let now = Utc::now();
    let today = now.date_naive();
    let base = base_of(&state, &headers);
    let filter = RegistryFilter {
        page: 1,
        ..Default::default()
    };
    let vendors = PublicVendors::open(&db, &state.kept, &filter, today, Weight::Export).await?;
    let upcoming = app::service::changes::upcoming_by_vendor(&db, today, &base).await?;
    let checkpoint = app::service::log::newest(&db).await?;
    let head = json!({
        "$schema": format!("{base}{}", open_list::SCHEMA_PATH),
        "format": open_list::FORMAT,
        "publisher": { "name": "Subprocessor Registry", "url": base },
        "as_of": today,
        "generated_at": now.to_rfc3339_opts(SecondsFormat::Secs, true),
        "checkpoint": checkpoint,
        "feed": format!("{base}/changes.atom"),
    });
    // the head's object, left open for the list and the count that close it
    let mut opening = serde_json::to_string(&head).map_err(app::request::internal)?;
    opening.pop();
    opening.push_str(",\"subprocessors\":[");
    let body = streamed(
        Bytes::from(opening),
        Entries {
            vendors,
            upcoming,
            base: base.clone(),
            count: 0,
            ended: false,
        },
    );
    let mut res = Response::new(body);
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(FRESH));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "<{base}{}>; rel=\"describedby\"",
        open_list::SCHEMA_PATH
    )) {
        h.insert(header::LINK, v);
    }
    Ok(res)
}

/// `GET /schemas/subprocessors/v1.json`: the schema, its `$id` this registry's address.
#[utoipa::path(get, path = "/schemas/subprocessors/v1.json", tag = "registry",
    responses(
        (status = 200, description = "The JSON Schema (draft 2020-12) of the open list", body = Object, content_type = "application/schema+json"),
        (status = 429, description = "Too many requests", body = String, content_type = "text/plain"),
    ))]
pub async fn schema(State(state): State<crate::AppState>, headers: HeaderMap) -> Response {
    let base = base_of(&state, &headers);
    let body = open_list::SCHEMA.replacen("https://registry.example.com", &base, 1);
    (
        [
            (header::CONTENT_TYPE, "application/schema+json"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        Body::from(body),
    )
        .into_response()
}

/// Each batch of vendors as open-list entries, then the count that closes the document.
struct Entries {
    vendors: PublicVendors,
    upcoming: HashMap<String, Vec<UpcomingChange>>,
    base: String,
    count: usize,
    ended: bool,
}

impl Chunks for Entries {
    async fn next_chunk(&mut self) -> Option<std::io::Result<Bytes>> {
        if self.ended {
            return None;
        }
        let batch = match self.vendors.next_batch().await {
            Some(Ok(batch)) => batch,
            Some(Err(e)) => return Some(Err(aborted("open list", e))),
            None => {
                self.ended = true;
                return Some(Ok(format!("],\"count\":{}}}", self.count).into()));
            }
        };
        let mut out = Vec::new();
        for v in batch {
            if self.count > 0 {
                out.push(b',');
            }
            self.count += 1;
            let entry = open_vendor(v, &mut self.upcoming, &self.base);
            if let Err(e) = serde_json::to_writer(&mut out, &entry) {
                return Some(Err(aborted("open list", e)));
            }
        }
        Some(Ok(out.into()))
    }
}
