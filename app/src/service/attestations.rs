//! The annual VPAP attestation (issue 26): a contact answers the questionnaire in force and
//! signs it by typing their name (kept with the time, the address and the SHA-256 of the exact
//! questionnaire text); it waits for review like any submission and counts once approved.
//! Admins keep the questionnaire: a draft edited as JSON, published into a frozen version.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use leptos::server_fn::codec::MultipartData;

use super::{
    attestation_form::{draft_documents, keep_draft, receive, record_document, with_draft},
    decisions::tell_the_contact,
    rosters::minute,
};
use crate::{
    domain::{
        assurance::{Attestation, AttestationOutcome, Obligation},
        questionnaire::{self, Answer, Questionnaire},
        review::{days_waiting, decide, Decision, ReviewState, MAX_COMMENT},
    },
    error::{AppError, FieldError},
    model::{
        attestations::{AnswerLine, AttestationForm, AttestationReview, SignedAttestation},
        reviews::DocumentInfo,
    },
    request::{db, documents, internal, today},
    session::{any_role, client_address, require, require_contact},
    store::{
        attestation_drafts as drafts,
        attestations::{self as store, AnswerRow, AttestationRow, QuestionnaireRow, Signature},
        audit, documents as docs, Db,
    },
    write::{write, Written},
};

fn parsed(row: &QuestionnaireRow) -> Result<Questionnaire, AppError> {
    questionnaire::parse(&row.body).map_err(|e| {
        internal(format!(
            "stored questionnaire {} does not parse: {}",
            row.number,
            e.join(" ")
        ))
    })
}

fn signed(r: AttestationRow, number: i64, day: NaiveDate) -> SignedAttestation {
    let on = r
        .signed_at
        .get(..10)
        .and_then(|d| d.parse().ok())
        .unwrap_or(day);
    let state = ReviewState::parse(&r.outcome).unwrap_or(ReviewState::Pending);
    let valid_until = r.approved_on.as_deref().and_then(|a| {
        Attestation {
            submitted_on: on,
            approved_on: a.parse().ok(),
            approved_by: r.reviewed_by.clone(),
            outcome: AttestationOutcome::parse(&r.outcome).ok()?,
        }
        .valid_until()
        .map(|d| d.to_string())
    });
    SignedAttestation {
        id: r.id,
        version: r.version,
        vendor_slug: r.vendor_slug,
        vendor_name: r.vendor_name,
        state,
        questionnaire: number,
        questionnaire_sha256: r.questionnaire_sha256,
        signed_name: r.signed_name,
        signed_at: minute(&r.signed_at),
        signed_from: r.signed_from,
        submitted_by: r.submitted_by,
        days_waiting: days_waiting(on, day),
        reviewed_by: r.reviewed_by.unwrap_or_default(),
        reviewed_at: minute(r.reviewed_at.as_deref().unwrap_or("")),
        comment: r.review_comment,
        valid_until,
    }
}

/// The questionnaires' numbers by id (few: one per published version).
async fn numbers(db: &Db) -> Result<HashMap<i64, i64>, AppError> {
    Ok(store::questionnaire_numbers(db)
        .await?
        .into_iter()
        .collect())
}

async fn document_info(db: &Db, id: Option<i64>) -> Result<Option<DocumentInfo>, AppError> {
    let Some(id) = id else { return Ok(None) };
    Ok(docs::get(db, id).await?.map(|d| DocumentInfo {
        id: d.id,
        file_name: d.file_name,
        media_type: d.media_type,
        size_bytes: d.size_bytes,
        sha256: d.sha256,
        uploaded_by: d.uploaded_by,
        uploaded_at: minute(&d.uploaded_at),
    }))
}

/// The answers of the attestation `id` (none: no answers), by statement.
async fn answers_by_key(db: &Db, id: Option<i64>) -> Result<HashMap<String, AnswerRow>, AppError> {
    let Some(id) = id else {
        return Ok(HashMap::new());
    };
    let mut conn = db.pool.acquire().await?;
    Ok(store::answers(&mut conn, id)
        .await?
        .into_iter()
        .map(|a| (a.question_key.clone(), a))
        .collect())
}

