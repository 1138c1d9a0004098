//! Table-driven tests of the compliance rules at each boundary.

use super::*;
use crate::domain::{assurance::*, vendor::WorkLocation, DataCategory, Lifecycle};

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

const DAY: &str = "2026-06-15";

fn terms(list: &[Obligation]) -> Vec<ObligationTerm> {
    list.iter()
        .map(|o| ObligationTerm {
            obligation: *o,
            hours: None,
        })
        .collect()
}

/// A vendor that is authorized on DAY; each test breaks one thing.
fn authorized() -> Evidence {
    crate::domain::compliance::fixtures::authorized_evidence()
}

#[test]
fn the_baseline_is_authorized() {
    let c = assess(&authorized(), d(DAY));
    assert!(c.authorized, "{:?}", c.reasons);
    assert_eq!(c.code(), "authorized");
}

#[test]
fn each_broken_rule_gives_its_reason() {
    type Break = fn(&mut Evidence);
    let cases: Vec<(&str, Break, &str)> = vec![
        (
            "removed today",
            |e| e.lifecycle.removed_on = Some(d(DAY)),
            "removed on 2026-06-15",
        ),
        ("never enrolled", |e| e.enrollments.clear(), "Not enrolled"),
        (
            "enrollment suspended",
            |e| {
                e.enrollments.push(Enrollment {
                    enrolled_on: d("2026-05-01"),
                    status: EnrollmentStatus::Suspended,
                })
            },
            "enrollment is suspended",
        ),
        (
            "attestation expired yesterday",
            |e| e.attestations[0].approved_on = Some(d("2025-06-14")),
            "expired on 2026-06-14",
        ),
        (
            "attestation pending",
            |e| e.attestations[0].outcome = AttestationOutcome::Pending,
            "No approved attestation",
        ),
        (
            "assessment expired yesterday",
            |e| e.assessments[0].valid_until = d("2026-06-14"),
            "expired on 2026-06-14",
        ),
        (
            "no assessment",
            |e| e.assessments.clear(),
            "no valid independent assessment",
        ),
        (
            "contract ended yesterday",
            |e| e.contracts[0].ends_on = Some(d("2026-06-14")),
            "No contract in force",
        ),
        (
            "contract not yet in force",
            |e| e.contracts[0].in_force_from = d("2026-06-16"),
            "No contract in force",
        ),
        (
            "obligation missing",
            |e| {
                e.contracts[0]
                    .obligations
                    .retain(|t| t.obligation != Obligation::BreachNotice)
            },
            "Breach notice",
        ),
        (
            "no training at all",
            |e| e.training.clear(),
            "No training records",
        ),
        (
            "training expired yesterday",
            |e| e.training[0].expires_on = d("2026-06-14"),
            "Ada Example (expired 2026-06-14)",
        ),
        (
            "subprocessors without the flow-down obligation",
            |e| e.sub_processors = 2,
            "It has 2 subprocessors, but no contract in force binds it to: Flow-down to sub-subprocessors.",
        ),
        (
            "second person untrained",
            |e| {
                let mut t = e.training[0].clone();
                t.person_email = "bo@vendor.example".into();
                t.person_name = "Bo Example".into();
                t.expires_on = d("2026-01-01");
                t.completed_on = d("2025-01-01");
                e.training.push(t);
            },
            "1 person with access has no valid privacy training. Bo Example (expired 2026-01-01)",
        ),
    ];
    for (name, break_it, expected) in cases {
        let mut e = authorized();
        break_it(&mut e);
        let c = assess(&e, d(DAY));
        assert!(!c.authorized, "{name}: should not be authorized");
        assert_eq!(c.reasons.len(), 1, "{name}: {:?}", c.reasons);
        assert!(
            c.reasons[0].internal().contains(expected),
            "{name}: {:?}",
            c.reasons
        );
    }
}

