//! What a vendor manager's dashboard shows: who is not compliant today, which evidence lapses
//! within 30, 60 or 90 days, who starts soon, and how the count of authorized vendors moves
//! over the next thirteen weeks. Computing it here, from the evidence and a day passed in, keeps
//! the page, its tests and any export on one definition of those answers, free of I/O and clock.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{
    assurance::Evidence,
    compliance::{failing_reasons, next_boundary, Reason},
    Status,
};

/// One vendor as the dashboard sees it; `evidence.lifecycle` holds its dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorFacts {
    pub slug: String,
    pub name: String,
    pub evidence: Evidence,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LapseKind {
    Training,
    Attestation,
    Assessment,
    Contract,
}

impl LapseKind {
    pub fn label(&self) -> &'static str {
        match self {
            Self::Training => "Training",
            Self::Attestation => "Attestation",
            Self::Assessment => "Independent assessment",
            Self::Contract => "Contract",
        }
    }
}

/// A piece of evidence that stops counting soon: `on` is its last valid day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lapse {
    pub slug: String,
    pub name: String,
    pub kind: LapseKind,
    /// What lapses, e.g. "DPA REF-1"; for training it names the person, so it stays internal.
    pub what: String,
    pub on: NaiveDate,
    /// 30, 60 or 90: the smallest window of days from today holding the lapse (the day after `on`).
    pub window: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Point {
    pub day: NaiveDate,
    pub authorized: u32,
    pub not_compliant: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    /// Vendors active today and not authorized today, with the reasons; sorted by name.
    pub not_compliant: Vec<(String, String, Vec<Reason>)>,
    /// Evidence of active or announced vendors that lapses within 90 days; by `on`, then name.
    pub lapsing: Vec<Lapse>,
    /// Announced vendors taking effect within 90 days `(slug, name, effective_on)`; by date.
    pub starting_soon: Vec<(String, String, NaiveDate)>,
    /// Today and every 7 days to today + 91: authorized and not compliant among active vendors.
    pub series: Vec<Point>,
}

/// How far ahead the dashboard looks, in days.
pub const HORIZON: i64 = 90;

/// The lapse window for a last valid day: None unless it lapses within the horizon.
fn window(on: NaiveDate, today: NaiveDate) -> Option<u32> {
    let days_left = (on - today).num_days() + 1;
    [30u32, 60, 90]
        .into_iter()
        .find(|w| days_left >= 1 && days_left <= i64::from(*w))
}

/// Evidence of one vendor lapsing within the horizon and not already renewed, i.e. covered the
/// day after by a record of the same group: training per person and course, attestations all
/// together, assessments and contracts per kind.
fn lapses(v: &VendorFacts, today: NaiveDate) -> Vec<Lapse> {
    let e = &v.evidence;
    let after = |on: NaiveDate| on.checked_add_days(Days::new(1));
    let mut found: Vec<(LapseKind, String, NaiveDate, bool)> = Vec::new();
    for t in &e.training {
        let renewed = after(t.expires_on).is_some_and(|n| {
            e.training
                .iter()
                .any(|o| o.person_email == t.person_email && o.course == t.course && o.valid_on(n))
        });
        let what = format!("{}, {}", t.course, t.person_name);
        found.push((LapseKind::Training, what, t.expires_on, renewed));
    }
    for a in &e.attestations {
        if let (Some(on), Some(approved)) = (a.valid_until(), a.approved_on) {
            let renewed = after(on).is_some_and(|n| e.attestations.iter().any(|o| o.valid_on(n)));
            let what = format!("VPAP attestation approved {}", approved.format("%Y-%m-%d"));
            found.push((LapseKind::Attestation, what, on, renewed));
        }
    }
    for a in &e.assessments {
        let renewed = after(a.valid_until).is_some_and(|n| {
            e.assessments
                .iter()
                .any(|o| o.kind == a.kind && o.valid_on(n))
        });
        let what = format!("{} by {}", a.kind.label(), a.assessor);
        found.push((LapseKind::Assessment, what, a.valid_until, renewed));
    }
    for c in e.contracts.iter().filter(|c| !c.auto_renew) {
        if let Some(on) = c.ends_on {
            let renewed = after(on).is_some_and(|n| {
                e.contracts
                    .iter()
                    .any(|o| o.kind == c.kind && o.in_force_on(n))
            });
            let what = format!("{} {}", c.kind.code().to_uppercase(), c.reference);
            found.push((LapseKind::Contract, what, on, renewed));
        }
    }
    let mut out: Vec<Lapse> = Vec::new();
    for (kind, what, on, renewed) in found {
        let Some(window) = window(on, today).filter(|_| !renewed) else {
            continue;
        };
        let (slug, name) = (v.slug.clone(), v.name.clone());
        let lapse = Lapse {
            slug,
            name,
            kind,
            what,
            on,
            window,
        };
        if !out.contains(&lapse) {
            out.push(lapse);
        }
    }
    out
}

