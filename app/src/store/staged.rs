//! An import applied on SQLite without holding the write lock while its rows run: the rows
//! run, and commit, on a private copy of the database ([`PrivateCopy`]); then what they wrote
//! is published to the real database in one short set-based transaction (the copy attached,
//! `INSERT ... SELECT` per table). Sign-in, subscribing and the outbox wait at most for that
//! transaction, not for the run.
//!
//! Between the copy and the publish other writers go on. The publish refuses (and writes
//! nothing) when any of them touched what the run read or wrote: a vendor the run changed
//! (its version moved), a row appended to a table the run appends to (the run's new ids would
//! be taken, and the audit trail names evidence by id), or the services, data categories or
//! training courses the rows were checked against. The caller then runs the import again on
//! a fresh copy.
//!
//! What an import writes, and so what is carried: `vendors` (new and changed rows), their
//! `vendor_services`, `vendor_countries` and `vendor_data_categories`, `change_events` and
//! their `fanouts`, `training_records`, its `audit_log` rows (new ids, the publish's time), and
//! its part of the verifiable log (`log_leaves`, the `log_nodes` its leaves completed, the
//! size in `log_head`: the copy's log stood where the real one did, since nothing else
//! appends to the log without appending to `change_events`). The
//! tables the real database's triggers keep (`vendor_assurance`, `vendor_search`,
//! `registry_version`) are kept by those triggers as the rows arrive. [`Fingerprint`] checks,
//! on the copy, that a run wrote nowhere else: a new write in the import's path that this
//! module does not carry fails every apply in the tests instead of being lost.

use sqlx::{Any, Connection, Row};

use super::{now_utc, private_copy::PrivateCopy, Db, StoreError, StoreResult};

/// The tables a run appends to, with their key column: their greatest key at the copy's
/// moment is where the run's rows start.
const APPENDED: [(&str, &str); 4] = [
    ("vendors", "id"),
    ("change_events", "id"),
    ("fanouts", "change_event_id"),
    ("training_records", "id"),
];

/// A vendor's rows in other tables, replaced whole for each vendor the run wrote.
const VENDOR_PARTS: [&str; 3] = [
    "vendor_services",
    "vendor_countries",
    "vendor_data_categories",
];

/// The verifiable log's tables, carried by their own statements.
const LOG: [&str; 4] = ["log_leaves", "log_nodes", "log_head", "log_pending"];

/// The lists rows are checked against: they must not have moved when the run is published.
const CHECKED_AGAINST: [&str; 3] = ["services", "data_categories", "training_courses"];

/// Tables a run changes only through triggers (the real database's triggers keep them), the
/// audit trail (carried by its own statement) and SQLite's own (`sqlite_sequence`).
fn derived(table: &str) -> bool {
    matches!(table, "vendor_assurance" | "registry_version" | "audit_log")
        || table.starts_with("vendor_search")
        || table.starts_with("sqlite_")
}

/// Where the copy stood before the run: the greatest key of each appended table, and the
/// AUTOINCREMENT counters (an id handed out and deleted meanwhile is never handed out again).
#[derive(Debug, Clone)]
pub struct Marks {
    keys: Vec<i64>,
    sequences: String,
    /// The greatest audit row id: the run's audit rows are those after it (written on the
    /// copy, carried over as new rows; nothing refers to an audit row's id).
    audit: i64,
    /// The log's size: the run's leaves are those from it on.
    log: i64,
}

impl Marks {
    /// Read on `conn` (the copy before the run, or the real database at publish time), in
    /// the schema `schema` (`main` for either's own tables).
    async fn read(conn: &mut sqlx::AnyConnection, schema: &str) -> StoreResult<Marks> {
        let mut keys = Vec::with_capacity(APPENDED.len());
        for (table, key) in APPENDED {
            let n: i64 = sqlx::query_scalar::<Any, i64>(&format!(
                "SELECT COALESCE(MAX({key}), 0) FROM {schema}.{table}"
            ))
            .fetch_one(&mut *conn)
            .await?;
            keys.push(n);
        }
        let sequences: String = sqlx::query_scalar::<Any, String>(&format!(
            "SELECT COALESCE(group_concat(name || '=' || seq, ' '), '') FROM \
             (SELECT name, seq FROM {schema}.sqlite_sequence WHERE name IN \
             ('vendors', 'change_events', 'fanouts', 'training_records') ORDER BY name)"
        ))
        .fetch_one(&mut *conn)
        .await?;
        let audit: i64 = sqlx::query_scalar::<Any, i64>(&format!(
            "SELECT COALESCE(MAX(id), 0) FROM {schema}.audit_log"
        ))
        .fetch_one(&mut *conn)
        .await?;
        let log: i64 = sqlx::query_scalar::<Any, i64>(&format!(
            "SELECT size FROM {schema}.log_head WHERE one = 1"
        ))
        .fetch_one(&mut *conn)
        .await?;
        Ok(Marks {
            keys,
            sequences,
            audit,
            log,
        })
    }

