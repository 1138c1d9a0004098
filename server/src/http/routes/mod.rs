//! Plain axum routes beside the Leptos pages.

pub mod changes;
pub mod csv;
pub mod csv_export;
pub mod health;
pub mod json;
pub mod subscriptions;
pub mod xlsx;

use axum::body::{Body, Bytes};

/// A download produced piece by piece (the CSV, the JSON API's list): the next piece, `None`
/// at the end; an error ends the body early.
pub trait Chunks: Send + 'static {
    fn next_chunk(
        &mut self,
    ) -> impl std::future::Future<Output = Option<std::io::Result<Bytes>>> + Send;
}

/// Today's public vendors as an export streams them (`vendors::stream_public`, in registry
/// order, in batches): each judged by its stored assurance where that holds on `day`, else by
/// its evidence, kept if it has the compliance asked for, in the one public view.
pub struct PublicRows {
    /// The export's name in the log when it fails.
    what: &'static str,
    day: chrono::NaiveDate,
    authorized: Option<bool>,
    rows: tokio::sync::mpsc::Receiver<app::store::StoreResult<Vec<app::store::vendors::VendorRow>>>,
    memo: app::registry::AssuranceMemo,
}

impl PublicRows {
    /// The rows matching `filter` on `day`; `slot` (an export slot) is held until they end.
    pub fn new(
        what: &'static str,
        db: &app::store::Db,
        filter: &app::domain::RegistryFilter,
        day: chrono::NaiveDate,
        slot: tokio::sync::OwnedSemaphorePermit,
    ) -> Self {
        PublicRows {
            what,
            day,
            authorized: filter.authorized,
            rows: app::store::vendors::stream_public(db, filter, day, slot),
            memo: Default::default(),
        }
    }

    /// Hand each vendor of the next batch to `write`; `None` after the last batch. An error
    /// (logged) ends the export.
    pub async fn next_batch<E: std::fmt::Display>(
        &mut self,
        mut write: impl FnMut(&app::registry::view::PublicVendor) -> Result<(), E>,
    ) -> Option<std::io::Result<()>> {
        let batch = match self.rows.recv().await? {
            Ok(batch) => batch,
            Err(e) => return Some(Err(self.fail(e))),
        };
        for row in batch {
            let assurance = match self.memo.assurance(&row, self.day) {
                Ok(a) => a,
                Err(e) => return Some(Err(self.fail(e))),
            };
            if !app::domain::filter::admits(self.authorized, assurance.compliance.standing) {
                continue;
            }
            let written = app::registry::view::PublicVendor::from_owned_row(row, &assurance)
                .map_err(|e| e.to_string())
                .and_then(|v| write(&v).map_err(|e| e.to_string()));
            if let Err(e) = written {
                return Some(Err(self.fail(e)));
            }
        }
        Some(Ok(()))
    }

    /// The error that ends the export, logged.
    pub fn fail(&self, e: impl std::fmt::Display) -> std::io::Error {
        tracing::error!("{} export aborted: {e}", self.what);
        std::io::Error::other("export failed")
    }
}

/// `head`, then every piece of `chunks` until the end or the first error, as a body.
pub fn streamed(head: Bytes, chunks: impl Chunks) -> Body {
    let rest = futures::stream::unfold((chunks, false), |(mut chunks, done)| async move {
        if done {
            return None;
        }
        match chunks.next_chunk().await? {
            Ok(bytes) => Some((Ok(bytes), (chunks, false))),
            Err(e) => Some((Err(e), (chunks, true))),
        }
    });
    // fused: a layer that polls again after the end (compression does) gets the end again
    Body::from_stream(futures::StreamExt::fuse(futures::StreamExt::chain(
        futures::stream::once(async { Ok::<_, std::io::Error>(head) }),
        rest,
    )))
}
