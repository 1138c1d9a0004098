//! Session lifetime and sign-in throttling: pure rules of timestamps, so the limits are tested
//! at their edges without a clock or a database.

use chrono::{DateTime, Duration, Utc};

/// A session ends after this long without a request.
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
/// A session ends this long after sign-in, however active.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);
/// `last_seen_at` is written at most this often (not on every request).
pub const TOUCH_EVERY: Duration = Duration::seconds(60);

/// Failed sign-ins are counted over this sliding window.
pub const THROTTLE_WINDOW: Duration = Duration::minutes(15);
/// Failures for one e-mail address within the window before further attempts wait.
pub const MAX_EMAIL_FAILURES: usize = 5;
/// Failures from one network address within the window before further attempts wait.
pub const MAX_ADDRESS_FAILURES: usize = 20;

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

/// Whole minutes (at least 1) until a sign-in attempt is allowed again, or `None` if it is
/// allowed now. `by_email` and `by_address` are the times of failures within the window.
pub fn throttled_for(
    by_email: &[DateTime<Utc>],
    by_address: &[DateTime<Utc>],
    now: DateTime<Utc>,
) -> Option<u32> {
    let wait = |failures: &[DateTime<Utc>], max: usize| -> Option<Duration> {
        let mut recent: Vec<DateTime<Utc>> = failures
            .iter()
            .copied()
            .filter(|t| *t > now - THROTTLE_WINDOW && *t <= now)
            .collect();
        if recent.len() < max {
            return None;
        }
        recent.sort();
        // allowed again once all but max-1 of them have left the window
        let freeing = recent[recent.len() - max];
        Some(freeing + THROTTLE_WINDOW - now)
    };
    let longest = [
        wait(by_email, MAX_EMAIL_FAILURES),
        wait(by_address, MAX_ADDRESS_FAILURES),
    ]
    .into_iter()
    .flatten()
    .max()?;
    let minutes = (longest.num_seconds() + 59) / 60;
    Some(u32::try_from(minutes.max(1)).unwrap_or(u32::MAX))
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

    #[test]
    fn fifth_failure_for_an_email_blocks_for_the_rest_of_the_window() {
        let fails: Vec<_> = ["10:00:00", "10:01:00", "10:02:00", "10:03:00"]
            .iter()
            .map(|s| t(s))
            .collect();
        assert_eq!(throttled_for(&fails, &[], t("10:04:00")), None);
        let mut five = fails.clone();
        five.push(t("10:04:00"));
        // the first failure leaves the window at 10:15:00
        assert_eq!(throttled_for(&five, &[], t("10:04:00")), Some(11));
        assert_eq!(throttled_for(&five, &[], t("10:14:01")), Some(1));
        assert_eq!(throttled_for(&five, &[], t("10:15:00")), None);
    }

    #[test]
    fn twenty_failures_from_an_address_block_it() {
        let fails: Vec<_> = (0..20).map(|i| t(&format!("10:{:02}:00", i / 2))).collect();
        assert_eq!(throttled_for(&[], &fails[..19], t("10:10:00")), None);
        assert_eq!(throttled_for(&[], &fails, t("10:10:00")), Some(5));
        // an old failure outside the window does not count
        assert_eq!(throttled_for(&[t("09:00:00")], &[], t("10:00:00")), None);
    }
}
