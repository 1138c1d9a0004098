//! The request a server function or page answers: its database handle, today's date, the
//! request's head, and how an internal failure is reported. Server-only.

use axum::http::request::Parts;
use chrono::NaiveDate;
use leptos::prelude::use_context;

use crate::{
    error::AppError,
    store::{Db, StoreError},
};

/// The database handle the server provides to every request.
pub fn db() -> Result<Db, AppError> {
    use_context::<Db>().ok_or_else(|| internal("database handle missing from context"))
}

/// Today's date (UTC), the day every public status is computed for.
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The head of the request being answered (headers, address, URI).
pub fn parts() -> Option<Parts> {
    use_context::<Parts>()
}

/// Log `cause` with a fresh reference and return the sentence the user sees (with that
/// reference, so a report can be matched to the log).
pub fn internal(cause: impl std::fmt::Display) -> AppError {
    let reference = reference_id();
    tracing::error!(reference = %reference, "{cause}");
    AppError::Internal(reference)
}

fn reference_id() -> String {
    let nanos = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default();
    format!(
        "{:08x}",
        (nanos as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32
    )
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        internal(e)
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        internal(e)
    }
}
