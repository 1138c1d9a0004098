//! Signing in and out. The password step is throttled, answers one generic message for any
//! failure and verifies a dummy hash for unknown e-mails. An account with two-step sign-in
//! then gets a short-lived challenge, never a session, until its code (or a recovery code) is
//! given; every code checked counts against the account's lock (`super::lock`). A role that
//! requires two steps and has none set up is refused: its set-up starts from a set-up link
//! (`super::enrol`). A session gets a fresh id each time.

use super::{
    cookies, enrol::ASK_FOR_A_LINK, lock::counted, log_decision, settings, throttle::throttle,
};
use crate::{
    domain::{
        account::Role,
        session::{CHALLENGE_ATTEMPTS, CHALLENGE_TIMEOUT},
        Email,
    },
    error::AppError,
    passwords,
    request::{db, internal},
    store::{
        audit,
        sessions::{self, ChallengeRow},
        users::{self, UserRow},
        Db,
    },
    two_step,
};

/// Where a correct password leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedIn {
    /// Signed in.
    Session,
    /// The account's second step is owed: a code from the authenticator app.
    SecondStep,
}

/// Sign in with e-mail and password; `next` is where to go once signed in (a local path).
pub async fn sign_in(email: &str, password: String, next: &str) -> Result<SignedIn, AppError> {
    // the address as accounts are looked up by (IDNA, case): every spelling of one account
    // counts against one key; unreadable input is counted as typed
    let email_key = Email::parse(email)
        .map(|e| e.as_str().to_string())
        .unwrap_or_else(|_| email.trim().to_lowercase());
    let attempt = throttle(&email_key).await?;
    let db = db()?;
    let user = match Email::parse(email) {
        Ok(e) => users::find_by_email(&db, &e).await?,
        Err(_) => None,
    };
    let (phc, usable) = match &user {
        Some(u) => (u.password_hash.clone(), u.disabled == 0),
        None => (passwords::dummy_hash().await, false),
    };
    let matches = passwords::verify_password(password.clone(), phc.clone())
        .await
        .map_err(|e| {
            tracing::warn!("sign-in refused: {e}");
            AppError::TooManyAttempts(1)
        })?;
    let user = match user {
        Some(u) if matches && usable => u,
        _ => {
            log_decision("sign_in_failed", Some(&email_key));
            return Err(AppError::BadCredentials);
        }
    };
    attempt.succeeded().await?;
    if passwords::needs_rehash(&phc) {
        match passwords::hash_password(password).await {
            // only over the hash just checked: a reset by an admin meanwhile stays
            Ok(fresh) => {
                users::rehash_password(&db, user.id, &phc, &fresh).await?;
            }
            Err(e) => tracing::warn!("re-hash at sign-in failed: {e}"),
        }
    }
    let role = Role::parse(&user.role).map_err(|e| internal(format!("stored role: {e}")))?;
    if user.active_totp().is_none() {
        if settings().require_mfa_for.contains(&role) {
            // the first password alone never enrols an authenticator
            log_decision("sign_in_needs_set_up_link", Some(&user.email));
            return Err(AppError::Request(ASK_FOR_A_LINK.into()));
        }
        start_session(&db, &user).await?;
        return Ok(SignedIn::Session);
    }
    if let Some(old) = cookies::challenge_token() {
        sessions::delete_challenge(&db, &sessions::token_hash(&old)).await?;
    }
    let token = sessions::create_challenge(&db, user.id, next).await?;
    cookies::set_challenge(&token)?;
    log_decision("sign_in_password_ok", Some(&user.email));
    Ok(SignedIn::SecondStep)
}

/// A fresh session for `user` (the old one of this browser, if any, is ended).
async fn start_session(db: &Db, user: &UserRow) -> Result<(), AppError> {
    if let Some(old) = cookies::session_token() {
        sessions::delete_session(db, &sessions::token_hash(&old)).await?;
    }
    let origin = super::request_origin();
    let token = sessions::create_session(db, user.id, &origin).await?;
    cookies::set_session(&token)?;
    log_decision("sign_in_ok", Some(&user.email));
    Ok(())
}

/// This request's live sign-in challenge and its (enabled) account.
async fn challenge(db: &Db) -> Result<(ChallengeRow, UserRow), AppError> {
    let token = cookies::challenge_token().ok_or(AppError::Unauthorized)?;
    let row = sessions::find_challenge(db, &token)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let created = sessions::timestamp(&row.created_at)?;
    if created + CHALLENGE_TIMEOUT <= chrono::Utc::now() || row.attempts >= CHALLENGE_ATTEMPTS {
        sessions::delete_challenge(db, &row.token_hash).await?;
        return Err(AppError::Unauthorized);
    }
    let user = users::find_by_id(db, row.user_id)
        .await?
        .filter(|u| u.disabled == 0)
        .ok_or(AppError::Unauthorized)?;
    Ok((row, user))
}

fn unix_now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0)
}

/// Count a code tried against the challenge; void it past the limit.
async fn count_try(db: &Db, c: &ChallengeRow) -> Result<(), AppError> {
    if sessions::bump_challenge(db, &c.token_hash).await? > CHALLENGE_ATTEMPTS {
        sessions::delete_challenge(db, &c.token_hash).await?;
        return Err(AppError::Unauthorized);
    }
    Ok(())
}

