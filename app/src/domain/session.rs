//! Session lifetime and sign-in throttling: pure rules of timestamps, so the limits are tested
//! at their edges without a clock or a database.

use chrono::{DateTime, Duration, Utc};

/// A session ends after this long without a request.
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
/// A session ends this long after sign-in, however active.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);
/// A sign-in that passed its password must finish its second step within this time.
pub const CHALLENGE_TIMEOUT: Duration = Duration::minutes(10);
/// Codes tried against one sign-in challenge before it is void.
pub const CHALLENGE_ATTEMPTS: i64 = 5;
/// `last_seen_at` is written at most this often (not on every request).
pub const TOUCH_EVERY: Duration = Duration::seconds(60);

/// A run of failed sign-ins is forgotten after this long without another failure.
pub const THROTTLE_WINDOW: Duration = Duration::minutes(15);
/// Failures for one e-mail from one address before each further attempt waits.
pub const FREE_PER_ACCOUNT_AND_ADDRESS: u32 = 5;
/// Failures from one address (any e-mail) before each further attempt waits.
pub const FREE_PER_ADDRESS: u32 = 20;
/// The longest wait between attempts, however many failures.
pub const MAX_WAIT: Duration = Duration::minutes(60);

/// Failed sign-ins counted under one key (an e-mail from an address, or an address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    pub count: u32,
    /// When the latest failure (or reserved attempt) was.
    pub last_at: DateTime<Utc>,
}

/// The failures that still count at `now` (a quiet window forgets them all).
fn live(f: Option<Failures>, now: DateTime<Utc>) -> Option<Failures> {
    f.filter(|f| f.last_at > now - THROTTLE_WINDOW)
}

/// How long to wait after `count` failures when `free` are allowed: nothing up to `free`,
/// then 1, 2, 4, ... minutes, at most [`MAX_WAIT`].
pub fn delay(count: u32, free: u32) -> Duration {
    if count < free {
        return Duration::zero();
    }
    let doublings = (count - free).min(6);
    (Duration::minutes(1) * 2i32.pow(doublings)).min(MAX_WAIT)
}

/// Whole minutes (at least 1) until another attempt under this key is allowed, or `None` if
/// it is allowed now.
pub fn wait_minutes(f: Option<Failures>, free: u32, now: DateTime<Utc>) -> Option<u32> {
    let f = live(f, now)?;
    let until = f.last_at + delay(f.count, free);
    (now < until).then(|| {
        let seconds = (until - now).num_seconds();
        u32::try_from(((seconds + 59) / 60).max(1)).unwrap_or(u32::MAX)
    })
}

/// The failures after an attempt is reserved at `now`: an attempt counts as failed until it
/// succeeds, so parallel guesses cannot slip past the count while passwords are checked.
pub fn reserve(f: Option<Failures>, now: DateTime<Utc>) -> Failures {
    match live(f, now) {
        Some(f) => Failures {
            count: f.count.saturating_add(1),
            last_at: now,
        },
        None => Failures {
            count: 1,
            last_at: now,
        },
    }
}

/// What to do with a stored session on a request at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionCheck {
    Expired,
    /// Valid; `touch` says whether to record this request as its latest activity.
    Valid {
        touch: bool,
    },
}

pub fn check_session(
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> SessionCheck {
    if now >= created_at + ABSOLUTE_TIMEOUT || now >= last_seen_at + IDLE_TIMEOUT {
        SessionCheck::Expired
    } else {
        SessionCheck::Valid {
            touch: now >= last_seen_at + TOUCH_EVERY,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        format!("2026-11-28T{s}Z").parse().expect("time")
    }

    #[test]
    fn session_expires_when_idle_or_old() {
        let created = t("00:00:00");
        let cases = [
            // (last seen, now, expected)
            ("00:00:00", "00:00:30", SessionCheck::Valid { touch: false }),
            ("00:00:00", "00:01:00", SessionCheck::Valid { touch: true }),
            ("00:00:00", "00:29:59", SessionCheck::Valid { touch: true }),
            ("00:00:00", "00:30:00", SessionCheck::Expired),
            ("11:50:00", "11:59:59", SessionCheck::Valid { touch: true }),
            ("11:59:00", "12:00:00", SessionCheck::Expired),
        ];
        for (seen, now, want) in cases {
            assert_eq!(
                check_session(created, t(seen), t(now)),
                want,
                "{seen} {now}"
            );
        }
    }

    fn failed(count: u32, at: &str) -> Option<Failures> {
        Some(Failures {
            count,
            last_at: t(at),
        })
    }

    #[test]
    fn five_failures_then_a_growing_wait() {
        let free = FREE_PER_ACCOUNT_AND_ADDRESS;
        assert_eq!(wait_minutes(None, free, t("10:00:00")), None);
        assert_eq!(
            wait_minutes(failed(4, "10:00:00"), free, t("10:00:01")),
            None
        );
        // the fifth failure makes the next attempt wait a minute, then 2, 4, ... 60
        assert_eq!(
            wait_minutes(failed(5, "10:00:00"), free, t("10:00:01")),
            Some(1)
        );
        assert_eq!(
            wait_minutes(failed(5, "10:00:00"), free, t("10:01:00")),
            None
        );
        assert_eq!(
            wait_minutes(failed(6, "10:00:00"), free, t("10:00:30")),
            Some(2)
        );
        assert_eq!(
            wait_minutes(failed(7, "10:00:00"), free, t("10:00:00")),
            Some(4)
        );
        assert_eq!(delay(30, free), MAX_WAIT);
        // a quiet window forgets the failures
        assert_eq!(
            wait_minutes(failed(9, "10:00:00"), free, t("10:15:00")),
            None
        );
        assert_eq!(
            reserve(failed(9, "10:00:00"), t("10:15:00")),
            Failures {
                count: 1,
                last_at: t("10:15:00")
            }
        );
    }

    #[test]
    fn reserving_counts_the_attempt_before_the_password_is_checked() {
        let mut f = None;
        let mut allowed = 0;
        // fifty guesses at the same instant: only the first five get to check a password
        for _ in 0..50 {
            if wait_minutes(f, FREE_PER_ACCOUNT_AND_ADDRESS, t("10:00:00")).is_none() {
                allowed += 1;
                f = Some(reserve(f, t("10:00:00")));
            }
        }
        assert_eq!(allowed, 5);
        assert_eq!(f.map(|f| f.count), Some(5));
    }

    #[test]
    fn an_address_gets_twenty_before_waiting() {
        let free = FREE_PER_ADDRESS;
        assert_eq!(
            wait_minutes(failed(19, "10:00:00"), free, t("10:00:00")),
            None
        );
        assert_eq!(
            wait_minutes(failed(20, "10:00:00"), free, t("10:00:00")),
            Some(1)
        );
    }
}
