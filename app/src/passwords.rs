//! Passwords: the strength policy for new ones, and hashing with argon2id at the argon2
//! crate's defaults (the OWASP parameters m = 19456 KiB, t = 2, p = 1), stored as PHC strings.
//!
//! Hashing runs on a small pool of threads of its own: no other blocking work (downloads,
//! long pages) can hold up sign-in, and a flood of sign-ins cannot take every core. When the
//! pool's queue is full the attempt is refused at once rather than waited for.

use std::sync::{mpsc, Mutex, OnceLock};

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};

use crate::domain::{account::check_length, Email, ParseError};

/// Hashing failed or the pool is saturated (never the user's fault); the text is for logs.
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Threads that hash; hashing is CPU-bound, so more than the cores would not go faster.
const THREADS: usize = 2;
/// Jobs waiting for a thread before new ones are refused.
const QUEUE: usize = 64;

type Job = Box<dyn FnOnce() + Send>;

fn pool() -> &'static Mutex<mpsc::SyncSender<Job>> {
    static POOL: OnceLock<Mutex<mpsc::SyncSender<Job>>> = OnceLock::new();
    POOL.get_or_init(|| {
        let (tx, rx) = mpsc::sync_channel::<Job>(QUEUE);
        let rx = std::sync::Arc::new(Mutex::new(rx));
        for i in 0..THREADS {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || loop {
                    let job = match rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                });
            if let Err(e) = spawned {
                tracing::error!("cannot start a password hashing thread: {e}");
            }
        }
        Mutex::new(tx)
    })
}

/// Run `f` on the hashing pool and wait for it without blocking the async threads.
async fn on_pool<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, HashError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = tx.send(f());
    });
    pool()
        .lock()
        .map_err(|_| HashError("hashing pool poisoned".into()))?
        .try_send(job)
        .map_err(|_| HashError("hashing pool busy".into()))?;
    rx.await.map_err(|e| HashError(e.to_string()))
}

fn hasher() -> Argon2<'static> {
    Argon2::default()
}

/// Hash a password on the hashing pool.
pub async fn hash_password(password: String) -> Result<String, HashError> {
    on_pool(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| HashError(e.to_string()))
    })
    .await?
}

/// Whether `password` matches the stored PHC string, on the hashing pool. A malformed stored
/// hash verifies as false; a saturated pool is an error.
pub async fn verify_password(password: String, phc: String) -> Result<bool, HashError> {
    on_pool(move || {
        PasswordHash::new(&phc)
            .map(|parsed| {
                hasher()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
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

/// Lowest zxcvbn score (0 to 4) a new password must reach: 3 is "safely unguessable".
pub const MIN_SCORE: u8 = 3;

/// The policy for a new password: 12 to 256 characters, not the account's e-mail, and hard
/// to guess by the zxcvbn estimator (its own dictionaries, plus the account's e-mail and this
/// site's name). A refusal says why and how to do better, in the estimator's words.
pub fn check_new_password(password: &str, email: &Email) -> Result<(), ParseError> {
    check_length(password)?;
    let lower = password.to_lowercase();
    let local = email.as_str().split('@').next().unwrap_or_default();
    if lower == email.as_str() || lower == local {
        return Err(ParseError(
            "The password cannot be your e-mail address.".into(),
        ));
    }
    let mut inputs: Vec<&str> = vec![email.as_str(), local, "subprocessor", "registry", "vpap"];
    // the parts of a name-like address count on their own too: priya, raman
    inputs.extend(
        local
            .split(|c: char| !c.is_alphanumeric())
            .filter(|p| p.len() > 2),
    );
    let estimate = zxcvbn::zxcvbn(password, &inputs);
    if (estimate.score() as u8) >= MIN_SCORE {
        return Ok(());
    }
    let mut why = String::from("This password is too easy to guess.");
    if let Some(f) = estimate.feedback() {
        if let Some(w) = f.warning() {
            why.push(' ');
            why.push_str(&w.to_string());
        }
        for s in f.suggestions() {
            why.push(' ');
            why.push_str(&s.to_string());
        }
    }
    Err(ParseError(why))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email() -> Email {
        Email::parse("Priya.Raman@Example.com").expect("email")
    }

    #[tokio::test]
    async fn hashes_with_owasp_argon2id_parameters_and_verifies() {
        let phc = hash_password("a long enough password".into())
            .await
            .expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(
            verify_password("a long enough password".into(), phc.clone())
                .await
                .expect("pool")
        );
        assert!(!needs_rehash(&phc));
        assert!(!verify_password("another password!".into(), phc)
            .await
            .expect("pool"));
        assert!(!verify_password("x".into(), "not a hash".into())
            .await
            .expect("pool"));
        assert!(needs_rehash(
            "$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0$W1nm0J4Ha5u/V9TuKmhu9tuW6fRCGEt5Ed4LFF3ndbI"
        ));
    }

    #[test]
    fn strength_is_estimated_not_listed() {
        for weak in [
            "Password1234",
            "qwertyuiop123",
            "priya.raman@example.com",
            "priya.raman2026",
            "aaaaaaaaaaaaaaaa",
            "Registry2026",
        ] {
            assert!(check_new_password(weak, &email()).is_err(), "{weak}");
        }
        for strong in [
            "correct horse battery staple",
            "a brand new long passphrase",
            "ünïcödé-pässwörd-7Kq",
            "tangerine voyage marble 41",
        ] {
            assert_eq!(check_new_password(strong, &email()), Ok(()), "{strong}");
        }
        let why = check_new_password("Password1234", &email()).expect_err("weak");
        assert!(
            why.0.starts_with("This password is too easy to guess."),
            "{why}"
        );
        assert!(
            why.0.len() > "This password is too easy to guess.".len(),
            "feedback: {why}"
        );
    }
}
