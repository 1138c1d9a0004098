//! The vendor form: what a manager posts (`vendor[legal_name]=…`) and the record it becomes.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::{
    dates::optional_date,
    fields::{FieldError, Fields},
    text::{optional_text, required_text, website},
    vendor::{NewVendor, PurposeCategory, TransferMechanism, VendorKind, WorkLocation},
    CountryCode, DataCategory, Lifecycle, Slug,
};

/// The vendor form as posted; checkboxes arrive as `vendor[services][slug]=on`. Missing
/// fields are empty.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct VendorForm {
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
    /// When a wider scope (new country, category or service) takes effect; notice applies.
    pub scope_effective_on: String,
    pub services: BTreeMap<String, String>,
    pub countries: String,
    pub categories: BTreeMap<String, String>,
}

/// A parsed vendor form: the record and, for a change of scope, when it takes effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorDraft {
    pub vendor: NewVendor,
    pub scope_effective_on: Option<NaiveDate>,
}

impl VendorForm {
    /// Whether this form creates a vendor (no slug yet) rather than changing one.
    pub fn is_new(&self) -> bool {
        self.slug.trim().is_empty()
    }

    /// The record this form describes; `services` are the slugs of our services. Every
    /// refused field is named. A new vendor's slug comes from its name; an existing one keeps
    /// its own (the caller checks it exists).
    pub fn parse(&self, services: &[String]) -> Result<VendorDraft, Vec<FieldError>> {
        let mut f = Fields::default();
        let legal_name = f.take(
            "legal_name",
            required_text("Legal name", &self.legal_name, 200),
        );
        let slug = if self.is_new() {
            legal_name
                .as_deref()
                .and_then(|n| f.take("legal_name", Slug::from_name(n)))
        } else {
            f.take("slug", Slug::parse(self.slug.trim()))
        };
        if self.is_new() && slug.as_ref().is_some_and(|s| s.as_str() == "new") {
            f.push("legal_name", "\"New\" is reserved; add a word to the name.");
        }
        let trading_name = f.take(
            "trading_name",
            optional_text("Trading name", &self.trading_name, 200),
        );
        let parent_company = f.take(
            "parent_company",
            optional_text("Parent company", &self.parent_company, 200),
        );
        let registration_country = f.take(
            "registration_country",
            CountryCode::parse(&self.registration_country),
        );
        let website = f.take("website", website(&self.website));
        let privacy_contact = f.take(
            "privacy_contact",
            optional_text("Privacy contact", &self.privacy_contact, 300),
        );
        let kind = f.take("kind", VendorKind::parse(&self.kind));
        let work_location = f.take("work_location", WorkLocation::parse(&self.work_location));
        let purpose_category = f.take(
            "purpose_category",
            PurposeCategory::parse(&self.purpose_category),
        );
        let purpose_words = self
            .purpose
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let purpose = f.take("purpose", required_text("Purpose", &purpose_words, 1000));
        let transfer_mechanism = f.take(
            "transfer_mechanism",
            TransferMechanism::parse(&self.transfer_mechanism),
        );
        let announced_on = f.take(
            "announced_on",
            optional_date("the announcement date", &self.announced_on),
        );
        let effective_on = f.take(
            "effective_on",
            optional_date("the effective date", &self.effective_on),
        );
        let removed_on = f.take(
            "removed_on",
            optional_date("the removal date", &self.removed_on),
        );
        let scope_effective_on = f.take(
            "scope_effective_on",
            optional_date(
                "the date the wider scope takes effect",
                &self.scope_effective_on,
            ),
        );
        let lifecycle = match (announced_on, effective_on, removed_on) {
            (Some(a), Some(e), Some(r)) => {
                let l = Lifecycle {
                    announced_on: a,
                    effective_on: e,
                    removed_on: r,
                };
                f.take("lifecycle", l.validate().map(|_| l))
            }
            _ => None,
        };
        let mut chosen = Vec::new();
        if self.services.is_empty() {
            f.push(
                "services",
                "Choose at least one service this vendor supports.",
            );
        }
        for s in self.services.keys() {
            match Slug::parse(s) {
                Ok(slug) if services.iter().any(|k| k == slug.as_str()) => chosen.push(slug),
                _ => {
                    let m = "One of the chosen services no longer exists; reload the page.";
                    if !f.has("services", m) {
                        f.push("services", m);
                    }
                }
            }
        }
        let mut countries = Vec::new();
        for code in self
            .countries
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|c| !c.is_empty())
        {
            if let Some(c) = f.take("countries", CountryCode::parse(code)) {
                if !countries.contains(&c) {
                    countries.push(c);
                }
            }
        }
        if countries.is_empty() && self.countries.trim().is_empty() {
            f.push(
                "countries",
                "Enter at least one processing country (ISO codes such as DE FR).",
            );
        }
        let mut categories = Vec::new();
        for code in self.categories.keys() {
            if let Some(c) = f.take("categories", DataCategory::parse(code)) {
                if !categories.contains(&c) {
                    categories.push(c);
                }
            }
        }
        if self.categories.is_empty() {
            f.push("categories", "Choose at least one data category.");
        }
        let draft = (|| {
            Some(VendorDraft {
                vendor: NewVendor {
                    slug: slug?,
                    legal_name: legal_name?,
                    trading_name: trading_name?,
                    parent_company: parent_company?,
                    registration_country: registration_country?,
                    website: website?,
                    privacy_contact: privacy_contact?,
                    kind: kind?,
                    work_location: work_location?,
                    purpose_category: purpose_category?,
                    purpose: purpose?,
                    transfer_mechanism: transfer_mechanism?,
                    lifecycle: lifecycle?,
                    services: chosen,
                    countries,
                    categories,
                },
                scope_effective_on: scope_effective_on?,
            })
        })();
        f.into_result(draft)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fields::refused as fields;

