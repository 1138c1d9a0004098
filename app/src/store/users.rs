//! User accounts.

use sqlx::{Any, FromRow};

use super::{
    now_utc,
    secrets::{Column, Keyring},
    Db, StoreError, StoreResult,
};
use crate::domain::{account::Role, Email};

/// A stored account. Holds the password hash and the TOTP secret (opened: the store seals it
/// at rest): never sent to a browser, never logged, and so no `Debug` or `Serialize`.
#[derive(FromRow)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub password_hash: String,
    pub disabled: i64,
    /// Base32 TOTP secret: set while two-step sign-in is being set up, and once it is on.
    pub totp_secret: Option<String>,
    /// When the secret was confirmed with a first code: two-step sign-in is on.
    pub totp_confirmed_at: Option<String>,
    /// The time step of the last code accepted.
    pub totp_last_step: Option<i64>,
}

impl UserRow {
    /// The TOTP secret, if two-step sign-in is on.
    pub fn active_totp(&self) -> Option<&str> {
        self.totp_confirmed_at
            .as_ref()
            .and(self.totp_secret.as_deref())
    }

    /// The TOTP secret being set up (not yet confirmed).
    pub fn pending_totp(&self) -> Option<&str> {
        match self.totp_confirmed_at {
            None => self.totp_secret.as_deref(),
            Some(_) => None,
        }
    }
}

const USER_COLUMNS: &str =
    "id, email, role, password_hash, disabled, totp_secret, totp_confirmed_at, totp_last_step";

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("an account with this e-mail already exists")]
    EmailTaken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The audit entry of a new account (the admin screen and the command line write the same).
pub fn created_entry(email: &Email, role: Role) -> super::audit::Entry {
    super::audit::Entry {
        action: "create",
        entity: "user",
        entity_id: email.as_str().to_string(),
        before: None,
        after: Some(
            serde_json::json!({ "email": email.as_str(), "role": role.code(), "disabled": false }),
        ),
    }
}

pub async fn find_by_email(db: &Db, email: &Email) -> StoreResult<Option<UserRow>> {
    let row = sqlx::query_as::<Any, UserRow>(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE email = $1"
    ))
    .bind(email.as_str().to_string())
    .fetch_optional(&db.pool)
    .await?;
    row.map(|r| opened(db, r)).transpose()
}

/// The row with its TOTP secret opened (it is stored sealed when a key is set).
fn opened(db: &Db, mut row: UserRow) -> StoreResult<UserRow> {
    if let Some(stored) = &row.totp_secret {
        row.totp_secret = Some(db.secrets.open(Column::TotpSecret, stored)?);
    }
    Ok(row)
}

/// Which accounts have two-step sign-in on: `(id, on)`, for the admins' list.
pub async fn two_step_on(db: &Db) -> StoreResult<Vec<(i64, bool)>> {
    let rows = sqlx::query_as::<Any, (i64, i64)>(
        "SELECT id, CASE WHEN totp_confirmed_at IS NULL THEN 0 ELSE 1 END FROM users",
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(|(id, on)| (id, on == 1)).collect())
}

