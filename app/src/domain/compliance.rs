//! Whether a vendor is authorized on a day, computed from its evidence. Never typed in; kept
//! only as derived data (`store::assurance`), computed by these functions.
//!
//! A vendor is authorized on day D only if all hold:
//! 1. it is active on D;
//! 2. its current VPAP enrollment is active and an approved attestation is valid on D;
//! 3. if its tier requires one, an independent assessment is valid on D;
//! 4. the contracts in force on D together carry every required obligation;
//! 5. every person on record has training valid on D, and there is at least one person;
//! 6. if it has subprocessors of its own, a contract in force binds it to flow down our
//!    obligations to them.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{
    assurance::{AssessmentKind, AssuranceTier, EnrollmentStatus, Evidence, Obligation},
    vendor::WorkLocation,
    Status,
};

/// One failing rule in plain words. `detail` names people and stays internal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub text: String,
    pub detail: Option<String>,
}

impl Reason {
    fn new(text: impl Into<String>) -> Self {
        Reason {
            text: text.into(),
            detail: None,
        }
    }

    /// The text with its internal detail, for vendor managers.
    pub fn internal(&self) -> String {
        match &self.detail {
            Some(d) => format!("{} {d}", self.text),
            None => self.text.clone(),
        }
    }
}

/// How a vendor stands on a day, as a privacy office reads it. Only an active vendor is
/// authorized or not compliant; an announced one is judged for its effective date (it is not
/// processing anything yet), a removed one is no longer a subprocessor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Standing {
    Authorized,
    NotCompliant,
    /// Announced; every requirement will hold on its effective date.
    Ready(NaiveDate),
    /// Announced; some requirement will not hold on its effective date.
    NotReady(NaiveDate),
    /// Removed.
    NoLonger,
}

impl Standing {
    /// The code in exports and the compliance filter.
    pub const fn code(self) -> &'static str {
        match self {
            Standing::Authorized => "authorized",
            Standing::NotCompliant => "not_compliant",
            Standing::Ready(_) => "ready",
            Standing::NotReady(_) => "not_ready",
            Standing::NoLonger => "not_a_subprocessor",
        }
    }

    pub fn label(self) -> String {
        match self {
            Standing::Authorized => "Authorized".into(),
            Standing::NotCompliant => "Not compliant".into(),
            Standing::Ready(d) => format!("Ready for {d}"),
            Standing::NotReady(d) => format!("Not ready by {d}"),
            Standing::NoLonger => "No longer a subprocessor".into(),
        }
    }

    /// Good news (authorized, or ready in time), for the badge's colour.
    pub fn is_good(self) -> bool {
        matches!(self, Standing::Authorized | Standing::Ready(_))
    }
}

/// The verdict for one day, with every failing reason in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compliance {
    /// Active and meeting every requirement on the day.
    pub authorized: bool,
    pub standing: Standing,
    /// Why it is not authorized; for an announced vendor, what will not hold on its
    /// effective date.
    pub reasons: Vec<Reason>,
    /// The first day after D on which the verdict changes, if one is in sight.
    pub next_change: Option<NaiveDate>,
}

impl Compliance {
    pub fn code(&self) -> &'static str {
        self.standing.code()
    }

    pub fn label(&self) -> String {
        self.standing.label()
    }

    /// For an authorized vendor whose authorization lapses soon: the smallest of 30, 60, 90
    /// days within which it does.
    pub fn lapse_window(&self, day: NaiveDate) -> Option<u32> {
        if !self.authorized {
            return None;
        }
        let days_left = (self.next_change? - day).num_days();
        [30, 60, 90]
            .into_iter()
            .find(|w| days_left <= i64::from(*w))
    }
}

