//! Following a vendor's own published sub-processor list (issue 29): what a fetched list
//! says, and how it differs from the vendor's chain as stored. Pure functions: the watcher
//! fetches, the service stores and proposes.
//!
//! A list is read as a **structured** list when it is CSV or XLSX (a header naming the
//! sub-processor, as "legal_name", "name", "subprocessor", "vendor", "Name of Subprocessor"
//! ..., and optionally its country or location and its purpose), JSON (an array of such
//! objects, or an object with a `subprocessors` array: this product's own open list,
//! `/.well-known/subprocessors.json`, so registries can follow each other), and otherwise
//! (HTML, PDF, anything else) as a **page**: only whether its bytes changed is known.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{chain::SubProcessor, country::country_code, import::Sheet};

/// One sub-processor as a vendor publishes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    pub legal_name: String,
    /// ISO codes of where it processes, as far as the list says (may be empty).
    #[serde(default)]
    pub countries: Vec<String>,
    #[serde(default)]
    pub purpose: String,
}

/// What a fetched list is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListContent {
    Structured(Vec<Published>),
    /// A page whose content is not read (HTML, PDF, ...): compared by its SHA-256.
    Page,
}

/// Most entries a published list may have.
pub const MAX_ENTRIES: usize = 1_000;

fn normal(h: &str) -> String {
    h.trim()
        .trim_start_matches('\u{feff}')
        .to_ascii_lowercase()
        .replace([' ', '-'], "_")
}

const NAME_COLUMNS: [&str; 8] = [
    "legal_name",
    "name",
    "subprocessor",
    "sub_processor",
    "name_of_subprocessor",
    "name_of_sub_processor",
    "vendor",
    "entity",
];
const COUNTRY_COLUMNS: [&str; 7] = [
    "processing_countries",
    "countries",
    "country",
    "location",
    "location_of_processing",
    "locations",
    "processing_location",
];
const PURPOSE_COLUMNS: [&str; 5] = [
    "purpose",
    "description",
    "description_of_processing",
    "service",
    "processing_activities",
];

/// The country codes a cell names (codes or English names, split on `,` or `;`); names it
/// cannot place are left out.
pub fn countries_of(cell: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in cell.split([',', ';', '\n']) {
        if let Some(code) = country_code(part.trim()) {
            if !out.iter().any(|c| c == code) {
                out.push(code.to_string());
            }
        }
    }
    out
}

/// The entries of a sheet, by its header; or why it is not a list of sub-processors.
pub fn from_sheet(sheet: &Sheet) -> Result<Vec<Published>, String> {
    let names: Vec<String> = sheet.header.iter().map(|h| normal(h)).collect();
    let find = |wanted: &[&str]| names.iter().position(|n| wanted.contains(&n.as_str()));
    let name = find(&NAME_COLUMNS).ok_or_else(|| {
        "The list has no column naming the sub-processor (legal_name, name, subprocessor ...)."
            .to_string()
    })?;
    let country = find(&COUNTRY_COLUMNS);
    let purpose = find(&PURPOSE_COLUMNS);
    let cell = |row: &[String], i: Option<usize>| {
        i.and_then(|i| row.get(i))
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for row in &sheet.rows {
        let legal_name = cell(&row.cells, Some(name));
        if legal_name.is_empty() {
            continue;
        }
        out.push(Published {
            legal_name,
            countries: countries_of(&cell(&row.cells, country)),
            purpose: cell(&row.cells, purpose),
        });
    }
    merged(out)
}

/// The entries of a JSON list: an array of objects, or an object with a `subprocessors`
/// array (this product's open list); each names its sub-processor (`legal_name` or `name`),
/// and may give `processing_countries` or `countries` (an array or a string), `country`,
/// and `purpose`.
pub fn from_json(text: &str) -> Result<Vec<Published>, String> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("The JSON cannot be read: {e}."))?;
    let items = match &v {
        serde_json::Value::Array(a) => a,
        serde_json::Value::Object(o) => {
            match o.get("subprocessors").or_else(|| o.get("sub_processors")) {
                Some(serde_json::Value::Array(a)) => a,
                _ => return Err("The JSON has no \"subprocessors\" array.".into()),
            }
        }
        _ => return Err("The JSON is neither a list nor an object with \"subprocessors\".".into()),
    };
    let text_of = |o: &serde_json::Map<String, serde_json::Value>, keys: &[&str]| -> String {
        keys.iter()
            .find_map(|k| o.get(*k))
            .map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Array(a) => a
                    .iter()
                    .filter_map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                _ => String::new(),
            })
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for item in items {
        let Some(o) = item.as_object() else {
            return Err("An entry of the JSON list is not an object.".into());
        };
        let legal_name = text_of(o, &["legal_name", "name"]);
        let legal_name = legal_name.split_whitespace().collect::<Vec<_>>().join(" ");
        if legal_name.is_empty() {
            return Err("An entry of the JSON list has no legal_name.".into());
        }
        out.push(Published {
            legal_name,
            countries: countries_of(&text_of(
                o,
                &["processing_countries", "countries", "country", "location"],
            )),
            purpose: text_of(o, &["purpose", "description"]),
        });
    }
    merged(out)
}

