//! Sign-in sessions and failed sign-in attempts.

use chrono::{DateTime, Utc};
use sqlx::{Any, FromRow};

use super::{now_utc, Db, StoreError, StoreResult};
use crate::domain::session::Failures;

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
    /// 1 when the account's two-step sign-in is on.
    pub two_step_on: i64,
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

/// Where a session was started from, as the person's session list shows it.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub user_agent: String,
    pub address: String,
}

/// Start a session for a user; returns the token for the cookie.
pub async fn create_session(db: &Db, user_id: i64, origin: &Origin) -> StoreResult<String> {
    let (token, hash) = new_token();
    let public_id = hex::encode(&new_token().1.as_bytes()[..8]);
    let now = now_utc();
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, public_id, \
         user_agent, address) VALUES ($1, $2, $3, $3, $4, $5, $6)",
    )
    .bind(hash)
    .bind(user_id)
    .bind(now)
    .bind(public_id)
    .bind(origin.user_agent.chars().take(300).collect::<String>())
    .bind(origin.address.clone())
    .execute(&db.pool)
    .await?;
    Ok(token)
}

/// One of a person's sessions, as their account page lists it (never the token).
#[derive(Debug, Clone, FromRow)]
pub struct SessionLine {
    pub public_id: String,
    pub token_hash: String,
    pub created_at: String,
    pub last_seen_at: String,
    pub user_agent: String,
    pub address: String,
}

/// A user's sessions, most recently used first.
pub async fn list_user_sessions(db: &Db, user_id: i64) -> StoreResult<Vec<SessionLine>> {
    Ok(sqlx::query_as::<Any, SessionLine>(
        "SELECT public_id, token_hash, created_at, last_seen_at, user_agent, address \
         FROM sessions WHERE user_id = $1 ORDER BY last_seen_at DESC",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?)
}

/// End one of a user's sessions by its public id; whether there was one.
pub async fn end_user_session(
    conn: &mut sqlx::AnyConnection,
    user_id: i64,
    public_id: &str,
) -> StoreResult<bool> {
    let res = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND public_id = $2")
        .bind(user_id)
        .bind(public_id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(res.rows_affected() > 0)
}

/// A sign-in that passed its password and owes its second step (or the setting up of one).
#[derive(Debug, Clone, FromRow)]
pub struct ChallengeRow {
    pub token_hash: String,
    pub user_id: i64,
    pub created_at: String,
    pub attempts: i64,
    pub next_path: String,
}

/// Start a challenge; returns the token for its cookie.
pub async fn create_challenge(db: &Db, user_id: i64, next_path: &str) -> StoreResult<String> {
    let (token, hash) = new_token();
    sqlx::query(
        "INSERT INTO sign_in_challenges (token_hash, user_id, created_at, next_path) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(hash)
    .bind(user_id)
    .bind(now_utc())
    .bind(next_path.to_string())
    .execute(&db.pool)
    .await?;
    Ok(token)
}

pub async fn find_challenge(db: &Db, token: &str) -> StoreResult<Option<ChallengeRow>> {
    Ok(sqlx::query_as::<Any, ChallengeRow>(
        "SELECT token_hash, user_id, created_at, attempts, next_path FROM sign_in_challenges \
         WHERE token_hash = $1",
    )
    .bind(token_hash(token))
    .fetch_optional(&db.pool)
    .await?)
}

/// Count one more code tried against a challenge; returns the count.
pub async fn bump_challenge(db: &Db, token_hash: &str) -> StoreResult<i64> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "UPDATE sign_in_challenges SET attempts = attempts + 1 WHERE token_hash = $1 \
         RETURNING attempts",
    )
    .bind(token_hash.to_string())
    .fetch_optional(&db.pool)
    .await?
    .unwrap_or(i64::MAX))
}

