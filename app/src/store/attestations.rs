//! The attestation questionnaire's versions, and the attestations vendors' contacts sign with
//! their answers (migration 0025). A published questionnaire is frozen by the database itself
//! (its triggers refuse to change or delete one).

use sqlx::{Any, AnyConnection, FromRow};

use super::{now_utc, Db, StoreError, StoreResult};
use crate::domain::{questionnaire::Answered, review::ReviewState};

/// One questionnaire version.
#[derive(Debug, Clone, FromRow)]
pub struct QuestionnaireRow {
    pub id: i64,
    pub number: i64,
    pub body: String,
    pub sha256: Option<String>,
    pub state: String,
    pub edited_by: String,
    pub edited_at: String,
    pub published_by: Option<String>,
    pub published_at: Option<String>,
    pub version: i64,
}

const QUESTIONNAIRE: &str = "SELECT id, number, body, sha256, state, edited_by, edited_at, \
     published_by, published_at, version FROM questionnaires";

/// Every version, newest first.
pub async fn questionnaires(db: &Db) -> StoreResult<Vec<QuestionnaireRow>> {
    Ok(
        sqlx::query_as::<Any, QuestionnaireRow>(&format!("{QUESTIONNAIRE} ORDER BY number DESC"))
            .fetch_all(&db.pool)
            .await?,
    )
}

/// Each questionnaire version's number by id (no bodies: the portal and review pages need
/// only the numbers).
pub async fn questionnaire_numbers(db: &Db) -> StoreResult<Vec<(i64, i64)>> {
    Ok(
        sqlx::query_as::<Any, (i64, i64)>("SELECT id, number FROM questionnaires")
            .fetch_all(&db.pool)
            .await?,
    )
}

/// The version in force: the newest published.
pub async fn published(conn: &mut AnyConnection) -> StoreResult<Option<QuestionnaireRow>> {
    Ok(sqlx::query_as::<Any, QuestionnaireRow>(&format!(
        "{QUESTIONNAIRE} WHERE state = 'published' ORDER BY number DESC LIMIT 1"
    ))
    .fetch_optional(&mut *conn)
    .await?)
}

