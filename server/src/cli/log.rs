//! `server log keygen|verify|sign`: the verifiable log's key, its whole check, and a
//! checkpoint signed now.

use app::{domain::tlog::note::SignerKey, service::log, store::Db};

/// A new signing key named `name`, printed with its public key.
pub fn keygen(name: &str) -> Result<(), String> {
    let key = SignerKey::from_seed(name, rand::random::<[u8; 32]>()).map_err(|e| e.to_string())?;
    println!("{}", key.encode());
    eprintln!(
        "Keep the line above secret (LOG_SIGNING_KEY, or a file it names). Its public key, \
         published at /.well-known/subprocessors-log-key once it signs:\n{}",
        key.verifier().encode()
    );
    Ok(())
}

/// Check the whole log; the first difference is the error.
/// The result is recorded: a failure stops the signing of checkpoints, a pass after one lets
/// it go on.
pub async fn verify(db: &Db) -> Result<(), String> {
    let done = log::check(db, None)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the check was not made")?
        .map_err(|e| format!("the log does not verify: {e}"))?;
    let plural = |n: u64, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    println!(
        "The log verifies: {}, {}, {}.",
        plural(done.leaves, "leaf").replace("leafs", "leaves"),
        plural(done.checkpoints, "checkpoint"),
        plural(done.timestamps, "timestamp")
    );
    Ok(())
}

/// Sign the head now with `key`.
pub async fn sign(db: &Db, key: Option<SignerKey>) -> Result<(), String> {
    let key = key.ok_or("LOG_SIGNING_KEY is not set")?;
    match log::sign_pending(db, &key)
        .await
        .map_err(|e| e.to_string())?
    {
        Some(size) => println!("Signed a checkpoint of {size} leaves."),
        None => println!("The newest checkpoint covers the whole log already."),
    }
    Ok(())
}

/// `server log bench-append --samples N` (hidden, bench/log.sh): what appending to the log
/// adds to a save, on the log as it is. Each sample records one change event in a transaction,
/// as a save does (untimed), then times `append_pending` (what the log adds) before the
/// commit. Prints the median, the 99th percentile and the slowest, in milliseconds.
pub async fn bench_append(db: &Db, samples: usize) -> Result<(), String> {
    use app::store::{begin_write, changes, log as store};
    let (id, slug, name) = sqlx::query_as::<sqlx::Any, (i64, String, String)>(
        "SELECT id, slug, legal_name FROM vendors ORDER BY id LIMIT 1",
    )
    .fetch_optional(&db.pool)
    .await
    .map_err(|e| e.to_string())?
    .ok_or("no vendor to record changes of (seed first)")?;
    let services = vec!["backup".to_string()];
    let mut took = Vec::with_capacity(samples);
    for k in 0..samples.max(1) {
        let mut tx = begin_write(db).await.map_err(|e| e.to_string())?;
        let event = super::seed::history::past_change(&name, k, 1_000_000 + k);
        changes::record(
            &mut tx,
            (id, &slug),
            &services,
            &event,
            ("bench append", changes::Tell::Nobody),
        )
        .await
        .map_err(|e| e.to_string())?;
        let started = std::time::Instant::now();
        store::append_pending(&mut tx)
            .await
            .map_err(|e| e.to_string())?;
        took.push(started.elapsed().as_secs_f64() * 1000.0);
        tx.commit().await.map_err(|e| e.to_string())?;
    }
    took.sort_by(f64::total_cmp);
    let at = |q: f64| took[((took.len() - 1) as f64 * q).round() as usize];
    println!(
        "append: {} samples, median {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        took.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
    Ok(())
}
