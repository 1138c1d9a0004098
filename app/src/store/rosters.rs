//! Training rosters vendors' contacts submit, their rows, and their review state (migration
//! 0024). Approval writes training records through `store::evidence`; this holds the
//! submissions themselves.

use chrono::NaiveDate;
use sqlx::{Any, AnyConnection, FromRow};

use super::{now_utc, Db, StoreError, StoreResult};
use crate::domain::{assurance::TrainingRecord, review::ReviewState};

/// A roster submission with its vendor.
#[derive(Debug, Clone, FromRow)]
pub struct RosterRow {
    pub id: i64,
    pub version: i64,
    pub vendor_id: i64,
    pub vendor_slug: String,
    pub vendor_name: String,
    pub file_name: String,
    pub sha256: String,
    pub people: i64,
    pub review_state: String,
    pub submitted_by: String,
    pub submitted_at: String,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    pub review_comment: String,
}

const SELECT: &str = "SELECT r.id, r.version, r.vendor_id, v.slug AS vendor_slug, \
     v.legal_name AS vendor_name, r.file_name, r.sha256, \
     (SELECT COUNT(*) FROM roster_rows x WHERE x.submission_id = r.id) AS people, \
     r.review_state, r.submitted_by, r.submitted_at, r.reviewed_by, r.reviewed_at, \
     r.review_comment FROM roster_submissions r JOIN vendors v ON v.id = r.vendor_id";

