//! The wire types of registry: what the browser receives and posts (see `crate::api::registry`).

use serde::{Deserialize, Serialize};

/// A public page's content as the server rendered it: the page title and its HTML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rendered {
    pub title: String,
    pub html: String,
}
