//! The verifiable log (issue 28): signing checkpoints, answering proofs and leaves, and
//! checking the whole log (`server log verify`). The tree and the byte formats are
//! `domain::tlog`; the tables `store::log`. Hashes go out in standard base64, as the
//! checkpoint's root does.

use base64::{engine::general_purpose::STANDARD, Engine};
use serde::Serialize;

use crate::{
    domain::tlog::{
        note::{Checkpoint, SignerKey, VerifierKey},
        tree, Hash,
    },
    error::AppError,
    registry::change::{proof_url, DayCheckpoint, Receipt},
    request::internal,
    store::{log as store, Db},
};

mod check;

pub use check::{check, last_check, verify, LastCheck, Verified};

/// Most leaves one request lists.
pub const MAX_LEAVES: u64 = 1000;

fn b64(h: &Hash) -> String {
    STANDARD.encode(h)
}

/// Sign a checkpoint of the log as it stands, unless the newest one covers it already, and
/// timestamp the newest checkpoint once a day ([`stamp`]). The size signed, or `None` when
/// there was nothing new. Two instances signing the same size at once write the same note
/// once.
pub async fn sign_pending(db: &Db, key: &SignerKey) -> Result<Option<u64>, AppError> {
    let signed = sign_new(db, key, chrono::Utc::now()).await?;
    if signed.is_none() {
        stamp(db, key, chrono::Utc::now()).await?;
    }
    Ok(signed)
}

