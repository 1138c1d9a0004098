//! The attestation questionnaire's versions (issue 26): the product ships version 1, published
//! on first start; admins start a draft (a copy of the version in force), edit it as JSON and
//! publish it, after which the database keeps it frozen. The format is in `docs/GUIDE.md`.

use sha2::{Digest, Sha256};

use super::rosters::minute;
use crate::{
    domain::questionnaire,
    error::AppError,
    model::attestations::{QuestionnaireVersion, Questionnaires},
    request::{db, internal},
    session::{admin, any_role, require},
    store::{
        attestations::{self as store, QuestionnaireRow},
        audit, Db, StoreError,
    },
    write::{write, Written},
};

/// The SHA-256 of a questionnaire's stored text, in hex.
pub fn sha256(body: &str) -> String {
    hex::encode(Sha256::digest(body.as_bytes()))
}

/// Publish the questionnaire the product ships as version 1 when none is stored yet (at start).
pub async fn publish_shipped(db: &Db) -> Result<(), AppError> {
    let q = questionnaire::parse(questionnaire::SHIPPED)
        .map_err(|e| internal(format!("the shipped questionnaire: {}", e.join(" "))))?;
    let body = q.canonical();
    store::publish_shipped(db, &body, &sha256(&body)).await?;
    Ok(())
}

fn version_of(r: QuestionnaireRow) -> QuestionnaireVersion {
    let parsed = questionnaire::parse(&r.body).ok();
    QuestionnaireVersion {
        id: r.id,
        number: r.number,
        published: r.state == "published",
        title: parsed.as_ref().map(|q| q.title.clone()).unwrap_or_default(),
        questions: parsed.map(|q| q.questions.len()).unwrap_or(0),
        body: r.body,
        sha256: r.sha256.unwrap_or_default(),
        edited: format!("{} by {}", minute(&r.edited_at), r.edited_by),
        published_at: r
            .published_at
            .map(|at| format!("{} by {}", minute(&at), r.published_by.unwrap_or_default()))
            .unwrap_or_default(),
        version: r.version,
    }
}

/// `/manage/questionnaire`: every version (anyone signed in reads; admins edit).
pub async fn versions() -> Result<Questionnaires, AppError> {
    let who = require(any_role).await?;
    Ok(Questionnaires {
        versions: store::questionnaires(&db()?)
            .await?
            .into_iter()
            .map(version_of)
            .collect(),
        can_edit: who.role == crate::domain::Role::Admin,
    })
}

fn body_errors(e: Vec<String>) -> AppError {
    AppError::invalid("body", e.join(" "))
}

/// Start the next version as a draft, a copy of the version in force (admins).
pub async fn new_draft() -> Result<(), AppError> {
    let who = require(admin).await?;
    let db = db()?;
    write(&db, &who.email, async |tx| {
        let body = match store::published(tx).await? {
            Some(r) => r.body,
            None => questionnaire::SHIPPED.to_string(),
        };
        let id = match store::insert_draft(tx, &body, &who.email).await {
            Err(StoreError::Taken(_)) => {
                return Err(AppError::invalid(
                    "body",
                    "A draft exists already: edit it, or publish it first.",
                ))
            }
            other => other?,
        };
        Ok(Written::done(
            (),
            audit::Entry {
                action: "start a draft",
                entity: "questionnaire",
                entity_id: format!("questionnaire/{id}"),
                before: None,
                after: None,
            },
        ))
    })
    .await
}

/// Save the draft `id` at `version` with `body`, a questionnaire in the documented JSON format
/// (admins). A published version cannot be changed.
pub async fn save_draft(id: i64, version: i64, body: String) -> Result<(), AppError> {
    let who = require(admin).await?;
    let q = questionnaire::parse(&body).map_err(body_errors)?;
    let body = q.canonical();
    let db = db()?;
    write(&db, &who.email, async |tx| {
        let current = store::questionnaire(tx, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if current.state != "draft" {
            return Err(AppError::invalid(
                "body",
                "A published version is frozen: start a new draft.",
            ));
        }
        if !store::save_draft(tx, (id, version), &body, &who.email).await? {
            return Ok(Written::Stale {
                entity_id: format!("questionnaire/{id}"),
                current: vec![("Edited".into(), minute(&current.edited_at))],
                version: Some(current.version),
            });
        }
        Ok(Written::done(
            (),
            audit::Entry {
                action: "edit the draft",
                entity: "questionnaire",
                entity_id: format!("questionnaire/{id}"),
                before: Some(serde_json::json!({ "sha256": sha256(&current.body) })),
                after: Some(serde_json::json!({ "sha256": sha256(&body) })),
            },
        ))
    })
    .await
}

/// Publish the draft `id` at `version` (admins; `confirm` must be `yes`): from then on it is
/// frozen and contacts answer it.
pub async fn publish(id: i64, version: i64, confirm: String) -> Result<(), AppError> {
    let who = require(admin).await?;
    if confirm != "yes" {
        return Err(AppError::invalid(
            "confirm",
            "Confirm that this version is final: once published it cannot change.",
        ));
    }
    let db = db()?;
    write(&db, &who.email, async |tx| {
        let current = store::questionnaire(tx, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let q = questionnaire::parse(&current.body).map_err(body_errors)?;
        let body = q.canonical();
        let sha = sha256(&body);
        if current.state != "draft"
            || !store::publish(tx, (id, version), (&body, &sha), &who.email).await?
        {
            return Ok(Written::Stale {
                entity_id: format!("questionnaire/{id}"),
                current: vec![("State".into(), current.state.clone())],
                version: Some(current.version),
            });
        }
        Ok(Written::done(
            (),
            audit::Entry {
                action: "publish",
                entity: "questionnaire",
                entity_id: format!("questionnaire/{id}"),
                before: None,
                after: Some(serde_json::json!({ "number": current.number, "sha256": sha })),
            },
        ))
    })
    .await
}
