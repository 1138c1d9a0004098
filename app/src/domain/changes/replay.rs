//! The public registry as it stood on any day, replayed from the change events, and what
//! differs between two days.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{ChangeEvent, ChangeKind, PublicScope};
use crate::domain::DataCategory;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AsOfStatus {
    Announced,
    Active,
}

/// One vendor in the public registry on a given day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsOfEntry {
    pub slug: String,
    pub status: AsOfStatus,
    pub scope: PublicScope,
    /// `effective_on` of the event that gave this scope, or `announced_on` for `Announced`.
    pub since: NaiveDate,
}

impl AsOfEntry {
    /// Status, announcement date and effective date as registry rows show them (a past day's
    /// row knows the one date its status started on).
    pub fn status_and_dates(
        &self,
    ) -> (crate::domain::Status, Option<NaiveDate>, Option<NaiveDate>) {
        match self.status {
            AsOfStatus::Active => (crate::domain::Status::Active, None, Some(self.since)),
            AsOfStatus::Announced => (crate::domain::Status::Announced, Some(self.since), None),
        }
    }

    /// Data category labels, as the registry shows them.
    pub fn category_labels(&self) -> Vec<String> {
        self.scope
            .categories
            .iter()
            .map(|c| crate::domain::label_for(c, DataCategory::parse, DataCategory::label))
            .collect()
    }
}

/// The public registry as of `day`, replayed from events. Per slug, of the events in effect
/// that day (`effective_on <= day`): a `Removed` one takes the vendor off the list for good
/// (a withdrawal can come before the vendor ever took effect); otherwise the vendor is
/// `Active` from its `Added` event's effective date, with the `after` scope of the latest
/// event in effect (by `effective_on`, then `id`). A vendor whose `Added` event is announced
/// but not yet in effect is `Announced` (since its announcement) with the latest scope
/// customers were given. Changes announced but not yet in effect do not show. Sorted by legal
/// name, then slug.
pub fn registry_as_of(events: &[ChangeEvent], day: NaiveDate) -> Vec<AsOfEntry> {
    registry_as_of_days(events, &[day])
        .pop()
        .unwrap_or_default()
}

/// [`registry_as_of`] for each of `days`, from one grouping of the events by vendor.
pub fn registry_as_of_days(events: &[ChangeEvent], days: &[NaiveDate]) -> Vec<Vec<AsOfEntry>> {
    let mut by_slug: HashMap<&str, Vec<&ChangeEvent>> = HashMap::new();
    for e in events {
        by_slug.entry(&e.slug).or_default().push(e);
    }
    let mut out: Vec<Vec<AsOfEntry>> = days.iter().map(|_| Vec::new()).collect();
    for (slug, mut evs) in by_slug {
        evs.sort_by_key(|e| (e.effective_on, e.id));
        for (day, list) in days.iter().zip(out.iter_mut()) {
            list.extend(entry_on(slug, &evs, *day));
        }
    }
    for list in &mut out {
        list.sort_by(|a, b| (&a.scope.legal_name, &a.slug).cmp(&(&b.scope.legal_name, &b.slug)));
    }
    out
}

/// One vendor's entry on `day`, from its events sorted by effective day and id.
fn entry_on(slug: &str, evs: &[&ChangeEvent], day: NaiveDate) -> Option<AsOfEntry> {
    let in_effect = &evs[..evs.partition_point(|e| e.effective_on <= day)];
    if in_effect.iter().any(|e| e.kind == ChangeKind::Removed) {
        return None;
    }
    let scope = in_effect.iter().rev().find_map(|e| e.after.as_ref());
    let (status, scope, since) = match in_effect.iter().find(|e| e.kind == ChangeKind::Added) {
        Some(added) => (AsOfStatus::Active, scope?, added.effective_on),
        None => {
            let pending = evs
                .iter()
                .find(|e| e.kind == ChangeKind::Added && e.announced_on <= day)?;
            let s = scope.or(pending.after.as_ref())?;
            (AsOfStatus::Announced, s, pending.announced_on)
        }
    };
    Some(AsOfEntry {
        slug: slug.to_string(),
        status,
        scope: scope.clone(),
        since,
    })
}

