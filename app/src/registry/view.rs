//! The one public view of a vendor, labels resolved: what a customer may read of it. The
//! registry page, the CSV, the Excel workbook and the JSON API are all derived from it, today
//! and for a past day, so the formats cannot drift apart. Field names are an interface (the
//! CSV columns and the JSON keys, README): add at the end, never rename.

use std::borrow::Cow;

use chrono::NaiveDate;
use serde::{Serialize, Serializer};

use crate::{
    domain::{
        chain::SubProcessor,
        changes::AsOfEntry,
        compliance::{PublicAssurance, Standing},
        label_for,
        vendor::{PurposeCategory, TransferMechanism, VendorKind, WorkLocation},
        DataCategory, Status,
    },
    store::{vendors::VendorRow, StoreResult},
};

/// The CSV header, in column order: the JSON keys are the same names (kept in the domain,
/// where the import reads the same columns back).
pub use crate::domain::columns::EXPORT_COLUMNS as COLUMNS;

/// Separator of multi-valued cells.
pub const LIST_SEPARATOR: &str = "; ";

/// A standing serializes as its code (`authorized`, `not_compliant`, `ready`, `not_ready`,
/// `not_a_subprocessor`).
fn standing_code<S: Serializer>(s: &Option<Standing>, out: S) -> Result<S::Ok, S::Error> {
    match s {
        Some(s) => out.serialize_str(s.code()),
        None => out.serialize_none(),
    }
}

fn status_label<S: Serializer>(status: &Status, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(status.label())
}

/// An independent assessment valid on the day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Certification {
    pub name: String,
    pub valid_until: NaiveDate,
}

/// One vendor as customers read it. Fields follow [`COLUMNS`]; `None` is what is not known
/// (an empty cell, `null` in JSON), e.g. the registration of a vendor on a past day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PublicVendor {
    pub legal_name: String,
    pub trading_name: Option<String>,
    pub slug: String,
    pub parent_company: Option<String>,
    pub registration_country: Option<String>,
    pub kind: Option<String>,
    pub work_location: Option<String>,
    pub purpose_category: Option<String>,
    pub purpose: String,
    /// Service names.
    pub services: Vec<String>,
    /// ISO 3166-1 alpha-2 codes.
    pub processing_countries: Vec<String>,
    /// Labels, e.g. "Customer data".
    pub data_categories: Vec<String>,
    pub transfer_mechanism: Option<String>,
    /// `Announced`, `Active` or `Removed`.
    #[serde(serialize_with = "status_label")]
    #[schema(value_type = String)]
    pub status: Status,
    pub announced_on: Option<NaiveDate>,
    pub effective_on: Option<NaiveDate>,
    pub removed_on: Option<NaiveDate>,
    pub website: Option<String>,
    pub privacy_contact: Option<String>,
    /// `authorized`, `not_compliant`, `ready`, `not_ready` or `not_a_subprocessor`; `null`
    /// for a past day.
    #[serde(serialize_with = "standing_code")]
    #[schema(value_type = Option<String>)]
    pub compliance: Option<Standing>,
    pub vpap_enrolled_since: Option<NaiveDate>,
    pub assurance_tier: Option<String>,
    pub certifications: Vec<Certification>,
    pub bound_by_contract_to: Vec<String>,
    /// The vendor's own subprocessors: objects in JSON, `Name (CC)` in a cell.
    pub sub_processors: Vec<SubProcessor>,
    /// When an announced wider scope (the countries, categories and services above) takes
    /// effect, while that day is still to come; `null` otherwise and for a past day.
    pub scope_effective_on: Option<NaiveDate>,
}

fn category_labels(codes: &[String]) -> Vec<String> {
    codes
        .iter()
        .map(|c| label_for(c, DataCategory::parse, DataCategory::label))
        .collect()
}

impl PublicVendor {
    /// Today's view of a stored vendor with its public assurance on the day.
    pub fn from_row(row: &VendorRow, a: &PublicAssurance) -> StoreResult<Self> {
        Self::from_owned_row(row.clone(), a)
    }

