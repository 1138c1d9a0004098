//! Password hashing: argon2id with the argon2 crate's defaults (the OWASP parameters
//! m = 19456 KiB, t = 2, p = 1), stored as PHC strings. Hashing runs on a blocking thread.

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};

/// Hashing failed (never the user's fault); the text is for logs.
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

fn hasher() -> Argon2<'static> {
    Argon2::default()
}

/// Hash a password on a blocking thread.
pub async fn hash_password(password: String) -> Result<String, HashError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| HashError(e.to_string()))
    })
    .await
    .map_err(|e| HashError(e.to_string()))?
}

/// Whether `password` matches the stored PHC string, on a blocking thread. A malformed stored
/// hash verifies as false.
pub async fn verify_password(password: String, phc: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&phc)
            .map(|parsed| {
                hasher()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Whether a stored hash was made with other parameters than today's (re-hash at sign-in).
pub fn needs_rehash(phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return true;
    };
    let current = argon2::Params::default();
    let param = |name: &str| parsed.params.get_decimal(name);
    parsed.algorithm.as_str() != "argon2id"
        || param("m") != Some(current.m_cost())
        || param("t") != Some(current.t_cost())
        || param("p") != Some(current.p_cost())
}

/// A hash to verify against when the e-mail is unknown, so that answer takes as long as a
/// wrong password for a real account.
pub async fn dummy_hash() -> String {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_init(|| async {
            hash_password("dummy password for unknown accounts".into())
                .await
                .unwrap_or_default()
        })
        .await
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_with_owasp_argon2id_parameters_and_verifies() {
        let phc = hash_password("a long enough password".into())
            .await
            .expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_password("a long enough password".into(), phc.clone()).await);
        assert!(!needs_rehash(&phc));
        assert!(!verify_password("another password!".into(), phc).await);
        assert!(!verify_password("x".into(), "not a hash".into()).await);
        assert!(needs_rehash(
            "$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0$W1nm0J4Ha5u/V9TuKmhu9tuW6fRCGEt5Ed4LFF3ndbI"
        ));
    }
}
