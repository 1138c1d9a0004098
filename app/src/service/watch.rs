//! Following each vendor's own published sub-processor list (issue 29). Managers set the
//! list's URL on the vendor's page; the server's watcher (`server::watch`) fetches what is
//! due and hands each answer to [`record`], which keeps the bytes in the document store,
//! records the fetch, and turns a difference into a proposal in the managers' review queue
//! (kind `published_list`), once per difference. Nothing in the chain changes until a manager
//! accepts it (`proposals::decide_proposal`, through the chain's own save and notice rule).

use axum::body::Bytes;
use chrono::{DateTime, Utc};

use super::rosters::minute;
use crate::{
    documents::Documents,
    domain::{
        changes::earliest_effective,
        text::website,
        watch::{self, ListContent, ListProposal},
    },
    error::AppError,
    model::watch::{FetchLine, WatchForm, WatchStatus},
    request::{db, internal},
    session::{any_role, editor, require},
    store::{
        audit, begin_write, changes,
        proposals::{self, NewProposal},
        vendors,
        watch::{self as store, Fetch, WatchRow},
        Db,
    },
    write::{write, Written},
};

/// Who proposes what the watcher finds (no person: the review shows it as such).
pub const WATCHER: &str = "published list watcher";

/// Failures in a row from which the managers' digest names a list.
pub const FAILURES_TOLD: i64 = 3;

/// The largest list fetched (a larger answer is refused, and counts as a failure).
pub const MAX_LIST_BYTES: usize = 5 * 1024 * 1024;

/// Follow (or, with an empty URL, stop following) a vendor's published list (managers and
/// admins). The URL is checked here for its shape; the watcher applies the address rules of
/// webhooks when it fetches (a refusal is then shown as a failure).
pub async fn set_watched_list(form: WatchForm) -> Result<(), AppError> {
    let who = require(editor).await?;
    let url = website(&form.subprocessor_list_url)
        .map_err(|e| AppError::invalid("subprocessor_list_url", e.0))?;
    let every = match form.every_hours.trim() {
        "" => 24,
        h => match h.parse::<i64>() {
            Ok(n) if (1..=2160).contains(&n) => n,
            _ => {
                return Err(AppError::invalid(
                    "every_hours",
                    "Give a number of hours from 1 to 2160 (90 days); 24 is daily.",
                ))
            }
        },
    };
    let slug = form.vendor.trim().to_string();
    let db = db()?;
    write(&db, &who.email, async |tx| {
        let vendor = vendors::edit_row(tx, &slug)
            .await?
            .ok_or(AppError::NotFound)?;
        let after = match &url {
            Some(url) => {
                store::set(tx, vendor.id, url, every, Utc::now()).await?;
                Some(serde_json::json!({ "subprocessor_list_url": url, "every_hours": every }))
            }
            None => {
                store::clear(tx, vendor.id).await?;
                None
            }
        };
        Ok(Written::done(
            (),
            audit::Entry {
                action: "update",
                entity: "watched_list",
                entity_id: slug.clone(),
                before: None,
                after,
            },
        ))
    })
    .await
}

/// The vendor's followed list and its newest fetches (anyone signed in).
pub async fn watched_list(slug: &str) -> Result<WatchStatus, AppError> {
    let who = require(any_role).await?;
    let db = db()?;
    let mut conn = db.pool.acquire().await?;
    let vendor = vendors::edit_row(&mut conn, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    let mut status = WatchStatus {
        slug: vendor.slug.clone(),
        can_edit: who.role.can_edit(),
        every_hours: 24,
        ..WatchStatus::default()
    };
    if let Some(w) = store::get(&db, vendor.id).await? {
        status.url = w.url;
        status.every_hours = w.every_hours;
        status.checked_at = minute(w.checked_at.as_deref().unwrap_or(""));
        status.ok_at = minute(w.ok_at.as_deref().unwrap_or(""));
        status.failures = w.failures;
        status.last_error = w.last_error;
        status.fetches = store::fetches(&db, vendor.id, 5)
            .await?
            .into_iter()
            .map(|f| FetchLine {
                at: minute(&f.fetched_at),
                outcome: f.outcome,
                sha256: f.sha256.unwrap_or_default(),
                bytes: f.bytes.unwrap_or(0),
                error: f.error,
            })
            .collect();
    }
    Ok(status)
}

/// What one fetch of a list brought.
#[derive(Debug, Clone)]
pub enum Fetched {
    /// 304: the list is as it was.
    NotModified,
    /// No answer, a refused address or redirect, a status other than 2xx, too large ...
    Failed(String),
    Body {
        bytes: Bytes,
        content_type: String,
        etag: Option<String>,
        last_modified: Option<String>,
    },
}

/// What a fetch came to, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    NotModified,
    Same,
    /// Read (a new SHA-256), and the proposal it made, if any.
    Changed(Option<i64>),
    Failed(String),
}

