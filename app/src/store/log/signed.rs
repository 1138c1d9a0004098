//! The log's signed heads (`log_checkpoints`) and the keys that signed them (`log_keys`),
//! and which signed tree a past day's registry names. Appended to, never changed.

use sqlx::{Any, FromRow};

use super::{super::now_utc, Db, StoreResult};
use crate::domain::tlog::Hash;

/// The smallest tree that holds every event announced on or before `day` (0: none was).
pub async fn size_covering_day(db: &Db, day: &str) -> StoreResult<u64> {
    let last = sqlx::query_scalar::<Any, Option<i64>>(
        "SELECT MAX(l.idx) FROM log_leaves l JOIN change_events e ON e.id = l.change_event_id \
         WHERE e.announced_on <= $1",
    )
    .bind(day.to_string())
    .fetch_one(&db.pool)
    .await?;
    Ok(last.map_or(0, |i| i as u64 + 1))
}

/// The checkpoint of exactly `size` leaves, if one was signed.
pub async fn checkpoint_of_size(db: &Db, size: u64) -> StoreResult<Option<CheckpointRow>> {
    Ok(
        sqlx::query_as::<Any, CheckpointRow>(&format!("{CHECKPOINT} WHERE size = $1"))
            .bind(size as i64)
            .fetch_optional(&db.pool)
            .await?,
    )
}

/// One signed head.
#[derive(Debug, Clone, FromRow)]
pub struct CheckpointRow {
    pub size: i64,
    pub root: String,
    pub key_id: String,
    pub note: String,
    pub signed_at: String,
}

const CHECKPOINT: &str = "SELECT size, root, key_id, note, signed_at FROM log_checkpoints";

/// The newest checkpoint.
pub async fn latest_checkpoint(db: &Db) -> StoreResult<Option<CheckpointRow>> {
    Ok(
        sqlx::query_as::<Any, CheckpointRow>(&format!("{CHECKPOINT} ORDER BY size DESC LIMIT 1"))
            .fetch_optional(&db.pool)
            .await?,
    )
}

/// The first checkpoint whose tree holds at least `size` leaves.
pub async fn checkpoint_covering(db: &Db, size: u64) -> StoreResult<Option<CheckpointRow>> {
    Ok(sqlx::query_as::<Any, CheckpointRow>(&format!(
        "{CHECKPOINT} WHERE size >= $1 ORDER BY size LIMIT 1"
    ))
    .bind(size as i64)
    .fetch_optional(&db.pool)
    .await?)
}

/// Every checkpoint, oldest first.
pub async fn checkpoints(db: &Db) -> StoreResult<Vec<CheckpointRow>> {
    Ok(
        sqlx::query_as::<Any, CheckpointRow>(&format!("{CHECKPOINT} ORDER BY size"))
            .fetch_all(&db.pool)
            .await?,
    )
}

/// Keep a signed head (one per size: the same size signed twice, by two instances at once,
/// is the same note and kept once) and the key that signed it.
pub async fn insert_checkpoint(
    db: &Db,
    size: u64,
    root: &Hash,
    key_id: &str,
    verifier: &str,
    note: &str,
) -> StoreResult<()> {
    let mut tx = super::super::begin_write(db).await?;
    let now = now_utc();
    sqlx::query(
        "INSERT INTO log_keys (key_id, verifier, first_signed_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key_id) DO NOTHING",
    )
    .bind(key_id.to_string())
    .bind(verifier.to_string())
    .bind(now.clone())
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO log_checkpoints (size, root, key_id, note, signed_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (size) DO NOTHING",
    )
    .bind(size as i64)
    .bind(hex::encode(root))
    .bind(key_id.to_string())
    .bind(note.to_string())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Every key that signed a checkpoint (`<name>+<id>+<key>`), newest first.
pub async fn verifier_keys(db: &Db) -> StoreResult<Vec<String>> {
    Ok(sqlx::query_scalar::<Any, String>(
        "SELECT verifier FROM log_keys ORDER BY first_signed_at DESC, key_id",
    )
    .fetch_all(&db.pool)
    .await?)
}