#[test]
fn announced_vendors_are_judged_for_their_effective_date_and_removed_ones_are_gone() {
    let mut e = authorized();
    e.lifecycle.effective_on = Some(d("2026-07-01"));
    let c = assess(&e, d(DAY));
    assert!(!c.authorized, "not processing anything yet");
    assert_eq!(c.standing, Standing::Ready(d("2026-07-01")));
    assert_eq!(c.label(), "Ready for 2026-07-01");
    assert!(c.reasons.is_empty());
    // training that lapses before the effective date: not ready by then, with the reason
    e.training[0].expires_on = d("2026-06-20");
    let c = assess(&e, d(DAY));
    assert_eq!(c.standing, Standing::NotReady(d("2026-07-01")));
    assert_eq!(c.code(), "not_ready");
    assert!(c.reasons[0]
        .internal()
        .contains("Ada Example (expired 2026-06-20)"));
    // removed: no longer a subprocessor, whatever its evidence says
    let mut e = authorized();
    e.lifecycle.removed_on = Some(d(DAY));
    let c = assess(&e, d(DAY));
    assert_eq!(c.standing, Standing::NoLonger);
    assert_eq!(c.label(), "No longer a subprocessor");
    assert_eq!(c.reasons.len(), 1);
    assert!(c.reasons[0].text.contains("removed on 2026-06-15"));
    // active: authorized or not compliant, as before
    assert_eq!(assess(&authorized(), d(DAY)).standing, Standing::Authorized);
}

#[test]
fn boundaries_that_still_pass() {
    type Edge = fn(&mut Evidence);
    let cases: Vec<(&str, Edge)> = vec![
        ("effective today", |e| {
            e.lifecycle.effective_on = Some(d(DAY))
        }),
        ("attestation valid until today", |e| {
            e.attestations[0].approved_on = Some(d("2025-06-15"))
        }),
        ("assessment valid until today", |e| {
            e.assessments[0].valid_until = d(DAY)
        }),
        ("contract ending today", |e| {
            e.contracts[0].ends_on = Some(d(DAY))
        }),
        ("contract ended but auto-renews", |e| {
            e.contracts[0].ends_on = Some(d("2026-01-01"));
            e.contracts[0].auto_renew = true;
        }),
        ("training expires today", |e| {
            e.training[0].expires_on = d(DAY)
        }),
        ("older expired training renewed", |e| {
            let mut old = e.training[0].clone();
            old.completed_on = d("2024-01-01");
            old.expires_on = d("2025-01-01");
            e.training.push(old);
        }),
        ("no assessment needed below the highest tier", |e| {
            e.categories = vec![DataCategory::PersonalData];
            e.assessments.clear();
        }),
        ("obligations split over two contracts", |e| {
            let mut second = e.contracts[0].clone();
            second.kind = ContractKind::Msa;
            second.obligations = terms(&[Obligation::BreachNotice]);
            e.contracts[0]
                .obligations
                .retain(|t| t.obligation != Obligation::BreachNotice);
            e.contracts.push(second);
        }),
        ("re-enrolled after suspension", |e| {
            e.enrollments.insert(
                0,
                Enrollment {
                    enrolled_on: d("2024-01-01"),
                    status: EnrollmentStatus::Suspended,
                },
            );
        }),
    ];
    for (name, edge) in cases {
        let mut e = authorized();
        edge(&mut e);
        let c = assess(&e, d(DAY));
        assert!(c.authorized, "{name}: {:?}", c.reasons);
    }
}

#[test]
fn facility_type_switches_the_privacy_standards_obligation() {
    let mut e = authorized();
    e.work_location = Some(WorkLocation::OurFacilities);
    let c = assess(&e, d(DAY));
    assert_eq!(c.reasons.len(), 1);
    assert!(
        c.reasons[0].text.contains("Our privacy standards"),
        "{:?}",
        c.reasons
    );
    e.contracts[0].obligations = terms(&required_obligations(Some(WorkLocation::OurFacilities)));
    assert!(assess(&e, d(DAY)).authorized);
    assert!(required_obligations(Some(WorkLocation::OurFacilities))
        .contains(&Obligation::OurPrivacyStandards));
    assert!(!required_obligations(Some(WorkLocation::OurFacilities))
        .contains(&Obligation::EquivalentPrivacyStandards));
}

