//! Objections of subscribers to upcoming changes, and their steps (received, acknowledged,
//! resolved), append-only: the database refuses updates and deletes.

use sqlx::{Any, AnyConnection, FromRow};

use super::{now_utc, Db, StoreResult};
use crate::domain::notices::{NewObjection, NewStep, Step};

/// An objection with its latest step and the change it concerns.
#[derive(Debug, Clone, FromRow)]
pub struct ObjectionRow {
    pub id: i64,
    pub change_event_id: i64,
    pub subscription_id: i64,
    pub email: String,
    pub organisation: Option<String>,
    pub contact: Option<String>,
    pub reason: String,
    pub received_at: String,
    /// The change's vendor (slug and name), kind and effective date.
    pub slug: String,
    pub legal_name: String,
    pub kind: String,
    pub effective_on: String,
    /// The latest step and its outcome.
    pub step: String,
    pub outcome: Option<String>,
}

impl ObjectionRow {
    pub fn step(&self) -> Step {
        Step::parse(&self.step).unwrap_or(Step::Received)
    }
}

/// One step of an objection's life.
#[derive(Debug, Clone, FromRow)]
pub struct StepRow {
    pub id: i64,
    pub objection_id: i64,
    pub step: String,
    pub outcome: Option<String>,
    pub response: String,
    pub actor: String,
    pub occurred_at: String,
}

const SELECT: &str = "SELECT o.id, o.change_event_id, o.subscription_id, o.email, o.organisation, \
     o.contact, o.reason, o.received_at, e.slug, e.legal_name, e.kind, e.effective_on, \
     s.step, s.outcome \
     FROM objections o JOIN change_events e ON e.id = o.change_event_id \
     JOIN objection_steps s ON s.id = (SELECT MAX(id) FROM objection_steps WHERE objection_id = o.id)";

/// Record an objection and its first step; returns its id.
pub async fn add(
    conn: &mut AnyConnection,
    (change_event_id, subscription_id, email): (i64, i64, &str),
    o: &NewObjection,
) -> StoreResult<i64> {
    let now = now_utc();
    let id = sqlx::query_scalar::<Any, i64>(
        "INSERT INTO objections (change_event_id, subscription_id, email, organisation, contact, \
         reason, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(change_event_id)
    .bind(subscription_id)
    .bind(email.to_string())
    .bind(o.organisation.clone())
    .bind(o.contact.clone())
    .bind(o.reason.clone())
    .bind(now.clone())
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO objection_steps (objection_id, step, actor, occurred_at) \
         VALUES ($1, 'received', $2, $3)",
    )
    .bind(id)
    .bind(email.to_string())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Add a manager's step; returns its id.
pub async fn add_step(
    conn: &mut AnyConnection,
    objection_id: i64,
    s: &NewStep,
    actor: &str,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "INSERT INTO objection_steps (objection_id, step, outcome, response, actor, occurred_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(objection_id)
    .bind(s.step.code())
    .bind(s.outcome.map(|o| o.code()))
    .bind(s.response.clone())
    .bind(actor.to_string())
    .bind(now_utc())
    .fetch_one(&mut *conn)
    .await?)
}

/// An objection, read in the caller's transaction (to check its latest step before adding one).
pub async fn get(conn: &mut AnyConnection, id: i64) -> StoreResult<Option<ObjectionRow>> {
    Ok(
        sqlx::query_as::<Any, ObjectionRow>(&format!("{SELECT} WHERE o.id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// One step, read in the caller's transaction.
pub async fn step_in(conn: &mut AnyConnection, id: i64) -> StoreResult<Option<StepRow>> {
    Ok(sqlx::query_as::<Any, StepRow>(
        "SELECT id, objection_id, step, outcome, response, actor, occurred_at FROM objection_steps \
         WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The steps of an objection, in order.
pub async fn steps(db: &Db, id: i64) -> StoreResult<Vec<StepRow>> {
    Ok(sqlx::query_as::<Any, StepRow>(
        "SELECT id, objection_id, step, outcome, response, actor, occurred_at FROM objection_steps \
         WHERE objection_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?)
}

/// Which objections to list.
#[derive(Debug, Clone, Default)]
pub struct ObjectionQuery {
    /// Open (not resolved) only.
    pub open: bool,
    pub vendor: Option<String>,
    pub subscription: Option<i64>,
    pub change: Option<i64>,
}

/// Objections, oldest first.
pub async fn list(db: &Db, q: &ObjectionQuery, limit: u32) -> StoreResult<Vec<ObjectionRow>> {
    let mut clauses = Vec::new();
    let mut args: Vec<String> = Vec::new();
    if q.open {
        clauses.push("s.step <> 'resolved'".to_string());
    }
    if let Some(v) = &q.vendor {
        args.push(v.clone());
        clauses.push(format!("e.slug = ${}", args.len()));
    }
    if let Some(s) = q.subscription {
        clauses.push(format!("o.subscription_id = {s}"));
    }
    if let Some(c) = q.change {
        clauses.push(format!("o.change_event_id = {c}"));
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    };
    let sql = format!("{SELECT}{filter} ORDER BY o.id LIMIT {limit}");
    let mut rows = sqlx::query_as::<Any, ObjectionRow>(&sql);
    for a in &args {
        rows = rows.bind(a.clone());
    }
    Ok(rows.fetch_all(&db.pool).await?)
}

/// How many objections are open (the dashboard).
pub async fn count_open(db: &Db) -> StoreResult<i64> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "SELECT COUNT(*) FROM objections o \
         JOIN objection_steps s ON s.id = (SELECT MAX(id) FROM objection_steps WHERE objection_id = o.id) \
         WHERE s.step <> 'resolved'",
    )
    .fetch_one(&db.pool)
    .await?)
}

/// Open and resolved objections per change event among `ids` (the public change entries).
pub async fn counts_by_change(
    db: &Db,
    ids: &[i64],
) -> StoreResult<std::collections::HashMap<i64, (i64, i64)>> {
    let mut out = std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let list = ids
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let rows = sqlx::query_as::<Any, (i64, i64, i64)>(&format!(
        "SELECT o.change_event_id, \
         SUM(CASE WHEN s.step = 'resolved' THEN 0 ELSE 1 END), \
         SUM(CASE WHEN s.step = 'resolved' THEN 1 ELSE 0 END) \
         FROM objections o \
         JOIN objection_steps s ON s.id = (SELECT MAX(id) FROM objection_steps WHERE objection_id = o.id) \
         WHERE o.change_event_id IN ({list}) GROUP BY o.change_event_id"
    ))
    .fetch_all(&db.pool)
    .await?;
    for (id, open, resolved) in rows {
        out.insert(id, (open, resolved));
    }
    Ok(out)
}

/// Whether a change was withdrawn by resolving an objection to it that way (no more
/// objections to it are taken).
pub async fn withdrawn(conn: &mut AnyConnection, change_event_id: i64) -> StoreResult<bool> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "SELECT COUNT(*) FROM objection_steps s JOIN objections o ON o.id = s.objection_id \
         WHERE o.change_event_id = $1 AND s.outcome = 'change_withdrawn'",
    )
    .bind(change_event_id)
    .fetch_one(&mut *conn)
    .await?
        > 0)
}
