//! Unit tests of `notices`, kept beside it (out of the module's own file for its length).

use super::*;
use crate::domain::{changes::PublicScope, fields::refused};

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn scope(countries: &[&str], cats: &[&str]) -> PublicScope {
    PublicScope {
        legal_name: "Acme".into(),
        purpose: "Mail".into(),
        services: vec!["Mail".into()],
        countries: countries.iter().map(|c| c.to_string()).collect(),
        categories: cats.iter().map(|c| c.to_string()).collect(),
        sub_processors: Vec::new(),
    }
}

fn event(kind: ChangeKind, before: Option<PublicScope>, after: Option<PublicScope>) -> ChangeEvent {
    ChangeEvent {
        id: 1,
        slug: "acme".into(),
        kind,
        announced_on: d("2026-01-01"),
        effective_on: d("2026-03-01"),
        before,
        after,
    }
}

#[test]
fn subscribing_names_every_bad_field() {
    let known = vec!["compute".to_string(), "backup".to_string()];
    let ok = SubscribeForm {
        email: " Kim@Example.com ".into(),
        organisation: "Kim Ltd".into(),
        service: vec!["backup".into(), "backup".into()],
        category: vec!["customer".into()],
    };
    let s = ok.parse(&known).expect("parses");
    assert_eq!(s.email.as_str(), "kim@example.com");
    assert_eq!(s.interests.services.len(), 1);
    assert_eq!(s.interests.categories, [DataCategory::CustomerData]);
    let bad = SubscribeForm {
        email: "kim".into(),
        organisation: "x".repeat(201),
        service: vec!["mainframes".into()],
        category: vec!["health".into()],
    };
    assert_eq!(
        refused(bad.parse(&known)),
        ["email", "organisation", "service", "category"]
    );
    let everything = SubscribeForm {
        email: "kim@example.com".into(),
        ..Default::default()
    };
    assert_eq!(
        everything.parse(&known).map(|s| s.interests),
        Ok(Interests::default())
    );
}

#[test]
fn interests_narrow_by_service_and_by_category() {
    let e = event(ChangeKind::Added, None, Some(scope(&["DE"], &["personal"])));
    let services = vec!["mail".to_string()];
    let all = Interests::default();
    assert!(all.matches(&e, &services));
    let mail = Interests::from_stored("mail", "");
    assert!(mail.matches(&e, &services));
    assert!(!Interests::from_stored("compute", "").matches(&e, &services));
    assert!(Interests::from_stored("", "personal customer").matches(&e, &services));
    assert!(!Interests::from_stored("mail", "customer").matches(&e, &services));
    let (s, c) = Interests::from_stored("mail compute", "customer").to_stored();
    assert_eq!((s.as_str(), c.as_str()), ("mail compute", "customer"));
}

#[test]
fn retries_back_off_then_give_up_after_three_days() {
    let t0: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().expect("time");
    let waits: Vec<i64> = (1..=7).map(|a| retry_delay(a).num_minutes()).collect();
    assert_eq!(waits, [1, 5, 30, 120, 720, 1440, 1440]);
    assert_eq!(
        next_attempt(t0, 1, t0, 0.0),
        Some(t0 + Duration::minutes(1))
    );
    let late = t0 + Duration::hours(40);
    assert_eq!(
        next_attempt(t0, 6, late, 0.0),
        Some(late + Duration::hours(24))
    );
    assert_eq!(next_attempt(t0, 7, t0 + Duration::hours(60), 0.0), None);
    let spread = next_attempt(t0, 3, t0, 1.0).expect("retry");
    assert_eq!(spread, t0 + Duration::minutes(33));
}

#[test]
fn only_upcoming_additions_and_widenings_take_objections() {
    let today = d("2026-02-01");
    let add = event(ChangeKind::Added, None, Some(scope(&["DE"], &["support"])));
    assert_eq!(objectionable(&add, today, false), Ok(()));
    assert!(objectionable(&add, today, true).is_err());
    let too_late = objectionable(&add, d("2026-03-01"), false).expect_err("in effect");
    assert!(too_late.contains("2026-03-01"), "{too_late}");
    let wider = event(
        ChangeKind::ScopeChanged,
        Some(scope(&["DE"], &["support"])),
        Some(scope(&["DE", "US"], &["support"])),
    );
    assert_eq!(objectionable(&wider, today, false), Ok(()));
    let narrower = event(
        ChangeKind::ScopeChanged,
        Some(scope(&["DE", "US"], &["support"])),
        Some(scope(&["DE"], &["support"])),
    );
    assert!(objectionable(&narrower, today, false).is_err());
    let removal = event(
        ChangeKind::Removed,
        Some(scope(&["DE"], &["support"])),
        None,
    );
    assert!(objectionable(&removal, today, false).is_err());
}

#[test]
fn objections_need_a_reason_and_steps_move_forward() {
    let short = ObjectionForm {
        reason: "no".into(),
        ..Default::default()
    };
    assert_eq!(refused(short.parse()), ["reason"]);
    let long = ObjectionForm {
        reason: "x".repeat(5001),
        ..Default::default()
    };
    assert_eq!(refused(long.parse()), ["reason"]);
    let ok = ObjectionForm {
        reason: "  We may not send personal data to the US.\nPlease reconsider.  ".into(),
        organisation: "Kim Ltd".into(),
        ..Default::default()
    };
    let o = ok.parse().expect("parses");
    assert!(o.reason.starts_with("We may") && o.contact.is_none());
    let resolve = ObjectionStepForm {
        step: "resolved".into(),
        outcome: "change_kept".into(),
        response: "We keep it: the US vendor holds SCCs.".into(),
        ..Default::default()
    };
    assert_eq!(
        resolve.parse(Step::Acknowledged).map(|s| s.outcome),
        Ok(Some(Outcome::Kept))
    );
    assert_eq!(refused(resolve.parse(Step::Resolved)), ["step"]);
    let no_outcome = ObjectionStepForm {
        outcome: String::new(),
        response: "short".into(),
        ..resolve
    };
    assert_eq!(
        refused(no_outcome.parse(Step::Received)),
        ["outcome", "response"]
    );
    let ack = ObjectionStepForm {
        step: "acknowledged".into(),
        ..Default::default()
    };
    assert!(ack.parse(Step::Received).is_ok());
    assert_eq!(refused(ack.parse(Step::Acknowledged)), ["step"]);
}
