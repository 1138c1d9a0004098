//! The public registry: one page of the filtered list, and one vendor, rendered on the server
//! (`registry::page`). No session needed, read only.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[cfg(feature = "ssr")]
mod ssr;

/// A public page's content as the server rendered it: the page title and its HTML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rendered {
    pub title: String,
    pub html: String,
}

/// The registry for a raw query string (`q`, `service`, `country`, `category`, `status`,
/// `compliance`, `as_of`, `page`).
#[server(prefix = "/api", endpoint = "registry")]
pub async fn load_registry(query: String) -> Result<Rendered, AppError> {
    ssr::load_registry(&query).await
}

/// One public vendor by slug; `NotFound` (and HTTP 404) when there is none.
#[server(prefix = "/api", endpoint = "vendor")]
pub async fn load_vendor(slug: String) -> Result<Rendered, AppError> {
    ssr::load_vendor(&slug).await
}
