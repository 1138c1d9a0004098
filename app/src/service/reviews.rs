//! Submissions and their review (issue 26): a vendor's contact submits an independent
//! assessment with the report or certificate it rests on; it waits until a manager approves
//! it, asks for changes or rejects it; only then does it count. Documents download to anyone
//! signed in internally and to the contacts of the vendor they belong to, each download
//! recorded. The contact's vendor always comes from the session.

use chrono::NaiveDate;
use leptos::server_fn::codec::MultipartData;

use super::{
    rosters::minute,
    uploads::{cut_short, file_of, refused},
};

use crate::{
    documents::Documents,
    domain::{
        assurance::AssessmentKind,
        forms::AssessmentForm,
        review::{clean_file_name, days_waiting, decide, Decision, ReviewState},
    },
    error::AppError,
    model::reviews::{DocumentInfo, ReviewQueue, SubmittedAssessment},
    request::{db, documents, internal, today},
    session::{any_role, current, current_contact, editor, require, require_contact},
    store::{audit, documents as store, documents::SubmissionRow},
    write::{write, Written},
};

fn submission(r: SubmissionRow, day: NaiveDate) -> SubmittedAssessment {
    let submitted_on = r
        .created_at
        .get(..10)
        .and_then(|d| d.parse().ok())
        .unwrap_or(day);
    let document = r.document_id.map(|id| DocumentInfo {
        id,
        file_name: r.d_file_name.clone().unwrap_or_default(),
        media_type: r.d_media_type.clone().unwrap_or_default(),
        size_bytes: r.d_size_bytes.unwrap_or(0),
        sha256: r.d_sha256.clone().unwrap_or_default(),
        uploaded_by: r.d_uploaded_by.clone().unwrap_or_default(),
        uploaded_at: minute(r.d_uploaded_at.as_deref().unwrap_or("")),
    });
    SubmittedAssessment {
        id: r.id,
        version: r.version,
        vendor_slug: r.vendor_slug,
        vendor_name: r.vendor_name,
        kind: AssessmentKind::parse(&r.kind)
            .map(|k| k.label().to_string())
            .unwrap_or(r.kind),
        assessor: r.assessor,
        period_start: r.period_start,
        period_end: r.period_end,
        issued_on: r.issued_on,
        valid_until: r.valid_until,
        state: ReviewState::parse(&r.review_state).unwrap_or(ReviewState::Pending),
        submitted_by: r.submitted_by.unwrap_or_default(),
        submitted_at: minute(&r.created_at),
        days_waiting: days_waiting(submitted_on, day),
        reviewed_by: r.reviewed_by.unwrap_or_default(),
        reviewed_at: minute(r.reviewed_at.as_deref().unwrap_or("")),
        comment: r.review_comment,
        document,
    }
}

/// The form's fields and the stored file, or why not; an unfinished file is removed.
async fn receive(
    data: MultipartData,
    docs: &Documents,
) -> Result<(AssessmentForm, Option<(String, crate::documents::Stored)>), AppError> {
    let Some(mut form) = data.into_inner() else {
        return Err(AppError::Request("No file was sent.".into()));
    };
    let mut fields = AssessmentForm::default();
    let mut stored = None;
    while let Some(mut field) = form.next_field().await.map_err(cut_short)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            // the fields come first (a form sends them in its order): wrong ones refuse the
            // upload before a byte of the file is stored
            fields.parse()?;
            let file_name = clean_file_name(field.file_name().unwrap_or(""));
            if let Some(file) = file_of(&mut field, docs).await? {
                stored = Some((file_name, file));
            }
            continue;
        }
        let value = field.text().await.map_err(cut_short)?;
        let slot = match name.as_str() {
            "kind" => &mut fields.kind,
            "assessor" => &mut fields.assessor,
            "period_start" => &mut fields.period_start,
            "period_end" => &mut fields.period_end,
            "issued_on" => &mut fields.issued_on,
            "valid_until" => &mut fields.valid_until,
            _ => continue,
        };
        *slot = value.chars().take(1_000).collect();
    }
    Ok((fields, stored))
}

/// A contact submits an independent assessment with its document (a multipart form with
/// `kind`, `assessor`, `period_start`, `period_end`, `issued_on`, `valid_until`, then `file`:
/// the fields before the file, which is not read when they are wrong).
/// The session is checked before a byte of the file is read.
pub async fn submit_assessment(data: MultipartData) -> Result<i64, AppError> {
    let contact = require_contact().await?;
    let db = db()?;
    let docs = documents()?;
    let (form, stored) = receive(data, &docs).await?;
    let assessment = form.parse()?;
    let Some((file_name, stored)) = stored else {
        return Err(AppError::invalid(
            "file",
            "Attach the report or certificate (a PDF, PNG or JPEG file).",
        ));
    };
    let (vendor_id, slug) = (contact.vendor_id, contact.vendor_slug.clone());
    write(&db, &contact.email, async |tx| {
        let document_id = store::insert(
            tx,
            store::NewDocument {
                vendor_id: Some(vendor_id),
                sha256: &stored.sha256,
                size_bytes: i64::try_from(stored.size).unwrap_or(i64::MAX),
                media_type: stored.kind.media_type(),
                file_name: &file_name,
                uploaded_by: &contact.email,
            },
        )
        .await?;
        let id = store::insert_submitted_assessment(
            tx,
            vendor_id,
            &assessment,
            document_id,
            &contact.email,
        )
        .await?;
        let mut after = audit::json(&assessment)?;
        if let serde_json::Value::Object(m) = &mut after {
            m.insert("document".into(), file_name.clone().into());
            m.insert("sha256".into(), stored.sha256.clone().into());
        }
        Ok(Written::done(
            id,
            audit::Entry {
                action: "submit for review",
                entity: "assessment",
                entity_id: format!("{slug}/assessment/{id}"),
                before: None,
                after: Some(after),
            },
        ))
    })
    .await
}

