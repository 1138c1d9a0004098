//! Unit tests of `evidence`, kept beside it (out of the module's own file for its length).

use super::*;

#[test]
fn packed_evidence_unpacks_every_kind() {
    let (rs, us) = (RS, US);
    let packed = PackedEvidence {
            enrollments: Some(format!("1:1{us}2025-01-01{us}suspended{rs}2:3{us}2025-06-01{us}active")),
            attestations: Some(format!("1:1{us}2026-01-01{us}2026-01-10{us}Reviewer{us}approved{rs}2:1{us}2026-02-01{us}{us}{us}pending")),
            assessments: Some(format!("1:1{us}iso27001{us}Assessor{us}2025-01-01{us}2025-12-31{us}2026-02-01{us}2027-01-31")),
            training: Some(format!("7:2{us}Ada{us}ada@x.example{us}Course{us}2026-03-01{us}2027-03-01")),
            contracts: Some(format!(
                "1:1{us}dpa{us}DPA-1{us}2025-01-10{us}2025-02-01{us}{us}1{us}90{us}breach_notice:48,confidentiality:"
            )),
        };
    let r = packed.unpack().expect("unpacks");
    assert_eq!(r.enrollments.len(), 2);
    assert_eq!(r.enrollments[1].status, EnrollmentStatus::Active);
    assert_eq!(r.keys.enrollments[1], RecordKey { id: 2, version: 3 });
    assert_eq!(r.keys.training, vec![RecordKey { id: 7, version: 2 }]);
    assert_eq!(r.attestations[1].approved_on, None);
    assert_eq!(r.attestations[1].approved_by, None);
    assert_eq!(r.assessments[0].kind, AssessmentKind::Iso27001);
    assert_eq!(r.training[0].person_email, "ada@x.example");
    let c = &r.contracts[0];
    assert!(c.auto_renew && c.ends_on.is_none() && c.notice_days == 90);
    assert_eq!(
        c.obligations[0],
        ObligationTerm {
            obligation: Obligation::BreachNotice,
            hours: Some(48)
        }
    );
    assert_eq!(c.obligations[1].hours, None);
}

#[test]
fn empty_and_broken_packs() {
    assert_eq!(
        PackedEvidence::default()
            .unpack()
            .map(|r| r.training.len())
            .ok(),
        Some(0)
    );
    let broken = PackedEvidence {
        training: Some("1:1\u{1f}only-one-field".into()),
        ..Default::default()
    };
    assert!(broken.unpack().is_err());
}
