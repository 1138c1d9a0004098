//! Secrets sealed at rest: the TOTP secrets of accounts and the signing secrets of webhook
//! endpoints are stored encrypted with `SECRETS_KEY` (XChaCha20-Poly1305), so a copy of the
//! database (a backup, a dump, a stolen disk) holds neither without the key.
//!
//! A sealed value is `v1:<key id>:<base64 of the 24-byte nonce and the ciphertext>`. The key
//! id (8 hex digits of a SHA-256 of the key) names which key sealed it, so a keyring of the
//! current and the previous key opens both during a rotation. The column's name is the
//! associated data: a value copied into another column does not open. Without a key the
//! values are stored as they are (plaintext is allowed only while no key is configured), and
//! a plaintext value is always read as itself, so rows written before the key was set keep
//! working until they are sealed ([`reseal_all`], run at start and by `server secrets`).

use std::sync::Arc;

use base64::{engine::general_purpose::STANDARD, Engine};
use chacha20poly1305::{
    aead::{Aead, AeadCore, KeyInit, OsRng, Payload},
    XChaCha20Poly1305, XNonce,
};
use sha2::{Digest, Sha256};
use sqlx::Any;

use super::{begin_write, Db, StoreError, StoreResult};

/// The prefix of a sealed value (its format's version).
const PREFIX: &str = "v1:";
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// Where a secret is stored; its name is bound to the ciphertext.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    TotpSecret,
    WebhookSecret,
}

impl Column {
    fn name(self) -> &'static str {
        match self {
            Column::TotpSecret => "users.totp_secret",
            Column::WebhookSecret => "webhook_endpoints.secret",
        }
    }
}

/// One 32-byte key and its id. Never printed: its `Debug` shows the id only.
struct Key {
    id: String,
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Key({})", self.id)
    }
}

/// The key secrets are sealed with (`SECRETS_KEY`) and those they may still be sealed with
/// (`SECRETS_KEY_PREVIOUS`). Empty: secrets are stored as they are.
#[derive(Clone, Default, Debug)]
pub struct Keyring {
    current: Option<Arc<Key>>,
    previous: Option<Arc<Key>>,
}

/// A key as 32 bytes written in hex (64 digits) or base64 (standard or URL-safe alphabet,
/// padded or not).
pub fn parse_key(text: &str) -> Result<[u8; 32], String> {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let text = text.trim();
    let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(text).map_err(|e| e.to_string())?
    } else {
        [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|engine| engine.decode(text).ok())
            .ok_or("not hex (64 digits) nor base64")?
    };
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
        format!(
            "a key is 32 bytes (64 hex digits or 44 base64 characters), this one is {}",
            bytes.len()
        )
    })
}

/// The id stored beside every value a key seals: not secret, and not enough to guess it.
pub fn key_id(key: &[u8; 32]) -> String {
    let digest = Sha256::new()
        .chain_update(b"subprocessor-registry secrets key id\0")
        .chain_update(key)
        .finalize();
    hex::encode(&digest[..4])
}

fn key(text: &str) -> Result<Arc<Key>, String> {
    let bytes = parse_key(text)?;
    let cipher = XChaCha20Poly1305::new_from_slice(&bytes).map_err(|e| e.to_string())?;
    Ok(Arc::new(Key {
        id: key_id(&bytes),
        cipher,
    }))
}

/// Whether a stored value is sealed (any key).
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// The key id of a sealed value.
pub fn sealed_with(stored: &str) -> Option<&str> {
    stored.strip_prefix(PREFIX)?.split(':').next()
}

impl Keyring {
    /// The keyring of `SECRETS_KEY` and `SECRETS_KEY_PREVIOUS` (empty text is no key). A
    /// previous key without a current one is refused: there would be nothing to rotate to.
    pub fn new(current: Option<&str>, previous: Option<&str>) -> Result<Keyring, String> {
        fn given(s: Option<&str>) -> Option<&str> {
            s.map(str::trim).filter(|s| !s.is_empty())
        }
        let current = given(current)
            .map(key)
            .transpose()
            .map_err(|e| format!("SECRETS_KEY: {e}"))?;
        let previous = given(previous)
            .map(key)
            .transpose()
            .map_err(|e| format!("SECRETS_KEY_PREVIOUS: {e}"))?;
        if current.is_none() && previous.is_some() {
            return Err("SECRETS_KEY_PREVIOUS is set without SECRETS_KEY".into());
        }
        Ok(Keyring { current, previous })
    }

