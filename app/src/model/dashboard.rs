//! The wire types of dashboard: what the browser receives and posts (see `crate::api::dashboard`).

use crate::domain::{compliance::Standing, dashboard::Dashboard, Status};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

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
    /// Submissions of vendors' contacts waiting for review.
    pub waiting_reviews: i64,
    /// The newest check of the signed log (none made yet: `None`).
    pub log_check: Option<LogCheckLine>,
    /// Requests for trust documents waiting for approval.
    pub waiting_trust: i64,
    /// Trust documents whose validity ends within 90 days (or has ended): slug, title, the
    /// last valid day.
    pub expiring_trust: Vec<(String, String, String)>,
}

/// How the newest check of the whole signed log ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogCheckLine {
    pub ok: bool,
    /// When it finished (RFC 3339, UTC).
    pub at: String,
    pub leaves: Option<u64>,
    /// What differed, when it failed.
    pub message: String,
}
