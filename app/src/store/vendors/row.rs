//! The editing row: a vendor's stored fields as forms show them (codes, not labels), what
//! customers see of it, the record it is, and the row a write leaves (so a save need not read
//! it again).

use std::collections::HashMap;

use chrono::NaiveDate;
use sqlx::FromRow;

use super::{day, words};
use crate::{
    domain::{
        chain::SubProcessor,
        changes::PublicScope,
        vendor::{NewVendor, PurposeCategory, TransferMechanism, VendorKind, WorkLocation},
        CountryCode, DataCategory, Lifecycle, Slug,
    },
    store::{StoreError, StoreResult},
};

/// A vendor's stored fields as an editing form shows them (codes, not labels).
#[derive(Debug, Clone, FromRow)]
pub struct VendorEditRow {
    pub id: i64,
    pub version: i64,
    pub slug: String,
    pub legal_name: String,
    pub trading_name: Option<String>,
    pub parent_company: Option<String>,
    pub registration_country: String,
    pub website: Option<String>,
    pub privacy_contact: Option<String>,
    pub kind: String,
    pub work_location: String,
    pub purpose_category: String,
    pub purpose: String,
    pub transfer_mechanism: String,
    pub announced_on: Option<String>,
    pub effective_on: Option<String>,
    pub removed_on: Option<String>,
    /// The vendor's subprocessors, JSON (see `domain::chain`).
    pub sub_processors: String,
    /// Service slugs, processing countries and data category codes, joined with " ".
    pub services: Option<String>,
    pub countries: Option<String>,
    pub categories: Option<String>,
}

impl VendorEditRow {
    /// What customers see of this vendor's scope, service slugs given as names.
    pub fn public_scope(&self, service_names: &HashMap<String, String>) -> PublicScope {
        PublicScope {
            legal_name: self.legal_name.clone(),
            purpose: self.purpose.clone(),
            services: words(self.services.as_deref())
                .into_iter()
                .map(|s| service_names.get(&s).cloned().unwrap_or(s))
                .collect(),
            countries: words(self.countries.as_deref()),
            categories: words(self.categories.as_deref()),
            sub_processors: super::sub_processors(&self.sub_processors).unwrap_or_default(),
        }
        .normalized()
    }

    /// The vendor's subprocessors.
    pub fn sub_processor_list(&self) -> StoreResult<Vec<SubProcessor>> {
        super::sub_processors(&self.sub_processors)
    }

    pub fn lifecycle(&self) -> StoreResult<Lifecycle> {
        Ok(Lifecycle {
            announced_on: day(self.announced_on.as_deref())?,
            effective_on: day(self.effective_on.as_deref())?,
            removed_on: day(self.removed_on.as_deref())?,
        })
    }

    /// This row as [`super::update_vendor`] with `v` leaves it: one version on, the fields and lists
    /// of `v` (lists in the order the read gives them), the slug and the subprocessors (which
    /// the vendor form does not carry) kept. What a save knows without reading the row again.
    pub fn updated(&self, v: &NewVendor) -> VendorEditRow {
        fn list<'a>(items: impl Iterator<Item = &'a str>) -> Option<String> {
            let mut items: Vec<&str> = items.collect();
            items.sort_unstable();
            items.dedup();
            (!items.is_empty()).then(|| items.join(" "))
        }
        VendorEditRow {
            id: self.id,
            version: self.version + 1,
            slug: self.slug.clone(),
            legal_name: v.legal_name.clone(),
            trading_name: v.trading_name.clone(),
            parent_company: v.parent_company.clone(),
            registration_country: v.registration_country.as_str().to_string(),
            website: v.website.clone(),
            privacy_contact: v.privacy_contact.clone(),
            kind: v.kind.code().to_string(),
            work_location: v.work_location.code().to_string(),
            purpose_category: v.purpose_category.code().to_string(),
            purpose: v.purpose.clone(),
            transfer_mechanism: v.transfer_mechanism.code().to_string(),
            announced_on: date(v.lifecycle.announced_on),
            effective_on: date(v.lifecycle.effective_on),
            removed_on: date(v.lifecycle.removed_on),
            sub_processors: self.sub_processors.clone(),
            services: list(v.services.iter().map(|s| s.as_str())),
            countries: list(v.countries.iter().map(|c| c.as_str())),
            categories: list(v.categories.iter().map(|c| c.code())),
        }
    }

    /// This row as [`super::set_sub_processors`] with `list` leaves it: one version on, the
    /// list stored as it writes it.
    pub fn with_sub_processors(&self, list: &[SubProcessor]) -> StoreResult<VendorEditRow> {
        Ok(VendorEditRow {
            version: self.version + 1,
            sub_processors: sub_processors_json(list)?,
            ..self.clone()
        })
    }

    /// The stored vendor as a record, e.g. to save it again with one field changed.
    pub fn record(&self) -> StoreResult<NewVendor> {
        let bad = |e: crate::domain::ParseError| StoreError::Corrupt(e.0);
        Ok(NewVendor {
            slug: Slug::parse(&self.slug).map_err(bad)?,
            legal_name: self.legal_name.clone(),
            trading_name: self.trading_name.clone(),
            parent_company: self.parent_company.clone(),
            registration_country: CountryCode::parse(&self.registration_country).map_err(bad)?,
            website: self.website.clone(),
            privacy_contact: self.privacy_contact.clone(),
            kind: VendorKind::parse(&self.kind).map_err(bad)?,
            work_location: WorkLocation::parse(&self.work_location).map_err(bad)?,
            purpose_category: PurposeCategory::parse(&self.purpose_category).map_err(bad)?,
            purpose: self.purpose.clone(),
            transfer_mechanism: TransferMechanism::parse(&self.transfer_mechanism).map_err(bad)?,
            lifecycle: self.lifecycle()?,
            services: words(self.services.as_deref())
                .iter()
                .map(|s| Slug::parse(s).map_err(bad))
                .collect::<StoreResult<_>>()?,
            countries: words(self.countries.as_deref())
                .iter()
                .map(|c| CountryCode::parse(c).map_err(bad))
                .collect::<StoreResult<_>>()?,
            categories: words(self.categories.as_deref())
                .iter()
                .map(|c| DataCategory::parse(c).map_err(bad))
                .collect::<StoreResult<_>>()?,
        })
    }
}

/// A stored date column's text.
pub(super) fn date(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.to_string())
}

/// A list of subprocessors as it is stored (JSON).
pub(super) fn sub_processors_json(list: &[SubProcessor]) -> StoreResult<String> {
    serde_json::to_string(list).map_err(|e| StoreError::Corrupt(format!("sub_processors: {e}")))
}
