//! The registry filter: what a customer asked for in the URL, parsed and validated.
//!
//! Query parameters: `q` (search), `service`, `country`, `category`, `status` (each repeatable),
//! `page`. Unknown parameters are ignored; unusable values are dropped with a message, never an
//! error page.

use serde::{Deserialize, Serialize};

use super::{
    cap_messages,
    dates::{expected_day, parse_day},
    CountryCode, DataCategory, Slug, Status,
};

/// Longest search text we act on; longer input is refused with a message.
pub const MAX_QUERY_LEN: usize = 100;
/// Most values kept for one repeatable parameter.
const MAX_VALUES: usize = 50;
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RegistryFilter {
    /// Lower-cased search text matched against legal and trading names.
    pub q: Option<String>,
    pub services: Vec<Slug>,
    pub countries: Vec<CountryCode>,
    pub categories: Vec<DataCategory>,
    /// Empty means the default view: announced and active vendors.
    pub statuses: Vec<Status>,
    /// `Some(true)`: authorized today only; `Some(false)`: not compliant only. Both judge
    /// active vendors only: an announced vendor is ready or not by its effective date, a
    /// removed one no longer a subprocessor.
    pub authorized: Option<bool>,
    /// 1-based page of the on-screen list (the CSV ignores it).
    pub page: u32,
    /// `as_of=YYYY-MM-DD`: the registry as it stood that day, replayed from change events.
    /// Only past days apply; the caller drops today and later with a message.
    #[serde(default)]
    pub as_of: Option<chrono::NaiveDate>,
}

impl RegistryFilter {
    /// Statuses shown when none is asked for.
    pub const DEFAULT_STATUSES: [Status; 2] = [Status::Announced, Status::Active];