    fn services() -> Vec<String> {
        vec!["backup".into(), "compute".into()]
    }

    fn form() -> VendorForm {
        let on = |k: &str| (k.to_string(), "on".to_string());
        VendorForm {
            legal_name: "  Nimbus  Relay GmbH ".into(),
            registration_country: "de".into(),
            kind: "third_party".into(),
            work_location: "own_facilities".into(),
            purpose_category: "infrastructure".into(),
            purpose: " Relays\n backups ".into(),
            transfer_mechanism: "sccs".into(),
            countries: "DE, fr de".into(),
            services: [on("backup")].into(),
            categories: [on("personal")].into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_form_becomes_a_record() {
        let d = form().parse(&services()).expect("parses");
        let v = d.vendor;
        assert_eq!(v.slug.as_str(), "nimbus-relay-gmbh");
        assert_eq!(v.legal_name, "Nimbus  Relay GmbH");
        assert_eq!(v.purpose, "Relays backups");
        assert_eq!(
            v.countries.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            ["DE", "FR"]
        );
        assert_eq!(v.services.len(), 1);
        assert_eq!(v.categories, [DataCategory::PersonalData]);
        assert_eq!(
            (v.lifecycle, d.scope_effective_on),
            (Lifecycle::default(), None)
        );
        assert_eq!(v.search_text(), "nimbus  relay gmbh ");
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let bad = VendorForm {
            legal_name: " ".into(),
            registration_country: "XX".into(),
            kind: "partner".into(),
            website: "acme.example".into(),
            countries: "".into(),
            services: Default::default(),
            categories: [("health".to_string(), "on".to_string())].into(),
            effective_on: "soon".into(),
            ..form()
        };
        let got = fields(bad.parse(&services()));
        for field in [
            "legal_name",
            "registration_country",
            "kind",
            "website",
            "countries",
            "services",
            "categories",
            "effective_on",
        ] {
            assert!(got.iter().any(|f| f == field), "{field} in {got:?}");
        }
    }

    #[test]
    fn unknown_services_reserved_names_and_lifecycle_order() {
        let mut f = form();
        f.services = [("gone".to_string(), "on".to_string())].into();
        assert_eq!(fields(f.parse(&services())), ["services"]);
        let f = VendorForm {
            legal_name: "New".into(),
            ..form()
        };
        assert_eq!(fields(f.parse(&services())), ["legal_name"]);
        let f = VendorForm {
            announced_on: "2026-03-01".into(),
            effective_on: "2026-02-01".into(),
            ..form()
        };
        assert_eq!(fields(f.parse(&services())), ["lifecycle"]);
        // an existing vendor keeps its slug, whatever its name says
        let f = VendorForm {
            slug: "nimbus".into(),
            legal_name: "Renamed Ltd".into(),
            ..form()
        };
        assert_eq!(
            f.parse(&services())
                .map(|d| d.vendor.slug.as_str().to_string()),
            Ok("nimbus".into())
        );
    }
}
