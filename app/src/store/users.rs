//! User accounts.

use sqlx::{Any, FromRow};

use super::{now_utc, Db, StoreError, StoreResult};
use crate::domain::{account::Role, Email};

/// A stored account. Holds the password hash: never sent to a browser, never logged.
#[derive(FromRow)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub password_hash: String,
    pub disabled: i64,
}

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
    Ok(sqlx::query_as::<Any, UserRow>(
        "SELECT id, email, role, password_hash, disabled FROM users WHERE email = $1",
    )
    .bind(email.as_str().to_string())
    .fetch_optional(&db.pool)
    .await?)
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
    Ok(sqlx::query_as::<Any, UserRow>(
        "SELECT id, email, role, password_hash, disabled FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?)
}

/// Store a new hash for the same password (parameters changed); not a user-visible change.
pub async fn rehash_password(db: &Db, id: i64, password_hash: &str) -> StoreResult<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash.to_string())
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
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