/// The dashboard for `today`: pure, so the page, its tests and exports agree.
pub fn dashboard(vendors: &[VendorFacts], today: NaiveDate) -> Dashboard {
    let status = |v: &VendorFacts, d| v.evidence.lifecycle.status_on(d);
    let mut not_compliant: Vec<(String, String, Vec<Reason>)> = vendors
        .iter()
        .filter(|v| status(v, today) == Status::Active)
        .map(|v| {
            (
                v.slug.clone(),
                v.name.clone(),
                failing_reasons(&v.evidence, today),
            )
        })
        .filter(|(_, _, reasons)| !reasons.is_empty())
        .collect();
    not_compliant.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));

    let mut lapsing: Vec<Lapse> = vendors
        .iter()
        .filter(|v| matches!(status(v, today), Status::Active | Status::Announced))
        .flat_map(|v| lapses(v, today))
        .collect();
    lapsing
        .sort_by(|a, b| (a.on, &a.name, &a.slug, &a.what).cmp(&(b.on, &b.name, &b.slug, &b.what)));

    let mut starting_soon: Vec<(String, String, NaiveDate)> = vendors
        .iter()
        .filter(|v| status(v, today) == Status::Announced)
        .filter_map(|v| {
            let eff = v.evidence.lifecycle.effective_on?;
            let ahead = (eff - today).num_days();
            (ahead > 0 && ahead <= HORIZON).then(|| (v.slug.clone(), v.name.clone(), eff))
        })
        .collect();
    starting_soon.sort_by(|a, b| (a.2, &a.1, &a.0).cmp(&(b.2, &b.1, &b.0)));

    let mut series: Vec<Point> = (0..14u64)
        .filter_map(|k| today.checked_add_days(Days::new(7 * k)))
        .map(|day| Point {
            day,
            authorized: 0,
            not_compliant: 0,
        })
        .collect();
    // each vendor is judged again only on a week that passed one of its evidence's
    // boundaries (`next_boundary`); between them its status and verdict hold
    for v in vendors {
        let mut known: Option<(bool, bool, Option<NaiveDate>)> = None;
        for p in &mut series {
            let (active, ok) = match known {
                Some((active, ok, until)) if until.is_none_or(|u| p.day < u) => (active, ok),
                _ => {
                    let active = status(v, p.day) == Status::Active;
                    let ok = active && failing_reasons(&v.evidence, p.day).is_empty();
                    known = Some((active, ok, next_boundary(&v.evidence, p.day)));
                    (active, ok)
                }
            };
            match (active, ok) {
                (true, true) => p.authorized += 1,
                (true, false) => p.not_compliant += 1,
                (false, _) => {}
            }
        }
    }

    Dashboard {
        not_compliant,
        lapsing,
        starting_soon,
        series,
    }
}

/// The managers' daily reminder: evidence of active or announced vendors that lapses within
/// `within` days (by date), and announced vendors that will not be ready by their effective
/// date, with what will not hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    pub lapsing: Vec<Lapse>,
    /// `(slug, name, effective_on, reasons)`, soonest first.
    pub not_ready: Vec<(String, String, NaiveDate, Vec<Reason>)>,
}

impl Digest {
    /// The digest of two groups of vendors together, from the digest of each: a digest can
    /// be made in rounds of vendors, never holding all of them at once.
    pub fn merge(mut self, other: Digest) -> Digest {
        self.lapsing.extend(other.lapsing);
        self.not_ready.extend(other.not_ready);
        self.sorted()
    }

    fn sorted(mut self) -> Digest {
        self.lapsing.sort_by(|a, b| {
            (a.on, &a.name, &a.slug, &a.what).cmp(&(b.on, &b.name, &b.slug, &b.what))
        });
        self.not_ready
            .sort_by(|a, b| (a.2, &a.1, &a.0).cmp(&(b.2, &b.1, &b.0)));
        self
    }

    pub fn is_empty(&self) -> bool {
        self.lapsing.is_empty() && self.not_ready.is_empty()
    }
}

pub fn digest(vendors: &[VendorFacts], today: NaiveDate, within: u32) -> Digest {
    let status = |v: &VendorFacts| v.evidence.lifecycle.status_on(today);
    let last = today.checked_add_days(Days::new(u64::from(within)));
    let lapsing: Vec<Lapse> = vendors
        .iter()
        .filter(|v| matches!(status(v), Status::Active | Status::Announced))
        .flat_map(|v| lapses(v, today))
        .filter(|l| last.is_some_and(|last| l.on < last))
        .collect();
    let not_ready: Vec<(String, String, NaiveDate, Vec<Reason>)> = vendors
        .iter()
        .filter_map(|v| match super::compliance::verdict(&v.evidence, today) {
            super::compliance::Compliance {
                standing: super::compliance::Standing::NotReady(eff),
                reasons,
                ..
            } => Some((v.slug.clone(), v.name.clone(), eff, reasons)),
            _ => None,
        })
        .collect();
    Digest { lapsing, not_ready }.sorted()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{assurance::*, compliance::required_obligations, Lifecycle};
    use crate::domain::{vendor::WorkLocation, DataCategory};

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    const DAY: &str = "2026-06-15";

    fn plus(n: i64) -> NaiveDate {
        d(DAY) + chrono::Duration::days(n)
    }

    /// A vendor authorized from DAY to well past DAY + 91, with nothing lapsing before then.
    fn ok(slug: &str) -> VendorFacts {
        let terms = required_obligations(Some(WorkLocation::OwnFacilities))
            .into_iter()
            .map(|obligation| ObligationTerm {
                obligation,
                hours: None,
            })
            .collect();
        let evidence = Evidence {
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
                reference: "REF-1".into(),
                signed_on: d("2025-01-10"),
                in_force_from: d("2025-02-01"),
                ends_on: Some(d("2027-12-31")),
                auto_renew: false,
                notice_days: 90,
                obligations: terms,
            }],
            training: vec![TrainingRecord {
                person_name: "Jane Doe".into(),
                person_email: "jane@vendor.example".into(),
                course: "Privacy essentials".into(),
                completed_on: d("2026-03-01"),
                expires_on: d("2027-03-01"),
            }],
            sub_processors: 0,
        };
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
}
