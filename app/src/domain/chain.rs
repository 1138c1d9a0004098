//! The chain: a vendor's own subprocessors (sub-subprocessors to us). They are part of the
//! vendor's public scope, so adding one, or passing data to a new country or of a new
//! category down the chain, is announced with notice like the vendor's own scope (see
//! `changes::widening`); and a vendor with any needs the flow-down obligation in force.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{
    dates::optional_date,
    fields::{FieldError, Fields},
    text::{optional_text, required_text, website},
    CountryCode, DataCategory, Slug,
};

/// One of a vendor's subprocessors, as published.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SubProcessor {
    pub legal_name: String,
    /// ISO 3166-1 alpha-2 code of the country it processes in.
    pub country: String,
    pub purpose: String,
    /// Data category codes passed on to it.
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub since: Option<NaiveDate>,
    /// Its own published list of subprocessors, if it has one.
    #[serde(default)]
    pub list_url: Option<String>,
    /// When it is itself a vendor in this registry: that vendor's slug.
    #[serde(default)]
    pub vendor_slug: Option<String>,
}

impl SubProcessor {
    /// `Name (CC)`, as the CSV lists it.
    pub fn short(&self) -> String {
        format!("{} ({})", self.legal_name, self.country)
    }
}

/// The form that adds, changes or removes one subprocessor of a vendor:
/// `s[vendor]`, `s[version]` (the vendor's), `s[index]` (empty for a new one), the fields,
/// `s[remove]=on` to remove, and `s[scope_effective_on]` when it widens the scope.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SubProcessorForm {
    pub vendor: String,
    pub version: i64,
    pub index: String,
    pub legal_name: String,
    pub country: String,
    pub purpose: String,
    pub categories: BTreeMap<String, String>,
    pub since: String,
    pub list_url: String,
    pub vendor_slug: String,
    pub remove: String,
    pub scope_effective_on: String,
}

/// What a subprocessor form asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainEdit {
    Add(SubProcessor),
    Replace(usize, SubProcessor),
    Remove(usize),
}

/// Most subprocessors one vendor lists.
pub const MAX_SUB_PROCESSORS: usize = 200;

impl SubProcessorForm {
    /// The edit this form asks for. `vendor_categories` are the vendor's own data categories
    /// (only those can be passed on); `count` is how many it lists now.
    pub fn parse(
        &self,
        vendor_categories: &[String],
        count: usize,
    ) -> Result<(ChainEdit, Option<NaiveDate>), Vec<FieldError>> {
        let mut f = Fields::default();
        let index = match self.index.trim() {
            "" => None,
            i => match i.parse::<usize>() {
                Ok(i) if i < count => Some(i),
                _ => {
                    f.push(
                        "index",
                        "This subprocessor is no longer on the list; reload the page.",
                    );
                    None
                }
            },
        };
        let scope_effective_on = f.take(
            "scope_effective_on",
            optional_date("the date the change takes effect", &self.scope_effective_on),
        );
        if self.remove == "on" {
            return match index {
                Some(i) => {
                    f.into_result(Some((ChainEdit::Remove(i), scope_effective_on.flatten())))
                }
                None => {
                    if f.is_empty() {
                        f.push("index", "Choose the subprocessor to remove.");
                    }
                    f.into_result(None)
                }
            };
        }
        let sub = parse_fields(&mut f, self, vendor_categories);
        if index.is_none() && count >= MAX_SUB_PROCESSORS {
            f.push(
                "legal_name",
                format!("A vendor lists at most {MAX_SUB_PROCESSORS} subprocessors."),
            );
        }
        let edit = sub.map(|s| match index {
            Some(i) => ChainEdit::Replace(i, s),
            None => ChainEdit::Add(s),
        });
        f.into_result(edit.map(|e| (e, scope_effective_on.flatten())))
    }
}

fn parse_fields(
    f: &mut Fields,
    form: &SubProcessorForm,
    vendor_categories: &[String],
) -> Option<SubProcessor> {
    let legal_name = f.take(
        "legal_name",
        required_text("Legal name", &form.legal_name, 200),
    );
    let country = f.take("country", CountryCode::parse(&form.country));
    let purpose = f.take("purpose", required_text("Purpose", &form.purpose, 500));
    let since = f.take("since", optional_date("the start date", &form.since));
    let list_url = f.take("list_url", website(&form.list_url));
    let vendor_slug = f.take(
        "vendor_slug",
        optional_text("Registry vendor", &form.vendor_slug, 100),
    );
    let vendor_slug = vendor_slug.and_then(|s| match s {
        None => Some(None),
        Some(s) => f
            .take("vendor_slug", Slug::parse(&s))
            .map(|s| Some(s.as_str().to_string())),
    });
    let mut categories = Vec::new();
    for (code, on) in &form.categories {
        if on != "on" {
            continue;
        }
        if let Some(c) = f.take("categories", DataCategory::parse(code)) {
            if !vendor_categories.iter().any(|v| v == c.code()) {
                f.push(
                    "categories",
                    format!(
                        "{} is not processed by this vendor, so it cannot pass it on.",
                        c.label()
                    ),
                );
            } else {
                categories.push(c.code().to_string());
            }
        }
    }
    if categories.is_empty() && !f.has_field("categories") {
        f.push("categories", "Choose the data categories passed on to it.");
    }
    categories.sort();
    categories.dedup();
    Some(SubProcessor {
        legal_name: legal_name?,
        country: country?.as_str().to_string(),
        purpose: purpose?.split_whitespace().collect::<Vec<_>>().join(" "),
        categories,
        since: since?,
        list_url: list_url?,
        vendor_slug: vendor_slug?,
    })
}

