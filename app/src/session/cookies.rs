//! The session cookie and the sign-in challenge cookie. In production both carry the
//! `__Host-` prefix, so a browser keeps them only if they are `Secure`, have `Path=/` and no
//! `Domain` (no other host or path can plant one); `INSECURE_COOKIES=true` drops the prefix
//! and `Secure` for plain-HTTP development.

use axum::http::{header, HeaderValue};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use super::settings;
use crate::{
    domain::session::{ABSOLUTE_TIMEOUT, CHALLENGE_TIMEOUT},
    error::AppError,
    request::{internal, parts},
};

/// The session cookie's name in production, and over plain HTTP.
pub const SESSION_COOKIE_SECURE: &str = "__Host-registry_session";
pub const SESSION_COOKIE: &str = "registry_session";
/// The cookie of a sign-in that still owes its second step.
pub const CHALLENGE_COOKIE_SECURE: &str = "__Host-registry_challenge";
pub const CHALLENGE_COOKIE: &str = "registry_challenge";
/// A vendor contact's session (the portal): a cookie of its own, so a contact's session is
/// never taken for a manager's.
pub const VENDOR_COOKIE_SECURE: &str = "__Host-registry_vendor_session";
pub const VENDOR_COOKIE: &str = "registry_vendor_session";

pub fn vendor_cookie_name(secure: bool) -> &'static str {
    if secure {
        VENDOR_COOKIE_SECURE
    } else {
        VENDOR_COOKIE
    }
}

pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        SESSION_COOKIE_SECURE
    } else {
        SESSION_COOKIE
    }
}

pub fn challenge_cookie_name(secure: bool) -> &'static str {
    if secure {
        CHALLENGE_COOKIE_SECURE
    } else {
        CHALLENGE_COOKIE
    }
}

/// A 64-hex-digit token from the request's cookie `name`.
fn token(name: &str) -> Option<String> {
    token_in(&parts()?.headers, name)
}

/// The 64-hex-digit token of the cookie `name` in `headers`, if any (outside a request's
/// context too: the portal's page cache reads it in a middleware).
pub fn token_in(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.to_string())
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The session token of this request.
pub fn session_token() -> Option<String> {
    token(session_cookie_name(settings().secure_cookies))
}

/// The vendor contact's session token of this request.
pub fn vendor_session_token() -> Option<String> {
    token(vendor_cookie_name(settings().secure_cookies))
}

/// The sign-in challenge token of this request.
pub fn challenge_token() -> Option<String> {
    token(challenge_cookie_name(settings().secure_cookies))
}

fn set(name: &str, value: &str, max_age: i64) -> Result<(), AppError> {
    let secure = if settings().secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie =
        format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    let header =
        HeaderValue::from_str(&cookie).map_err(|e| internal(format!("cookie header: {e}")))?;
    if let Some(res) = use_context::<ResponseOptions>() {
        res.append_header(header::SET_COOKIE, header);
    }
    Ok(())
}

/// Give the browser its session cookie (lives no longer than the absolute timeout).
pub fn set_session(token: &str) -> Result<(), AppError> {
    let name = session_cookie_name(settings().secure_cookies);
    set(name, token, ABSOLUTE_TIMEOUT.num_seconds())
}

/// Tell the browser to forget its session cookie.
pub fn clear_session() -> Result<(), AppError> {
    set(session_cookie_name(settings().secure_cookies), "", 0)
}

/// Give the browser a contact's session cookie (no longer than the absolute timeout).
pub fn set_vendor_session(token: &str) -> Result<(), AppError> {
    let name = vendor_cookie_name(settings().secure_cookies);
    set(name, token, ABSOLUTE_TIMEOUT.num_seconds())
}

pub fn clear_vendor_session() -> Result<(), AppError> {
    set(vendor_cookie_name(settings().secure_cookies), "", 0)
}

pub fn set_challenge(token: &str) -> Result<(), AppError> {
    let name = challenge_cookie_name(settings().secure_cookies);
    set(name, token, CHALLENGE_TIMEOUT.num_seconds())
}

pub fn clear_challenge() -> Result<(), AppError> {
    set(challenge_cookie_name(settings().secure_cookies), "", 0)
}

/// A customer's access to trust documents (`/trust`): its own cookie, never a session.
pub const TRUST_COOKIE_SECURE: &str = "__Host-registry_trust_access";
pub const TRUST_COOKIE: &str = "registry_trust_access";

pub fn trust_cookie_name(secure: bool) -> &'static str {
    if secure {
        TRUST_COOKIE_SECURE
    } else {
        TRUST_COOKIE
    }
}

/// The trust access token of this request.
pub fn trust_token() -> Option<String> {
    token(trust_cookie_name(settings().secure_cookies))
}

/// Give the browser its trust access cookie for `seconds`.
pub fn set_trust(token: &str, seconds: i64) -> Result<(), AppError> {
    set(trust_cookie_name(settings().secure_cookies), token, seconds)
}