/// Obligations a contract set must carry for a vendor working at `location`.
pub fn required_obligations(location: Option<WorkLocation>) -> Vec<Obligation> {
    let mut required = vec![
        Obligation::PurposeLimitation,
        Obligation::Confidentiality,
        Obligation::PrivacyTraining,
        Obligation::VpapMembership,
        Obligation::BreachNotice,
        Obligation::DeletionOrReturn,
    ];
    required.push(match location {
        Some(WorkLocation::OurFacilities) => Obligation::OurPrivacyStandards,
        _ => Obligation::EquivalentPrivacyStandards,
    });
    required
}

/// Obligations carried by the contracts in force on `day`, in catalogue order.
pub fn obligations_in_force(e: &Evidence, day: NaiveDate) -> Vec<Obligation> {
    let mut all: Vec<Obligation> = e
        .contracts
        .iter()
        .filter(|c| c.in_force_on(day))
        .flat_map(|c| c.obligations.iter().map(|t| t.obligation))
        .collect();
    all.sort();
    all.dedup();
    all
}

fn fmt(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

impl From<String> for Reason {
    fn from(text: String) -> Self {
        Reason::new(text)
    }
}

impl From<&str> for Reason {
    fn from(text: &str) -> Self {
        Reason::new(text)
    }
}

fn say(reasons: &mut Vec<Reason>, reason: impl Into<Reason>) {
    reasons.push(reason.into());
}

/// The reasons the vendor is not authorized on `day`; empty means authorized.
pub fn failing_reasons(e: &Evidence, day: NaiveDate) -> Vec<Reason> {
    let mut reasons = Vec::new();

    match e.lifecycle.status_on(day) {
        Status::Active => {}
        Status::Announced => say(
            &mut reasons,
            Reason::new(match e.lifecycle.effective_on {
                Some(eff) => format!("Not active yet: announced, takes effect on {}.", fmt(eff)),
                None => "Not active yet: announced, with no effective date.".into(),
            }),
        ),
        Status::Removed => say(
            &mut reasons,
            Reason::new(format!(
                "Not active: removed on {}.",
                e.lifecycle.removed_on.map(fmt).unwrap_or_default()
            )),
        ),
        Status::Proposed => say(
            &mut reasons,
            Reason::new("Not active: only proposed, not yet announced."),
        ),
    }

    let current = e
        .enrollments
        .iter()
        .filter(|en| en.enrolled_on <= day)
        .max_by_key(|en| en.enrolled_on);
    match current {
        None => say(
            &mut reasons,
            "Not enrolled in the Vendor Privacy Assurance Program (VPAP).",
        ),
        Some(en) if en.status != EnrollmentStatus::Active => say(
            &mut reasons,
            format!("VPAP enrollment is {}.", en.status.label().to_lowercase()),
        ),
        Some(_) => {}
    }
    if !e.attestations.iter().any(|a| a.valid_on(day)) {
        let last = e
            .attestations
            .iter()
            .filter_map(|a| a.valid_until())
            .filter(|u| *u < day)
            .max();
        say(
            &mut reasons,
            match last {
                Some(u) => format!(
                    "No approved attestation valid on {}: the last one expired on {}.",
                    fmt(day),
                    fmt(u)
                ),
                None => format!("No approved attestation valid on {}.", fmt(day)),
            },
        );
    }

    let tier = AssuranceTier::for_categories(&e.categories);
    if tier.requires_assessment() && !e.assessments.iter().any(|a| a.valid_on(day)) {
        let last = e
            .assessments
            .iter()
            .map(|a| a.valid_until)
            .filter(|u| *u < day)
            .max();
        say(&mut reasons, Reason::new(match last {
            Some(u) => format!(
                "Touches customer data but holds no valid independent assessment: the last one expired on {}.",
                fmt(u)
            ),
            None => "Touches customer data but holds no valid independent assessment (ISO 27001/27701, SOC 2 or program assessment).".into(),
        }));
    }

    if !e.contracts.iter().any(|c| c.in_force_on(day)) {
        say(
            &mut reasons,
            Reason::new(format!("No contract in force on {}.", fmt(day))),
        );
    } else {
        let carried = obligations_in_force(e, day);
        let missing: Vec<&str> = required_obligations(e.work_location)
            .into_iter()
            .filter(|o| !carried.contains(o))
            .map(|o| o.label())
            .collect();
        if !missing.is_empty() {
            say(
                &mut reasons,
                format!(
                    "Contracts in force do not bind it to: {}.",
                    missing.join("; ")
                ),
            );
        }
        if e.sub_processors > 0 && !carried.contains(&Obligation::FlowDown) {
            say(
                &mut reasons,
                format!(
                    "It has {} subprocessor{}, but no contract in force binds it to: {}.",
                    e.sub_processors,
                    if e.sub_processors == 1 { "" } else { "s" },
                    Obligation::FlowDown.label()
                ),
            );
        }
    }

    if e.training.is_empty() {
        say(
            &mut reasons,
            "No training records: at least one person with access must be trained.",
        );
    } else {
        let mut people: Vec<&str> = e.training.iter().map(|t| t.person_email.as_str()).collect();
        people.sort_unstable();
        people.dedup();
        let lapsed: Vec<String> = people
            .into_iter()
            .filter(|p| {
                !e.training
                    .iter()
                    .any(|t| t.person_email == *p && t.valid_on(day))
            })
            .map(|p| {
                let last = e
                    .training
                    .iter()
                    .filter(|t| t.person_email == p)
                    .max_by_key(|t| t.expires_on);
                match last {
                    Some(t) if t.expires_on < day => {
                        format!("{} (expired {})", t.person_name, fmt(t.expires_on))
                    }
                    Some(t) => format!("{} (starts {})", t.person_name, fmt(t.completed_on)),
                    None => p.to_string(),
                }
            })
            .collect();
        if !lapsed.is_empty() {
            let (who, verb) = if lapsed.len() == 1 {
                ("person", "has")
            } else {
                ("people", "have")
            };
            say(
                &mut reasons,
                Reason {
                    text: format!(
                        "{} {who} with access {verb} no valid privacy training.",
                        lapsed.len()
                    ),
                    detail: Some(format!("{}.", lapsed.join(", "))),
                },
            );
        }
    }
    reasons
}

/// Days on which some piece of evidence starts or stops counting, after `day`.
fn boundaries(e: &Evidence, day: NaiveDate) -> Vec<NaiveDate> {
    let next = |d: NaiveDate| d.checked_add_days(Days::new(1));
    let mut dates: Vec<NaiveDate> = Vec::new();
    dates.extend(e.lifecycle.effective_on);
    dates.extend(e.lifecycle.removed_on);
    dates.extend(e.lifecycle.announced_on);
    dates.extend(e.enrollments.iter().map(|en| en.enrolled_on));
    for a in &e.attestations {
        dates.extend(a.approved_on);
        dates.extend(a.valid_until().and_then(next));
    }
    for a in &e.assessments {
        dates.push(a.issued_on);
        dates.extend(next(a.valid_until));
    }
    for c in &e.contracts {
        dates.push(c.in_force_from);
        if !c.auto_renew {
            dates.extend(c.ends_on.and_then(next));
        }
    }
    for t in &e.training {
        dates.push(t.completed_on);
        dates.extend(next(t.expires_on));
    }
    dates.retain(|d| *d > day);
    dates.sort_unstable();
    dates.dedup();
    dates
}

/// The first day after `day` on which some piece of evidence starts or stops counting (None:
/// none ahead). Until then a vendor's status and whether it has failing reasons stay as they
/// are on `day`; only the wording of a reason that names the day itself changes.
pub fn next_boundary(e: &Evidence, day: NaiveDate) -> Option<NaiveDate> {
    boundaries(e, day).first().copied()
}

/// The first day after `day` on which anything customers read about the vendor's assurance
/// (its [`PublicAssurance`] without look-ahead) can differ, with the same evidence: the
/// stored assurance of `day` holds until then (`None`: for good). Evidence starts or stops
/// counting on the days of [`boundaries`]; between them only a reason that names the day
/// itself ("no contract in force on ...") changes, and then it changes every day.
pub fn steady_until(e: &Evidence, day: NaiveDate, on_day: &PublicAssurance) -> Option<NaiveDate> {
    let next = next_boundary(e, day);
    let tomorrow = day.succ_opt()?;
    if next == Some(tomorrow) || public_assurance(e, tomorrow, false) != *on_day {
        return Some(tomorrow);
    }
    next
}

/// The verdict on `day` and the first later day on which it changes.
/// The verdict on `day` without looking ahead (`next_change` is `None`): what lists and
/// exports need, at a fraction of the cost of [`assess`].
pub fn verdict(e: &Evidence, day: NaiveDate) -> Compliance {
    let (standing, reasons) = standing(e, day);
    Compliance {
        authorized: standing == Standing::Authorized,
        standing,
        reasons,
        next_change: None,
    }
}

/// The standing on `day` and its reasons: an announced vendor is judged by the rules on its
/// effective date, a removed one only by its removal.
fn standing(e: &Evidence, day: NaiveDate) -> (Standing, Vec<Reason>) {
    match (e.lifecycle.status_on(day), e.lifecycle.effective_on) {
        (Status::Announced, Some(eff)) if eff > day => {
            let reasons = failing_reasons(e, eff);
            let s = if reasons.is_empty() {
                Standing::Ready(eff)
            } else {
                Standing::NotReady(eff)
            };
            (s, reasons)
        }
        (Status::Removed, _) => (
            Standing::NoLonger,
            vec![Reason::new(format!(
                "No longer a subprocessor: removed on {}.",
                e.lifecycle.removed_on.map(fmt).unwrap_or_default()
            ))],
        ),
        _ => {
            let reasons = failing_reasons(e, day);
            let s = if reasons.is_empty() {
                Standing::Authorized
            } else {
                Standing::NotCompliant
            };
            (s, reasons)
        }
    }
}

pub fn assess(e: &Evidence, day: NaiveDate) -> Compliance {
    let mut c = verdict(e, day);
    let authorized = c.authorized;
    c.next_change = boundaries(e, day)
        .into_iter()
        .find(|d| failing_reasons(e, *d).is_empty() != authorized);
    c
}

/// What customers may read about a vendor's assurance on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicAssurance {
    pub compliance: Compliance,
    /// Start of the current active VPAP enrollment.
    pub vpap_since: Option<NaiveDate>,
    pub tier: AssuranceTier,
    /// Independent assessments valid on the day, with their end dates.
    pub certifications: Vec<(AssessmentKind, NaiveDate)>,
    /// Obligations of the contracts in force on the day.
    pub obligations: Vec<Obligation>,
}

/// `look_ahead` also finds the next change of verdict (see [`assess`]).
pub fn public_assurance(e: &Evidence, day: NaiveDate, look_ahead: bool) -> PublicAssurance {
    let current = e
        .enrollments
        .iter()
        .filter(|en| en.enrolled_on <= day)
        .max_by_key(|en| en.enrolled_on);
    let mut certifications: Vec<(AssessmentKind, NaiveDate)> = e
        .assessments
        .iter()
        .filter(|a| a.valid_on(day))
        .map(|a| (a.kind, a.valid_until))
        .collect();
    certifications.sort();
    PublicAssurance {
        compliance: if look_ahead {
            assess(e, day)
        } else {
            verdict(e, day)
        },
        vpap_since: current
            .filter(|en| en.status == EnrollmentStatus::Active)
            .map(|en| en.enrolled_on),
        tier: AssuranceTier::for_categories(&e.categories),
        certifications,
        obligations: obligations_in_force(e, day),
    }
}

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;
