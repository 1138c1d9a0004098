//! Test fixtures shared by the domain's unit tests (compliance, dashboard).

use chrono::NaiveDate;

use super::required_obligations;
use crate::domain::{assurance::*, vendor::WorkLocation, DataCategory, Lifecycle};

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

/// The evidence of a vendor authorized from 2025-02-01 until well after 2026-06-15 (the tests'
/// day), nothing lapsing before 2027-01-31; each test breaks or moves one thing.
pub fn authorized_evidence() -> Evidence {
    Evidence {
        lifecycle: Lifecycle {
            announced_on: Some(d("2025-01-01")),
            effective_on: Some(d("2025-02-01")),
            removed_on: None,
        },
        work_location: Some(WorkLocation::OwnFacilities),
        categories: vec![DataCategory::CustomerData],
        enrollments: vec![Enrollment {
            enrolled_on: d("2025-01-15"),
            status: EnrollmentStatus::Active,
        }],
        attestations: vec![Attestation {
            submitted_on: d("2026-01-01"),
            approved_on: Some(d("2026-01-10")),
            approved_by: Some("Reviewer".into()),
            outcome: AttestationOutcome::Approved,
        }],
        assessments: vec![Assessment {
            kind: AssessmentKind::Iso27001,
            assessor: "Assessor".into(),
            period_start: d("2025-01-01"),
            period_end: d("2025-12-31"),
            issued_on: d("2026-02-01"),
            valid_until: d("2027-01-31"),
        }],
        contracts: vec![Contract {
            kind: ContractKind::Dpa,
            reference: "DPA-1".into(),
            signed_on: d("2025-01-10"),
            in_force_from: d("2025-02-01"),
            ends_on: Some(d("2027-12-31")),
            auto_renew: false,
            notice_days: 90,
            obligations: required_obligations(Some(WorkLocation::OwnFacilities))
                .into_iter()
                .map(|obligation| ObligationTerm {
                    obligation,
                    hours: None,
                })
                .collect(),
        }],
        training: vec![TrainingRecord {
            person_name: "Ada Example".into(),
            person_email: "ada@vendor.example".into(),
            course: "Privacy basics".into(),
            completed_on: d("2026-03-01"),
            expires_on: d("2027-03-01"),
        }],
        sub_processors: 0,
    }
}