    /// [`PublicVendor::from_row`] taking the row: its text moves into the view instead of
    /// being copied (the exports read every row once).
    pub fn from_owned_row(row: VendorRow, a: &PublicAssurance) -> StoreResult<Self> {
        let lifecycle = row.lifecycle()?;
        let status = row.status()?;
        let services = row.service_list();
        let processing_countries = row.country_list();
        let data_categories = category_labels(&row.category_list());
        let sub_processors = crate::store::vendors::sub_processors(&row.sub_processors)?;
        let scope_effective_on = row.scope_effective_on()?;
        Ok(PublicVendor {
            kind: Some(label_for(&row.kind, VendorKind::parse, VendorKind::label)),
            work_location: Some(label_for(
                &row.work_location,
                WorkLocation::parse,
                WorkLocation::label,
            )),
            purpose_category: Some(label_for(
                &row.purpose_category,
                PurposeCategory::parse,
                PurposeCategory::label,
            )),
            transfer_mechanism: Some(label_for(
                &row.transfer_mechanism,
                TransferMechanism::parse,
                TransferMechanism::label,
            )),
            legal_name: row.legal_name,
            trading_name: row.trading_name,
            slug: row.slug,
            parent_company: row.parent_company,
            registration_country: Some(row.registration_country),
            purpose: row.purpose,
            services,
            processing_countries,
            data_categories,
            status,
            announced_on: lifecycle.announced_on,
            effective_on: lifecycle.effective_on,
            removed_on: lifecycle.removed_on,
            website: row.website,
            privacy_contact: row.privacy_contact,
            compliance: Some(a.compliance.standing),
            vpap_enrolled_since: a.vpap_since,
            assurance_tier: Some(a.tier.label().to_string()),
            certifications: a
                .certifications
                .iter()
                .map(|(k, until)| Certification {
                    name: k.label().to_string(),
                    valid_until: *until,
                })
                .collect(),
            bound_by_contract_to: a
                .obligations
                .iter()
                .map(|o| o.label().to_string())
                .collect(),
            sub_processors,
            scope_effective_on,
        })
    }

    /// A vendor of a past day's registry: what the change history records (name, purpose,
    /// scope, status and the date it started); the rest is not known.
    pub fn from_past(e: &AsOfEntry) -> Self {
        let (status, announced_on, effective_on) = e.status_and_dates();
        PublicVendor {
            legal_name: e.scope.legal_name.clone(),
            trading_name: None,
            slug: e.slug.clone(),
            parent_company: None,
            registration_country: None,
            kind: None,
            work_location: None,
            purpose_category: None,
            purpose: e.scope.purpose.clone(),
            services: e.scope.services.clone(),
            processing_countries: e.scope.countries.clone(),
            data_categories: category_labels(&e.scope.categories),
            transfer_mechanism: None,
            status,
            announced_on,
            effective_on,
            removed_on: None,
            website: None,
            privacy_contact: None,
            compliance: None,
            vpap_enrolled_since: None,
            assurance_tier: None,
            certifications: Vec::new(),
            bound_by_contract_to: Vec::new(),
            sub_processors: e.scope.sub_processors.clone(),
            scope_effective_on: None,
        }
    }