/// `q`'s statements with `answers` (by statement; a statement without one is unanswered).
async fn lines(
    db: &Db,
    q: &Questionnaire,
    mut answers: HashMap<String, AnswerRow>,
) -> Result<Vec<AnswerLine>, AppError> {
    let mut out = Vec::with_capacity(q.questions.len());
    for question in &q.questions {
        let a = answers.remove(&question.key);
        out.push(AnswerLine {
            key: question.key.clone(),
            text: question.text.clone(),
            obligation: question
                .obligation
                .as_deref()
                .and_then(|o| Obligation::parse(o).ok())
                .map(|o| o.label().to_string()),
            evidence: question.evidence,
            answer: a.as_ref().and_then(|a| Answer::parse(&a.answer).ok()),
            explanation: a
                .as_ref()
                .map(|a| a.explanation.clone())
                .unwrap_or_default(),
            document: document_info(db, a.as_ref().and_then(|a| a.document_id)).await?,
            comment: a.map(|a| a.review_comment).unwrap_or_default(),
        });
    }
    Ok(out)
}

/// What the vendor's contacts signed, newest first (the caller checked the session).
pub async fn signed_for(
    db: &Db,
    vendor_id: i64,
    day: NaiveDate,
) -> Result<Vec<SignedAttestation>, AppError> {
    let numbers = numbers(db).await?;
    Ok(store::signed_for(db, vendor_id)
        .await?
        .into_iter()
        .map(|r| {
            let n = numbers.get(&r.questionnaire_id).copied().unwrap_or(0);
            signed(r, n, day)
        })
        .collect())
}

/// Signed attestations waiting for review, oldest first (the caller checked the session).
pub async fn waiting(db: &Db, day: NaiveDate) -> Result<Vec<SignedAttestation>, AppError> {
    let numbers = numbers(db).await?;
    Ok(store::waiting(db)
        .await?
        .into_iter()
        .map(|r| {
            let n = numbers.get(&r.questionnaire_id).copied().unwrap_or(0);
            signed(r, n, day)
        })
        .collect())
}

/// `/vendor/attestation`: the questionnaire in force, answered as the vendor's last
/// attestation answered it (when it answered the same version).
pub async fn form() -> Result<AttestationForm, AppError> {
    let contact = require_contact().await?;
    let db = db()?;
    let row = {
        let mut conn = db.pool.acquire().await?;
        store::published(&mut conn).await?
    }
    .ok_or(AppError::NotFound)?;
    let q = parsed(&row)?;
    let last = signed_for(&db, contact.vendor_id, today())
        .await?
        .into_iter()
        .next();
    let from = last
        .as_ref()
        .filter(|l| l.questionnaire == row.number)
        .map(|l| l.id);
    // what a refused form sent comes back over the last attestation's answers
    let answers = answers_by_key(&db, from).await?;
    let answers = {
        let mut conn = db.pool.acquire().await?;
        with_draft(&mut conn, (contact.contact_id, row.id), answers).await?
    };
    Ok(AttestationForm {
        questionnaire_id: row.id,
        number: row.number,
        title: q.title.clone(),
        introduction: q.introduction.clone(),
        sha256: row.sha256.clone().unwrap_or_default(),
        lines: lines(&db, &q, answers).await?,
        contact_name: contact.name,
        last,
    })
}

