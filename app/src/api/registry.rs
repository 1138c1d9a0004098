//! The public registry: one page of the filtered list, and one vendor, rendered on the server
//! (`registry::page`). No session needed, read only.

use crate::error::AppError;
use leptos::prelude::*;

pub use crate::model::registry::*;
#[cfg(feature = "ssr")]
use crate::service::registry as service;

/// The registry for a raw query string (`q`, `service`, `country`, `category`, `status`,
/// `compliance`, `as_of`, `page`).
#[server(prefix = "/api", endpoint = "registry")]
pub async fn load_registry(query: String) -> Result<Rendered, AppError> {
    service::load_registry(&query).await
}

/// One public vendor by slug; `NotFound` (and HTTP 404) when there is none.
#[server(prefix = "/api", endpoint = "vendor")]
pub async fn load_vendor(slug: String) -> Result<Rendered, AppError> {
    service::load_vendor(&slug).await
}
