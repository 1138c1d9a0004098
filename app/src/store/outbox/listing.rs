//! The outbox as `/manage/deliveries` and `server deliveries` show it: deliveries by state,
//! one delivery, the counts.

use sqlx::Any;

use super::{DeliveryRow, COLUMNS};
use crate::store::{Db, StoreResult};

/// Which deliveries to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed {
    All,
    Sent,
    /// Pending, never tried yet.
    Pending,
    /// Pending after a failed try.
    Retrying,
    Failed,
    Skipped,
}

impl Listed {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "" | "all" => Listed::All,
            "sent" => Listed::Sent,
            "pending" => Listed::Pending,
            "retrying" => Listed::Retrying,
            "failed" => Listed::Failed,
            "skipped" => Listed::Skipped,
            _ => return None,
        })
    }

    pub fn code(self) -> &'static str {
        match self {
            Listed::All => "all",
            Listed::Sent => "sent",
            Listed::Pending => "pending",
            Listed::Retrying => "retrying",
            Listed::Failed => "failed",
            Listed::Skipped => "skipped",
        }
    }

    fn clause(self) -> &'static str {
        match self {
            Listed::All => "",
            Listed::Sent => "WHERE status = 'sent'",
            Listed::Pending => "WHERE status = 'pending' AND attempts = 0",
            Listed::Retrying => "WHERE status = 'pending' AND attempts > 0",
            Listed::Failed => "WHERE status = 'failed'",
            Listed::Skipped => "WHERE status = 'skipped'",
        }
    }
}

/// One page of deliveries, newest first, and how many match.
pub async fn list(
    db: &Db,
    which: Listed,
    limit: u32,
    offset: u64,
) -> StoreResult<(Vec<DeliveryRow>, i64)> {
    let clause = which.clause();
    let rows = sqlx::query_as::<Any, DeliveryRow>(&format!(
        "SELECT {COLUMNS} FROM deliveries {clause} ORDER BY id DESC LIMIT {limit} OFFSET {offset}"
    ))
    .fetch_all(&db.pool)
    .await?;
    let total =
        sqlx::query_scalar::<Any, i64>(&format!("SELECT COUNT(*) FROM deliveries {clause}"))
            .fetch_one(&db.pool)
            .await?;
    Ok((rows, total))
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Option<DeliveryRow>> {
    Ok(sqlx::query_as::<Any, DeliveryRow>(&format!(
        "SELECT {COLUMNS} FROM deliveries WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?)
}

/// How many deliveries are in each state: (sent, pending, retrying, failed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub sent: i64,
    pub pending: i64,
    pub retrying: i64,
    pub failed: i64,
    pub skipped: i64,
}

pub async fn counts(db: &Db) -> StoreResult<Counts> {
    let rows = sqlx::query_as::<Any, (String, i64, i64)>(
        "SELECT status, CASE WHEN attempts > 0 THEN 1 ELSE 0 END, COUNT(*) FROM deliveries \
         GROUP BY status, CASE WHEN attempts > 0 THEN 1 ELSE 0 END",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut c = Counts::default();
    for (status, tried, n) in rows {
        match (status.as_str(), tried) {
            ("sent", _) => c.sent += n,
            ("failed", _) => c.failed += n,
            ("skipped", _) => c.skipped += n,
            ("pending", 0) => c.pending += n,
            ("pending", _) => c.retrying += n,
            _ => {}
        }
    }
    Ok(c)
}
