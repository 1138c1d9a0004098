//! Assurance evidence: VPAP enrollment, attestations, independent assessments, training records
//! and contracts with their obligations. Plain data; the rules live in `compliance`.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{vendor::WorkLocation, vocabulary::vocabulary, DataCategory, Lifecycle};

vocabulary!(
    /// The kinds of evidence record a manager adds, edits and removes.
    RecordKind, "kind of record", {
    Enrollment => ("enrollment", "VPAP enrollment"),
    Attestation => ("attestation", "Attestation"),
    Assessment => ("assessment", "Independent assessment"),
    Training => ("training", "Training record"),
    Contract => ("contract", "Contract"),
});

vocabulary!(EnrollmentStatus, "enrollment status", {
    Active => ("active", "Active"),
    Suspended => ("suspended", "Suspended"),
    Withdrawn => ("withdrawn", "Withdrawn"),
});

vocabulary!(AttestationOutcome, "attestation outcome", {
    Pending => ("pending", "Pending review"),
    Approved => ("approved", "Approved"),
    ChangesRequested => ("changes_requested", "Changes requested"),
    Rejected => ("rejected", "Rejected"),
});

vocabulary!(AssessmentKind, "assessment kind", {
    Iso27001 => ("iso27001", "ISO/IEC 27001"),
    Iso27701 => ("iso27701", "ISO/IEC 27701"),
    Soc2Type2 => ("soc2_type2", "SOC 2 Type II"),
    Program => ("program", "VPAP program assessment"),
});

vocabulary!(ContractKind, "contract kind", {
    Msa => ("msa", "Master services agreement"),
    Dpa => ("dpa", "Data processing agreement"),
    Sccs => ("sccs", "Standard contractual clauses"),
    Nda => ("nda", "Non-disclosure agreement"),
});

vocabulary!(
    /// The obligation catalogue (also held in the `obligations` table with these codes).
    Obligation, "obligation", {
    PurposeLimitation => ("purpose_limitation", "Purpose limitation: customer data only to deliver the contracted service"),
    Confidentiality => ("confidentiality", "Confidentiality"),
    OurPrivacyStandards => ("our_privacy_standards", "Our privacy standards (work in our facilities)"),
    EquivalentPrivacyStandards => ("equivalent_privacy_standards", "Equivalent privacy standards"),
    PrivacyTraining => ("privacy_training", "Regular privacy training"),
    VpapMembership => ("vpap_membership", "VPAP membership"),
    BreachNotice => ("breach_notice", "Breach notice"),
    DeletionOrReturn => ("deletion_or_return", "Deletion or return of data at end"),
    FlowDown => ("flow_down", "Flow-down to sub-subprocessors"),
    AuditCooperation => ("audit_cooperation", "Audit cooperation"),
    DataDemandsRedirect => ("data_demands_redirect", "Third-party data demands redirected to the customer"),
});

vocabulary!(
    /// How much assurance VPAP asks of a vendor; follows from the data it touches.
    AssuranceTier, "assurance tier", {
    Standard => ("standard", "Standard"),
    Elevated => ("elevated", "Elevated"),
    Highest => ("highest", "Highest"),
});

impl AssuranceTier {
    /// Customer data means the highest tier; personal data the elevated one.
    pub fn for_categories(categories: &[DataCategory]) -> Self {
        if categories.contains(&DataCategory::CustomerData) {
            Self::Highest
        } else if categories.contains(&DataCategory::PersonalData) {
            Self::Elevated
        } else {
            Self::Standard
        }
    }