/// One entry per sub-processor (a name listed twice: its countries together, its first
/// purpose), at most [`MAX_ENTRIES`]; an empty list is refused (a list that lost its
/// content is far likelier than a vendor with no sub-processor left).
fn merged(entries: Vec<Published>) -> Result<Vec<Published>, String> {
    let mut out: Vec<Published> = Vec::new();
    for e in entries {
        match out
            .iter_mut()
            .find(|o| o.legal_name.eq_ignore_ascii_case(&e.legal_name))
        {
            Some(o) => {
                for c in e.countries {
                    if !o.countries.contains(&c) {
                        o.countries.push(c);
                    }
                }
            }
            None => out.push(e),
        }
        if out.len() > MAX_ENTRIES {
            return Err(format!("The list has more than {MAX_ENTRIES} entries."));
        }
    }
    if out.is_empty() {
        return Err("The list names no sub-processor.".into());
    }
    Ok(out)
}

/// How a published list differs from the stored chain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListDiff {
    /// Listed by the vendor, not in the chain.
    pub added: Vec<Published>,
    /// In the chain, no longer listed.
    pub removed: Vec<String>,
    /// In both, the chain's country no longer among the listed ones: (name, was, now).
    pub moved: Vec<(String, String, String)>,
}

impl ListDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.moved.is_empty()
    }

    /// One line: "adds X (DE); removes Y; moves Z from US to CA".
    pub fn summary(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        for a in &self.added {
            let at = a
                .countries
                .first()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default();
            parts.push(format!("adds {}{at}", a.legal_name));
        }
        for r in &self.removed {
            parts.push(format!("removes {r}"));
        }
        for (n, was, now) in &self.moved {
            parts.push(format!("moves {n} from {was} to {now}"));
        }
        parts.join("; ")
    }
}

/// What a proposal from the watcher holds (`proposals.payload`): the list's URL and either
/// the difference of a structured list, or, for a page, the SHA-256 of its bytes before and
/// after (both kept in the document store).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListProposal {
    pub url: String,
    #[serde(default)]
    pub diff: ListDiff,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<(String, String)>,
}

impl ListProposal {
    pub fn summary(&self) -> String {
        match &self.page {
            Some(_) => "the published list changed".into(),
            None => format!("its published list {}", self.diff.summary()),
        }
    }
}

/// The difference between the chain `stored` and the vendor's published `list`, matched by
/// name (case-insensitive). A list that gives no country for an entry moves nothing.
pub fn diff(stored: &[SubProcessor], list: &[Published]) -> ListDiff {
    let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let mut d = ListDiff::default();
    for p in list {
        match stored.iter().find(|s| same(&s.legal_name, &p.legal_name)) {
            None => d.added.push(p.clone()),
            Some(s) => {
                if !p.countries.is_empty() && !p.countries.contains(&s.country) {
                    d.moved.push((
                        s.legal_name.clone(),
                        s.country.clone(),
                        p.countries[0].clone(),
                    ));
                }
            }
        }
    }
    for s in stored {
        if !list.iter().any(|p| same(&p.legal_name, &s.legal_name)) {
            d.removed.push(s.legal_name.clone());
        }
    }
    d
}

