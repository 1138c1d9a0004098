//! Accounts, for admins: list, add with a first password, change role, disable, reset the
//! password. Disabling an account or setting its password ends its sessions.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{domain::account::Role, error::AppError};

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

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NewUserForm {
    pub email: String,
    pub role: String,
    pub password: String,
}

/// A change to one account at the version shown; an empty password keeps the current one.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct UserForm {
    pub id: i64,
    pub version: i64,
    pub role: String,
    pub disabled: String,
    pub password: String,
}

#[server(prefix = "/api", endpoint = "admin/users")]
pub async fn load_users() -> Result<Vec<UserLine>, AppError> {
    use crate::{
        api::{server, session},
        store::users,
    };
    let me = session::require(session::admin).await?;
    let rows = users::list_users(&server::db()?).await?;
    rows.into_iter()
        .map(|r| {
            Ok(UserLine {
                is_me: r.id == me.user_id,
                role: Role::parse(&r.role).map_err(server::internal)?,
                id: r.id,
                version: r.version,
                email: r.email,
                disabled: r.disabled != 0,
                created_at: r.created_at,
            })
        })
        .collect()
}

#[server(prefix = "/api", endpoint = "admin/add_user")]
pub async fn add_user(u: NewUserForm) -> Result<(), AppError> {
    super::accounts::add_user(u)
        .await
        .map_err(crate::api::session::with_status)
}

#[server(prefix = "/api", endpoint = "admin/update_user")]
pub async fn update_user(u: UserForm) -> Result<(), AppError> {
    super::accounts::update_user(u)
        .await
        .map_err(crate::api::session::with_status)
}

/// A signed-in person changes their own password; their other sessions end.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    pub current: String,
    pub new: String,
}

#[server(prefix = "/api", endpoint = "account/password")]
pub async fn change_password(p: PasswordForm) -> Result<(), AppError> {
    super::accounts::change_password(p)
        .await
        .map_err(crate::api::session::with_status)
}
