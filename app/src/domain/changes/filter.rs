//! What a customer asked of the changes page, the feed or the API.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::ChangeKind;
use crate::domain::{
    dates::{expected_day, parse_day},
    Slug,
};

/// What a customer asked of the changes page, feed or API: `service`, `kind`, `vendor`,
/// `page`, and `from`/`to` for the difference between two days. Bad values are dropped with a
/// message, never an error page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChangesFilter {
    pub service: Option<Slug>,
    pub kind: Option<ChangeKind>,
    pub vendor: Option<Slug>,
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
            let d = parse_day(v);
            if d.is_none() {
                messages.push(format!(
                    "The {name} date must be {}; it was ignored.",
                    expected_day(v)
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
                "service" => match Slug::parse(value) {
                    Ok(s) => f.service = Some(s),
                    Err(_) => {
                        messages.push("That is not a service of ours; it was ignored.".into())
                    }
                },
                "vendor" => match Slug::parse(value) {
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
        (f, crate::domain::cap_messages(messages))
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

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use ChangeKind::Added;

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
}
