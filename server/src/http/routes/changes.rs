//! The change history for machines: `GET /api/v1/changes` (JSON) and `GET /changes.atom`
//! (Atom 1.0). Both take the changes page's filters (`service`, `kind`, `vendor`), list what
//! has been announced (never an announcement dated later), newest announcement first, and
//! answer conditional requests like `/api/v1/subprocessors`. Field names are an interface.

use std::collections::HashMap;

use app::{
    domain::changes::{describe, ChangeEvent, ChangesFilter},
    registry::change::{PublicChange, Receipt},
    store::{
        changes::{self, ChangeQuery, ChangeRow},
        Db,
    },
};
use atom_syndication::{Content, Entry, Feed, FixedDateTime, Link, Person, Text};
use axum::{
    extract::{RawQuery, State},
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{
    base_of,
    conditional::{conditional, last_modified},
};

/// The answer for a failure of the app's own: logged with a reference, which it quotes.
fn internal(e: impl std::fmt::Display) -> Response {
    axum::response::IntoResponse::into_response(app::request::internal(e))
}

/// Atom ids: tag URIs (RFC 4151), the same whichever host name or scheme the feed is read
/// through, so feed readers never see one change twice.
const TAG: &str = "tag:subprocessor-registry,2026";

/// Entries in the feed; the API lists up to [`API_LIMIT`].
const FEED_LIMIT: u32 = 100;
const API_LIMIT: u32 = 10_000;

fn query(f: &ChangesFilter) -> ChangeQuery {
    ChangeQuery {
        service: f.service.as_ref().map(|s| s.as_str().to_string()),
        kind: f.kind,
        vendor: f.vendor.as_ref().map(|s| s.as_str().to_string()),
    }
}

/// Events matching the query string, newest announcement first, with when each was recorded.
async fn load(
    db: &Db,
    raw: Option<&str>,
    day: NaiveDate,
    limit: u32,
) -> Result<(ChangesFilter, Vec<(ChangeEvent, String)>), Response> {
    let (filter, _ignored) = ChangesFilter::from_query(raw.unwrap_or(""));
    let rows = changes::published(db, &query(&filter), day, limit)
        .await
        .map_err(internal)?;
    let events = rows
        .iter()
        .map(|r: &ChangeRow| r.event().map(|e| (e, r.recorded_at.clone())))
        .collect::<Result<Vec<_>, _>>()
        .map_err(internal)?;
    Ok((filter, events))
}

/// The history's filters as the OpenAPI document lists them (the handlers read the raw query:
/// a value they cannot use is left out, never refused).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ChangesParams {
    /// A service's slug.
    service: Option<String>,
    /// `added`, `scope_changed` or `removed`.
    kind: Option<String>,
    /// A vendor's slug.
    vendor: Option<String>,
}

/// `GET /api/v1/changes`'s answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ChangeList {
    as_of: NaiveDate,
    count: usize,
    changes: Vec<PublicChange>,
}

fn legal_name(e: &ChangeEvent) -> String {
    e.after
        .as_ref()
        .or(e.before.as_ref())
        .map(|s| s.legal_name.clone())
        .unwrap_or_else(|| e.slug.clone())
}

/// The receipts of these events in the signed log (each leaf is written with its event, so
/// they change no more than the events do).
async fn receipts(
    db: &Db,
    base: &str,
    events: &[(ChangeEvent, String)],
) -> Result<HashMap<i64, Receipt>, Response> {
    let ids: Vec<i64> = events.iter().map(|(e, _)| e.id).collect();
    app::service::log::receipts(db, base, &ids)
        .await
        .map_err(|e| e.into_response())
}

/// `GET /api/v1/changes`: every change announced so far (never one announced later), newest
/// announcement first, each with its receipt in the signed log.
#[utoipa::path(get, path = "/api/v1/changes", tag = "changes",
    params(ChangesParams),
    responses(
        (status = 200, description = "The changes", body = ChangeList),
        (status = 304, description = "Not modified"),
        (status = 429, description = "Too many requests", body = String, content_type = "text/plain"),
    ))]
pub async fn changes_json(
    State(state): State<crate::AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let db = state.db.clone();
    let now = Utc::now();
    let day = now.date_naive();
    let (_, events) = match load(&db, raw.as_deref(), day, API_LIMIT).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let removed = match changes::removed_by(&db, day).await {
        Ok(r) => r,
        Err(e) => return internal(e),
    };
    let mut receipts = match receipts(&db, &base_of(&state, &headers), &events).await {
        Ok(r) => r,
        Err(res) => return res,
    };
    let list = ChangeList {
        as_of: day,
        count: events.len(),
        changes: events
            .into_iter()
            .map(|(e, recorded_at)| {
                let removed = removed.contains(&e.slug);
                let receipt = receipts.remove(&e.id);
                PublicChange::new(e, recorded_at, day, removed).with_receipt(receipt)
            })
            .collect(),
    };
    let body = match serde_json::to_vec(&list) {
        Ok(b) => b,
        Err(e) => return internal(e),
    };
    match changes::last_recorded(&db).await {
        Ok(t) => conditional(&headers, body, "application/json", last_modified(t, now)),
        Err(e) => internal(e),
    }
}

