//! The verifiable log's tables (migration 0029, `domain::tlog`): leaves appended in the
//! transaction that records their change event, the complete subtrees' hashes, the signed
//! checkpoints and the keys that signed them. Nothing here is ever changed or deleted.

use std::collections::HashMap;

use sqlx::{Any, AnyConnection, FromRow};

mod checks;
mod signed;

pub use checks::*;
pub use signed::*;

use super::{Db, StoreError, StoreResult};
use crate::domain::tlog::{self, leaf::LeafEvent, tree, Hash, Node};

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("log: {what}"))
}

fn hash_of(hex_text: &str) -> StoreResult<Hash> {
    hex::decode(hex_text)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| corrupt(format!("{hex_text:?} is not a hash")))
}

const EVENT: &str = "SELECT id, kind, slug, legal_name, announced_on, effective_on, before_json, \
    after_json, recorded_at FROM change_events";

#[derive(Debug, Clone, FromRow)]
pub struct EventRow {
    pub id: i64,
    pub kind: String,
    pub slug: String,
    pub legal_name: String,
    pub announced_on: String,
    pub effective_on: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub recorded_at: String,
}

impl EventRow {
    pub fn leaf(&self) -> StoreResult<LeafEvent> {
        let scope = |json: &Option<String>| -> StoreResult<Option<serde_json::Value>> {
            json.as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| corrupt(format!("event {}: scope: {e}", self.id)))
        };
        Ok(LeafEvent {
            id: self.id,
            kind: self.kind.clone(),
            slug: self.slug.clone(),
            legal_name: self.legal_name.clone(),
            announced_on: self.announced_on.clone(),
            effective_on: self.effective_on.clone(),
            scope_before: scope(&self.before_json)?,
            scope_after: scope(&self.after_json)?,
            recorded_at: self.recorded_at.clone(),
        })
    }
}

/// The stored hashes of `nodes` (those the log has).
pub async fn nodes(conn: &mut AnyConnection, nodes: &[Node]) -> StoreResult<HashMap<Node, Hash>> {
    let mut found = HashMap::with_capacity(nodes.len());
    // a few hundred at most (a proof in a log of a million reads about forty)
    for chunk in nodes.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT pos, hash FROM log_nodes WHERE pos IN ({})",
            marks.join(", ")
        );
        let mut q = sqlx::query_as::<Any, (i64, String)>(&sql);
        for n in chunk {
            q = q.bind(n.key());
        }
        for (pos, hash) in q.fetch_all(&mut *conn).await? {
            found.insert(Node::from_key(pos), hash_of(&hash)?);
        }
    }
    Ok(found)
}

/// Run `walk` over the stored nodes: the nodes it needs read in one query first.
pub async fn over_nodes<T>(
    conn: &mut AnyConnection,
    walk: impl Fn(&mut dyn FnMut(Node) -> Option<Hash>) -> Result<T, tree::Missing>,
) -> StoreResult<T> {
    let needed = tree::needs(&walk);
    let found = nodes(conn, &needed).await?;
    walk(&mut |n| found.get(&n).copied()).map_err(corrupt)
}

