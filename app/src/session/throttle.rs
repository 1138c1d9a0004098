//! Sign-in throttling: failures counted per (e-mail, address) and per address, with a growing
//! wait once past the free attempts (`domain::session`), never per e-mail alone, so nobody can
//! lock an account's owner out from elsewhere. An attempt is reserved as failed before the
//! password is checked, in the same transaction as the count it is checked against.

use super::{client_address, log_decision};
use crate::{
    domain::{
        network::address_key,
        session::{reserve, wait_minutes, FREE_PER_ACCOUNT_AND_ADDRESS, FREE_PER_ADDRESS},
    },
    error::AppError,
    request::db,
    store::sessions,
};

/// An attempt reserved under its counters, to forget if it succeeds.
#[derive(Debug, Clone)]
pub struct Attempt {
    keys: Vec<String>,
}

impl Attempt {
    /// The attempt succeeded: it no longer counts, and the account's own failures from this
    /// address are forgotten.
    pub async fn succeeded(self) -> Result<(), AppError> {
        let db = db()?;
        sessions::forget_attempt(&db, &self.keys[1..]).await?;
        sessions::clear_failures(&db, &self.keys[0]).await?;
        Ok(())
    }
}

/// Reserve an attempt for `email` from this request's address, or `TooManyAttempts` with
/// the minutes to wait.
pub async fn throttle(email: &str) -> Result<Attempt, AppError> {
    let address = address_key(client_address());
    let keys = vec![
        format!("account:{}|{address}", email.trim().to_lowercase()),
        format!("address:{address}"),
    ];
    let free = [FREE_PER_ACCOUNT_AND_ADDRESS, FREE_PER_ADDRESS];
    let now = chrono::Utc::now();
    let decided = sessions::update_failures(&db()?, &keys, now, |current| {
        let wait = current
            .iter()
            .zip(free)
            .filter_map(|(f, free)| wait_minutes(*f, free, now))
            .max();
        match wait {
            Some(minutes) => Err(minutes),
            None => Ok(current.iter().map(|f| reserve(*f, now)).collect()),
        }
    })
    .await?;
    match decided {
        Ok(()) => Ok(Attempt { keys }),
        Err(minutes) => {
            log_decision("sign_in_throttled", Some(email));
            Err(AppError::TooManyAttempts(minutes))
        }
    }
}
