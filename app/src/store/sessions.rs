//! Sign-in sessions and failed sign-in attempts.

use chrono::{DateTime, Utc};
use sqlx::{Any, FromRow};

use super::{now_utc, Db, StoreError, StoreResult};

/// A new random session token (for the cookie) and the hash under which it is stored.
pub fn new_token() -> (String, String) {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

/// What the database stores for a cookie's token.
pub fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A stored session joined with its user.
#[derive(Debug, Clone, FromRow)]
pub struct SessionRow {
    pub token_hash: String,
    pub user_id: i64,
    pub email: String,
    pub role: String,
    pub disabled: i64,
    pub created_at: String,
    pub last_seen_at: String,
}

impl SessionRow {
    pub fn created(&self) -> StoreResult<DateTime<Utc>> {
        timestamp(&self.created_at)
    }
    pub fn last_seen(&self) -> StoreResult<DateTime<Utc>> {
        timestamp(&self.last_seen_at)
    }
}

pub fn timestamp(s: &str) -> StoreResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("bad timestamp {s:?}: {e}")))
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Start a session for a user; returns the token for the cookie.
pub async fn create_session(db: &Db, user_id: i64) -> StoreResult<String> {
    let (token, hash) = new_token();
    let now = now_utc();
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)",
    )
    .bind(hash)
    .bind(user_id)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(token)
}

pub async fn find_session(db: &Db, token: &str) -> StoreResult<Option<SessionRow>> {
    Ok(sqlx::query_as::<Any, SessionRow>(
        "SELECT s.token_hash, s.user_id, u.email, u.role, u.disabled, s.created_at, s.last_seen_at \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
    )
    .bind(token_hash(token))
    .fetch_optional(&db.pool)
    .await?)
}

pub async fn touch_session(db: &Db, token_hash: &str) -> StoreResult<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
        .bind(now_utc())
        .bind(token_hash.to_string())
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn delete_session(db: &Db, token_hash: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash.to_string())
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// End every session of a user except `keep` (the caller's own, when they change their password).
pub async fn delete_user_sessions(
    conn: &mut sqlx::AnyConnection,
    user_id: i64,
    keep: Option<&str>,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(keep.unwrap_or("").to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Count an attempt as failed until [`forget_failure`] says otherwise: recorded before the
/// (slow) password check, so parallel guesses cannot all slip under the limit.
pub async fn record_failure(db: &Db, email: &str, address: &str) -> StoreResult<i64> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "INSERT INTO login_failures (email, address, attempted_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(email.to_string())
    .bind(address.to_string())
    .bind(now_utc())
    .fetch_one(&db.pool)
    .await?)
}

/// The attempt succeeded after all.
pub async fn forget_failure(db: &Db, id: i64) -> StoreResult<()> {
    sqlx::query("DELETE FROM login_failures WHERE id = $1")
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Failures since `since` for the e-mail and for the address. Old rows are pruned on the way.
pub async fn recent_failures(
    db: &Db,
    email: &str,
    address: &str,
    since: DateTime<Utc>,
) -> StoreResult<(Vec<DateTime<Utc>>, Vec<DateTime<Utc>>)> {
    let since = stamp(since);
    // anything older than a day can never count again
    sqlx::query("DELETE FROM login_failures WHERE attempted_at < $1")
        .bind(stamp(Utc::now() - chrono::Duration::days(1)))
        .execute(&db.pool)
        .await?;
    let read = |column: &'static str, value: String| {
        let since = since.clone();
        async move {
            let sql = format!(
                "SELECT attempted_at FROM login_failures WHERE {column} = $1 AND attempted_at >= $2"
            );
            let rows = sqlx::query_scalar::<Any, String>(&sql)
                .bind(value)
                .bind(since)
                .fetch_all(&db.pool)
                .await?;
            rows.iter()
                .map(|s| timestamp(s))
                .collect::<StoreResult<Vec<_>>>()
        }
    };
    let by_email = read("email", email.to_string()).await?;
    let by_address = read("address", address.to_string()).await?;
    Ok((by_email, by_address))
}

/// A successful sign-in clears the e-mail's failures.
pub async fn clear_failures(db: &Db, email: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM login_failures WHERE email = $1")
        .bind(email.to_string())
        .execute(&db.pool)
        .await?;
    Ok(())
}
