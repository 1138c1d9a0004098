//! Server half of the deliveries page.

use crate::model::deliveries::{DeliveriesPage, DeliveryLine, DELIVERIES_PAGE};
use crate::{
    error::AppError,
    request::db,
    session::{any_role, editor, require},
    store::{
        audit,
        outbox::{self, DeliveryRow, Listed},
    },
    write::{write, Written},
};

fn state(r: &DeliveryRow) -> String {
    match (r.status.as_str(), r.attempts) {
        ("pending", 0) => "pending".into(),
        ("pending", _) => "retrying".into(),
        (s, _) => s.to_string(),
    }
}

impl From<DeliveryRow> for DeliveryLine {
    fn from(r: DeliveryRow) -> Self {
        DeliveryLine {
            state: state(&r),
            next_attempt_at: (r.status == "pending").then(|| r.next_attempt_at.clone()),
            id: r.id,
            channel: r.channel,
            purpose: r.purpose,
            recipient: r.recipient,
            change_id: r.change_event_id,
            attempts: r.attempts,
            created_at: r.created_at,
            sent_at: r.sent_at,
            last_error: r.last_error,
        }
    }
}

pub async fn load_deliveries(query: &str) -> Result<DeliveriesPage, AppError> {
    let who = require(any_role).await?;
    let db = db()?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let mut message = None;
    let which = Listed::parse(&get("state")).unwrap_or_else(|| {
        message = Some(format!(
            "\"{}\" is not a delivery state (sent, pending, retrying, failed, skipped); showing all.",
            get("state")
        ));
        Listed::All
    });
    let page = get("page").parse::<u32>().unwrap_or(1).max(1);
    let (rows, total) = outbox::list(
        &db,
        which,
        DELIVERIES_PAGE,
        u64::from(page - 1) * u64::from(DELIVERIES_PAGE),
    )
    .await?;
    let c = outbox::counts(&db).await?;
    Ok(DeliveriesPage {
        lines: rows.into_iter().map(DeliveryLine::from).collect(),
        total,
        page,
        page_size: DELIVERIES_PAGE,
        state: which.code().to_string(),
        counts: (c.sent, c.pending, c.retrying, c.failed, c.skipped),
        can_retry: who.role.can_edit(),
        message,
    })
}

pub async fn retry_delivery(id: i64) -> Result<(), AppError> {
    let who = require(editor).await?;
    let db = db()?;
    let Some(before) = outbox::get(&db, id).await? else {
        return Err(AppError::NotFound);
    };
    write(&db, &who.email, async |tx| {
        if !outbox::retry(tx, id, chrono::Utc::now()).await? {
            return Err(AppError::Request(
                "Only a failed delivery can be sent again; this one is not failed (any more)."
                    .into(),
            ));
        }
        Ok(Written::done(
            (),
            audit::Entry {
                action: "retry",
                entity: "delivery",
                entity_id: format!("delivery:{id}"),
                before: Some(serde_json::json!({
                    "status": before.status,
                    "attempts": before.attempts,
                    "last_error": before.last_error,
                })),
                after: Some(serde_json::json!({ "status": "pending", "attempts": 0 })),
            },
        ))
    })
    .await
}
