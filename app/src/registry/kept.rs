//! What the registry keeps in memory between requests: past days' registries replayed lately,
//! differences between two days, and the registry page's data for the last queries. One
//! [`Kept`] per database, made beside its `Db` when the server starts (in the app state for
//! the plain routes, in the context for server functions), so two databases in one process
//! never share what they keep.

use std::sync::{Arc, Mutex};

use chrono::NaiveDate;

use crate::{
    domain::changes::{AsOfEntry, DiffHead},
    error::AppError,
    request::internal,
};

use super::page::RegistryPage;

/// The registry's kept values, each under its slot and a number that moves whenever what it
/// was derived from changes.
#[derive(Debug, Default)]
pub struct Kept {
    /// The registries of the last few past days asked for, each keyed by its day and the
    /// number of change events it was replayed from (100,000 vendors take some 50 MB a day).
    pub(super) replays: Recent<NaiveDate, Arc<Vec<AsOfEntry>>, 3>,
    /// The differences between the last few pairs of days asked for, each cut to the lines a
    /// page shows (`diff_between`), keyed by the two days and how many lines.
    pub(super) diffs: Recent<(NaiveDate, NaiveDate, usize), Arc<DiffHead>, 3>,
    /// The registry page's data (everything it shows) for a raw query string and day, keyed
    /// by the registry's version (`vendors::registry_version`): any change to what the page
    /// shows moves the version, so a kept page is never older than the data. Rendering is
    /// not kept.
    pub pages: Recent<(String, NaiveDate), Arc<RegistryPage>, 32>,
}

impl Kept {
    /// The one the server provides to every server function, beside the database handle.
    pub fn current() -> Result<Arc<Kept>, AppError> {
        leptos::prelude::use_context::<Arc<Kept>>()
            .ok_or_else(|| internal("the registry's kept state missing from context"))
    }
}

/// The last `KEEP` values asked for, each under its slot (a day, a pair of days, a query) and
/// a number that moves whenever what it was derived from changes (the number of change
/// events, which are append-only; the registry's version).
#[derive(Debug)]
pub struct Recent<S, V, const KEEP: usize>(Mutex<Vec<((S, i64), V)>>);

impl<S, V, const KEEP: usize> Default for Recent<S, V, KEEP> {
    fn default() -> Self {
        Self(Mutex::new(Vec::new()))
    }
}

impl<S: PartialEq, V: Clone, const KEEP: usize> Recent<S, V, KEEP> {
    pub fn get(&self, key: (S, i64)) -> Option<V> {
        let kept = self.0.lock().ok()?;
        kept.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone())
    }

    /// Keep `value`, forgetting the oldest kept and any value of the same slot from fewer
    /// events.
    pub fn put(&self, key: (S, i64), value: V) {
        let Ok(mut kept) = self.0.lock() else {
            return;
        };
        kept.retain(|(k, _)| k.0 != key.0);
        if kept.len() >= KEEP {
            kept.remove(0);
        }
        kept.push((key, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_few_and_one_value_per_slot() {
        let recent: Recent<u8, &str, 2> = Recent::default();
        recent.put((1, 10), "a");
        recent.put((1, 11), "a'");
        assert_eq!(recent.get((1, 10)), None, "a newer count replaces the slot");
        assert_eq!(recent.get((1, 11)), Some("a'"));
        recent.put((2, 10), "b");
        recent.put((3, 10), "c");
        assert_eq!(recent.get((1, 11)), None, "the oldest is forgotten");
        assert_eq!(recent.get((3, 10)), Some("c"));
    }
}
