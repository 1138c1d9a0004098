//! How much notice a change needs, what counts as a widening of a vendor's scope, and which
//! change events a save records (or why it is refused).

use std::collections::BTreeSet;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{ChangeKind, PublicScope};
use crate::domain::DataCategory;

/// Notice for categories that are unknown, or when none is given.
const FALLBACK_NOTICE_DAYS: u32 = 30;

/// Notice periods per data category; default 180 days for customer data, 30 for the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticePeriods {
    pub customer: u32,
    pub personal: u32,
    pub support: u32,
}

impl Default for NoticePeriods {
    fn default() -> Self {
        Self {
            customer: 180,
            personal: 30,
            support: 30,
        }
    }
}

impl NoticePeriods {
    /// The longest notice over the given category codes; 30 if none is given or known.
    pub fn days_for(&self, categories: &[String]) -> u32 {
        categories
            .iter()
            .filter_map(|c| DataCategory::parse(c).ok())
            .map(|c| match c {
                DataCategory::CustomerData => self.customer,
                DataCategory::PersonalData => self.personal,
                DataCategory::SupportData => self.support,
            })
            .max()
            .unwrap_or(FALLBACK_NOTICE_DAYS)
    }
}

/// Earliest allowed effective date for something announced on `announced_on` touching `categories`.
pub fn earliest_effective(
    announced_on: NaiveDate,
    categories: &[String],
    notice: &NoticePeriods,
) -> NaiveDate {
    let days = u64::from(notice.days_for(categories));
    announced_on
        .checked_add_days(Days::new(days))
        .unwrap_or(NaiveDate::MAX)
}

/// What an edit widens: new countries, new categories, new services (in that order, each as
/// e.g. "country DE", "category customer", "service Compute"). Empty if nothing widened
/// (narrowing, or renaming the vendor or its purpose, is not a widening).
pub fn widening(before: &PublicScope, after: &PublicScope) -> Vec<String> {
    let new = |what: &str, b: &[String], a: &[String]| -> Vec<String> {
        let added: BTreeSet<&String> = a.iter().filter(|x| !b.contains(x)).collect();
        added.into_iter().map(|x| format!("{what} {x}")).collect()
    };
    let mut out = new("country", &before.countries, &after.countries);
    out.extend(new("category", &before.categories, &after.categories));
    out.extend(new("service", &before.services, &after.services));
    out.extend(crate::domain::chain::widening(
        &before.sub_processors,
        &after.sub_processors,
    ));
    out
}

/// What customers know of a vendor: its lifecycle dates and public scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub lifecycle: crate::domain::Lifecycle,
    pub scope: PublicScope,
}

/// A change event to record with a save (the store adds id, vendor and who).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedEvent {
    pub kind: ChangeKind,
    pub announced_on: NaiveDate,
    pub effective_on: NaiveDate,
    pub before: Option<PublicScope>,
    pub after: Option<PublicScope>,
}

