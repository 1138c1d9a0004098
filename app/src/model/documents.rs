//! A stored document as people see it listed (see `crate::documents` for the bytes).

use serde::{Deserialize, Serialize};

/// A stored document, as listed (never its bytes: `/documents/{id}` downloads them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentInfo {
    pub id: i64,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: String,
    /// UTC, `YYYY-MM-DD HH:MM`.
    pub uploaded_at: String,
}

impl DocumentInfo {
    /// Where it downloads from.
    pub fn href(&self) -> String {
        format!("/documents/{}", self.id)
    }

    /// Its size for people ("2.4 MB", "812 KB").
    pub fn size(&self) -> String {
        let b = self.size_bytes as f64;
        if b >= 1e6 {
            format!("{:.1} MB", b / 1e6)
        } else {
            format!("{} KB", (b / 1e3).ceil() as i64)
        }
    }
}
