//! Change events: the public, append-only record of what was announced to customers and when
//! it takes effect (`domain::changes`). Written in the vendor save's transaction; the database
//! refuses updates and deletes.

use chrono::NaiveDate;
use sqlx::{Any, AnyConnection, FromRow};

use super::{begin_write, now_utc, vendors, Db, StoreError, StoreResult};
use crate::domain::changes::{ChangeEvent, ChangeKind, NoticePeriods, PlannedEvent, PublicScope};

/// One stored event as read back.
#[derive(Debug, Clone, FromRow)]
pub struct ChangeRow {
    pub id: i64,
    pub slug: String,
    pub legal_name: String,
    pub kind: String,
    pub announced_on: String,
    pub effective_on: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub recorded_at: String,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("change event {what}: {e}"))
}

impl ChangeRow {
    /// The domain event, with its scopes parsed.
    pub fn event(&self) -> StoreResult<ChangeEvent> {
        let scope = |json: &Option<String>| -> StoreResult<Option<PublicScope>> {
            json.as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| corrupt("scope", e))
        };
        let date = |s: &str| s.parse::<NaiveDate>().map_err(|e| corrupt("date", e));
        Ok(ChangeEvent {
            id: self.id,
            slug: self.slug.clone(),
            kind: ChangeKind::parse(&self.kind).map_err(|e| corrupt("kind", e))?,
            announced_on: date(&self.announced_on)?,
            effective_on: date(&self.effective_on)?,
            before: scope(&self.before_json)?,
            after: scope(&self.after_json)?,
        })
    }
}

/// Which events to list; `None` does not filter.
#[derive(Debug, Clone, Default)]
pub struct ChangeQuery {
    /// Service slug, in the scope before or after the change.
    pub service: Option<String>,
    pub kind: Option<ChangeKind>,
    pub vendor: Option<String>,
}

/// Upcoming (announced, not yet in effect) or past (in effect) changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Upcoming,
    Past,
}

const COLUMNS: &str = "id, slug, legal_name, kind, announced_on, effective_on, before_json, \
                       after_json, recorded_at";

/// Notice periods configured per data category (`data_categories.notice_days`).
pub async fn notice_periods(conn: &mut AnyConnection) -> StoreResult<NoticePeriods> {
    let rows =
        sqlx::query_as::<Any, (String, i64)>("SELECT code, notice_days FROM data_categories")
            .fetch_all(&mut *conn)
            .await?;
    let mut n = NoticePeriods::default();
    for (code, days) in rows {
        let days = u32::try_from(days).map_err(|e| corrupt("notice days", e))?;
        match code.as_str() {
            "customer" => n.customer = days,
            "personal" => n.personal = days,
            "support" => n.support = days,
            _ => {}
        }
    }
    Ok(n)
}

/// Set the notice period of a data category in the caller's transaction; returns the
/// period it had.
pub async fn set_notice_days(
    conn: &mut AnyConnection,
    category: crate::domain::DataCategory,
    days: u32,
) -> StoreResult<i64> {
    let before =
        sqlx::query_scalar::<Any, i64>("SELECT notice_days FROM data_categories WHERE code = $1")
            .bind(category.code())
            .fetch_one(&mut *conn)
            .await?;
    sqlx::query("UPDATE data_categories SET notice_days = $1 WHERE code = $2")
        .bind(i64::from(days))
        .bind(category.code())
        .execute(&mut *conn)
        .await?;
    Ok(before)
}

/// Whether subscribers are told of a recorded event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tell {
    /// Queue its fan-out in the same transaction (every change a manager saves).
    Subscribers,
    /// History written after the fact (the backfill at upgrade): nobody is told.
    Nobody,
}