    /// Parse decoded query pairs. Returns the filter and one message per value it dropped.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> (Self, Vec<String>) {
        let mut f = RegistryFilter {
            page: 1,
            ..Default::default()
        };
        let mut messages = Vec::new();
        for (key, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match key {
                "q" => {
                    if value.chars().count() > MAX_QUERY_LEN {
                        messages.push(format!(
                            "Search text is limited to {MAX_QUERY_LEN} characters; the search was not applied."
                        ));
                    } else if value.chars().any(char::is_control) {
                        messages.push("Search text cannot contain control characters.".into());
                    } else {
                        f.q = Some(value.to_lowercase());
                    }
                }
                "service" => push_parsed(
                    &mut f.services,
                    Slug::parse(value).map_err(|_| {
                        format!(
                            "\"{}\" is not a service of ours; it was ignored.",
                            shorten(value)
                        )
                    }),
                    &mut messages,
                ),
                "country" => push_parsed(
                    &mut f.countries,
                    CountryCode::parse(value).map_err(|e| format!("{} It was ignored.", e.0)),
                    &mut messages,
                ),
                "category" => push_parsed(
                    &mut f.categories,
                    DataCategory::parse(value).map_err(|e| format!("{} It was ignored.", e.0)),
                    &mut messages,
                ),
                "status" => match Status::parse(value) {
                    Ok(Status::Proposed) | Err(_) => messages.push(format!(
                        "\"{}\" is not a status (announced, active or removed); it was ignored.",
                        shorten(value)
                    )),
                    Ok(s) => push_parsed(&mut f.statuses, Ok(s), &mut messages),
                },
                "compliance" => match value.to_ascii_lowercase().as_str() {
                    "authorized" => f.authorized = Some(true),
                    "not_compliant" | "not-compliant" => f.authorized = Some(false),
                    _ => messages.push(format!(
                        "\"{}\" is not a compliance state (authorized or not_compliant); it was ignored.",
                        shorten(value)
                    )),
                },
                "as_of" => match parse_day(value) {
                    Some(d) => f.as_of = Some(d),
                    None => messages.push(format!(
                        "\"{}\" is not {}; showing today's registry.",
                        shorten(value),
                        expected_day(value)
                    )),
                },
                "page" => match value.parse::<u32>() {
                    Ok(p) if p >= 1 => f.page = p,
                    _ => messages
                        .push("The page number was not understood; showing the first page.".into()),
                },
                _ => {}
            }
        }
        (f, cap_messages(messages))
    }

    /// Parse a raw query string (with or without the leading `?`). Bad percent-encoding is
    /// decoded lossily rather than refused.
    pub fn from_query(query: &str) -> (Self, Vec<String>) {
        let query = query.strip_prefix('?').unwrap_or(query);
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
        Self::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// The statuses to show: the asked ones, or the default view.
    pub fn effective_statuses(&self) -> Vec<Status> {
        if self.statuses.is_empty() {
            Self::DEFAULT_STATUSES.to_vec()
        } else {
            self.statuses.clone()
        }
    }

    /// Canonical query string for this filter (no leading `?`), optionally without the page.
    pub fn to_query(&self, with_page: bool) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(q) = &self.q {
            pairs.push(("q", q.clone()));
        }
        pairs.extend(
            self.services
                .iter()
                .map(|s| ("service", s.as_str().to_string())),
        );
        pairs.extend(
            self.countries
                .iter()
                .map(|c| ("country", c.as_str().to_string())),
        );
        pairs.extend(
            self.categories
                .iter()
                .map(|c| ("category", c.code().to_string())),
        );
        pairs.extend(
            self.statuses
                .iter()
                .map(|s| ("status", s.code().to_string())),
        );
        match self.authorized {
            Some(true) => pairs.push(("compliance", "authorized".into())),
            Some(false) => pairs.push(("compliance", "not_compliant".into())),
            None => {}
        }
        if let Some(d) = self.as_of {
            pairs.push(("as_of", d.to_string()));
        }
        if with_page && self.page > 1 {
            pairs.push(("page", self.page.to_string()));
        }
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }

    /// Whether a vendor of this standing passes the compliance filter.
    pub fn admits(&self, s: super::compliance::Standing) -> bool {
        admits(self.authorized, s)
    }

    /// How many filters are set (a repeated one counts once): the closed filter panel on a
    /// phone says it, so a filtered list is never mistaken for the whole registry.
    pub fn set_count(&self) -> usize {
        [
            self.q.is_some(),
            !self.services.is_empty(),
            !self.countries.is_empty(),
            !self.categories.is_empty(),
            !self.statuses.is_empty(),
            self.authorized.is_some(),
            self.as_of.is_some(),
        ]
        .into_iter()
        .filter(|set| *set)
        .count()
    }

    pub fn is_empty(&self) -> bool {
        self.q.is_none()
            && self.services.is_empty()
            && self.countries.is_empty()
            && self.categories.is_empty()
            && self.statuses.is_empty()
            && self.authorized.is_none()
            && self.as_of.is_none()
    }

    /// Whether a vendor of a past day's registry matches. `service_names` are the names of
    /// the asked services (past scopes record names); compliance is not known for past days
    /// and does not filter.
    pub fn matches_as_of(&self, e: &super::changes::AsOfEntry, service_names: &[String]) -> bool {
        let status = match e.status {
            super::changes::AsOfStatus::Announced => Status::Announced,
            super::changes::AsOfStatus::Active => Status::Active,
        };
        let any = |wanted: &[String], have: &[String]| {
            wanted.is_empty() || wanted.iter().any(|w| have.contains(w))
        };
        let countries: Vec<String> = self
            .countries
            .iter()
            .map(|c| c.as_str().to_string())
            .collect();
        let categories: Vec<String> = self
            .categories
            .iter()
            .map(|c| c.code().to_string())
            .collect();
        self.effective_statuses().contains(&status)
            && self
                .q
                .as_ref()
                .is_none_or(|q| e.scope.legal_name.to_lowercase().contains(q.as_str()))
            && (self.services.is_empty() || any(service_names, &e.scope.services))
            && any(&countries, &e.scope.countries)
            && any(&categories, &e.scope.categories)
    }
}

