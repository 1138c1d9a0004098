//! The wire types of the vendor portal and of a vendor's contacts (see `crate::api::portal`).

use serde::{Deserialize, Serialize};

pub use crate::domain::contacts::{ContactForm, ContactRole, LinkState};
pub use crate::model::editor::VendorEdit;

/// One of a vendor's contacts, as managers and the vendor's own contacts see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactLine {
    pub id: i64,
    pub name: String,
    pub email: String,
    /// What it answers for, as labels ("Privacy, Training").
    pub answers_for: String,
    pub disabled: bool,
    /// When it was invited (UTC, `YYYY-MM-DD HH:MM`) and by whom.
    pub invited: String,
    pub invited_by: String,
    pub version: i64,
}

/// A vendor's contacts on its internal page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorContacts {
    pub slug: String,
    pub legal_name: String,
    pub can_edit: bool,
    pub contacts: Vec<ContactLine>,
}

/// What a signed-in contact sees at `/vendor`: who they are, their vendor's record as the
/// registry holds it, their vendor's contacts, and what the vendor submitted for review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalHome {
    pub contact_name: String,
    pub contact_email: String,
    pub vendor: VendorEdit,
    /// Our services' names for the vendor's service slugs.
    pub service_names: Vec<String>,
    pub contacts: Vec<ContactLine>,
    /// What the vendor submitted (assessments, rosters), newest first.
    pub submissions: Vec<crate::model::reviews::SubmittedAssessment>,
    pub rosters: Vec<crate::model::reviews::SubmittedRoster>,
    /// The attestations its contacts signed, newest first.
    pub attestations: Vec<crate::model::attestations::SignedAttestation>,
    /// The changes its contacts proposed, newest first.
    pub proposals: Vec<crate::model::proposals::SubmittedProposal>,
}
