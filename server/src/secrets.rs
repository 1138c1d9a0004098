//! The sealed secrets at start and on the command line (`server secrets encrypt | rotate |
//! status`); the sealing itself is `app::store::secrets`. The rule at start: with a key, every
//! stored secret must open with it (or with `SECRETS_KEY_PREVIOUS`), and those not yet sealed
//! with it are sealed now; without a key, plaintext is allowed only while no secret is
//! sealed, with a warning.

use app::store::{secrets, Db};

/// What a server checks before it serves, on a migrated database whose handle carries the
/// keyring. `Err` is the one line the operator reads before the process exits.
pub async fn prepare(db: &Db) -> Result<(), String> {
    let census = secrets::census(db)
        .await
        .map_err(|e| format!("cannot read the stored secrets: {e}"))?;
    if !db.secrets.has_key() {
        if census.sealed > 0 {
            return Err(format!(
                "{} stored secrets (two-step sign-in, webhook signing) are encrypted and \
                 SECRETS_KEY is not set: start with the key they were sealed with \
                 (see docs/security/backup.md)",
                census.sealed
            ));
        }
        // a warning once something is exposed; before that (a fresh install, the demo, the
        // tests) a note, so a quiet log (`RUST_LOG=warn`) stays quiet
        if census.total > 0 {
            tracing::warn!(
                stored = census.total,
                "SECRETS_KEY is not set: TOTP and webhook signing secrets are stored in the \
                 clear, and so is every backup of them (see docs/security/backup.md)"
            );
        } else {
            tracing::info!(
                "SECRETS_KEY is not set: TOTP and webhook signing secrets will be stored in the \
                 clear (see docs/security/backup.md)"
            );
        }
        return Ok(());
    }
    let sealed = secrets::reseal_all(db, &db.secrets)
        .await
        .map_err(|e| format!("SECRETS_KEY cannot open the stored secrets: {e}"))?;
    if sealed > 0 {
        tracing::info!(
            sealed,
            key = db.secrets.current_id().unwrap_or_default(),
            "stored secrets sealed with the current key"
        );
    }
    Ok(())
}

/// `server secrets encrypt`: seal what is stored in the clear.
pub async fn encrypt(db: &Db) -> Result<(), String> {
    let id = db
        .secrets
        .current_id()
        .ok_or("set SECRETS_KEY to the key to seal with (32 bytes, hex or base64)")?;
    let sealed = secrets::reseal_all(db, &db.secrets)
        .await
        .map_err(|e| format!("nothing was changed: {e}"))?;
    println!("Sealed {sealed} stored secrets with key {id}.");
    status(db).await
}

/// `server secrets rotate`: seal everything again with the new key.
pub async fn rotate(db: &Db) -> Result<(), String> {
    let (Some(new), Some(old)) = (db.secrets.current_id(), db.secrets.previous_id()) else {
        return Err(
            "set SECRETS_KEY to the new key and SECRETS_KEY_PREVIOUS to the key in use".into(),
        );
    };
    let sealed = secrets::reseal_all(db, &db.secrets)
        .await
        .map_err(|e| format!("nothing was changed: {e}"))?;
    println!(
        "Sealed {sealed} stored secrets again with key {new} (from key {old} or the clear); \
         start the servers with the new SECRETS_KEY."
    );
    status(db).await
}

/// `server secrets status`.
pub async fn status(db: &Db) -> Result<(), String> {
    let census = secrets::census(db)
        .await
        .map_err(|e| format!("cannot read the stored secrets: {e}"))?;
    println!(
        "{} stored secrets, {} sealed, {} in the clear; SECRETS_KEY: {}",
        census.total,
        census.sealed,
        census.total - census.sealed,
        db.secrets.current_id().unwrap_or("not set")
    );
    if census.sealed > 0 && !db.secrets.has_key() {
        return Err("sealed secrets exist and SECRETS_KEY is not set".into());
    }
    Ok(())
}