fn push_parsed<T: PartialEq>(
    into: &mut Vec<T>,
    parsed: Result<T, String>,
    messages: &mut Vec<String>,
) {
    match parsed {
        Ok(v) if into.contains(&v) => {}
        Ok(_) if into.len() >= MAX_VALUES => {
            messages.push(format!("At most {MAX_VALUES} values per filter are used."));
        }
        Ok(v) => into.push(v),
        Err(m) => messages.push(m),
    }
}

/// Echo at most 40 characters of a bad value back to the user.
fn shorten(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

/// The compliance filter (`Some(true)` authorized, `Some(false)` not compliant) on a standing.
pub fn admits(want: Option<bool>, s: super::compliance::Standing) -> bool {
    use super::compliance::Standing;
    match want {
        None => true,
        Some(true) => s == Standing::Authorized,
        Some(false) => s == Standing::NotCompliant,
    }
}

/// The codes of the standings [`admits`] lets through for `want`, for a filter on stored
/// standings.
pub fn admitted_codes(want: bool) -> &'static [&'static str] {
    use super::compliance::Standing;
    const AUTHORIZED: &[&str] = &[Standing::Authorized.code()];
    const NOT_COMPLIANT: &[&str] = &[Standing::NotCompliant.code()];
    if want {
        AUTHORIZED
    } else {
        NOT_COMPLIANT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admitted_codes_agree_with_admits() {
        use crate::domain::compliance::Standing;
        let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
        let all = [
            Standing::Authorized,
            Standing::NotCompliant,
            Standing::Ready(day),
            Standing::NotReady(day),
            Standing::NoLonger,
        ];
        for want in [true, false] {
            for s in all {
                assert_eq!(
                    admits(Some(want), s),
                    admitted_codes(want).contains(&s.code()),
                    "{want} {s:?}"
                );
            }
        }
    }

    #[test]
    fn set_count_counts_each_filter_once() {
        assert_eq!(RegistryFilter::from_query("").0.set_count(), 0);
        assert_eq!(RegistryFilter::from_query("?page=3").0.set_count(), 0);
        let (f, _) =
            RegistryFilter::from_query("?country=DE&country=FR&q=acme&compliance=authorized");
        assert_eq!(f.set_count(), 3);
        // a value that cannot be used sets nothing
        assert_eq!(RegistryFilter::from_query("?country=ZZ").0.set_count(), 0);
    }

    #[test]
    fn parses_repeatable_filters() {
        let (f, msgs) = RegistryFilter::from_query(
            "?q=Acme&service=cloud-hosting&service=email&country=de&country=FR&category=customer&status=active",
        );
        assert!(msgs.is_empty(), "{msgs:?}");
        assert_eq!(f.q.as_deref(), Some("acme"));
        assert_eq!(f.services.len(), 2);
        assert_eq!(
            f.countries.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            ["DE", "FR"]
        );
        assert_eq!(f.categories, [DataCategory::CustomerData]);
        assert_eq!(f.statuses, [Status::Active]);
        assert_eq!(f.page, 1);
    }

    #[test]
    fn bad_values_are_dropped_with_a_message() {
        let (f, msgs) = RegistryFilter::from_query(
            "country=XX&category=health&status=proposed&status=zzz&service=Not%20A%20Slug&page=-3",
        );
        assert_eq!(
            f,
            RegistryFilter {
                page: 1,
                ..Default::default()
            }
        );
        assert_eq!(msgs.len(), 6, "{msgs:?}");
    }

    #[test]
    fn over_long_search_is_refused_not_truncated() {
        let long = "a".repeat(MAX_QUERY_LEN + 1);
        let (f, msgs) = RegistryFilter::from_query(&format!("q={long}"));
        assert_eq!(f.q, None);
        assert_eq!(msgs.len(), 1);
        let (f, msgs) = RegistryFilter::from_query(&format!("q={}", "a".repeat(MAX_QUERY_LEN)));
        assert!(f.q.is_some() && msgs.is_empty());
    }

    #[test]
    fn malformed_query_strings_do_not_fail() {
        for raw in [
            "%",
            "q=%zz",
            "&&==&",
            "q",
            "=x",
            "q=%E0%A4%A",
            "service[]=x",
        ] {
            let (f, _) = RegistryFilter::from_query(raw);
            assert_eq!(f.page, 1, "{raw}");
        }
    }

    #[test]
    fn duplicates_collapse_and_query_round_trips() {
        let (f, _) =
            RegistryFilter::from_query("country=de&country=DE&status=removed&q=a%20b&page=2");
        assert_eq!(f.countries.len(), 1);
        let again = RegistryFilter::from_query(&f.to_query(true)).0;
        assert_eq!(again, f);
        assert_eq!(f.to_query(false), "q=a+b&country=DE&status=removed");
    }

    #[test]
    fn compliance_filter_round_trips() {
        let (f, msgs) = RegistryFilter::from_query("compliance=not_compliant");
        assert!(msgs.is_empty());
        assert_eq!(f.authorized, Some(false));
        assert_eq!(f.to_query(false), "compliance=not_compliant");
        let (f, msgs) = RegistryFilter::from_query("compliance=maybe");
        assert_eq!((f.authorized, msgs.len()), (None, 1));
    }

    #[test]
    fn as_of_parses_round_trips_and_filters_past_scopes() {
        use crate::domain::changes::{AsOfEntry, AsOfStatus, PublicScope};
        let (f, msgs) = RegistryFilter::from_query("as_of=2026-03-01&country=DE&service=mail");
        assert!(msgs.is_empty(), "{msgs:?}");
        assert_eq!(f.as_of, "2026-03-01".parse().ok());
        assert_eq!(
            f.to_query(false),
            "service=mail&country=DE&as_of=2026-03-01"
        );
        for bad in ["2026-3-1", "yesterday", "1989-12-31", "2026-02-30"] {
            let (f, msgs) = RegistryFilter::from_query(&format!("as_of={bad}"));
            assert_eq!((f.as_of, msgs.len()), (None, 1), "{bad}");
        }
        let entry = |status, countries: &[&str]| AsOfEntry {
            slug: "acme".into(),
            status,
            scope: PublicScope {
                legal_name: "Acme GmbH".into(),
                purpose: "Mail".into(),
                services: vec!["Mail".into()],
                countries: countries.iter().map(|c| c.to_string()).collect(),
                categories: vec!["support".into()],
                sub_processors: Vec::new(),
            },
            since: "2026-01-01".parse().unwrap_or_default(),
        };
        let mail = ["Mail".to_string()];
        assert!(f.matches_as_of(&entry(AsOfStatus::Active, &["DE", "FR"]), &mail));
        assert!(f.matches_as_of(&entry(AsOfStatus::Announced, &["DE"]), &mail));
        assert!(!f.matches_as_of(&entry(AsOfStatus::Active, &["FR"]), &mail));
        assert!(!f.matches_as_of(
            &entry(AsOfStatus::Active, &["DE"]),
            &["Hosting".to_string()]
        ));
        let (active, _) = RegistryFilter::from_query("status=active&q=acme");
        assert!(active.matches_as_of(&entry(AsOfStatus::Active, &["DE"]), &[]));
        assert!(!active.matches_as_of(&entry(AsOfStatus::Announced, &["DE"]), &[]));
    }

    #[test]
    fn thousands_of_bad_values_get_a_short_answer() {
        let query: Vec<String> = (0..5000).map(|i| format!("country=X{i}")).collect();
        let (f, msgs) = RegistryFilter::from_query(&query.join("&"));
        assert!(f.countries.is_empty());
        assert_eq!(msgs.len(), super::super::MAX_MESSAGES + 1, "{msgs:?}");
        assert_eq!(
            msgs[super::super::MAX_MESSAGES],
            "4990 more values were not used either."
        );
        let many: Vec<String> = (0..500).map(|i| format!("status=zz{i}")).collect();
        assert_eq!(
            RegistryFilter::from_query(&many.join("&")).1.len(),
            super::super::MAX_MESSAGES + 1
        );
    }

    #[test]
    fn default_statuses_when_none_given() {
        let (f, _) = RegistryFilter::from_query("");
        assert_eq!(f.effective_statuses(), [Status::Announced, Status::Active]);
        assert!(f.is_empty());
    }
}
