//! The import lock as a run holds it: taken before the run starts (a second import is
//! refused with who runs the first, on what file, since when), renewed in the background
//! while the run goes on, given back at its end. A process that dies stops renewing, and
//! the lock expires after [`LEASE`] for the next import to take over.

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use crate::{
    error::AppError,
    store::{import_lock, Db},
};

/// How long the lock holds without being renewed: how long after a crash the next import
/// has to wait.
pub const LEASE: Duration = Duration::from_secs(120);

/// How often the holder renews the lock: several times within [`LEASE`], so a renewal that
/// waits out SQLite's busy timeout (an apply's write) does not let the lock lapse.
const RENEW_EVERY: Duration = Duration::from_secs(20);

/// The lock, held while this lives; [`ImportLock::release`] gives it back.
pub struct ImportLock {
    db: Db,
    holder: String,
    renewing: tokio::task::JoinHandle<()>,
}

fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn expiry(now: chrono::DateTime<chrono::Utc>) -> String {
    stamp(now + chrono::Duration::from_std(LEASE).unwrap_or(chrono::Duration::minutes(2)))
}

/// A token unique to this run among every process on every host sharing the database: it
/// names the holder, it guards nothing (no secret).
fn token() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let host = std::env::var("HOSTNAME").unwrap_or_default();
    format!(
        "{host}:{}:{}:{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The refusal of a second import, naming the run that holds the lock.
fn refusal(h: &import_lock::LockHolder) -> AppError {
    let since = h
        .taken_at
        .get(..16)
        .unwrap_or(&h.taken_at)
        .replace('T', " ");
    AppError::invalid(
        "file",
        format!(
            "Another import is running ({}, started by {} at {since} UTC); only one runs at a \
             time. Start this one again when it is over.",
            h.file_name, h.actor
        ),
    )
}

impl ImportLock {
    /// Take the lock for `actor`'s import of `file_name`, or refuse (the message names the
    /// import running now).
    pub async fn take(db: &Db, actor: &str, file_name: &str) -> Result<ImportLock, AppError> {
        let now = chrono::Utc::now();
        // read first: a plain read answers at once even while an apply holds SQLite's write
        // lock, which the taking statement would wait for
        if let Some(h) = import_lock::holder(db, &stamp(now)).await? {
            return Err(refusal(&h));
        }
        let holder = token();
        let taken =
            import_lock::take(db, &holder, (actor, file_name), &stamp(now), &expiry(now)).await?;
        if !taken {
            // another import took it between the read and the statement
            return Err(match import_lock::holder(db, &stamp(now)).await? {
                Some(h) => refusal(&h),
                None => AppError::Busy,
            });
        }
        let renewing = tokio::spawn(renew(db.clone(), holder.clone()));
        Ok(ImportLock {
            db: db.clone(),
            holder,
            renewing,
        })
    }

    /// Give the lock back. Should that fail, the lock expires after [`LEASE`].
    pub async fn release(self) {
        self.renewing.abort();
        if let Err(e) = import_lock::release(&self.db, &self.holder).await {
            tracing::warn!("cannot release the import lock (it expires on its own): {e}");
        }
    }
}

impl Drop for ImportLock {
    fn drop(&mut self) {
        // a run that ends without `release` (a panic) stops renewing: the lease runs out
        self.renewing.abort();
    }
}

async fn renew(db: Db, holder: String) {
    loop {
        tokio::time::sleep(RENEW_EVERY).await;
        match import_lock::renew(&db, &holder, &expiry(chrono::Utc::now())).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::error!("the import lock lapsed and was taken by another import");
                return;
            }
            Err(e) => tracing::warn!("cannot renew the import lock (retrying): {e}"),
        }
    }
}