/// An account as listed to admins: no password hash.
#[derive(Debug, Clone, FromRow)]
pub struct UserSummaryRow {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub disabled: i64,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

pub async fn list_users(db: &Db) -> StoreResult<Vec<UserSummaryRow>> {
    Ok(sqlx::query_as::<Any, UserSummaryRow>(
        "SELECT id, email, role, disabled, version, created_at, updated_at FROM users ORDER BY email",
    )
    .fetch_all(&db.pool)
    .await?)
}

pub async fn get_user(
    conn: &mut sqlx::AnyConnection,
    id: i64,
) -> StoreResult<Option<UserSummaryRow>> {
    Ok(sqlx::query_as::<Any, UserSummaryRow>(
        "SELECT id, email, role, disabled, version, created_at, updated_at FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

pub async fn find_by_id(db: &Db, id: i64) -> StoreResult<Option<UserRow>> {
    let row =
        sqlx::query_as::<Any, UserRow>(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
    row.map(|r| opened(db, r)).transpose()
}

/// Store a new hash for the same password (parameters changed); not a user-visible change.
/// Only if the stored hash is still `old`: a password reset by an admin meanwhile stays.
/// Returns whether it was stored.
pub async fn rehash_password(db: &Db, id: i64, old: &str, new: &str) -> StoreResult<bool> {
    let res =
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3")
            .bind(new.to_string())
            .bind(id)
            .bind(old.to_string())
            .execute(&db.pool)
            .await?;
    Ok(res.rows_affected() == 1)
}

/// How many enabled admins other than `except` exist (read in the caller's transaction,
/// locking them on PostgreSQL, so two admins cannot demote each other at once). Every enabled
/// admin is locked, `except` too, in id order: two admins demoting each other then queue on
/// the same rows in the same order (locking only the others deadlocked them, one answered
/// 500), and the second, once the first commits, no longer counts the one demoted.
pub async fn other_active_admins(
    conn: &mut sqlx::AnyConnection,
    backend: super::Backend,
    except: i64,
) -> StoreResult<usize> {
    let lock = if backend == super::Backend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    let ids = sqlx::query_scalar::<Any, i64>(&format!(
        "SELECT id FROM users WHERE role = 'admin' AND disabled = 0 ORDER BY id{lock}"
    ))
    .fetch_all(&mut *conn)
    .await?;
    Ok(ids.iter().filter(|id| **id != except).count())
}

/// Set (or clear) the TOTP secret being set up, sealed with `keys`; two-step sign-in is off
/// until confirmed.
pub async fn set_totp_secret(
    conn: &mut sqlx::AnyConnection,
    keys: &Keyring,
    id: i64,
    secret: Option<&str>,
) -> StoreResult<()> {
    let stored = secret
        .map(|s| keys.seal(Column::TotpSecret, s))
        .transpose()?;
    sqlx::query("UPDATE users SET totp_secret = $1, totp_confirmed_at = NULL WHERE id = $2")
        .bind(stored)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Recovery codes shown while two-step sign-in is being set up (their hashes), replacing any
/// shown before; they count once the setup is confirmed.
pub async fn set_pending_recovery_codes(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    hashes: &[String],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1 AND active = 0")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for h in hashes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash, active) VALUES ($1, $2, 0)")
            .bind(id)
            .bind(h.clone())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Two-step sign-in is on from now: the secret being set up is confirmed at time step
/// `step`, and the recovery codes shown with it replace the old ones.
pub async fn confirm_totp(conn: &mut sqlx::AnyConnection, id: i64, step: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE users SET totp_confirmed_at = $1, totp_last_step = $2 \
         WHERE id = $3 AND totp_secret IS NOT NULL",
    )
    .bind(now_utc())
    .bind(step)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1 AND active = 1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE recovery_codes SET active = 1 WHERE user_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Turn two-step sign-in off: the secret and every recovery code go.
pub async fn clear_totp(conn: &mut sqlx::AnyConnection, id: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE users SET totp_secret = NULL, totp_confirmed_at = NULL, totp_last_step = NULL \
         WHERE id = $1",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Record that a code of time step `step` was accepted, if no later one was (codes are good
/// once); whether it was recorded.
pub async fn use_totp_step(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    step: i64,
) -> StoreResult<bool> {
    let res = sqlx::query(
        "UPDATE users SET totp_last_step = $1 WHERE id = $2 \
         AND (totp_last_step IS NULL OR totp_last_step < $1)",
    )
    .bind(step)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// Use up one unused recovery code of the account by its hash; whether there was one.
pub async fn use_recovery_code(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    hash: &str,
) -> StoreResult<bool> {
    let res = sqlx::query(
        "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 \
         AND active = 1 AND used_at IS NULL",
    )
    .bind(now_utc())
    .bind(id)
    .bind(hash.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(res.rows_affected() > 0)
}

/// How many unused recovery codes the account has left.
pub async fn recovery_codes_left(db: &Db, id: i64) -> StoreResult<i64> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND active = 1 \
         AND used_at IS NULL",
    )
    .bind(id)
    .fetch_one(&db.pool)
    .await?)
}

/// Change role, disabled flag or password hash if the row is still at `version`; returns
/// whether it was.
pub async fn update_user(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    version: i64,
    role: Role,
    disabled: bool,
    password_hash: Option<&str>,
) -> StoreResult<bool> {
    let res = sqlx::query(
        "UPDATE users SET role = $1, disabled = $2, password_hash = COALESCE($3, password_hash), \
         version = version + 1, updated_at = $4 WHERE id = $5 AND version = $6",
    )
    .bind(role.code())
    .bind(i64::from(disabled))
    .bind(password_hash.map(str::to_string))
    .bind(now_utc())
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// Create an account in the caller's transaction (audited beside it); the e-mail must be new.
pub async fn insert_user(
    conn: &mut sqlx::AnyConnection,
    email: &Email,
    role: Role,
    password_hash: &str,
) -> Result<i64, CreateUserError> {
    let now = now_utc();
    let res = sqlx::query_scalar::<Any, i64>(
        "INSERT INTO users (email, role, password_hash, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4) RETURNING id",
    )
    .bind(email.as_str().to_string())
    .bind(role.code())
    .bind(password_hash.to_string())
    .bind(now)
    .fetch_one(&mut *conn)
    .await;
    match res {
        Ok(id) => Ok(id),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            Err(CreateUserError::EmailTaken)
        }
        Err(e) => Err(CreateUserError::Store(e.into())),
    }
}

/// Managers and admins who take the daily digest: `(id, email)`.
pub async fn reminder_recipients(db: &Db) -> StoreResult<Vec<(i64, String)>> {
    Ok(sqlx::query_as::<Any, (i64, String)>(
        "SELECT id, email FROM users WHERE disabled = 0 AND reminders = 1 \
         AND role IN ('admin', 'manager') ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await?)
}

/// Whether an account takes the daily digest.
pub async fn reminders(db: &Db, id: i64) -> StoreResult<bool> {
    Ok(
        sqlx::query_scalar::<Any, i64>("SELECT reminders FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&db.pool)
            .await?
            == Some(1),
    )
}

/// Turn an account's daily digest on or off (in the caller's transaction); returns what it
/// was.
pub async fn set_reminders(conn: &mut sqlx::AnyConnection, id: i64, on: bool) -> StoreResult<bool> {
    let before = sqlx::query_scalar::<Any, i64>("SELECT reminders FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query("UPDATE users SET reminders = $1 WHERE id = $2")
        .bind(i64::from(on))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(before == 1)
}
