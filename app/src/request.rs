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

/// The document store the server provides to every request.
pub fn documents() -> Result<crate::documents::Documents, AppError> {
    use_context::<crate::documents::Documents>()
        .ok_or_else(|| internal("document store missing from context"))
}

/// Today's date (UTC), the day every public status is computed for.
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// How long a heavy request may take in all, waiting for its permit included, before it is
/// answered "busy" instead. Below the 5 s a visitor is promised (issue "Hardening"): what
/// follows the work (hashing and sending a large answer) fits in the rest.
pub const HEAVY_DEADLINE: std::time::Duration = std::time::Duration::from_millis(4_000);

/// Run heavy work (`work` reads the database and computes) with a heavy-work permit, all of it
/// within [`HEAVY_DEADLINE`] of the call: `Busy` when no permit came in time or the work would
/// run past it. Its CPU part should run on a blocking thread ([`cpu`]), so the async threads
/// keep answering.
pub async fn heavy<T>(
    db: &Db,
    work: impl std::future::Future<Output = Result<T, AppError>>,
) -> Result<T, AppError> {
    let deadline = tokio::time::Instant::now() + HEAVY_DEADLINE;
    let _permit = tokio::time::timeout_at(deadline, db.heavy_slot())
        .await
        .ok()
        .flatten()
        .ok_or(AppError::Busy)?;
    tokio::time::timeout_at(deadline, work).await.map_err(|_| {
        tracing::warn!(
            request_id = request_id(),
            "heavy work ran past its deadline"
        );
        AppError::Busy
    })?
}

/// Run CPU-bound work on a blocking thread.
pub async fn cpu<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work).await.map_err(internal)
}

/// The head of the request being answered (headers, address, URI).
pub fn parts() -> Option<Parts> {
    use_context::<Parts>()
}

/// Log `cause` with a fresh reference and return the sentence the user sees (with that
/// reference, so a report can be matched to the log).
pub fn internal(cause: impl std::fmt::Display) -> AppError {
    let reference = reference_id();
    tracing::error!(reference = %reference, request_id = request_id(), "{cause}");
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

/// The id of this request (`x-request-id`, set by the server for every request), for logs.
pub fn request_id() -> String {
    parts()
        .and_then(|p| {
            p.headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
        .unwrap_or_default()
}