    /// The cells of a CSV row or worksheet row, in [`COLUMNS`] order, before any spreadsheet
    /// neutralising: labels as the page shows them, lists joined with "; ". A cell that is
    /// one of the view's own texts is borrowed, not copied.
    pub fn cells(&self) -> [Cow<'_, str>; COLUMNS.len()] {
        fn opt(s: &Option<String>) -> Cow<'_, str> {
            s.as_deref().unwrap_or("").into()
        }
        fn day(d: Option<NaiveDate>) -> Cow<'static, str> {
            d.map_or(Cow::Borrowed(""), |d| d.to_string().into())
        }
        fn list(items: &[String]) -> Cow<'_, str> {
            match items {
                [] => "".into(),
                [one] => one.as_str().into(),
                many => many.join(LIST_SEPARATOR).into(),
            }
        }
        [
            self.legal_name.as_str().into(),
            opt(&self.trading_name),
            self.slug.as_str().into(),
            opt(&self.parent_company),
            opt(&self.registration_country),
            opt(&self.kind),
            opt(&self.work_location),
            opt(&self.purpose_category),
            self.purpose.as_str().into(),
            list(&self.services),
            list(&self.processing_countries),
            list(&self.data_categories),
            opt(&self.transfer_mechanism),
            self.status.label().into(),
            day(self.announced_on),
            day(self.effective_on),
            day(self.removed_on),
            opt(&self.website),
            opt(&self.privacy_contact),
            self.compliance
                .map_or(Cow::Borrowed(""), |v| v.label().into()),
            day(self.vpap_enrolled_since),
            opt(&self.assurance_tier),
            self.certifications
                .iter()
                .map(|c| format!("{} (valid until {})", c.name, c.valid_until))
                .collect::<Vec<_>>()
                .join(LIST_SEPARATOR)
                .into(),
            list(&self.bound_by_contract_to),
            self.sub_processors
                .iter()
                .map(SubProcessor::short)
                .collect::<Vec<_>>()
                .join(LIST_SEPARATOR)
                .into(),
            day(self.scope_effective_on),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        assurance::Evidence,
        changes::{AsOfStatus, PublicScope},
        compliance::public_assurance,
    };

    fn row() -> VendorRow {
        VendorRow {
            id: 1,
            version: 1,
            slug: "acme".into(),
            legal_name: "=HYPERLINK(\"x\")".into(),
            trading_name: Some("Acme, \"the\" best".into()),
            parent_company: None,
            registration_country: "DE".into(),
            website: None,
            privacy_contact: None,
            kind: "third_party".into(),
            work_location: "own_facilities".into(),
            purpose_category: "infrastructure".into(),
            purpose: "Line one\nline two".into(),
            transfer_mechanism: "sccs".into(),
            announced_on: Some("2026-01-01".into()),
            effective_on: None,
            removed_on: None,
            sub_processors: "[]".into(),
            status: "announced".into(),
            services: Some("compute object-storage".into()),
            service_names: Some("Compute; Object Storage".into()),
            countries: Some("DE FR".into()),
            categories: Some("customer support".into()),
            evidence: Default::default(),
            stored_assurance: None,
            scope_effective_on: None,
        }
    }

    fn vendor() -> PublicVendor {
        let day = "2026-06-01".parse().expect("date");
        let a = public_assurance(&Evidence::default(), day, false);
        PublicVendor::from_row(&row(), &a).expect("view")
    }

    #[test]
    fn cells_follow_the_columns_with_labels() {
        let vendor = vendor();
        let cells = vendor.cells();
        let cell = |name: &str| {
            let i = COLUMNS.iter().position(|c| *c == name).expect("column");
            cells[i].to_string()
        };
        assert_eq!(cell("legal_name"), "=HYPERLINK(\"x\")");
        assert_eq!(cell("services"), "Compute; Object Storage");
        assert_eq!(cell("processing_countries"), "DE; FR");
        assert_eq!(cell("data_categories"), "Customer data; Support data");
        assert_eq!(cell("kind"), "Third party");
        assert_eq!(cell("status"), "Announced");
        assert_eq!(cell("announced_on"), "2026-01-01");
        assert_eq!(cell("compliance"), "Not compliant");
        assert_eq!(cell("assurance_tier"), "Standard");
    }

    #[test]
    fn json_keys_are_the_csv_columns() {
        let json = serde_json::to_value(vendor()).expect("json");
        let mut keys: Vec<&str> = json
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        let mut columns = COLUMNS.to_vec();
        keys.sort_unstable();
        columns.sort_unstable();
        assert_eq!(keys, columns);
        assert_eq!(json["compliance"], "not_compliant");
        assert_eq!(json["status"], "Announced");
        assert_eq!(json["processing_countries"][1], "FR");
        assert_eq!(json["trading_name"], "Acme, \"the\" best");
    }

    #[test]
    fn a_past_day_knows_scope_and_dates_only() {
        let e = AsOfEntry {
            slug: "acme".into(),
            status: AsOfStatus::Active,
            scope: PublicScope {
                legal_name: "Acme GmbH".into(),
                purpose: "Mail".into(),
                services: vec!["Mail".into()],
                countries: vec!["DE".into()],
                categories: vec!["support".into()],
                sub_processors: Vec::new(),
            },
            since: "2026-01-01".parse().expect("date"),
        };
        let v = PublicVendor::from_past(&e);
        let cells = v.cells();
        assert_eq!(cells[0], "Acme GmbH");
        assert_eq!(cells[11], "Support data");
        assert_eq!(
            (cells[13].as_ref(), cells[15].as_ref()),
            ("Active", "2026-01-01")
        );
        assert!(cells[19].is_empty() && cells[4].is_empty());
        assert_eq!(
            serde_json::to_value(&v).expect("json")["compliance"],
            serde_json::Value::Null
        );
    }
}
