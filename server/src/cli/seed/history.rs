//! `server seed-history --count N` (hidden, for bench/log.sh): N past scope changes of the
//! vendors already seeded, recorded as a manager's save records them (`store::changes::record`,
//! nobody told) and appended to the log ten thousand to a transaction, as an import does. The
//! scopes only move the purpose back and forth: the point is a log of a million leaves.

use app::{
    domain::changes::{ChangeKind, PlannedEvent, PublicScope},
    store::{
        begin_write,
        changes::{self, Tell},
        log, Db, StoreResult,
    },
};
use chrono::{Duration, NaiveDate};
use sqlx::Any;

/// Events to a transaction.
const BATCH: usize = 10_000;

fn scope(name: &str, revision: usize) -> PublicScope {
    PublicScope {
        legal_name: name.to_string(),
        purpose: format!("Processes backups (revision {revision})."),
        services: vec!["Backup".into()],
        countries: vec!["DE".into()],
        categories: vec!["customer".into()],
        sub_processors: Vec::new(),
    }
}

/// The `k`th past change of a vendor named `name`: its purpose from `revision` to the next.
pub fn past_change(name: &str, k: usize, revision: usize) -> PlannedEvent {
    let first = NaiveDate::from_ymd_opt(2015, 1, 1).unwrap_or_default();
    let announced_on = first + Duration::days((k % 3000) as i64);
    PlannedEvent {
        kind: ChangeKind::ScopeChanged,
        announced_on,
        effective_on: announced_on + Duration::days(30),
        before: Some(scope(name, revision)),
        after: Some(scope(name, revision + 1)),
    }
}

/// Record `count` past scope changes, spread over the vendors in turn. How many were written.
pub async fn seed_history(db: &Db, count: usize) -> StoreResult<usize> {
    let vendors = sqlx::query_as::<Any, (i64, String, String)>(
        "SELECT id, slug, legal_name FROM vendors ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await?;
    if vendors.is_empty() {
        return Ok(0);
    }
    let services = vec!["backup".to_string()];
    let mut done = 0;
    while done < count {
        let mut tx = begin_write(db).await?;
        let n = (count - done).min(BATCH);
        for k in done..done + n {
            let (id, slug, name) = &vendors[k % vendors.len()];
            let event = past_change(name, k, k / vendors.len());
            changes::record(
                &mut tx,
                (*id, slug),
                &services,
                &event,
                ("bench history", Tell::Nobody),
            )
            .await?;
        }
        log::append_pending(&mut tx).await?;
        tx.commit().await?;
        done += n;
    }
    Ok(done)
}