    pub fn requires_assessment(self) -> bool {
        self == Self::Highest
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    pub enrolled_on: NaiveDate,
    pub status: EnrollmentStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attestation {
    pub submitted_on: NaiveDate,
    pub approved_on: Option<NaiveDate>,
    pub approved_by: Option<String>,
    pub outcome: AttestationOutcome,
}

/// How long an approved attestation holds.
pub const ATTESTATION_MONTHS: u32 = 12;

impl Attestation {
    /// Last day it is valid: approval + 12 months. None unless approved.
    pub fn valid_until(&self) -> Option<NaiveDate> {
        match (self.outcome, self.approved_on) {
            (AttestationOutcome::Approved, Some(a)) => {
                a.checked_add_months(Months::new(ATTESTATION_MONTHS))
            }
            _ => None,
        }
    }

    pub fn valid_on(&self, day: NaiveDate) -> bool {
        matches!((self.approved_on, self.valid_until()), (Some(a), Some(u)) if a <= day && day <= u)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub kind: AssessmentKind,
    pub assessor: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub issued_on: NaiveDate,
    pub valid_until: NaiveDate,
}

impl Assessment {
    pub fn valid_on(&self, day: NaiveDate) -> bool {
        self.issued_on <= day && day <= self.valid_until
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingRecord {
    pub person_name: String,
    pub person_email: String,
    pub course: String,
    pub completed_on: NaiveDate,
    pub expires_on: NaiveDate,
}

/// Default validity of a training course.
pub const TRAINING_MONTHS: u32 = 12;

impl TrainingRecord {
    pub fn valid_on(&self, day: NaiveDate) -> bool {
        self.completed_on <= day && day <= self.expires_on
    }

    /// Expiry for a completion date: `months` later (12 unless the course says otherwise).
    pub fn expiry_for(completed_on: NaiveDate, months: Option<u32>) -> Option<NaiveDate> {
        completed_on.checked_add_months(Months::new(months.unwrap_or(TRAINING_MONTHS)))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObligationTerm {
    pub obligation: Obligation,
    /// For breach notice: the hours within which we must be told.
    pub hours: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contract {
    pub kind: ContractKind,
    pub reference: String,
    pub signed_on: NaiveDate,
    pub in_force_from: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub auto_renew: bool,
    pub notice_days: u32,
    pub obligations: Vec<ObligationTerm>,
}

impl Contract {
    /// In force from its start through its end day; an auto-renewing contract keeps renewing.
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.in_force_from <= day && (self.auto_renew || self.ends_on.is_none_or(|e| day <= e))
    }
}

/// Which stored row (and version) each evidence record came from, for editing forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordKey {
    pub id: i64,
    pub version: i64,
}

/// Keys of a vendor's evidence, in the same order as the records in [`Evidence`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceKeys {
    pub enrollments: Vec<RecordKey>,
    pub attestations: Vec<RecordKey>,
    pub assessments: Vec<RecordKey>,
    pub training: Vec<RecordKey>,
    pub contracts: Vec<RecordKey>,
}

/// Everything the rules look at for one vendor.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Evidence {
    pub lifecycle: Lifecycle,
    pub work_location: Option<WorkLocation>,
    pub categories: Vec<DataCategory>,
    pub enrollments: Vec<Enrollment>,
    pub attestations: Vec<Attestation>,
    pub assessments: Vec<Assessment>,
    pub contracts: Vec<Contract>,
    pub training: Vec<TrainingRecord>,
    /// How many subprocessors of its own it lists (the flow-down obligation is then required).
    #[serde(default)]
    pub sub_processors: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn attestation_valid_for_twelve_months_from_approval() {
        let a = Attestation {
            submitted_on: d("2026-01-02"),
            approved_on: Some(d("2026-01-10")),
            approved_by: Some("A. Reviewer".into()),
            outcome: AttestationOutcome::Approved,
        };
        assert_eq!(a.valid_until(), Some(d("2027-01-10")));
        assert!(!a.valid_on(d("2026-01-09")));
        assert!(a.valid_on(d("2026-01-10")));
        assert!(a.valid_on(d("2027-01-10")));
        assert!(!a.valid_on(d("2027-01-11")));
        let pending = Attestation {
            outcome: AttestationOutcome::Pending,
            ..a
        };
        assert_eq!(pending.valid_until(), None);
        assert!(!pending.valid_on(d("2026-06-01")));
    }

    #[test]
    fn contract_in_force_through_its_last_day_or_forever_if_renewing() {
        let c = Contract {
            kind: ContractKind::Dpa,
            reference: "DPA-1".into(),
            signed_on: d("2025-12-01"),
            in_force_from: d("2026-01-01"),
            ends_on: Some(d("2026-12-31")),
            auto_renew: false,
            notice_days: 90,
            obligations: vec![],
        };
        assert!(!c.in_force_on(d("2025-12-31")));
        assert!(c.in_force_on(d("2026-12-31")));
        assert!(!c.in_force_on(d("2027-01-01")));
        let renewing = Contract {
            auto_renew: true,
            ..c
        };
        assert!(renewing.in_force_on(d("2030-01-01")));
    }

    #[test]
    fn tier_follows_data_categories() {
        use DataCategory::*;
        assert_eq!(
            AssuranceTier::for_categories(&[SupportData, CustomerData]),
            AssuranceTier::Highest
        );
        assert_eq!(
            AssuranceTier::for_categories(&[PersonalData]),
            AssuranceTier::Elevated
        );
        assert_eq!(
            AssuranceTier::for_categories(&[SupportData]),
            AssuranceTier::Standard
        );
        assert!(AssuranceTier::Highest.requires_assessment());
        assert!(!AssuranceTier::Elevated.requires_assessment());
    }

    #[test]
    fn training_expiry_defaults_to_twelve_months() {
        assert_eq!(
            TrainingRecord::expiry_for(d("2026-02-28"), None),
            Some(d("2027-02-28"))
        );
        assert_eq!(
            TrainingRecord::expiry_for(d("2026-01-31"), Some(6)),
            Some(d("2026-07-31"))
        );
    }
}
