//! Signing in (the password, then the second step or its setup), signing out, and "who am
//! I". The rules are in `crate::session`.

use crate::error::AppError;
use leptos::prelude::*;

pub use crate::model::auth::*;
#[cfg(feature = "ssr")]
use crate::service::auth as service;

/// The password step. Answers with a redirect: to `next` once signed in, or to the second
/// step (`/login/verify`) when the account owes one. A role that must use two steps and has
/// none set up is refused: its set-up starts from a set-up link.
#[server(prefix = "/api", endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    service::login(&email, password, next.as_deref()).await
}

/// Start the first two-step set-up from a set-up link (its token), with the account's
/// password; answers with a redirect to the set-up (`/login/setup`). Only this POST uses the
/// link up: its page, which mail scanners fetch, changes nothing.
#[server(prefix = "/api", endpoint = "login/enrol")]
pub async fn start_enrolment(token: String, password: String) -> Result<(), AppError> {
    service::start_enrolment(&token, password).await
}

/// The second step: a code from the authenticator app, or a recovery code.
#[server(prefix = "/api", endpoint = "login/verify")]
pub async fn verify_code(code: String) -> Result<(), AppError> {
    service::verify_code(&code).await
}

/// What the setup owed at sign-in shows (the sign-in's challenge cookie says whose).
#[server(prefix = "/api", endpoint = "login/setup_info")]
pub async fn load_sign_in_setup() -> Result<TwoStepSetup, AppError> {
    service::load_sign_in_setup().await
}

/// Confirm the setup owed at sign-in with a first code, and sign in.
#[server(prefix = "/api", endpoint = "login/setup")]
pub async fn confirm_sign_in_setup(code: String) -> Result<(), AppError> {
    service::confirm_sign_in_setup(&code).await
}

#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    service::logout().await
}

#[server(prefix = "/api", endpoint = "whoami")]
pub async fn whoami() -> Result<Option<Me>, AppError> {
    service::whoami().await
}
