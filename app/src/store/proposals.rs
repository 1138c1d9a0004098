//! Changes vendors' contacts propose to their record (migration 0026), reviewed like any
//! submission (`documents::decide_in`).

use sqlx::{Any, AnyConnection, FromRow};

use super::{documents::decide_in, now_utc, Db, StoreResult};
use crate::domain::review::ReviewState;

/// A proposal with its vendor and the vendor's version now.
#[derive(Debug, Clone, FromRow)]
pub struct ProposalRow {
    pub id: i64,
    pub version: i64,
    pub vendor_id: i64,
    pub vendor_slug: String,
    pub vendor_name: String,
    pub vendor_version: i64,
    pub kind: String,
    pub payload: String,
    pub effective_on: Option<String>,
    pub record_version: i64,
    pub review_state: String,
    pub submitted_by: String,
    pub submitted_at: String,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    pub review_comment: String,
}

const PROPOSAL: &str = "SELECT p.id, p.version, p.vendor_id, v.slug AS vendor_slug, \
     v.legal_name AS vendor_name, v.version AS vendor_version, p.kind, p.payload, \
     p.effective_on, p.record_version, p.review_state, p.submitted_by, p.submitted_at, \
     p.reviewed_by, p.reviewed_at, p.review_comment \
     FROM proposals p JOIN vendors v ON v.id = p.vendor_id";

/// A proposal to record.
pub struct NewProposal<'a> {
    pub vendor_id: i64,
    pub kind: &'a str,
    pub payload: &'a str,
    pub effective_on: Option<String>,
    pub record_version: i64,
    pub submitted_by: &'a str,
}

pub async fn insert(conn: &mut AnyConnection, p: NewProposal<'_>) -> StoreResult<i64> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "INSERT INTO proposals (vendor_id, kind, payload, effective_on, record_version, \
         submitted_by, submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(p.vendor_id)
    .bind(p.kind)
    .bind(p.payload)
    .bind(p.effective_on)
    .bind(p.record_version)
    .bind(p.submitted_by)
    .bind(now_utc())
    .fetch_one(&mut *conn)
    .await?)
}

/// Proposals waiting for review, oldest first.
pub async fn waiting(db: &Db) -> StoreResult<Vec<ProposalRow>> {
    Ok(sqlx::query_as::<Any, ProposalRow>(&format!(
        "{PROPOSAL} WHERE p.review_state = 'pending' ORDER BY p.submitted_at, p.id"
    ))
    .fetch_all(&db.pool)
    .await?)
}

/// How many proposals wait for review.
pub async fn count_waiting(db: &Db) -> StoreResult<i64> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "SELECT COUNT(*) FROM proposals WHERE review_state = 'pending'",
    )
    .fetch_one(&db.pool)
    .await?)
}

/// The vendor's proposals (any state), newest first.
pub async fn for_vendor(db: &Db, vendor_id: i64) -> StoreResult<Vec<ProposalRow>> {
    Ok(sqlx::query_as::<Any, ProposalRow>(&format!(
        "{PROPOSAL} WHERE p.vendor_id = $1 ORDER BY p.submitted_at DESC, p.id DESC"
    ))
    .bind(vendor_id)
    .fetch_all(&db.pool)
    .await?)
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> StoreResult<Option<ProposalRow>> {
    Ok(
        sqlx::query_as::<Any, ProposalRow>(&format!("{PROPOSAL} WHERE p.id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Record a decision on the waiting proposal `id` at `version`; whether it was still waiting.
pub async fn decide(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    state: ReviewState,
    by: &str,
    comment: &str,
) -> StoreResult<bool> {
    decide_in(conn, "proposals", (id, version), state, by, comment).await
}
