//! Server halves of the account functions: role checks, the account forms with the password
//! policy, and the writes with their audit rows (through `crate::write`).

use std::collections::HashMap;

use crate::model::accounts::{
    AccountOverview, EndSessionForm, NewUserForm, PasswordForm, SessionView, TwoStepOffForm,
    UserForm, UserLine,
};
use crate::{
    domain::{account::Role, Email},
    error::AppError,
    model::auth::TwoStepSetup,
    passwords::{self, check_new_password},
    request::{db, internal},
    session::{self, admin, any_role, editor, require, settings, Principal},
    store::{audit, begin_write, second_step, sessions, users, Db},
    write::{write, Written},
};

pub async fn load_users() -> Result<Vec<UserLine>, AppError> {
    let me = require(admin).await?;
    let db = db()?;
    let rows = users::list_users(&db).await?;
    let on: HashMap<i64, bool> = users::two_step_on(&db).await?.into_iter().collect();
    let locked: HashMap<i64, String> = second_step::locked_accounts(&db, chrono::Utc::now())
        .await?
        .into_iter()
        .map(|(id, until)| (id, until.replace('T', " ").chars().take(16).collect()))
        .collect();
    rows.into_iter()
        .map(|r| {
            Ok(UserLine {
                two_step_on: on.get(&r.id).copied().unwrap_or(false),
                second_step_locked_until: locked.get(&r.id).map(|t| format!("{t} UTC")),
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

fn hash_error(e: passwords::HashError) -> AppError {
    tracing::warn!("{e}");
    AppError::TooManyAttempts(1)
}

pub async fn add_user(u: NewUserForm) -> Result<Option<String>, AppError> {
    let me = require(admin).await?;
    let (email, role) = u.parse(check_new_password)?;
    let hash = passwords::hash_password(u.password)
        .await
        .map_err(hash_error)?;
    let needs_link = settings().require_mfa_for.contains(&role);
    write(&db()?, &me.email, async |tx| {
        match users::insert_user(tx, &email, role, &hash).await {
            Ok(id) => {
                let link = if needs_link {
                    let path =
                        session::issue_set_up_link(tx, &me.email, id, email.as_str()).await?;
                    Some(link_url(&path))
                } else {
                    None
                };
                Ok(Written::done(link, users::created_entry(&email, role)))
            }
            Err(users::CreateUserError::EmailTaken) => Err(AppError::invalid(
                "email",
                "An account with this email already exists.",
            )),
            Err(users::CreateUserError::Store(e)) => Err(e.into()),
        }
    })
    .await
}

/// A set-up link's full address, as the admin hands it on.
fn link_url(path: &str) -> String {
    format!("{}{path}", settings().public_url)
}

/// The stored account `id`, for an admin's action on it.
async fn account(db: &Db, id: i64) -> Result<users::UserSummaryRow, AppError> {
    let mut conn = db.pool.acquire().await?;
    users::get_user(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn issue_set_up_link(id: i64) -> Result<String, AppError> {
    let me = require(admin).await?;
    let db = db()?;
    let user = account(&db, id).await?;
    if users::find_by_id(&db, id)
        .await?
        .is_some_and(|u| u.active_totp().is_some())
    {
        return Err(AppError::Request(
            "This account has two-step sign-in set up already.".into(),
        ));
    }
    let mut tx = begin_write(&db).await?;
    let path = session::issue_set_up_link(&mut tx, &me.email, id, &user.email).await?;
    tx.commit().await?;
    Ok(link_url(&path))
}

pub async fn clear_second_step_lock(id: i64) -> Result<(), AppError> {
    let me = require(admin).await?;
    let db = db()?;
    let user = account(&db, id).await?;
    let mut tx = begin_write(&db).await?;
    session::clear_lock(&mut tx, &me.email, id, &user.email).await?;
    tx.commit().await?;
    Ok(())
}

/// The refusal of a change that would leave no enabled admin.
fn last_admin() -> AppError {
    AppError::invalid(
        "role",
        "This is the last active admin: make another account admin first.",
    )
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
    let change = u.parse(&email, before.id == me.user_id, check_new_password)?;
    let hash = match change.password.clone() {
        Some(p) => Some(passwords::hash_password(p).await.map_err(hash_error)?),
        None => None,
    };
    write(&db, &me.email, async |tx| {
        // an admin who stops being one (or an enabled one) must not be the last
        let loses_admin = before.role == Role::Admin.code()
            && before.disabled == 0
            && (change.role != Role::Admin || change.disabled);
        if loses_admin && users::other_active_admins(tx, db.backend, u.id).await? == 0 {
            return Err(last_admin());
        }
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

/// The signed-in person's password, checked (throttled like a sign-in: a stolen session
/// must not guess it freely). `field` names the form field a wrong one is refused under.
async fn check_own_password(
    db: &Db,
    me: &Principal,
    password: String,
    field: &str,
) -> Result<users::UserRow, AppError> {
    let user = users::find_by_id(db, me.user_id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let attempt = session::throttle(&user.email).await?;
    let ok = passwords::verify_password(password, user.password_hash.clone())
        .await
        .map_err(hash_error)?;
    if !ok {
        return Err(AppError::invalid(
            field,
            "This is not your current password.",
        ));
    }
    attempt.succeeded().await?;
    Ok(user)
}

pub async fn change_password(p: PasswordForm) -> Result<(), AppError> {
    let me = require(any_role).await?;
    let db = db()?;
    let user = check_own_password(&db, &me, p.current, "current").await?;
    let email = Email::parse(&user.email).map_err(internal)?;
    check_new_password(&p.new, &email).map_err(|e| AppError::invalid("new", e.0))?;
    let hash = passwords::hash_password(p.new).await.map_err(hash_error)?;
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

pub async fn load_account() -> Result<AccountOverview, AppError> {
    let me = require(any_role).await?;
    let db = db()?;
    let user = users::find_by_id(&db, me.user_id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let sessions = sessions::list_user_sessions(&db, me.user_id)
        .await?
        .into_iter()
        .map(|s| SessionView {
            current: s.token_hash == me.token_hash,
            id: s.public_id,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            user_agent: s.user_agent,
            address: s.address,
        })
        .collect();
    Ok(AccountOverview {
        two_step_on: user.active_totp().is_some(),
        two_step_required: settings().require_mfa_for.contains(&me.role),
        recovery_codes_left: users::recovery_codes_left(&db, me.user_id).await?,
        reminders: users::reminders(&db, me.user_id).await?,
        email: me.email,
        role: me.role,
        sessions,
    })
}

pub async fn set_reminders(on: bool) -> Result<(), AppError> {
    let me = require(editor).await?;
    write(&db()?, &me.email, async |tx| {
        let before = users::set_reminders(tx, me.user_id, on).await?;
        Ok(Written::done(
            (),
            audit::Entry {
                action: "update",
                entity: "user",
                entity_id: format!("user:{}", me.user_id),
                before: Some(serde_json::json!({ "reminders": before })),
                after: Some(serde_json::json!({ "reminders": on })),
            },
        ))
    })
    .await
}

pub async fn end_session(s: EndSessionForm) -> Result<(), AppError> {
    let me = require(any_role).await?;
    write(&db()?, &me.email, async |tx| {
        if !sessions::end_user_session(tx, me.user_id, s.id.trim()).await? {
            return Err(AppError::invalid("id", "That session has ended already."));
        }
        Ok(Written::done(
            (),
            session::two_step_entry(&me.email, "ended a session of"),
        ))
    })
    .await
}

/// The signed-in person's own stored account.
async fn me_row(db: &Db, me: &Principal) -> Result<users::UserRow, AppError> {
    users::find_by_id(db, me.user_id)
        .await?
        .ok_or(AppError::Unauthorized)
}

pub async fn load_two_step_setup() -> Result<TwoStepSetup, AppError> {
    let me = require(any_role).await?;
    let db = db()?;
    let user = me_row(&db, &me).await?;
    Ok(session::prepare_setup(&db, &user).await?.into())
}

pub async fn load_new_recovery_codes() -> Result<Vec<String>, AppError> {
    let me = require(any_role).await?;
    let db = db()?;
    let user = me_row(&db, &me).await?;
    if user.active_totp().is_none() {
        return Err(AppError::Request(
            "Two-step sign-in is off: set it up first.".into(),
        ));
    }
    session::prepare_new_codes(&db, &user).await
}

pub async fn confirm_two_step(code: &str) -> Result<(), AppError> {
    let me = require(any_role).await?;
    let db = db()?;
    let user = me_row(&db, &me).await?;
    session::confirm_secret(&db, &user, code).await?;
    leptos_axum::redirect("/manage/account");
    Ok(())
}

pub async fn turn_off_two_step(t: TwoStepOffForm) -> Result<(), AppError> {
    let me = require(any_role).await?;
    if settings().require_mfa_for.contains(&me.role) {
        return Err(AppError::invalid(
            "password",
            "Your role must sign in with two steps; it cannot be turned off.",
        ));
    }
    let db = db()?;
    check_own_password(&db, &me, t.password, "password").await?;
    write(&db, &me.email, async |tx| {
        users::clear_totp(tx, me.user_id).await?;
        Ok(Written::done(
            (),
            session::two_step_entry(&me.email, "turned off two-step sign-in of"),
        ))
    })
    .await
}
