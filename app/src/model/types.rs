//! Wire types: what the browser receives. Separate from storage rows.

use serde::{Deserialize, Serialize};

pub use crate::domain::listing::{page_count, Country, SelectOption};

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
