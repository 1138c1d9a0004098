//! The instance's pruning round: every hour (and at start) each instance removes what is
//! kept only for a while. Today that is the names and addresses of removed vendors' staff past
//! `ROSTER_RETENTION_DAYS` (rosters and training records), the uploaded files of imports older than
//! `IMPORT_FILE_RETENTION_DAYS` (their reports stay: they are the record of what an import
//! did), and the private copies of dry runs that were killed (older than an hour). The same
//! round makes the log's daily check ([`check_log`]). Every instance runs it; the statements are idempotent, so two at once do no harm.

use std::time::Duration;

use app::store::{imports, Db};
use chrono::{DateTime, Utc};

/// How often an instance prunes.
pub const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// One round at `now`: empty the files of imports started more than `retention_days` ago.
/// Returns how many files were removed.
pub async fn prune_once(
    db: &Db,
    now: DateTime<Utc>,
    retention_days: u32,
) -> Result<u64, app::store::StoreError> {
    let before = now - chrono::Duration::days(i64::from(retention_days));
    imports::prune_files(
        db,
        &before.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    )
    .await
}

/// Erase the names and addresses of the staff of vendors removed more than `retention_days`
/// before `now` (their rosters and training records), one audit row per vendor, all in one
/// transaction. Returns how many names and addresses were erased.
pub async fn erase_rosters(
    db: &Db,
    now: DateTime<Utc>,
    retention_days: u32,
) -> Result<u64, app::store::StoreError> {
    let removed_by = (now - chrono::Duration::days(i64::from(retention_days))).date_naive();
    let mut tx = app::store::begin_write(db).await?;
    let erased = app::store::rosters::erase_removed(&mut tx, removed_by).await?;
    for e in &erased {
        app::store::audit::record(
            &mut tx,
            &format!("retention (ROSTER_RETENTION_DAYS={retention_days})"),
            app::store::audit::Entry {
                action: "erase staff names and addresses of",
                entity: "vendor",
                entity_id: e.slug.clone(),
                before: None,
                after: Some(serde_json::json!({ "rows": e.rows })),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(erased.iter().map(|e| e.rows).sum())
}

/// The daily check of the whole log (`server log verify`'s), made by the first instance whose
/// round reaches a new day. A failure is logged as an error, shown on the dashboard and in
/// `/metrics`, and stops the signing of checkpoints; readiness stays up (a broken log must
/// not take every instance out of the load balancer).
pub async fn check_log(db: &Db, day: chrono::NaiveDate) {
    match app::service::log::check(db, Some(day)).await {
        Ok(None) => {}
        Ok(Some(Ok(v))) => tracing::info!(
            leaves = v.leaves,
            checkpoints = v.checkpoints,
            "the log verifies"
        ),
        Ok(Some(Err(why))) => tracing::error!(
            "the log does not verify: {why}; no checkpoint is signed until `server log verify` passes"
        ),
        Err(e) => tracing::warn!("the log's daily check could not run: {e}"),
    }
}

/// A dry run's private copy older than this is a leftover of a run that was killed.
pub const LEFTOVER_COPY_AGE: Duration = Duration::from_secs(3600);

/// Prune at start, then every [`PRUNE_EVERY`], until the server stops.
pub async fn keep_pruned(
    db: Db,
    retention_days: u32,
    roster_retention_days: u32,
    trust_retention_days: u32,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        match erase_rosters(&db, Utc::now(), roster_retention_days).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                rows = n,
                "erased removed vendors' staff names and addresses past their retention"
            ),
            Err(e) => tracing::warn!("removed vendors' staff data not erased: {e}"),
        }
        match prune_once(&db, Utc::now(), retention_days).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                files = n,
                "removed stored import files past their retention"
            ),
            Err(e) => tracing::warn!("stored import files not pruned: {e}"),
        }
        check_log(&db, Utc::now().date_naive()).await;
        let swept =
            app::store::private_copy::sweep_leftovers(&std::env::temp_dir(), LEFTOVER_COPY_AGE);
        if swept > 0 {
            tracing::info!(copies = swept, "removed dry-run copies left by killed runs");
        }
        // last: the rounds above keep the timing they had at start
        match app::service::trust::redact(&db, Utc::now(), trust_retention_days).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                rows = n,
                "replaced trust document requesters' personal data past TRUST_RETENTION_DAYS by its hash"
            ),
            Err(e) => tracing::warn!("trust document requesters' data not redacted: {e}"),
        }
        tokio::select! {
            _ = tokio::time::sleep(PRUNE_EVERY) => {}
            _ = stopped.changed() => return,
        }
    }
}
