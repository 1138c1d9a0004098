//! The import lock (migration 0019): one row that the running import holds, so that at most
//! one import runs at a time per database, across instances and the command line. A lease:
//! the holder renews it while it runs; a holder that died lets it expire and the next import
//! takes it over.

use sqlx::{Any, FromRow};

use super::{Db, StoreResult};

/// Who holds the lock, for the refusal of a second import.
#[derive(Debug, Clone, FromRow)]
pub struct LockHolder {
    pub actor: String,
    pub file_name: String,
    pub taken_at: String,
    pub expires_at: String,
}

/// The lock as stored, if a run holds it now (`now` an RFC 3339 UTC time). A plain read: on
/// SQLite it answers at once even while an apply holds the write lock.
pub async fn holder(db: &Db, now: &str) -> StoreResult<Option<LockHolder>> {
    Ok(sqlx::query_as::<Any, LockHolder>(
        "SELECT actor, file_name, taken_at, expires_at FROM import_lock \
         WHERE id = 1 AND expires_at >= $1",
    )
    .bind(now.to_string())
    .fetch_optional(&db.pool)
    .await?)
}

/// Take the lock as `holder` until `expires_at`, unless a run holds it now: one statement,
/// so two imports started at once cannot both take it. Returns whether it was taken.
pub async fn take(
    db: &Db,
    holder: &str,
    (actor, file_name): (&str, &str),
    now: &str,
    expires_at: &str,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO import_lock (id, holder, actor, file_name, taken_at, expires_at) \
         VALUES (1, $1, $2, $3, $4, $5) \
         ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, actor = excluded.actor, \
         file_name = excluded.file_name, taken_at = excluded.taken_at, \
         expires_at = excluded.expires_at \
         WHERE import_lock.expires_at < excluded.taken_at",
    )
    .bind(holder.to_string())
    .bind(actor.to_string())
    .bind(file_name.to_string())
    .bind(now.to_string())
    .bind(expires_at.to_string())
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Move the lease of `holder` on to `expires_at`. Returns false when `holder` no longer holds
/// the lock (it expired and another run took it).
pub async fn renew(db: &Db, holder: &str, expires_at: &str) -> StoreResult<bool> {
    let done = sqlx::query("UPDATE import_lock SET expires_at = $1 WHERE id = 1 AND holder = $2")
        .bind(expires_at.to_string())
        .bind(holder.to_string())
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Give the lock back (nothing when `holder` no longer holds it).
pub async fn release(db: &Db, holder: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM import_lock WHERE id = 1 AND holder = $1")
        .bind(holder.to_string())
        .execute(&db.pool)
        .await?;
    Ok(())
}
