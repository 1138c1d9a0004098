//! Reusable pieces of the public pages.

mod account;
mod audit;
pub mod chart;
mod form;

pub use account::AccountMenu;
pub use audit::{AuditTable, History};
pub use form::{count_successes, last_error, options, saved, Choice, Field, FieldMsg, FormError};

use chrono::NaiveDate;
use leptos::prelude::*;

use crate::{
    domain::{compliance::Standing, Status},
    error::AppError,
};

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

/// An error in place of a page's content; the page answers with the error's status.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    crate::page_status::set(error.status_code());
    view! { <div class="notice notice-error" role="alert"><p>{error.to_string()}</p></div> }
}
