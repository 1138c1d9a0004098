//! The checks of the whole log (`log_verifications`, migration 0030): the instances' daily
//! round claims a day, `server log verify` records each of its runs.

use sqlx::{Any, FromRow};

use super::{super::now_utc, Db, StoreResult};

/// A check of the whole log (migration 0030).
#[derive(Debug, Clone, FromRow)]
pub struct CheckRow {
    pub id: i64,
    pub day: Option<String>,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub ok: Option<i64>,
    pub leaves: Option<i64>,
    pub message: String,
}

/// Claim the daily check of `day` for this instance: its id, or `None` when another
/// instance claimed the day first.
pub async fn claim_day(db: &Db, day: &str) -> StoreResult<Option<i64>> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "INSERT INTO log_verifications (day, started_at) VALUES ($1, $2) \
         ON CONFLICT (day) DO NOTHING RETURNING id",
    )
    .bind(day.to_string())
    .bind(now_utc())
    .fetch_optional(&db.pool)
    .await?)
}

/// Start a check made on request (`server log verify`): its id.
pub async fn start_check(db: &Db) -> StoreResult<i64> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "INSERT INTO log_verifications (started_at) VALUES ($1) RETURNING id",
    )
    .bind(now_utc())
    .fetch_one(&db.pool)
    .await?)
}

/// Record how the check `id` ended.
pub async fn finish_check(
    db: &Db,
    id: i64,
    ok: bool,
    leaves: Option<u64>,
    message: &str,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE log_verifications SET finished_at = $1, ok = $2, leaves = $3, message = $4 \
         WHERE id = $5",
    )
    .bind(now_utc())
    .bind(i64::from(ok))
    .bind(leaves.map(|n| n as i64))
    .bind(message.to_string())
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The newest finished check.
pub async fn last_check(db: &Db) -> StoreResult<Option<CheckRow>> {
    Ok(sqlx::query_as::<Any, CheckRow>(
        "SELECT id, day, started_at, finished_at, ok, leaves, message FROM log_verifications \
         WHERE finished_at IS NOT NULL ORDER BY finished_at DESC, id DESC LIMIT 1",
    )
    .fetch_optional(&db.pool)
    .await?)
}
