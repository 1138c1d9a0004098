//! Accounts: admins list them, add one with a first password, change its role, disable it
//! or reset its password; anyone signed in changes their own password. Disabling an account
//! or setting its password ends its sessions.

use super::auth::TwoStepSetup;
use crate::error::AppError;
use leptos::prelude::*;

pub use crate::model::accounts::*;
#[cfg(feature = "ssr")]
use crate::service::accounts as service;

#[server(prefix = "/api", endpoint = "admin/users")]
pub async fn load_users() -> Result<Vec<UserLine>, AppError> {
    service::load_users().await
}

/// Add an account; answers its set-up link when its role must use two-step sign-in (the
/// first set-up starts from it).
#[server(prefix = "/api", endpoint = "admin/add_user")]
pub async fn add_user(u: NewUserForm) -> Result<Option<String>, AppError> {
    service::add_user(u).await
}

/// A new set-up link (valid for a day, once) for an account's first two-step set-up; any
/// unused earlier link of the account stops working.
#[server(prefix = "/api", endpoint = "admin/set_up_link")]
pub async fn issue_set_up_link(id: i64) -> Result<String, AppError> {
    service::issue_set_up_link(id).await
}

/// Clear the lock (and the count of wrong codes) of an account's second sign-in step.
#[server(prefix = "/api", endpoint = "admin/clear_second_step_lock")]
pub async fn clear_second_step_lock(id: i64) -> Result<(), AppError> {
    service::clear_second_step_lock(id).await
}

#[server(prefix = "/api", endpoint = "admin/update_user")]
pub async fn update_user(u: UserForm) -> Result<(), AppError> {
    service::update_user(u).await
}

#[server(prefix = "/api", endpoint = "account/password")]
pub async fn change_password(p: PasswordForm) -> Result<(), AppError> {
    service::change_password(p).await
}

#[server(prefix = "/api", endpoint = "account/overview")]
pub async fn load_account() -> Result<AccountOverview, AppError> {
    service::load_account().await
}

/// Turn your daily digest of lapsing evidence on or off (managers and admins).
#[server(prefix = "/api", endpoint = "account/reminders")]
pub async fn set_reminders(on: bool) -> Result<(), AppError> {
    service::set_reminders(on).await
}

#[server(prefix = "/api", endpoint = "account/end_session")]
pub async fn end_session(s: EndSessionForm) -> Result<(), AppError> {
    service::end_session(s).await
}

/// Start (or resume) setting up two-step sign-in: the secret, its QR code and recovery codes.
#[server(prefix = "/api", endpoint = "account/two_step_setup")]
pub async fn load_two_step_setup() -> Result<TwoStepSetup, AppError> {
    service::load_two_step_setup().await
}

/// New recovery codes to write down (the old ones work until these are confirmed).
#[server(prefix = "/api", endpoint = "account/new_recovery_codes")]
pub async fn load_new_recovery_codes() -> Result<Vec<String>, AppError> {
    service::load_new_recovery_codes().await
}

/// Confirm the setup (or the new recovery codes) with a code from the authenticator app.
#[server(prefix = "/api", endpoint = "account/two_step_confirm")]
pub async fn confirm_two_step(code: String) -> Result<(), AppError> {
    service::confirm_two_step(&code).await
}

#[server(prefix = "/api", endpoint = "account/two_step_off")]
pub async fn turn_off_two_step(t: TwoStepOffForm) -> Result<(), AppError> {
    service::turn_off_two_step(t).await
}
