//! Unit tests of `dashboard`, kept beside it (out of the module's own file for its length).

use super::*;
use crate::domain::{assurance::*, Lifecycle};

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

const DAY: &str = "2026-06-15";

fn plus(n: i64) -> NaiveDate {
    d(DAY) + chrono::Duration::days(n)
}

/// A vendor authorized from DAY to well past DAY + 91, with nothing lapsing before then.
fn ok(slug: &str) -> VendorFacts {
    let mut evidence = crate::domain::compliance::fixtures::authorized_evidence();
    evidence.contracts[0].reference = "REF-1".into();
    let person = &mut evidence.training[0];
    person.person_name = "Jane Doe".into();
    person.person_email = "jane@vendor.example".into();
    person.course = "Privacy essentials".into();
    VendorFacts {
        slug: slug.into(),
        name: slug.to_uppercase(),
        evidence,
    }
}

#[test]
fn the_digest_lists_what_lapses_within_its_window_and_who_will_not_be_ready() {
    let mut soon = ok("soon");
    soon.evidence.training[0].expires_on = plus(10);
    let mut later = ok("later");
    later.evidence.training[0].expires_on = plus(45);
    let mut starting = ok("starting");
    starting.evidence.lifecycle = Lifecycle {
        announced_on: Some(plus(-5)),
        effective_on: Some(plus(20)),
        removed_on: None,
    };
    starting.evidence.training[0].expires_on = plus(15);
    let d30 = digest(&[soon.clone(), later.clone(), starting.clone()], d(DAY), 30);
    let slugs: Vec<&str> = d30.lapsing.iter().map(|l| l.slug.as_str()).collect();
    assert_eq!(slugs, ["soon", "starting"]);
    assert_eq!(d30.not_ready.len(), 1);
    assert_eq!(
        (d30.not_ready[0].0.as_str(), d30.not_ready[0].2),
        ("starting", plus(20))
    );
    assert_eq!(
        digest(&[soon.clone(), later.clone()], d(DAY), 60)
            .lapsing
            .len(),
        2
    );
    assert!(digest(&[ok("fine")], d(DAY), 30).is_empty());
    // made in rounds (the worker reads vendors a round at a time): the same digest
    let all = [soon, later.clone(), starting, ok("fine")];
    for split in 0..=all.len() {
        let (a, b) = all.split_at(split);
        assert_eq!(
            digest(b, d(DAY), 60).merge(digest(a, d(DAY), 60)),
            digest(&all, d(DAY), 60),
            "split at {split}"
        );
    }
}

type Set = fn(&mut Evidence, NaiveDate);
/// Make one piece of evidence end on the given day; with the expected kind and `what`.
const SETTERS: [(LapseKind, &str, Set); 4] = [
    (
        LapseKind::Training,
        "Privacy essentials, Jane Doe",
        |e, on| e.training[0].expires_on = on,
    ),
    (
        LapseKind::Attestation,
        "VPAP attestation approved",
        |e, on| e.attestations[0].approved_on = on.checked_sub_months(chrono::Months::new(12)),
    ),
    (
        LapseKind::Assessment,
        "ISO/IEC 27001 by Assessor",
        |e, on| e.assessments[0].valid_until = on,
    ),
    (LapseKind::Contract, "DPA REF-1", |e, on| {
        e.contracts[0].ends_on = Some(on)
    }),
];

#[test]
fn lapse_windows_at_each_boundary() {
    // (days until the first day without it, window); day 0 means it ended yesterday.
    let cases = [
        (0, None),
        (1, Some(30)),
        (30, Some(30)),
        (31, Some(60)),
        (60, Some(60)),
        (61, Some(90)),
        (90, Some(90)),
        (91, None),
    ];
    for (days, window) in cases {
        for (kind, what, set) in SETTERS {
            let mut v = ok("v");
            set(&mut v.evidence, plus(days - 1));
            let got = dashboard(&[v], d(DAY)).lapsing;
            let want: Vec<(LapseKind, NaiveDate, u32)> = window
                .map(|w| (kind, plus(days - 1), w))
                .into_iter()
                .collect();
            let seen: Vec<_> = got.iter().map(|l| (l.kind, l.on, l.window)).collect();
            assert_eq!(seen, want, "{} at day {days}", kind.label());
            assert!(got.iter().all(|l| l.what.starts_with(what)), "{got:?}");
        }
    }
}