/// What the signed-in contact's vendor has submitted, newest first.
pub async fn my_submissions() -> Result<Vec<SubmittedAssessment>, AppError> {
    let contact = require_contact().await?;
    submitted_for(&db()?, contact.vendor_id, today()).await
}

/// What the vendor `vendor_id` has submitted, newest first (the caller checked the session).
pub async fn submitted_for(
    db: &crate::store::Db,
    vendor_id: i64,
    day: NaiveDate,
) -> Result<Vec<SubmittedAssessment>, AppError> {
    Ok(store::submitted_for(db, vendor_id)
        .await?
        .into_iter()
        .map(|r| submission(r, day))
        .collect())
}

/// `/manage/reviews`: what waits, oldest first (anyone signed in reads it).
pub async fn queue() -> Result<ReviewQueue, AppError> {
    let who = require(any_role).await?;
    let db = db()?;
    let day = today();
    Ok(ReviewQueue {
        waiting: store::waiting(&db)
            .await?
            .into_iter()
            .map(|r| submission(r, day))
            .collect(),
        rosters: super::rosters::waiting(&db, day).await?,
        attestations: super::attestations::waiting(&db, day).await?,
        proposals: super::proposals::waiting(&db, day).await?,
        can_decide: who.role.can_edit(),
    })
}

/// One submission (anyone signed in).
pub async fn review(id: i64) -> Result<SubmittedAssessment, AppError> {
    require(any_role).await?;
    let db = db()?;
    let mut conn = db.pool.acquire().await?;
    let row = store::submission(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(submission(row, today()))
}

/// Approve, ask for changes or reject the waiting submission `id` at `version` (admins and
/// managers). Approval makes it count at once; the audit trail records the decision.
pub async fn decide_submission(
    id: i64,
    version: i64,
    decision: &str,
    comment: &str,
) -> Result<(), AppError> {
    let who = require(editor).await?;
    let decision = Decision::parse(decision).map_err(|e| AppError::invalid("decision", e.0))?;
    let db = db()?;
    write(&db, &who.email, async |tx| {
        let row = store::submission(tx, id).await?.ok_or(AppError::NotFound)?;
        let state = ReviewState::parse(&row.review_state).map_err(|e| internal(e.0))?;
        let (next, comment) =
            decide(state, decision, comment).map_err(|e| AppError::invalid("comment", e.0))?;
        if !store::decide(tx, id, version, next, &who.email, &comment).await? {
            return Ok(Written::Stale {
                entity_id: format!("{}/assessment/{id}", row.vendor_slug),
                current: vec![("State".into(), state.label().into())],
                version: Some(row.version),
            });
        }
        let kind = AssessmentKind::parse(&row.kind)
            .map(|k| k.label())
            .unwrap_or("assessment");
        super::decisions::tell_the_contact(
            tx,
            (row.vendor_id, row.submitted_by.as_deref().unwrap_or("")),
            (
                &format!("assessment:{id}"),
                &format!("{kind} by {}", row.assessor),
            ),
            next,
            &comment,
        )
        .await?;
        Ok(Written::done(
            (),
            audit::Entry {
                action: decision.action(),
                entity: "assessment",
                entity_id: format!("{}/assessment/{id}", row.vendor_slug),
                before: Some(serde_json::json!({ "review": state.code() })),
                after: Some(serde_json::json!({ "review": next.code(), "comment": comment })),
            },
        ))
    })
    .await
}

/// A document to send: its metadata and bytes.
pub struct Download {
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub bytes: futures::stream::BoxStream<'static, Result<axum::body::Bytes, object_store::Error>>,
}

/// The document `id`, for anyone signed in internally or a contact of its vendor (anyone
/// else: not found, so ids tell nothing); the download is recorded.
pub async fn download(id: i64) -> Result<Download, AppError> {
    let db = db()?;
    let doc = store::get(&db, id).await?;
    let who = match current().await? {
        Some(p) => p.email,
        None => match current_contact().await? {
            Some(c)
                if doc
                    .as_ref()
                    .is_some_and(|d| d.vendor_id == Some(c.vendor_id)) =>
            {
                c.email
            }
            Some(_) => return Err(AppError::NotFound),
            None => return Err(AppError::Unauthorized),
        },
    };
    let doc = doc.ok_or(AppError::NotFound)?;
    let bytes = documents()?.open(&doc.sha256).await.map_err(refused)?;
    store::record_download(&db, doc.id, &who).await?;
    Ok(Download {
        file_name: doc.file_name,
        media_type: doc.media_type,
        size_bytes: doc.size_bytes,
        sha256: doc.sha256,
        bytes,
    })
}
