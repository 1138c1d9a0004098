//! What a contact typed into an attestation the server refused (migration 0028): one per
//! contact, so the form comes back as they left it.

use serde::{Deserialize, Serialize};
use sqlx::{Any, AnyConnection};

use super::{now_utc, StoreError, StoreResult};

/// One statement's answer as typed (not checked: it was refused), with the document sent
/// for it, recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftAnswer {
    pub question_key: String,
    pub answer: String,
    pub explanation: String,
    pub document_id: Option<i64>,
}

/// The contact's draft: the questionnaire it answers and the answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub questionnaire_id: i64,
    pub answers: Vec<DraftAnswer>,
}

/// Keep `answers` as the contact's draft of `questionnaire_id` (replacing an earlier one).
pub async fn save(
    conn: &mut AnyConnection,
    contact_id: i64,
    questionnaire_id: i64,
    answers: &[DraftAnswer],
) -> StoreResult<()> {
    let json = serde_json::to_string(answers).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    sqlx::query(
        "INSERT INTO attestation_drafts (contact_id, questionnaire_id, answers, updated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (contact_id) DO UPDATE SET \
         questionnaire_id = excluded.questionnaire_id, answers = excluded.answers, \
         updated_at = excluded.updated_at",
    )
    .bind(contact_id)
    .bind(questionnaire_id)
    .bind(json)
    .bind(now_utc())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The contact's draft, if any.
pub async fn get(conn: &mut AnyConnection, contact_id: i64) -> StoreResult<Option<Draft>> {
    let row = sqlx::query_as::<Any, (i64, String)>(
        "SELECT questionnaire_id, answers FROM attestation_drafts WHERE contact_id = $1",
    )
    .bind(contact_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|(questionnaire_id, json)| {
        Ok(Draft {
            questionnaire_id,
            answers: serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("attestation draft: {e}")))?,
        })
    })
    .transpose()
}

/// Forget the contact's draft (its attestation was signed).
pub async fn delete(conn: &mut AnyConnection, contact_id: i64) -> StoreResult<()> {
    sqlx::query("DELETE FROM attestation_drafts WHERE contact_id = $1")
        .bind(contact_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
