//! Server halves of the account functions: role checks, the account forms, and the writes
//! with their audit rows (through `crate::write`).

use super::{NewUserForm, PasswordForm, UserForm, UserLine};
use crate::{
    domain::{account::Role, Email},
    error::AppError,
    passwords,
    request::{db, internal},
    session::{self, admin, any_role, require},
    store::{audit, sessions, users},
    write::{write, Written},
};

pub async fn load_users() -> Result<Vec<UserLine>, AppError> {
    let me = require(admin).await?;
    let rows = users::list_users(&db()?).await?;
    rows.into_iter()
        .map(|r| {
            Ok(UserLine {
                is_me: r.id == me.user_id,
                role: Role::parse(&r.role).map_err(internal)?,
                id: r.id,
                version: r.version,
                email: r.email,
                disabled: r.disabled != 0,
                created_at: r.created_at,
            })
        })
        .collect()
}

pub async fn add_user(u: NewUserForm) -> Result<(), AppError> {
    let me = require(admin).await?;
    let (email, role) = u.parse()?;
    let hash = passwords::hash_password(u.password)
        .await
        .map_err(internal)?;
    create_account(&db()?, &me.email, &email, role, &hash).await
}

/// Create an account with its audit row.
async fn create_account(
    db: &crate::store::Db,
    actor: &str,
    email: &Email,
    role: Role,
    hash: &str,
) -> Result<(), AppError> {
    write(db, actor, async |tx| {
        match users::insert_user(tx, email, role, hash).await {
            Ok(_) => Ok(Written::done((), users::created_entry(email, role))),
            Err(users::CreateUserError::EmailTaken) => Err(AppError::invalid(
                "email",
                "An account with this email already exists.",
            )),
            Err(users::CreateUserError::Store(e)) => Err(e.into()),
        }
    })
    .await
}

pub async fn update_user(u: UserForm) -> Result<(), AppError> {
    let me = require(admin).await?;
    let db = db()?;
    // read and hash before taking the write lock; the version check keeps it consistent
    let before = {
        let mut conn = db.pool.acquire().await?;
        users::get_user(&mut conn, u.id)
            .await?
            .ok_or(AppError::NotFound)?
    };
    let email = Email::parse(&before.email).map_err(internal)?;
    let change = u.parse(&email, before.id == me.user_id)?;
    let hash = match change.password.clone() {
        Some(p) => Some(passwords::hash_password(p).await.map_err(internal)?),
        None => None,
    };
    write(&db, &me.email, async |tx| {
        let updated = users::update_user(
            tx,
            u.id,
            u.version,
            change.role,
            change.disabled,
            hash.as_deref(),
        )
        .await?;
        if !updated {
            let current = users::get_user(tx, u.id)
                .await?
                .map(|r| {
                    vec![
                        ("Role".to_string(), r.role),
                        ("Disabled".to_string(), (r.disabled != 0).to_string()),
                    ]
                })
                .unwrap_or_default();
            return Ok(Written::Stale {
                entity_id: before.email.clone(),
                current,
                version: None,
            });
        }
        if change.disabled || hash.is_some() {
            // the admin's own session survives a reset of their own password
            let keep = (u.id == me.user_id).then_some(me.token_hash.as_str());
            sessions::delete_user_sessions(tx, u.id, keep).await?;
        }
        let entry = audit::Entry {
            action: if hash.is_some() {
                "reset password of"
            } else {
                "update"
            },
            entity: "user",
            entity_id: before.email.clone(),
            before: Some(
                serde_json::json!({ "role": before.role, "disabled": before.disabled != 0 }),
            ),
            after: Some(serde_json::json!({
                "role": change.role.code(),
                "disabled": change.disabled,
                "password_changed": hash.is_some(),
            })),
        };
        Ok(Written::done((), entry))
    })
    .await
}

pub async fn change_password(p: PasswordForm) -> Result<(), AppError> {
    let me = require(any_role).await?;
    let db = db()?;
    let user = users::find_by_id(&db, me.user_id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    // a stolen session must not guess the password freely
    let attempt = session::throttle(&user.email).await?;
    if !passwords::verify_password(p.current, user.password_hash).await {
        return Err(AppError::invalid(
            "current",
            "This is not your current password.",
        ));
    }
    sessions::forget_failure(&db, attempt).await?;
    let email = Email::parse(&user.email).map_err(internal)?;
    crate::domain::account::check_new_password(&p.new, &email)
        .map_err(|e| AppError::invalid("new", e.0))?;
    let hash = passwords::hash_password(p.new).await.map_err(internal)?;
    write(&db, &me.email, async |tx| {
        let row = users::get_user(tx, me.user_id)
            .await?
            .ok_or(AppError::Unauthorized)?;
        let role = Role::parse(&row.role).map_err(internal)?;
        let updated = users::update_user(
            tx,
            row.id,
            row.version,
            role,
            row.disabled != 0,
            Some(&hash),
        )
        .await?;
        if !updated {
            return Err(AppError::Request(
                "Your account changed while saving; please try again.".into(),
            ));
        }
        sessions::delete_user_sessions(tx, row.id, Some(&me.token_hash)).await?;
        let entry = audit::Entry {
            action: "change password of",
            entity: "user",
            entity_id: row.email.clone(),
            before: None,
            after: None,
        };
        Ok(Written::done((), entry))
    })
    .await
}
