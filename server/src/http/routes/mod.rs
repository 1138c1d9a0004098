//! Plain axum routes beside the Leptos pages.

pub mod changes;
pub mod conditional;
pub mod documents;
pub mod export;
pub mod health;
pub mod log;
pub mod open_list;
pub mod openapi;
pub mod subscriptions;
pub mod trust;

use axum::http::{header, HeaderMap};

/// `https://host` as the client reached us (Host, and X-Forwarded-Proto behind a proxy).
fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    let proto = match headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    format!("{proto}://{host}")
}

/// The public origin for links: `PUBLIC_URL` when it is set, else the request's host.
pub fn base_of(state: &crate::AppState, headers: &HeaderMap) -> String {
    match &state.notices.public_url_given {
        Some(url) => url.clone(),
        None => origin(headers),
    }
}
