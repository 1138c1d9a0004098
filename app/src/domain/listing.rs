//! The pieces of a listed page: a country with its name, an option of a choice, and how many
//! pages a list takes. Plain data, shared by the wire types (`api::types`) and the pages the
//! server renders (`registry::page`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Country {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectOption {
    pub value: String,
    pub label: String,
}

/// Pages needed for `total` rows, `size` a page (at least one, for an empty list).
pub fn page_count(total: i64, size: u32) -> u32 {
    let size = i64::from(size.max(1));
    u32::try_from((total + size - 1) / size)
        .unwrap_or(u32::MAX)
        .max(1)
}
