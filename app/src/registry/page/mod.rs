//! The public registry's two pages (the list and a vendor), rendered to HTML on the server.
//!
//! These pages show data and links, and nothing on them reacts in place: the browser gets
//! their HTML once, in the page or as the answer of `api::registry` after an in-page
//! navigation, and never the data they were rendered from. So the main browser bundle carries
//! neither these views nor the code to read their data (issue 13: the bundle every visitor
//! loads), and a rendered page is not followed by a second copy of its data for hydration.

mod filters;
mod list;
mod vendor;

use chrono::NaiveDate;
use leptos::prelude::*;

use self::vendor::VendorView;
use crate::domain::{
    compliance::Standing,
    listing::{page_count, Country, SelectOption},
    RegistryFilter, Status,
};

/// Rows shown per page on screen; the CSV always has every matching row.
pub const PAGE_SIZE: u32 = 100;

/// One row of the public registry.
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// For a past day: the signed checkpoint whose tree holds every change announced by then.
    pub checkpoint: Option<crate::registry::change::DayCheckpoint>,
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

/// The registry list (filters, count, table, pages) as HTML.
pub fn registry_html(page: &RegistryPage) -> String {
    list::registry(page).to_html()
}

/// A vendor's page as HTML.
pub fn vendor_html(v: VendorDetail) -> String {
    view! { <VendorView v/> }.to_html()
}