    /// Whether secrets are sealed when written.
    pub fn has_key(&self) -> bool {
        self.current.is_some()
    }

    /// The id of the key secrets are sealed with now.
    pub fn current_id(&self) -> Option<&str> {
        self.current.as_ref().map(|k| k.id.as_str())
    }

    /// The id of the previous key.
    pub fn previous_id(&self) -> Option<&str> {
        self.previous.as_ref().map(|k| k.id.as_str())
    }

    /// The value to store for `plain`: sealed with the current key, or as it is without one.
    pub fn seal(&self, column: Column, plain: &str) -> StoreResult<String> {
        let Some(k) = &self.current else {
            return Ok(plain.to_string());
        };
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = k
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain.as_bytes(),
                    aad: column.name().as_bytes(),
                },
            )
            .map_err(|_| StoreError::Corrupt("a secret could not be sealed".into()))?;
        let mut raw = nonce.to_vec();
        raw.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}:{}", k.id, STANDARD.encode(raw)))
    }

    /// The secret a stored value holds: a plaintext value as it is, a sealed one opened with
    /// the key it names.
    pub fn open(&self, column: Column, stored: &str) -> StoreResult<String> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_string());
        };
        let (id, body) = rest.split_once(':').ok_or_else(|| {
            StoreError::Corrupt(format!("a sealed {} is malformed", column.name()))
        })?;
        let k = [&self.current, &self.previous]
            .into_iter()
            .flatten()
            .find(|k| k.id == id)
            .ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "a {} is sealed with key {id}, which is neither SECRETS_KEY ({}) nor \
                     SECRETS_KEY_PREVIOUS ({})",
                    column.name(),
                    self.current_id().unwrap_or("not set"),
                    self.previous_id().unwrap_or("not set"),
                ))
            })?;
        let raw = STANDARD
            .decode(body)
            .ok()
            .filter(|r| r.len() >= NONCE_LEN + TAG_LEN)
            .ok_or_else(|| {
                StoreError::Corrupt(format!("a sealed {} is malformed", column.name()))
            })?;
        let (nonce, sealed) = raw.split_at(NONCE_LEN);
        let plain = k
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: column.name().as_bytes(),
                },
            )
            .map_err(|_| {
                StoreError::Corrupt(format!(
                    "a sealed {} does not open with key {id} (altered, or moved from another column)",
                    column.name()
                ))
            })?;
        String::from_utf8(plain)
            .map_err(|_| StoreError::Corrupt(format!("a sealed {} is not text", column.name())))
    }

    /// Whether a stored value must be sealed again to be under the current key.
    fn stale(&self, stored: &str) -> bool {
        match self.current_id() {
            Some(id) => sealed_with(stored) != Some(id),
            None => false,
        }
    }
}

/// The tables and id columns holding sealed secrets, with their column.
const SEALED: [(&str, &str, Column); 2] = [
    ("users", "totp_secret", Column::TotpSecret),
    ("webhook_endpoints", "secret", Column::WebhookSecret),
];

/// How many stored secrets there are and how many of them are sealed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Census {
    pub total: i64,
    pub sealed: i64,
}

/// Count the stored secrets and the sealed ones.
pub async fn census(db: &Db) -> StoreResult<Census> {
    let mut out = Census::default();
    for (table, column, _) in SEALED {
        let (total, sealed): (i64, i64) = sqlx::query_as::<Any, (i64, i64)>(&format!(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN {column} LIKE 'v1:%' THEN 1 ELSE 0 END), 0) \
             FROM {table} WHERE {column} IS NOT NULL"
        ))
        .fetch_one(&db.pool)
        .await?;
        out.total += total;
        out.sealed += sealed;
    }
    Ok(out)
}

