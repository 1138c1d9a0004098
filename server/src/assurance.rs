//! The stored compliance of every vendor (derived data, see `app::store::assurance`): rebuilt
//! by `server recompute`, and kept current by each instance in the background (at start,
//! then every few minutes and so when the day turns), so a compliance filter rarely finds
//! more than the few vendors changed since.

use std::time::Duration;

use app::{registry::refresh_assurance, store::assurance, store::Db};
use chrono::NaiveDate;

/// How often an instance brings the stored compliance up to date on its own.
pub const REFRESH_EVERY: Duration = Duration::from_secs(300);

/// `server recompute`: mark every vendor's stored compliance stale and compute it again for
/// `day`, until none is left stale. A running server may do part of the work meanwhile (or
/// hold SQLite's write lock for a moment): then this waits and goes on, for up to a minute
/// without progress.
pub async fn recompute(db: &Db, day: NaiveDate) -> Result<(), String> {
    let n = assurance::mark_all_stale(db)
        .await
        .map_err(|e| format!("cannot mark the stored compliance stale: {e}"))?;
    println!("Computing the compliance of {n} vendors for {day}...");
    let started = std::time::Instant::now();
    let mut last_left = i64::MAX;
    let mut idle_rounds = 0;
    loop {
        refresh_assurance(db, day)
            .await
            .map_err(|e| format!("recomputing failed: {e:?}"))?;
        let left = assurance::count_stale(db, day)
            .await
            .map_err(|e| format!("cannot count what is left: {e}"))?;
        if left == 0 {
            break;
        }
        if left < last_left {
            (last_left, idle_rounds) = (left, 0);
        } else {
            idle_rounds += 1;
            if idle_rounds > 300 {
                return Err(format!(
                    "{left} vendors are still stale after a minute without progress; is a long write running? Run it again"
                ));
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!(
        "Stored the compliance of {n} vendors for {day} in {:.1} s.",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Keep the stored compliance current until the server stops.
pub async fn keep_fresh(db: Db, mut stopped: tokio::sync::watch::Receiver<bool>) {
    loop {
        let day = chrono::Utc::now().date_naive();
        match refresh_assurance(&db, day).await {
            Ok(true) => {}
            Ok(false) => tracing::debug!("stored compliance: some vendors left for the next round"),
            Err(e) => tracing::warn!("stored compliance not refreshed: {e:?}"),
        }
        tokio::select! {
            _ = tokio::time::sleep(REFRESH_EVERY) => {}
            _ = stopped.changed() => return,
        }
    }
}