pub async fn delete_challenge(db: &Db, token_hash: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM sign_in_challenges WHERE token_hash = $1 OR created_at < $2")
        .bind(token_hash.to_string())
        .bind(stamp(Utc::now() - chrono::Duration::days(1)))
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn find_session(db: &Db, token: &str) -> StoreResult<Option<SessionRow>> {
    Ok(sqlx::query_as::<Any, SessionRow>(
        "SELECT s.token_hash, s.user_id, u.email, u.role, u.disabled, s.created_at, s.last_seen_at, \
         CAST(CASE WHEN u.totp_confirmed_at IS NULL THEN 0 ELSE 1 END AS BIGINT) AS two_step_on \
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

/// The failure counters under `keys` at `now`, each read and then written back as `decide`
/// says, in one write transaction (on PostgreSQL the rows are locked, on SQLite the write
/// lock is taken first), so a count and the attempt it allows are one step however many
/// attempts arrive at once. `decide` gets the counters that exist and answers the new ones,
/// or `Err(minutes)` to write nothing. Counters idle for a day are pruned on the way.
///
/// A flood of guesses costs reads, not writes: the counters are read first without a
/// transaction, and an attempt they already refuse is answered from that read. On SQLite the
/// writes then queue in this process in arrival order (`Db::sign_in_writes`) rather than in
/// SQLite's busy handler, which retries by sleeping, lets late arrivals win, and under fifty
/// guesses at once on a slow disk left the earliest waiting past its busy timeout (a 500).
pub async fn update_failures(
    db: &Db,
    keys: &[String],
    now: DateTime<Utc>,
    decide: impl Fn(&[Option<Failures>]) -> Result<Vec<Failures>, u32>,
) -> StoreResult<Result<(), u32>> {
    let mut conn = db.pool.acquire().await?;
    let seen = read_failures(&mut conn, keys, "").await?;
    drop(conn);
    if let Err(minutes) = decide(&seen) {
        return Ok(Err(minutes));
    }
    let _queued = match db.backend {
        super::Backend::Sqlite => Some(db.sign_in_writes.lock().await),
        super::Backend::Postgres => None,
    };
    let mut tx = super::begin_write(db).await?;
    for key in keys {
        sqlx::query(
            "INSERT INTO login_throttle (key, failures, last_at) VALUES ($1, 0, $2) \
             ON CONFLICT (key) DO NOTHING",
        )
        .bind(key.clone())
        .bind(stamp(DateTime::<Utc>::UNIX_EPOCH))
        .execute(&mut *tx)
        .await?;
    }
    let lock = if db.backend == super::Backend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    let current = read_failures(&mut tx, keys, lock).await?;
    let new = match decide(&current) {
        Ok(new) => new,
        Err(minutes) => {
            tx.rollback().await?;
            return Ok(Err(minutes));
        }
    };
    for (key, f) in keys.iter().zip(new) {
        sqlx::query("UPDATE login_throttle SET failures = $1, last_at = $2 WHERE key = $3")
            .bind(i64::from(f.count))
            .bind(stamp(f.last_at))
            .bind(key.clone())
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM login_throttle WHERE last_at < $1")
        .bind(stamp(now - chrono::Duration::days(1)))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// The counters under `keys` that have failures, in `keys`' order; read in the keys' sorted
/// order, so two attempts locking rows (`lock` = `FOR UPDATE`) never wait on each other
/// crosswise.
async fn read_failures(
    conn: &mut sqlx::AnyConnection,
    keys: &[String],
    lock: &str,
) -> StoreResult<Vec<Option<Failures>>> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|a, b| keys[*a].cmp(&keys[*b]));
    let mut by_index = vec![None; keys.len()];
    for i in order {
        let row = sqlx::query_as::<Any, (i64, String)>(&format!(
            "SELECT failures, last_at FROM login_throttle WHERE key = $1{lock}"
        ))
        .bind(keys[i].clone())
        .fetch_optional(&mut *conn)
        .await?;
        if let Some((count, last_at)) = row {
            by_index[i] = Some(Failures {
                count: u32::try_from(count).unwrap_or(0),
                last_at: timestamp(&last_at)?,
            });
        }
    }
    Ok(by_index
        .into_iter()
        .map(|f| f.filter(|f: &Failures| f.count > 0))
        .collect())
}

/// An attempt reserved under `keys` succeeded after all: it no longer counts.
pub async fn forget_attempt(db: &Db, keys: &[String]) -> StoreResult<()> {
    for key in keys {
        sqlx::query(
            "UPDATE login_throttle SET failures = CASE WHEN failures > 0 THEN failures - 1 \
             ELSE 0 END WHERE key = $1",
        )
        .bind(key.clone())
        .execute(&db.pool)
        .await?;
    }
    Ok(())
}

/// Forget every failure under `key` (a successful sign-in clears its own account's count).
pub async fn clear_failures(db: &Db, key: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(key.to_string())
        .execute(&db.pool)
        .await?;
    Ok(())
}
