//! Internal assurance records of one vendor, for signed-in admins, managers and auditors.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    domain::{
        assurance::{AssuranceTier, Evidence, EvidenceKeys, Obligation},
        compliance::Compliance,
        Status,
    },
    error::AppError,
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
    pub history: Vec<super::types::AuditEntry>,
}

#[server(prefix = "/api", endpoint = "manage/vendor_assurance")]
pub async fn load_vendor_assurance(slug: String) -> Result<InternalAssurance, AppError> {
    super::server::load_vendor_assurance(&slug).await
}