/// The list after `edit`, or why not (a name listed twice).
pub fn apply(list: &[SubProcessor], edit: ChainEdit) -> Result<Vec<SubProcessor>, FieldError> {
    let mut out = list.to_vec();
    let dup = |out: &[SubProcessor], s: &SubProcessor, skip: Option<usize>| {
        out.iter()
            .enumerate()
            .any(|(i, x)| Some(i) != skip && x.legal_name.eq_ignore_ascii_case(&s.legal_name))
    };
    match edit {
        ChainEdit::Add(s) => {
            if dup(&out, &s, None) {
                return Err(FieldError {
                    field: "legal_name".into(),
                    message: format!("{} is on the list already.", s.legal_name),
                });
            }
            out.push(s);
        }
        ChainEdit::Replace(i, s) => {
            if dup(&out, &s, Some(i)) {
                return Err(FieldError {
                    field: "legal_name".into(),
                    message: format!("{} is on the list already.", s.legal_name),
                });
            }
            if let Some(slot) = out.get_mut(i) {
                *slot = s;
            }
        }
        ChainEdit::Remove(i) => {
            if i < out.len() {
                out.remove(i);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// What a new list widens compared to the old: new subprocessors, and new countries or data
/// categories passed to one already listed (as "subprocessor X (DE)", "country FR via X",
/// "category customer via X").
pub fn widening(before: &[SubProcessor], after: &[SubProcessor]) -> Vec<String> {
    let mut out = Vec::new();
    for a in after {
        match before
            .iter()
            .find(|b| b.legal_name.eq_ignore_ascii_case(&a.legal_name))
        {
            None => out.push(format!("subprocessor {}", a.short())),
            Some(b) => {
                if b.country != a.country {
                    out.push(format!("country {} via {}", a.country, a.legal_name));
                }
                for c in a.categories.iter().filter(|c| !b.categories.contains(c)) {
                    out.push(format!("category {c} via {}", a.legal_name));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fields::refused;

    fn form(name: &str, country: &str, cats: &[&str]) -> SubProcessorForm {
        SubProcessorForm {
            vendor: "acme".into(),
            version: 3,
            legal_name: name.into(),
            country: country.into(),
            purpose: "Stores  backups".into(),
            categories: cats
                .iter()
                .map(|c| (c.to_string(), "on".to_string()))
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn a_subprocessor_needs_name_country_purpose_and_categories_the_vendor_has() {
        let vendor = vec!["customer".to_string()];
        let (edit, _) = form("Deep Store AB", "se", &["customer"])
            .parse(&vendor, 0)
            .expect("parses");
        let ChainEdit::Add(s) = edit else {
            panic!("an addition")
        };
        assert_eq!(
            (s.country.as_str(), s.purpose.as_str()),
            ("SE", "Stores backups")
        );
        assert_eq!(
            refused(form("", "XX", &["support"]).parse(&vendor, 0)),
            ["legal_name", "country", "categories"]
        );
        let mut bad = form("Deep Store AB", "SE", &["customer"]);
        bad.list_url = "ftp://x".into();
        bad.index = "4".into();
        assert_eq!(refused(bad.parse(&vendor, 2)), ["index", "list_url"]);
    }

    #[test]
    fn widening_names_new_links_countries_and_categories_passed_on() {
        let a = SubProcessor {
            legal_name: "Deep Store AB".into(),
            country: "SE".into(),
            purpose: "Backups".into(),
            categories: vec!["support".into()],
            since: None,
            list_url: None,
            vendor_slug: None,
        };
        let mut moved = a.clone();
        moved.country = "US".into();
        moved.categories.push("customer".into());
        let b = SubProcessor {
            legal_name: "Relay Ltd".into(),
            ..a.clone()
        };
        assert_eq!(
            widening(&[], std::slice::from_ref(&a)),
            ["subprocessor Deep Store AB (SE)"]
        );
        assert_eq!(
            widening(std::slice::from_ref(&a), &[moved.clone(), b]),
            [
                "country US via Deep Store AB",
                "category customer via Deep Store AB",
                "subprocessor Relay Ltd (SE)"
            ]
        );
        let mut fewer = moved.clone();
        fewer.categories.retain(|c| c != "customer");
        assert!(widening(&[moved], &[fewer]).is_empty(), "narrowing");
        let list = apply(&[], ChainEdit::Add(a.clone())).expect("added");
        assert!(apply(&list, ChainEdit::Add(a)).is_err(), "listed twice");
        assert!(apply(&list, ChainEdit::Remove(0))
            .expect("removed")
            .is_empty());
    }
}
