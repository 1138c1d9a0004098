//! Customers' requests, their acceptances of the agreement, accesses and downloads.

use chrono::{DateTime, Utc};
use sqlx::{Any, AnyConnection, FromRow, Row};

use super::AgreementRow;
use crate::store::{outbox::stamp, Db, StoreResult};

/// A customer's request.
#[derive(Debug, Clone, FromRow)]
pub struct RequestRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub organisation: String,
    /// JSON: the ids of the documents asked for.
    pub documents: String,
    pub agreement_version: i64,
    pub state: String,
    pub created_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub reason: String,
}

const REQUEST: &str = "SELECT id, name, email, organisation, documents, agreement_version, \
     state, created_at, decided_by, decided_at, reason FROM trust_requests";

/// A new request.
pub struct NewRequestRow<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub organisation: &'a str,
    pub documents: &'a [i64],
    pub agreement_version: i64,
    pub address: &'a str,
    pub user_agent: &'a str,
}

pub async fn insert_request(
    conn: &mut AnyConnection,
    r: &NewRequestRow<'_>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "INSERT INTO trust_requests (name, email, organisation, documents, agreement_version, \
         state, created_at, address, user_agent) \
         VALUES ($1, $2, $3, $4, $5, 'mailed', $6, $7, $8) RETURNING id",
    )
    .bind(r.name)
    .bind(r.email)
    .bind(r.organisation)
    .bind(serde_json::to_string(r.documents).unwrap_or_else(|_| "[]".into()))
    .bind(r.agreement_version)
    .bind(stamp(now))
    .bind(r.address)
    .bind(r.user_agent)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn request_in(conn: &mut AnyConnection, id: i64) -> StoreResult<Option<RequestRow>> {
    Ok(
        sqlx::query_as::<Any, RequestRow>(&format!("{REQUEST} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Requests in `state`, oldest first (at most 500).
pub async fn requests(db: &Db, state: &str) -> StoreResult<Vec<RequestRow>> {
    Ok(sqlx::query_as::<Any, RequestRow>(&format!(
        "{REQUEST} WHERE state = $1 ORDER BY id LIMIT 500"
    ))
    .bind(state)
    .fetch_all(&db.pool)
    .await?)
}

/// Give the request a fresh mailed link (only its hash is kept).
pub async fn set_link(
    conn: &mut AnyConnection,
    id: i64,
    token_hash: &str,
    expires: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query::<Any>(
        "UPDATE trust_requests SET token_hash = $2, token_expires_at = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(token_hash)
    .bind(stamp(expires))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The request whose unexpired link is `token_hash`, changing nothing.
pub async fn by_link(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<RequestRow>> {
    Ok(sqlx::query_as::<Any, RequestRow>(&format!(
        "{REQUEST} WHERE token_hash = $1 AND token_expires_at > $2"
    ))
    .bind(token_hash)
    .bind(stamp(now))
    .fetch_optional(&mut *conn)
    .await?)
}

/// Use the link up: it works once. Whether this call took it.
pub async fn take_link(conn: &mut AnyConnection, id: i64, token_hash: &str) -> StoreResult<bool> {
    let done = sqlx::query::<Any>(
        "UPDATE trust_requests SET token_hash = NULL, token_expires_at = NULL \
         WHERE id = $1 AND token_hash = $2",
    )
    .bind(id)
    .bind(token_hash)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Move a request to `state` from `from`; whether it was in `from`.
pub async fn set_state(
    conn: &mut AnyConnection,
    id: i64,
    from: &[&str],
    state: &str,
    decided: Option<(&str, &str)>,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let from = from
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let (who, reason) = decided.unwrap_or(("", ""));
    let done = sqlx::query::<Any>(&format!(
        "UPDATE trust_requests SET state = $2, \
         decided_by = CASE WHEN $3 = '' THEN decided_by ELSE $3 END, \
         decided_at = CASE WHEN $3 = '' THEN decided_at ELSE $4 END, \
         reason = CASE WHEN $3 = '' THEN reason ELSE $5 END \
         WHERE id = $1 AND state IN ({from})"
    ))
    .bind(id)
    .bind(state)
    .bind(who)
    .bind(stamp(now))
    .bind(reason)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Record an acceptance of the agreement (only ever added).
#[allow(clippy::too_many_arguments)]
pub async fn insert_acceptance(
    conn: &mut AnyConnection,
    r: &RequestRow,
    agreement: &AgreementRow,
    address: &str,
    user_agent: &str,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "INSERT INTO trust_acceptances (request_id, name, email, organisation, accepted_at, \
         address, user_agent, agreement_version, agreement_sha256) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(r.id)
    .bind(&r.name)
    .bind(&r.email)
    .bind(&r.organisation)
    .bind(stamp(now))
    .bind(address)
    .bind(user_agent)
    .bind(agreement.version)
    .bind(&agreement.sha256)
    .fetch_one(&mut *conn)
    .await?)
}

/// An access.
#[derive(Debug, Clone, FromRow)]
pub struct AccessRow {
    pub id: i64,
    pub code: String,
    pub request_id: i64,
    pub name: String,
    pub email: String,
    pub organisation: String,
    /// JSON: the ids of the documents it opens.
    pub documents: String,
    pub created_at: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
    pub revoked_by: Option<String>,
}

const ACCESS: &str = "SELECT id, code, request_id, name, email, organisation, documents, \
     created_at, expires_at, revoked_at, revoked_by FROM trust_accesses";

/// Open an access for the request `r` to `documents`, until `expires`.
pub async fn insert_access(
    conn: &mut AnyConnection,
    r: &RequestRow,
    (code, cookie_hash): (&str, &str),
    documents: &[i64],
    now: DateTime<Utc>,
    expires: DateTime<Utc>,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "INSERT INTO trust_accesses (code, request_id, name, email, organisation, cookie_hash, \
         documents, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         RETURNING id",
    )
    .bind(code)
    .bind(r.id)
    .bind(&r.name)
    .bind(&r.email)
    .bind(&r.organisation)
    .bind(cookie_hash)
    .bind(serde_json::to_string(documents).unwrap_or_else(|_| "[]".into()))
    .bind(stamp(now))
    .bind(stamp(expires))
    .fetch_one(&mut *conn)
    .await?)
}

/// The open access whose cookie is `cookie_hash` (not expired, not revoked).
pub async fn access_by_cookie(
    db: &Db,
    cookie_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<AccessRow>> {
    Ok(sqlx::query_as::<Any, AccessRow>(&format!(
        "{ACCESS} WHERE cookie_hash = $1 AND expires_at > $2 AND revoked_at IS NULL"
    ))
    .bind(cookie_hash)
    .bind(stamp(now))
    .fetch_optional(&db.pool)
    .await?)
}

/// Accesses that are open at `now`, newest first (at most 500).
pub async fn open_accesses(db: &Db, now: DateTime<Utc>) -> StoreResult<Vec<AccessRow>> {
    Ok(sqlx::query_as::<Any, AccessRow>(&format!(
        "{ACCESS} WHERE expires_at > $1 AND revoked_at IS NULL ORDER BY id DESC LIMIT 500"
    ))
    .bind(stamp(now))
    .fetch_all(&db.pool)
    .await?)
}

/// End the access `id` at once; whether it was open.
pub async fn revoke(
    conn: &mut AnyConnection,
    id: i64,
    who: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let done = sqlx::query::<Any>(
        "UPDATE trust_accesses SET revoked_at = $2, revoked_by = $3, cookie_hash = NULL \
         WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(stamp(now))
    .bind(who)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A download to record.
pub struct NewDownload<'a> {
    pub document_id: i64,
    pub version_id: i64,
    pub access_id: Option<i64>,
    pub address: &'a str,
    pub user_agent: &'a str,
    pub served_sha256: &'a str,
}

pub async fn record_download(db: &Db, d: &NewDownload<'_>, now: DateTime<Utc>) -> StoreResult<()> {
    sqlx::query::<Any>(
        "INSERT INTO trust_downloads (document_id, version_id, access_id, downloaded_at, \
         address, user_agent, served_sha256) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(d.document_id)
    .bind(d.version_id)
    .bind(d.access_id)
    .bind(stamp(now))
    .bind(d.address)
    .bind(d.user_agent)
    .bind(d.served_sha256)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// One download as the access log shows it.
#[derive(Debug, Clone, FromRow)]
pub struct DownloadRow {
    pub downloaded_at: String,
    pub version: i64,
    pub code: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub organisation: Option<String>,
    pub address: String,
    pub user_agent: String,
    pub served_sha256: String,
}

/// The downloads of the document `slug`, newest first (at most `limit`).
pub async fn downloads(db: &Db, slug: &str, limit: i64) -> StoreResult<Vec<DownloadRow>> {
    Ok(sqlx::query_as::<Any, DownloadRow>(
        "SELECT l.downloaded_at, v.version, a.code, a.name, a.email, a.organisation, \
         l.address, l.user_agent, l.served_sha256 \
         FROM trust_downloads l JOIN trust_documents d ON d.id = l.document_id \
         JOIN trust_versions v ON v.id = l.version_id \
         LEFT JOIN trust_accesses a ON a.id = l.access_id \
         WHERE d.slug = $1 ORDER BY l.id DESC LIMIT $2",
    )
    .bind(slug)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?)
}

/// Whether any personal data recorded before `before` is still in the clear (a read, so the
/// hourly round takes no write lock when there is nothing to do).
pub async fn any_to_redact(db: &Db, before: DateTime<Utc>) -> StoreResult<bool> {
    let before = stamp(before);
    let n = sqlx::query_scalar::<Any, i64>(
        "SELECT (SELECT COUNT(*) FROM trust_requests WHERE created_at < $1 AND redacted_at IS NULL) \
         + (SELECT COUNT(*) FROM trust_acceptances WHERE accepted_at < $1 AND redacted_at IS NULL) \
         + (SELECT COUNT(*) FROM trust_accesses WHERE created_at < $1 AND redacted_at IS NULL) \
         + (SELECT COUNT(*) FROM trust_downloads WHERE downloaded_at < $1 AND redacted_at IS NULL)",
    )
    .bind(before)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// Replace the personal data recorded before `before` with its hash (`sha256:` and hex):
/// requests, acceptances, accesses and downloads. How many rows changed.
pub async fn redact(conn: &mut AnyConnection, before: DateTime<Utc>) -> StoreResult<u64> {
    let before = stamp(before);
    let mut changed = 0;
    for (table, at, columns) in [
        (
            "trust_requests",
            "created_at",
            &["name", "email", "organisation", "address", "user_agent"][..],
        ),
        (
            "trust_acceptances",
            "accepted_at",
            &["name", "email", "organisation", "address", "user_agent"][..],
        ),
        (
            "trust_accesses",
            "created_at",
            &["name", "email", "organisation"][..],
        ),
        (
            "trust_downloads",
            "downloaded_at",
            &["address", "user_agent"][..],
        ),
    ] {
        let rows = sqlx::query::<Any>(&format!(
            "SELECT id, {} FROM {table} WHERE {at} < $1 AND redacted_at IS NULL LIMIT 1000",
            columns.join(", ")
        ))
        .bind(&before)
        .fetch_all(&mut *conn)
        .await?;
        let sets: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 3))
            .collect();
        let update = format!(
            "UPDATE {table} SET redacted_at = $2, {} WHERE id = $1",
            sets.join(", ")
        );
        for row in rows {
            let mut q = sqlx::query::<Any>(&update)
                .bind(row.try_get::<i64, _>(0)?)
                .bind(stamp(Utc::now()));
            for i in 1..=columns.len() {
                q = q.bind(hashed(&row.try_get::<String, _>(i)?));
            }
            q.execute(&mut *conn).await?;
            changed += 1;
        }
    }
    Ok(changed)
}

fn hashed(v: &str) -> String {
    if v.is_empty() || v.starts_with("sha256:") {
        return v.to_string();
    }
    format!("sha256:{}", crate::store::sessions::token_hash(v))
}
