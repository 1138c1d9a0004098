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
    /// Vendors' published lists the watcher failed to read 3 times or more in a row:
    /// `(slug, name, url, failures, last error)`.
    #[serde(default)]
    pub failing_lists: Vec<(String, String, String, i64, String)>,
}

impl Digest {
    /// The digest of two groups of vendors together, from the digest of each: a digest can
    /// be made in rounds of vendors, never holding all of them at once.
    pub fn merge(mut self, other: Digest) -> Digest {
        self.lapsing.extend(other.lapsing);
        self.not_ready.extend(other.not_ready);
        self.failing_lists.extend(other.failing_lists);
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
        self.lapsing.is_empty() && self.not_ready.is_empty() && self.failing_lists.is_empty()
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
    Digest {
        lapsing,
        not_ready,
        failing_lists: Vec::new(),
    }
    .sorted()
}

#[cfg(test)]
mod tests;