/// Append the change events `ids` (recorded, in order) to the log, in this transaction:
/// their leaves, and each subtree they complete. Appends queue on the head row
/// (PostgreSQL's row lock; SQLite's write lock), so the log has one order whichever instance
/// records. A few statements whatever their number: the events read a chunk at a time, the
/// nodes the first needs read once, the rest computed here, written in chunks.
async fn append_many_in(conn: &mut AnyConnection, ids: &[i64]) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let start = sqlx::query_scalar::<Any, i64>(
        "UPDATE log_head SET size = size + $1 WHERE one = 1 RETURNING size - $1",
    )
    .bind(ids.len() as i64)
    .fetch_one(&mut *conn)
    .await?;
    let start = u64::try_from(start).map_err(|_| corrupt("a negative size"))?;
    let mut events = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!("{EVENT} WHERE id IN ({})", marks.join(", "));
        let mut q = sqlx::query_as::<Any, EventRow>(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for row in q.fetch_all(&mut *conn).await? {
            events.insert(row.id, row);
        }
    }
    // the complete subtrees the tree of `start` leaves is made of: the only old nodes any
    // of the new leaves can close a subtree with
    let frontier = tree::needs(|get| tree::root(start, get));
    let mut known = nodes(conn, &frontier).await?;
    let mut leaves = Vec::with_capacity(ids.len());
    let mut made = Vec::with_capacity(ids.len() * 2);
    for (i, id) in ids.iter().enumerate() {
        let event = events
            .get(id)
            .ok_or_else(|| corrupt(format!("no change event {id}")))?;
        let bytes = event.leaf()?.bytes().map_err(corrupt)?;
        let hash = tlog::leaf_hash(&bytes);
        let index = start + i as u64;
        let new = tree::append(index, hash, &mut |n| known.get(&n).copied()).map_err(corrupt)?;
        for (node, h) in &new {
            known.insert(*node, *h);
        }
        made.extend(new);
        leaves.push((
            index as i64,
            *id,
            String::from_utf8(bytes).map_err(corrupt)?,
            hash,
        ));
    }
    for chunk in leaves.chunks(250) {
        let marks: Vec<String> = (0..chunk.len())
            .map(|i| {
                format!(
                    "(${}, ${}, ${}, ${})",
                    4 * i + 1,
                    4 * i + 2,
                    4 * i + 3,
                    4 * i + 4
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO log_leaves (idx, change_event_id, leaf, hash) VALUES {}",
            marks.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (idx, id, leaf, hash) in chunk {
            q = q
                .bind(*idx)
                .bind(*id)
                .bind(leaf.clone())
                .bind(hex::encode(hash));
        }
        q.execute(&mut *conn).await?;
    }
    for chunk in made.chunks(500) {
        let marks: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
            .collect();
        let sql = format!(
            "INSERT INTO log_nodes (pos, hash) VALUES {}",
            marks.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (node, hash) in chunk {
            q = q.bind(node.key()).bind(hex::encode(hash));
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Append the events this transaction recorded (`log_pending`) to the log, just before it
/// commits: no event is public without its leaf. Cheap when there are none (one read).
/// Pending rows another transaction committed (none, unless a path forgot this call) are
/// appended too. How many.
pub async fn append_pending(conn: &mut AnyConnection) -> StoreResult<u64> {
    let any = sqlx::query_scalar::<Any, i64>("SELECT change_event_id FROM log_pending LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    if any.is_none() {
        return Ok(0);
    }
    // the head first: after its lock, pending rows another appender took are gone
    sqlx::query("UPDATE log_head SET size = size WHERE one = 1")
        .execute(&mut *conn)
        .await?;
    let ids = sqlx::query_scalar::<Any, i64>(
        "SELECT change_event_id FROM log_pending ORDER BY change_event_id",
    )
    .fetch_all(&mut *conn)
    .await?;
    append_many_in(conn, &ids).await?;
    sqlx::query("DELETE FROM log_pending")
        .execute(&mut *conn)
        .await?;
    Ok(ids.len() as u64)
}

/// Append change events whose transaction committed without appending them (a path that
/// recorded an event and forgot `append_pending`): the outbox worker's safety net, a read
/// when there are none. How many.
pub async fn append_leftovers(db: &Db) -> StoreResult<u64> {
    let any = sqlx::query_scalar::<Any, i64>("SELECT change_event_id FROM log_pending LIMIT 1")
        .fetch_optional(&db.pool)
        .await?;
    if any.is_none() {
        return Ok(0);
    }
    let mut tx = super::begin_write(db).await?;
    let n = append_pending(&mut tx).await?;
    tx.commit().await?;
    Ok(n)
}

/// Change events not in the log yet, oldest first (at most `limit`): what a database from
/// before the log, or restored from one, still has to enter.
pub async fn unlogged(conn: &mut AnyConnection, limit: i64) -> StoreResult<Vec<i64>> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "SELECT e.id FROM change_events e LEFT JOIN log_leaves l ON l.change_event_id = e.id \
         WHERE l.idx IS NULL ORDER BY e.id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?)
}

/// How many leaves the log has.
pub async fn size(conn: &mut AnyConnection) -> StoreResult<u64> {
    let size = sqlx::query_scalar::<Any, i64>("SELECT size FROM log_head WHERE one = 1")
        .fetch_one(&mut *conn)
        .await?;
    u64::try_from(size).map_err(|_| corrupt("a negative size"))
}

/// One leaf as stored.
#[derive(Debug, Clone, FromRow)]
pub struct LeafRow {
    pub idx: i64,
    pub change_event_id: i64,
    pub leaf: String,
    pub hash: String,
}

/// The leaves `start..end`, in order.
pub async fn leaves(db: &Db, start: u64, end: u64) -> StoreResult<Vec<LeafRow>> {
    Ok(sqlx::query_as::<Any, LeafRow>(
        "SELECT idx, change_event_id, leaf, hash FROM log_leaves \
         WHERE idx >= $1 AND idx < $2 ORDER BY idx",
    )
    .bind(start as i64)
    .bind(end as i64)
    .fetch_all(&db.pool)
    .await?)
}

/// The leaf of the change event `event_id`, if it is in the log.
pub async fn leaf_of_event(db: &Db, event_id: i64) -> StoreResult<Option<LeafRow>> {
    Ok(sqlx::query_as::<Any, LeafRow>(
        "SELECT idx, change_event_id, leaf, hash FROM log_leaves WHERE change_event_id = $1",
    )
    .bind(event_id)
    .fetch_optional(&db.pool)
    .await?)
}

/// The leaves of the change events `ids` (those in the log), by event id, 500 to a query.
pub async fn leaves_of_events(db: &Db, ids: &[i64]) -> StoreResult<HashMap<i64, LeafRow>> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT idx, change_event_id, leaf, hash FROM log_leaves \
             WHERE change_event_id IN ({})",
            marks.join(", ")
        );
        let mut q = sqlx::query_as::<Any, LeafRow>(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for row in q.fetch_all(&db.pool).await? {
            out.insert(row.change_event_id, row);
        }
    }
    Ok(out)
}

/// Every leaf with the change event it was made from, in the log's order, `batch` at a time
/// from `after` (exclusive; -1 for the first): for `log verify`.
pub async fn leaves_with_events(
    db: &Db,
    after: i64,
    batch: i64,
) -> StoreResult<Vec<(LeafRow, Option<EventRow>)>> {
    #[derive(FromRow)]
    struct Joined {
        idx: i64,
        change_event_id: i64,
        leaf: String,
        hash: String,
        id: Option<i64>,
        kind: Option<String>,
        slug: Option<String>,
        legal_name: Option<String>,
        announced_on: Option<String>,
        effective_on: Option<String>,
        before_json: Option<String>,
        after_json: Option<String>,
        recorded_at: Option<String>,
    }
    let rows = sqlx::query_as::<Any, Joined>(
        "SELECT l.idx, l.change_event_id, l.leaf, l.hash, e.id, e.kind, e.slug, e.legal_name, \
         e.announced_on, e.effective_on, e.before_json, e.after_json, e.recorded_at \
         FROM log_leaves l LEFT JOIN change_events e ON e.id = l.change_event_id \
         WHERE l.idx > $1 ORDER BY l.idx LIMIT $2",
    )
    .bind(after)
    .bind(batch)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let event = match (r.id, r.kind, r.slug, r.legal_name) {
                (Some(id), Some(kind), Some(slug), Some(legal_name)) => Some(EventRow {
                    id,
                    kind,
                    slug,
                    legal_name,
                    announced_on: r.announced_on.unwrap_or_default(),
                    effective_on: r.effective_on.unwrap_or_default(),
                    before_json: r.before_json,
                    after_json: r.after_json,
                    recorded_at: r.recorded_at.unwrap_or_default(),
                }),
                _ => None,
            };
            (
                LeafRow {
                    idx: r.idx,
                    change_event_id: r.change_event_id,
                    leaf: r.leaf,
                    hash: r.hash,
                },
                event,
            )
        })
        .collect())
}