/// The chain after a difference is accepted: removed links gone, moved ones in their new
/// country, added ones with `categories` (the vendor's own: a published list rarely says
/// which data is passed on, so every category the vendor holds is assumed) and the country
/// the list gives first (an added entry without a country cannot be added: `Err` names it).
pub fn applied(
    stored: &[SubProcessor],
    d: &ListDiff,
    categories: &[String],
    today: chrono::NaiveDate,
) -> Result<Vec<SubProcessor>, String> {
    let removed: BTreeSet<String> = d.removed.iter().map(|r| r.to_lowercase()).collect();
    let mut out: Vec<SubProcessor> = stored
        .iter()
        .filter(|s| !removed.contains(&s.legal_name.to_lowercase()))
        .cloned()
        .collect();
    for (name, _, now) in &d.moved {
        if let Some(s) = out
            .iter_mut()
            .find(|s| s.legal_name.eq_ignore_ascii_case(name))
        {
            s.country = now.clone();
        }
    }
    for a in &d.added {
        let Some(country) = a.countries.first() else {
            return Err(format!(
                "The list gives no country for {}: add it on the vendor's page with its country.",
                a.legal_name
            ));
        };
        out.push(SubProcessor {
            legal_name: a.legal_name.clone(),
            country: country.clone(),
            purpose: if a.purpose.is_empty() {
                "Listed on the vendor's published sub-processor list".into()
            } else {
                a.purpose.clone()
            },
            categories: categories.to_vec(),
            since: Some(today),
            list_url: None,
            vendor_slug: None,
        });
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::import::Row;

    fn link(name: &str, country: &str) -> SubProcessor {
        SubProcessor {
            legal_name: name.into(),
            country: country.into(),
            purpose: "Hosting".into(),
            categories: vec!["customer".into()],
            since: None,
            list_url: None,
            vendor_slug: None,
        }
    }

    #[test]
    fn lists_are_read_from_sheets_json_and_the_open_format() {
        let sheet = Sheet {
            name: "list".into(),
            header: vec![
                "Name of Subprocessor".into(),
                "Description of Processing".into(),
                "Location of Processing".into(),
            ],
            rows: vec![
                Row {
                    line: 2,
                    cells: vec![
                        "Amazon  Web Services".into(),
                        "Hosting".into(),
                        "United States, Canada".into(),
                    ],
                },
                Row {
                    line: 3,
                    cells: vec!["".into(), "".into(), "".into()],
                },
            ],
            first_column: None,
        };
        let list = from_sheet(&sheet).expect("read");
        assert_eq!(list[0].legal_name, "Amazon Web Services");
        assert_eq!(list[0].countries, ["US", "CA"]);
        let open = r#"{"format":"subprocessors/v1","subprocessors":[
            {"legal_name":"Deep Store AB","processing_countries":["SE","DE"],"purpose":"Backups"}]}"#;
        assert_eq!(from_json(open).expect("open")[0].countries, ["SE", "DE"]);
        let plain =
            r#"[{"name":"Relay Ltd","country":"Ireland"},{"name":"relay ltd","country":"FR"}]"#;
        let read = from_json(plain).expect("array");
        assert_eq!(
            (read.len(), read[0].countries.clone()),
            (1, vec!["IE".to_string(), "FR".to_string()])
        );
        assert!(from_json("{\"x\":1}").is_err());
        assert!(from_json("[]").is_err(), "an empty list is refused");
        assert!(from_json("<html>").is_err());
        let mut bad = sheet.clone();
        bad.header = vec!["colour".into()];
        assert!(from_sheet(&bad).is_err());
    }

    #[test]
    fn a_difference_names_what_came_went_and_moved_and_applies() {
        let stored = vec![
            link("A AB", "SE"),
            link("B GmbH", "DE"),
            link("C Inc", "US"),
        ];
        let list = vec![
            Published {
                legal_name: "a ab".into(),
                countries: vec!["SE".into()],
                purpose: String::new(),
            },
            Published {
                legal_name: "C Inc".into(),
                countries: vec!["CA".into()],
                purpose: String::new(),
            },
            Published {
                legal_name: "D Oy".into(),
                countries: vec!["FI".into()],
                purpose: "Mail".into(),
            },
        ];
        let d = diff(&stored, &list);
        assert_eq!(
            d.summary(),
            "adds D Oy (FI); removes B GmbH; moves C Inc from US to CA"
        );
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).expect("day");
        let after = applied(&stored, &d, &["customer".into()], today).expect("applies");
        let names: Vec<(&str, &str)> = after
            .iter()
            .map(|s| (s.legal_name.as_str(), s.country.as_str()))
            .collect();
        assert_eq!(names, [("A AB", "SE"), ("C Inc", "CA"), ("D Oy", "FI")]);
        assert!(diff(&after, &list).is_empty(), "applied, the list matches");
        let nowhere = ListDiff {
            added: vec![Published {
                legal_name: "E".into(),
                countries: vec![],
                purpose: String::new(),
            }],
            ..ListDiff::default()
        };
        assert!(applied(&stored, &nowhere, &[], today).is_err());
    }
}
