//! Subprocessor change notices (GDPR Art. 28(2)): customers must learn of a new subprocessor,
//! or of a wider scope for an existing one, before it takes effect, so they can object. The
//! rules are split by concern: `notice` (how much notice a change needs, what counts as a
//! widening, what a save records), `replay` (the public registry on any day, replayed from the
//! events, and the difference between two days), `filter` (what a customer asked of the
//! changes page) and `describe` (sentences for people). Pure functions only; callers pass
//! every date in.

pub mod describe;
pub mod filter;
pub mod notice;
pub mod replay;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use describe::{describe, scope_difference};
pub use filter::ChangesFilter;
pub use notice::{
    earliest_effective, plan, widening, FieldRefusal, NoticePeriods, PlannedEvent, Published,
};
pub use replay::{
    days_left, diff, diff_of, registry_as_of, registry_as_of_days, AsOfEntry, AsOfStatus, Diff,
    DiffHead,
};

/// What customers see of a vendor's scope; sorted, de-duplicated lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PublicScope {
    pub legal_name: String,
    pub purpose: String,
    /// Service names.
    pub services: Vec<String>,
    /// ISO 3166 alpha-2 codes.
    pub countries: Vec<String>,
    /// Data category codes (`DataCategory::code`).
    pub categories: Vec<String>,
    /// The vendor's own subprocessors, by name (absent from events recorded before any).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_processors: Vec<crate::domain::chain::SubProcessor>,
}

impl PublicScope {
    /// The same scope with every list sorted and de-duplicated, so scopes compare by content.
    pub fn normalized(mut self) -> Self {
        for list in [
            &mut self.services,
            &mut self.countries,
            &mut self.categories,
        ] {
            list.sort();
            list.dedup();
        }
        self.sub_processors.sort();
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ChangeKind {
    Added,
    ScopeChanged,
    Removed,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 3] = [Self::Added, Self::ScopeChanged, Self::Removed];

    pub fn code(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::ScopeChanged => "scope_changed",
            Self::Removed => "removed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Added => "Added",
            Self::ScopeChanged => "Scope changed",
            Self::Removed => "Removed",
        }
    }

    pub fn parse(input: &str) -> Result<Self, String> {
        let s = input.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| {
                format!(
                    "\"{}\" is not a change kind (added, scope_changed or removed).",
                    input.trim()
                )
            })
    }
}

/// One announced change: `before` is None for `Added`, `after` is None for `Removed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeEvent {
    pub id: i64,
    pub slug: String,
    pub kind: ChangeKind,
    pub announced_on: NaiveDate,
    pub effective_on: NaiveDate,
    pub before: Option<PublicScope>,
    pub after: Option<PublicScope>,
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Builders shared by the tests of every part of the change rules.
    use super::*;

    pub fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    pub fn strs(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    pub fn scope(name: &str, services: &[&str], countries: &[&str], cats: &[&str]) -> PublicScope {
        let (services, countries, categories) = (strs(services), strs(countries), strs(cats));
        let (legal_name, purpose) = (name.into(), "Hosting".into());
        PublicScope {
            legal_name,
            purpose,
            services,
            countries,
            categories,
            sub_processors: Vec::new(),
        }
        .normalized()
    }

    pub fn ev(
        id: i64,
        slug: &str,
        kind: ChangeKind,
        announced_on: NaiveDate,
        effective_on: NaiveDate,
        after: Option<PublicScope>,
    ) -> ChangeEvent {
        let (slug, before) = (slug.to_string(), None);
        ChangeEvent {
            id,
            slug,
            kind,
            announced_on,
            effective_on,
            before,
            after,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{test_support::*, *};
    use ChangeKind::ScopeChanged;

    #[test]
    fn kinds_round_trip_and_normalize_sorts() {
        for k in ChangeKind::ALL {
            assert_eq!(ChangeKind::parse(k.code()), Ok(k));
        }
        assert_eq!(ChangeKind::parse(" Scope_Changed "), Ok(ScopeChanged));
        assert_eq!(ScopeChanged.label(), "Scope changed");
        assert!(ChangeKind::parse("renamed").is_err());
        let s = scope("A", &["b", "a", "b"], &[], &[]);
        assert_eq!(s.services, strs(&["a", "b"]));
    }
}
