//! Internal assurance records of one vendor. Until vendor-manager sign-in exists this is
//! served only by development (debug) builds; a release build answers 404.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    domain::{
        assurance::{AssuranceTier, Evidence, Obligation},
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
}

#[server(prefix = "/api", endpoint = "manage/vendor_assurance")]
pub async fn load_vendor_assurance(slug: String) -> Result<InternalAssurance, AppError> {
    super::server::load_vendor_assurance(&slug).await
}