/// Read the bytes of a list: structured (CSV, XLSX, JSON, the open format) or a page.
async fn content_of(bytes: &[u8], content_type: &str) -> Result<ListContent, String> {
    let ct = content_type.to_ascii_lowercase();
    // the first byte past white space and a UTF-8 byte order mark
    let head = bytes
        .iter()
        .copied()
        .find(|b| !(b.is_ascii_whitespace() || matches!(b, 0xEF | 0xBB | 0xBF)));
    if ct.contains("html") || ct.contains("pdf") || bytes.starts_with(b"%PDF") || head == Some(b'<')
    {
        return Ok(ListContent::Page);
    }
    if ct.contains("json") || matches!(head, Some(b'{' | b'[')) {
        let (text, _) = crate::files::text::decode(bytes)?;
        return watch::from_json(&text).map(ListContent::Structured);
    }
    let name = if bytes.starts_with(b"PK\x03\x04") {
        "list.xlsx"
    } else {
        "list.csv"
    };
    let read = crate::files::read(name, bytes).await?;
    let sheet = read
        .sheets
        .first()
        .ok_or_else(|| "The list has no sheet.".to_string())?;
    watch::from_sheet(sheet).map(ListContent::Structured)
}

/// Record one fetch of the list `w` at `now`: the bytes kept in `docs`, a difference from the
/// vendor's chain (or, for a page, from its previous bytes) proposed for review once.
pub async fn record(
    db: &Db,
    docs: &Documents,
    w: &WatchRow,
    fetched: Fetched,
    now: DateTime<Utc>,
) -> Result<Recorded, AppError> {
    let mut fetch = Fetch {
        vendor_id: w.vendor_id,
        url: &w.url,
        at: now,
        outcome: "failed",
        sha256: None,
        bytes: None,
        content_type: "",
        error: "",
    };
    let (bytes, content_type, etag, last_modified) = match fetched {
        Fetched::NotModified => {
            fetch.outcome = "not_modified";
            let mut tx = begin_write(db).await?;
            store::record(&mut tx, &fetch, None, w.every_hours).await?;
            tx.commit().await?;
            return Ok(Recorded::NotModified);
        }
        Fetched::Failed(e) => return failed(db, fetch, w, e).await,
        Fetched::Body {
            bytes,
            content_type,
            etag,
            last_modified,
        } => (bytes, content_type, etag, last_modified),
    };
    let size = bytes.len() as i64;
    let sha256 = match docs.put_bytes(bytes.clone()).await {
        Ok(s) => s,
        Err(e) => return failed(db, fetch, w, format!("the list could not be kept: {e}")).await,
    };
    fetch.sha256 = Some(&sha256);
    fetch.bytes = Some(size);
    fetch.content_type = &content_type;
    let validators = Some((etag.as_deref(), last_modified.as_deref()));
    if w.sha256.as_deref() == Some(sha256.as_str()) {
        fetch.outcome = "same";
        let mut tx = begin_write(db).await?;
        store::record(&mut tx, &fetch, validators, w.every_hours).await?;
        tx.commit().await?;
        return Ok(Recorded::Same);
    }
    let content = match content_of(&bytes, &content_type).await {
        Ok(c) => c,
        Err(e) => {
            fetch.sha256 = None;
            return failed(db, fetch, w, format!("the list cannot be read: {e}")).await;
        }
    };
    fetch.outcome = "changed";
    let mut tx = begin_write(db).await?;
    let vendor = vendors::edit_row(&mut tx, &w.vendor_slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let (proposal, widens) = match content {
        ListContent::Structured(list) => {
            let diff = watch::diff(&vendor.sub_processor_list()?, &list);
            let widens = !diff.added.is_empty() || !diff.moved.is_empty();
            let p = (!diff.is_empty()).then(|| ListProposal {
                url: w.url.clone(),
                diff,
                page: None,
            });
            (p, widens)
        }
        // a page seen before with other bytes: said to have changed (the first fetch has
        // nothing to compare with)
        ListContent::Page => (
            w.sha256.clone().map(|before| ListProposal {
                url: w.url.clone(),
                diff: Default::default(),
                page: Some((before, sha256.clone())),
            }),
            false,
        ),
    };
    let mut made = None;
    if let Some(p) = proposal {
        let payload = serde_json::to_string(&p).map_err(|e| internal(e.to_string()))?;
        if !store::proposed(&mut tx, vendor.id, &payload).await? {
            // a wider chain takes effect with the notice of the vendor's categories at the
            // earliest (checked again when it is accepted)
            let effective_on = if widens {
                let notice = changes::notice_periods(&mut tx).await?;
                let categories = vendors::words(vendor.categories.as_deref());
                Some(earliest_effective(now.date_naive(), &categories, &notice).to_string())
            } else {
                None
            };
            let id = proposals::insert(
                &mut tx,
                NewProposal {
                    vendor_id: vendor.id,
                    kind: "published_list",
                    payload: &payload,
                    effective_on,
                    record_version: vendor.version,
                    submitted_by: WATCHER,
                },
            )
            .await?;
            audit::record(
                &mut tx,
                WATCHER,
                audit::Entry {
                    action: "propose",
                    entity: "proposal",
                    entity_id: format!("{}/proposal/{id}", vendor.slug),
                    before: None,
                    after: Some(serde_json::json!({
                        "kind": "published_list",
                        "change": p,
                        "sha256": sha256,
                    })),
                },
            )
            .await?;
            made = Some(id);
        }
    }
    store::record(&mut tx, &fetch, validators, w.every_hours).await?;
    tx.commit().await?;
    Ok(Recorded::Changed(made))
}

async fn failed(
    db: &Db,
    mut fetch: Fetch<'_>,
    w: &WatchRow,
    error: String,
) -> Result<Recorded, AppError> {
    let error: String = error.chars().take(500).collect();
    fetch.outcome = "failed";
    fetch.error = &error;
    let mut tx = begin_write(db).await?;
    store::record(&mut tx, &fetch, None, w.every_hours).await?;
    tx.commit().await?;
    Ok(Recorded::Failed(error))
}

/// `GET /published-lists/{slug}/{sha256}`: a version of the vendor's published list as it
/// was fetched (anyone signed in internally; a SHA-256 the vendor's list never had: not
/// found). The route serves it as an attachment, never rendered from our origin.
pub async fn download_fetched(
    slug: &str,
    sha256: &str,
) -> Result<super::reviews::Download, AppError> {
    require(any_role).await?;
    let well_formed = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit());
    if !well_formed {
        return Err(AppError::NotFound);
    }
    let db = db()?;
    let (media_type, size_bytes) = store::fetched(&db, slug, sha256)
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = crate::request::documents()?
        .open(sha256)
        .await
        .map_err(super::uploads::refused)?;
    let media_type = if media_type.is_empty() {
        "application/octet-stream".to_string()
    } else {
        media_type
    };
    Ok(super::reviews::Download {
        file_name: format!("{slug}-published-list-{}", &sha256[..12]),
        media_type,
        size_bytes,
        sha256: sha256.to_string(),
        bytes,
    })
}
