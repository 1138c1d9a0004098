//! The managers' home page, for anyone signed in: what is not compliant today, what lapses
//! soon, who starts soon, and every vendor.

use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    domain::{compliance::Standing, dashboard::Dashboard, Status},
    error::AppError,
};

#[cfg(feature = "ssr")]
mod ssr;

/// One vendor in the managers' full list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorLine {
    pub slug: String,
    pub name: String,
    pub status: Status,
    pub standing: Standing,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManageHome {
    pub today: NaiveDate,
    pub dashboard: Dashboard,
    pub vendors: Vec<VendorLine>,
    pub can_edit: bool,
    pub is_admin: bool,
    /// Deliveries that failed for good (the outbox).
    pub failed_deliveries: i64,
    /// Objections not resolved yet.
    pub open_objections: i64,
}

#[server(prefix = "/api", endpoint = "manage/home")]
pub async fn load_manage_home() -> Result<ManageHome, AppError> {
    ssr::load_manage_home().await
}
