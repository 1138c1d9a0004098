//! The one way a change is written: in a write transaction, with its audit rows in the same
//! transaction, and a stale version refused with who changed the record last and when.
//! Every editing server function and command-line change goes through [`write`]; what differs
//! between them (which rows change, what the audit says) is the closure it is given.
//! Server-only.

use sqlx::AnyConnection;

use crate::{
    error::AppError,
    store::{audit, begin_write, Db},
};

/// What a write did.
pub enum Written<T> {
    /// Done: `value` for the caller, `audit` the rows that record it.
    Done { value: T, audit: Vec<audit::Entry> },
    /// Nothing written: the record `entity_id` is no longer at the version the form showed.
    /// `current` lists its stored values (label, value); `version` is the stored version,
    /// when the form can be saved again against it.
    Stale {
        entity_id: String,
        current: Vec<(String, String)>,
        version: Option<i64>,
    },
}

impl<T> Written<T> {
    /// Done, recorded by one audit row.
    pub fn done(value: T, entry: audit::Entry) -> Self {
        Written::Done {
            value,
            audit: vec![entry],
        }
    }
}

/// Run `change` in a write transaction as `actor`. `Done` commits with its audit rows;
/// `Stale` and errors roll back, so nothing is half written.
pub async fn write<T>(
    db: &Db,
    actor: &str,
    change: impl AsyncFnOnce(&mut AnyConnection) -> Result<Written<T>, AppError>,
) -> Result<T, AppError> {
    let mut tx = begin_write(db).await?;
    match change(&mut tx).await? {
        Written::Done { value, audit } => {
            for entry in audit {
                audit::record(&mut tx, actor, entry).await?;
            }
            crate::store::log::append_pending(&mut tx).await?;
            tx.commit().await?;
            Ok(value)
        }
        Written::Stale {
            entity_id,
            current,
            version,
        } => {
            drop(tx);
            let last = audit::last_change(db, &entity_id).await?;
            Err(AppError::conflict(last, current, version))
        }
    }
}