/// Finish a sign-in with the code of its second step (or a recovery code); returns where to
/// go next.
pub async fn verify_second_step(code: &str) -> Result<String, AppError> {
    let db = db()?;
    let (c, user) = challenge(&db).await?;
    count_try(&db, &c).await?;
    let secret = user.active_totp().ok_or(AppError::Unauthorized)?;
    counted(&db, &user, async |tx| {
        let accepted = if two_step::is_recovery_code(code) {
            users::use_recovery_code(tx, user.id, &two_step::recovery_hash(code)).await?
        } else {
            match two_step::check_code(secret, code, unix_now(), user.totp_last_step) {
                Some(step) => users::use_totp_step(tx, user.id, step).await?,
                None => false,
            }
        };
        Ok(accepted.then_some(()))
    })
    .await?;
    sessions::delete_challenge(&db, &c.token_hash).await?;
    cookies::clear_challenge()?;
    start_session(&db, &user).await?;
    Ok(c.next_path)
}

/// What a person needs to set up two-step sign-in: the secret as text and as a QR code, and
/// recovery codes to write down (they count once the setup is confirmed).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SecondStepSetup {
    pub account: String,
    pub secret: String,
    pub qr_svg: String,
    pub recovery_codes: Vec<String>,
}

/// Fresh recovery codes for `user`, stored as pending (they replace the account's codes once
/// confirmed with a code), replacing any shown before.
pub async fn prepare_new_codes(db: &Db, user: &UserRow) -> Result<Vec<String>, AppError> {
    let codes = two_step::new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| two_step::recovery_hash(c)).collect();
    let mut tx = crate::store::begin_write(db).await?;
    users::set_pending_recovery_codes(&mut tx, user.id, &hashes).await?;
    tx.commit().await?;
    Ok(codes)
}

/// The setup of `user`'s second step (not on yet): a new secret and fresh recovery codes,
/// replacing any shown before. A pending secret is never shown twice: loading the set-up
/// again starts it over, so a secret read off a screen (or out of a cached page) once is
/// worthless unless it was confirmed by then.
pub async fn prepare_setup(db: &Db, user: &UserRow) -> Result<SecondStepSetup, AppError> {
    if user.active_totp().is_some() {
        return Err(AppError::Request("Two-step sign-in is on already.".into()));
    }
    let secret = two_step::new_secret();
    let mut tx = crate::store::begin_write(db).await?;
    users::set_totp_secret(&mut tx, &db.secrets, user.id, Some(&secret)).await?;
    tx.commit().await?;
    let codes = prepare_new_codes(db, user).await?;
    let url = two_step::otpauth_url(&secret, &user.email)
        .ok_or_else(|| internal("cannot build the otpauth address"))?;
    Ok(SecondStepSetup {
        account: user.email.clone(),
        qr_svg: two_step::qr_svg(&url).ok_or_else(|| internal("cannot draw the QR code"))?,
        secret,
        recovery_codes: codes,
    })
}

/// Confirm with a code of `user`'s authenticator: the secret being set up (two-step sign-in
/// is on from now), or for an account that has it on already, the recovery codes shown last.
/// Audited.
pub async fn confirm_secret(db: &Db, user: &UserRow, code: &str) -> Result<(), AppError> {
    let (secret, last, action) = match (user.active_totp(), user.pending_totp()) {
        (Some(s), _) => (s, user.totp_last_step, "made new recovery codes of"),
        (None, Some(s)) => (s, None, "set up two-step sign-in of"),
        (None, None) => {
            return Err(AppError::invalid(
                "code",
                "Start the setup again: there is no code to confirm.",
            ))
        }
    };
    // the first code of a new authenticator counts against the account's lock like any other
    counted(db, user, async |tx| {
        let Some(step) = two_step::check_code(secret, code, unix_now(), last) else {
            return Ok(None);
        };
        users::confirm_totp(tx, user.id, step).await?;
        audit::record(tx, &user.email, two_step_entry(&user.email, action)).await?;
        Ok(Some(()))
    })
    .await?;
    log_decision("second_step_set_up", Some(&user.email));
    Ok(())
}

/// The audit entry of a change to an account's two-step sign-in.
pub fn two_step_entry(email: &str, action: &'static str) -> audit::Entry {
    audit::Entry {
        action,
        entity: "user",
        entity_id: email.to_string(),
        before: None,
        after: None,
    }
}

/// The setup a sign-in challenge owes (its role requires two-step sign-in).
pub async fn second_step_setup() -> Result<SecondStepSetup, AppError> {
    let db = db()?;
    let (_, user) = challenge(&db).await?;
    if user.active_totp().is_some() {
        return Err(AppError::Request(
            "Two-step sign-in is set up already; sign in with a code.".into(),
        ));
    }
    prepare_setup(&db, &user).await
}

/// Confirm the setup a sign-in challenge owes, and sign in; returns where to go next.
pub async fn confirm_setup(code: &str) -> Result<String, AppError> {
    let db = db()?;
    let (c, user) = challenge(&db).await?;
    // only a challenge that owes a set-up confirms one: a plain sign-in challenge must go
    // through `/login/verify`, whose code check is the one that guards replays
    if user.active_totp().is_some() {
        return Err(AppError::Request(
            "Two-step sign-in is set up already; sign in with a code.".into(),
        ));
    }
    count_try(&db, &c).await?;
    confirm_secret(&db, &user, code).await?;
    sessions::delete_challenge(&db, &c.token_hash).await?;
    cookies::clear_challenge()?;
    start_session(&db, &user).await?;
    Ok(c.next_path)
}

/// Sign out: the session row is deleted, so a copied cookie no longer works.
pub async fn sign_out() -> Result<(), AppError> {
    if let Some(token) = cookies::session_token() {
        sessions::delete_session(&db()?, &sessions::token_hash(&token)).await?;
        log_decision("sign_out", None);
    }
    cookies::clear_session()
}
