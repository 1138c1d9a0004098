//! The wire types of evidence: what the browser receives and posts (see `crate::api::evidence`).

use super::types::AuditEntry;
use crate::domain::{
    assurance::{AssuranceTier, Evidence, EvidenceKeys, Obligation},
    compliance::Compliance,
    Status,
};
use serde::{Deserialize, Serialize};

pub use crate::domain::forms::{
    AssessmentForm, AttestationForm, BulkTrainingForm, ContractForm, EnrollmentForm, RemoveForm,
    TrainingForm,
};

/// Everything a vendor manager reads about one vendor's assurance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InternalAssurance {
    pub legal_name: String,
    pub slug: String,
    pub status: Status,
    pub today: chrono::NaiveDate,
    pub tier: AssuranceTier,
    pub required: Vec<Obligation>,
    pub evidence: Evidence,
    pub compliance: Compliance,
    pub lapse_window: Option<u32>,
    /// Stored ids and versions of the evidence records, in the same order.
    pub keys: EvidenceKeys,
    /// Training courses offered in the forms.
    pub courses: Vec<String>,
    /// Whether the reader may change records (admins and managers).
    pub can_edit: bool,
    /// This vendor's audit trail, newest first.
    pub history: Vec<AuditEntry>,
    /// The vendor's version (the chain's forms save against it), its data category codes
    /// (what it can pass on) and its own subprocessors.
    pub version: i64,
    pub categories: Vec<String>,
    pub sub_processors: Vec<crate::domain::chain::SubProcessor>,
}
