//! Wire types: what the browser receives. Separate from storage rows.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::{RegistryFilter, Status};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Country {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectOption {
    pub value: String,
    pub label: String,
}

/// One row of the public registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorSummary {
    pub slug: String,
    pub legal_name: String,
    pub trading_name: Option<String>,
    pub purpose_category: String,
    pub purpose: String,
    pub services: Vec<String>,
    pub countries: Vec<Country>,
    pub categories: Vec<String>,
    pub status: Status,
    /// Computed today from the vendor's evidence.
    pub authorized: bool,
    pub announced_on: Option<NaiveDate>,
    pub effective_on: Option<NaiveDate>,
    pub removed_on: Option<NaiveDate>,
}

/// Every public field of one vendor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorDetail {
    pub summary: VendorSummary,
    pub parent_company: Option<String>,
    pub registration_country: Country,
    pub website: Option<String>,
    pub privacy_contact: Option<String>,
    pub kind: String,
    pub work_location: String,
    pub transfer_mechanism: String,
    pub assurance: AssuranceSummary,
    /// Announced changes not yet in effect: (effective on, what changes).
    pub upcoming_changes: Vec<(NaiveDate, String)>,
}

/// The public face of a vendor's assurance: no personnel names, no contract references.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssuranceSummary {
    pub authorized: bool,
    pub reasons: Vec<String>,
    pub next_change: Option<NaiveDate>,
    pub vpap_since: Option<NaiveDate>,
    pub tier: String,
    /// (name, valid until)
    pub certifications: Vec<(String, NaiveDate)>,
    pub obligations: Vec<String>,
}

/// One page of the registry with everything the filter form needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryPage {
    pub items: Vec<VendorSummary>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
    /// Messages about filter values that were ignored.
    pub messages: Vec<String>,
    pub filter: RegistryFilter,
    pub services: Vec<SelectOption>,
    pub countries: Vec<SelectOption>,
    /// Link to the CSV of exactly these filters (all pages).
    pub csv_href: String,
    pub today: NaiveDate,
}

/// Pages needed for `total` rows, `size` a page (at least one, for an empty list).
pub fn page_count(total: i64, size: u32) -> u32 {
    let size = i64::from(size.max(1));
    u32::try_from((total + size - 1) / size)
        .unwrap_or(u32::MAX)
        .max(1)
}

/// Our services as the options of a filter or form.
pub fn service_options(services: impl IntoIterator<Item = (String, String)>) -> Vec<SelectOption> {
    services
        .into_iter()
        .map(|(value, label)| SelectOption { value, label })
        .collect()
}

impl RegistryPage {
    pub fn page_count(&self) -> u32 {
        page_count(self.total, self.page_size)
    }

    /// Link to another page of the same filtered list.
    pub fn page_href(&self, page: u32) -> String {
        let mut f = self.filter.clone();
        f.page = page;
        let q = f.to_query(true);
        if q.is_empty() {
            "/".into()
        } else {
            format!("/?{q}")
        }
    }
}

/// One row of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
}
