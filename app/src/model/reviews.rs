//! The wire types of submissions and their review (see `crate::api::reviews`): what a vendor's
//! contact submitted, with the document it rests on, as managers and the contact see it.

use serde::{Deserialize, Serialize};

pub use crate::domain::forms::AssessmentForm;
pub use crate::domain::review::{Decision, ReviewState};
pub use crate::model::documents::DocumentInfo;

/// One submitted independent assessment and where its review stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmittedAssessment {
    pub id: i64,
    pub version: i64,
    pub vendor_slug: String,
    pub vendor_name: String,
    /// The assessment's kind, as its label.
    pub kind: String,
    pub assessor: String,
    pub period_start: String,
    pub period_end: String,
    pub issued_on: String,
    pub valid_until: String,
    pub state: ReviewState,
    pub submitted_by: String,
    /// UTC, `YYYY-MM-DD HH:MM`.
    pub submitted_at: String,
    pub days_waiting: i64,
    pub reviewed_by: String,
    pub reviewed_at: String,
    pub comment: String,
    pub document: Option<DocumentInfo>,
}

/// `/manage/reviews`: what waits, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewQueue {
    pub waiting: Vec<SubmittedAssessment>,
    pub rosters: Vec<SubmittedRoster>,
    pub attestations: Vec<crate::model::attestations::SignedAttestation>,
    pub proposals: Vec<crate::model::proposals::SubmittedProposal>,
    /// Whether the reader may decide (admins and managers).
    pub can_decide: bool,
}

/// A training roster a vendor's contact submitted, and where its review stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmittedRoster {
    pub id: i64,
    pub version: i64,
    pub vendor_slug: String,
    pub vendor_name: String,
    pub file_name: String,
    pub sha256: String,
    /// How many people it lists.
    pub people: i64,
    pub state: ReviewState,
    pub submitted_by: String,
    /// UTC, `YYYY-MM-DD HH:MM`.
    pub submitted_at: String,
    pub days_waiting: i64,
    pub reviewed_by: String,
    pub reviewed_at: String,
    pub comment: String,
}

/// A roster's review: the roster and how it differs from the vendor's training records in
/// force today (who is added, changed, no longer listed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterReview {
    pub roster: SubmittedRoster,
    pub diff: crate::domain::roster::RosterDiff,
}
