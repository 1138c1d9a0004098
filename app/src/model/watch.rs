//! The wire types of a vendor's followed list (see `crate::api::editor`): the form that sets
//! it and what the vendor's manage page shows of its fetching.

use serde::{Deserialize, Serialize};

/// `w[vendor]` (the slug), `w[subprocessor_list_url]` (empty: stop following),
/// `w[every_hours]` (1 to 2160; empty: 24, daily).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WatchForm {
    pub vendor: String,
    pub subprocessor_list_url: String,
    pub every_hours: String,
}

/// One fetch of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchLine {
    /// UTC, `YYYY-MM-DD HH:MM`.
    pub at: String,
    /// `changed`, `same`, `not_modified` or `failed`.
    pub outcome: String,
    pub sha256: String,
    pub bytes: i64,
    pub error: String,
}

/// The vendor's followed list: empty `url` when none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchStatus {
    pub slug: String,
    pub url: String,
    pub every_hours: i64,
    pub checked_at: String,
    pub ok_at: String,
    /// Failures in a row (the managers' digest names the list from 3).
    pub failures: i64,
    pub last_error: String,
    pub fetches: Vec<FetchLine>,
    pub can_edit: bool,
}
