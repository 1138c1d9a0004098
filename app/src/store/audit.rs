//! The audit trail: append-only rows written in the same transaction as the change they
//! describe. The database refuses updates and deletes (triggers), so the app cannot rewrite it.

use serde::Serialize;
use sqlx::{Any, AnyConnection, FromRow};

use super::{now_utc, Db, StoreError, StoreResult};

/// One change to record (who made it is given when it is recorded). `entity_id` of a vendor's
/// own records starts with the vendor's slug (`acme`, `acme/training/12`), so a vendor's
/// history is one prefix query.
#[derive(Debug, Clone)]
pub struct Entry {
    pub action: &'static str,
    pub entity: &'static str,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// Serialise a record for the before/after columns.
pub fn json<T: Serialize>(value: &T) -> StoreResult<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| StoreError::Corrupt(format!("audit json: {e}")))
}

pub async fn record(conn: &mut AnyConnection, actor: &str, c: Entry) -> StoreResult<()> {
    record_all(conn, actor, vec![c.into()]).await
}

/// An entry ready to be written, its snapshots serialised: what a long run (an import of
/// thousands of rows) holds until it writes them, a fraction of the memory of the JSON values.
#[derive(Debug, Clone)]
pub struct Serialized {
    action: &'static str,
    entity: &'static str,
    entity_id: String,
    before: Option<String>,
    after: Option<String>,
}

impl From<Entry> for Serialized {
    fn from(e: Entry) -> Self {
        Serialized {
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id,
            before: e.before.map(|v| v.to_string()),
            after: e.after.map(|v| v.to_string()),
        }
    }
}

/// Record many changes by one actor, in order, a few hundred rows per statement (an import
/// of thousands of rows would otherwise spend a round trip on each).
pub async fn record_all(
    conn: &mut AnyConnection,
    actor: &str,
    entries: Vec<Serialized>,
) -> StoreResult<()> {
    const PER_STATEMENT: usize = 500;
    let now = now_utc();
    let mut entries = entries.into_iter().peekable();
    while entries.peek().is_some() {
        let chunk: Vec<Serialized> = entries.by_ref().take(PER_STATEMENT).collect();
        let rows = (0..chunk.len())
            .map(|i| {
                let b = 3 + i * 5;
                format!(
                    "($1, $2, ${b}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO audit_log (occurred_at, actor, action, entity, entity_id, before_json, \
             after_json) VALUES {rows}"
        );
        let mut q = sqlx::query(&sql).bind(now.clone()).bind(actor.to_string());
        for c in chunk {
            q = q
                .bind(c.action.to_string())
                .bind(c.entity.to_string())
                .bind(c.entity_id)
                .bind(c.before)
                .bind(c.after);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub occurred_at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

/// What to list; empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub entity: Option<String>,
    /// A vendor slug: its own row and every record under it.
    pub vendor: Option<String>,
    /// Inclusive dates, `YYYY-MM-DD`.
    pub from: Option<String>,
    pub to: Option<String>,
}

/// Newest first, `limit` rows after skipping `offset`, and the total matching.
pub async fn list(
    db: &Db,
    q: &AuditQuery,
    limit: u32,
    offset: u64,
) -> StoreResult<(Vec<AuditRow>, i64)> {
    let mut sql = String::from("FROM audit_log WHERE 1 = 1");
    let mut binds: Vec<String> = Vec::new();
    let mut add = |clause: &str, value: String, binds: &mut Vec<String>| {
        binds.push(value);
        sql.push_str(&clause.replace("{}", &format!("${}", binds.len())));
    };
    if let Some(a) = &q.actor {
        add(" AND actor = {}", a.clone(), &mut binds);
    }
    if let Some(e) = &q.entity {
        add(" AND entity = {}", e.clone(), &mut binds);
    }
    if let Some(v) = &q.vendor {
        // the vendor's own row and `slug/...` (slugs hold no LIKE wildcards: a-z, 0-9, '-')
        add(" AND (entity_id = {}", v.clone(), &mut binds);
        add(" OR entity_id LIKE {})", format!("{v}/%"), &mut binds);
    }
    if let Some(f) = &q.from {
        add(" AND occurred_at >= {}", f.clone(), &mut binds);
    }
    if let Some(t) = &q.to {
        // the whole `to` day: timestamps on it sort below the next character after the date
        add(" AND occurred_at < {}", format!("{t}U"), &mut binds);
    }
    let rows_sql = format!(
        "SELECT id, occurred_at, actor, action, entity, entity_id, before_json, after_json {sql} \
         ORDER BY id DESC LIMIT {limit} OFFSET {offset}"
    );
    let mut rq = sqlx::query_as::<Any, AuditRow>(&rows_sql);
    for b in &binds {
        rq = rq.bind(b.clone());
    }
    let rows = rq.fetch_all(&db.pool).await?;
    let count_sql = format!("SELECT COUNT(*) {sql}");
    let mut cq = sqlx::query_scalar::<Any, i64>(&count_sql);
    for b in &binds {
        cq = cq.bind(b.clone());
    }
    Ok((rows, cq.fetch_one(&db.pool).await?))
}

/// The newest audit row's id (0: none yet): every audited write moves it.
pub async fn last_id(db: &Db) -> StoreResult<i64> {
    let (id,) = sqlx::query_as::<Any, (i64,)>("SELECT COALESCE(MAX(id), 0) FROM audit_log")
        .fetch_one(&db.pool)
        .await?;
    Ok(id)
}

/// Who last changed a record and when (RFC 3339), for conflict messages.
pub async fn last_change(db: &Db, entity_id: &str) -> StoreResult<Option<(String, String)>> {
    Ok(sqlx::query_as::<Any, (String, String)>(
        "SELECT actor, occurred_at FROM audit_log WHERE entity_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(entity_id.to_string())
    .fetch_optional(&db.pool)
    .await?)
}
