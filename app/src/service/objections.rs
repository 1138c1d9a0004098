//! Server half of the objections page.

use crate::model::objections::{ObjectionItem, ObjectionsPage, StepLine};
use crate::{
    domain::{
        changes::days_left,
        notices::{ObjectionStepForm, Outcome},
        Slug,
    },
    error::AppError,
    request::{db, today},
    session::{any_role, editor, require},
    store::{
        audit,
        objections::{self, ObjectionQuery},
        outbox::{self, NewDelivery},
    },
    write::{write, Written},
};

pub async fn load_objections(query: &str) -> Result<ObjectionsPage, AppError> {
    let who = require(any_role).await?;
    let db = db()?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, v)| key == k && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
    };
    let open_only = get("all").is_none();
    let vendor = get("vendor").filter(|v| Slug::parse(v).is_ok());
    let rows = objections::list(
        &db,
        &ObjectionQuery {
            open: open_only,
            vendor: vendor.clone(),
            ..Default::default()
        },
        500,
    )
    .await?;
    let day = today();
    let mut items = Vec::with_capacity(rows.len());
    for o in rows {
        let steps = objections::steps(&db, o.id)
            .await?
            .into_iter()
            .map(|s| StepLine {
                step: s.step,
                outcome: s
                    .outcome
                    .and_then(|c| Outcome::parse(&c).ok())
                    .map(|o| o.label().to_string()),
                response: s.response,
                actor: s.actor,
                at: s.occurred_at,
            })
            .collect();
        let effective = o.effective_on.parse().unwrap_or(day);
        items.push(ObjectionItem {
            id: o.id,
            change_id: o.change_event_id,
            vendor_slug: o.slug.clone(),
            vendor: o.legal_name.clone(),
            kind: o.kind.clone(),
            days_left: days_left(day, effective),
            effective_on: o.effective_on.clone(),
            email: o.email.clone(),
            organisation: o.organisation.clone(),
            contact: o.contact.clone(),
            reason: o.reason.clone(),
            received_at: o.received_at.clone(),
            step: o.step.clone(),
            steps,
        });
    }
    Ok(ObjectionsPage {
        items,
        open_only,
        vendor,
        can_edit: who.role.can_edit(),
        outcomes: Outcome::ALL
            .iter()
            .map(|o| (o.code().to_string(), o.label().to_string()))
            .collect(),
    })
}

pub async fn objection_step(form: ObjectionStepForm) -> Result<(), AppError> {
    let who = require(editor).await?;
    let db = db()?;
    let id = form.id;
    write(&db, &who.email, async |tx| {
        let Some(o) = objections::get(tx, id).await? else {
            return Err(AppError::NotFound);
        };
        let step = form.parse(o.step()).map_err(AppError::Invalid)?;
        let step_id = objections::add_step(tx, id, &step, &who.email).await?;
        let mail = NewDelivery::objection_step((id, step_id), o.subscription_id, &o.email);
        outbox::queue(tx, &[mail], chrono::Utc::now()).await?;
        Ok(Written::done(
            (),
            audit::Entry {
                action: step.step.code(),
                entity: "objection",
                entity_id: format!("objection:{id}"),
                before: Some(serde_json::json!({ "step": o.step })),
                after: Some(serde_json::json!({
                    "step": step.step.code(),
                    "outcome": step.outcome.map(|x| x.code()),
                    "response": step.response,
                    "change": o.change_event_id,
                    "vendor": o.slug,
                })),
            },
        ))
    })
    .await
}
