//! Reusable pieces of the public pages.

mod account;
mod audit;
pub mod chart;
mod form;

pub use crate::badges::{date_text, ComplianceBadge, StatusBadge};
pub use account::AccountMenu;
pub use audit::{AuditTable, History};
pub use form::{count_successes, last_error, options, saved, Choice, Field, FieldMsg, FormError};

use leptos::prelude::*;

use crate::error::AppError;

/// An error in place of a page's content; the page answers with the error's status.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    crate::page_status::set(&error);
    view! { <div class="notice notice-error" role="alert"><p>{error.to_string()}</p></div> }
}