/// A contact signs the attestation: a multipart form with `questionnaire` (the id of the
/// version shown), `answer.<key>` (`yes`, `no`, `not_applicable`), `explanation.<key>`,
/// `file.<key>` (the document of a statement that needs one) and `signed_name`. Refused while
/// the vendor's last attestation waits, and when a newer version was published meanwhile.
/// A document sent with an earlier attestation of the same version is kept for its statement
/// unless a new one is sent.
pub async fn submit(data: MultipartData) -> Result<i64, AppError> {
    let contact = require_contact().await?;
    let db = db()?;
    let store_of_documents = documents()?;
    let row = {
        let mut conn = db.pool.acquire().await?;
        store::published(&mut conn).await?
    }
    .ok_or(AppError::NotFound)?;
    let q = parsed(&row)?;
    let earlier = signed_for(&db, contact.vendor_id, today()).await?;
    if earlier
        .first()
        .is_some_and(|l| l.state == ReviewState::Pending)
    {
        return Err(AppError::invalid(
            "signed_name",
            "Your last attestation waits for our review: it cannot be signed again until it is decided.",
        ));
    }
    let sent = receive(data, &q, &store_of_documents).await?;
    if sent.questionnaire != Some(row.id) {
        return Err(AppError::invalid(
            "questionnaire",
            "The questionnaire changed since this page was opened: open it again and answer the new version.",
        ));
    }
    // documents kept from the last attestation of this version, and from a refused form's
    // draft, by statement
    let mut kept = HashMap::new();
    {
        let mut conn = db.pool.acquire().await?;
        if let Some(last) = earlier.iter().find(|l| l.questionnaire == row.number) {
            for a in store::answers(&mut conn, last.id).await? {
                if let Some(d) = a.document_id {
                    kept.insert(a.question_key, d);
                }
            }
        }
        kept.extend(draft_documents(&mut conn, contact.contact_id, row.id).await?);
    }
    let mut answers = sent.answers.clone();
    for (key, draft) in answers.iter_mut() {
        draft.has_document = sent.files.contains_key(key) || kept.contains_key(key);
    }
    let checked = questionnaire::check(&q, &answers, &sent.signed_name);
    let (answered, name) = match checked {
        Ok(ok) if sent.refused.is_empty() => ok,
        checked => {
            // refused: what was typed and sent is kept for the form to come back with
            keep_draft(&db, &contact, (row.id, &q), &sent, &kept).await?;
            let mut errors = sent.refused.clone();
            errors.extend(
                checked
                    .err()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(field, message)| FieldError { field, message }),
            );
            return Err(AppError::Invalid(errors));
        }
    };
    let sha = row.sha256.clone().unwrap_or_default();
    let from = client_address().to_string();
    let slug = contact.vendor_slug.clone();
    write(&db, &contact.email, async |tx| {
        let mut with_documents = Vec::with_capacity(answered.len());
        for a in &answered {
            let document = match sent.files.get(&a.key) {
                Some(file) if a.answer == Answer::Yes => {
                    Some(record_document(tx, &contact, file).await?)
                }
                _ if a.answer == Answer::Yes => kept.get(&a.key).copied(),
                _ => None,
            };
            with_documents.push((a.clone(), document));
        }
        drafts::delete(tx, contact.contact_id).await?;
        let id = store::insert_signed(
            tx,
            &Signature {
                vendor_id: contact.vendor_id,
                questionnaire_id: row.id,
                questionnaire_sha256: &sha,
                signed_name: &name,
                signed_from: &from,
                submitted_by: &contact.email,
                submitted_on: today().to_string(),
            },
            &with_documents,
        )
        .await?;
        let answers: serde_json::Map<String, serde_json::Value> = answered
            .iter()
            .map(|a| (a.key.clone(), a.answer.code().into()))
            .collect();
        Ok(Written::done(
            id,
            audit::Entry {
                action: "sign and submit for review",
                entity: "attestation",
                entity_id: format!("{slug}/attestation/{id}"),
                before: None,
                after: Some(serde_json::json!({
                    "questionnaire": row.number,
                    "questionnaire_sha256": sha,
                    "signed_name": name,
                    "signed_from": from,
                    "answers": answers,
                })),
            },
        ))
    })
    .await
}

