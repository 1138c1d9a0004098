//! Trust documents on the wire: the public page, a mailed link's page, and the managers' view.

use serde::{Deserialize, Serialize};

use crate::domain::trust::{AccessLevel, Validity};

/// A document as the trust page lists it (its newest version).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustDocument {
    pub slug: String,
    pub title: String,
    pub kind: String,
    pub covers: String,
    pub issuer: String,
    pub access: AccessLevel,
    /// "2025-10-01 to 2026-09-30", or empty.
    pub period: String,
    pub issued_on: String,
    pub valid_until: String,
    pub validity: Validity,
    pub version: i64,
    /// A PDF: stamped for its recipient. Anything else is served as it is.
    pub stamped: bool,
    /// The title of the report a bridge letter extends.
    pub bridges: String,
    /// The viewer's access opens it (always for public ones).
    pub open: bool,
    pub withdrawn: bool,
}

/// The viewer's open access.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustAccess {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub email: String,
    pub organisation: String,
    pub documents: Vec<String>,
    pub created_at: String,
    pub expires_at: String,
}

/// `/trust`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustPage {
    pub documents: Vec<TrustDocument>,
    pub agreement: String,
    pub agreement_version: i64,
    pub agreement_sha256: String,
    pub access: Option<TrustAccess>,
    pub access_days: u32,
    pub retention_days: u32,
}

/// What a mailed link is (its page, before the button).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TrustLink {
    /// Good: who asked, for what, and the agreement they accept by pressing the button.
    Good {
        name: String,
        organisation: String,
        documents: Vec<String>,
        agreement: String,
        approved: bool,
    },
    /// Used, expired or never made.
    Gone,
}

/// What pressing a link's button did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustOpened {
    pub code: String,
    pub opened: Vec<String>,
    pub waiting: Vec<String>,
    pub expires_at: String,
}

/// A request waiting for a manager.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustRequest {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub organisation: String,
    pub documents: Vec<String>,
    pub created_at: String,
}

/// `/manage/trust`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustAdmin {
    pub documents: Vec<TrustDocument>,
    pub agreement: String,
    pub agreement_version: i64,
    pub waiting: Vec<TrustRequest>,
    pub accesses: Vec<TrustAccess>,
    pub can_edit: bool,
}

/// One line of a document's access log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustDownload {
    pub at: String,
    pub version: i64,
    pub code: String,
    pub who: String,
    pub organisation: String,
    pub address: String,
    pub user_agent: String,
    pub served_sha256: String,
}

/// One published version of a document (managers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustVersion {
    pub version: i64,
    pub period: String,
    pub issued_on: String,
    pub valid_until: String,
    pub published_at: String,
    pub file_name: String,
    pub sha256: String,
}

/// `/manage/trust/{slug}`: a document's versions and its access log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustDocumentLog {
    pub document: TrustDocument,
    pub versions: Vec<TrustVersion>,
    pub downloads: Vec<TrustDownload>,
}
