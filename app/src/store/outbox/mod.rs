//! The outbox: every message the registry sends (a notice by mail or webhook, a confirmation
//! mail, an objection's response, the managers' digest) is a `deliveries` row, written in
//! the transaction that makes it necessary, claimed by one worker at a time and marked sent
//! or failed, never deleted. A change event is turned into deliveries by a fan-out that
//! keeps its cursor (`fanouts`) in the same transaction as each batch.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sqlx::{Any, AnyConnection, FromRow};

use super::{Backend, Db, StoreResult};

mod delivery;
mod listing;

pub use delivery::{message_id, MailPayload, NewDelivery};
pub use listing::{counts, get, list, Counts, Listed};

/// RFC 3339 UTC with milliseconds: the stored form of every timestamp (sorts as time).
pub fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Columns a delivery binds, in order.
const INSERT_COLUMNS: &str = "channel, purpose, dedup_key, change_event_id, subscription_id, \
     endpoint_id, recipient, payload, message_id, status, first_due_at, next_attempt_at, \
     created_at";
const BINDS_PER_ROW: usize = 12;

/// Queue `rows` (those whose key is queued already are skipped); returns how many were new.
/// Rows are written in statements of up to 500.
pub async fn queue(
    conn: &mut AnyConnection,
    rows: &[NewDelivery],
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let at = stamp(now);
    let mut added = 0;
    for chunk in rows.chunks(500) {
        let values = (0..chunk.len())
            .map(|r| {
                let b = r * BINDS_PER_ROW;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, 'pending', ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8,
                    b + 9,
                    b + 10,
                    b + 11,
                    b + 12
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO deliveries ({INSERT_COLUMNS}) VALUES {values} \
             ON CONFLICT (dedup_key) DO NOTHING"
        );
        let mut q = sqlx::query(&sql);
        for d in chunk {
            q = q
                .bind(d.channel)
                .bind(d.purpose)
                .bind(d.dedup_key.clone())
                .bind(d.change_event_id)
                .bind(d.subscription_id)
                .bind(d.endpoint_id)
                .bind(d.recipient.clone())
                .bind(d.payload.clone())
                .bind(d.message_id.clone())
                .bind(at.clone())
                .bind(at.clone())
                .bind(at.clone());
        }
        added += q.execute(&mut *conn).await?.rows_affected();
    }
    Ok(added)
}

/// A fan-out under way: its event and how far through the subscriptions it is.
#[derive(Debug, Clone, FromRow)]
pub struct Fanout {
    pub change_event_id: i64,
    pub next_subscription_id: i64,
}

/// The oldest unfinished fan-out whose event is published by `today`, locked for this
/// transaction (other instances skip it on PostgreSQL; SQLite has one writer).
pub async fn next_fanout(
    conn: &mut AnyConnection,
    backend: Backend,
    today: NaiveDate,
) -> StoreResult<Option<Fanout>> {
    let lock = match backend {
        Backend::Postgres => " FOR UPDATE OF f SKIP LOCKED",
        Backend::Sqlite => "",
    };
    Ok(sqlx::query_as::<Any, Fanout>(&format!(
        "SELECT f.change_event_id, f.next_subscription_id FROM fanouts f \
         JOIN change_events e ON e.id = f.change_event_id \
         WHERE f.done = 0 AND e.announced_on <= $1 ORDER BY f.change_event_id LIMIT 1{lock}"
    ))
    .bind(today.to_string())
    .fetch_optional(&mut *conn)
    .await?)
}

/// Move a fan-out's cursor past subscription `last` (or finish it).
pub async fn advance_fanout(
    conn: &mut AnyConnection,
    change_event_id: i64,
    last: i64,
    done: bool,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE fanouts SET next_subscription_id = $1, done = $2 WHERE change_event_id = $3",
    )
    .bind(last)
    .bind(i64::from(done))
    .bind(change_event_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Fan-outs not finished yet (what is still to be queued).
pub async fn fanouts_pending(db: &Db) -> StoreResult<i64> {
    Ok(
        sqlx::query_scalar::<Any, i64>("SELECT COUNT(*) FROM fanouts WHERE done = 0")
            .fetch_one(&db.pool)
            .await?,
    )
}

/// A stored delivery.
#[derive(Debug, Clone, FromRow)]
pub struct DeliveryRow {
    pub id: i64,
    pub channel: String,
    pub purpose: String,
    pub change_event_id: Option<i64>,
    pub subscription_id: Option<i64>,
    pub endpoint_id: Option<i64>,
    pub recipient: String,
    pub payload: String,
    pub message_id: String,
    pub status: String,
    pub attempts: i64,
    pub first_due_at: String,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

const COLUMNS: &str = "id, channel, purpose, change_event_id, subscription_id, endpoint_id, \
     recipient, payload, message_id, status, attempts, first_due_at, next_attempt_at, \
     last_error, created_at, sent_at";

/// The deliveries of one lane of the worker: mails, or webhook calls. Each lane claims and
/// sends on its own, so a slow webhook endpoint never holds up a confirmation mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    Mail,
    Webhook,
}

impl Lane {
    pub fn channel(self) -> &'static str {
        match self {
            Lane::Mail => "mail",
            Lane::Webhook => "webhook",
        }
    }
}

/// Claim up to `limit` due deliveries of `lane` for `worker` until `until`: each is sent by
/// one worker at a time (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's single writer). A
/// claim that runs out (its worker died mid-send) makes the row due again. A webhook whose
/// endpoint has a delivery claimed already (a call under way, here or on another instance) is
/// left for later: one call at a time per endpoint.
pub async fn claim_due(
    db: &Db,
    worker: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: u32,
    lane: Lane,
) -> StoreResult<Vec<DeliveryRow>> {
    let lock = match db.backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let one_per_endpoint = match lane {
        Lane::Mail => "",
        Lane::Webhook => {
            " AND NOT EXISTS (SELECT 1 FROM deliveries c WHERE c.endpoint_id = d.endpoint_id \
               AND c.status = 'pending' AND c.claimed_until >= $3)"
        }
    };
    let mut tx = super::begin_write(db).await?;
    let rows = sqlx::query_as::<Any, DeliveryRow>(&format!(
        "UPDATE deliveries SET claimed_by = $1, claimed_until = $2 WHERE id IN (\
           SELECT d.id FROM deliveries d WHERE d.status = 'pending' AND d.next_attempt_at <= $3 \
           AND (d.claimed_until IS NULL OR d.claimed_until < $3) AND d.channel = $4{one_per_endpoint} \
           ORDER BY d.next_attempt_at, d.id LIMIT {limit}{lock}) \
         RETURNING {COLUMNS}"
    ))
    .bind(worker.to_string())
    .bind(stamp(until))
    .bind(stamp(now))
    .bind(lane.channel())
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut rows = rows;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

/// Back off an endpoint: its pending deliveries (not claimed by another worker) are not tried
/// before `until`, and those `worker` claimed are given back untried (their tries are not
/// counted). `until` at or before now only gives the claims back.
pub async fn back_off_endpoint(
    db: &Db,
    worker: &str,
    endpoint_id: i64,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let mut tx = super::begin_write(db).await?;
    let n = sqlx::query(
        "UPDATE deliveries SET \
           next_attempt_at = CASE WHEN next_attempt_at < $1 THEN $1 ELSE next_attempt_at END, \
           claimed_by = CASE WHEN claimed_by = $2 THEN NULL ELSE claimed_by END, \
           claimed_until = CASE WHEN claimed_by = $2 THEN NULL ELSE claimed_until END \
         WHERE endpoint_id = $3 AND status = 'pending' \
           AND (claimed_by IS NULL OR claimed_by = $2 OR claimed_until < $4)",
    )
    .bind(stamp(until))
    .bind(worker.to_string())
    .bind(endpoint_id)
    .bind(stamp(now))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(n)
}

/// Give back the claims of `worker` (a restart of the same instance: what it was sending
/// when it stopped is due again at once, instead of when the claims run out).
pub async fn release_claims(db: &Db, worker: &str) -> StoreResult<u64> {
    let mut tx = super::begin_write(db).await?;
    let n = sqlx::query(
        "UPDATE deliveries SET claimed_by = NULL, claimed_until = NULL \
         WHERE claimed_by = $1 AND status = 'pending'",
    )
    .bind(worker.to_string())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(n)
}

/// What became of one try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Sent,
    /// Failed; try again at this time.
    Retry(DateTime<Utc>, String),
    /// Failed for good (retried for three days, or refused for good by the receiver).
    Failed(String),
    /// Not sent, and not to be: its subscription ended or its endpoint was removed first.
    Skipped(String),
}

/// Record the tries of `worker` (one transaction). A row no longer claimed by `worker` (its
/// claim ran out and another worker took it) is left to that worker.
pub async fn record_attempts(
    db: &Db,
    worker: &str,
    results: &[(i64, Attempt)],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    if results.is_empty() {
        return Ok(());
    }
    let at = stamp(now);
    let mut tx = super::begin_write(db).await?;
    for (id, attempt) in results {
        let (status, next, error, sent) = match attempt {
            Attempt::Sent => ("sent", None, None, Some(at.clone())),
            Attempt::Retry(next, e) => ("pending", Some(stamp(*next)), Some(e.clone()), None),
            Attempt::Failed(e) => ("failed", None, Some(e.clone()), None),
            Attempt::Skipped(e) => ("skipped", None, Some(e.clone()), None),
        };
        sqlx::query(
            "UPDATE deliveries SET status = $1, attempts = attempts + 1, \
             next_attempt_at = COALESCE($2, next_attempt_at), last_error = COALESCE($3, last_error), \
             sent_at = $4, claimed_by = NULL, claimed_until = NULL, version = version + 1 \
             WHERE id = $5 AND claimed_by = $6",
        )
        .bind(status)
        .bind(next)
        .bind(error.map(|e| truncate(&e, 500)))
        .bind(sent)
        .bind(*id)
        .bind(worker.to_string())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Send a failed delivery again (a manager's retry): due now, its tries counted afresh for
/// three more days. Whether it was failed.
pub async fn retry(conn: &mut AnyConnection, id: i64, now: DateTime<Utc>) -> StoreResult<bool> {
    let at = stamp(now);
    let res = sqlx::query(
        "UPDATE deliveries SET status = 'pending', attempts = 0, first_due_at = $1, \
         next_attempt_at = $1, claimed_by = NULL, claimed_until = NULL, version = version + 1 \
         WHERE id = $2 AND status = 'failed'",
    )
    .bind(at)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// Stop the pending deliveries to a disabled endpoint (it answered 410 Gone).
pub async fn fail_pending_of_endpoint(
    conn: &mut AnyConnection,
    endpoint_id: i64,
    reason: &str,
) -> StoreResult<u64> {
    Ok(sqlx::query(
        "UPDATE deliveries SET status = 'failed', last_error = $1, version = version + 1 \
         WHERE endpoint_id = $2 AND status = 'pending'",
    )
    .bind(reason.to_string())
    .bind(endpoint_id)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// Whether the digest of `day` is written already (checked before the work of writing it).
pub async fn digest_written(db: &Db, day: NaiveDate) -> StoreResult<bool> {
    Ok(
        sqlx::query_scalar::<Any, i64>("SELECT COUNT(*) FROM reminder_digests WHERE day = $1")
            .bind(day.to_string())
            .fetch_one(&db.pool)
            .await?
            > 0,
    )
}

/// Whether today's managers' digest is still to be written: the first instance to ask on a
/// day gets `true` (in its transaction), every other `false`.
pub async fn take_digest_day(conn: &mut AnyConnection, day: NaiveDate) -> StoreResult<bool> {
    let res = sqlx::query(
        "INSERT INTO reminder_digests (day, created_at) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING",
    )
    .bind(day.to_string())
    .bind(super::now_utc())
    .execute(&mut *conn)
    .await?;
    Ok(res.rows_affected() == 1)
}
