//! Server-only halves of the account server functions (see `users`).

use crate::{
    api::users::{NewUserForm, PasswordForm, UserForm},
    domain::account::Role,
    error::AppError,
};

pub async fn add_user(u: NewUserForm) -> Result<(), AppError> {
    use crate::{
        api::{server, session},
        domain::{account::check_new_password, Email},
        error::Fields,
        passwords,
        store::{audit, records::begin_write, users},
    };
    let me = session::require(session::admin).await?;
    let mut f = Fields::default();
    let email = f.take("email", Email::parse(&u.email));
    let role = f.take("role", Role::parse(&u.role));
    if let Some(e) = &email {
        f.take("password", check_new_password(&u.password, e));
    }
    f.finish()?;
    let (Some(email), Some(role)) = (email, role) else {
        return Err(AppError::invalid("email", "Check the form."));
    };
    let hash = passwords::hash_password(u.password)
        .await
        .map_err(server::internal)?;
    let db = server::db()?;
    let mut tx = begin_write(&db).await?;
    match users::insert_user(&mut tx, &email, role, &hash).await {
        Ok(_) => {}
        Err(users::CreateUserError::EmailTaken) => {
            return Err(AppError::invalid(
                "email",
                "An account with this email already exists.",
            ))
        }
        Err(users::CreateUserError::Store(e)) => return Err(e.into()),
    }
    audit::record(&mut tx, audit::Change {
        actor: &me.email,
        action: "create",
        entity: "user",
        entity_id: email.as_str().to_string(),
        before: None,
        after: Some(serde_json::json!({ "email": email.as_str(), "role": role.code(), "disabled": false })),
    })
    .await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(())
}

pub async fn update_user(u: UserForm) -> Result<(), AppError> {
    use crate::{
        api::{server, session},
        domain::{account::check_new_password, Email},
        error::Fields,
        passwords,
        store::{audit, records::begin_write, sessions, users},
    };
    let me = session::require(session::admin).await?;
    let db = server::db()?;
    // read and hash before taking the write lock; the version check below keeps it consistent
    let mut conn = db.pool.acquire().await.map_err(server::internal)?;
    let before = users::get_user(&mut conn, u.id)
        .await?
        .ok_or_else(server::not_found)?;
    drop(conn);
    let mut f = Fields::default();
    let role = f.take("role", Role::parse(&u.role));
    let disabled = !u.disabled.is_empty();
    if before.id == me.user_id && (disabled || role != Some(Role::Admin)) {
        f.push(
            "role",
            "You cannot disable your own account or remove your own admin role.",
        );
    }
    let new_password = !u.password.is_empty();
    if new_password {
        let email = Email::parse(&before.email).map_err(server::internal)?;
        f.take("password", check_new_password(&u.password, &email));
    }
    f.finish()?;
    let role = role.ok_or_else(|| AppError::invalid("role", "Choose a role."))?;
    let hash = if new_password {
        Some(
            passwords::hash_password(u.password)
                .await
                .map_err(server::internal)?,
        )
    } else {
        None
    };
    let mut tx = begin_write(&db).await?;
    if !users::update_user(&mut tx, u.id, u.version, role, disabled, hash.as_deref()).await? {
        drop(tx);
        let mut conn = db.pool.acquire().await.map_err(server::internal)?;
        let current = users::get_user(&mut conn, u.id)
            .await?
            .map(|r| {
                vec![
                    ("Role".to_string(), r.role),
                    ("Disabled".to_string(), (r.disabled != 0).to_string()),
                ]
            })
            .unwrap_or_default();
        let (by, at) = audit::last_change(&db, &before.email)
            .await?
            .unwrap_or_else(|| ("another admin".into(), "an unknown time".into()));
        return Err(AppError::Conflict {
            by,
            at,
            current,
            version: None,
        });
    }
    if disabled || new_password {
        // the admin's own session survives a reset of their own password
        let keep = (u.id == me.user_id).then_some(me.token_hash.as_str());
        sessions::delete_user_sessions(&mut tx, u.id, keep).await?;
    }
    audit::record(&mut tx, audit::Change {
        actor: &me.email,
        action: if new_password { "reset password of" } else { "update" },
        entity: "user",
        entity_id: before.email.clone(),
        before: Some(serde_json::json!({ "role": before.role, "disabled": before.disabled != 0 })),
        after: Some(serde_json::json!({ "role": role.code(), "disabled": disabled, "password_changed": new_password })),
    })
    .await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(())
}

pub async fn change_password(p: PasswordForm) -> Result<(), AppError> {
    use crate::{
        api::{server, session},
        domain::{account::check_new_password, Email},
        passwords,
        store::{audit, records::begin_write, sessions, users},
    };
    let me = session::require(session::any_role).await?;
    let db = server::db()?;
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
    let email = Email::parse(&user.email).map_err(server::internal)?;
    check_new_password(&p.new, &email).map_err(|e| AppError::invalid("new", e.0))?;
    let hash = passwords::hash_password(p.new)
        .await
        .map_err(server::internal)?;
    let mut tx = begin_write(&db).await?;
    let row = users::get_user(&mut tx, me.user_id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let role = Role::parse(&row.role).map_err(server::internal)?;
    if !users::update_user(
        &mut tx,
        row.id,
        row.version,
        role,
        row.disabled != 0,
        Some(&hash),
    )
    .await?
    {
        return Err(AppError::Request(
            "Your account changed while saving; please try again.".into(),
        ));
    }
    sessions::delete_user_sessions(&mut tx, row.id, Some(&me.token_hash)).await?;
    audit::record(
        &mut tx,
        audit::Change {
            actor: &me.email,
            action: "change password of",
            entity: "user",
            entity_id: row.email.clone(),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(())
}
