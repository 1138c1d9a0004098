//! The evidence of each generated vendor, chosen so that the demo shows every compliance
//! state.

use app::{
    domain::{
        assurance::{
            Assessment, AssessmentKind, Attestation, AttestationOutcome, Contract, ContractKind,
            Enrollment, EnrollmentStatus, Obligation, ObligationTerm, TrainingRecord,
        },
        compliance::required_obligations,
        vendor::{NewVendor, WorkLocation},
        DataCategory,
    },
    store::{
        evidence::{
            insert_assessment, insert_attestation, insert_contract, insert_enrollment,
            insert_training,
        },
        AnyConnection, StoreResult,
    },
};
use chrono::{Days, NaiveDate};

/// Which compliance state a demo vendor is seeded in, so the demo shows each one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoState {
    Authorized,
    ExpiredTraining,
    AttestationLapsingSoon,
    MissingObligation,
    NoContractInForce,
}

impl DemoState {
    /// Demo vendor indexes 1, 2, 4 and 5 are active vendors seeded out of compliance.
    pub fn for_index(i: usize) -> Self {
        match i {
            1 => Self::ExpiredTraining,
            2 => Self::AttestationLapsingSoon,
            4 => Self::MissingObligation,
            5 => Self::NoContractInForce,
            _ => Self::Authorized,
        }
    }
}

const PEOPLE: &[&str] = &[
    "Amara Okafor",
    "Bruno Lindqvist",
    "Chen Wei",
    "Dalia Haddad",
    "Emil Novak",
    "Fatima Rahman",
    "Gustavo Pereira",
    "Hana Sato",
    "Ines Duarte",
    "Jonas Berg",
    "Kavya Iyer",
    "Liam O'Connell",
];

/// Seed one vendor's evidence so that it is in `state` today.
pub async fn insert_evidence(
    conn: &mut AnyConnection,
    vendor_id: i64,
    i: usize,
    v: &NewVendor,
    today: NaiveDate,
    state: DemoState,
) -> StoreResult<()> {
    let ago = |n: u64| today.checked_sub_days(Days::new(n)).unwrap_or(today);
    let ahead = |n: u64| today.checked_add_days(Days::new(n)).unwrap_or(today);
    let start = v.lifecycle.announced_on.unwrap_or(today);
    insert_enrollment(
        conn,
        vendor_id,
        &Enrollment {
            enrolled_on: start,
            status: EnrollmentStatus::Active,
        },
    )
    .await?;
    // approved 12 months before "valid until"; lapsing soon means 20 days left
    let approved_on = match state {
        DemoState::AttestationLapsingSoon => ago(365 - 20),
        _ => ago(30 + (i as u64 * 11) % 200),
    };
    insert_attestation(
        conn,
        vendor_id,
        &Attestation {
            submitted_on: approved_on
                .checked_sub_days(Days::new(14))
                .unwrap_or(approved_on),
            approved_on: Some(approved_on),
            approved_by: Some("Priya Raman, Vendor Privacy Office".into()),
            outcome: AttestationOutcome::Approved,
        },
    )
    .await?;
    if v.categories.contains(&DataCategory::CustomerData) {
        let kind = [
            AssessmentKind::Iso27001,
            AssessmentKind::Soc2Type2,
            AssessmentKind::Iso27701,
        ][i % 3];
        insert_assessment(
            conn,
            vendor_id,
            &Assessment {
                kind,
                assessor: [
                    "Northbridge Assurance LLP",
                    "Keel & Partners Audit",
                    "Veritas Meridian Certification",
                ][i % 3]
                    .into(),
                period_start: ago(400),
                period_end: ago(40),
                issued_on: ago(30),
                valid_until: ahead(700),
            },
        )
        .await?;
    }
    let mut obligations: Vec<ObligationTerm> = required_obligations(Some(v.work_location))
        .into_iter()
        .chain([
            Obligation::FlowDown,
            Obligation::AuditCooperation,
            Obligation::DataDemandsRedirect,
        ])
        .filter(|o| !(state == DemoState::MissingObligation && *o == Obligation::BreachNotice))
        .map(|o| ObligationTerm {
            obligation: o,
            hours: (o == Obligation::BreachNotice).then_some(48),
        })
        .collect();
    obligations.sort_by_key(|t| t.obligation);
    let ends_on = match state {
        DemoState::NoContractInForce => Some(ago(10)),
        _ => Some(ahead(300 + (i as u64 * 13) % 400)),
    };
    insert_contract(
        conn,
        vendor_id,
        &Contract {
            kind: ContractKind::Dpa,
            reference: format!("DPA-{:04}", 1000 + i),
            signed_on: start,
            in_force_from: start,
            ends_on,
            auto_renew: false,
            notice_days: 90,
            obligations,
        },
    )
    .await?;
    let course = if v.work_location == WorkLocation::OurFacilities {
        "Handling customer data in our facilities"
    } else {
        "Privacy essentials for vendors"
    };
    for p in 0..(1 + i % 3) {
        let person = PEOPLE[(i + p * 5) % PEOPLE.len()];
        let completed_on = match (state, p) {
            (DemoState::ExpiredTraining, 0) => ago(400),
            _ => ago(20 + ((i + p) as u64 * 17) % 300),
        };
        let email = format!(
            "{}@vendor{i}.example",
            person.split(' ').next().unwrap_or("person").to_lowercase()
        );
        insert_training(
            conn,
            vendor_id,
            &TrainingRecord {
                person_name: person.into(),
                person_email: email,
                course: course.into(),
                completed_on,
                expires_on: TrainingRecord::expiry_for(completed_on, None).unwrap_or(completed_on),
            },
        )
        .await?;
    }
    Ok(())
}
