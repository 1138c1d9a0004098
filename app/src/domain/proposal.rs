//! A change a vendor's contact proposes to its record (issue 26): a new sub-processor of its
//! own, a new country it processes in, or a new contact. A proposal is kept until a manager
//! decides: an accepted sub-processor or country goes through the vendor save with its notice
//! rule exactly as if the manager had typed it, against the record's version it was proposed
//! on (a record changed since is a conflict, never overwritten); an accepted contact is
//! invited as a manager invites one. The vendor proposes the day a widening takes effect; the
//! earliest allowed day is checked when proposing and again when accepting.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    chain::SubProcessorForm,
    contacts::ContactForm,
    fields::{FieldError, Fields},
    forms::vendor::VendorForm,
    CountryCode, DataCategory,
};

/// What a proposal changes (stored as `proposals.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalKind {
    SubProcessor,
    Country,
    Contact,
    /// From the watcher, not a contact: the vendor's own published list differs from its
    /// chain (issue 29; the payload is a [`super::watch::ListProposal`]).
    PublishedList,
}

impl ProposalKind {
    /// The form's `p[kind]`; empty is a sub-processor (the first kind, posted without one).
    pub fn parse(code: &str) -> Result<Self, FieldError> {
        match code.trim() {
            "" | "sub_processor" => Ok(Self::SubProcessor),
            "country" => Ok(Self::Country),
            "contact" => Ok(Self::Contact),
            other => Err(FieldError {
                field: "kind".into(),
                message: format!("\"{}\" is not something you can propose.", cut(other, 40)),
            }),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::SubProcessor => "sub_processor",
            Self::Country => "country",
            Self::Contact => "contact",
            Self::PublishedList => "published_list",
        }
    }

    /// The kind of a stored proposal (any kind; [`Self::parse`] takes only what a contact
    /// may propose).
    pub fn from_code(code: &str) -> Result<Self, FieldError> {
        match code {
            "published_list" => Ok(Self::PublishedList),
            other => Self::parse(other),
        }
    }
}

/// The portal's proposal form. `p[kind]` says what it proposes (`sub_processor`, the default;
/// `country`; `contact`). A sub-processor: `p[legal_name]`, `p[country]`, `p[purpose]`,
/// `p[categories][<code>]=on`, `p[effective_on]` (`YYYY-MM-DD`). A country: `p[country]`,
/// `p[effective_on]`. A contact: `p[name]`, `p[email]`, `p[answers_for][<role>]=on`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProposalForm {
    pub kind: String,
    pub legal_name: String,
    pub country: String,
    pub purpose: String,
    pub categories: BTreeMap<String, String>,
    pub effective_on: String,
    pub name: String,
    pub email: String,
    pub answers_for: BTreeMap<String, String>,
}

impl ProposalForm {
    /// What was typed into a refused sub-processor or country form, as `pv_<field>` pairs
    /// for the address the form goes back to (a form post has no script), so it comes back
    /// filled in. A contact's form is not: a person's name and address stay out of
    /// addresses, which logs and browser histories keep.
    pub fn typed(&self) -> Vec<(String, String)> {
        if matches!(self.kind(), Ok(ProposalKind::Contact)) {
            return Vec::new();
        }
        let text = [
            ("legal_name", &self.legal_name),
            ("country", &self.country),
            ("purpose", &self.purpose),
            ("effective_on", &self.effective_on),
        ];
        text.into_iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| (format!("pv_{k}"), cut(v, MAX_FIELD)))
            .chain(
                self.categories
                    .keys()
                    .filter(|c| DataCategory::parse(c).is_ok())
                    .map(|c| (format!("pv_cat_{c}"), "on".to_string())),
            )
            .collect()
    }
}

/// Longest text of a proposal's field (the editor's own limits apply after).
const MAX_FIELD: usize = 500;

