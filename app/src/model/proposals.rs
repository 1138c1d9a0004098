//! The wire types of proposals (see `crate::api::proposals`): changes a vendor's contact
//! proposes to its record, as the contact and managers see them.

use serde::{Deserialize, Serialize};

pub use crate::domain::proposal::{ProposalForm, ProposalKind};
pub use crate::domain::review::ReviewState;
use crate::model::editor::SubProcessor;

/// A proposal and where its review stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmittedProposal {
    pub id: i64,
    pub version: i64,
    pub vendor_slug: String,
    pub vendor_name: String,
    /// What it proposes, in one line.
    pub summary: String,
    /// The day the vendor proposes the change takes effect.
    pub effective_on: String,
    pub state: ReviewState,
    pub submitted_by: String,
    /// UTC, `YYYY-MM-DD HH:MM`.
    pub submitted_at: String,
    pub days_waiting: i64,
    pub reviewed_by: String,
    pub reviewed_at: String,
    pub comment: String,
    /// Whether the vendor's record changed since it was proposed (it cannot be accepted).
    pub conflict: bool,
}

/// `/manage/proposals/{id}`: the proposal, and what it changes before and after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalReview {
    pub proposal: SubmittedProposal,
    pub kind: ProposalKind,
    /// A sub-processor's proposal: the vendor's sub-processors now and with it.
    pub before: Vec<SubProcessor>,
    pub after: Vec<SubProcessor>,
    /// A country's or a contact's: the vendor's countries or contacts now and with it.
    pub lines_before: Vec<String>,
    pub lines_after: Vec<String>,
    /// A published page that changed: (label, address) of its kept versions, before and now.
    #[serde(default)]
    pub versions: Vec<(String, String)>,
    pub can_decide: bool,
}
