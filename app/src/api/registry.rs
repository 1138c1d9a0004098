//! Public registry endpoints: no session needed, read only.

use leptos::prelude::*;

use super::types::{RegistryPage, VendorDetail};
use crate::error::AppError;

/// Rows shown per page on screen; the CSV always has every matching row.
pub const PAGE_SIZE: u32 = 100;

/// The registry for a raw query string (`q`, `service`, `country`, `category`, `status`, `page`).
#[server(prefix = "/api", endpoint = "registry")]
pub async fn load_registry(query: String) -> Result<RegistryPage, AppError> {
    super::server::load_registry(&query).await
}

/// One public vendor by slug; `NotFound` (and HTTP 404) when there is none.
#[server(prefix = "/api", endpoint = "vendor")]
pub async fn load_vendor(slug: String) -> Result<VendorDetail, AppError> {
    super::server::load_vendor(&slug).await
}
