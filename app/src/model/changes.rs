//! The wire types of changes: what the browser receives and posts (see `crate::api::changes`).

use super::types::SelectOption;
use crate::domain::changes::{ChangeKind, ChangesFilter, NoticePeriods};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Past changes shown per page; upcoming ones are all shown.
pub const CHANGES_PAGE_SIZE: u32 = 50;

/// One change as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeItem {
    pub id: i64,
    pub kind: ChangeKind,
    pub slug: String,
    pub legal_name: String,
    pub summary: String,
    pub announced_on: NaiveDate,
    pub effective_on: NaiveDate,
    pub days_left: i64,
    /// An addition whose vendor was withdrawn (removed) before it took effect.
    pub withdrawn: bool,
    /// Objections of customers to it: (open, resolved). No names, no texts.
    pub objections: (i64, i64),
}

/// A vendor in the difference between two days, with what differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffLine {
    pub slug: String,
    pub legal_name: String,
    pub detail: String,
}

/// One group of the difference: its first [`DIFF_SHOWN`] lines, in registry order, and how
/// many there are in all (the registry CSV of each day has every vendor).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffGroup {
    pub lines: Vec<DiffLine>,
    pub total: usize,
}

/// Lines of each group the page lists.
pub const DIFF_SHOWN: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffView {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub added: DiffGroup,
    pub removed: DiffGroup,
    pub changed: DiffGroup,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangesPage {
    pub filter: ChangesFilter,
    pub messages: Vec<String>,
    pub services: Vec<SelectOption>,
    pub upcoming: Vec<ChangeItem>,
    pub past: Vec<ChangeItem>,
    pub past_total: i64,
    pub page_size: u32,
    pub today: NaiveDate,
    pub diff: Option<DiffView>,
    /// Notice periods as configured, for the page's explanation.
    pub notice: NoticePeriods,
}

impl ChangesPage {
    pub fn page_count(&self) -> u32 {
        super::types::page_count(self.past_total, self.page_size)
    }

    pub fn page_href(&self, page: u32) -> String {
        let mut f = self.filter.clone();
        f.page = page;
        let q = f.to_query(true);
        if q.is_empty() {
            "/changes".into()
        } else {
            format!("/changes?{q}")
        }
    }

    /// The feed of these filters (not the page or the from/to days).
    pub fn feed_href(&self) -> String {
        let f = ChangesFilter {
            page: 1,
            from: None,
            to: None,
            ..self.filter.clone()
        };
        let q = f.to_query(false);
        if q.is_empty() {
            "/changes.atom".into()
        } else {
            format!("/changes.atom?{q}")
        }
    }
}
