//! Editing a vendor's evidence records: every change checks the row's version (optimistic
//! locking) and runs in the caller's transaction, beside its audit row.

use sqlx::{Any, AnyConnection};

use super::{Db, StoreError, StoreResult};
use crate::domain::assurance::{Attestation, RecordKind, TrainingRecord};

fn table(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Enrollment => "vpap_enrollments",
        RecordKind::Attestation => "attestations",
        RecordKind::Assessment => "assessments",
        RecordKind::Training => "training_records",
        RecordKind::Contract => "contracts",
    }
}

/// The id of a course by name.
pub async fn course_id(conn: &mut AnyConnection, course: &str) -> StoreResult<Option<i64>> {
    Ok(
        sqlx::query_scalar::<Any, i64>("SELECT id FROM training_courses WHERE name = $1")
            .bind(course.to_string())
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Course names with their validity in months, for the training form.
pub async fn list_courses(db: &Db) -> StoreResult<Vec<(String, i64)>> {
    Ok(sqlx::query_as::<Any, (String, i64)>(
        "SELECT name, validity_months FROM training_courses ORDER BY name",
    )
    .fetch_all(&db.pool)
    .await?)
}

/// Change a training record if it is still at `version`; returns whether it was.
pub async fn update_training(
    conn: &mut AnyConnection,
    vendor_id: i64,
    id: i64,
    version: i64,
    t: &TrainingRecord,
) -> StoreResult<bool> {
    let course = course_id(conn, &t.course)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("no training course named {:?}", t.course)))?;
    let res = sqlx::query(
        "UPDATE training_records SET person_name = $1, person_email = $2, course_id = $3, \
         completed_on = $4, expires_on = $5, version = version + 1 \
         WHERE id = $6 AND vendor_id = $7 AND version = $8",
    )
    .bind(t.person_name.clone())
    .bind(t.person_email.clone())
    .bind(course)
    .bind(t.completed_on.to_string())
    .bind(t.expires_on.to_string())
    .bind(id)
    .bind(vendor_id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// Change an attestation if it is still at `version`; returns whether it was.
pub async fn update_attestation(
    conn: &mut AnyConnection,
    vendor_id: i64,
    id: i64,
    version: i64,
    a: &Attestation,
) -> StoreResult<bool> {
    let res = sqlx::query(
        "UPDATE attestations SET submitted_on = $1, approved_on = $2, approved_by = $3, \
         outcome = $4, version = version + 1 WHERE id = $5 AND vendor_id = $6 AND version = $7",
    )
    .bind(a.submitted_on.to_string())
    .bind(a.approved_on.map(|d| d.to_string()))
    .bind(a.approved_by.clone())
    .bind(a.outcome.code())
    .bind(id)
    .bind(vendor_id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// Delete one record of a vendor if it is still at `version`; returns whether it was.
pub async fn delete_record(
    conn: &mut AnyConnection,
    kind: RecordKind,
    vendor_id: i64,
    id: i64,
    version: i64,
) -> StoreResult<bool> {
    let sql = format!(
        "DELETE FROM {} WHERE id = $1 AND vendor_id = $2 AND version = $3",
        table(kind)
    );
    let res = sqlx::query(&sql)
        .bind(id)
        .bind(vendor_id)
        .bind(version)
        .execute(&mut *conn)
        .await?;
    Ok(res.rows_affected() == 1)
}

/// Start a write transaction. SQLite takes its write lock at once (`BEGIN IMMEDIATE`), so two
/// editors queue instead of one failing with "database is locked" half-way through.
pub async fn begin_write(db: &Db) -> StoreResult<sqlx::Transaction<'static, Any>> {
    let tx = match db.backend {
        super::Backend::Sqlite => db.pool.begin_with("BEGIN IMMEDIATE").await?,
        super::Backend::Postgres => db.pool.begin().await?,
    };
    Ok(tx)
}
