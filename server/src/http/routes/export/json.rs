//! The JSON sink of `GET /api/v1/subprocessors`: `{"as_of": day, "subprocessors": [...],
//! "count": n}`, each vendor the one public view with the CSV's columns as keys. Field names
//! are an interface (docs/API.md): add fields, never rename. The count comes last, as
//! today's list streams out and knows it only at the end.

use app::{
    domain::RegistryFilter,
    error::AppError,
    registry::{change::DayCheckpoint, export::PublicVendors},
};
use axum::body::{Body, Bytes};
use chrono::NaiveDate;

pub const CONTENT_TYPE: &str = "application/json";

/// `GET /api/v1/subprocessors`'s answer (written piece by piece, so not a Rust value).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SubprocessorList {
    pub as_of: NaiveDate,
    /// A past day only: the signed checkpoint holding every change announced by then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<DayCheckpoint>,
    pub subprocessors: Vec<app::registry::view::PublicVendor>,
    pub count: u64,
}

/// Moved whenever the answer's shape changes, so an ETag of an older build never matches.
const FORMAT: u32 = 2;

/// The ETag of today's list for `filter`: the registry's version (it moves with every change
/// to what the list shows), the day (statuses and compliance follow the calendar), the
/// filter and the answer's format. The same tag always means the same bytes.
pub fn today_etag(version: i64, day: NaiveDate, filter: &RegistryFilter) -> String {
    use sha2::{Digest, Sha256};
    let query = hex::encode(Sha256::digest(filter.to_query(false).as_bytes()));
    format!("\"v{version}-{day}-{}-{FORMAT}\"", &query[..16])
}

/// The answer's opening, up to the first vendor; a past day's names its signed checkpoint.
fn head(vendors: &PublicVendors, checkpoint: Option<&DayCheckpoint>) -> Bytes {
    let signed = checkpoint
        .and_then(|c| serde_json::to_string(c).ok())
        .map(|c| format!("\"checkpoint\":{c},"))
        .unwrap_or_default();
    Bytes::from(format!(
        "{{\"as_of\":\"{}\",{signed}\"subprocessors\":[",
        vendors.day()
    ))
}

/// The answer streamed as the vendors arrive.
pub fn body(vendors: PublicVendors) -> Body {
    super::streamed(head(&vendors, None), Objects::new(vendors))
}

/// The whole answer in memory (a past day's, whose `ETag` is a hash of it), with the signed
/// checkpoint that holds every change announced by that day.
pub async fn whole(
    vendors: PublicVendors,
    checkpoint: Option<&DayCheckpoint>,
) -> Result<Vec<u8>, AppError> {
    let mut out = head(&vendors, checkpoint).to_vec();
    let mut objects = Objects::new(vendors);
    while let Some(chunk) = super::Chunks::next_chunk(&mut objects).await {
        let chunk = chunk.map_err(|e| app::request::internal(format!("json export: {e}")))?;
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// The vendors of each batch, one JSON object each, then the count that closes the answer.
struct Objects {
    vendors: PublicVendors,
    count: usize,
    ended: bool,
}

impl Objects {
    fn new(vendors: PublicVendors) -> Self {
        Objects {
            vendors,
            count: 0,
            ended: false,
        }
    }
}

impl super::Chunks for Objects {
    /// The next piece: a batch of vendors, then the count that closes the object; `None`
    /// after it. An error ends the body early (and is logged).
    async fn next_chunk(&mut self) -> Option<std::io::Result<Bytes>> {
        if self.ended {
            return None;
        }
        let batch = match self.vendors.next_batch().await {
            Some(Ok(batch)) => batch,
            Some(Err(e)) => return Some(Err(super::aborted("json", e))),
            None => {
                self.ended = true;
                return Some(Ok(format!("],\"count\":{}}}", self.count).into()));
            }
        };
        let mut out = Vec::new();
        for v in &batch {
            if self.count > 0 {
                out.push(b',');
            }
            self.count += 1;
            if let Err(e) = serde_json::to_writer(&mut out, v) {
                return Some(Err(super::aborted("json", e)));
            }
        }
        Some(Ok(out.into()))
    }
}
