//! One change as customers read it: `/api/v1/changes` lists these, and a webhook's `data`
//! is one. Field names are an interface.

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::changes::{days_left, describe, ChangeEvent, ChangeKind, PublicScope};

fn legal_name(e: &ChangeEvent) -> String {
    e.after
        .as_ref()
        .or(e.before.as_ref())
        .map(|s| s.legal_name.clone())
        .unwrap_or_else(|| e.slug.clone())
}

/// One change as `/api/v1/changes` gives it (and a webhook's `data`).
#[derive(Serialize, utoipa::ToSchema)]
pub struct PublicChange {
    pub id: i64,
    pub kind: &'static str,
    pub vendor_slug: String,
    pub legal_name: String,
    pub announced_on: NaiveDate,
    pub effective_on: NaiveDate,
    /// `upcoming` (announced, not yet in effect), `in_effect`, or `withdrawn` (an addition
    /// whose vendor was removed before it took effect).
    pub state: &'static str,
    /// Days until `effective_on` (0 once in effect).
    pub days_left: i64,
    pub summary: String,
    pub before: Option<PublicScope>,
    pub after: Option<PublicScope>,
    pub recorded_at: String,
    /// The event's entry in the signed log (issue 28); absent only for an event that has not
    /// entered the log yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Receipt>,
}

/// The address of an event's inclusion proof under the public origin `base`.
pub fn proof_url(base: &str, event_id: i64) -> String {
    format!("{base}/api/v1/log/events/{event_id}/proof")
}

/// What proves a change was announced as it reads: its leaf in the signed log, where to get
/// the proof that a signed checkpoint includes it, and (in a webhook) that checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Receipt {
    /// The leaf's position in the log (0 is the first).
    pub leaf_index: u64,
    /// SHA-256 of `0x00` and the leaf's bytes, standard base64 (RFC 9162 section 2.1.1).
    pub leaf_hash: String,
    /// `{PUBLIC_URL}/api/v1/log/events/{id}/proof`: the inclusion proof and its checkpoint.
    pub proof: String,
    /// The signed checkpoint (a C2SP signed note) of a tree that includes the leaf, when one
    /// was signed as the notice left.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<String>,
}

/// The signed checkpoint a past day's registry names (see `service::log::checkpoint_as_of`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DayCheckpoint {
    /// The tree's size: leaves `0..size`.
    pub size: u64,
    /// The root hash, standard base64 (as in the note).
    pub root: String,
    /// The signed note.
    pub note: String,
}

impl PublicChange {
    /// The event on `day`; `removed`: its vendor was removed (an addition is then withdrawn).
    pub fn new(e: ChangeEvent, recorded_at: String, day: NaiveDate, removed: bool) -> Self {
        PublicChange {
            id: e.id,
            kind: e.kind.code(),
            legal_name: legal_name(&e),
            summary: describe(&e),
            state: if e.kind == ChangeKind::Added && removed {
                "withdrawn"
            } else if e.effective_on > day {
                "upcoming"
            } else {
                "in_effect"
            },
            days_left: days_left(day, e.effective_on).max(0),
            vendor_slug: e.slug,
            announced_on: e.announced_on,
            effective_on: e.effective_on,
            before: e.before,
            after: e.after,
            recorded_at,
            receipt: None,
        }
    }

    pub fn with_receipt(mut self, receipt: Option<Receipt>) -> Self {
        self.receipt = receipt;
        self
    }
}
