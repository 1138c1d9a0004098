//! Signing in (the password, then the second step or its setup), signing out, and "who am
//! I". The rules are in `crate::session`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{domain::account::Role, error::AppError};

#[cfg(feature = "ssr")]
mod ssr;

/// The signed-in person as the browser sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub email: String,
    pub role: Role,
}

/// Setting up two-step sign-in: the secret as text and as a QR code (SVG), and recovery codes
/// to write down (they count once the setup is confirmed with a code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoStepSetup {
    pub account: String,
    pub secret: String,
    pub qr_svg: String,
    pub recovery_codes: Vec<String>,
}

/// Where to go after signing in: a local path only (never another site).
pub fn safe_next(next: Option<&str>) -> String {
    let local = |n: &str| {
        let mut chars = n.chars();
        chars.next() == Some('/')
            && !matches!(chars.next(), Some('/' | '\\'))
            && !n
                .chars()
                .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    };
    match next {
        Some(n) if local(n) => n.into(),
        _ => "/manage".into(),
    }
}

/// The password step. Answers with a redirect: to `next` once signed in, or to the second
/// step (`/login/verify`) when the account owes one. A role that must use two steps and has
/// none set up is refused: its set-up starts from a set-up link.
#[server(prefix = "/api", endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    ssr::login(&email, password, next.as_deref()).await
}

/// Start the first two-step set-up from a set-up link (its token), with the account's
/// password; answers with a redirect to the set-up (`/login/setup`). Only this POST uses the
/// link up: its page, which mail scanners fetch, changes nothing.
#[server(prefix = "/api", endpoint = "login/enrol")]
pub async fn start_enrolment(token: String, password: String) -> Result<(), AppError> {
    ssr::start_enrolment(&token, password).await
}

/// The second step: a code from the authenticator app, or a recovery code.
#[server(prefix = "/api", endpoint = "login/verify")]
pub async fn verify_code(code: String) -> Result<(), AppError> {
    ssr::verify_code(&code).await
}

/// What the setup owed at sign-in shows (the sign-in's challenge cookie says whose).
#[server(prefix = "/api", endpoint = "login/setup_info")]
pub async fn load_sign_in_setup() -> Result<TwoStepSetup, AppError> {
    ssr::load_sign_in_setup().await
}

/// Confirm the setup owed at sign-in with a first code, and sign in.
#[server(prefix = "/api", endpoint = "login/setup")]
pub async fn confirm_sign_in_setup(code: String) -> Result<(), AppError> {
    ssr::confirm_sign_in_setup(&code).await
}

#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    ssr::logout().await
}

#[server(prefix = "/api", endpoint = "whoami")]
pub async fn whoami() -> Result<Option<Me>, AppError> {
    ssr::whoami().await
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/manage/audit")), "/manage/audit");
        assert_eq!(safe_next(Some("//evil.example")), "/manage");
        assert_eq!(safe_next(Some("https://evil.example")), "/manage");
        assert_eq!(safe_next(Some("/\\evil.example")), "/manage");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/manage");
        assert_eq!(safe_next(Some("/a\nb")), "/manage");
        assert_eq!(safe_next(Some("/")), "/");
        assert_eq!(safe_next(None), "/manage");
    }
}
