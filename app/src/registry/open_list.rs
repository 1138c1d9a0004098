//! The open list (issue 28): today's registry at `/.well-known/subprocessors.json` in a
//! documented format with a published JSON Schema ([`SCHEMA`], served at [`SCHEMA_PATH`];
//! docs/API.md, "The open list"). It is one more sink of the one export pipeline: each
//! [`PublicVendor`] of today's list becomes one [`OpenVendor`], with the vendor's upcoming
//! changes (their notice period and objection deadline) beside it. Field names are an
//! interface: version 1 only ever gains fields.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::{
    domain::{
        changes::{days_left, ChangeEvent},
        label_for,
        notices::objectionable,
        DataCategory,
    },
    registry::view::PublicVendor,
};

/// Where the schema is published.
pub const SCHEMA_PATH: &str = "/schemas/subprocessors/v1.json";
/// The JSON Schema (draft 2020-12) of the document.
pub const SCHEMA: &str = include_str!("open_list_schema.json");
/// The document's format name and version.
pub const FORMAT: &str = "subprocessors/v1";

/// One of the vendor's own sub-processors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OpenSubProcessor {
    pub legal_name: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub purpose: String,
    pub data_categories: Vec<String>,
}

/// A change announced and not yet in effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct UpcomingChange {
    pub change_id: i64,
    /// `added`, `scope_changed` or `removed`.
    pub kind: &'static str,
    pub announced_on: NaiveDate,
    pub effective_on: NaiveDate,
    /// Days between the announcement and the change taking effect.
    pub notice_days: i64,
    /// The last day a customer can object (an addition or a wider scope); `null` otherwise.
    pub objection_deadline: Option<NaiveDate>,
    /// Where its inclusion proof in the signed log is.
    pub proof: String,
}

/// One vendor of the open list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OpenVendor {
    pub legal_name: String,
    pub trading_name: Option<String>,
    pub slug: String,
    /// The vendor's page on the registry.
    pub url: String,
    pub parent_company: Option<String>,
    pub registration_country: Option<String>,
    pub purpose_category: Option<String>,
    pub purpose: String,
    pub services: Vec<String>,
    pub processing_countries: Vec<String>,
    pub data_categories: Vec<String>,
    pub transfer_mechanism: Option<String>,
    /// `announced` or `active`.
    pub status: &'static str,
    pub announced_on: Option<NaiveDate>,
    pub effective_on: Option<NaiveDate>,
    pub removed_on: Option<NaiveDate>,
    pub sub_processors: Vec<OpenSubProcessor>,
    pub upcoming_changes: Vec<UpcomingChange>,
}

/// `e` as an upcoming change on `today`, its proof under `base`.
pub fn upcoming(e: &ChangeEvent, today: NaiveDate, base: &str) -> UpcomingChange {
    UpcomingChange {
        change_id: e.id,
        kind: e.kind.code(),
        announced_on: e.announced_on,
        effective_on: e.effective_on,
        notice_days: days_left(e.announced_on, e.effective_on).max(0),
        objection_deadline: objectionable(e, today, false)
            .ok()
            .and_then(|()| e.effective_on.pred_opt()),
        proof: super::change::proof_url(base, e.id),
    }
}

/// The open list's entry of `v`, with its upcoming changes (taken out of `upcoming`).
pub fn open_vendor(
    v: PublicVendor,
    upcoming: &mut HashMap<String, Vec<UpcomingChange>>,
    base: &str,
) -> OpenVendor {
    OpenVendor {
        url: format!("{base}/subprocessors/{}", v.slug),
        upcoming_changes: upcoming.remove(&v.slug).unwrap_or_default(),
        status: v.status.code(),
        sub_processors: v
            .sub_processors
            .into_iter()
            .map(|s| OpenSubProcessor {
                legal_name: s.legal_name,
                country: s.country,
                purpose: s.purpose,
                data_categories: s
                    .categories
                    .iter()
                    .map(|c| label_for(c, DataCategory::parse, DataCategory::label))
                    .collect(),
            })
            .collect(),
        legal_name: v.legal_name,
        trading_name: v.trading_name,
        slug: v.slug,
        parent_company: v.parent_company,
        registration_country: v.registration_country,
        purpose_category: v.purpose_category,
        purpose: v.purpose,
        services: v.services,
        processing_countries: v.processing_countries,
        data_categories: v.data_categories,
        transfer_mechanism: v.transfer_mechanism,
        announced_on: v.announced_on,
        effective_on: v.effective_on,
        removed_on: v.removed_on,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::changes::{ChangeKind, PublicScope};

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn scope(countries: &[&str]) -> PublicScope {
        PublicScope {
            legal_name: "Nimbus Relay GmbH".into(),
            purpose: "Mail".into(),
            services: vec!["Mail".into()],
            countries: countries.iter().map(|c| c.to_string()).collect(),
            categories: vec!["customer".into()],
            sub_processors: Vec::new(),
        }
    }

    fn event(
        kind: ChangeKind,
        before: Option<PublicScope>,
        after: Option<PublicScope>,
    ) -> ChangeEvent {
        ChangeEvent {
            id: 9,
            slug: "nimbus-relay".into(),
            kind,
            announced_on: d("2026-12-01"),
            effective_on: d("2027-01-30"),
            before,
            after,
        }
    }

    #[test]
    fn an_addition_and_a_widening_can_be_objected_to_until_the_day_before() {
        let base = "https://r.example";
        let added = upcoming(
            &event(ChangeKind::Added, None, Some(scope(&["DE"]))),
            d("2026-12-05"),
            base,
        );
        assert_eq!(added.notice_days, 60);
        assert_eq!(added.objection_deadline, Some(d("2027-01-29")));
        assert_eq!(added.proof, "https://r.example/api/v1/log/events/9/proof");
        let wider = event(
            ChangeKind::ScopeChanged,
            Some(scope(&["DE"])),
            Some(scope(&["DE", "US"])),
        );
        assert_eq!(
            upcoming(&wider, d("2026-12-05"), base).objection_deadline,
            Some(d("2027-01-29"))
        );
        let narrower = event(
            ChangeKind::ScopeChanged,
            Some(scope(&["DE", "US"])),
            Some(scope(&["DE"])),
        );
        assert_eq!(
            upcoming(&narrower, d("2026-12-05"), base).objection_deadline,
            None
        );
        let removed = event(ChangeKind::Removed, Some(scope(&["DE"])), None);
        let r = upcoming(&removed, d("2026-12-05"), base);
        assert_eq!((r.kind, r.objection_deadline), ("removed", None));
    }

    #[test]
    fn the_schema_is_json_and_names_its_own_address() {
        let schema: serde_json::Value = serde_json::from_str(SCHEMA).expect("the schema is JSON");
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        assert!(schema["$id"]
            .as_str()
            .unwrap_or_default()
            .ends_with(SCHEMA_PATH));
    }
}
