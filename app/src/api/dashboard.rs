//! The managers' home page, for anyone signed in: what is not compliant today, what lapses
//! soon, who starts soon, and every vendor.

use crate::error::AppError;
use leptos::prelude::*;

pub use crate::model::dashboard::*;
#[cfg(feature = "ssr")]
use crate::service::dashboard as service;

#[server(prefix = "/api", endpoint = "manage/home")]
pub async fn load_manage_home() -> Result<ManageHome, AppError> {
    service::load_manage_home().await
}