    /// Whether another writer appended to a table the run appends to since `self`.
    fn moved_since(&self, before: &Marks) -> bool {
        self.keys != before.keys || self.sequences != before.sequences || self.log != before.log
    }

    /// The marks of the copy `copy`, before its run.
    pub async fn of(copy: &Db) -> StoreResult<Marks> {
        let mut conn = copy.pool.acquire().await?;
        Marks::read(&mut conn, "main").await
    }

    fn key(&self, table: &str) -> i64 {
        APPENDED
            .iter()
            .position(|(t, _)| *t == table)
            .map(|i| self.keys[i])
            .unwrap_or(0)
    }
}

/// Row count and greatest rowid of every table a publish does not carry: taken on the copy
/// before and after the run, they must be equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint(Vec<(String, i64, i64)>);

impl Fingerprint {
    pub async fn of(copy: &Db) -> StoreResult<Fingerprint> {
        let mut conn = copy.pool.acquire().await?;
        let tables: Vec<String> = sqlx::query_scalar::<Any, String>(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
        )
        .fetch_all(&mut *conn)
        .await?;
        let carried = |t: &str| {
            APPENDED.iter().any(|(a, _)| *a == t)
                || VENDOR_PARTS.contains(&t)
                || LOG.contains(&t)
                || derived(t)
        };
        let mut out = Vec::new();
        for table in tables.into_iter().filter(|t| !carried(t)) {
            // every table here has a rowid (none is declared WITHOUT ROWID)
            let row = sqlx::query(&format!(
                "SELECT COUNT(*), COALESCE(MAX(rowid), 0) FROM \"{}\"",
                table.replace('"', "\"\"")
            ))
            .fetch_one(&mut *conn)
            .await?;
            out.push((table, row.try_get::<i64, _>(0)?, row.try_get::<i64, _>(1)?));
        }
        Ok(Fingerprint(out))
    }

    /// The tables whose rows differ between `self` (before) and `after`.
    pub fn moved(&self, after: &Fingerprint) -> Vec<String> {
        let mut moved: Vec<String> = after
            .0
            .iter()
            .filter(|a| !self.0.contains(a))
            .map(|(t, _, _)| t.clone())
            .collect();
        moved.extend(
            self.0
                .iter()
                .filter(|b| !after.0.iter().any(|a| a.0 == b.0))
                .map(|(t, _, _)| t.clone()),
        );
        moved
    }
}

/// Publish to `db` what the run on `copy` wrote since `marks` (`changed`: the existing
/// vendors the run changed, with their version at the copy's moment), in one transaction. `Ok(false)`: another writer moved something the run depends on; nothing was
/// written, and the run must be done again on a fresh copy.
pub async fn publish(
    db: &Db,
    copy: &PrivateCopy,
    marks: &Marks,
    changed: &[(i64, i64)],
) -> StoreResult<bool> {
    let started = std::time::Instant::now();
    let mut conn = db.pool.acquire().await?;
    sqlx::query("ATTACH DATABASE $1 AS staged")
        .bind(copy.path().to_string())
        .execute(&mut *conn)
        .await?;
    let result = publish_attached(&mut conn, marks, changed).await;
    if matches!(result, Ok(true)) {
        checkpoint_after(&mut conn).await;
    }
    // the transaction is over (committed, or rolled back when dropped): the copy can go
    if sqlx::query("DETACH DATABASE staged")
        .execute(&mut *conn)
        .await
        .is_err()
    {
        // a connection with the copy still attached must not go back to the pool
        let _ = conn.detach().close().await;
    }
    tracing::info!(
        published = ?result.as_ref().ok(),
        took_ms = started.elapsed().as_millis() as u64,
        "import publish"
    );
    result
}

