//! A subscriber's links (tokens stored as SHA-256 only, each of one kind with its own end)
//! and the counts of mails sent on request (per mailbox, per domain, in all), shared by every
//! instance. What a token may do is `domain::subscriber_links::allows`.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::{Any, AnyConnection};

use super::{sessions::token_hash, subscriptions::SubscriptionRow, Db, StoreResult};
use crate::domain::subscriber_links::{lifetime, Link, LinkKind, MailCap};

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn parse_time(s: Option<String>) -> Option<DateTime<Utc>> {
    s.and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// Give a subscription a new token of `kind`, ending as `lifetime` says (an objection link
/// is for `change`, which takes effect on `effective_on`); returns the token, of which only
/// the hash is stored. A row merged into another (migration 0017) gives its token to the row
/// it went into.
pub async fn issue(
    conn: &mut AnyConnection,
    subscription_id: i64,
    kind: LinkKind,
    now: DateTime<Utc>,
    change: Option<(i64, NaiveDate)>,
) -> StoreResult<String> {
    let (token, hash) = super::sessions::new_token();
    let (expires, unsubscribe_until) = lifetime(kind, now, change.map(|(_, d)| d));
    sqlx::query(
        "INSERT INTO subscription_tokens \
         (token_hash, subscription_id, kind, created_at, expires_at, change_event_id, unsubscribe_until) \
         SELECT $1, COALESCE(merged_into, id), $2, $3, $4, $5, $6 FROM subscriptions WHERE id = $7",
    )
    .bind(hash)
    .bind(kind.as_str().to_string())
    .bind(stamp(now))
    .bind(stamp(expires))
    .bind(change.map(|(id, _)| id))
    .bind(unsubscribe_until.map(stamp))
    .bind(subscription_id)
    .execute(&mut *conn)
    .await?;
    Ok(token)
}

/// The stored token `token` (any kind, expired or not) with its subscription.
pub async fn find(db: &Db, token: &str) -> StoreResult<Option<(SubscriptionRow, Link)>> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    type Row = (i64, String, Option<String>, Option<i64>, Option<String>);
    let found = sqlx::query_as::<Any, Row>(
        "SELECT subscription_id, kind, expires_at, change_event_id, unsubscribe_until \
         FROM subscription_tokens WHERE token_hash = $1",
    )
    .bind(token_hash(token))
    .fetch_optional(&db.pool)
    .await?;
    let Some((id, kind, expires, change, unsubscribe_until)) = found else {
        return Ok(None);
    };
    let Some(kind) = LinkKind::parse(&kind) else {
        return Ok(None);
    };
    let link = Link {
        kind,
        change,
        expires_at: parse_time(expires),
        unsubscribe_until: parse_time(unsubscribe_until),
    };
    Ok(super::subscriptions::get(db, id).await?.map(|s| (s, link)))
}

/// End every token of a subscription (it unsubscribed, or its subscriber revoked its links).
pub async fn revoke_all(conn: &mut AnyConnection, subscription_id: i64) -> StoreResult<u64> {
    Ok(
        sqlx::query("DELETE FROM subscription_tokens WHERE subscription_id = $1")
            .bind(subscription_id)
            .execute(&mut *conn)
            .await?
            .rows_affected(),
    )
}

/// Count one mail on request in each of `counters` (see
/// `domain::subscriber_links::counters`), in order: the first one at its cap is returned and
/// the caller rolls back, so a refused mail counts nowhere. `Ok(n)`: the mail is the `n`th to
/// this mailbox today.
pub async fn count_mail(
    conn: &mut AnyConnection,
    counters: &[(MailCap, String, String, u32)],
) -> StoreResult<Result<i64, MailCap>> {
    let mut nth = 1;
    for (cap, scope, window, limit) in counters {
        let counted = sqlx::query_scalar::<Any, i64>(
            "INSERT INTO mail_counts (scope, window_start, sent) VALUES ($1, $2, 1) \
             ON CONFLICT (scope, window_start) DO UPDATE SET sent = mail_counts.sent + 1 \
             WHERE mail_counts.sent < $3 RETURNING sent",
        )
        .bind(scope.clone())
        .bind(window.clone())
        .bind(if *limit == 0 {
            i64::MAX
        } else {
            i64::from(*limit)
        })
        .fetch_optional(&mut *conn)
        .await?;
        match counted {
            Some(n) if *cap == MailCap::Mailbox => nth = n,
            Some(_) => {}
            None => return Ok(Err(*cap)),
        }
    }
    Ok(Ok(nth))
}

/// What the periodic round pruned.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub tokens: u64,
    pub counts: u64,
}

/// Delete tokens whose every power has ended and mail counts of windows that ended more than
/// a day ago (the delivery worker calls it once in a while; see docs/security/mail.md).
pub async fn prune(db: &Db, now: DateTime<Utc>) -> StoreResult<Pruned> {
    let at = stamp(now);
    let tokens = sqlx::query(
        "DELETE FROM subscription_tokens WHERE expires_at IS NOT NULL AND expires_at < $1 \
         AND (unsubscribe_until IS NULL OR unsubscribe_until < $1)",
    )
    .bind(at)
    .execute(&db.pool)
    .await?
    .rows_affected();
    let before = (now - Duration::days(2)).date_naive().to_string();
    let counts = sqlx::query("DELETE FROM mail_counts WHERE window_start < $1")
        .bind(before)
        .execute(&db.pool)
        .await?
        .rows_affected();
    Ok(Pruned { tokens, counts })
}