/// A `tlog-cosignature/v1` line by the log's key over a checkpoint's text at `now`.
fn timestamp_row(
    key: &SignerKey,
    size: u64,
    text: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> store::TimestampRow {
    let time = now.timestamp().max(0);
    store::TimestampRow {
        size: size as i64,
        day: now.date_naive().to_string(),
        time,
        line: key.timestamp(text, time as u64),
    }
}

/// Timestamp the newest checkpoint for the day of `now` (UTC), unless it has one of that day:
/// while the log does not grow, its newest checkpoint still carries a signed time no older
/// than a day, so a customer sees the log was standing there, not abandoned. Made by the
/// same check as signing (never over a log that failed its last check).
pub async fn stamp(
    db: &Db,
    key: &SignerKey,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, AppError> {
    let Some(latest) = store::latest_checkpoint(db).await? else {
        return Ok(false);
    };
    let size = latest.size as u64;
    if store::stamped_on(db, size, &now.date_naive().to_string()).await? {
        return Ok(false);
    }
    refuse_after_failed_check(db).await?;
    let (text, _) = latest
        .note
        .rsplit_once("\n\n")
        .ok_or_else(|| internal(format!("checkpoint {size}'s note has no signature")))?;
    let text = format!("{text}\n");
    store::insert_timestamp(db, &timestamp_row(key, size, &text, now)).await?;
    Ok(true)
}

/// When the log's key last timestamped its newest checkpoint (POSIX seconds): no older
/// than a day on a healthy instance (`/metrics`).
pub async fn newest_timestamp(db: &Db) -> Result<Option<i64>, AppError> {
    Ok(store::newest_timestamp(db).await?)
}

async fn refuse_after_failed_check(db: &Db) -> Result<(), AppError> {
    if let Some(c) = store::last_check(db).await? {
        if c.ok != Some(1) {
            return Err(internal(format!(
                "the log failed its last check ({}): not signing until `server log verify` \
                 passes",
                c.message
            )));
        }
    }
    Ok(())
}

async fn sign_new(
    db: &Db,
    key: &SignerKey,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<u64>, AppError> {
    refuse_after_failed_check(db).await?;
    let late = store::append_leftovers(db).await?;
    if late > 0 {
        tracing::warn!("{late} change events entered the log after their transaction");
    }
    let mut conn = db.pool.acquire().await?;
    let size = store::size(&mut conn).await?;
    if size == 0 {
        return Ok(None);
    }
    let latest = store::latest_checkpoint(db).await?;
    if let Some(latest) = &latest {
        if latest.size as u64 >= size {
            return Ok(None);
        }
        // never a signature over a log whose signed part moved: the last signed root must
        // come out of the stored tree as it was signed
        let signed = latest.size as u64;
        let again = store::over_nodes(&mut conn, |get| tree::root(signed, get)).await?;
        if hex::encode(again) != latest.root {
            return Err(internal(format!(
                "the log's first {signed} leaves no longer make the root signed for them: \
                 not signing (run `server log verify`)"
            )));
        }
    }
    let root = store::over_nodes(&mut conn, |get| tree::root(size, get)).await?;
    drop(conn);
    let checkpoint = Checkpoint {
        origin: key.name().to_string(),
        size,
        root,
    };
    let text = checkpoint.text();
    let note = key.sign(&text);
    store::insert_checkpoint(
        db,
        size,
        &root,
        &format!("{:08x}", key.id()),
        &key.verifier().encode(),
        &note,
        &timestamp_row(key, size, &text, now),
    )
    .await?;
    Ok(Some(size))
}

/// The newest signed checkpoint (the signed note's text).
pub async fn latest(db: &Db) -> Result<Option<String>, AppError> {
    Ok(store::latest_checkpoint(db).await?.map(|c| c.note))
}

/// The newest signed checkpoint with its size and root.
pub async fn newest(db: &Db) -> Result<Option<DayCheckpoint>, AppError> {
    store::latest_checkpoint(db)
        .await?
        .map(|c| {
            Ok(DayCheckpoint {
                size: c.size as u64,
                root: STANDARD.encode(hex::decode(&c.root).map_err(internal)?),
                note: c.note,
            })
        })
        .transpose()
}

/// The signed checkpoint of exactly `size` leaves (`NotFound` if that size was not signed).
pub async fn checkpoint_of_size(db: &Db, size: u64) -> Result<String, AppError> {
    store::checkpoint_of_size(db, size)
        .await?
        .map(|c| c.note)
        .ok_or(AppError::NotFound)
}

/// The registry of a past day names the first signed checkpoint whose tree holds every
/// change announced up to that day: a customer proves any of those changes against it.
pub async fn checkpoint_as_of(
    db: &Db,
    day: chrono::NaiveDate,
) -> Result<Option<DayCheckpoint>, AppError> {
    let size = store::size_covering_day(db, &day.to_string()).await?;
    if size == 0 {
        return Ok(None);
    }
    let Some(c) = store::checkpoint_covering(db, size).await? else {
        return Ok(None);
    };
    Ok(Some(DayCheckpoint {
        size: c.size as u64,
        root: STANDARD.encode(hex::decode(&c.root).map_err(internal)?),
        note: c.note,
    }))
}

/// The public keys that signed the log, newest first (`<name>+<key id>+<key>`).
pub async fn keys(db: &Db) -> Result<Vec<String>, AppError> {
    Ok(store::verifier_keys(db).await?)
}

fn receipt_of(base: &str, leaf: &store::LeafRow) -> Result<Receipt, AppError> {
    Ok(Receipt {
        leaf_index: leaf.idx as u64,
        leaf_hash: STANDARD.encode(hex::decode(&leaf.hash).map_err(internal)?),
        proof: proof_url(base, leaf.change_event_id),
        checkpoint: None,
    })
}

/// The receipts of the change events `ids` that are in the log, by event id (no checkpoint:
/// a list names the newest one once).
pub async fn receipts(
    db: &Db,
    base: &str,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, Receipt>, AppError> {
    store::leaves_of_events(db, ids)
        .await?
        .iter()
        .map(|(id, leaf)| Ok((*id, receipt_of(base, leaf)?)))
        .collect()
}

/// The receipt of one change event for its notice: with the first signed checkpoint that
/// includes it, when there is one. `None` for an event not in the log yet.
pub async fn receipt(db: &Db, base: &str, event_id: i64) -> Result<Option<Receipt>, AppError> {
    let Some(leaf) = store::leaf_of_event(db, event_id).await? else {
        return Ok(None);
    };
    let mut r = receipt_of(base, &leaf)?;
    r.checkpoint = store::checkpoint_covering(db, leaf.idx as u64 + 1)
        .await?
        .map(|c| c.note);
    Ok(Some(r))
}

/// An event's inclusion proof: its leaf, and the path to a signed tree's root.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InclusionProof {
    pub event_id: i64,
    pub leaf_index: u64,
    /// The leaf's bytes: the event's canonical JSON.
    pub leaf: String,
    pub leaf_hash: String,
    pub tree_size: u64,
    pub proof: Vec<String>,
    /// The signed checkpoint of `tree_size`.
    pub checkpoint: String,
}

/// The inclusion proof of the change event `event_id` in the first signed tree that holds it
/// (or in the signed tree of `size` leaves). `NotFound` for an event not in a signed tree.
pub async fn inclusion(
    db: &Db,
    event_id: i64,
    size: Option<u64>,
) -> Result<InclusionProof, AppError> {
    let leaf = store::leaf_of_event(db, event_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let index = leaf.idx as u64;
    let checkpoint = match size {
        Some(size) => store::checkpoint_covering(db, size)
            .await?
            .filter(|c| c.size as u64 == size),
        None => store::checkpoint_covering(db, index + 1).await?,
    }
    .filter(|c| c.size as u64 > index)
    .ok_or(AppError::NotFound)?;
    let tree_size = checkpoint.size as u64;
    let mut conn = db.pool.acquire().await?;
    let proof = store::over_nodes(&mut conn, |get| tree::inclusion(index, tree_size, get)).await?;
    Ok(InclusionProof {
        event_id,
        leaf_index: index,
        leaf_hash: STANDARD.encode(hex::decode(&leaf.hash).map_err(internal)?),
        leaf: leaf.leaf,
        tree_size,
        proof: proof.iter().map(b64).collect(),
        checkpoint: checkpoint.note,
    })
}

/// A consistency proof between two signed trees.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConsistencyProof {
    pub first: u64,
    pub second: u64,
    pub proof: Vec<String>,
    pub first_checkpoint: String,
    pub second_checkpoint: String,
}

/// The proof that the signed tree of `second` leaves extends the signed tree of `first`.
/// `NotFound` unless both sizes were signed and `first` is at most `second` (no proof
/// exists otherwise: an empty tree is never signed).
pub async fn consistency(db: &Db, first: u64, second: u64) -> Result<ConsistencyProof, AppError> {
    let none = || {
        AppError::Missing(format!(
            "No consistency proof from {first} to {second} leaves: both must be signed sizes, \
             the first from 1 to the second."
        ))
    };
    if first == 0 || first > second {
        return Err(none());
    }
    let signed = |size: u64| async move {
        store::checkpoint_covering(db, size)
            .await
            .map(|c| c.filter(|c| c.size as u64 == size))
    };
    let (Some(a), Some(b)) = (signed(first).await?, signed(second).await?) else {
        return Err(none());
    };
    let mut conn = db.pool.acquire().await?;
    let proof = store::over_nodes(&mut conn, |get| tree::consistency(first, second, get)).await?;
    Ok(ConsistencyProof {
        first,
        second,
        proof: proof.iter().map(b64).collect(),
        first_checkpoint: a.note,
        second_checkpoint: b.note,
    })
}

/// One leaf as listed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Leaf {
    pub index: u64,
    pub event_id: i64,
    pub leaf: String,
    pub leaf_hash: String,
}

/// The end of a range of leaves as it is served: at most [`MAX_LEAVES`] after `start`.
pub fn leaves_end(start: u64, end: u64) -> u64 {
    end.min(start.saturating_add(MAX_LEAVES))
}

/// The leaves `start..end`, cut to [`MAX_LEAVES`] and to the log's end (an empty range, or
/// one past the log, is an empty list).
pub async fn leaves(db: &Db, start: u64, end: u64) -> Result<Vec<Leaf>, AppError> {
    let end = leaves_end(start, end);
    if end <= start || i64::try_from(end).is_err() {
        return Ok(Vec::new());
    }
    store::leaves(db, start, end)
        .await?
        .into_iter()
        .map(|l| {
            Ok(Leaf {
                index: l.idx as u64,
                event_id: l.change_event_id,
                leaf_hash: STANDARD.encode(hex::decode(&l.hash).map_err(internal)?),
                leaf: l.leaf,
            })
        })
        .collect()
}
