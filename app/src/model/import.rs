//! The wire types of import: what the browser receives and posts (see `crate::api::import`).

use crate::domain::import::CellError;
use serde::{Deserialize, Serialize};

/// One changed field of a vendor: column, stored value, value from the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub column: String,
    pub before: String,
    pub after: String,
}

/// What happens (or would) to one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RowOutcome {
    New {
        line: usize,
        slug: String,
        name: String,
    },
    Changed {
        line: usize,
        slug: String,
        changes: Vec<FieldChange>,
    },
    Unchanged {
        line: usize,
        slug: String,
    },
    Refused {
        line: usize,
        errors: Vec<CellError>,
    },
    /// A training record added to a vendor.
    Training {
        line: usize,
        vendor: String,
        person: String,
    },
    /// A training record the vendor has already.
    TrainingKnown {
        line: usize,
        vendor: String,
        person: String,
    },
    /// A vendor of the registry that a whole-list file does not name, removed as of the
    /// import's day (no line of the file: `line` is 0).
    Removed {
        line: usize,
        slug: String,
        name: String,
    },
}

impl RowOutcome {
    pub fn line(&self) -> usize {
        match self {
            RowOutcome::New { line, .. }
            | RowOutcome::Changed { line, .. }
            | RowOutcome::Unchanged { line, .. }
            | RowOutcome::Refused { line, .. }
            | RowOutcome::Training { line, .. }
            | RowOutcome::TrainingKnown { line, .. }
            | RowOutcome::Removed { line, .. } => *line,
        }
    }
}

/// The report of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub file_name: String,
    /// A dry run writes nothing; an apply writes every accepted row in one transaction.
    pub dry_run: bool,
    /// Whether the rows were written (an apply with no refusal, or told to skip them).
    pub applied: bool,
    /// Notes on the file: its encoding, ignored columns, sheets read.
    pub notes: Vec<String>,
    pub rows: Vec<RowOutcome>,
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub refused: usize,
    pub training: usize,
    /// One sentence for the whole run.
    pub summary: String,
    /// Whole-list mode: the file is the whole list, and the registry's vendors it does not
    /// name are removed.
    #[serde(default)]
    pub whole_list: bool,
    /// The registry's vendors (announced or active, not removed) that the file does not name.
    #[serde(default)]
    pub absent: Vec<AbsentVendor>,
    /// Vendors removed (in a dry run: to be removed) because a whole-list file does not name
    /// them.
    #[serde(default)]
    pub removed: usize,
    /// The registry's vendors (announced or active, not removed) before the run.
    #[serde(default)]
    pub listed: usize,
    /// The removals to confirm before they are written (more than a fifth of the registry,
    /// not confirmed with that number); 0 when none is needed or it was confirmed.
    #[serde(default)]
    pub confirm_needed: usize,
}

/// A vendor of the registry that the file does not name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbsentVendor {
    pub slug: String,
    pub name: String,
}

/// A whole-list import may remove at most this share of the registry (1 in 5) without the
/// number of removals confirmed.
pub const UNCONFIRMED_REMOVALS_PER: usize = 5;

/// The import page: recent runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportLine {
    pub id: i64,
    pub file_name: String,
    pub actor: String,
    pub apply: bool,
    pub state: String,
    pub created_at: String,
    pub summary: String,
}

/// One run as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportView {
    pub id: i64,
    pub file_name: String,
    pub apply: bool,
    pub skip_refused: bool,
    pub whole_list: bool,
    /// `running`, `done` or `failed`.
    pub state: String,
    /// Rows checked so far and in all, while it runs on this instance.
    pub progress: Option<(usize, usize)>,
    pub report: Option<ImportReport>,
    /// Why it failed.
    pub error: Option<String>,
    pub can_apply: bool,
}

/// Rows of each outcome a run's page gets (its counts cover all).
pub const SHOWN_ROWS: usize = 500;

/// Largest file accepted, in bytes (the upload's body limit); see `files::limits`.
pub use crate::files::limits::MAX_FILE_BYTES;
