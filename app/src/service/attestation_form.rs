//! The attestation form as it arrives (a multipart body: answers, explanations, documents,
//! the typed name) and the draft kept when it is refused, so the contact finds the form as
//! they left it, with the documents they had sent (recorded, never left unreferenced in the
//! store). The draft is one per contact, and is forgotten when the attestation is signed.

use std::collections::{BTreeMap, HashMap};

use leptos::server_fn::codec::MultipartData;

use super::uploads::{at_field, cut_short, file_of, text_of};
use crate::{
    documents::{Documents, Stored},
    domain::{
        questionnaire::{self, AnswerDraft, Questionnaire},
        review::clean_file_name,
    },
    error::{AppError, FieldError},
    session::Contact,
    store::{
        attestation_drafts::{self as drafts, DraftAnswer},
        attestations::AnswerRow,
        begin_write, documents as docs, AnyConnection, Db,
    },
};

/// The longest text field of the attestation form, in bytes.
const MAX_FIELD_BYTES: usize = 4 * questionnaire::MAX_EXPLANATION + 64;

/// What the form sent: answers, typed name, the questionnaire it was drawn from, the files
/// stored (by statement key, with their cleaned names) and the files refused (by field).
#[derive(Default)]
pub(crate) struct Sent {
    pub questionnaire: Option<i64>,
    pub answers: BTreeMap<String, AnswerDraft>,
    pub signed_name: String,
    pub files: BTreeMap<String, (String, Stored)>,
    pub refused: Vec<FieldError>,
}

/// Read the form. A file refused for what it is (its type, its size) is noted at its field
/// and the rest of the form is still read; a body that cannot be read is refused whole.
pub(crate) async fn receive(
    data: MultipartData,
    q: &Questionnaire,
    store: &Documents,
) -> Result<Sent, AppError> {
    let Some(mut form) = data.into_inner() else {
        return Err(AppError::Request("Nothing was sent.".into()));
    };
    let evidence: Vec<&str> = q
        .questions
        .iter()
        .filter(|x| x.evidence)
        .map(|x| x.key.as_str())
        .collect();
    let known = |k: &str| q.questions.iter().any(|x| x.key == k);
    let mut sent = Sent::default();
    while let Some(mut field) = form.next_field().await.map_err(cut_short)? {
        let name = field.name().unwrap_or("").to_string();
        if let Some(key) = name.strip_prefix("file.") {
            if !evidence.contains(&key) || sent.files.contains_key(key) {
                continue;
            }
            let file_name = clean_file_name(field.file_name().unwrap_or(""));
            match file_of(&mut field, store).await {
                Ok(Some(stored)) => {
                    sent.files.insert(key.to_string(), (file_name, stored));
                }
                Ok(None) => {}
                Err(e) => match at_field(e, &name) {
                    AppError::Invalid(fields) => sent.refused.extend(fields),
                    other => return Err(other),
                },
            }
            continue;
        }
        let value = text_of(&mut field, MAX_FIELD_BYTES).await?;
        if name == "questionnaire" {
            sent.questionnaire = value.trim().parse().ok();
        } else if name == "signed_name" {
            sent.signed_name = value;
        } else if let Some(key) = name.strip_prefix("answer.").filter(|k| known(k)) {
            sent.answers.entry(key.to_string()).or_default().answer = value;
        } else if let Some(key) = name.strip_prefix("explanation.").filter(|k| known(k)) {
            sent.answers.entry(key.to_string()).or_default().explanation = value;
        }
    }
    Ok(sent)
}

/// Record the document `stored` the contact sent, for the vendor; its id.
pub(crate) async fn record_document(
    tx: &mut AnyConnection,
    contact: &Contact,
    (file_name, stored): &(String, Stored),
) -> Result<i64, AppError> {
    Ok(docs::insert(
        tx,
        docs::NewDocument {
            vendor_id: Some(contact.vendor_id),
            sha256: &stored.sha256,
            size_bytes: i64::try_from(stored.size).unwrap_or(i64::MAX),
            media_type: stored.kind.media_type(),
            file_name,
            uploaded_by: &contact.email,
        },
    )
    .await?)
}

/// Keep what a refused form sent as the contact's draft of `questionnaire_id`: each
/// statement's answer and explanation as typed, and the documents it carried (recorded),
/// beside the documents `kept` from before.
pub(crate) async fn keep_draft(
    db: &Db,
    contact: &Contact,
    (questionnaire_id, q): (i64, &Questionnaire),
    sent: &Sent,
    kept: &HashMap<String, i64>,
) -> Result<(), AppError> {
    let mut tx = begin_write(db).await?;
    let mut answers = Vec::with_capacity(q.questions.len());
    for question in &q.questions {
        let typed = sent.answers.get(&question.key).cloned().unwrap_or_default();
        let document_id = match sent.files.get(&question.key) {
            Some(file) => Some(record_document(&mut tx, contact, file).await?),
            None => kept.get(&question.key).copied(),
        };
        answers.push(DraftAnswer {
            question_key: question.key.clone(),
            answer: typed.answer,
            explanation: typed.explanation,
            document_id,
        });
    }
    drafts::save(&mut tx, contact.contact_id, questionnaire_id, &answers).await?;
    tx.commit().await?;
    Ok(())
}

/// The documents of the contact's draft of `questionnaire_id`, by statement.
pub(crate) async fn draft_documents(
    conn: &mut AnyConnection,
    contact_id: i64,
    questionnaire_id: i64,
) -> Result<HashMap<String, i64>, AppError> {
    Ok(drafts::get(conn, contact_id)
        .await?
        .filter(|d| d.questionnaire_id == questionnaire_id)
        .map(|d| {
            d.answers
                .into_iter()
                .filter_map(|a| Some((a.question_key, a.document_id?)))
                .collect()
        })
        .unwrap_or_default())
}

/// `answers` (the last attestation's, by statement) with the contact's draft of
/// `questionnaire_id` over them: the draft's answers, explanations and documents, the
/// reviewer's comments kept.
pub(crate) async fn with_draft(
    conn: &mut AnyConnection,
    (contact_id, questionnaire_id): (i64, i64),
    mut answers: HashMap<String, AnswerRow>,
) -> Result<HashMap<String, AnswerRow>, AppError> {
    let Some(draft) = drafts::get(conn, contact_id)
        .await?
        .filter(|d| d.questionnaire_id == questionnaire_id)
    else {
        return Ok(answers);
    };
    for d in draft.answers {
        let row = answers
            .entry(d.question_key.clone())
            .or_insert_with(|| AnswerRow {
                question_key: d.question_key.clone(),
                answer: String::new(),
                explanation: String::new(),
                document_id: None,
                review_comment: String::new(),
            });
        row.answer = d.answer;
        row.explanation = d.explanation;
        if d.document_id.is_some() {
            row.document_id = d.document_id;
        }
    }
    Ok(answers)
}
