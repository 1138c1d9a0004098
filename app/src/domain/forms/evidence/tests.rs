//! The evidence forms at their edges.

use super::*;
use crate::domain::fields::refused as fields;

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn courses() -> Courses {
    Courses(vec![
        ("Privacy essentials".into(), 12),
        ("Security awareness".into(), 24),
    ])
}

#[test]
fn people_lines_take_either_form() {
    assert_eq!(
        parse_people("Ada Lovelace <ada@x.example>\n\n  Alan Turing, alan@x.example "),
        Ok(vec![
            ("Ada Lovelace".into(), "ada@x.example".into()),
            ("Alan Turing".into(), "alan@x.example".into())
        ])
    );
    assert!(parse_people("just-an-email@x.example").is_err());
    assert!(parse_people("  \n ").is_err());
}

#[test]
fn training_expiry_follows_the_course_and_the_future_is_refused() {
    let t = TrainingForm {
        person_name: " Ada ".into(),
        person_email: "Ada@X.example".into(),
        course: "Security awareness".into(),
        completed_on: "2026-01-31".into(),
        ..Default::default()
    };
    let r = t.parse(&courses(), d("2026-06-01")).expect("parses");
    assert_eq!(
        (
            r.person_name.as_str(),
            r.person_email.as_str(),
            r.expires_on
        ),
        ("Ada", "ada@x.example", d("2028-01-31"))
    );
    let future = TrainingForm {
        completed_on: "2026-06-02".into(),
        course: "Unknown course".into(),
        ..t
    };
    assert_eq!(
        fields(future.parse(&courses(), d("2026-06-01"))),
        ["course", "completed_on"]
    );
}

#[test]
fn bulk_training_names_the_line_once_per_message() {
    let b = BulkTrainingForm {
        people: "Ada <ada@x.example>\nBob <not-an-email>\nCy <cy@x.example>".into(),
        course: "Privacy essentials".into(),
        completed_on: "2026-01-01".into(),
        ..Default::default()
    };
    let errors = b
        .parse(&courses(), d("2026-06-01"))
        .expect_err("one bad line");
    assert_eq!(errors.len(), 1);
    assert!(errors[0].message.starts_with("Line 2:"), "{errors:?}");
    let no_course = BulkTrainingForm {
        people: "Ada <ada@x.example>\nCy <cy@x.example>".into(),
        course: "".into(),
        ..b
    };
    assert_eq!(
        fields(no_course.parse(&courses(), d("2026-06-01"))),
        ["course"]
    );
    let ok = BulkTrainingForm {
        people: "Ada <ada@x.example>\nCy, cy@x.example".into(),
        course: "Privacy essentials".into(),
        completed_on: "2026-01-01".into(),
        ..Default::default()
    };
    assert_eq!(
        ok.parse(&courses(), d("2026-06-01")).map(|r| r.len()),
        Ok(2)
    );
}

#[test]
fn attestation_approval_needs_date_name_and_order() {
    let a = AttestationForm {
        submitted_on: "2026-02-01".into(),
        outcome: "approved".into(),
        ..Default::default()
    };
    assert_eq!(fields(a.parse()), ["approved_on", "approved_by"]);
    let early = AttestationForm {
        approved_on: "2026-01-01".into(),
        approved_by: "Reviewer".into(),
        ..a.clone()
    };
    assert_eq!(fields(early.parse()), ["approved_on"]);
    let pending = AttestationForm {
        outcome: "pending".into(),
        ..a
    };
    assert!(pending.parse().is_ok_and(|r| r.valid_until().is_none()));
}

#[test]
fn assessment_and_contract_dates_are_ordered() {
    let a = AssessmentForm {
        kind: "iso27001".into(),
        assessor: "Cert Body".into(),
        period_start: "2026-01-01".into(),
        period_end: "2025-12-31".into(),
        issued_on: "2026-02-01".into(),
        valid_until: "2026-01-31".into(),
        ..Default::default()
    };
    assert_eq!(fields(a.parse()), ["period_end", "valid_until"]);
    let on = |k: &str| (k.to_string(), "on".to_string());
    let c = ContractForm {
        kind: "dpa".into(),
        reference: "DPA-1".into(),
        signed_on: "2026-01-01".into(),
        in_force_from: "2026-01-01".into(),
        obligations: [on("breach_notice"), on("confidentiality")].into(),
        breach_hours: "48".into(),
        notice_days: "90".into(),
        ..Default::default()
    };
    let r = c.parse().expect("parses");
    assert_eq!(r.notice_days, 90);
    assert_eq!(
        r.obligations
            .iter()
            .map(|t| (t.obligation, t.hours))
            .collect::<Vec<_>>(),
        [
            (Obligation::BreachNotice, Some(48)),
            (Obligation::Confidentiality, None)
        ]
    );
    let bad = ContractForm {
        ends_on: "2025-12-31".into(),
        breach_hours: "0".into(),
        notice_days: "ninety".into(),
        obligations: [on("breach_notice"), on("telepathy")].into(),
        ..c
    };
    assert_eq!(
        fields(bad.parse()),
        ["notice_days", "ends_on", "obligations", "breach_hours"]
    );
}

#[test]
fn enrollment_and_removal_kinds() {
    let e = EnrollmentForm {
        enrolled_on: "2026-01-01".into(),
        status: "paused".into(),
        ..Default::default()
    };
    assert_eq!(fields(e.parse()), ["status"]);
    let r = RemoveForm {
        kind: "training".into(),
        ..Default::default()
    };
    assert_eq!(r.kind(), Ok(RecordKind::Training));
    let bad = RemoveForm {
        kind: "vendor".into(),
        ..Default::default()
    };
    assert_eq!(fields(bad.kind()), ["kind"]);
}
