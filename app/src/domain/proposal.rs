//! A change a vendor's contact proposes to its record (issue 26): for now a new
//! sub-processor of its own. A proposal is the editor's own form, kept until a manager decides:
//! accepted, it goes through the vendor save with its notice rule exactly as if the manager had
//! typed it, against the record's version it was proposed on (a record changed since is a
//! conflict, never overwritten). The vendor proposes the day a widening takes effect; the
//! earliest allowed day is checked when proposing and again when accepting.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{chain::SubProcessorForm, DataCategory};

/// The portal's form proposing a new sub-processor: `p[legal_name]`, `p[country]`,
/// `p[purpose]`, `p[categories][<code>]=on`, `p[effective_on]` (`YYYY-MM-DD`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProposalForm {
    pub legal_name: String,
    pub country: String,
    pub purpose: String,
    pub categories: BTreeMap<String, String>,
    pub effective_on: String,
}

/// Longest text of a proposal's field (the editor's own limits apply after).
const MAX_FIELD: usize = 500;

impl ProposalForm {
    /// The editor's form that makes this change to the vendor `slug` at `version`.
    pub fn sub_processor_form(&self, slug: &str, version: i64) -> SubProcessorForm {
        let cut = |s: &str| s.chars().take(MAX_FIELD).collect::<String>();
        SubProcessorForm {
            vendor: slug.to_string(),
            version,
            legal_name: cut(&self.legal_name),
            country: cut(&self.country),
            purpose: cut(&self.purpose),
            categories: self
                .categories
                .iter()
                .take(DataCategory::ALL.len())
                .map(|(k, v)| (cut(k), cut(v)))
                .collect(),
            scope_effective_on: cut(&self.effective_on),
            ..SubProcessorForm::default()
        }
    }

    /// One line for lists: "New sub-processor: Name (CC), purpose".
    pub fn summary(&self) -> String {
        format!(
            "New sub-processor: {} ({}), {}",
            self.legal_name.trim(),
            self.country.trim().to_uppercase(),
            self.purpose.trim()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
