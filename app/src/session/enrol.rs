//! The first two-step set-up of a role that requires it (`REQUIRE_MFA_FOR`) starts from a
//! one-time link an admin or the command line issues, never from the first password alone
//! (whoever had an admin's first password used to enrol their own authenticator). The link
//! carries 256 random bits, is stored hashed, expires after a day and is used up by the POST
//! that starts the set-up; its page (a GET, which mail scanners fetch) changes nothing. The
//! set-up also needs the account's password.

use chrono::Utc;
use sqlx::AnyConnection;

use super::{cookies, log_decision, throttle::throttle};
use crate::{
    domain::second_step::SET_UP_LINK_LIFETIME,
    error::AppError,
    passwords,
    request::db,
    store::{audit, begin_write, second_step, sessions, users},
};

/// The path of a set-up link (the page with the button).
pub fn set_up_path(token: &str) -> String {
    format!("/login/enrol/{token}")
}

/// What a person of a role that must use two steps, with none set up, is told at sign-in.
pub const ASK_FOR_A_LINK: &str = "Two-step sign-in is not set up for this account yet. \
     Ask an admin for a set-up link: it starts the set-up.";

/// Issue a set-up link for the account `user_id` (`email` names it in the audit trail) as
/// `actor`, in the caller's transaction, voiding any unused earlier one; returns its path.
pub async fn issue_set_up_link(
    conn: &mut AnyConnection,
    actor: &str,
    user_id: i64,
    email: &str,
) -> Result<String, AppError> {
    let now = Utc::now();
    let token =
        second_step::issue_link(conn, user_id, actor, now, now + SET_UP_LINK_LIFETIME).await?;
    audit::record(
        conn,
        actor,
        audit::Entry {
            action: "issued a two-step set-up link for",
            entity: "user",
            entity_id: email.to_string(),
            before: None,
            after: None,
        },
    )
    .await?;
    Ok(set_up_path(&token))
}

/// The refusal of a link that is unknown, used or expired (one sentence for all three).
fn bad_link() -> AppError {
    AppError::Request(
        "This set-up link does not work: it was used already, has expired or was replaced. \
         Ask an admin for a new one."
            .into(),
    )
}

/// Start the set-up a link allows, with the account's password (throttled like a sign-in):
/// the link is used up and the browser gets the sign-in challenge that shows the set-up.
pub async fn start_set_up(token: &str, password: String) -> Result<(), AppError> {
    let db = db()?;
    let now = Utc::now();
    let token = token.trim();
    let user_id = second_step::find_link(&db, token, now)
        .await?
        .ok_or_else(bad_link)?;
    let user = users::find_by_id(&db, user_id)
        .await?
        .filter(|u| u.disabled == 0)
        .ok_or_else(bad_link)?;
    let attempt = throttle(&user.email).await?;
    let matches = passwords::verify_password(password, user.password_hash.clone())
        .await
        .map_err(|e| {
            tracing::warn!("set-up refused: {e}");
            AppError::TooManyAttempts(1)
        })?;
    if !matches {
        log_decision("set_up_link_bad_password", Some(&user.email));
        return Err(AppError::invalid(
            "password",
            "This is not the password of the account this link is for.",
        ));
    }
    attempt.succeeded().await?;
    if user.active_totp().is_some() {
        return Err(AppError::Request(
            "Two-step sign-in is set up already; sign in with a code.".into(),
        ));
    }
    let mut tx = begin_write(&db).await?;
    if !second_step::use_link(&mut tx, token, user.id, now).await? {
        return Err(bad_link());
    }
    audit::record(
        &mut tx,
        &user.email,
        audit::Entry {
            action: "used a two-step set-up link of",
            entity: "user",
            entity_id: user.email.clone(),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    if let Some(old) = cookies::challenge_token() {
        sessions::delete_challenge(&db, &sessions::token_hash(&old)).await?;
    }
    let challenge = sessions::create_challenge(&db, user.id, "/manage").await?;
    cookies::set_challenge(&challenge)?;
    log_decision("set_up_link_used", Some(&user.email));
    Ok(())
}
