//! Sentences for people: what a change does, and when.

use super::{notice::widening, ChangeEvent, ChangeKind, PublicScope};
use crate::domain::DataCategory;

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
    use super::super::test_support::*;
    use super::*;
    use ChangeKind::{Added, Removed, ScopeChanged};

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