/// What changed in the public registry between two days, counting `Active` vendors only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diff {
    /// Active on `to` but not on `from` (entries as of `to`).
    pub added: Vec<AsOfEntry>,
    /// Active on `from` but not on `to` (entries as of `from`).
    pub removed: Vec<AsOfEntry>,
    /// Active on both days with a different scope: (slug, scope on `from`, scope on `to`).
    pub changed: Vec<(String, PublicScope, PublicScope)>,
}

/// A difference cut to the first entries of each group (in registry order), with each
/// group's full size: what a page lists of a long difference, and all it needs to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffHead {
    pub diff: Diff,
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
}

impl Diff {
    /// The first `n` entries of each group, and the size of each.
    pub fn head(mut self, n: usize) -> DiffHead {
        let (added, removed, changed) = (self.added.len(), self.removed.len(), self.changed.len());
        self.added.truncate(n);
        self.removed.truncate(n);
        self.changed.truncate(n);
        DiffHead {
            diff: self,
            added,
            removed,
            changed,
        }
    }
}

/// Differences between two days (`from` < `to`) of the registry replayed from `events`.
pub fn diff(events: &[ChangeEvent], from: NaiveDate, to: NaiveDate) -> Diff {
    diff_of(&registry_as_of(events, from), &registry_as_of(events, to))
}

/// Differences between two replayed registries, `old` (the earlier day) and `new`, counting
/// `Active` entries only; linear in their size (by slug), copying only what differs.
pub fn diff_of(old: &[AsOfEntry], new: &[AsOfEntry]) -> Diff {
    fn active(list: &[AsOfEntry]) -> Vec<&AsOfEntry> {
        list.iter()
            .filter(|e| e.status == AsOfStatus::Active)
            .collect()
    }
    fn index<'a>(list: &[&'a AsOfEntry]) -> HashMap<&'a str, usize> {
        list.iter()
            .enumerate()
            .map(|(i, e)| (e.slug.as_str(), i))
            .collect()
    }
    let (old, new) = (active(old), active(new));
    let (old_at, new_at) = (index(&old), index(&new));
    let missing = |a: &[&AsOfEntry], b: &HashMap<&str, usize>| -> Vec<AsOfEntry> {
        a.iter()
            .filter(|e| !b.contains_key(e.slug.as_str()))
            .map(|e| (*e).clone())
            .collect()
    };
    let changed = new
        .iter()
        .filter_map(|n| {
            let o = old[*old_at.get(n.slug.as_str())?];
            (o.scope != n.scope).then(|| (n.slug.clone(), o.scope.clone(), n.scope.clone()))
        })
        .collect();
    let (added, removed) = (missing(&new, &old_at), missing(&old, &new_at));
    Diff {
        added,
        removed,
        changed,
    }
}