pub async fn questionnaire(
    conn: &mut AnyConnection,
    id: i64,
) -> StoreResult<Option<QuestionnaireRow>> {
    Ok(
        sqlx::query_as::<Any, QuestionnaireRow>(&format!("{QUESTIONNAIRE} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Publish the shipped questionnaire as version 1 when there is none yet (several instances
/// starting at once publish it once).
pub async fn publish_shipped(db: &Db, body: &str, sha256: &str) -> StoreResult<()> {
    let now = now_utc();
    sqlx::query::<Any>(
        "INSERT INTO questionnaires (number, body, sha256, state, edited_by, edited_at, \
         published_by, published_at) VALUES (1, $1, $2, 'published', 'product', $3, 'product', $3) \
         ON CONFLICT (number) DO NOTHING",
    )
    .bind(body)
    .bind(sha256)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Start a draft (the next number) holding `body`; `Taken` when one exists already.
pub async fn insert_draft(conn: &mut AnyConnection, body: &str, by: &str) -> StoreResult<i64> {
    sqlx::query_scalar::<Any, i64>(
        "INSERT INTO questionnaires (number, body, state, edited_by, edited_at) \
         VALUES ((SELECT COALESCE(MAX(number), 0) + 1 FROM questionnaires), $1, 'draft', $2, $3) \
         RETURNING id",
    )
    .bind(body)
    .bind(by)
    .bind(now_utc())
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| StoreError::taken_as(e, "a draft"))
}

/// Change the draft `id` at `version`; whether it was still a draft at that version.
pub async fn save_draft(
    conn: &mut AnyConnection,
    (id, version): (i64, i64),
    body: &str,
    by: &str,
) -> StoreResult<bool> {
    let done = sqlx::query::<Any>(
        "UPDATE questionnaires SET body = $1, edited_by = $2, edited_at = $3, version = version + 1 \
         WHERE id = $4 AND version = $5 AND state = 'draft'",
    )
    .bind(body)
    .bind(by)
    .bind(now_utc())
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Publish the draft `id` at `version` with `body` (its canonical text) and its SHA-256; from
/// then on it is frozen.
pub async fn publish(
    conn: &mut AnyConnection,
    (id, version): (i64, i64),
    (body, sha256): (&str, &str),
    by: &str,
) -> StoreResult<bool> {
    let now = now_utc();
    let done = sqlx::query::<Any>(
        "UPDATE questionnaires SET body = $1, sha256 = $2, state = 'published', \
         published_by = $3, published_at = $4, version = version + 1 \
         WHERE id = $5 AND version = $6 AND state = 'draft'",
    )
    .bind(body)
    .bind(sha256)
    .bind(by)
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A signed attestation with its vendor.
#[derive(Debug, Clone, FromRow)]
pub struct AttestationRow {
    pub id: i64,
    pub version: i64,
    pub vendor_id: i64,
    pub vendor_slug: String,
    pub vendor_name: String,
    pub outcome: String,
    pub questionnaire_id: i64,
    pub questionnaire_sha256: String,
    pub signed_name: String,
    pub signed_at: String,
    pub signed_from: String,
    pub submitted_by: String,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    pub review_comment: String,
    pub approved_on: Option<String>,
}

const ATTESTATION: &str = "SELECT a.id, a.version, a.vendor_id, v.slug AS vendor_slug, \
     v.legal_name AS vendor_name, a.outcome, a.questionnaire_id, a.questionnaire_sha256, \
     a.signed_name, a.signed_at, a.signed_from, a.submitted_by, a.reviewed_by, a.reviewed_at, \
     a.review_comment, a.approved_on \
     FROM attestations a JOIN vendors v ON v.id = a.vendor_id";

/// The signature of an attestation: who typed which name, when, from where.
pub struct Signature<'a> {
    pub vendor_id: i64,
    pub questionnaire_id: i64,
    pub questionnaire_sha256: &'a str,
    pub signed_name: &'a str,
    pub signed_from: &'a str,
    pub submitted_by: &'a str,
    /// The day it was signed (`YYYY-MM-DD`).
    pub submitted_on: String,
}

/// Record a signed attestation and its answers (each with its document, if any), waiting for
/// review.
pub async fn insert_signed(
    conn: &mut AnyConnection,
    s: &Signature<'_>,
    answers: &[(Answered, Option<i64>)],
) -> StoreResult<i64> {
    let now = now_utc();
    let id = sqlx::query_scalar::<Any, i64>(
        "INSERT INTO attestations (vendor_id, submitted_on, outcome, created_at, questionnaire_id, \
         questionnaire_sha256, signed_name, signed_at, signed_from, submitted_by) \
         VALUES ($1, $2, 'pending', $3, $4, $5, $6, $3, $7, $8) RETURNING id",
    )
    .bind(s.vendor_id)
    .bind(s.submitted_on.clone())
    .bind(now.clone())
    .bind(s.questionnaire_id)
    .bind(s.questionnaire_sha256)
    .bind(s.signed_name)
    .bind(s.signed_from)
    .bind(s.submitted_by)
    .fetch_one(&mut *conn)
    .await?;
    for (a, document_id) in answers {
        sqlx::query::<Any>(
            "INSERT INTO attestation_answers (attestation_id, question_key, answer, explanation, \
             document_id) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(a.key.clone())
        .bind(a.answer.code())
        .bind(a.explanation.clone())
        .bind(*document_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

/// Signed attestations waiting for review, oldest first.
pub async fn waiting(db: &Db) -> StoreResult<Vec<AttestationRow>> {
    Ok(sqlx::query_as::<Any, AttestationRow>(&format!(
        "{ATTESTATION} WHERE a.outcome = 'pending' AND a.questionnaire_id IS NOT NULL \
         ORDER BY a.created_at, a.id"
    ))
    .fetch_all(&db.pool)
    .await?)
}

/// How many signed attestations wait for review.
pub async fn count_waiting(db: &Db) -> StoreResult<i64> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "SELECT COUNT(*) FROM attestations WHERE outcome = 'pending' AND questionnaire_id IS NOT NULL",
    )
    .fetch_one(&db.pool)
    .await?)
}

/// The vendor's signed attestations (any outcome), newest first.
pub async fn signed_for(db: &Db, vendor_id: i64) -> StoreResult<Vec<AttestationRow>> {
    Ok(sqlx::query_as::<Any, AttestationRow>(&format!(
        "{ATTESTATION} WHERE a.vendor_id = $1 AND a.questionnaire_id IS NOT NULL \
         ORDER BY a.created_at DESC, a.id DESC"
    ))
    .bind(vendor_id)
    .fetch_all(&db.pool)
    .await?)
}

/// One signed attestation.
pub async fn signed(conn: &mut AnyConnection, id: i64) -> StoreResult<Option<AttestationRow>> {
    Ok(sqlx::query_as::<Any, AttestationRow>(&format!(
        "{ATTESTATION} WHERE a.id = $1 AND a.questionnaire_id IS NOT NULL"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// One answer with its document's name and hash.
#[derive(Debug, Clone, FromRow)]
pub struct AnswerRow {
    pub question_key: String,
    pub answer: String,
    pub explanation: String,
    pub document_id: Option<i64>,
    pub review_comment: String,
}

/// The answers of the attestation `id`.
pub async fn answers(conn: &mut AnyConnection, id: i64) -> StoreResult<Vec<AnswerRow>> {
    Ok(sqlx::query_as::<Any, AnswerRow>(
        "SELECT question_key, answer, explanation, document_id, review_comment \
         FROM attestation_answers WHERE attestation_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Record a decision on the waiting attestation `id` at `version`: its outcome, reviewer and
/// comment, and (approved) the approval that makes it count from `today`; whether it was still
/// waiting at that version. `notes` are the reviewer's comments on single answers.
pub async fn decide(
    conn: &mut AnyConnection,
    (id, version): (i64, i64),
    (state, today): (ReviewState, &str),
    (by, comment): (&str, &str),
    notes: &[(String, String)],
) -> StoreResult<bool> {
    let approved = state == ReviewState::Approved;
    let done = sqlx::query::<Any>(
        "UPDATE attestations SET outcome = $1, reviewed_by = $2, reviewed_at = $3, \
         review_comment = $4, approved_on = $5, approved_by = $6, version = version + 1 \
         WHERE id = $7 AND version = $8 AND outcome = 'pending' AND questionnaire_id IS NOT NULL",
    )
    .bind(state.code())
    .bind(by)
    .bind(now_utc())
    .bind(comment)
    .bind(approved.then(|| today.to_string()))
    .bind(approved.then(|| by.to_string()))
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    for (key, note) in notes {
        sqlx::query::<Any>(
            "UPDATE attestation_answers SET review_comment = $1 \
             WHERE attestation_id = $2 AND question_key = $3",
        )
        .bind(note.clone())
        .bind(id)
        .bind(key.clone())
        .execute(&mut *conn)
        .await?;
    }
    Ok(true)
}
