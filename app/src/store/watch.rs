//! Vendors' published sub-processor lists that the registry follows (migration 0033): the
//! list of each vendor, its fetching state, and every fetch.

use chrono::{DateTime, Utc};
use sqlx::{Any, AnyConnection, FromRow};

use super::{Db, StoreResult};

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A followed list and where its fetching stands.
#[derive(Debug, Clone, FromRow)]
pub struct WatchRow {
    pub vendor_id: i64,
    pub vendor_slug: String,
    pub url: String,
    pub every_hours: i64,
    pub next_at: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub sha256: Option<String>,
    pub checked_at: Option<String>,
    pub ok_at: Option<String>,
    pub failures: i64,
    pub last_error: String,
}

const ROW: &str = "SELECT w.vendor_id, v.slug AS vendor_slug, w.url, w.every_hours, w.next_at, \
     w.etag, w.last_modified, w.sha256, w.checked_at, w.ok_at, w.failures, w.last_error \
     FROM watched_lists w JOIN vendors v ON v.id = w.vendor_id";

/// Follow `url` for the vendor (replacing what it followed: a new URL starts afresh), the
/// first fetch due at once.
pub async fn set(
    conn: &mut AnyConnection,
    vendor_id: i64,
    url: &str,
    every_hours: i64,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let same: Option<String> =
        sqlx::query_scalar::<Any, String>("SELECT url FROM watched_lists WHERE vendor_id = $1")
            .bind(vendor_id)
            .fetch_optional(&mut *conn)
            .await?;
    if same.as_deref() == Some(url) {
        sqlx::query("UPDATE watched_lists SET every_hours = $1 WHERE vendor_id = $2")
            .bind(every_hours)
            .bind(vendor_id)
            .execute(&mut *conn)
            .await?;
        return Ok(());
    }
    sqlx::query("DELETE FROM watched_lists WHERE vendor_id = $1")
        .bind(vendor_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO watched_lists (vendor_id, url, every_hours, next_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(vendor_id)
    .bind(url)
    .bind(every_hours)
    .bind(ts(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Stop following the vendor's list (its fetches stay on record).
pub async fn clear(conn: &mut AnyConnection, vendor_id: i64) -> StoreResult<bool> {
    Ok(
        sqlx::query("DELETE FROM watched_lists WHERE vendor_id = $1")
            .bind(vendor_id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
            > 0,
    )
}

pub async fn get(db: &Db, vendor_id: i64) -> StoreResult<Option<WatchRow>> {
    Ok(
        sqlx::query_as::<Any, WatchRow>(&format!("{ROW} WHERE w.vendor_id = $1"))
            .bind(vendor_id)
            .fetch_optional(&db.pool)
            .await?,
    )
}

/// Claim up to `limit` lists due at `now` for ten minutes (another instance skips them;
/// a crashed fetch is retried after that), oldest due first.
pub async fn claim_due(db: &Db, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<WatchRow>> {
    let due: Vec<i64> = sqlx::query_scalar::<Any, i64>(
        "SELECT vendor_id FROM watched_lists WHERE next_at <= $1 \
         AND (claimed_until IS NULL OR claimed_until < $1) ORDER BY next_at LIMIT $2",
    )
    .bind(ts(now))
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    let until = ts(now + chrono::Duration::minutes(10));
    let mut out = Vec::new();
    for id in due {
        let claimed = sqlx::query(
            "UPDATE watched_lists SET claimed_until = $1 WHERE vendor_id = $2 \
             AND next_at <= $3 AND (claimed_until IS NULL OR claimed_until < $3)",
        )
        .bind(&until)
        .bind(id)
        .bind(ts(now))
        .execute(&db.pool)
        .await?
        .rows_affected();
        if claimed == 1 {
            if let Some(row) = get(db, id).await? {
                out.push(row);
            }
        }
    }
    Ok(out)
}

/// One fetch, as recorded.
pub struct Fetch<'a> {
    pub vendor_id: i64,
    pub url: &'a str,
    pub at: DateTime<Utc>,
    /// `changed`, `same`, `not_modified` or `failed`.
    pub outcome: &'a str,
    pub sha256: Option<&'a str>,
    pub bytes: Option<i64>,
    pub content_type: &'a str,
    pub error: &'a str,
}

/// Record a fetch and the list's state after it: validators and SHA-256 of an answer read
/// (kept as they were otherwise), failures in a row (0 after a success), the next fetch due.
pub async fn record(
    conn: &mut AnyConnection,
    f: &Fetch<'_>,
    validators: Option<(Option<&str>, Option<&str>)>,
    every_hours: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO watched_fetches (vendor_id, url, fetched_at, outcome, sha256, bytes, \
         content_type, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(f.vendor_id)
    .bind(f.url)
    .bind(ts(f.at))
    .bind(f.outcome)
    .bind(f.sha256)
    .bind(f.bytes)
    .bind(f.content_type)
    .bind(f.error)
    .execute(&mut *conn)
    .await?;
    let next = ts(f.at + chrono::Duration::hours(every_hours));
    if f.outcome == "failed" {
        sqlx::query(
            "UPDATE watched_lists SET failures = failures + 1, last_error = $1, checked_at = $2, \
             next_at = $3, claimed_until = NULL WHERE vendor_id = $4 AND url = $5",
        )
        .bind(f.error)
        .bind(ts(f.at))
        .bind(next)
        .bind(f.vendor_id)
        .bind(f.url)
        .execute(&mut *conn)
        .await?;
        return Ok(());
    }
    let (etag, modified) = validators.unwrap_or((None, None));
    sqlx::query(
        "UPDATE watched_lists SET failures = 0, last_error = '', checked_at = $1, ok_at = $1, \
         next_at = $2, claimed_until = NULL, etag = COALESCE($3, etag), \
         last_modified = COALESCE($4, last_modified), sha256 = COALESCE($5, sha256) \
         WHERE vendor_id = $6 AND url = $7",
    )
    .bind(ts(f.at))
    .bind(next)
    .bind(etag)
    .bind(modified)
    .bind(f.sha256)
    .bind(f.vendor_id)
    .bind(f.url)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A recorded fetch.
#[derive(Debug, Clone, FromRow)]
pub struct FetchRow {
    pub fetched_at: String,
    pub outcome: String,
    pub sha256: Option<String>,
    pub bytes: Option<i64>,
    pub content_type: String,
    pub error: String,
}

/// The vendor's `limit` newest fetches.
pub async fn fetches(db: &Db, vendor_id: i64, limit: i64) -> StoreResult<Vec<FetchRow>> {
    Ok(sqlx::query_as::<Any, FetchRow>(
        "SELECT fetched_at, outcome, sha256, bytes, content_type, error FROM watched_fetches \
         WHERE vendor_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(vendor_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?)
}

/// Lists that failed `at_least` times in a row: (vendor slug, vendor name, URL, failures,
/// last error).
pub async fn failing(
    conn: &mut AnyConnection,
    at_least: i64,
) -> StoreResult<Vec<(String, String, String, i64, String)>> {
    Ok(
        sqlx::query_as::<Any, (String, String, String, i64, String)>(
            "SELECT v.slug, v.legal_name, w.url, w.failures, w.last_error FROM watched_lists w \
         JOIN vendors v ON v.id = w.vendor_id WHERE w.failures >= $1 ORDER BY v.legal_name",
        )
        .bind(at_least)
        .fetch_all(conn)
        .await?,
    )
}

/// Whether the vendor has a proposal of kind `published_list` with this very payload (in
/// any state: a difference is proposed once; a declined one is not proposed again).
pub async fn proposed(
    conn: &mut AnyConnection,
    vendor_id: i64,
    payload: &str,
) -> StoreResult<bool> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "SELECT COUNT(*) FROM proposals WHERE vendor_id = $1 AND kind = 'published_list' \
         AND payload = $2",
    )
    .bind(vendor_id)
    .bind(payload)
    .fetch_one(conn)
    .await?
        > 0)
}

/// The media type of the vendor `slug`'s fetch whose bytes have `sha256`, if it fetched them.
pub async fn fetched(db: &Db, slug: &str, sha256: &str) -> StoreResult<Option<(String, i64)>> {
    Ok(sqlx::query_as::<Any, (String, i64)>(
        "SELECT f.content_type, COALESCE(f.bytes, 0) FROM watched_fetches f \
         JOIN vendors v ON v.id = f.vendor_id WHERE v.slug = $1 AND f.sha256 = $2 \
         ORDER BY f.id DESC LIMIT 1",
    )
    .bind(slug)
    .bind(sha256)
    .fetch_optional(&db.pool)
    .await?)
}