#[test]
fn every_failing_reason_is_listed() {
    let e = Evidence {
        lifecycle: authorized().lifecycle,
        ..Default::default()
    };
    let c = assess(&e, d(DAY));
    assert!(!c.authorized);
    // enrollment, attestation, contract, training (no categories: no assessment needed)
    assert_eq!(c.reasons.len(), 4, "{:?}", c.reasons);
}

#[test]
fn next_change_is_the_first_lapse_and_windows_follow() {
    let mut e = authorized();
    // the attestation (approved 2025-07-01) is the first thing to lapse: valid through 2026-07-01
    e.attestations[0].approved_on = Some(d("2025-07-01"));
    let c = assess(&e, d(DAY));
    assert!(c.authorized);
    assert_eq!(c.next_change, Some(d("2026-07-02")));
    assert_eq!(c.lapse_window(d(DAY)), Some(30));
    // lapses in 17 days: within 30; 46 days: within 60; 88 days: within 90; 140 days: none
    for (approved, window) in [
        ("2025-07-30", Some(60)),
        ("2025-09-10", Some(90)),
        ("2025-11-01", None),
    ] {
        e.attestations[0].approved_on = Some(d(approved));
        assert_eq!(
            assess(&e, d(DAY)).lapse_window(d(DAY)),
            window,
            "{approved}"
        );
    }
}

#[test]
fn next_change_skips_lapses_that_do_not_change_the_verdict() {
    let mut e = authorized();
    // an MSA ending soon while the DPA carries everything: no change on its end
    let mut msa = e.contracts[0].clone();
    msa.kind = ContractKind::Msa;
    msa.ends_on = Some(d("2026-06-20"));
    e.contracts.push(msa);
    let c = assess(&e, d(DAY));
    assert_eq!(
        c.next_change,
        Some(d("2027-01-11")),
        "attestation lapses after 2027-01-10"
    );
}

#[test]
fn not_compliant_vendor_sees_when_it_becomes_authorized() {
    let mut e = authorized();
    e.lifecycle.effective_on = Some(d("2026-07-01"));
    let c = assess(&e, d(DAY));
    assert!(!c.authorized);
    assert_eq!(c.next_change, Some(d("2026-07-01")));
    assert_eq!(c.lapse_window(d(DAY)), None);
}

#[test]
fn public_reasons_never_name_people() {
    let mut e = authorized();
    e.training[0].expires_on = d("2026-06-14");
    let c = assess(&e, d(DAY));
    assert!(!c.reasons[0].text.contains("Ada"));
    assert!(c.reasons[0].internal().contains("Ada Example"));
}

#[test]
fn public_summary_lists_what_holds_today() {
    let p = public_assurance(&authorized(), d(DAY), true);
    assert_eq!(
        public_assurance(&authorized(), d(DAY), false)
            .compliance
            .next_change,
        None
    );
    assert!(p.compliance.next_change.is_some());
    assert!(p.compliance.authorized);
    assert_eq!(p.vpap_since, Some(d("2025-01-15")));
    assert_eq!(p.tier, AssuranceTier::Highest);
    assert_eq!(
        p.certifications,
        vec![(AssessmentKind::Iso27001, d("2027-01-31"))]
    );
    assert!(p
        .obligations
        .contains(&Obligation::EquivalentPrivacyStandards));
}

/// Random evidence around DAY: every record kind, dates within two years either side, so
/// verdicts of every standing and every boundary kind occur.
mod steady {
    use super::*;
    use proptest::prelude::*;

    fn day() -> impl Strategy<Value = NaiveDate> {
        (-730i64..730).prop_map(|n| d(DAY) + chrono::Duration::days(n))
    }