#[test]
fn renewed_evidence_does_not_lapse() {
    type Edit = fn(&mut Evidence);
    // (case, which of SETTERS ends on day 10, edit, lapses left)
    let cases: [(&str, usize, Edit, usize); 8] = [
        (
            "training renewed",
            0,
            |e| {
                let mut t = e.training[0].clone();
                (t.completed_on, t.expires_on) = (plus(-30), plus(335));
                e.training.push(t);
            },
            0,
        ),
        (
            "another course does not renew",
            0,
            |e| {
                let mut t = e.training[0].clone();
                (t.course, t.completed_on, t.expires_on) =
                    ("Security".into(), plus(-30), plus(335));
                e.training.push(t);
            },
            1,
        ),
        (
            "attestation renewed",
            1,
            |e| {
                let mut a = e.attestations[0].clone();
                a.approved_on = Some(plus(-10));
                e.attestations.push(a);
            },
            0,
        ),
        (
            "assessment renewed",
            2,
            |e| {
                let mut a = e.assessments[0].clone();
                (a.issued_on, a.valid_until) = (plus(-5), plus(360));
                e.assessments.push(a);
            },
            0,
        ),
        (
            "another assessment kind does not renew",
            2,
            |e| {
                let mut a = e.assessments[0].clone();
                (a.kind, a.issued_on, a.valid_until) =
                    (AssessmentKind::Soc2Type2, plus(-5), plus(360));
                e.assessments.push(a);
            },
            1,
        ),
        (
            "contract succeeded the day after",
            3,
            |e| {
                let mut c = e.contracts[0].clone();
                (c.in_force_from, c.ends_on, c.reference) = (plus(11), None, "REF-2".into());
                e.contracts.push(c);
            },
            0,
        ),
        (
            "contract auto-renews",
            3,
            |e| e.contracts[0].auto_renew = true,
            0,
        ),
        (
            "contract open-ended",
            3,
            |e| e.contracts[0].ends_on = None,
            0,
        ),
    ];
    for (name, which, edit, count) in cases {
        let (kind, _, set) = SETTERS[which];
        let mut v = ok("v");
        set(&mut v.evidence, plus(10));
        edit(&mut v.evidence);
        let got = dashboard(&[v], d(DAY)).lapsing;
        assert_eq!(got.len(), count, "{name}: {got:?}");
        assert!(
            got.iter().all(|l| l.kind == kind && l.on == plus(10)),
            "{name}: {got:?}"
        );
    }
}

#[test]
fn lists_pick_the_right_vendors_in_order() {
    let mut v = vec![
        ok("zed"),
        ok("amy"),
        ok("bob"),
        ok("new"),
        ok("gone"),
        ok("far"),
    ];
    v[0].evidence.training[0].expires_on = plus(-1); // active, not compliant
    v[1].evidence.enrollments.clear(); // active, not compliant
    v[1].evidence.contracts[0].ends_on = Some(plus(5));
    v[2].evidence.contracts[0].ends_on = Some(plus(5));
    v[3].evidence.lifecycle.effective_on = Some(plus(90)); // announced: lapses count
    v[3].evidence.training[0].expires_on = plus(2);
    v[4].evidence.lifecycle.removed_on = Some(d(DAY)); // removed: ignored
    v[4].evidence.training[0].expires_on = plus(2);
    v[5].evidence.lifecycle.effective_on = Some(plus(91)); // announced, starts too late
    let db = dashboard(&v, d(DAY));
    let names: Vec<&str> = db
        .not_compliant
        .iter()
        .map(|(_, n, _)| n.as_str())
        .collect();
    assert_eq!(names, ["AMY", "ZED"]);
    assert!(db.not_compliant[0].2[0].text.contains("Not enrolled"));
    let lapsing: Vec<(&str, NaiveDate)> =
        db.lapsing.iter().map(|l| (l.name.as_str(), l.on)).collect();
    assert_eq!(
        lapsing,
        [("NEW", plus(2)), ("AMY", plus(5)), ("BOB", plus(5))]
    );
    assert_eq!(db.starting_soon, [("new".into(), "NEW".into(), plus(90))]);
}

#[test]
fn series_counts_active_vendors_week_by_week() {
    let mut vendors = vec![ok("a"), ok("b"), ok("c"), ok("d")];
    vendors[1].evidence.training[0].expires_on = plus(20); // lapses on day 21
    vendors[2].evidence.lifecycle.removed_on = Some(plus(30)); // gone from day 30
    vendors[3].evidence.lifecycle.effective_on = Some(plus(14)); // active from day 14
    let series = dashboard(&vendors, d(DAY)).series;
    let days: Vec<NaiveDate> = series.iter().map(|p| p.day).collect();
    assert_eq!(days, (0..14).map(|k| plus(7 * k)).collect::<Vec<_>>());
    let counts: Vec<(u32, u32)> = series
        .iter()
        .map(|p| (p.authorized, p.not_compliant))
        .collect();
    assert_eq!(
        counts[..6],
        [(3, 0), (3, 0), (4, 0), (3, 1), (3, 1), (2, 1)]
    );
    assert_eq!(counts[13], (2, 1));
}