/// `/manage/attestations/{id}`: a signed attestation against the exact version it answered
/// (anyone signed in).
pub async fn review(id: i64) -> Result<AttestationReview, AppError> {
    let who = require(any_role).await?;
    let db = db()?;
    let (row, q) = {
        let mut conn = db.pool.acquire().await?;
        let row = store::signed(&mut conn, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let q = store::questionnaire(&mut conn, row.questionnaire_id)
            .await?
            .ok_or_else(|| internal("an attestation's questionnaire is missing"))?;
        (row, q)
    };
    let parsed_q = parsed(&q)?;
    Ok(AttestationReview {
        lines: lines(&db, &parsed_q, answers_by_key(&db, Some(id)).await?).await?,
        title: parsed_q.title,
        attestation: signed(row, q.number, today()),
        can_decide: who.role.can_edit(),
    })
}

/// Decide on the waiting attestation `id` at `version` (admins and managers), with comments
/// on single answers in `notes` (statement key to comment; asking for changes needs a comment
/// in all or on one answer). Approval makes it count from today for twelve months.
pub async fn decide_attestation(
    id: i64,
    version: i64,
    decision: &str,
    comment: &str,
    notes: HashMap<String, String>,
) -> Result<(), AppError> {
    let who = require(crate::session::editor).await?;
    let decision = Decision::parse(decision).map_err(|e| AppError::invalid("decision", e.0))?;
    let mut kept_notes = Vec::new();
    for (key, note) in notes {
        let note = note.trim().to_string();
        if note.is_empty() {
            continue;
        }
        if note.chars().count() > MAX_COMMENT
            || note
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\r')
        {
            return Err(AppError::invalid(
                &format!("notes[{key}]"),
                format!(
                    "A comment on an answer is plain text of at most {MAX_COMMENT} characters."
                ),
            ));
        }
        kept_notes.push((key, note));
    }
    kept_notes.sort();
    // a comment on one answer is enough to ask for changes
    let overall = if comment.trim().is_empty() && !kept_notes.is_empty() {
        "See the comments on the answers.".to_string()
    } else {
        comment.to_string()
    };
    let db = db()?;
    let day = today().to_string();
    write(&db, &who.email, async |tx| {
        let row = store::signed(tx, id).await?.ok_or(AppError::NotFound)?;
        let state = ReviewState::parse(&row.outcome).map_err(|e| internal(e.0))?;
        let (next, comment) =
            decide(state, decision, &overall).map_err(|e| AppError::invalid("comment", e.0))?;
        let keys: Vec<String> = store::answers(tx, id)
            .await?
            .into_iter()
            .map(|a| a.question_key)
            .collect();
        let notes: Vec<(String, String)> = kept_notes
            .iter()
            .filter(|(k, _)| keys.contains(k))
            .cloned()
            .collect();
        if !store::decide(
            tx,
            (id, version),
            (next, &day),
            (&who.email, &comment),
            &notes,
        )
        .await?
        {
            return Ok(Written::Stale {
                entity_id: format!("{}/attestation/{id}", row.vendor_slug),
                current: vec![("State".into(), state.label().into())],
                version: Some(row.version),
            });
        }
        let mut told = comment.clone();
        for (k, n) in &notes {
            told.push_str(&format!("\n\n{k}: {n}"));
        }
        tell_the_contact(
            tx,
            (row.vendor_id, &row.submitted_by),
            (&format!("attestation:{id}"), "VPAP annual attestation"),
            next,
            &told,
        )
        .await?;
        Ok(Written::done(
            (),
            audit::Entry {
                action: decision.action(),
                entity: "attestation",
                entity_id: format!("{}/attestation/{id}", row.vendor_slug),
                before: Some(serde_json::json!({ "review": state.code() })),
                after: Some(serde_json::json!({
                    "review": next.code(),
                    "comment": comment,
                    "answer_comments": notes.into_iter().collect::<BTreeMap<_, _>>(),
                })),
            },
        ))
    })
    .await
}