/// Record one event of a vendor. `services` are the service slugs the change concerns
/// (the scope before and after). The event waits in `log_pending`: the transaction appends
/// it to the log before it commits (`store::log::append_pending`).
pub async fn record(
    conn: &mut AnyConnection,
    (vendor_id, slug): (i64, &str),
    services: &[String],
    e: &PlannedEvent,
    (actor, tell): (&str, Tell),
) -> StoreResult<i64> {
    let json = |s: &Option<PublicScope>| -> StoreResult<Option<String>> {
        s.as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| corrupt("json", e))
    };
    let legal_name = e
        .after
        .as_ref()
        .or(e.before.as_ref())
        .map(|s| s.legal_name.clone())
        .unwrap_or_default();
    let mut list: Vec<&str> = services.iter().map(String::as_str).collect();
    list.sort_unstable();
    list.dedup();
    let services = format!(" {} ", list.join(" "));
    const INSERT: &str = "INSERT INTO change_events (vendor_id, slug, legal_name, kind, \
        announced_on, effective_on, services, before_json, after_json, recorded_at, \
        recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
    // The event and its fan-out in one round trip (which an import of thousands of rows
    // feels): on PostgreSQL one statement, on SQLite two in one string, the second reading
    // the event's id as the last row inserted.
    // ...and queued for the log (`log_pending`, appended before the transaction commits)
    let sql = match (tell, super::backend_of(conn)) {
        (Tell::Subscribers, super::Backend::Postgres) => format!(
            "WITH e AS ({INSERT} RETURNING id), f AS (INSERT INTO fanouts (change_event_id, \
             created_at) SELECT id, $10 FROM e), p AS (INSERT INTO log_pending \
             (change_event_id) SELECT id FROM e) SELECT id FROM e"
        ),
        (Tell::Nobody, super::Backend::Postgres) => format!(
            "WITH e AS ({INSERT} RETURNING id), p AS (INSERT INTO log_pending \
             (change_event_id) SELECT id FROM e) SELECT id FROM e"
        ),
        // the rowid of each key-only row is the event's id, so every statement reads it
        (Tell::Subscribers, super::Backend::Sqlite) => format!(
            "{INSERT} RETURNING id; INSERT INTO log_pending (change_event_id) \
             VALUES (last_insert_rowid()); INSERT INTO fanouts (change_event_id, created_at) \
             VALUES (last_insert_rowid(), $10)"
        ),
        (Tell::Nobody, super::Backend::Sqlite) => format!(
            "{INSERT} RETURNING id; INSERT INTO log_pending (change_event_id) \
             VALUES (last_insert_rowid())"
        ),
    };
    // fetch_all: every statement of the string runs; the event's id is the only row
    let ids = sqlx::query_scalar::<Any, i64>(&sql)
        .bind(vendor_id)
        .bind(slug.to_string())
        .bind(legal_name)
        .bind(e.kind.code())
        .bind(e.announced_on.to_string())
        .bind(e.effective_on.to_string())
        .bind(services)
        .bind(json(&e.before)?)
        .bind(json(&e.after)?)
        .bind(now_utc())
        .bind(actor.to_string())
        .fetch_all(&mut *conn)
        .await?;
    let id = ids
        .first()
        .copied()
        .ok_or_else(|| StoreError::Corrupt("a change event was inserted without an id".into()))?;
    Ok(id)
}

