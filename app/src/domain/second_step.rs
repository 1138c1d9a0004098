//! The lock on an account's second sign-in step: wrong codes (TOTP, recovery, or the first code
//! of a new authenticator) counted per account, whoever sends them and however many fresh
//! password sign-ins they come through. Pure rules of timestamps, tested at their edges; the
//! count lives in the database (`store::second_step`) so every instance shares it.
//!
//! The lock can only be triggered by someone who passed the password step (or holds a
//! session), so it locks out only an account whose password is known already: that is the
//! point, not a side effect.

use chrono::{DateTime, Duration, Utc};

/// Wrong codes allowed in one window before the second step is locked.
pub const MAX_FAILURES: u32 = 10;
/// The window the failures are counted in.
pub const WINDOW: Duration = Duration::hours(1);
/// The first lock's length; each further lock in a series doubles it. At least [`WINDOW`], so
/// that no more than [`MAX_FAILURES`] wrong codes fit in any hour.
pub const FIRST_LOCK: Duration = Duration::hours(1);
/// The longest lock.
pub const MAX_LOCK: Duration = Duration::hours(24);
/// A series of locks is forgotten (the next lock is a first one again, and mailed) this long
/// after its last lock ended without another.
pub const SERIES_FORGOTTEN_AFTER: Duration = Duration::hours(24);

/// How long a set-up link (the start of an account's first two-step set-up) stays valid.
pub const SET_UP_LINK_LIFETIME: Duration = Duration::hours(24);

/// The stored count of one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecondStepFailures {
    /// Wrong codes since `window_start`.
    pub failures: u32,
    pub window_start: DateTime<Utc>,
    /// Locks in the current series.
    pub locks: u32,
    pub locked_until: Option<DateTime<Utc>>,
}

/// What a wrong code did to the count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AfterFailure {
    pub count: SecondStepFailures,
    /// This failure locked the second step.
    pub locked: bool,
    /// It is the first lock of a series: the account's owner is told.
    pub first_lock: bool,
}

/// How long the `locks`-th lock of a series lasts: 1, 2, 4, ... hours, at most a day.
pub fn lock_length(locks: u32) -> Duration {
    let doublings = locks.saturating_sub(1).min(10);
    (FIRST_LOCK * 2i32.pow(doublings)).min(MAX_LOCK)
}

/// When the second step may be tried again, if it is locked at `now`.
pub fn locked_until(f: Option<&SecondStepFailures>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    f.and_then(|f| f.locked_until).filter(|until| now < *until)
}

/// Whole minutes (at least 1) from `now` to `until`.
pub fn minutes_until(until: DateTime<Utc>, now: DateTime<Utc>) -> u32 {
    let seconds = (until - now).num_seconds().max(0);
    u32::try_from(((seconds + 59) / 60).max(1)).unwrap_or(u32::MAX)
}

/// The count after one more wrong code at `now` (the second step was not locked).
pub fn after_failure(f: Option<SecondStepFailures>, now: DateTime<Utc>) -> AfterFailure {
    let mut c = f.unwrap_or(SecondStepFailures {
        failures: 0,
        window_start: now,
        locks: 0,
        locked_until: None,
    });
    if c.locked_until
        .is_some_and(|until| now >= until + SERIES_FORGOTTEN_AFTER)
    {
        c.locks = 0;
        c.locked_until = None;
    }
    if now >= c.window_start + WINDOW || now < c.window_start {
        c.failures = 0;
        c.window_start = now;
    }
    c.failures = c.failures.saturating_add(1);
    if c.failures < MAX_FAILURES {
        return AfterFailure {
            count: c,
            locked: false,
            first_lock: false,
        };
    }
    c.locks = c.locks.saturating_add(1);
    let until = now + lock_length(c.locks);
    c.locked_until = Some(until);
    // the next window starts when the lock ends
    c.failures = 0;
    c.window_start = until;
    AfterFailure {
        count: c,
        locked: true,
        first_lock: c.locks == 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        format!("2026-11-28T{s}Z").parse().expect("time")
    }

    /// `n` wrong codes, one a second from `start`.
    fn fail(mut f: Option<SecondStepFailures>, n: u32, start: DateTime<Utc>) -> Vec<AfterFailure> {
        let mut out = Vec::new();
        for i in 0..n {
            let now = start + Duration::seconds(i64::from(i));
            if locked_until(f.as_ref(), now).is_some() {
                continue;
            }
            let a = after_failure(f, now);
            f = Some(a.count);
            out.push(a);
        }
        out
    }

    #[test]
    fn ten_wrong_codes_lock_for_an_hour_and_only_the_first_lock_is_mailed() {
        let steps = fail(None, 100, t("10:00:00"));
        // the hundred guesses of the report: only ten are even checked
        assert_eq!(steps.len(), 10);
        assert!(steps[..9].iter().all(|a| !a.locked));
        let last = steps[9];
        assert!(last.locked && last.first_lock);
        assert_eq!(last.count.locked_until, Some(t("10:00:09") + FIRST_LOCK));
        assert_eq!(
            locked_until(Some(&last.count), t("10:59:00")),
            Some(t("11:00:09"))
        );
        assert_eq!(minutes_until(t("11:00:09"), t("10:59:00")), 2);
        assert_eq!(locked_until(Some(&last.count), t("11:00:09")), None);
        // ten more after the lock: a second lock, twice as long, not mailed again
        let again = fail(Some(last.count), 10, t("11:00:09"));
        let second = again[9];
        assert!(second.locked && !second.first_lock);
        assert_eq!(second.count.locks, 2);
        assert_eq!(
            second.count.locked_until,
            Some(t("11:00:18") + Duration::hours(2))
        );
    }

    #[test]
    fn the_wait_doubles_up_to_a_day_and_a_quiet_day_starts_a_new_series() {
        assert_eq!(lock_length(1), Duration::hours(1));
        assert_eq!(lock_length(2), Duration::hours(2));
        assert_eq!(lock_length(5), Duration::hours(16));
        assert_eq!(lock_length(6), MAX_LOCK);
        assert_eq!(lock_length(60), MAX_LOCK);
        let locked = SecondStepFailures {
            failures: 0,
            window_start: t("11:00:00"),
            locks: 3,
            locked_until: Some(t("11:00:00")),
        };
        let quiet = locked.locked_until.map(|u| u + SERIES_FORGOTTEN_AFTER);
        let quiet = quiet.expect("time");
        let a = fail(Some(locked), 10, quiet);
        assert!(a[9].first_lock, "a new series is mailed again");
        assert_eq!(a[9].count.locks, 1);
    }

    #[test]
    fn failures_age_out_of_their_hour() {
        let nine = fail(None, 9, t("10:00:00"));
        let c = nine[8].count;
        assert_eq!(c.failures, 9);
        let later = after_failure(Some(c), t("11:00:00"));
        assert_eq!(later.count.failures, 1);
        assert!(!later.locked);
        // within the hour the tenth locks
        let tenth = after_failure(Some(c), t("10:59:59"));
        assert!(tenth.locked);
    }
}