/// Every stored node, for `log verify` (about two per leaf).
pub async fn all_nodes(db: &Db) -> StoreResult<HashMap<Node, Hash>> {
    let rows = sqlx::query_as::<Any, (i64, String)>("SELECT pos, hash FROM log_nodes")
        .fetch_all(&db.pool)
        .await?;
    rows.into_iter()
        .map(|(pos, hash)| Ok((Node::from_key(pos), hash_of(&hash)?)))
        .collect()
}

/// Enter every change event not in the log yet, oldest first, a thousand to a transaction
/// (a database from before the log, or one restored from such a backup): the log then starts
/// with every event already recorded. How many were entered.
pub async fn catch_up(db: &Db) -> StoreResult<u64> {
    let mut total = 0u64;
    loop {
        let mut tx = super::begin_write(db).await?;
        let events = sqlx::query_scalar::<Any, i64>("SELECT COUNT(*) FROM change_events")
            .fetch_one(&mut *tx)
            .await?;
        // nothing left: the write lock (BEGIN IMMEDIATE) is let go now, not whenever the
        // dropped transaction's rollback reaches the connection (a test's first write right
        // after `migrate` found the database locked)
        if u64::try_from(events).unwrap_or(0) == size(&mut tx).await? {
            tx.rollback().await?;
            return Ok(total);
        }
        let ids = unlogged(&mut tx, 1000).await?;
        if ids.is_empty() {
            tx.rollback().await?;
            return Ok(total);
        }
        append_many_in(&mut tx, &ids).await?;
        sqlx::query("DELETE FROM log_pending")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        total += ids.len() as u64;
    }
}
