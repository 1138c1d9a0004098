//! Subprocessor change notices (GDPR Art. 28(2)): customers must learn of a new subprocessor,
//! or of a wider scope for an existing one, before it takes effect, so they can object. This
//! module holds the rules for that: how much notice each data category needs, what counts as a
//! widening, and what the public registry looked like on any day, replayed from the change
//! events. Pure functions only; callers pass every date in.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::DataCategory;

/// What customers see of a vendor's scope; sorted, de-duplicated lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicScope {
    pub legal_name: String,
    pub purpose: String,
    /// Service names.
    pub services: Vec<String>,
    /// ISO 3166 alpha-2 codes.
    pub countries: Vec<String>,
    /// Data category codes (`DataCategory::code`).
    pub categories: Vec<String>,
}

impl PublicScope {
    /// The same scope with every list sorted and de-duplicated, so scopes compare by content.
    pub fn normalized(mut self) -> Self {
        for list in [
            &mut self.services,
            &mut self.countries,
            &mut self.categories,
        ] {
            list.sort();
            list.dedup();
        }
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ChangeKind {
    Added,
    ScopeChanged,
    Removed,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 3] = [Self::Added, Self::ScopeChanged, Self::Removed];

    pub fn code(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::ScopeChanged => "scope_changed",
            Self::Removed => "removed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Added => "Added",
            Self::ScopeChanged => "Scope changed",
            Self::Removed => "Removed",
        }
    }

    pub fn parse(input: &str) -> Result<Self, String> {
        let s = input.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| {
                format!(
                    "\"{}\" is not a change kind (added, scope_changed or removed).",
                    input.trim()
                )
            })
    }
}

