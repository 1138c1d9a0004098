//! A subscriber's objection to an upcoming change: the form's data and recording it (the
//! objection link, or the manage link, of a confirmed subscription; refused after the change's
//! effective date).

use super::{lines, one, upcoming, with_power};
use crate::{
    domain::{
        notices::{objectionable, ObjectionForm},
        subscriber_links::Power,
    },
    error::AppError,
    model::subscriptions::ObjectionFormView,
    request::{db, today},
    store::{
        begin_write, changes,
        objections::{self, ObjectionQuery},
        Db,
    },
};

/// The objection form of change `change` for the subscription of `token`.
pub async fn load_objection_form(change: i64, token: &str) -> Result<ObjectionFormView, AppError> {
    let db = db()?;
    let s = with_power(&db, token, Power::Object(change)).await?;
    let can_manage = with_power(&db, token, Power::Manage).await.is_ok();
    let mut conn = db.pool.acquire().await?;
    let row = changes::get(&mut conn, change)
        .await?
        .ok_or(AppError::NotFound)?;
    let e = row.event()?;
    let day = today();
    if e.announced_on > day {
        return Err(AppError::NotFound);
    }
    let withdrawn = objections::withdrawn(&mut conn, e.id).await?;
    let closed = if !s.is_confirmed() {
        Some("This subscription has ended. Subscribe again to object to a change.".to_string())
    } else {
        objectionable(&e, day, withdrawn).err()
    };
    let mine = lines(
        &db,
        &ObjectionQuery {
            subscription: Some(s.id),
            change: Some(e.id),
            ..Default::default()
        },
    )
    .await?;
    Ok(ObjectionFormView {
        change: upcoming(&e),
        closed,
        email: s.email.clone(),
        organisation: s.organisation.clone().unwrap_or_default(),
        mine,
        can_manage,
    })
}

/// `POST /changes/{id}/objection`: record an objection of the subscription of `token`
/// (its form field) to an upcoming change. Refused after the effective date, with the date.
pub async fn object(db: &Db, change: i64, pairs: &[(String, String)]) -> Result<i64, AppError> {
    let form = ObjectionForm {
        token: one(pairs, "token"),
        change,
        reason: one(pairs, "reason"),
        organisation: one(pairs, "organisation"),
        contact: one(pairs, "contact"),
    };
    let s = with_power(db, &form.token, Power::Object(change)).await?;
    if !s.is_confirmed() {
        return Err(AppError::Request(
            "This subscription has ended. Subscribe again to hear of changes.".into(),
        ));
    }
    let new = form.parse().map_err(AppError::Invalid)?;
    let mut tx = begin_write(db).await?;
    let row = changes::get(&mut tx, change)
        .await?
        .ok_or(AppError::NotFound)?;
    let e = row.event()?;
    let day = chrono::Utc::now().date_naive();
    if e.announced_on > day {
        return Err(AppError::NotFound);
    }
    let withdrawn = objections::withdrawn(&mut tx, e.id).await?;
    objectionable(&e, day, withdrawn).map_err(|m| AppError::invalid("reason", m))?;
    let id = objections::add(&mut tx, (e.id, s.id, &s.email), &new).await?;
    tx.commit().await?;
    tracing::info!(objection = id, change = e.id, "objection received");
    Ok(id)
}
