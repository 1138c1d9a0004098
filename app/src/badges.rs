//! Small views of one domain value (a status, a compliance verdict, a date), shared by the
//! public pages the server renders (`registry::page`) and the signed-in pages (through
//! `components`). They depend on the domain only.

use chrono::NaiveDate;
use leptos::prelude::*;

use crate::domain::{compliance::Standing, Status};

/// ISO dates everywhere: unambiguous for customers in every country.
pub fn date_text(d: Option<NaiveDate>) -> String {
    // a date's Display is `%Y-%m-%d`, without parsing a format string for every cell
    d.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
}

#[component]
pub fn StatusBadge(status: Status) -> impl IntoView {
    view! { <span class=format!("badge badge-{}", status.code())>{status.label()}</span> }
}

/// Authorized / not compliant, computed today from the vendor's evidence.
#[component]
pub fn ComplianceBadge(standing: Standing) -> impl IntoView {
    let class = match standing {
        Standing::Authorized => "badge badge-authorized",
        Standing::NotCompliant | Standing::NotReady(_) => "badge badge-not-compliant",
        Standing::Ready(_) => "badge badge-ready",
        Standing::NoLonger => "badge badge-gone",
    };
    view! { <span class=class>{standing.label()}</span> }
}