/// Days from `today` until `effective_on` (0 when due today, negative when past).
pub fn days_left(today: NaiveDate, effective_on: NaiveDate) -> i64 {
    (effective_on - today).num_days()
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use chrono::Days;

    use super::super::test_support::*;
    use super::*;
    use ChangeKind::{Added, Removed, ScopeChanged};

    #[test]
    fn registry_replays_events() {
        let s1 = scope("Beta", &["Compute"], &["DE"], &["support"]);
        let s2 = scope("Beta", &["Compute"], &["DE", "US"], &["support"]);
        let a = scope("Acme", &["Mail"], &["FR"], &["customer"]);
        let rows = [
            (1, "beta", Added, "2026-01-01", "2026-02-01", Some(&s1)),
            (
                2,
                "beta",
                ScopeChanged,
                "2026-03-01",
                "2026-04-01",
                Some(&s2),
            ),
            (3, "beta", Removed, "2026-05-01", "2026-06-01", None),
            (4, "acme", Added, "2026-01-15", "2026-03-15", Some(&a)),
        ];
        let events: Vec<ChangeEvent> = rows
            .into_iter()
            .map(|(id, slug, kind, ann, eff, after)| {
                ev(id, slug, kind, d(ann), d(eff), after.cloned())
            })
            .collect();
        // "day: entry; entry", each entry as "slug status since countries"
        let cases = [
            "2025-12-31: ",
            "2026-01-01: beta Announced 2026-01-01 DE",
            "2026-02-01: acme Announced 2026-01-15 FR; beta Active 2026-02-01 DE",
            "2026-03-15: acme Active 2026-03-15 FR; beta Active 2026-02-01 DE",
            "2026-03-31: acme Active 2026-03-15 FR; beta Active 2026-02-01 DE",
            "2026-04-01: acme Active 2026-03-15 FR; beta Active 2026-02-01 DE,US",
            "2026-05-31: acme Active 2026-03-15 FR; beta Active 2026-02-01 DE,US",
            "2026-06-01: acme Active 2026-03-15 FR",
        ];
        for case in cases {
            let (day, want) = case.split_once(": ").expect("case");
            let got: Vec<String> = registry_as_of(&events, d(day))
                .into_iter()
                .map(|e| {
                    let c = e.scope.countries.join(",");
                    format!("{} {:?} {} {c}", e.slug, e.status, e.since)
                })
                .collect();
            assert_eq!(got.join("; "), want, "{day}");
        }
        let dd = diff(&events, d("2026-03-01"), d("2026-06-01"));
        let slugs = |v: &[AsOfEntry]| v.iter().map(|e| e.slug.clone()).collect::<Vec<_>>();
        assert_eq!(
            (slugs(&dd.added), slugs(&dd.removed)),
            (strs(&["acme"]), strs(&["beta"]))
        );
        let dd = diff(&events, d("2026-03-01"), d("2026-04-01"));
        assert_eq!(dd.changed, vec![("beta".to_string(), s1, s2)]);
    }

    /// Tiny deterministic linear congruential generator (Knuth's MMIX constants).
    struct Lcg(u64);
    impl Lcg {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }
        fn pick(&mut self, from: [&'static str; 3]) -> Vec<&'static str> {
            from.into_iter().filter(|_| self.below(2) == 1).collect()
        }
        fn scope(&mut self) -> PublicScope {
            let name = ["Acme", "Beta", "Cloud"][self.below(3) as usize];
            let services = self.pick(["Compute", "Mail", "Storage"]);
            let countries = self.pick(["DE", "FR", "US"]);
            let categories = self.pick(["customer", "personal", "support"]);
            scope(name, &services, &countries, &categories)
        }
    }

    type Listing = BTreeMap<String, (PublicScope, NaiveDate)>;

    /// Independent replay: walk each day, applying the events effective that day in id order.
    /// Day by day from `start`: `Added` switches a vendor on (active since that day), a scope
    /// change replaces its scope whether or not it is on yet, `Removed` switches it off for good.
    fn naive_active(events: &[ChangeEvent], start: NaiveDate, day: NaiveDate) -> Listing {
        let mut state: BTreeMap<String, (Option<PublicScope>, Option<NaiveDate>, bool)> =
            BTreeMap::new();
        let mut cur = start;
        while cur <= day {
            let mut today: Vec<&ChangeEvent> =
                events.iter().filter(|e| e.effective_on == cur).collect();
            today.sort_by_key(|e| e.id);
            for e in today {
                let st = state.entry(e.slug.clone()).or_insert((None, None, false));
                match e.kind {
                    Removed => st.2 = true,
                    Added => {
                        st.0 = e.after.clone();
                        st.1 = st.1.or(Some(cur));
                    }
                    ScopeChanged => st.0 = e.after.clone(),
                }
            }
            cur = cur.succ_opt().expect("date");
        }
        state
            .into_iter()
            .filter_map(
                |(slug, (scope, since, removed))| match (scope, since, removed) {
                    (Some(s), Some(since), false) => Some((slug, (s, since))),
                    _ => None,
                },
            )
            .collect()
    }

    #[test]
    fn random_histories_match_naive_replay() {
        let mut rng = Lcg(42);
        let start = d("2026-01-01");
        let plus = |n: u64| start.checked_add_days(Days::new(n)).expect("date");
        let mut seen = [0usize; 4]; // announced, added, removed, changed: the test reaches each
        for round in 0..200 {
            let mut events = Vec::new();
            for v in 0..rng.below(6) {
                let eff = rng.below(40);
                for k in 0..=rng.below(5) {
                    let kind = match k {
                        0 => Added,
                        _ if rng.below(4) == 0 => Removed,
                        _ => ScopeChanged,
                    };
                    // later events may take effect before the addition does (a rename or
                    // a withdrawal while the vendor is still only announced)
                    let eff = if k == 0 { eff } else { rng.below(50) };
                    let announced_on = plus(eff - rng.below(eff + 1)); // on or before effective
                    let after = (kind != Removed).then(|| rng.scope());
                    let id = events.len() as i64 + 1;
                    let slug = format!("v{v}");
                    events.push(ev(id, &slug, kind, announced_on, plus(eff), after));
                    if kind == Removed {
                        break;
                    }
                }
            }
            // the result must not depend on the order of the slice
            for i in (1..events.len()).rev() {
                events.swap(i, rng.below(i as u64 + 1) as usize);
            }
            let days: Vec<NaiveDate> = (0..4).map(|_| plus(rng.below(90))).collect();
            // several days from one grouping are each day's own replay
            let together = registry_as_of_days(&events, &days);
            for (day, list) in days.iter().zip(&together) {
                assert_eq!(*list, registry_as_of(&events, *day), "round {round}, {day}");
            }
            let mut lists: Vec<Listing> = Vec::new();
            for &day in &days {
                let got = registry_as_of(&events, day);
                let keys: Vec<_> = got.iter().map(|e| (&e.scope.legal_name, &e.slug)).collect();
                assert!(
                    keys.windows(2).all(|w| w[0] < w[1]),
                    "round {round}: not sorted"
                );
                seen[0] += got
                    .iter()
                    .filter(|e| e.status == AsOfStatus::Announced)
                    .count();
                let active: Listing = got
                    .into_iter()
                    .filter(|e| e.status == AsOfStatus::Active)
                    .map(|e| (e.slug, (e.scope, e.since)))
                    .collect();
                assert_eq!(
                    active,
                    naive_active(&events, start, day),
                    "round {round}, {day}"
                );
                lists.push(active);
            }
            let (i, j) = if days[0] <= days[1] { (0, 1) } else { (1, 0) };
            let (old, new) = (&lists[i], &lists[j]);
            let dd = diff(&events, days[i], days[j]);
            let slugs = |v: &[AsOfEntry]| v.iter().map(|e| e.slug.clone()).collect::<BTreeSet<_>>();
            let minus = |a: &Listing, b: &Listing| {
                a.keys()
                    .filter(|k| !b.contains_key(*k))
                    .cloned()
                    .collect::<BTreeSet<_>>()
            };
            seen[1] += dd.added.len();
            seen[2] += dd.removed.len();
            seen[3] += dd.changed.len();
            assert_eq!(slugs(&dd.added), minus(new, old), "round {round}");
            assert_eq!(slugs(&dd.removed), minus(old, new), "round {round}");
            let changed = new
                .iter()
                .filter(|(k, v)| old.get(*k).is_some_and(|o| o.0 != v.0));
            let changed: BTreeSet<String> = changed.map(|(k, _)| k.clone()).collect();
            assert_eq!(
                dd.changed
                    .iter()
                    .map(|c| c.0.clone())
                    .collect::<BTreeSet<_>>(),
                changed
            );
        }
        assert!(seen.iter().all(|n| *n > 0), "{seen:?}");
    }
}
