//! Each vendor's stored public assurance (`vendor_assurance`): derived data, computed by the
//! app from the evidence with the one rule (`domain::compliance`) and kept while it holds.
//! Triggers on every table the rule reads mark a row stale and bump its `stamp` in the
//! writer's transaction (migration 0013); a result is stored only for the stamp read with its
//! evidence, so a result raced by a change is dropped, never kept.

use chrono::NaiveDate;
use sqlx::{Any, Connection, Executor, FromRow};

use super::{vendors::VendorRow, Backend, Db, StoreResult};

/// Rows (`va`) that do not hold for the day bound as `$1`: changed since computed, past their
/// `steady_until`, or computed for a later day. Each term has its own index.
/// (Its negation, for the public lists, is `vendors::HOLDS`.)
const STALE: &str = "(va.stale = 1 OR va.steady_until <= $1 OR va.computed_on > $1)";

/// A vendor whose stored assurance does not hold for the day, with its evidence and the
/// stamp they were read with (the same statement: one snapshot).
#[derive(Debug, FromRow)]
pub struct StaleRow {
    #[sqlx(flatten)]
    pub row: VendorRow,
    pub assurance_stamp: i64,
}

/// The next `limit` vendors after id `after` (in id order) whose stored assurance does not
/// hold on `day`.
pub async fn stale_rows(
    db: &Db,
    day: NaiveDate,
    after: i64,
    limit: u32,
) -> StoreResult<Vec<StaleRow>> {
    let sql = super::vendors::select_sql_with(
        "(SELECT stamp FROM vendor_assurance WHERE vendor_id = v.id) AS assurance_stamp",
        &format!(
            "v.id IN (SELECT va.vendor_id FROM vendor_assurance va WHERE {STALE} \
             AND va.vendor_id > $2 ORDER BY va.vendor_id LIMIT {limit})"
        ),
        "ORDER BY v.id",
    );
    Ok(sqlx::query_as::<Any, StaleRow>(&sql)
        .bind(day.to_string())
        .bind(after)
        .fetch_all(&db.pool)
        .await?)
}

/// One vendor's assurance as computed for a day, to be stored.
#[derive(Debug, Clone)]
pub struct Computed {
    pub vendor_id: i64,
    /// The stamp read with the evidence it was computed from.
    pub stamp: i64,
    pub computed_on: NaiveDate,
    pub steady_until: Option<NaiveDate>,
    /// `Standing::code`.
    pub standing: &'static str,
    /// `PublicAssurance`, JSON.
    pub assurance: String,
}

/// A stored assurance (the `assurance` column) read back.
pub fn parse(json: &str) -> StoreResult<crate::domain::compliance::PublicAssurance> {
    serde_json::from_str(json)
        .map_err(|e| super::StoreError::Corrupt(format!("stored assurance: {e}")))
}

/// Store computed results in one transaction; how many were kept (a row whose stamp moved
/// since, or that a writer holds locked, is left stale). `None` when the database was busy
/// with a writer (SQLite's one write lock stayed taken for a moment): the caller goes on
/// without the stored data rather than wait behind a long import.
pub async fn store(db: &Db, results: &[Computed]) -> StoreResult<Option<usize>> {
    if results.is_empty() {
        return Ok(Some(0));
    }
    let mut conn = db.pool.acquire().await?;
    if db.backend == Backend::Sqlite {
        conn.execute("PRAGMA busy_timeout = 200").await?;
    }
    let outcome = store_on(&mut conn, db.backend, results).await;
    if db.backend == Backend::Sqlite {
        if let Err(e) = conn.execute("PRAGMA busy_timeout = 5000").await {
            // a connection that kept the short timeout must not go back to the pool
            conn.detach();
            return Err(e.into());
        }
    }
    outcome
}

async fn store_on(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    results: &[Computed],
) -> StoreResult<Option<usize>> {
    let begun = match backend {
        Backend::Sqlite => conn.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => conn.begin().await,
    };
    let mut tx = match begun {
        Err(sqlx::Error::Database(e)) if e.message().contains("locked") => return Ok(None),
        Err(e) => return Err(e.into()),
        Ok(tx) => tx,
    };
    let sql = match backend {
        Backend::Sqlite => UPDATE.to_string(),
        // a row a writer holds is being changed: skip it rather than wait
        Backend::Postgres => format!(
            "{UPDATE} AND vendor_id IN (SELECT vendor_id FROM vendor_assurance \
             WHERE vendor_id = $6 FOR UPDATE SKIP LOCKED)"
        ),
    };
    let mut kept = 0;
    for c in results {
        let done = sqlx::query::<Any>(&sql)
            .bind(c.computed_on.to_string())
            .bind(c.steady_until.map(|d| d.to_string()))
            .bind(c.standing)
            .bind(c.assurance.as_str())
            .bind(c.stamp)
            .bind(c.vendor_id)
            .execute(&mut *tx)
            .await?;
        kept += done.rows_affected() as usize;
    }
    tx.commit().await?;
    Ok(Some(kept))
}

const UPDATE: &str = "UPDATE vendor_assurance SET computed_on = $1, steady_until = $2, \
    standing = $3, assurance = $4, stale = 0 WHERE stamp = $5 AND vendor_id = $6";

/// Mark every vendor's stored assurance stale (and add any row missing): `server recompute`.
pub async fn mark_all_stale(db: &Db) -> StoreResult<u64> {
    let mut tx = super::begin_write(db).await?;
    sqlx::query::<Any>(
        "INSERT INTO vendor_assurance (vendor_id) SELECT id FROM vendors \
         WHERE id NOT IN (SELECT vendor_id FROM vendor_assurance)",
    )
    .execute(&mut *tx)
    .await?;
    let n = sqlx::query::<Any>("UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1")
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(n)
}

/// How many vendors' stored assurance does not hold on `day`.
pub async fn count_stale(db: &Db, day: NaiveDate) -> StoreResult<i64> {
    Ok(sqlx::query_scalar::<Any, i64>(&format!(
        "SELECT COUNT(*) FROM vendor_assurance va WHERE {STALE}"
    ))
    .bind(day.to_string())
    .fetch_one(&db.pool)
    .await?)
}

/// A stored row as it is (checks and tests).
#[derive(Debug, Clone, FromRow)]
pub struct StoredAssurance {
    pub vendor_id: i64,
    pub slug: String,
    pub stale: i64,
    pub computed_on: Option<String>,
    pub steady_until: Option<String>,
    pub standing: Option<String>,
    pub assurance: Option<String>,
}

/// Every vendor's stored assurance, by vendor id.
pub async fn stored_all(db: &Db) -> StoreResult<Vec<StoredAssurance>> {
    Ok(sqlx::query_as::<Any, StoredAssurance>(
        "SELECT va.vendor_id, v.slug, va.stale, va.computed_on, va.steady_until, va.standing, \
         va.assurance FROM vendor_assurance va JOIN vendors v ON v.id = va.vendor_id \
         ORDER BY va.vendor_id",
    )
    .fetch_all(&db.pool)
    .await?)
}
