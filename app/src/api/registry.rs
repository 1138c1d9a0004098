//! The public registry: one page of the filtered list, and one vendor. No session needed,
//! read only.

use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::types::{page_count, Country, SelectOption};
use crate::{
    domain::{compliance::Standing, RegistryFilter, Status},
    error::AppError,
};

#[cfg(feature = "ssr")]
mod ssr;

/// Rows shown per page on screen; the CSV always has every matching row.
pub const PAGE_SIZE: u32 = 100;

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
    /// Computed today from the vendor's evidence (`None` for a past day's registry).
    pub standing: Option<Standing>,
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
    /// Its own subprocessors, and theirs when they are vendors of this registry.
    pub sub_processors: Vec<ChainLink>,
}

/// One link of the chain below a vendor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainLink {
    pub legal_name: String,
    pub country: Country,
    pub purpose: String,
    /// Data category labels.
    pub categories: Vec<String>,
    pub since: Option<NaiveDate>,
    pub list_url: Option<String>,
    /// Its page here, when it is a vendor of this registry.
    pub vendor_slug: Option<String>,
    /// Its own subprocessors (one level further down).
    pub below: Vec<ChainLink>,
}

/// The public face of a vendor's assurance: no personnel names, no contract references.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssuranceSummary {
    pub authorized: bool,
    pub standing: Standing,
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

/// The registry for a raw query string (`q`, `service`, `country`, `category`, `status`,
/// `compliance`, `as_of`, `page`).
#[server(prefix = "/api", endpoint = "registry")]
pub async fn load_registry(query: String) -> Result<RegistryPage, AppError> {
    ssr::load_registry(&query).await
}

/// One public vendor by slug; `NotFound` (and HTTP 404) when there is none.
#[server(prefix = "/api", endpoint = "vendor")]
pub async fn load_vendor(slug: String) -> Result<VendorDetail, AppError> {
    ssr::load_vendor(&slug).await
}
