//! The verifiable log (issue 28): signing checkpoints, answering proofs and leaves, and
//! checking the whole log (`server log verify`). The tree and the byte formats are
//! `domain::tlog`; the tables `store::log`. Hashes go out in standard base64, as the
//! checkpoint's root does.

use base64::{engine::general_purpose::STANDARD, Engine};
use serde::Serialize;

use crate::{
    domain::tlog::{
        self,
        note::{Checkpoint, SignerKey, VerifierKey},
        tree, Hash,
    },
    error::AppError,
    registry::change::{proof_url, DayCheckpoint, Receipt},
    request::internal,
    store::{log as store, Db},
};

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

/// What `log verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub leaves: u64,
    pub checkpoints: u64,
    /// Timestamp lines checked.
    pub timestamps: u64,
}

/// Check the whole log: every leaf is its event's canonical JSON and hash, every stored node
/// is the hash of its subtree recomputed from the leaves, the head's size is the number of
/// leaves and every event is in the log, and every checkpoint's root is the recomputed root of
/// its size, signed by a published key. The first thing that differs, in words.
///
/// It checks the log as it stood when the check began (the head's size, read first): leaves
/// and checkpoints appended meanwhile, by an edit made during the check, are left for the next
/// one. The log only grows, so the nodes read after the head hold every node of that tree.
pub async fn verify(db: &Db) -> Result<Verified, String> {
    let fail = |e: &dyn std::fmt::Display| e.to_string();
    let mut conn = db.pool.acquire().await.map_err(|e| fail(&e))?;
    let head = store::size(&mut conn).await.map_err(|e| fail(&e))?;
    drop(conn);
    let stored = store::all_nodes(db).await.map_err(|e| fail(&e))?;
    let mut recomputed = std::collections::HashMap::with_capacity(stored.len());
    let mut after = -1i64;
    let mut count = 0u64;
    loop {
        let batch = store::leaves_with_events(db, after, 10_000)
            .await
            .map_err(|e| fail(&e))?;
        let Some((last, _)) = batch.last() else { break };
        after = last.idx;
        let done = after as u64 + 1 >= head;
        for (leaf, event) in batch {
            if leaf.idx as u64 >= head {
                break;
            }
            if leaf.idx as u64 != count {
                return Err(format!(
                    "leaf {count} is missing (the next is {})",
                    leaf.idx
                ));
            }
            let Some(event) = event else {
                return Err(format!(
                    "leaf {} names change event {}, which is gone",
                    leaf.idx, leaf.change_event_id
                ));
            };
            let bytes = event
                .leaf()
                .and_then(|e| {
                    e.bytes()
                        .map_err(|e| crate::store::StoreError::Corrupt(e.to_string()))
                })
                .map_err(|e| fail(&e))?;
            if bytes != leaf.leaf.as_bytes() {
                return Err(format!(
                    "leaf {} differs from change event {} as stored now: the event was changed",
                    leaf.idx, event.id
                ));
            }
            let hash = tlog::leaf_hash(&bytes);
            if hex::encode(hash) != leaf.hash {
                return Err(format!(
                    "leaf {}'s hash is not the hash of its bytes",
                    leaf.idx
                ));
            }
            let made = tree::append(count, hash, &mut |n| recomputed.get(&n).copied())
                .map_err(|e| fail(&e))?;
            for (node, h) in made {
                if stored.get(&node) != Some(&h) {
                    return Err(format!(
                        "the log's node at level {} index {} is not the hash of its leaves",
                        node.level, node.index
                    ));
                }
                recomputed.insert(node, h);
            }
            count += 1;
            // a check of a million leaves takes seconds of CPU: requests served beside it
            // on this runtime get their turn
            if count.is_multiple_of(256) {
                tokio::task::yield_now().await;
            }
        }
        if done {
            break;
        }
    }
    if head != count {
        return Err(format!(
            "the log's head says {head} leaves, the log holds {count}"
        ));
    }
    let mut conn = db.pool.acquire().await.map_err(|e| fail(&e))?;
    let unlogged = store::unlogged(&mut conn, 1).await.map_err(|e| fail(&e))?;
    drop(conn);
    if let Some(id) = unlogged.first() {
        return Err(format!("change event {id} is not in the log"));
    }
    let mut checkpoints = store::checkpoints(db).await.map_err(|e| fail(&e))?;
    // those signed over leaves appended since the check began wait for the next check
    checkpoints.retain(|c| c.size as u64 <= head);
    // read after the checkpoints: a key is stored with the first checkpoint it signs
    let keys: Vec<VerifierKey> = store::verifier_keys(db)
        .await
        .map_err(|e| fail(&e))?
        .iter()
        .map(|k| VerifierKey::parse(k))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("a published key: {e}"))?;
    for c in &checkpoints {
        let size = c.size as u64;
        let root = tree::root(size, &mut |n| recomputed.get(&n).copied())
            .map_err(|_| format!("checkpoint {size} is larger than the log ({count} leaves)"))?;
        let key = keys
            .iter()
            .find(|k| format!("{:08x}", k.id()) == c.key_id)
            .ok_or_else(|| format!("checkpoint {size}'s key {} is not published", c.key_id))?;
        let text = key
            .open(&c.note)
            .map_err(|e| format!("checkpoint {size}: {e}"))?;
        let said = Checkpoint::parse(text).map_err(|e| format!("checkpoint {size}: {e}"))?;
        if said.size != size || said.root != root || hex::encode(root) != c.root {
            return Err(format!(
                "checkpoint {size} does not match the log recomputed from its leaves"
            ));
        }
    }
    let timestamps = verify_timestamps(db, &checkpoints, &keys).await?;
    Ok(Verified {
        leaves: count,
        checkpoints: checkpoints.len() as u64,
        timestamps,
    })
}

