//! Stored documents' metadata, their downloads, and the assessments vendors submit with them
//! (their review state lives on the assessment row: `review_state`, migration 0023). The
//! bytes are in the document store (`crate::documents`), never here.

use sqlx::{Any, AnyConnection, FromRow};

use super::{now_utc, Db, StoreResult};
use crate::domain::{assurance::Assessment, review::ReviewState};

/// A stored document's metadata.
#[derive(Debug, Clone, FromRow)]
pub struct DocumentRow {
    pub id: i64,
    pub vendor_id: Option<i64>,
    pub sha256: String,
    pub size_bytes: i64,
    pub media_type: String,
    pub file_name: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

/// A document to record.
pub struct NewDocument<'a> {
    pub vendor_id: Option<i64>,
    pub sha256: &'a str,
    pub size_bytes: i64,
    pub media_type: &'a str,
    pub file_name: &'a str,
    pub uploaded_by: &'a str,
}

const DOCUMENT: &str = "SELECT id, vendor_id, sha256, size_bytes, media_type, file_name, \
     uploaded_by, uploaded_at FROM documents";

pub async fn insert(conn: &mut AnyConnection, d: NewDocument<'_>) -> StoreResult<i64> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "INSERT INTO documents (vendor_id, sha256, size_bytes, media_type, file_name, \
         uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(d.vendor_id)
    .bind(d.sha256)
    .bind(d.size_bytes)
    .bind(d.media_type)
    .bind(d.file_name)
    .bind(d.uploaded_by)
    .bind(now_utc())
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Option<DocumentRow>> {
    Ok(
        sqlx::query_as::<Any, DocumentRow>(&format!("{DOCUMENT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&db.pool)
            .await?,
    )
}

/// Record that `who` downloaded the document `id`.
pub async fn record_download(db: &Db, id: i64, who: &str) -> StoreResult<()> {
    sqlx::query::<Any>(
        "INSERT INTO document_downloads (document_id, downloaded_by, downloaded_at) \
         VALUES ($1, $2, $3)",
    )
    .bind(id)
    .bind(who)
    .bind(now_utc())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Who downloaded the document `id` and when, newest first.
pub async fn downloads(db: &Db, id: i64) -> StoreResult<Vec<(String, String)>> {
    Ok(sqlx::query_as::<Any, (String, String)>(
        "SELECT downloaded_by, downloaded_at FROM document_downloads WHERE document_id = $1 \
         ORDER BY id DESC",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?)
}

/// A submitted assessment with its vendor and document.
#[derive(Debug, Clone, FromRow)]
pub struct SubmissionRow {
    pub id: i64,
    pub version: i64,
    pub vendor_id: i64,
    pub vendor_slug: String,
    pub vendor_name: String,
    pub kind: String,
    pub assessor: String,
    pub period_start: String,
    pub period_end: String,
    pub issued_on: String,
    pub valid_until: String,
    pub review_state: String,
    pub submitted_by: Option<String>,
    pub created_at: String,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    pub review_comment: String,
    pub document_id: Option<i64>,
    pub d_sha256: Option<String>,
    pub d_size_bytes: Option<i64>,
    pub d_media_type: Option<String>,
    pub d_file_name: Option<String>,
    pub d_uploaded_by: Option<String>,
    pub d_uploaded_at: Option<String>,
}

const SUBMISSION: &str = "SELECT s.id, s.version, s.vendor_id, v.slug AS vendor_slug, \
     v.legal_name AS vendor_name, s.kind, s.assessor, s.period_start, s.period_end, s.issued_on, \
     s.valid_until, s.review_state, s.submitted_by, s.created_at, s.reviewed_by, s.reviewed_at, \
     s.review_comment, s.document_id, d.sha256 AS d_sha256, d.size_bytes AS d_size_bytes, \
     d.media_type AS d_media_type, d.file_name AS d_file_name, d.uploaded_by AS d_uploaded_by, \
     d.uploaded_at AS d_uploaded_at \
     FROM assessments s JOIN vendors v ON v.id = s.vendor_id \
     LEFT JOIN documents d ON d.id = s.document_id";

/// Record an assessment a vendor's contact submitted, waiting for review.
pub async fn insert_submitted_assessment(
    conn: &mut AnyConnection,
    vendor_id: i64,
    a: &Assessment,
    document_id: i64,
    submitted_by: &str,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "INSERT INTO assessments (vendor_id, kind, assessor, period_start, period_end, issued_on, \
         valid_until, created_at, document_id, review_state, submitted_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10) RETURNING id",
    )
    .bind(vendor_id)
    .bind(a.kind.code())
    .bind(a.assessor.clone())
    .bind(a.period_start.to_string())
    .bind(a.period_end.to_string())
    .bind(a.issued_on.to_string())
    .bind(a.valid_until.to_string())
    .bind(now_utc())
    .bind(document_id)
    .bind(submitted_by)
    .fetch_one(&mut *conn)
    .await?)
}

/// Submissions waiting for review, oldest first.
pub async fn waiting(db: &Db) -> StoreResult<Vec<SubmissionRow>> {
    Ok(sqlx::query_as::<Any, SubmissionRow>(&format!(
        "{SUBMISSION} WHERE s.review_state = 'pending' ORDER BY s.created_at, s.id"
    ))
    .fetch_all(&db.pool)
    .await?)
}

/// How many submissions wait for review.
pub async fn count_waiting(db: &Db) -> StoreResult<i64> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "SELECT COUNT(*) FROM assessments WHERE review_state = 'pending'",
    )
    .fetch_one(&db.pool)
    .await?)
}

/// What was submitted for the vendor `vendor_id` (any state), newest first.
pub async fn submitted_for(db: &Db, vendor_id: i64) -> StoreResult<Vec<SubmissionRow>> {
    Ok(sqlx::query_as::<Any, SubmissionRow>(&format!(
        "{SUBMISSION} WHERE s.vendor_id = $1 AND s.submitted_by IS NOT NULL \
         ORDER BY s.created_at DESC, s.id DESC"
    ))
    .bind(vendor_id)
    .fetch_all(&db.pool)
    .await?)
}

/// One submission.
pub async fn submission(conn: &mut AnyConnection, id: i64) -> StoreResult<Option<SubmissionRow>> {
    Ok(sqlx::query_as::<Any, SubmissionRow>(&format!(
        "{SUBMISSION} WHERE s.id = $1 AND s.submitted_by IS NOT NULL"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Record a decision on the waiting submission `id` at `version`; whether it was still
/// waiting at that version.
pub async fn decide(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    state: ReviewState,
    by: &str,
    comment: &str,
) -> StoreResult<bool> {
    decide_in(conn, "assessments", (id, version), state, by, comment).await
}

/// Record a decision on the waiting row `id` at `version` of `table` (a table of submissions,
/// named by the code: `assessments` or `roster_submissions`); whether it was still waiting at
/// that version.
pub(super) async fn decide_in(
    conn: &mut AnyConnection,
    table: &'static str,
    (id, version): (i64, i64),
    state: ReviewState,
    by: &str,
    comment: &str,
) -> StoreResult<bool> {
    let done = sqlx::query::<Any>(&format!(
        "UPDATE {table} SET review_state = $1, reviewed_by = $2, reviewed_at = $3, \
         review_comment = $4, version = version + 1 \
         WHERE id = $5 AND version = $6 AND review_state = 'pending'"
    ))
    .bind(state.code())
    .bind(by)
    .bind(now_utc())
    .bind(comment)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
