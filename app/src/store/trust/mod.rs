//! Trust documents, their versions, the agreement's versions, customers' requests, their
//! acceptances, accesses and downloads (migration 0034). The bytes are rows of `documents`
//! (vendor_id NULL) in the document store.

use chrono::{DateTime, Utc};
use sqlx::{Any, AnyConnection, FromRow};

use super::{outbox::stamp, Db, StoreResult};
use crate::domain::trust::{DocumentInfo, VersionDates};

/// A document with its newest version and that version's file.
#[derive(Debug, Clone, FromRow)]
pub struct DocumentRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub kind: String,
    pub covers: String,
    pub issuer: String,
    pub access: String,
    pub bridges: Option<String>,
    pub withdrawn_at: Option<String>,
    pub version_id: i64,
    pub version: i64,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    pub issued_on: String,
    pub valid_until: Option<String>,
    pub published_at: String,
    pub stored_id: i64,
    pub sha256: String,
    pub size_bytes: i64,
    pub media_type: String,
    pub file_name: String,
}

const DOCUMENTS: &str = "SELECT d.id, d.slug, d.title, d.kind, d.covers, d.issuer, d.access, \
     b.title AS bridges, d.withdrawn_at, v.id AS version_id, v.version, v.period_start, \
     v.period_end, v.issued_on, v.valid_until, v.published_at, s.id AS stored_id, s.sha256, \
     s.size_bytes, s.media_type, s.file_name \
     FROM trust_documents d \
     JOIN trust_versions v ON v.document_id = d.id \
     JOIN documents s ON s.id = v.stored_id \
     LEFT JOIN trust_documents b ON b.id = d.bridges_id";

const NEWEST: &str =
    "v.version = (SELECT MAX(w.version) FROM trust_versions w WHERE w.document_id = d.id)";

/// Every document at its newest version (withdrawn ones too), by title.
pub async fn documents(db: &Db) -> StoreResult<Vec<DocumentRow>> {
    Ok(sqlx::query_as::<Any, DocumentRow>(&format!(
        "{DOCUMENTS} WHERE {NEWEST} ORDER BY d.title, d.id"
    ))
    .fetch_all(&db.pool)
    .await?)
}

/// One document at its newest version.
pub async fn document(db: &Db, slug: &str) -> StoreResult<Option<DocumentRow>> {
    Ok(
        sqlx::query_as::<Any, DocumentRow>(&format!("{DOCUMENTS} WHERE {NEWEST} AND d.slug = $1"))
            .bind(slug)
            .fetch_optional(&db.pool)
            .await?,
    )
}

/// Every version of one document, newest first.
pub async fn versions(db: &Db, slug: &str) -> StoreResult<Vec<DocumentRow>> {
    Ok(sqlx::query_as::<Any, DocumentRow>(&format!(
        "{DOCUMENTS} WHERE d.slug = $1 ORDER BY v.version DESC"
    ))
    .bind(slug)
    .fetch_all(&db.pool)
    .await?)
}

/// The id of the document `slug` (withdrawn or not).
pub async fn id_of(conn: &mut AnyConnection, slug: &str) -> StoreResult<Option<i64>> {
    Ok(
        sqlx::query_scalar::<Any, i64>("SELECT id FROM trust_documents WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

fn day(d: Option<chrono::NaiveDate>) -> Option<String> {
    d.map(|d| d.to_string())
}

/// Record a new document (its first version is added by [`add_version`]).
pub async fn insert_document(
    conn: &mut AnyConnection,
    d: &DocumentInfo,
    bridges_id: Option<i64>,
    who: &str,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "INSERT INTO trust_documents (slug, title, kind, covers, issuer, access, bridges_id, \
         created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(d.slug.as_str())
    .bind(&d.title)
    .bind(d.kind.code())
    .bind(&d.covers)
    .bind(&d.issuer)
    .bind(d.access.code())
    .bind(bridges_id)
    .bind(stamp(now))
    .bind(who)
    .fetch_one(&mut *conn)
    .await?)
}

/// Publish the stored file `stored_id` as the document's next version; its number.
pub async fn add_version(
    conn: &mut AnyConnection,
    document_id: i64,
    stored_id: i64,
    dates: &VersionDates,
    who: &str,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "INSERT INTO trust_versions (document_id, version, stored_id, period_start, period_end, \
         issued_on, valid_until, published_at, published_by) \
         SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4, $5, $6, $7, $8 \
         FROM trust_versions WHERE document_id = $1 RETURNING version",
    )
    .bind(document_id)
    .bind(stored_id)
    .bind(day(dates.period_start))
    .bind(day(dates.period_end))
    .bind(dates.issued_on.to_string())
    .bind(day(dates.valid_until))
    .bind(stamp(now))
    .bind(who)
    .fetch_one(&mut *conn)
    .await?)
}

/// Withdraw (or, with `None`, offer again) the document `id`; whether it changed.
pub async fn set_withdrawn(
    conn: &mut AnyConnection,
    id: i64,
    at: Option<DateTime<Utc>>,
) -> StoreResult<bool> {
    let done = sqlx::query::<Any>("UPDATE trust_documents SET withdrawn_at = $2 WHERE id = $1")
        .bind(id)
        .bind(at.map(stamp))
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// An agreement's version.
#[derive(Debug, Clone, FromRow)]
pub struct AgreementRow {
    pub version: i64,
    pub body: String,
    pub sha256: String,
    pub created_at: String,
    pub created_by: String,
}

/// The newest agreement, if one was written.
pub async fn agreement(conn: &mut AnyConnection) -> StoreResult<Option<AgreementRow>> {
    Ok(sqlx::query_as::<Any, AgreementRow>(
        "SELECT version, body, sha256, created_at, created_by FROM trust_agreements \
         ORDER BY version DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?)
}

/// The agreement's version `version`.
pub async fn agreement_at(
    conn: &mut AnyConnection,
    version: i64,
) -> StoreResult<Option<AgreementRow>> {
    Ok(sqlx::query_as::<Any, AgreementRow>(
        "SELECT version, body, sha256, created_at, created_by FROM trust_agreements \
         WHERE version = $1",
    )
    .bind(version)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Add the agreement's next version; its number.
pub async fn add_agreement(
    conn: &mut AnyConnection,
    body: &str,
    sha256: &str,
    who: &str,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "INSERT INTO trust_agreements (version, body, sha256, created_at, created_by) \
         SELECT COALESCE(MAX(version), 0) + 1, $1, $2, $3, $4 FROM trust_agreements \
         RETURNING version",
    )
    .bind(body)
    .bind(sha256)
    .bind(stamp(now))
    .bind(who)
    .fetch_one(&mut *conn)
    .await?)
}

/// Documents whose newest version's validity ends on or before `by` (withdrawn ones left out).
pub async fn expiring(db: &Db, by: chrono::NaiveDate) -> StoreResult<Vec<DocumentRow>> {
    Ok(sqlx::query_as::<Any, DocumentRow>(&format!(
        "{DOCUMENTS} WHERE {NEWEST} AND d.withdrawn_at IS NULL AND v.valid_until IS NOT NULL \
         AND v.valid_until <= $1 ORDER BY v.valid_until"
    ))
    .bind(by.to_string())
    .fetch_all(&db.pool)
    .await?)
}

mod access;
pub use access::*;