fn cut(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

fn cut_map(m: &BTreeMap<String, String>, n: usize) -> BTreeMap<String, String> {
    m.iter()
        .take(n)
        .map(|(k, v)| (cut(k, MAX_FIELD), cut(v, MAX_FIELD)))
        .collect()
}

impl ProposalForm {
    /// What it proposes (an unknown kind is refused).
    pub fn kind(&self) -> Result<ProposalKind, Vec<FieldError>> {
        ProposalKind::parse(&self.kind).map_err(|e| vec![e])
    }

    /// The editor's form that adds this sub-processor to the vendor `slug` at `version`.
    pub fn sub_processor_form(&self, slug: &str, version: i64) -> SubProcessorForm {
        SubProcessorForm {
            vendor: slug.to_string(),
            version,
            legal_name: cut(&self.legal_name, MAX_FIELD),
            country: cut(&self.country, MAX_FIELD),
            purpose: cut(&self.purpose, MAX_FIELD),
            categories: cut_map(&self.categories, DataCategory::ALL.len()),
            scope_effective_on: cut(&self.effective_on, MAX_FIELD),
            ..SubProcessorForm::default()
        }
    }

    /// The vendor form `base` (the record as stored) with this country added and the day it
    /// takes effect; refused when the code is not a country or is listed already.
    pub fn country_form(&self, mut base: VendorForm) -> Result<VendorForm, Vec<FieldError>> {
        let mut f = Fields::default();
        let code = f.take(
            "country",
            CountryCode::parse(&cut(&self.country, MAX_FIELD)),
        );
        if let Some(code) = &code {
            let listed = base
                .countries
                .split(|c: char| c == ',' || c.is_whitespace())
                .any(|c| c.eq_ignore_ascii_case(code.as_str()));
            if listed {
                f.push(
                    "country",
                    format!(
                        "{} is listed already: there is nothing to propose.",
                        code.as_str()
                    ),
                );
            }
        }
        f.into_result(code.map(|code| {
            base.countries = format!("{} {}", base.countries.trim(), code.as_str())
                .trim()
                .to_string();
            base.scope_effective_on = cut(&self.effective_on, MAX_FIELD);
            base
        }))
    }

    /// The manager's invitation form for this contact of the vendor `slug`.
    pub fn contact_form(&self, slug: &str) -> ContactForm {
        ContactForm {
            vendor: slug.to_string(),
            name: cut(&self.name, MAX_FIELD),
            email: cut(&self.email, MAX_FIELD),
            answers_for: cut_map(&self.answers_for, 8),
        }
    }

    /// One line for lists: "New sub-processor: Name (CC), purpose", "New country: DE",
    /// "New contact: Name <address>".
    pub fn summary(&self) -> String {
        match ProposalKind::parse(&self.kind) {
            Ok(ProposalKind::Country) => {
                format!("New country: {}", self.country.trim().to_uppercase())
            }
            Ok(ProposalKind::Contact) => {
                format!("New contact: {} <{}>", self.name.trim(), self.email.trim())
            }
            _ => format!(
                "New sub-processor: {} ({}), {}",
                self.legal_name.trim(),
                self.country.trim().to_uppercase(),
                self.purpose.trim()
            ),
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_form_keeps_what_was_typed_but_no_persons_details() {
        let p = ProposalForm {
            legal_name: "Acme Mail GmbH".into(),
            country: "DE".into(),
            purpose: " ".into(),
            categories: [
                ("personal".to_string(), "on".to_string()),
                ("<script>".to_string(), "on".to_string()),
            ]
            .into(),
            ..ProposalForm::default()
        };
        assert_eq!(
            p.typed(),
            vec![
                ("pv_legal_name".to_string(), "Acme Mail GmbH".to_string()),
                ("pv_country".to_string(), "DE".to_string()),
                ("pv_cat_personal".to_string(), "on".to_string()),
            ]
        );
        let contact = ProposalForm {
            kind: "contact".into(),
            name: "Ada".into(),
            email: "ada@example.test".into(),
            ..ProposalForm::default()
        };
        assert!(contact.typed().is_empty());
    }

    #[test]
    fn a_country_is_added_to_the_stored_list_with_its_day() {
        let p = ProposalForm {
            kind: "country".into(),
            country: " pt ".into(),
            effective_on: "2027-03-01".into(),
            ..ProposalForm::default()
        };
        assert_eq!(p.kind(), Ok(ProposalKind::Country));
        let base = VendorForm {
            countries: "DE, FR".into(),
            ..VendorForm::default()
        };
        let f = p.country_form(base.clone()).expect("a new country");
        assert_eq!(f.countries, "DE, FR PT");
        assert_eq!(f.scope_effective_on, "2027-03-01");
        assert_eq!(p.summary(), "New country: PT");
        let listed = ProposalForm {
            country: "fr".into(),
            ..p.clone()
        };
        let e = listed
            .country_form(base.clone())
            .expect_err("listed already");
        assert_eq!(e[0].field, "country");
        assert!(e[0].message.contains("FR is listed already"), "{e:?}");
        let bogus = ProposalForm {
            country: "Atlantis".into(),
            ..p
        };
        assert_eq!(
            bogus.country_form(base).expect_err("no country")[0].field,
            "country"
        );
    }

    #[test]
    fn a_contact_is_the_invitation_form_and_unknown_kinds_are_refused() {
        let mut p = ProposalForm {
            kind: "contact".into(),
            name: "Ana Souza".into(),
            email: "ana@driftwood.example".into(),
            ..ProposalForm::default()
        };
        p.answers_for.insert("training".into(), "on".into());
        let c = p.contact_form("driftwood-labs");
        assert_eq!(c.vendor, "driftwood-labs");
        assert_eq!(c.parse().expect("a contact").answers_for_text(), "training");
        assert_eq!(
            p.summary(),
            "New contact: Ana Souza <ana@driftwood.example>"
        );
        p.kind = "<script>".into();
        assert_eq!(p.kind().expect_err("unknown")[0].field, "kind");
        p.kind = String::new();
        assert_eq!(
            p.kind(),
            Ok(ProposalKind::SubProcessor),
            "the first form posts no kind"
        );
    }

    #[test]
    fn a_proposal_is_the_editors_form_at_the_proposed_version() {
        let mut p = ProposalForm {
            legal_name: "Deep Archive AB".into(),
            country: "se".into(),
            purpose: "Cold storage of backups".into(),
            effective_on: "2027-02-01".into(),
            ..ProposalForm::default()
        };
        p.categories.insert("customer".into(), "on".into());
        let f = p.sub_processor_form("driftwood-labs", 7);
        assert_eq!(f.vendor, "driftwood-labs");
        assert_eq!(f.version, 7);
        assert_eq!(f.index, "", "always a new one");
        assert_eq!(f.remove, "");
        assert_eq!(f.scope_effective_on, "2027-02-01");
        assert_eq!(f.categories.get("customer").map(String::as_str), Some("on"));
        assert_eq!(
            p.summary(),
            "New sub-processor: Deep Archive AB (SE), Cold storage of backups"
        );
        // hostile sizes are cut before the editor's parser sees them
        p.legal_name = "x".repeat(100_000);
        assert_eq!(p.sub_processor_form("v", 1).legal_name.len(), MAX_FIELD);
    }
}