/// A refused save: the form field and the reason.
pub type FieldRefusal = (&'static str, String);

fn notice_message(days: u32, earliest: NaiveDate, what: &str) -> String {
    format!(
        "Customers get {days} days' notice of {what}: the earliest effective date is {earliest}."
    )
}

/// The change events a save records, or why it is refused (GDPR Art. 28(2) notice).
///
/// - Announcing (no announcement date before, one now) records `Added`: the announcement is
///   dated today (it is published by the save) and the effective date must leave the notice
///   for the vendor's data categories (`NoticePeriods::days_for`).
/// - Once announced, the announcement and effective dates are on record and cannot change
///   (an announced vendor without an effective date may get one, with notice).
/// - A changed public scope of an announced, not removed vendor records `ScopeChanged`. A
///   widening (new country, category or service) takes effect on `scope_effective_on`, which
///   must leave the notice from today; narrowing or renaming takes effect today.
/// - A removal date records `Removed` effective that day: today or later, never backdated,
///   and fixed once recorded. A vendor still only announced can be withdrawn this way too.
/// - A vendor never announced changes freely: customers have not seen it.
pub fn plan(
    before: Option<&Published>,
    after: &Published,
    scope_effective_on: Option<NaiveDate>,
    today: NaiveDate,
    notice: &NoticePeriods,
) -> Result<Vec<PlannedEvent>, Vec<FieldRefusal>> {
    let mut refused: Vec<FieldRefusal> = Vec::new();
    let mut events = Vec::new();
    let (old, new) = (
        before.map(|b| b.lifecycle).unwrap_or_default(),
        after.lifecycle,
    );
    let cats = &after.scope.categories;
    let days = notice.days_for(cats);
    match (old.announced_on, new.announced_on) {
        (None, None) => return Ok(events),
        (Some(was), now) if now != Some(was) => refused.push((
            "announced_on",
            format!("The vendor was announced on {was}; that date is on record and cannot change."),
        )),
        (None, Some(announced)) if announced != today => refused.push((
            "announced_on",
            format!("An announcement is published when it is saved: enter today's date ({today})."),
        )),
        _ => {}
    }
    let announced = new.announced_on.or(old.announced_on).unwrap_or(today);
    // never before today: customers cannot be told of something already in effect
    let earliest = earliest_effective(announced, cats, notice).max(today);
    match (old.effective_on, new.effective_on) {
        (Some(was), now) if now != Some(was) => refused.push((
            "effective_on",
            format!("The effective date {was} was announced to customers and cannot change."),
        )),
        (None, None) => refused.push((
            "effective_on",
            format!("Enter the date the vendor takes effect: {earliest} at the earliest."),
        )),
        (None, Some(effective)) if effective < earliest => refused.push((
            "effective_on",
            notice_message(days, earliest, "a new subprocessor"),
        )),
        (None, Some(effective)) => events.push(PlannedEvent {
            kind: ChangeKind::Added,
            announced_on: announced,
            effective_on: effective,
            before: None,
            after: Some(after.scope.clone()),
        }),
        _ => {}
    }
    // a removal dated later still leaves the vendor's scope public until then
    let removed_before = old.removed_on.is_some_and(|r| r <= today);
    if let Some(b) = before.filter(|_| old.announced_on.is_some() && !removed_before) {
        if b.scope != after.scope {
            let widened = widening(&b.scope, &after.scope);
            let effective_on = if widened.is_empty() {
                Some(today)
            } else {
                let earliest = earliest_effective(today, cats, notice);
                match scope_effective_on {
                    None => {
                        refused.push((
                            "scope_effective_on",
                            format!(
                                "This widens the scope ({}): enter when it takes effect, {earliest} at the earliest.",
                                widened.join(", ")
                            ),
                        ));
                        None
                    }
                    Some(d) if d < earliest => {
                        refused.push((
                            "scope_effective_on",
                            notice_message(days, earliest, "a wider scope"),
                        ));
                        None
                    }
                    Some(d) => Some(d),
                }
            };
            events.extend(effective_on.map(|effective_on| PlannedEvent {
                kind: ChangeKind::ScopeChanged,
                announced_on: today,
                effective_on,
                before: Some(b.scope.clone()),
                after: Some(after.scope.clone()),
            }));
        }
    }
    match (old.removed_on, new.removed_on) {
        (Some(was), now) if now != Some(was) => refused.push((
            "removed_on",
            format!("The removal on {was} is on record and cannot change."),
        )),
        (None, Some(r)) if r < today => refused.push((
            "removed_on",
            format!("A removal cannot be backdated: enter today ({today}) or a later date."),
        )),
        (None, Some(r)) => events.push(PlannedEvent {
            kind: ChangeKind::Removed,
            announced_on: today,
            effective_on: r,
            before: Some(after.scope.clone()),
            after: None,
        }),
        _ => {}
    }
    if refused.is_empty() {
        Ok(events)
    } else {
        Err(refused)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{days_left, test_support::*};
    use super::*;
    use ChangeKind::{Added, Removed, ScopeChanged};

    #[test]
    fn notice_rule_at_its_boundaries() {
        let n = NoticePeriods::default();
        let announced = d("2026-01-01");
        // (categories, notice days, earliest effective date)
        let cases: [(&[&str], u32, &str); 6] = [
            (&["customer"], 180, "2026-06-30"),
            (&["personal"], 30, "2026-01-31"),
            (&["support"], 30, "2026-01-31"),
            (&["support", "customer", "personal"], 180, "2026-06-30"),
            (&[], 30, "2026-01-31"),
            (&["health"], 30, "2026-01-31"),
        ];
        for (cats, days, earliest) in cases {
            let cats = strs(cats);
            assert_eq!(n.days_for(&cats), days, "{cats:?}");
            let min = earliest_effective(announced, &cats, &n);
            assert_eq!(min, d(earliest), "{cats:?}");
            assert_eq!(days_left(announced, min), i64::from(days));
            assert!(
                min.pred_opt().is_some_and(|before| before < min),
                "day before refused"
            );
            assert!(d(earliest) >= min, "earliest itself allowed");
        }
        assert_eq!(days_left(d("2026-03-02"), d("2026-03-01")), -1);
        assert_eq!(days_left(d("2026-03-01"), d("2026-03-01")), 0);
    }

    #[test]
    fn widening_cases() {
        let base = scope("Acme", &["Compute"], &["DE"], &["support"]);
        let renamed = PublicScope {
            purpose: "Email".into(),
            ..base.clone()
        };
        let cases: [(PublicScope, &[&str]); 6] = [
            (
                scope("Acme", &["Compute"], &["DE", "US"], &["support"]),
                &["country US"],
            ),
            (
                scope("Acme", &["Compute"], &["DE"], &["customer", "support"]),
                &["category customer"],
            ),
            (
                scope("Acme", &["Compute", "Mail"], &["DE"], &["support"]),
                &["service Mail"],
            ),
            (scope("Acme", &["Compute"], &[], &["support"]), &[]),
            (
                PublicScope {
                    legal_name: "Acme Ltd".into(),
                    ..renamed
                },
                &[],
            ),
            (
                scope("Acme", &["Mail"], &["FR"], &["personal"]),
                &["country FR", "category personal", "service Mail"],
            ),
        ];
        for (after, want) in cases {
            assert_eq!(widening(&base, &after), strs(want), "{after:?}");
        }
    }

    fn published(
        dates: (Option<&str>, Option<&str>, Option<&str>),
        scope: &PublicScope,
    ) -> Published {
        let day = |s: Option<&str>| s.map(d);
        Published {
            lifecycle: crate::domain::Lifecycle {
                announced_on: day(dates.0),
                effective_on: day(dates.1),
                removed_on: day(dates.2),
            },
            scope: scope.clone(),
        }
    }

    fn refused_fields(r: Result<Vec<PlannedEvent>, Vec<FieldRefusal>>) -> Vec<&'static str> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|(f, _)| f)
            .collect()
    }

    #[test]
    fn announcing_needs_the_notice_of_its_categories() {
        let n = NoticePeriods::default();
        let today = d("2026-01-01");
        let customer = scope("Acme", &["Mail"], &["DE"], &["customer", "support"]);
        let support = scope("Acme", &["Mail"], &["DE"], &["support"]);
        let plan_new = |s: &PublicScope, eff: &str| {
            plan(
                None,
                &published((Some("2026-01-01"), Some(eff), None), s),
                None,
                today,
                &n,
            )
        };
        // customer data: 180 days, so 2026-06-30 is the first allowed day
        assert_eq!(
            refused_fields(plan_new(&customer, "2026-06-29")),
            ["effective_on"]
        );
        let ok = plan_new(&customer, "2026-06-30").expect("allowed");
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0].kind, Added);
        assert_eq!(ok[0].effective_on, d("2026-06-30"));
        assert_eq!(ok[0].after.as_ref(), Some(&customer));
        // other categories: 30 days
        assert_eq!(
            refused_fields(plan_new(&support, "2026-01-30")),
            ["effective_on"]
        );
        assert!(plan_new(&support, "2026-01-31").is_ok());
        // backdated announcement, missing effective date
        let back = published((Some("2025-12-31"), Some("2026-12-31"), None), &support);
        assert_eq!(
            refused_fields(plan(None, &back, None, today, &n)),
            ["announced_on"]
        );
        let open = published((Some("2026-01-01"), None, None), &support);
        assert_eq!(
            refused_fields(plan(None, &open, None, today, &n)),
            ["effective_on"]
        );
        // never announced: no event, no rule
        let draft = published((None, None, None), &customer);
        assert_eq!(plan(None, &draft, None, today, &n), Ok(vec![]));
    }

    #[test]
    fn announced_dates_are_fixed_and_widening_needs_notice() {
        let n = NoticePeriods::default();
        let today = d("2026-03-01");
        let base = scope("Acme", &["Mail"], &["DE"], &["support"]);
        let live = published((Some("2026-01-01"), Some("2026-02-01"), None), &base);
        let with = |dates, s: &PublicScope| published(dates, s);
        let dates = (Some("2026-01-01"), Some("2026-02-01"), None);
        // unchanged: nothing recorded
        assert_eq!(plan(Some(&live), &live, None, today, &n), Ok(vec![]));
        // moving a recorded date is refused
        let moved = with((Some("2026-01-02"), Some("2026-02-01"), None), &base);
        assert_eq!(
            refused_fields(plan(Some(&live), &moved, None, today, &n)),
            ["announced_on"]
        );
        let later = with((Some("2026-01-01"), Some("2026-02-02"), None), &base);
        assert_eq!(
            refused_fields(plan(Some(&live), &later, None, today, &n)),
            ["effective_on"]
        );
        // a new country widens: needs scope_effective_on >= today + 30
        let wider = with(
            dates,
            &scope("Acme", &["Mail"], &["DE", "US"], &["support"]),
        );
        assert_eq!(
            refused_fields(plan(Some(&live), &wider, None, today, &n)),
            ["scope_effective_on"]
        );
        assert_eq!(
            refused_fields(plan(Some(&live), &wider, Some(d("2026-03-30")), today, &n)),
            ["scope_effective_on"]
        );
        let ok = plan(Some(&live), &wider, Some(d("2026-03-31")), today, &n).expect("allowed");
        assert_eq!(
            (ok[0].kind, ok[0].announced_on, ok[0].effective_on),
            (ScopeChanged, today, d("2026-03-31"))
        );
        assert_eq!(ok[0].before.as_ref(), Some(&base));
        // adding customer data needs 180 days
        let customer = with(
            dates,
            &scope("Acme", &["Mail"], &["DE"], &["customer", "support"]),
        );
        assert!(plan(Some(&live), &customer, Some(d("2026-08-27")), today, &n).is_err());
        assert!(plan(Some(&live), &customer, Some(d("2026-08-28")), today, &n).is_ok());
        // narrowing takes effect today without notice
        let narrower = with(dates, &scope("Acme", &["Mail"], &[], &["support"]));
        let ok = plan(Some(&live), &narrower, None, today, &n).expect("allowed");
        assert_eq!((ok[0].kind, ok[0].effective_on), (ScopeChanged, today));
    }

    #[test]
    fn removals_take_effect_from_today_and_stay() {
        let n = NoticePeriods::default();
        let today = d("2026-03-01");
        let base = scope("Acme", &["Mail"], &["DE"], &["support"]);
        let live = published((Some("2026-01-01"), Some("2026-02-01"), None), &base);
        let removed = |r| published((Some("2026-01-01"), Some("2026-02-01"), Some(r)), &base);
        let ok = plan(Some(&live), &removed("2026-03-01"), None, today, &n).expect("allowed");
        assert_eq!((ok[0].kind, ok[0].effective_on), (Removed, today));
        assert_eq!(
            (ok[0].before.as_ref(), ok[0].after.as_ref()),
            (Some(&base), None)
        );
        assert_eq!(
            refused_fields(plan(Some(&live), &removed("2026-02-28"), None, today, &n)),
            ["removed_on"]
        );
        let gone = removed("2026-03-01");
        assert_eq!(
            refused_fields(plan(Some(&gone), &removed("2026-03-05"), None, today, &n)),
            ["removed_on"]
        );
        assert_eq!(
            refused_fields(plan(Some(&gone), &live, None, today, &n)),
            ["removed_on"]
        );
        // a vendor only announced so far is withdrawn at once
        let pending = published((Some("2026-02-20"), Some("2026-08-19"), None), &base);
        let withdrawn = published(
            (Some("2026-02-20"), Some("2026-08-19"), Some("2026-03-01")),
            &base,
        );
        let ok = plan(Some(&pending), &withdrawn, None, today, &n).expect("allowed");
        assert_eq!(
            (ok.len(), ok[0].kind, ok[0].effective_on),
            (1, Removed, today)
        );
        // a removal dated later does not lift the notice for a wider scope meanwhile
        let leaving = removed("2026-05-01");
        let wider = published(
            (Some("2026-01-01"), Some("2026-02-01"), Some("2026-05-01")),
            &scope("Acme", &["Mail"], &["DE", "US"], &["support"]),
        );
        assert_eq!(
            refused_fields(plan(Some(&leaving), &wider, None, today, &n)),
            ["scope_effective_on"]
        );
        // an announcement is dated the day it is saved
        let later = published((Some("2026-03-02"), Some("2026-12-31"), None), &base);
        assert_eq!(
            refused_fields(plan(None, &later, None, today, &n)),
            ["announced_on"]
        );
    }
}
