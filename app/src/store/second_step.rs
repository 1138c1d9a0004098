//! The second sign-in step's failure count per account (`second_step_failures`) and the
//! one-time links that start an account's first two-step set-up (`set_up_links`).

use chrono::{DateTime, Utc};
use sqlx::{Any, AnyConnection};

use super::{outbox::stamp, sessions::timestamp, Backend, Db, StoreResult};
use crate::domain::second_step::SecondStepFailures;

type CountRow = (i64, String, i64, Option<String>);

fn from_row(
    (failures, window_start, locks, locked_until): CountRow,
) -> StoreResult<SecondStepFailures> {
    Ok(SecondStepFailures {
        failures: u32::try_from(failures).unwrap_or(0),
        window_start: timestamp(&window_start)?,
        locks: u32::try_from(locks).unwrap_or(0),
        locked_until: locked_until.as_deref().map(timestamp).transpose()?,
    })
}

/// The account's count, locked for the caller's write transaction (the row is made first, so
/// PostgreSQL has a row to lock; SQLite's write lock is taken already): a check of a code and
/// the count it is checked against are one step, however many codes arrive at once.
pub async fn lock_count(
    conn: &mut AnyConnection,
    backend: Backend,
    user_id: i64,
) -> StoreResult<Option<SecondStepFailures>> {
    sqlx::query(
        "INSERT INTO second_step_failures (user_id, failures, window_start, locks) \
         VALUES ($1, 0, $2, 0) ON CONFLICT (user_id) DO NOTHING",
    )
    .bind(user_id)
    .bind(stamp(DateTime::<Utc>::UNIX_EPOCH))
    .execute(&mut *conn)
    .await?;
    let lock = if backend == Backend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    let row = sqlx::query_as::<Any, CountRow>(&format!(
        "SELECT failures, window_start, locks, locked_until FROM second_step_failures \
         WHERE user_id = $1{lock}"
    ))
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(from_row).transpose()
}

/// Store the account's count.
pub async fn save_count(
    conn: &mut AnyConnection,
    user_id: i64,
    c: &SecondStepFailures,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE second_step_failures SET failures = $1, window_start = $2, locks = $3, \
         locked_until = $4 WHERE user_id = $5",
    )
    .bind(i64::from(c.failures))
    .bind(stamp(c.window_start))
    .bind(i64::from(c.locks))
    .bind(c.locked_until.map(stamp))
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Forget the account's count and lock (an admin cleared it); whether it was locked at `now`.
pub async fn clear_count(
    conn: &mut AnyConnection,
    user_id: i64,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let until = sqlx::query_scalar::<Any, Option<String>>(
        "SELECT locked_until FROM second_step_failures WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?
    .flatten();
    sqlx::query("DELETE FROM second_step_failures WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(until.is_some_and(|u| u > stamp(now)))
}

/// Accounts whose second step is locked at `now`: `(user id, locked until)`.
pub async fn locked_accounts(db: &Db, now: DateTime<Utc>) -> StoreResult<Vec<(i64, String)>> {
    Ok(sqlx::query_as::<Any, (i64, String)>(
        "SELECT user_id, locked_until FROM second_step_failures \
         WHERE locked_until IS NOT NULL AND locked_until > $1 ORDER BY user_id",
    )
    .bind(stamp(now))
    .fetch_all(&db.pool)
    .await?)
}

/// A new set-up link for the account, valid until `expires_at`; any unused earlier one is
/// void (only the newest link an admin handed out works). Returns the token for the link;
/// only its hash is kept.
pub async fn issue_link(
    conn: &mut AnyConnection,
    user_id: i64,
    created_by: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> StoreResult<String> {
    sqlx::query("DELETE FROM set_up_links WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    // used and expired links go too: a used link is recorded in the audit trail
    sqlx::query("DELETE FROM set_up_links WHERE expires_at < $1")
        .bind(stamp(now))
        .execute(&mut *conn)
        .await?;
    let (token, hash) = super::sessions::new_token();
    sqlx::query(
        "INSERT INTO set_up_links (token_hash, user_id, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(hash)
    .bind(user_id)
    .bind(created_by.to_string())
    .bind(stamp(now))
    .bind(stamp(expires_at))
    .execute(&mut *conn)
    .await?;
    Ok(token)
}

/// The account a set-up link is for, if the link is unused and unexpired at `now`.
pub async fn find_link(db: &Db, token: &str, now: DateTime<Utc>) -> StoreResult<Option<i64>> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "SELECT user_id FROM set_up_links WHERE token_hash = $1 AND used_at IS NULL \
         AND expires_at > $2",
    )
    .bind(super::sessions::token_hash(token))
    .bind(stamp(now))
    .fetch_optional(&db.pool)
    .await?)
}

/// Use a set-up link up (once: a second use, or an expired link, finds nothing); whether it
/// was unused and unexpired for `user_id`.
pub async fn use_link(
    conn: &mut AnyConnection,
    token: &str,
    user_id: i64,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let res = sqlx::query(
        "UPDATE set_up_links SET used_at = $1 WHERE token_hash = $2 AND user_id = $3 \
         AND used_at IS NULL AND expires_at > $1",
    )
    .bind(stamp(now))
    .bind(super::sessions::token_hash(token))
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    Ok(res.rows_affected() == 1)
}