fn timestamp(rfc3339: &str, fallback: DateTime<Utc>) -> FixedDateTime {
    DateTime::parse_from_rfc3339(rfc3339).unwrap_or_else(|_| fallback.fixed_offset())
}

fn link(href: String, rel: &str, mime: &str) -> Link {
    let mut l = Link::default();
    l.set_href(href);
    l.set_rel(rel);
    l.set_mime_type(Some(mime.to_string()));
    l
}

/// The feed document for these events (newest first).
fn feed(
    base: &str,
    filter: &ChangesFilter,
    events: &[(ChangeEvent, String)],
    receipts: &HashMap<i64, Receipt>,
    now: DateTime<Utc>,
) -> Feed {
    let q = filter.to_query(false);
    let suffix = if q.is_empty() {
        String::new()
    } else {
        format!("?{q}")
    };
    let mut feed = Feed::default();
    feed.set_title("Subprocessor changes");
    feed.set_subtitle(Some(Text::plain(
        "New subprocessors, changes of scope and removals, announced before they take effect.",
    )));
    feed.set_id(format!("{TAG}:changes{suffix}"));
    let updated = events
        .iter()
        .map(|(_, at)| timestamp(at, now))
        .max()
        .unwrap_or_else(|| now.fixed_offset());
    feed.set_updated(updated);
    let mut author = Person::default();
    author.set_name("Subprocessor Registry");
    feed.set_authors(vec![author]);
    feed.set_links(vec![
        link(
            format!("{base}/changes.atom{suffix}"),
            "self",
            "application/atom+xml",
        ),
        link(format!("{base}/changes{suffix}"), "alternate", "text/html"),
        // the whole list in the open format (docs/API.md, "The open list")
        link(
            format!("{base}/.well-known/subprocessors.json"),
            "alternate",
            "application/json",
        ),
    ]);
    feed.set_entries(
        events
            .iter()
            .map(|(e, recorded_at)| {
                let at = timestamp(recorded_at, now);
                let mut entry = Entry::default();
                // stable: one event, one id, whatever the filters or the host
                entry.set_id(format!("{TAG}:change-{}", e.id));
                entry.set_title(format!(
                    "{}: {} (effective {})",
                    e.kind.label(),
                    legal_name(e),
                    e.effective_on
                ));
                entry.set_updated(at);
                entry.set_published(Some(at));
                let mut links = vec![
                    link(
                        format!("{base}/changes#change-{}", e.id),
                        "alternate",
                        "text/html",
                    ),
                    link(
                        format!("{base}/subprocessors/{}", e.slug),
                        "related",
                        "text/html",
                    ),
                ];
                let mut text = format!(
                    "{} Announced {}, effective {}.",
                    describe(e),
                    e.announced_on,
                    e.effective_on
                );
                if let Some(r) = receipts.get(&e.id) {
                    let mut proof = link(r.proof.clone(), "related", "application/json");
                    proof.set_title(Some("Inclusion proof in the signed log".to_string()));
                    links.push(proof);
                    text.push_str(&format!(
                        " Receipt: entry {} of the signed log, leaf hash {}.",
                        r.leaf_index, r.leaf_hash
                    ));
                }
                entry.set_links(links);
                entry.set_summary(Some(Text::plain(text.clone())));
                let mut content = Content::default();
                content.set_content_type(Some("text".to_string()));
                content.set_value(Some(text));
                entry.set_content(Some(content));
                entry
            })
            .collect::<Vec<_>>(),
    );
    feed
}

/// The Atom feed; its links use `PUBLIC_URL` when it is set, else the request's host.
#[utoipa::path(get, path = "/changes.atom", tag = "changes",
    params(ChangesParams),
    responses(
        (status = 200, description = "The newest 100 changes as an Atom 1.0 feed", body = String, content_type = "application/atom+xml"),
        (status = 304, description = "Not modified"),
        (status = 429, description = "Too many requests", body = String, content_type = "text/plain"),
    ))]
pub async fn changes_atom(
    State(state): State<crate::AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let db = state.db.clone();
    let now = Utc::now();
    let (filter, events) = match load(&db, raw.as_deref(), now.date_naive(), FEED_LIMIT).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let base = base_of(&state, &headers);
    let receipts = match receipts(&db, &base, &events).await {
        Ok(r) => r,
        Err(res) => return res,
    };
    let doc = feed(&base, &filter, &events, &receipts, now);
    let body = match doc.write_to(Vec::new()) {
        Ok(b) => b,
        Err(e) => return internal(e),
    };
    let changed = events.iter().map(|(_, at)| at.clone()).max();
    conditional(
        &headers,
        body,
        "application/atom+xml; charset=utf-8",
        last_modified(changed, now),
    )
}
