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
        "The log verifies: {}, {}.",
        plural(done.leaves, "leaf").replace("leafs", "leaves"),
        plural(done.checkpoints, "checkpoint")
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
