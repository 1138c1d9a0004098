//! The wire types of editor: what the browser receives and posts (see `crate::api::editor`).

use super::types::SelectOption;
use serde::{Deserialize, Serialize};

pub use crate::domain::{
    chain::{SubProcessor, SubProcessorForm},
    forms::VendorForm,
};

/// A vendor as its editing form shows it: stored codes, dates as `YYYY-MM-DD`, and the
/// multi-valued fields as lists. Also the before/after snapshot in the audit trail.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorEdit {
    pub slug: String,
    pub version: i64,
    pub legal_name: String,
    pub trading_name: String,
    pub parent_company: String,
    pub registration_country: String,
    pub website: String,
    pub privacy_contact: String,
    pub kind: String,
    pub work_location: String,
    pub purpose_category: String,
    pub purpose: String,
    pub transfer_mechanism: String,
    pub announced_on: String,
    pub effective_on: String,
    pub removed_on: String,
    pub services: Vec<String>,
    /// Processing countries, ISO codes separated by spaces.
    pub countries: String,
    pub categories: Vec<String>,
    /// Its own subprocessors.
    #[serde(default)]
    pub sub_processors: Vec<SubProcessor>,
}

/// What the vendor editor needs: the vendor (empty for a new one) and our services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorEditor {
    pub vendor: VendorEdit,
    pub is_new: bool,
    pub services: Vec<SelectOption>,
}
