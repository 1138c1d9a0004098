//! Plain axum routes beside the Leptos pages.

pub mod changes;
pub mod csv;
pub mod health;
pub mod json;
pub mod subscriptions;
pub mod xlsx;

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

/// How long a client is asked to wait before trying a busy route again.
pub const RETRY_AFTER_SECONDS: &str = "5";

/// The answer when every slot for this work stayed taken: try again in a few seconds.
pub fn busy() -> Response {
    let mut res = (
        StatusCode::SERVICE_UNAVAILABLE,
        "The registry is busy right now. Please try again in a few seconds.\n",
    )
        .into_response();
    res.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from_static(RETRY_AFTER_SECONDS),
    );
    res
}
