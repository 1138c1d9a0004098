//! The log's signed heads (`log_checkpoints`), their timestamps (`log_timestamps`, migration
//! 0031) and the keys that signed them (`log_keys`), and which signed tree a past day's
//! registry names. Appended to, never changed. A checkpoint is read as its signed note
//! followed by its newest timestamp line, if it has one.

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

/// A checkpoint with its first timestamp (made when it was signed): what a checkpoint of a
/// given size, a proof and a receipt carry, the same bytes for ever.
const CHECKPOINT: &str = "SELECT size, root, key_id, note || COALESCE((SELECT t.line \
    FROM log_timestamps t WHERE t.size = log_checkpoints.size ORDER BY t.time LIMIT 1), '') \
    AS note, signed_at FROM log_checkpoints";

/// A checkpoint with its newest timestamp: the newest checkpoint as served, re-timestamped
/// daily while the log does not grow.
const CHECKPOINT_NOW: &str = "SELECT size, root, key_id, note || COALESCE((SELECT t.line \
    FROM log_timestamps t WHERE t.size = log_checkpoints.size ORDER BY t.time DESC LIMIT 1), '') \
    AS note, signed_at FROM log_checkpoints";

/// A timestamp line for a checkpoint (migration 0031).
#[derive(Debug, Clone, FromRow)]
pub struct TimestampRow {
    pub size: i64,
    pub day: String,
    pub time: i64,
    pub line: String,
}

/// Whether the checkpoint of `size` has a timestamp made on `day` (UTC).
pub async fn stamped_on(db: &Db, size: u64, day: &str) -> StoreResult<bool> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "SELECT COUNT(*) FROM log_timestamps WHERE size = $1 AND day = $2",
    )
    .bind(size as i64)
    .bind(day.to_string())
    .fetch_one(&db.pool)
    .await?
        > 0)
}

/// Keep a timestamp line (one per size and day: a second of the same day is dropped).
pub async fn insert_timestamp(db: &Db, stamp: &TimestampRow) -> StoreResult<()> {
    let mut conn = db.pool.acquire().await?;
    insert_timestamp_in(&mut conn, stamp).await
}

async fn insert_timestamp_in(
    conn: &mut sqlx::AnyConnection,
    stamp: &TimestampRow,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO log_timestamps (size, day, time, line) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (size, day) DO NOTHING",
    )
    .bind(stamp.size)
    .bind(stamp.day.clone())
    .bind(stamp.time)
    .bind(stamp.line.clone())
    .execute(conn)
    .await?;
    Ok(())
}

/// The newest timestamp's time (POSIX seconds).
pub async fn newest_timestamp(db: &Db) -> StoreResult<Option<i64>> {
    Ok(
        sqlx::query_scalar::<Any, Option<i64>>("SELECT MAX(time) FROM log_timestamps")
            .fetch_one(&db.pool)
            .await?,
    )
}

/// Every timestamp, oldest first.
pub async fn timestamps(db: &Db) -> StoreResult<Vec<TimestampRow>> {
    Ok(sqlx::query_as::<Any, TimestampRow>(
        "SELECT size, day, time, line FROM log_timestamps ORDER BY time, size",
    )
    .fetch_all(&db.pool)
    .await?)
}

/// The newest checkpoint, with its newest timestamp.
pub async fn latest_checkpoint(db: &Db) -> StoreResult<Option<CheckpointRow>> {
    Ok(sqlx::query_as::<Any, CheckpointRow>(&format!(
        "{CHECKPOINT_NOW} ORDER BY size DESC LIMIT 1"
    ))
    .fetch_optional(&db.pool)
    .await?)
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
/// is the same note and kept once), its first timestamp and the key that signed it, in one
/// transaction (a checkpoint is never read without its timestamp).
pub async fn insert_checkpoint(
    db: &Db,
    size: u64,
    root: &Hash,
    key_id: &str,
    verifier: &str,
    note: &str,
    stamp: &TimestampRow,
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
    insert_timestamp_in(&mut tx, stamp).await?;
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