/// Open every stored secret with `keys` and store each that is not sealed with the current
/// key again, sealed with it, in one transaction: all or nothing. Returns how many were
/// sealed anew. Any value that does not open stops it (nothing is written).
pub async fn reseal_all(db: &Db, keys: &Keyring) -> StoreResult<u64> {
    let mut tx = begin_write(db).await?;
    let mut resealed = 0;
    for (table, column, kind) in SEALED {
        let rows: Vec<(i64, String)> = sqlx::query_as::<Any, (i64, String)>(&format!(
            "SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY id"
        ))
        .fetch_all(&mut *tx)
        .await?;
        for (id, stored) in rows {
            let plain = keys.open(kind, &stored)?;
            if !keys.stale(&stored) {
                continue;
            }
            // only if the value is still the one read: on PostgreSQL a set-up committed since
            // (already sealed by its writer) must not be overwritten with the old secret
            let done = sqlx::query(&format!(
                "UPDATE {table} SET {column} = $1 WHERE id = $2 AND {column} = $3"
            ))
            .bind(keys.seal(kind, &plain)?)
            .bind(id)
            .bind(stored)
            .execute(&mut *tx)
            .await?;
            resealed += done.rows_affected();
        }
    }
    tx.commit().await?;
    Ok(resealed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn other_key() -> String {
        STANDARD.encode([7u8; 32])
    }

    #[test]
    fn keys_are_hex_or_base64_of_32_bytes() {
        let hex_key = parse_key(KEY_HEX).expect("hex");
        assert_eq!(hex_key[31], 31);
        assert_eq!(parse_key(&STANDARD.encode(hex_key)), Ok(hex_key));
        assert_eq!(
            parse_key(&base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(hex_key)),
            Ok(hex_key)
        );
        assert!(parse_key(&STANDARD.encode([1u8; 16])).is_err());
        assert!(parse_key("not a key at all").is_err());
        assert!(Keyring::new(None, Some(KEY_HEX)).is_err());
        assert!(!Keyring::new(Some(" "), None).expect("empty").has_key());
    }

    #[test]
    fn sealed_values_open_and_hide_the_secret() {
        let ring = Keyring::new(Some(KEY_HEX), None).expect("key");
        let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
        let sealed = ring.seal(Column::TotpSecret, secret).expect("seals");
        assert!(is_sealed(&sealed));
        assert!(!sealed.contains(secret));
        assert_eq!(sealed_with(&sealed), ring.current_id());
        assert_ne!(
            ring.seal(Column::TotpSecret, secret).ok(),
            Some(sealed.clone())
        );
        assert_eq!(
            ring.open(Column::TotpSecret, &sealed).ok().as_deref(),
            Some(secret)
        );
        // bound to its column, and to its key
        assert!(ring.open(Column::WebhookSecret, &sealed).is_err());
        let other = Keyring::new(Some(&other_key()), None).expect("key");
        assert!(other.open(Column::TotpSecret, &sealed).is_err());
        assert!(Keyring::default()
            .open(Column::TotpSecret, &sealed)
            .is_err());
        // a plaintext value reads as itself; without a key nothing is sealed
        assert_eq!(
            ring.open(Column::TotpSecret, secret).ok().as_deref(),
            Some(secret)
        );
        assert_eq!(
            Keyring::default()
                .seal(Column::TotpSecret, secret)
                .ok()
                .as_deref(),
            Some(secret)
        );
    }

    #[test]
    fn altered_values_are_refused_not_misread() {
        let ring = Keyring::new(Some(KEY_HEX), None).expect("key");
        let sealed = ring
            .seal(Column::WebhookSecret, "whsec_abc")
            .expect("seals");
        let mut flipped = sealed.clone().into_bytes();
        let at = flipped.len() / 2;
        flipped[at] = if flipped[at] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).expect("ascii");
        assert!(ring.open(Column::WebhookSecret, &flipped).is_err());
        for bad in ["v1:", "v1:abcd", "v1:00000000:", "v1:x:!!!"] {
            assert!(ring.open(Column::WebhookSecret, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_rotation_keyring_opens_both_and_seals_with_the_new_key() {
        let old = Keyring::new(Some(KEY_HEX), None).expect("key");
        let sealed = old.seal(Column::TotpSecret, "SECRET").expect("seals");
        let both = Keyring::new(Some(&other_key()), Some(KEY_HEX)).expect("keys");
        assert_eq!(
            both.open(Column::TotpSecret, &sealed).ok().as_deref(),
            Some("SECRET")
        );
        assert!(both.stale(&sealed));
        assert!(both.stale("SECRET"));
        let again = both.seal(Column::TotpSecret, "SECRET").expect("seals");
        assert!(!both.stale(&again));
        assert!(!format!("{both:?}").contains(KEY_HEX));
    }
}
