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

/// Create an account; the e-mail must be new.
pub async fn create_user(
    db: &Db,
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
    .fetch_one(&db.pool)
    .await;
    match res {
        Ok(id) => Ok(id),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            Err(CreateUserError::EmailTaken)
        }
        Err(e) => Err(CreateUserError::Store(e.into())),
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