/// The publish left megabytes in the write-ahead log. SQLite's automatic checkpoint copies
/// them into the database in whichever connection commits next: a sign-in's, which then took
/// seconds. Copy them here instead, again until all are copied (a reader still on an older
/// snapshot holds some back) or about two seconds have passed. A passive checkpoint holds no
/// lock that writers wait for, and while it runs another connection's automatic checkpoint
/// finds it busy and skips.
async fn checkpoint_after(conn: &mut sqlx::AnyConnection) {
    for _ in 0..40 {
        let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&mut *conn)
            .await;
        let done = match row {
            Ok(r) => {
                let (log, copied) = (
                    r.try_get::<i64, _>(1).unwrap_or(0),
                    r.try_get::<i64, _>(2).unwrap_or(0),
                );
                copied >= log
            }
            Err(_) => true,
        };
        if done {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn publish_attached(
    conn: &mut sqlx::AnyConnection,
    marks: &Marks,
    changed: &[(i64, i64)],
) -> StoreResult<bool> {
    let changed = serde_json::to_string(changed)
        .map_err(|e| StoreError::Corrupt(format!("vendor ids: {e}")))?;
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    if Marks::read(&mut tx, "main").await?.moved_since(marks) {
        return Ok(false);
    }
    let moved: i64 = sqlx::query_scalar::<Any, i64>(
        "SELECT COUNT(*) FROM json_each($1) AS j LEFT JOIN main.vendors AS m \
         ON m.id = json_extract(j.value, '$[0]') \
         WHERE m.id IS NULL OR m.version <> json_extract(j.value, '$[1]')",
    )
    .bind(changed.clone())
    .fetch_one(&mut *tx)
    .await?;
    if moved > 0 {
        return Ok(false);
    }
    for table in CHECKED_AGAINST {
        let differ: i64 = sqlx::query_scalar::<Any, i64>(&format!(
            "SELECT (SELECT COUNT(*) FROM (SELECT * FROM main.{table} EXCEPT \
             SELECT * FROM staged.{table})) + (SELECT COUNT(*) FROM (SELECT * FROM \
             staged.{table} EXCEPT SELECT * FROM main.{table}))"
        ))
        .fetch_one(&mut *tx)
        .await?;
        if differ > 0 {
            return Ok(false);
        }
    }

    const CHANGED: &str = "SELECT json_extract(value, '$[0]') FROM json_each($1)";
    let vendor_mark = marks.key("vendors");
    let columns: Vec<String> = sqlx::query_scalar::<Any, String>(
        "SELECT name FROM pragma_table_info('vendors', 'staged') WHERE name <> 'id' ORDER BY cid",
    )
    .fetch_all(&mut *tx)
    .await?;
    if columns.is_empty() {
        return Err(StoreError::Corrupt(
            "the staged copy has no vendors table".into(),
        ));
    }
    let list = columns.join(", ");
    sqlx::query(&format!(
        "UPDATE main.vendors SET ({list}) = (SELECT {list} FROM staged.vendors AS s \
         WHERE s.id = main.vendors.id) WHERE id IN ({CHANGED})"
    ))
    .bind(changed.clone())
    .execute(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO main.vendors SELECT * FROM staged.vendors WHERE id > $1")
        .bind(vendor_mark)
        .execute(&mut *tx)
        .await?;
    for part in VENDOR_PARTS {
        sqlx::query(&format!(
            "DELETE FROM main.{part} WHERE vendor_id IN ({CHANGED})"
        ))
        .bind(changed.clone())
        .execute(&mut *tx)
        .await?;
        // two statements, so each finds its rows through the key (an OR would scan them all)
        sqlx::query(&format!(
            "INSERT INTO main.{part} SELECT * FROM staged.{part} WHERE vendor_id IN ({CHANGED})"
        ))
        .bind(changed.clone())
        .execute(&mut *tx)
        .await?;
        sqlx::query(&format!(
            "INSERT INTO main.{part} SELECT * FROM staged.{part} WHERE vendor_id > $1"
        ))
        .bind(vendor_mark)
        .execute(&mut *tx)
        .await?;
    }
    for (table, key) in APPENDED.iter().filter(|(t, _)| *t != "vendors") {
        sqlx::query(&format!(
            "INSERT INTO main.{table} SELECT * FROM staged.{table} WHERE {key} > $1 ORDER BY {key}"
        ))
        .bind(marks.key(table))
        .execute(&mut *tx)
        .await?;
    }
    // the run's part of the log: its leaves, the subtrees they completed (a node's last leaf
    // is at or past the mark), its size
    sqlx::query(
        "INSERT INTO main.log_leaves SELECT * FROM staged.log_leaves WHERE idx >= $1 ORDER BY idx",
    )
    .bind(marks.log)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO main.log_nodes SELECT * FROM staged.log_nodes \
         WHERE (((pos >> 6) + 1) << (pos & 63)) > $1",
    )
    .bind(marks.log)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE main.log_head SET size = (SELECT size FROM staged.log_head WHERE one = 1)")
        .execute(&mut *tx)
        .await?;
    // the run's audit rows, stamped with the moment they are published
    sqlx::query(
        "INSERT INTO main.audit_log (occurred_at, actor, action, entity, entity_id, \
         before_json, after_json) SELECT $1, actor, action, entity, entity_id, before_json, \
         after_json FROM staged.audit_log WHERE id > $2 ORDER BY id",
    )
    .bind(now_utc())
    .bind(marks.audit)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}