    fn pick<T: Copy + std::fmt::Debug + 'static>(all: &'static [T]) -> impl Strategy<Value = T> {
        proptest::sample::select(all)
    }

    fn evidence() -> impl Strategy<Value = Evidence> {
        let lifecycle = (
            proptest::option::of(day()),
            proptest::option::of(day()),
            proptest::option::of(day()),
        )
            .prop_map(|(announced_on, effective_on, removed_on)| Lifecycle {
                announced_on,
                effective_on,
                removed_on,
            });
        let enrollment =
            (day(), pick(EnrollmentStatus::ALL)).prop_map(|(enrolled_on, status)| Enrollment {
                enrolled_on,
                status,
            });
        let attestation = (
            day(),
            proptest::option::of(day()),
            pick(AttestationOutcome::ALL),
        )
            .prop_map(|(submitted_on, approved_on, outcome)| Attestation {
                submitted_on,
                approved_on,
                approved_by: approved_on.map(|_| "Reviewer".into()),
                outcome,
            });
        let assessment =
            (pick(AssessmentKind::ALL), day(), 0u64..800).prop_map(|(kind, issued_on, days)| {
                Assessment {
                    kind,
                    assessor: "Assessor".into(),
                    period_start: issued_on,
                    period_end: issued_on,
                    issued_on,
                    valid_until: issued_on + chrono::Days::new(days),
                }
            });
        let contract = (
            pick(ContractKind::ALL),
            day(),
            proptest::option::of(0u64..900),
            any::<bool>(),
            proptest::sample::subsequence(Obligation::ALL, 0..=Obligation::ALL.len()),
        )
            .prop_map(|(kind, from, length, auto_renew, obligations)| Contract {
                kind,
                reference: "C-1".into(),
                signed_on: from,
                in_force_from: from,
                ends_on: length.map(|n| from + chrono::Days::new(n)),
                auto_renew,
                notice_days: 30,
                obligations: terms(&obligations),
            });
        let training =
            (0usize..3, day(), 0u64..500).prop_map(|(who, completed_on, days)| TrainingRecord {
                person_name: format!("Person {who}"),
                person_email: format!("p{who}@vendor.example"),
                course: "Privacy basics".into(),
                completed_on,
                expires_on: completed_on + chrono::Days::new(days),
            });
        (
            lifecycle,
            pick(WorkLocation::ALL),
            proptest::sample::subsequence(DataCategory::ALL.to_vec(), 0..=3),
            proptest::collection::vec(enrollment, 0..3),
            proptest::collection::vec(attestation, 0..3),
            proptest::collection::vec(assessment, 0..3),
            proptest::collection::vec(contract, 0..3),
            proptest::collection::vec(training, 0..4),
            0usize..3,
        )
            .prop_map(
                |(
                    lifecycle,
                    location,
                    categories,
                    enrollments,
                    attestations,
                    assessments,
                    contracts,
                    training,
                    subs,
                )| {
                    Evidence {
                        lifecycle,
                        work_location: Some(location),
                        categories,
                        enrollments,
                        attestations,
                        assessments,
                        contracts,
                        training,
                        sub_processors: subs,
                    }
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Status and whether any reason fails hold from a day until its next boundary (the
        /// dashboard's series judges a vendor again only there).
        #[test]
        fn standing_holds_until_the_next_boundary(e in evidence(), start in day(), step in 0i64..800) {
            let later = start + chrono::Duration::days(step);
            if next_boundary(&e, start).is_none_or(|u| later < u) {
                prop_assert_eq!(e.lifecycle.status_on(later), e.lifecycle.status_on(start));
                prop_assert_eq!(
                    failing_reasons(&e, later).is_empty(),
                    failing_reasons(&e, start).is_empty()
                );
            }
        }

        /// What is stored for a day holds, unchanged, on every later day before
        /// `steady_until`, and the day it names is a real boundary or later evidence.
        #[test]
        fn public_assurance_holds_until_steady_until(e in evidence(), start in day(), step in 0i64..800) {
            let first = public_assurance(&e, start, false);
            let until = steady_until(&e, start, &first);
            if let Some(u) = until {
                prop_assert!(u > start);
            }
            let later = start + chrono::Duration::days(step);
            if until.is_none_or(|u| later < u) {
                prop_assert_eq!(public_assurance(&e, later, false), first);
            }
        }
    }
}
