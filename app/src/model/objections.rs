//! The wire types of objections: what the browser receives and posts (see `crate::api::objections`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepLine {
    pub step: String,
    pub outcome: Option<String>,
    pub response: String,
    pub actor: String,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectionItem {
    pub id: i64,
    pub change_id: i64,
    pub vendor_slug: String,
    pub vendor: String,
    pub kind: String,
    pub effective_on: String,
    /// Days until the change takes effect (negative once in effect).
    pub days_left: i64,
    pub email: String,
    pub organisation: Option<String>,
    pub contact: Option<String>,
    pub reason: String,
    pub received_at: String,
    /// `received`, `acknowledged` or `resolved`.
    pub step: String,
    pub steps: Vec<StepLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectionsPage {
    pub items: Vec<ObjectionItem>,
    /// Open only (the default) or every objection.
    pub open_only: bool,
    pub vendor: Option<String>,
    pub can_edit: bool,
    /// (code, label) of the outcomes.
    pub outcomes: Vec<(String, String)>,
}