/// One announced change: `before` is None for `Added`, `after` is None for `Removed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeEvent {
    pub id: i64,
    pub slug: String,
    pub kind: ChangeKind,
    pub announced_on: NaiveDate,
    pub effective_on: NaiveDate,
    pub before: Option<PublicScope>,
    pub after: Option<PublicScope>,
}

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
    out
}

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
    pub fn status_and_dates(&self) -> (super::Status, Option<NaiveDate>, Option<NaiveDate>) {
        match self.status {
            AsOfStatus::Active => (super::Status::Active, None, Some(self.since)),
            AsOfStatus::Announced => (super::Status::Announced, Some(self.since), None),
        }
    }

    /// Data category labels, as the registry shows them.
    pub fn category_labels(&self) -> Vec<String> {
        self.scope
            .categories
            .iter()
            .map(|c| super::label_for(c, DataCategory::parse, DataCategory::label))
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
    let mut by_slug: BTreeMap<&str, Vec<&ChangeEvent>> = BTreeMap::new();
    for e in events {
        by_slug.entry(&e.slug).or_default().push(e);
    }
    let mut out: Vec<AsOfEntry> = Vec::new();
    for (slug, mut evs) in by_slug {
        evs.sort_by_key(|e| (e.effective_on, e.id));
        let in_effect: Vec<&ChangeEvent> = evs
            .iter()
            .copied()
            .filter(|e| e.effective_on <= day)
            .collect();
        if in_effect.iter().any(|e| e.kind == ChangeKind::Removed) {
            continue;
        }
        let scope = in_effect.iter().rev().find_map(|e| e.after.clone());
        let listed = match in_effect.iter().find(|e| e.kind == ChangeKind::Added) {
            Some(added) => scope.map(|s| (AsOfStatus::Active, s, added.effective_on)),
            None => evs
                .iter()
                .find(|e| e.kind == ChangeKind::Added && e.announced_on <= day)
                .and_then(|pending| {
                    let s = scope.or_else(|| pending.after.clone())?;
                    Some((AsOfStatus::Announced, s, pending.announced_on))
                }),
        };
        out.extend(listed.map(|(status, scope, since)| AsOfEntry {
            slug: slug.to_string(),
            status,
            scope,
            since,
        }));
    }
    out.sort_by(|a, b| (&a.scope.legal_name, &a.slug).cmp(&(&b.scope.legal_name, &b.slug)));
    out
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

/// Differences between two days (`from` < `to`) of the registry replayed from `events`.
pub fn diff(events: &[ChangeEvent], from: NaiveDate, to: NaiveDate) -> Diff {
    let active = |day| -> Vec<AsOfEntry> {
        registry_as_of(events, day)
            .into_iter()
            .filter(|e| e.status == AsOfStatus::Active)
            .collect()
    };
    let (old, new) = (active(from), active(to));
    let find = |list: &[AsOfEntry], slug: &str| list.iter().position(|e| e.slug == slug);
    let missing = |a: &[AsOfEntry], b: &[AsOfEntry]| -> Vec<AsOfEntry> {
        a.iter()
            .filter(|e| find(b, &e.slug).is_none())
            .cloned()
            .collect()
    };
    let changed = new
        .iter()
        .filter_map(|n| {
            let o = &old[find(&old, &n.slug)?];
            (o.scope != n.scope).then(|| (n.slug.clone(), o.scope.clone(), n.scope.clone()))
        })
        .collect();
    let (added, removed) = (missing(&new, &old), missing(&old, &new));
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

/// What customers know of a vendor: its lifecycle dates and public scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub lifecycle: super::Lifecycle,
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

/// What a customer asked of the changes page, feed or API: `service`, `kind`, `vendor`,
/// `page`, and `from`/`to` for the difference between two days. Bad values are dropped with a
/// message, never an error page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChangesFilter {
    pub service: Option<super::Slug>,
    pub kind: Option<ChangeKind>,
    pub vendor: Option<super::Slug>,
    /// 1-based page of past changes.
    pub page: u32,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl ChangesFilter {
    pub fn from_query(query: &str) -> (Self, Vec<String>) {
        let query = query.strip_prefix('?').unwrap_or(query);
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
        let mut f = ChangesFilter {
            page: 1,
            ..Default::default()
        };
        let mut messages = Vec::new();
        let day = |name: &str, v: &str, messages: &mut Vec<String>| {
            let d = super::filter::parse_day(v);
            if d.is_none() {
                messages.push(format!(
                    "The {name} date must be written YYYY-MM-DD; it was ignored."
                ));
            }
            d
        };
        for (key, value) in &pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match key.as_str() {
                "service" => match super::Slug::parse(value) {
                    Ok(s) => f.service = Some(s),
                    Err(_) => {
                        messages.push("That is not a service of ours; it was ignored.".into())
                    }
                },
                "vendor" => match super::Slug::parse(value) {
                    Ok(s) => f.vendor = Some(s),
                    Err(_) => messages.push("That is not a vendor address; it was ignored.".into()),
                },
                "kind" => match ChangeKind::parse(value) {
                    Ok(k) => f.kind = Some(k),
                    Err(m) => messages.push(format!("{m} It was ignored.")),
                },
                "page" => match value.parse::<u32>() {
                    Ok(p) if p >= 1 => f.page = p,
                    _ => messages
                        .push("The page number was not understood; showing the first page.".into()),
                },
                "from" => f.from = day("from", value, &mut messages),
                "to" => f.to = day("to", value, &mut messages),
                _ => {}
            }
        }
        if let (Some(from), Some(to)) = (f.from, f.to) {
            if from > to {
                f.from = Some(to);
                f.to = Some(from);
            }
        }
        (f, messages)
    }

    /// Canonical query (no `?`): filters, optionally the page, and the from/to days.
    pub fn to_query(&self, with_page: bool) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(s) = &self.service {
            pairs.push(("service", s.as_str().to_string()));
        }
        if let Some(k) = self.kind {
            pairs.push(("kind", k.code().to_string()));
        }
        if let Some(v) = &self.vendor {
            pairs.push(("vendor", v.as_str().to_string()));
        }
        if let Some(d) = self.from {
            pairs.push(("from", d.to_string()));
        }
        if let Some(d) = self.to {
            pairs.push(("to", d.to_string()));
        }
        if with_page && self.page > 1 {
            pairs.push(("page", self.page.to_string()));
        }
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

/// How a scope changed, as phrases ("adds country US", "drops service Mail", renames).
pub fn scope_difference(b: &PublicScope, a: &PublicScope) -> Vec<String> {
    let mut parts = Vec::new();
    let added = widening(b, a);
    if !added.is_empty() {
        parts.push(format!("adds {}", added.join(", ")));
    }
    let dropped = widening(a, b);
    if !dropped.is_empty() {
        parts.push(format!("drops {}", dropped.join(", ")));
    }
    if a.legal_name != b.legal_name {
        parts.push(format!("is renamed from {}", b.legal_name));
    }
    if a.purpose != b.purpose {
        parts.push(format!("changes its purpose to \"{}\"", a.purpose));
    }
    if parts.is_empty() {
        parts.push("changes its public details".into());
    }
    parts
}

/// One sentence per event for people (the changes page, the feed): what changes, and when.
pub fn describe(e: &ChangeEvent) -> String {
    let name = e
        .after
        .as_ref()
        .or(e.before.as_ref())
        .map(|s| s.legal_name.as_str())
        .unwrap_or(e.slug.as_str());
    let label = |c: &String| {
        DataCategory::parse(c)
            .map(|c| c.label().to_lowercase())
            .unwrap_or_else(|_| c.clone())
    };
    match (e.kind, &e.before, &e.after) {
        (ChangeKind::Added, _, Some(a)) => format!(
            "{name} becomes a subprocessor on {} for {}, processing {} in {}.",
            e.effective_on,
            a.services.join(", "),
            a.categories
                .iter()
                .map(label)
                .collect::<Vec<_>>()
                .join(", "),
            a.countries.join(", "),
        ),
        (ChangeKind::ScopeChanged, Some(b), Some(a)) => {
            format!(
                "{name} {} on {}.",
                scope_difference(b, a).join("; "),
                e.effective_on
            )
        }
        _ => format!("{name} stops processing data for us on {}.", e.effective_on),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ChangeKind::{Added, Removed, ScopeChanged};

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    fn strs(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn scope(name: &str, services: &[&str], countries: &[&str], cats: &[&str]) -> PublicScope {
        let (services, countries, categories) = (strs(services), strs(countries), strs(cats));
        let (legal_name, purpose) = (name.into(), "Hosting".into());
        PublicScope {
            legal_name,
            purpose,
            services,
            countries,
            categories,
        }
        .normalized()
    }

    fn ev(
        id: i64,
        slug: &str,
        kind: ChangeKind,
        announced_on: NaiveDate,
        effective_on: NaiveDate,
        after: Option<PublicScope>,
    ) -> ChangeEvent {
        let (slug, before) = (slug.to_string(), None);
        ChangeEvent {
            id,
            slug,
            kind,
            announced_on,
            effective_on,
            before,
            after,
        }
    }

    #[test]
    fn kinds_round_trip_and_normalize_sorts() {
        for k in ChangeKind::ALL {
            assert_eq!(ChangeKind::parse(k.code()), Ok(k));
        }
        assert_eq!(ChangeKind::parse(" Scope_Changed "), Ok(ScopeChanged));
        assert_eq!(ScopeChanged.label(), "Scope changed");
        assert!(ChangeKind::parse("renamed").is_err());
        let s = scope("A", &["b", "a", "b"], &[], &[]);
        assert_eq!(s.services, strs(&["a", "b"]));
    }

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

    #[test]
    fn changes_filter_parses_and_round_trips() {
        let (f, msgs) = ChangesFilter::from_query(
            "service=mail&kind=added&from=2026-05-01&to=2026-01-01&page=2",
        );
        assert!(msgs.is_empty(), "{msgs:?}");
        assert_eq!(f.kind, Some(Added));
        assert_eq!(
            (f.from, f.to),
            (Some(d("2026-01-01")), Some(d("2026-05-01"))),
            "swapped"
        );
        assert_eq!(ChangesFilter::from_query(&f.to_query(true)).0, f);
        let (f, msgs) = ChangesFilter::from_query("kind=renamed&from=soon&service=A%20B&page=0");
        assert_eq!((f.kind, f.from, f.service, f.page), (None, None, None, 1));
        assert_eq!(msgs.len(), 4, "{msgs:?}");
    }

    #[test]
    fn descriptions_say_what_and_when() {
        let b = scope("Acme", &["Mail"], &["DE", "FR"], &["support"]);
        let a = scope("Acme", &["Mail"], &["DE", "US"], &["customer", "support"]);
        let mut e = ev(
            1,
            "acme",
            Added,
            d("2026-01-01"),
            d("2026-06-30"),
            Some(b.clone()),
        );
        assert_eq!(
            describe(&e),
            "Acme becomes a subprocessor on 2026-06-30 for Mail, processing support data in DE, FR."
        );
        e.kind = ScopeChanged;
        e.before = Some(b.clone());
        e.after = Some(a);
        assert_eq!(
            describe(&e),
            "Acme adds country US, category customer; drops country FR on 2026-06-30."
        );
        e.kind = Removed;
        e.after = None;
        assert_eq!(
            describe(&e),
            "Acme stops processing data for us on 2026-06-30."
        );
    }
}
