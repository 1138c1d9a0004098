//! Wire types: what the browser receives. Separate from storage rows.

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

/// Our services as the options of a filter or form.
pub fn service_options(services: impl IntoIterator<Item = (String, String)>) -> Vec<SelectOption> {
    services
        .into_iter()
        .map(|(value, label)| SelectOption { value, label })
        .collect()
}

/// One row of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
}
