//! Who is asking: the session cookie and its lookup, the role checks every internal server
//! function makes itself (server functions are public POST endpoints), the client's address,
//! sign-in throttling, and signing in (with its second step, its per-account lock and the
//! set-up link its first set-up starts from) and out. Server-only.

mod cookies;
mod enrol;
mod lock;
mod sign_in;
mod throttle;
mod vendor;

use std::{net::IpAddr, sync::Arc};

use axum::extract::ConnectInfo;
use ipnet::IpNet;
use leptos::prelude::*;

pub use cookies::{
    challenge_cookie_name, session_cookie_name, token_in, vendor_cookie_name, CHALLENGE_COOKIE,
    CHALLENGE_COOKIE_SECURE, SESSION_COOKIE, SESSION_COOKIE_SECURE, VENDOR_COOKIE,
    VENDOR_COOKIE_SECURE,
};
/// The trust access cookie (`service::trust`).
pub mod trust_cookie {
    pub use super::cookies::{set_trust, trust_cookie_name, trust_token};
}
pub use enrol::{issue_set_up_link, set_up_path, start_set_up, ASK_FOR_A_LINK};
pub use lock::clear_lock;
pub use sign_in::{
    confirm_secret, confirm_setup, prepare_new_codes, prepare_setup, second_step_setup, sign_in,
    sign_out, two_step_entry, verify_second_step, SecondStepSetup, SignedIn,
};
pub use throttle::{throttle, Attempt};
pub use vendor::{
    contact_of, current_contact, require_contact, sign_in_with_link, sign_out_contact, Contact,
};

use crate::{
    domain::{
        account::Role,
        network::{address_key, client_ip},
        session::{check_session, SessionCheck},
    },
    error::AppError,
    request::{db, internal, parts, request_id},
    store::sessions,
};

/// How the server is deployed, for every request: which proxies to believe, whether cookies
/// must be `Secure`, and which roles must sign in with two steps.
#[derive(Debug, Clone)]
pub struct SessionSettings {
    /// Proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed.
    pub trusted_proxies: Arc<Vec<IpNet>>,
    /// Believe the immediate peer whatever its address (`TRUST_X_FORWARDED_FOR`, the older
    /// setting: the last `X-Forwarded-For` entry is the client).
    pub trust_peer: bool,
    /// `Secure` cookies under the `__Host-` prefix (off only for plain-HTTP development).
    pub secure_cookies: bool,
    /// Roles that must use two-step sign-in (`REQUIRE_MFA_FOR`).
    pub require_mfa_for: Arc<Vec<Role>>,
    /// The origin links are written with (`PUBLIC_URL`): set-up links, account mails.
    pub public_url: Arc<str>,
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            trusted_proxies: Arc::new(Vec::new()),
            trust_peer: false,
            secure_cookies: true,
            require_mfa_for: Arc::new(vec![Role::Admin]),
            public_url: Arc::from(""),
        }
    }
}

/// The settings of this server (defaults when none were provided).
pub fn settings() -> SessionSettings {
    use_context::<SessionSettings>().unwrap_or_default()
}

/// The signed-in person making this request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: i64,
    pub email: String,
    pub role: Role,
    pub token_hash: String,
}

/// The signed-in person, if the cookie names a live session of an enabled account. Expired
/// sessions are deleted on sight; activity is recorded at most once a minute.
pub async fn current() -> Result<Option<Principal>, AppError> {
    let Some(token) = cookies::session_token() else {
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
        // a role that owes two-step sign-in has no session without it: an account promoted
        // into such a role (or a role added to REQUIRE_MFA_FOR) is signed out and sets it up
        // from a set-up link, never from a session its password alone opened
        _ if row.two_step_on == 0 && settings().require_mfa_for.contains(&role) => {
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

/// One structured log line per authentication or authorization decision (never a password,
/// token or code).
pub fn log_decision(decision: &'static str, email: Option<&str>) {
    let address = address_key(client_address());
    let path = parts()
        .map(|p| p.uri.path().to_string())
        .unwrap_or_default();
    tracing::info!(
        target: "registry::auth",
        decision,
        email = email.unwrap_or(""),
        address,
        path,
        request_id = request_id(),
        "auth decision"
    );
}

/// The signed-in person if their role passes `allowed`: otherwise `Unauthorized` (401, not
/// signed in) or `Forbidden` (403, signed in with a role that may not do this).
pub async fn require(allowed: fn(Role) -> bool) -> Result<Principal, AppError> {
    match current().await? {
        // a vendor contact is signed in, but to the portal only: nothing internal is theirs
        None if current_contact().await?.is_some() => {
            log_decision("forbidden_vendor_contact", None);
            Err(AppError::Forbidden)
        }
        None => {
            log_decision("unauthorized", None);
            Err(AppError::Unauthorized)
        }
        Some(p) if !allowed(p.role) => {
            log_decision("forbidden", Some(&p.email));
            Err(AppError::Forbidden)
        }
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

/// Where this request comes from, as a session records it: its user agent and address key.
fn request_origin() -> sessions::Origin {
    let user_agent = parts()
        .and_then(|p| {
            p.headers
                .get(axum::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
        .unwrap_or_default();
    sessions::Origin {
        user_agent,
        address: address_key(client_address()),
    }
}

/// The TCP peer of this request.
fn peer() -> Option<IpAddr> {
    parts()?
        .extensions
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

/// Whether the immediate peer is a proxy we believe.
fn peer_is_trusted() -> bool {
    let s = settings();
    s.trust_peer || peer().is_some_and(|ip| s.trusted_proxies.iter().any(|n| n.contains(&ip)))
}

/// The client's address: the TCP peer, or behind trusted proxies the address they say they
/// forward for (see `domain::network::client_ip`).
pub fn client_address() -> IpAddr {
    let Some(peer) = peer() else {
        return IpAddr::from([0, 0, 0, 0]);
    };
    let s = settings();
    let Some(parts) = parts() else {
        return peer;
    };
    let forwarded: Vec<&str> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    client_ip(peer, &forwarded, &s.trusted_proxies, s.trust_peer)
}

/// Whether the request came over HTTPS (directly, or through a trusted proxy that says so).
pub fn is_https() -> bool {
    let Some(parts) = parts() else {
        return false;
    };
    parts.uri.scheme_str() == Some("https")
        || (peer_is_trusted()
            && parts
                .headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("https")))
}
