//! Checking the whole log (`server log verify`, the instances' daily round): every leaf,
//! node, checkpoint and timestamp recomputed from the stored events, and each check recorded.

use super::{Checkpoint, VerifierKey};
use crate::{
    domain::tlog::{self, tree},
    error::AppError,
    store::{log as store, Db},
};

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
