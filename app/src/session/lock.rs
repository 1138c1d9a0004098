//! The per-account count of wrong second-step codes (rules in `domain::second_step`): every
//! code checked (at sign-in, a recovery code, the first code of a new authenticator) goes
//! through [`counted`], which refuses it while the account is locked and counts it when wrong,
//! in one write transaction with the check. The owner is mailed (through the outbox) at the
//! first lock of a series; an admin or the command line can clear it.

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

use super::{log_decision, settings};
use crate::{
    domain::second_step::{after_failure, locked_until, minutes_until},
    error::AppError,
    store::{
        audit, begin_write,
        outbox::{self, MailPayload, NewDelivery},
        second_step,
        users::UserRow,
        Db,
    },
};

/// The refusal of a wrong code (one sentence for a wrong, reused or malformed one).
pub fn wrong_code() -> AppError {
    AppError::invalid(
        "code",
        "That code is not right. Enter the six digits your authenticator app shows now, or one of your recovery codes.",
    )
}

/// Check a second-step code of `user` under the account's failure count. `check` runs in the
/// write transaction that holds the count and answers `Some` for a right code (its writes
/// commit with it) or `None` for a wrong one. While the account is locked nothing is checked
/// and the answer says only how long to wait.
pub async fn counted<T>(
    db: &Db,
    user: &UserRow,
    check: impl AsyncFnOnce(&mut AnyConnection) -> Result<Option<T>, AppError>,
) -> Result<T, AppError> {
    let now = Utc::now();
    let mut tx = begin_write(db).await?;
    let count = second_step::lock_count(&mut tx, db.backend, user.id).await?;
    if let Some(until) = locked_until(count.as_ref(), now) {
        drop(tx);
        log_decision("second_step_locked", Some(&user.email));
        return Err(AppError::TooManyAttempts(minutes_until(until, now)));
    }
    if let Some(value) = check(&mut tx).await? {
        tx.commit().await?;
        return Ok(value);
    }
    let after = after_failure(count, now);
    second_step::save_count(&mut tx, user.id, &after.count).await?;
    if let (true, Some(until)) = (after.first_lock, after.count.locked_until) {
        outbox::queue(&mut tx, &[lock_mail(user, until, now)?], now).await?;
    }
    tx.commit().await?;
    log_decision(
        if after.locked {
            "second_step_locked"
        } else {
            "second_step_failed"
        },
        Some(&user.email),
    );
    Err(wrong_code())
}

/// The mail to an account's owner at the first lock of its second step.
fn lock_mail(
    user: &UserRow,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<NewDelivery, AppError> {
    let when = until.format("%Y-%m-%d %H:%M UTC").to_string();
    let account = format!("{}/manage/account", settings().public_url);
    let subject = "Your second sign-in step is locked".to_string();
    let text = format!(
        "Ten wrong codes were given within an hour for the second sign-in step of {email}, \
         so it is locked until {when}.\n\n\
         Only someone who knows your password gets that far. If it was not you, your password \
         is known to someone else: when the lock ends, sign in and change it at {account}, \
         and tell an admin (an admin can also clear the lock).\n",
        email = user.email,
    );
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{subject}</title></head>\
         <body style=\"font-family:system-ui,sans-serif;line-height:1.5;max-width:40rem\">\
         <h1 style=\"font-size:1.25rem\">{subject}</h1>\
         <p>Ten wrong codes were given within an hour for the second sign-in step of {email}, \
         so it is locked until {when}.</p>\
         <p>Only someone who knows your password gets that far. If it was not you, your \
         password is known to someone else: when the lock ends, sign in and \
         <a href=\"{href}\">change it</a>, and tell an admin (an admin can also clear the lock).</p>\
         </body></html>",
        email = esc(&user.email),
        href = esc(&account),
    );
    Ok(NewDelivery {
        channel: "mail",
        purpose: "account",
        dedup_key: format!("second-step-lock:{}:{}", user.id, outbox::stamp(now)),
        change_event_id: None,
        subscription_id: None,
        endpoint_id: None,
        recipient: user.email.clone(),
        // written now, like the managers' digest: the worker sends it as it is
        payload: serde_json::to_string(&MailPayload::Digest {
            subject,
            text,
            html,
        })
        .map_err(crate::request::internal)?,
        message_id: outbox::message_id(),
    })
}

/// Clear the second-step lock and count of the account `user_id` (`email` names it in the
/// audit trail) as `actor`, in the caller's transaction; whether it was locked.
pub async fn clear_lock(
    conn: &mut AnyConnection,
    actor: &str,
    user_id: i64,
    email: &str,
) -> Result<bool, AppError> {
    let was_locked = second_step::clear_count(conn, user_id, Utc::now()).await?;
    audit::record(
        conn,
        actor,
        audit::Entry {
            action: "cleared the second-step lock of",
            entity: "user",
            entity_id: email.to_string(),
            before: Some(serde_json::json!({ "locked": was_locked })),
            after: Some(serde_json::json!({ "locked": false })),
        },
    )
    .await?;
    Ok(was_locked)
}
