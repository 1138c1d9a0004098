//! Who is asking: the session cookie, its lookup, the role checks every internal server
//! function makes itself (server functions are public POST endpoints), sign-in throttling,
//! and signing in and out. Server-only.

use std::net::SocketAddr;

use axum::{
    extract::ConnectInfo,
    http::{header, request::Parts, HeaderValue},
};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use crate::request::{db, internal, parts};
use crate::{
    domain::{
        account::Role,
        session::{check_session, SessionCheck, ABSOLUTE_TIMEOUT},
    },
    error::AppError,
    store::sessions,
};

/// Name of the session cookie.
pub const COOKIE: &str = "registry_session";

/// Settings the server provides to every request.
#[derive(Debug, Clone, Copy, Default)]
pub struct AuthSettings {
    /// Take the client address from the last `X-Forwarded-For` entry (behind a proxy).
    pub trust_forwarded_for: bool,
}

/// The signed-in person making this request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: i64,
    pub email: String,
    pub role: Role,
    pub token_hash: String,
}

/// The session token from the request's cookies.
pub fn cookie_token() -> Option<String> {
    let parts = parts()?;
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The signed-in person, if the cookie names a live session of an enabled account. Expired
/// sessions are deleted on sight; activity is recorded at most once a minute.
pub async fn current() -> Result<Option<Principal>, AppError> {
    let Some(token) = cookie_token() else {
        return Ok(None);
    };
    let db = db()?;
    let Some(row) = sessions::find_session(&db, &token).await? else {
        return Ok(None);
    };
    let now = chrono::Utc::now();
    let role = Role::parse(&row.role).map_err(|e| internal(format!("stored role: {e}")))?;
    match check_session(row.created()?, row.last_seen()?, now) {
        SessionCheck::Expired => {
            sessions::delete_session(&db, &row.token_hash).await?;
            return Ok(None);
        }
        _ if row.disabled != 0 => {
            sessions::delete_session(&db, &row.token_hash).await?;
            return Ok(None);
        }
        SessionCheck::Valid { touch: true } => {
            sessions::touch_session(&db, &row.token_hash).await?;
        }
        SessionCheck::Valid { touch: false } => {}
    }
    Ok(Some(Principal {
        user_id: row.user_id,
        email: row.email,
        role,
        token_hash: row.token_hash,
    }))
}

/// The signed-in person if their role passes `allowed`: otherwise `Unauthorized` (401, not
/// signed in) or `Forbidden` (403, signed in with a role that may not do this).
pub async fn require(allowed: fn(Role) -> bool) -> Result<Principal, AppError> {
    match current().await? {
        None => Err(AppError::Unauthorized),
        Some(p) if !allowed(p.role) => Err(AppError::Forbidden),
        Some(p) => Ok(p),
    }
}

/// Anyone signed in: admins, managers and auditors read everything internal.
pub fn any_role(_: Role) -> bool {
    true
}

/// Admins and managers change records.
pub fn editor(role: Role) -> bool {
    role.can_edit()
}

/// Only admins manage accounts.
pub fn admin(role: Role) -> bool {
    role == Role::Admin
}

/// Whether the request came over HTTPS (directly or through a proxy that says so).
fn is_https(parts: &Parts) -> bool {
    parts.uri.scheme_str() == Some("https")
        || parts
            .headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

fn cookie_header(value: &str, max_age: i64) -> Result<HeaderValue, AppError> {
    let secure = parts().is_some_and(|p| is_https(&p));
    let cookie = format!(
        "{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&cookie).map_err(|e| internal(format!("cookie header: {e}")))
}

/// Give the browser its session cookie (lives no longer than the absolute timeout).
pub fn set_session_cookie(token: &str) -> Result<(), AppError> {
    let header = cookie_header(token, ABSOLUTE_TIMEOUT.num_seconds())?;
    if let Some(res) = use_context::<ResponseOptions>() {
        res.append_header(header::SET_COOKIE, header);
    }
    Ok(())
}

/// Tell the browser to forget its session cookie.
pub fn clear_session_cookie() -> Result<(), AppError> {
    let header = cookie_header("", 0)?;
    if let Some(res) = use_context::<ResponseOptions>() {
        res.append_header(header::SET_COOKIE, header);
    }
    Ok(())
}

/// The client's network address, for throttling.
pub fn client_address() -> String {
    let Some(parts) = parts() else {
        return "unknown".into();
    };
    let settings = use_context::<AuthSettings>().unwrap_or_default();
    if settings.trust_forwarded_for {
        if let Some(last) = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|s| !s.is_empty())
        {
            return last.to_string();
        }
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Throttle a password check by e-mail and address: `Err(TooManyAttempts)` when over the limit,
/// otherwise the id of the attempt, recorded as failed until the caller forgets it.
pub async fn throttle(email_key: &str) -> Result<i64, AppError> {
    use crate::domain::session::{throttled_for, THROTTLE_WINDOW};
    let db = db()?;
    let address = client_address();
    let now = chrono::Utc::now();
    let (by_email, by_address) =
        sessions::recent_failures(&db, email_key, &address, now - THROTTLE_WINDOW).await?;
    if let Some(minutes) = throttled_for(&by_email, &by_address, now) {
        return Err(AppError::TooManyAttempts(minutes));
    }
    Ok(sessions::record_failure(&db, email_key, &address).await?)
}

/// Sign in: throttled, one generic message for any failure, a dummy verify for unknown
/// e-mails, a fresh session id (the old one, if any, is deleted), and a re-hash when the
/// stored hash used other parameters.
pub async fn sign_in(email: &str, password: String) -> Result<Principal, AppError> {
    use crate::{domain::Email, passwords, store::users};
    let email_key = email.trim().to_lowercase();
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
    let matches = passwords::verify_password(password.clone(), phc.clone()).await;
    let user = match user {
        Some(u) if matches && usable => u,
        _ => return Err(AppError::BadCredentials),
    };
    sessions::forget_failure(&db, attempt).await?;
    if passwords::needs_rehash(&phc) {
        match passwords::hash_password(password).await {
            Ok(fresh) => users::rehash_password(&db, user.id, &fresh).await?,
            Err(e) => tracing::warn!("re-hash at sign-in failed: {e}"),
        }
    }
    if let Some(old) = cookie_token() {
        sessions::delete_session(&db, &sessions::token_hash(&old)).await?;
    }
    sessions::clear_failures(&db, &email_key).await?;
    let token = sessions::create_session(&db, user.id).await?;
    set_session_cookie(&token)?;
    let role = Role::parse(&user.role).map_err(|e| internal(format!("stored role: {e}")))?;
    Ok(Principal {
        user_id: user.id,
        email: user.email,
        role,
        token_hash: sessions::token_hash(&token),
    })
}

/// Sign out: the session row is deleted, so a copied cookie no longer works.
pub async fn sign_out() -> Result<(), AppError> {
    if let Some(token) = cookie_token() {
        sessions::delete_session(&db()?, &sessions::token_hash(&token)).await?;
    }
    clear_session_cookie()
}