/// Record a roster and its rows, waiting for review.
pub async fn insert(
    conn: &mut AnyConnection,
    vendor_id: i64,
    (file_name, sha256): (&str, &str),
    rows: &[TrainingRecord],
    submitted_by: &str,
) -> StoreResult<i64> {
    let id = sqlx::query_scalar::<Any, i64>(
        "INSERT INTO roster_submissions (vendor_id, file_name, sha256, submitted_by, \
         submitted_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(vendor_id)
    .bind(file_name)
    .bind(sha256)
    .bind(submitted_by)
    .bind(now_utc())
    .fetch_one(&mut *conn)
    .await?;
    for r in rows {
        sqlx::query::<Any>(
            "INSERT INTO roster_rows (submission_id, person_name, person_email, course, \
             completed_on, expires_on) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(r.person_name.clone())
        .bind(r.person_email.clone())
        .bind(r.course.clone())
        .bind(r.completed_on.to_string())
        .bind(r.expires_on.to_string())
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

/// Rosters waiting for review, oldest first.
pub async fn waiting(db: &Db) -> StoreResult<Vec<RosterRow>> {
    Ok(sqlx::query_as::<Any, RosterRow>(&format!(
        "{SELECT} WHERE r.review_state = 'pending' ORDER BY r.submitted_at, r.id"
    ))
    .fetch_all(&db.pool)
    .await?)
}

/// How many rosters wait for review.
pub async fn count_waiting(db: &Db) -> StoreResult<i64> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "SELECT COUNT(*) FROM roster_submissions WHERE review_state = 'pending'",
    )
    .fetch_one(&db.pool)
    .await?)
}

/// The rosters of the vendor `vendor_id`, newest first.
pub async fn for_vendor(db: &Db, vendor_id: i64) -> StoreResult<Vec<RosterRow>> {
    Ok(sqlx::query_as::<Any, RosterRow>(&format!(
        "{SELECT} WHERE r.vendor_id = $1 ORDER BY r.submitted_at DESC, r.id DESC"
    ))
    .bind(vendor_id)
    .fetch_all(&db.pool)
    .await?)
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> StoreResult<Option<RosterRow>> {
    Ok(
        sqlx::query_as::<Any, RosterRow>(&format!("{SELECT} WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// The people a roster lists, in its order.
pub async fn rows(conn: &mut AnyConnection, id: i64) -> StoreResult<Vec<TrainingRecord>> {
    let rows = sqlx::query_as::<Any, (String, String, String, String, String)>(
        "SELECT person_name, person_email, course, completed_on, expires_on FROM roster_rows \
         WHERE submission_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let day = |s: &str| {
        s.parse::<NaiveDate>()
            .map_err(|e| StoreError::Corrupt(format!("roster date {s:?}: {e}")))
    };
    rows.into_iter()
        .map(|(person_name, person_email, course, done, until)| {
            Ok(TrainingRecord {
                person_name,
                person_email,
                course,
                completed_on: day(&done)?,
                expires_on: day(&until)?,
            })
        })
        .collect()
}

/// Record a decision on the waiting roster `id` at `version`; whether it was still waiting at
/// that version.
pub async fn decide(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    state: ReviewState,
    by: &str,
    comment: &str,
) -> StoreResult<bool> {
    super::documents::decide_in(
        conn,
        "roster_submissions",
        (id, version),
        state,
        by,
        comment,
    )
    .await
}

/// End the vendor's training records of `email` and `course` in force on `day`: they end the
/// day before (at the earliest on their completion day). How many ended.
pub async fn end_training(
    conn: &mut AnyConnection,
    vendor_id: i64,
    (email, course): (&str, &str),
    day: NaiveDate,
) -> StoreResult<u64> {
    let before = day.pred_opt().unwrap_or(day).to_string();
    let done = sqlx::query::<Any>(
        "UPDATE training_records SET expires_on = CASE WHEN completed_on > $1 THEN completed_on \
         ELSE $1 END, version = version + 1 \
         WHERE vendor_id = $2 AND lower(person_email) = lower($3) AND expires_on >= $4 \
         AND course_id = (SELECT id FROM training_courses WHERE name = $5)",
    )
    .bind(before)
    .bind(vendor_id)
    .bind(email)
    .bind(day.to_string())
    .bind(course)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// What erasing one vendor's staff data did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erased {
    pub vendor_id: i64,
    pub slug: String,
    /// Roster rows and training records whose name and address were erased.
    pub rows: u64,
}

/// The word a name and an address are replaced by.
pub const ERASED: &str = "(erased)";

/// Erase the names and addresses of vendor staff (roster rows and training records) of every
/// vendor removed on or before `removed_by`, in the caller's transaction; what was erased,
/// vendor by vendor (a vendor with nothing left to erase is not listed).
pub async fn erase_removed(
    conn: &mut AnyConnection,
    removed_by: NaiveDate,
) -> StoreResult<Vec<Erased>> {
    let vendors = sqlx::query_as::<Any, (i64, String)>(
        "SELECT v.id, v.slug FROM vendors v WHERE v.removed_on IS NOT NULL \
         AND v.removed_on <= $1 AND (\
           EXISTS (SELECT 1 FROM training_records t WHERE t.vendor_id = v.id \
                   AND t.person_email <> $2) \
           OR EXISTS (SELECT 1 FROM roster_rows x JOIN roster_submissions r \
                   ON r.id = x.submission_id WHERE r.vendor_id = v.id AND x.person_email <> $2)) \
         ORDER BY v.id",
    )
    .bind(removed_by.to_string())
    .bind(ERASED)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for (vendor_id, slug) in vendors {
        let rows = sqlx::query::<Any>(
            "UPDATE roster_rows SET person_name = $1, person_email = $1 \
             WHERE person_email <> $1 AND submission_id IN \
             (SELECT id FROM roster_submissions WHERE vendor_id = $2)",
        )
        .bind(ERASED)
        .bind(vendor_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        let records = sqlx::query::<Any>(
            "UPDATE training_records SET person_name = $1, person_email = $1, \
             version = version + 1 WHERE person_email <> $1 AND vendor_id = $2",
        )
        .bind(ERASED)
        .bind(vendor_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        out.push(Erased {
            vendor_id,
            slug,
            rows: rows + records,
        });
    }
    Ok(out)
}
