//! Accounts: admins list them, add one with a first password, change its role, disable it
//! or reset its password; anyone signed in changes their own password. Disabling an account
//! or setting its password ends its sessions.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

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
}

#[server(prefix = "/api", endpoint = "admin/users")]
pub async fn load_users() -> Result<Vec<UserLine>, AppError> {
    ssr::load_users().await
}

#[server(prefix = "/api", endpoint = "admin/add_user")]
pub async fn add_user(u: NewUserForm) -> Result<(), AppError> {
    ssr::add_user(u).await
}

#[server(prefix = "/api", endpoint = "admin/update_user")]
pub async fn update_user(u: UserForm) -> Result<(), AppError> {
    ssr::update_user(u).await
}

#[server(prefix = "/api", endpoint = "account/password")]
pub async fn change_password(p: PasswordForm) -> Result<(), AppError> {
    ssr::change_password(p).await
}
