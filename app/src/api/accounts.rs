//! Accounts: admins list them, add one with a first password, change its role, disable it
//! or reset its password; anyone signed in changes their own password. Disabling an account
//! or setting its password ends its sessions.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::auth::TwoStepSetup;
pub use crate::domain::forms::{NewUserForm, PasswordForm, UserForm};
use crate::{domain::account::Role, error::AppError};

#[cfg(feature = "ssr")]
mod ssr;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserLine {
    pub id: i64,
    pub version: i64,
    pub email: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: String,
    pub is_me: bool,
    pub two_step_on: bool,
    /// When the second step may be tried again (UTC, `YYYY-MM-DD HH:MM`), if it is locked.
    pub second_step_locked_until: Option<String>,
}

#[server(prefix = "/api", endpoint = "admin/users")]
pub async fn load_users() -> Result<Vec<UserLine>, AppError> {
    ssr::load_users().await
}

/// Add an account; answers its set-up link when its role must use two-step sign-in (the
/// first set-up starts from it).
#[server(prefix = "/api", endpoint = "admin/add_user")]
pub async fn add_user(u: NewUserForm) -> Result<Option<String>, AppError> {
    ssr::add_user(u).await
}

/// A new set-up link (valid for a day, once) for an account's first two-step set-up; any
/// unused earlier link of the account stops working.
#[server(prefix = "/api", endpoint = "admin/set_up_link")]
pub async fn issue_set_up_link(id: i64) -> Result<String, AppError> {
    ssr::issue_set_up_link(id).await
}

/// Clear the lock (and the count of wrong codes) of an account's second sign-in step.
#[server(prefix = "/api", endpoint = "admin/clear_second_step_lock")]
pub async fn clear_second_step_lock(id: i64) -> Result<(), AppError> {
    ssr::clear_second_step_lock(id).await
}

#[server(prefix = "/api", endpoint = "admin/update_user")]
pub async fn update_user(u: UserForm) -> Result<(), AppError> {
    ssr::update_user(u).await
}

#[server(prefix = "/api", endpoint = "account/password")]
pub async fn change_password(p: PasswordForm) -> Result<(), AppError> {
    ssr::change_password(p).await
}

/// One of the signed-in person's sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    /// Public id: ends the session, cannot be used as one.
    pub id: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub last_seen_at: String,
    pub user_agent: String,
    pub address: String,
    /// The session this page was loaded with.
    pub current: bool,
}

/// The signed-in person's own account page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountOverview {
    pub email: String,
    pub role: Role,
    pub two_step_on: bool,
    /// Their role must use two-step sign-in (it cannot be turned off).
    pub two_step_required: bool,
    pub recovery_codes_left: i64,
    pub sessions: Vec<SessionView>,
    /// Takes the daily digest of lapsing evidence (managers and admins).
    pub reminders: bool,
}

/// End one of your sessions, by its public id.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EndSessionForm {
    pub id: String,
}

/// Turn two-step sign-in off, with the current password.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TwoStepOffForm {
    pub password: String,
}

#[server(prefix = "/api", endpoint = "account/overview")]
pub async fn load_account() -> Result<AccountOverview, AppError> {
    ssr::load_account().await
}

/// Turn your daily digest of lapsing evidence on or off (managers and admins).
#[server(prefix = "/api", endpoint = "account/reminders")]
pub async fn set_reminders(on: bool) -> Result<(), AppError> {
    ssr::set_reminders(on).await
}

#[server(prefix = "/api", endpoint = "account/end_session")]
pub async fn end_session(s: EndSessionForm) -> Result<(), AppError> {
    ssr::end_session(s).await
}

/// Start (or resume) setting up two-step sign-in: the secret, its QR code and recovery codes.
#[server(prefix = "/api", endpoint = "account/two_step_setup")]
pub async fn load_two_step_setup() -> Result<TwoStepSetup, AppError> {
    ssr::load_two_step_setup().await
}

/// New recovery codes to write down (the old ones work until these are confirmed).
#[server(prefix = "/api", endpoint = "account/new_recovery_codes")]
pub async fn load_new_recovery_codes() -> Result<Vec<String>, AppError> {
    ssr::load_new_recovery_codes().await
}

/// Confirm the setup (or the new recovery codes) with a code from the authenticator app.
#[server(prefix = "/api", endpoint = "account/two_step_confirm")]
pub async fn confirm_two_step(code: String) -> Result<(), AppError> {
    ssr::confirm_two_step(&code).await
}

#[server(prefix = "/api", endpoint = "account/two_step_off")]
pub async fn turn_off_two_step(t: TwoStepOffForm) -> Result<(), AppError> {
    ssr::turn_off_two_step(t).await
}
