//! The wire types of accounts: what the browser receives and posts (see `crate::api::accounts`).

use crate::domain::account::Role;
use serde::{Deserialize, Serialize};

pub use crate::domain::forms::{NewUserForm, PasswordForm, UserForm};

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
