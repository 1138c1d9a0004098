//! The one row pipeline of every export (CSV, Excel, JSON): the public vendors matching a
//! filter, for today or for a past day, in registry order and in batches, each in the one
//! public view. Today's come from the store through a bounded channel (`stream_public`), each
//! judged by its stored assurance where that holds today, else by its evidence, and kept if it
//! has the compliance asked for; a past day's are the registry replayed from the change
//! events. A format's sink (`server::http::routes::export`) takes the batches and never reads
//! the store or the registry itself, so the formats cannot list different vendors.

use chrono::NaiveDate;
use tokio::sync::OwnedSemaphorePermit;

use super::{registry_on, view::PublicVendor, AssuranceMemo, Kept};
use crate::{
    domain::{changes::AsOfEntry, filter::admits, RegistryFilter},
    error::AppError,
    request::heavy,
    store::{changes, vendors, vendors::VendorRow, Db, StoreResult},
};

/// Vendors of a past day handed on at once.
const PAST_BATCH: usize = 256;

/// What an export holds while it runs, besides its export slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    /// Encoding is cheap beside reading (CSV, Excel's writer thread).
    Export,
    /// Encoding keeps a core busy (JSON): a heavy-work permit too, so the heavy work running
    /// at once, and the CPU it takes from cheap pages and health checks, stays bounded.
    Heavy,
}

/// The public vendors of one export, batch after batch.
pub struct PublicVendors {
    /// The day the list is for: today, or the past day asked for.
    day: NaiveDate,
    source: Source,
}

enum Source {
    Today {
        authorized: Option<bool>,
        rows: tokio::sync::mpsc::Receiver<StoreResult<Vec<VendorRow>>>,
        memo: AssuranceMemo,
        /// Held until the export ends (the export slot is held by the reader of `rows`).
        _heavy: Option<OwnedSemaphorePermit>,
    },
    Past(std::vec::IntoIter<AsOfEntry>),
}

impl PublicVendors {
    /// The vendors matching `filter` on its `as_of` day when that is before `today`, else
    /// today. Today's list takes an export slot (and for [`Weight::Heavy`] a heavy-work permit)
    /// held until it ends; a past day's is replayed under a heavy-work permit first (small: one
    /// entry per vendor listed that day). [`AppError::Busy`] when no slot is free.
    pub async fn open(
        db: &Db,
        kept: &Kept,
        filter: &RegistryFilter,
        today: NaiveDate,
        weight: Weight,
    ) -> Result<Self, AppError> {
        if let Some(day) = filter.as_of.filter(|d| *d < today) {
            let (entries, _) = heavy(db, registry_on(db, kept, filter, day, None)).await?;
            return Ok(PublicVendors {
                day,
                source: Source::Past(entries.into_iter()),
            });
        }
        // the slots first: no work starts without them
        let slot = db.export_slot().await.ok_or(AppError::Busy)?;
        let heavy = match weight {
            Weight::Export => None,
            Weight::Heavy => Some(db.heavy_slot().await.ok_or(AppError::Busy)?),
        };
        Ok(PublicVendors {
            day: today,
            source: Source::Today {
                authorized: filter.authorized,
                rows: vendors::stream_public(db, filter, today, slot),
                memo: AssuranceMemo::default(),
                _heavy: heavy,
            },
        })
    }

    /// The day the list is for.
    pub fn day(&self) -> NaiveDate {
        self.day
    }

    /// Whether the list is a past day's (replayed: registration, compliance and the other
    /// fields the change history does not record are empty).
    pub fn is_past(&self) -> bool {
        matches!(self.source, Source::Past(_))
    }

    /// The next batch of vendors (possibly empty when none of a batch of rows matched), or
    /// `None` after the last. An error ends the list; the caller logs it.
    pub async fn next_batch(&mut self) -> Option<Result<Vec<PublicVendor>, AppError>> {
        let day = self.day;
        match &mut self.source {
            Source::Past(entries) => {
                let batch: Vec<PublicVendor> = entries
                    .by_ref()
                    .take(PAST_BATCH)
                    .map(|e| PublicVendor::from_past(&e))
                    .collect();
                (!batch.is_empty()).then_some(Ok(batch))
            }
            Source::Today {
                authorized,
                rows,
                memo,
                ..
            } => {
                let batch = match rows.recv().await? {
                    Ok(batch) => batch,
                    Err(e) => return Some(Err(e.into())),
                };
                Some(judge(batch, day, *authorized, memo))
            }
        }
    }
}

/// Today's view of each row on `day` that has the compliance asked for.
fn judge(
    rows: Vec<VendorRow>,
    day: NaiveDate,
    authorized: Option<bool>,
    memo: &mut AssuranceMemo,
) -> Result<Vec<PublicVendor>, AppError> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let assurance = memo.assurance(&row, day)?;
        if admits(authorized, assurance.compliance.standing) {
            out.push(PublicVendor::from_owned_row(row, &assurance)?);
        }
    }
    Ok(out)
}

/// The registry's version: it moves with every change to what today's list shows (one row,
/// read before a kept copy of the whole list is served).
pub async fn version(db: &Db) -> Result<i64, AppError> {
    Ok(vendors::registry_version(db).await?)
}

/// When what an export of `day` shows last changed (RFC 3339), and the registry's version
/// (it moves with every change to what today's list shows; `None` for a past day, whose list
/// only the change events make).
pub async fn last_changed(
    db: &Db,
    day: NaiveDate,
    today: NaiveDate,
) -> Result<(Option<String>, Option<i64>), AppError> {
    if day < today {
        return Ok((changes::last_recorded(db).await?, None));
    }
    let version = vendors::registry_version(db).await?;
    Ok((vendors::last_change(db).await?, Some(version)))
}
