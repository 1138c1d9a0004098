//! The wire types of the VPAP attestation (see `crate::api::attestations`): the questionnaire
//! a contact answers, what they signed and its review, and the questionnaire's versions as
//! admins edit them.

use serde::{Deserialize, Serialize};

pub use crate::domain::questionnaire::Answer;
pub use crate::domain::review::ReviewState;
use crate::model::documents::DocumentInfo;

/// One statement with its answer (when answered) and the reviewer's comment on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerLine {
    pub key: String,
    pub text: String,
    /// The obligation it rests on, as its label.
    pub obligation: Option<String>,
    /// Whether a "yes" needs a document.
    pub evidence: bool,
    pub answer: Option<Answer>,
    pub explanation: String,
    pub document: Option<DocumentInfo>,
    pub comment: String,
}

/// A signed attestation and where its review stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedAttestation {
    pub id: i64,
    pub version: i64,
    pub vendor_slug: String,
    pub vendor_name: String,
    pub state: ReviewState,
    /// The questionnaire answered: its version number and the SHA-256 of its text.
    pub questionnaire: i64,
    pub questionnaire_sha256: String,
    pub signed_name: String,
    /// UTC, `YYYY-MM-DD HH:MM`.
    pub signed_at: String,
    /// The address it was signed from.
    pub signed_from: String,
    pub submitted_by: String,
    pub days_waiting: i64,
    pub reviewed_by: String,
    pub reviewed_at: String,
    pub comment: String,
    /// The last day it counts, once approved.
    pub valid_until: Option<String>,
}

/// `/vendor/attestation`: the questionnaire in force, answered as last time, and whether the
/// contact may sign now (not while one waits for review).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttestationForm {
    pub questionnaire_id: i64,
    pub number: i64,
    pub title: String,
    pub introduction: String,
    pub sha256: String,
    pub lines: Vec<AnswerLine>,
    pub contact_name: String,
    /// The vendor's newest attestation, if any.
    pub last: Option<SignedAttestation>,
}

impl AttestationForm {
    /// Whether a new attestation can be signed: not while the last one waits.
    pub fn can_sign(&self) -> bool {
        self.last
            .as_ref()
            .is_none_or(|l| l.state != ReviewState::Pending)
    }
}

/// `/manage/attestations/{id}`: a signed attestation, each answer against its statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttestationReview {
    pub attestation: SignedAttestation,
    pub title: String,
    pub lines: Vec<AnswerLine>,
    pub can_decide: bool,
}

/// One questionnaire version, as admins see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionnaireVersion {
    pub id: i64,
    pub number: i64,
    pub published: bool,
    pub title: String,
    pub questions: usize,
    /// Its JSON (see the guide for the format).
    pub body: String,
    pub sha256: String,
    pub edited: String,
    pub published_at: String,
    pub version: i64,
}

/// `/manage/questionnaire`: every version, newest first (at most one draft).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Questionnaires {
    pub versions: Vec<QuestionnaireVersion>,
    /// Whether the reader may edit and publish (admins).
    pub can_edit: bool,
}
