//! The public vendors of a filter streamed for an export (CSV, XLSX, JSON): the same query
//! as the lists, through a bounded channel in batches, so a download of any size holds a few
//! rows in memory and a client that stops reading cannot keep its connection.

use chrono::NaiveDate;
use sqlx::Any;

use super::{select_public_sql, VendorRow, Where, ORDER};
use crate::{
    domain::RegistryFilter,
    store::{Db, StoreError, StoreResult},
};

/// How long an export waits for a client that has stopped reading.
const EXPORT_STALL: std::time::Duration = std::time::Duration::from_secs(30);
/// The longest an export may hold its slot, however slowly its client reads.
pub const EXPORT_DEADLINE: std::time::Duration = std::time::Duration::from_secs(600);

/// Every public vendor matching `filter`, streamed in registry order through a bounded channel
/// so an export of any size holds only a few rows in memory. `slot` (from `Db::export_slot`)
/// is held until the export ends, at the latest after [`EXPORT_DEADLINE`].
pub fn stream_public(
    db: &Db,
    filter: &RegistryFilter,
    day: NaiveDate,
    slot: tokio::sync::OwnedSemaphorePermit,
) -> tokio::sync::mpsc::Receiver<StoreResult<Vec<VendorRow>>> {
    use futures::StreamExt;
    let (tx, rx) = tokio::sync::mpsc::channel(EXPORT_BATCHES);
    let w = Where::for_filter(filter, day, db.backend);
    let (pool, sqlite) = (db.pool.clone(), db.sqlite_exports.clone());
    tokio::spawn(async move {
        let _slot = slot;
        match sqlite {
            // the same query and rows through sqlx's SQLite driver (see `Db::sqlite_exports`),
            // each row one JSON array
            Some(sqlite) => {
                let sql = format!(
                    "SELECT {PACKED_ROW} FROM ({}) ORDER BY legal_name, id",
                    select_public_sql(&w.sql, "")
                );
                let mut q = sqlx::query_scalar::<sqlx::Sqlite, String>(&sql);
                for b in &w.binds {
                    q = q.bind(b.clone());
                }
                forward(q.fetch(&sqlite).map(unpack), tx).await
            }
            None => {
                let sql = select_public_sql(&w.sql, ORDER);
                forward(
                    w.bind_all(sqlx::query_as::<Any, VendorRow>(&sql))
                        .fetch(&pool),
                    tx,
                )
                .await
            }
        }
    });
    rx
}

/// Rows an export hands on at once, at most: whatever has arrived, so the reader is woken
/// once per batch rather than once per row.
const EXPORT_BATCH: usize = 256;
/// How long an export waits when fewer rows than a batch were ready.
const EXPORT_PAUSE: std::time::Duration = std::time::Duration::from_millis(2);
/// Batches waiting for the export's reader.
const EXPORT_BATCHES: usize = 4;

/// Send `rows` on to `tx` in batches until they end, fail, [`EXPORT_DEADLINE`] passes or the
/// client has read nothing for [`EXPORT_STALL`].
async fn forward(
    rows: impl futures::Stream<Item = Result<VendorRow, sqlx::Error>> + Unpin,
    tx: tokio::sync::mpsc::Sender<StoreResult<Vec<VendorRow>>>,
) {
    use futures::StreamExt;
    let started = std::time::Instant::now();
    let mut batches = rows.ready_chunks(EXPORT_BATCH);
    while let Some(batch) = batches.next().await {
        if batch.len() < EXPORT_BATCH {
            // the database is ahead of no one: let it fill its buffer for a moment rather than
            // wake this task for every row it reads (a futex round trip per row)
            tokio::time::sleep(EXPORT_PAUSE).await;
        }
        if started.elapsed() > EXPORT_DEADLINE {
            tracing::warn!("export stopped: it ran past {EXPORT_DEADLINE:?}");
            return;
        }
        let item = batch
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .map_err(StoreError::from);
        let failed = item.is_err();
        // a client that stops reading must not keep the connection forever
        match tokio::time::timeout(EXPORT_STALL, tx.send(item)).await {
            Ok(Ok(())) if !failed => {}
            Ok(_) => return, // finished with an error, or the client went away
            Err(_) => {
                tracing::warn!("export stopped: the client read nothing for {EXPORT_STALL:?}");
                return;
            }
        }
    }
}

/// The columns of [`select_public_sql`] as one JSON array, in [`VendorRow`]'s field order (the
/// evidence nested in `PackedEvidence`'s). sqlx's SQLite worker copies every value of a row
/// it hands over (about a third of its time for an export of 29 columns); one value per row
/// leaves that work to SQLite's `json_array` and the export's own task, on the other core.
const PACKED_ROW: &str = "json_array(id, version, slug, legal_name, trading_name, \
    parent_company, registration_country, website, privacy_contact, kind, work_location, \
    purpose_category, purpose, transfer_mechanism, announced_on, effective_on, removed_on, \
    sub_processors, status, services, service_names, countries, categories, \
    json_array(ev_enrollments, ev_attestations, ev_assessments, ev_training, ev_contracts), \
    stored_assurance, scope_effective_on)";

/// A row of the SQLite export's packed query (see [`PACKED_ROW`]).
fn unpack(json: Result<String, sqlx::Error>) -> Result<VendorRow, sqlx::Error> {
    serde_json::from_str(&json?).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}