/// Every timestamp line of the checkpoints checked: a good `tlog-cosignature/v1` by a
/// published key over its checkpoint's text, at the time it is stored with.
async fn verify_timestamps(
    db: &Db,
    checkpoints: &[store::CheckpointRow],
    keys: &[VerifierKey],
) -> Result<u64, String> {
    let stamps = store::timestamps(db).await.map_err(|e| e.to_string())?;
    let mut checked = 0;
    for t in &stamps {
        let Some(c) = checkpoints.iter().find(|c| c.size == t.size) else {
            continue;
        };
        let (text, _) = c.note.rsplit_once("\n\n").unwrap_or_default();
        let alone = format!("{text}\n\n{}", t.line);
        let said = keys
            .iter()
            .find_map(|k| k.timestamp(&alone).ok().flatten())
            .ok_or_else(|| {
                format!(
                    "checkpoint {}'s timestamp of {} is not signed by a published key",
                    t.size, t.day
                )
            })?;
        if said != t.time as u64 {
            return Err(format!(
                "checkpoint {}'s timestamp of {} says {said}, stored as {}",
                t.size, t.day, t.time
            ));
        }
        checked += 1;
    }
    Ok(checked)
}

/// The newest check of the whole log, as the dashboard and `/metrics` show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastCheck {
    pub ok: bool,
    /// When it finished (RFC 3339, UTC).
    pub at: String,
    pub leaves: Option<u64>,
    /// What differed (empty when it passed).
    pub message: String,
}

pub async fn last_check(db: &Db) -> Result<Option<LastCheck>, AppError> {
    Ok(store::last_check(db).await?.map(|c| LastCheck {
        ok: c.ok == Some(1),
        at: c.finished_at.unwrap_or(c.started_at),
        leaves: c.leaves.map(|n| n as u64),
        message: c.message,
    }))
}

/// Check the whole log ([`verify`]) and record the result: on request (`day` None, `server
/// log verify`) or as the instances' daily round (`day` given: only the first instance to
/// claim the day checks; the others get `None`). A failed check stops the signing of
/// checkpoints until a check passes.
pub async fn check(
    db: &Db,
    day: Option<chrono::NaiveDate>,
) -> Result<Option<Result<Verified, String>>, AppError> {
    let id = match day {
        Some(day) => match store::claim_day(db, &day.to_string()).await? {
            Some(id) => id,
            None => return Ok(None),
        },
        None => store::start_check(db).await?,
    };
    // an event a path left pending is waiting for the worker, not missing: enter it first
    store::append_leftovers(db).await?;
    let result = verify(db).await;
    match &result {
        Ok(v) => store::finish_check(db, id, true, Some(v.leaves), "").await?,
        Err(e) => store::finish_check(db, id, false, None, e).await?,
    }
    Ok(Some(result))
}
