//! A vendor's lifecycle, `proposed -> announced -> active -> removed`, computed from its dates.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::ParseError;

/// The status of a vendor on a given day. It is never stored: it follows from the dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Status {
    Proposed,
    Announced,
    Active,
    Removed,
}

impl Status {
    /// Statuses a customer may see.
    pub const PUBLIC: [Status; 3] = [Self::Announced, Self::Active, Self::Removed];

    pub fn code(self) -> &'static str {
        match self {
            Self::Proposed => "proposed",
            Self::Announced => "announced",
            Self::Active => "active",
            Self::Removed => "removed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Proposed => "Proposed",
            Self::Announced => "Announced",
            Self::Active => "Active",
            Self::Removed => "Removed",
        }
    }

    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim().to_ascii_lowercase();
        [Self::Proposed, Self::Announced, Self::Active, Self::Removed]
            .into_iter()
            .find(|st| st.code() == s)
            .ok_or_else(|| {
                ParseError(format!(
                    "\"{}\" is not a status (announced, active or removed).",
                    input.trim()
                ))
            })
    }
}

/// The lifecycle dates of one vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Lifecycle {
    pub announced_on: Option<NaiveDate>,
    pub effective_on: Option<NaiveDate>,
    pub removed_on: Option<NaiveDate>,
}

impl Lifecycle {
    /// Status on `day`: the latest stage whose date has been reached. The SQL in the vendor
    /// store mirrors this rule (`store::vendors::STATUS_SQL`); the two are tested together.
    pub fn status_on(&self, day: NaiveDate) -> Status {
        let reached = |d: Option<NaiveDate>| d.is_some_and(|d| d <= day);
        if !reached(self.announced_on) {
            // never announced (or not yet): never public, whatever its other dates say
            Status::Proposed
        } else if reached(self.removed_on) {
            Status::Removed
        } else if reached(self.effective_on) {
            Status::Active
        } else if reached(self.announced_on) {
            Status::Announced
        } else {
            Status::Proposed
        }
    }

    /// Dates must follow the lifecycle order.
    pub fn validate(&self) -> Result<(), ParseError> {
        if self.removed_on.is_some() && self.announced_on.is_none() {
            return Err(ParseError(
                "A vendor that was never announced is deleted, not removed.".into(),
            ));
        }
        if let (Some(a), Some(e)) = (self.announced_on, self.effective_on) {
            if e < a {
                return Err(ParseError(
                    "The effective date cannot be before the announcement.".into(),
                ));
            }
        }
        if self.effective_on.is_some() && self.announced_on.is_none() {
            return Err(ParseError(
                "A vendor must be announced before it can take effect.".into(),
            ));
        }
        // a removal before the effective date withdraws an announced vendor
        if let (Some(a), Some(r)) = (self.announced_on, self.removed_on) {
            if r < a {
                return Err(ParseError(
                    "The removal date cannot be before the announcement.".into(),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    #[test]
    fn status_follows_dates_at_each_boundary() {
        let l = Lifecycle {
            announced_on: Some(d("2026-01-10")),
            effective_on: Some(d("2026-02-10")),
            removed_on: Some(d("2026-06-01")),
        };
        assert_eq!(l.status_on(d("2026-01-09")), Status::Proposed);
        assert_eq!(l.status_on(d("2026-01-10")), Status::Announced);
        assert_eq!(l.status_on(d("2026-02-09")), Status::Announced);
        assert_eq!(l.status_on(d("2026-02-10")), Status::Active);
        assert_eq!(l.status_on(d("2026-05-31")), Status::Active);
        assert_eq!(l.status_on(d("2026-06-01")), Status::Removed);
        assert_eq!(
            Lifecycle::default().status_on(d("2030-01-01")),
            Status::Proposed
        );
    }

    #[test]
    fn validate_checks_order() {
        let ok = Lifecycle {
            announced_on: Some(d("2026-01-10")),
            effective_on: Some(d("2026-01-10")),
            removed_on: None,
        };
        assert!(ok.validate().is_ok());
        let early = Lifecycle {
            effective_on: Some(d("2026-01-09")),
            ..ok
        };
        assert!(early.validate().is_err());
        let unannounced = Lifecycle {
            announced_on: None,
            ..ok
        };
        assert!(unannounced.validate().is_err());
        let removed_first = Lifecycle {
            removed_on: Some(d("2026-01-01")),
            ..ok
        };
        assert!(removed_first.validate().is_err());
    }

    #[test]
    fn status_codes_round_trip() {
        for s in [
            Status::Proposed,
            Status::Announced,
            Status::Active,
            Status::Removed,
        ] {
            assert_eq!(Status::parse(s.code()), Ok(s));
        }
        assert!(Status::parse("pending").is_err());
    }
}