/// One event by id.
pub async fn get(conn: &mut AnyConnection, id: i64) -> StoreResult<Option<ChangeRow>> {
    Ok(sqlx::query_as::<Any, ChangeRow>(&format!(
        "SELECT {COLUMNS} FROM change_events WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The service slugs an event concerns (its scope before and after).
pub async fn services_of(conn: &mut AnyConnection, id: i64) -> StoreResult<Vec<String>> {
    let s = sqlx::query_scalar::<Any, String>("SELECT services FROM change_events WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .unwrap_or_default();
    Ok(s.split_whitespace().map(str::to_string).collect())
}

/// `WHERE` clause and its text arguments for a query (placeholders from `$first`).
fn filter_sql(q: &ChangeQuery, today: NaiveDate, when: Option<When>) -> (String, Vec<String>) {
    let mut args = vec![today.to_string()];
    // a past change was announced by its effective day (the table checks effective_on >=
    // announced_on), so it needs no second test: its count reads the effective_on index alone
    let mut clauses = match when {
        Some(When::Upcoming) => vec!["announced_on <= $1".to_string(), "effective_on > $1".into()],
        Some(When::Past) => vec!["effective_on <= $1".to_string()],
        None => vec!["announced_on <= $1".to_string()],
    };
    let mut add = |sql: &str, value: String| {
        args.push(value);
        clauses.push(sql.replace('?', &format!("${}", args.len())));
    };
    if let Some(s) = &q.service {
        add("services LIKE ?", format!("% {s} %"));
    }
    if let Some(k) = q.kind {
        add("kind = ?", k.code().to_string());
    }
    if let Some(v) = &q.vendor {
        add("slug = ?", v.clone());
    }
    (format!("WHERE {}", clauses.join(" AND ")), args)
}

/// One page of upcoming (soonest first) or past (newest first) changes published by `today`,
/// and how many there are in all.
pub async fn list(
    db: &Db,
    q: &ChangeQuery,
    today: NaiveDate,
    when: When,
    limit: u32,
    offset: u32,
) -> StoreResult<(Vec<ChangeRow>, i64)> {
    let rows = list_rows(db, q, today, when, limit, offset).await?;
    let (filter, args) = filter_sql(q, today, Some(when));
    let count_sql = format!("SELECT COUNT(*) FROM change_events {filter}");
    let mut count = sqlx::query_scalar::<Any, i64>(&count_sql);
    for a in args {
        count = count.bind(a);
    }
    Ok((rows, count.fetch_one(&db.pool).await?))
}

/// One page as [`list`] gives it, without counting them all.
pub async fn list_rows(
    db: &Db,
    q: &ChangeQuery,
    today: NaiveDate,
    when: When,
    limit: u32,
    offset: u32,
) -> StoreResult<Vec<ChangeRow>> {
    let (filter, args) = filter_sql(q, today, Some(when));
    let order = match when {
        When::Upcoming => "effective_on ASC, id ASC",
        When::Past => "effective_on DESC, id DESC",
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM change_events {filter} ORDER BY {order} LIMIT {limit} OFFSET {offset}"
    );
    let mut rows = sqlx::query_as::<Any, ChangeRow>(&sql);
    for a in args {
        rows = rows.bind(a);
    }
    Ok(rows.fetch_all(&db.pool).await?)
}

/// Every change published by `day` that matches `q`, newest first (for feeds and the API).
pub async fn published(
    db: &Db,
    q: &ChangeQuery,
    day: NaiveDate,
    limit: u32,
) -> StoreResult<Vec<ChangeRow>> {
    let (filter, args) = filter_sql(q, day, None);
    let sql = format!(
        "SELECT {COLUMNS} FROM change_events {filter} \
         ORDER BY announced_on DESC, id DESC LIMIT {limit}"
    );
    let mut rows = sqlx::query_as::<Any, ChangeRow>(&sql);
    for a in args {
        rows = rows.bind(a);
    }
    Ok(rows.fetch_all(&db.pool).await?)
}

/// How many events there are (they are append-only: the same number means the same events).
pub async fn count(db: &Db) -> StoreResult<i64> {
    Ok(
        sqlx::query_scalar::<Any, i64>("SELECT COUNT(*) FROM change_events")
            .fetch_one(&db.pool)
            .await?,
    )
}

/// Every event announced by `day`, for replaying the registry: by id (SQLite's table order,
/// so it sorts nothing; the replay groups them itself, where the feeds' announcement order
/// cost a sort of every row with its JSON) and without their `before` scope, which a replay
/// never reads (it takes each scope from the event that made it).
pub async fn replay_rows(db: &Db, day: NaiveDate) -> StoreResult<Vec<ChangeRow>> {
    Ok(sqlx::query_as::<Any, ChangeRow>(
        "SELECT id, slug, legal_name, kind, announced_on, effective_on, \
         CAST(NULL AS TEXT) AS before_json, after_json, recorded_at \
         FROM change_events WHERE announced_on <= $1 ORDER BY id",
    )
    .bind(day.to_string())
    .fetch_all(&db.pool)
    .await?)
}

/// Every event announced by `day`, parsed, for replaying the registry as of that day.
pub async fn events_until(db: &Db, day: NaiveDate) -> StoreResult<Vec<ChangeEvent>> {
    let rows = published(db, &ChangeQuery::default(), day, u32::MAX / 2).await?;
    rows.iter().map(ChangeRow::event).collect()
}

/// Vendors with a removal in effect by `day` (including withdrawals before they took effect).
pub async fn removed_by(db: &Db, day: NaiveDate) -> StoreResult<std::collections::HashSet<String>> {
    Ok(sqlx::query_scalar::<Any, String>(
        "SELECT slug FROM change_events WHERE kind = 'removed' AND effective_on <= $1",
    )
    .bind(day.to_string())
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .collect())
}

/// Those of `slugs` with a removal in effect by `day` (as [`removed_by`], for one page).
pub async fn removed_among(
    db: &Db,
    day: NaiveDate,
    slugs: &[String],
) -> StoreResult<std::collections::HashSet<String>> {
    let mut removed = std::collections::HashSet::new();
    for chunk in slugs.chunks(500) {
        let marks = (2..chunk.len() + 2)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT slug FROM change_events \
             WHERE kind = 'removed' AND effective_on <= $1 AND slug IN ({marks})"
        );
        let mut q = sqlx::query_scalar::<Any, String>(&sql).bind(day.to_string());
        for s in chunk {
            q = q.bind(s.clone());
        }
        removed.extend(q.fetch_all(&db.pool).await?);
    }
    Ok(removed)
}

/// When the newest event was recorded (for `Last-Modified`).
pub async fn last_recorded(db: &Db) -> StoreResult<Option<String>> {
    Ok(
        sqlx::query_scalar::<Any, Option<String>>("SELECT MAX(recorded_at) FROM change_events")
            .fetch_one(&db.pool)
            .await?,
    )
}

/// Record the history of announced vendors that have none yet (data from before change events
/// existed, and the demo data): `Added` on their announcement and effective dates with their
/// present scope, and `Removed` on their removal date. Idempotent; returns the events written.
pub async fn backfill(db: &Db, actor: &str, today: NaiveDate) -> StoreResult<usize> {
    let mut tx = begin_write(db).await?;
    if db.backend == super::Backend::Postgres {
        // instances starting together backfill one at a time (SQLite's write lock does this)
        sqlx::query("SELECT pg_advisory_xact_lock(5005)")
            .execute(&mut *tx)
            .await?;
    }
    let unrecorded = vendors::announced_without_history(&mut tx).await?;
    if unrecorded.is_empty() {
        tx.rollback().await?;
        return Ok(0);
    }
    let names = super::services::service_names(&mut tx).await?;
    let mut written = 0;
    for v in unrecorded {
        let slugs = vendors::words(v.services.as_deref());
        let scope = v.public_scope(&names);
        let lifecycle = v.lifecycle()?;
        let Some(announced_on) = lifecycle.announced_on else {
            continue;
        };
        let mut events = Vec::new();
        if let Some(effective_on) = lifecycle.effective_on {
            events.push(PlannedEvent {
                kind: ChangeKind::Added,
                announced_on,
                effective_on: effective_on.max(announced_on),
                before: None,
                after: Some(scope.clone()),
            });
        }
        if let Some(removed_on) = lifecycle.removed_on {
            events.push(PlannedEvent {
                kind: ChangeKind::Removed,
                announced_on: removed_on.min(today).max(announced_on),
                effective_on: removed_on.max(announced_on),
                before: Some(scope.clone()),
                after: None,
            });
        }
        for e in &events {
            record(&mut tx, (v.id, &v.slug), &slugs, e, (actor, Tell::Nobody)).await?;
            written += 1;
        }
    }
    super::log::append_pending(&mut tx).await?;
    tx.commit().await?;
    Ok(written)
}
