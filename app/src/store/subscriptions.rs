//! Subscriptions of customers (no account): the address, what it hears about, its double
//! opt-in and its webhook endpoints (its links: `subscriber_links`).

use chrono::{DateTime, Utc};
use sqlx::{Any, AnyConnection, FromRow};

use super::{
    now_utc,
    secrets::{Column, Keyring},
    Db, StoreResult,
};
use crate::domain::notices::{Interests, NewSubscription};

/// A stored subscription.
#[derive(Debug, Clone, FromRow)]
pub struct SubscriptionRow {
    pub id: i64,
    pub email: String,
    pub organisation: Option<String>,
    pub services: String,
    pub categories: String,
    pub status: String,
    pub created_at: String,
    pub confirmed_at: Option<String>,
    pub version: i64,
}

impl SubscriptionRow {
    pub fn interests(&self) -> Interests {
        Interests::from_stored(&self.services, &self.categories)
    }

    pub fn is_confirmed(&self) -> bool {
        self.status == "confirmed"
    }
}

const COLUMNS: &str =
    "id, email, organisation, services, categories, status, created_at, confirmed_at, version";

/// Record a subscription request for the mailbox of `new.email` (one live subscription per
/// mailbox, `Email::mailbox`): a new mailbox is pending with these interests; a pending or
/// unsubscribed one takes them and the address as given now (an unsubscribed one is pending
/// again); a confirmed one stays as it is (changing it takes its manage link).
pub async fn request(
    conn: &mut AnyConnection,
    new: &NewSubscription,
    now: DateTime<Utc>,
) -> StoreResult<SubscriptionRow> {
    let (services, categories) = new.interests.to_stored();
    let stamp = now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mailbox = new.email.mailbox();
    sqlx::query(
        "INSERT INTO subscriptions \
         (email, mailbox, organisation, services, categories, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'pending', $6) ON CONFLICT DO NOTHING",
    )
    .bind(new.email.as_str().to_string())
    .bind(mailbox.clone())
    .bind(new.organisation.clone())
    .bind(services.clone())
    .bind(categories.clone())
    .bind(stamp)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE subscriptions SET email = $1, organisation = $2, services = $3, categories = $4, \
         status = 'pending', unsubscribed_at = NULL, version = version + 1 \
         WHERE mailbox = $5 AND merged_into IS NULL AND status <> 'confirmed'",
    )
    .bind(new.email.as_str().to_string())
    .bind(new.organisation.clone())
    .bind(services)
    .bind(categories)
    .bind(mailbox.clone())
    .execute(&mut *conn)
    .await?;
    Ok(sqlx::query_as::<Any, SubscriptionRow>(&format!(
        "SELECT {COLUMNS} FROM subscriptions WHERE mailbox = $1 AND merged_into IS NULL"
    ))
    .bind(mailbox)
    .fetch_one(&mut *conn)
    .await?)
}

/// A subscription, read in the caller's transaction.
pub async fn get_in(conn: &mut AnyConnection, id: i64) -> StoreResult<Option<SubscriptionRow>> {
    Ok(sqlx::query_as::<Any, SubscriptionRow>(&format!(
        "SELECT {COLUMNS} FROM subscriptions WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Option<SubscriptionRow>> {
    Ok(sqlx::query_as::<Any, SubscriptionRow>(&format!(
        "SELECT {COLUMNS} FROM subscriptions WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?)
}

/// Confirm a pending subscription; its confirmation tokens are used up. Whether it was
/// pending.
pub async fn confirm(conn: &mut AnyConnection, id: i64) -> StoreResult<bool> {
    let res = sqlx::query(
        "UPDATE subscriptions SET status = 'confirmed', confirmed_at = $1, version = version + 1 \
         WHERE id = $2 AND status = 'pending'",
    )
    .bind(now_utc())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM subscription_tokens WHERE subscription_id = $1 AND kind = 'confirm'")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(res.rows_affected() == 1)
}

/// End a subscription at once: no more notices, its webhooks stop, and every link of it ends
/// (a link leaked from an old mail opens nothing; subscribing again mails new ones). Whether
/// it was on.
pub async fn unsubscribe(conn: &mut AnyConnection, id: i64) -> StoreResult<bool> {
    let res = sqlx::query(
        "UPDATE subscriptions SET status = 'unsubscribed', unsubscribed_at = $1, \
         version = version + 1 WHERE id = $2 AND status <> 'unsubscribed'",
    )
    .bind(now_utc())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM subscription_tokens WHERE subscription_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE webhook_endpoints SET enabled = 0, disabled_reason = 'unsubscribed' \
         WHERE subscription_id = $1",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// Change what a subscription hears about, if it is still at `version`.
pub async fn update_interests(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    organisation: Option<&str>,
    interests: &Interests,
) -> StoreResult<bool> {
    let (services, categories) = interests.to_stored();
    let res = sqlx::query(
        "UPDATE subscriptions SET organisation = $1, services = $2, categories = $3, \
         version = version + 1 WHERE id = $4 AND version = $5 AND status = 'confirmed'",
    )
    .bind(organisation.map(str::to_string))
    .bind(services)
    .bind(categories)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// Confirmed subscriptions after `after_id`, by id, `limit` at a time (the fan-out walks them).
pub async fn confirmed_after(
    conn: &mut AnyConnection,
    after_id: i64,
    limit: u32,
) -> StoreResult<Vec<SubscriptionRow>> {
    Ok(sqlx::query_as::<Any, SubscriptionRow>(&format!(
        "SELECT {COLUMNS} FROM subscriptions WHERE status = 'confirmed' AND id > $1 \
         ORDER BY id LIMIT {limit}"
    ))
    .bind(after_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// How many subscriptions are confirmed (the dashboard).
pub async fn count_confirmed(db: &Db) -> StoreResult<i64> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "SELECT COUNT(*) FROM subscriptions WHERE status = 'confirmed'",
    )
    .fetch_one(&db.pool)
    .await?)
}

/// A webhook endpoint, its signing secret opened (the store seals it at rest): its `Debug`
/// leaves the secret out.
#[derive(Clone, FromRow)]
pub struct EndpointRow {
    pub id: i64,
    pub subscription_id: i64,
    pub url: String,
    pub secret: String,
    pub enabled: i64,
    pub disabled_reason: Option<String>,
    pub created_at: String,
}

impl std::fmt::Debug for EndpointRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EndpointRow")
            .field("id", &self.id)
            .field("subscription_id", &self.subscription_id)
            .field("url", &self.url)
            .field("secret", &"<redacted>")
            .field("enabled", &self.enabled)
            .field("disabled_reason", &self.disabled_reason)
            .field("created_at", &self.created_at)
            .finish()
    }
}

const ENDPOINT_COLUMNS: &str =
    "id, subscription_id, url, secret, enabled, disabled_reason, created_at";

/// The rows with their signing secrets opened with `keys`.
fn opened(keys: &Keyring, rows: Vec<EndpointRow>) -> StoreResult<Vec<EndpointRow>> {
    rows.into_iter()
        .map(|mut r| {
            r.secret = keys.open(Column::WebhookSecret, &r.secret)?;
            Ok(r)
        })
        .collect()
}

fn opened_one(keys: &Keyring, row: Option<EndpointRow>) -> StoreResult<Option<EndpointRow>> {
    Ok(opened(keys, row.into_iter().collect())?.pop())
}

/// What adding an endpoint came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointAdded {
    Added(i64),
    /// The URL is among the subscription's enabled endpoints already.
    Duplicate,
    /// The subscription has `max` enabled endpoints already.
    Full,
}

/// Add an endpoint unless the subscription has `max` enabled ones or this URL already. The
/// count is taken in the caller's (write) transaction after the subscription's row is locked
/// (SQLite: the write lock of `BEGIN IMMEDIATE`; PostgreSQL: the row lock of the no-op
/// update), so two adds at the same moment are counted one after the other. Its signing
/// secret is stored sealed with `keys`.
pub async fn add_endpoint(
    conn: &mut AnyConnection,
    keys: &Keyring,
    subscription_id: i64,
    url: &str,
    secret: &str,
    max: usize,
) -> StoreResult<EndpointAdded> {
    sqlx::query("UPDATE subscriptions SET id = id WHERE id = $1")
        .bind(subscription_id)
        .execute(&mut *conn)
        .await?;
    let urls = sqlx::query_scalar::<Any, String>(
        "SELECT url FROM webhook_endpoints WHERE subscription_id = $1 AND enabled = 1",
    )
    .bind(subscription_id)
    .fetch_all(&mut *conn)
    .await?;
    if urls.iter().any(|u| u == url) {
        return Ok(EndpointAdded::Duplicate);
    }
    if urls.len() >= max {
        return Ok(EndpointAdded::Full);
    }
    let id = sqlx::query_scalar::<Any, i64>(
        "INSERT INTO webhook_endpoints (subscription_id, url, secret, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(subscription_id)
    .bind(url.to_string())
    .bind(keys.seal(Column::WebhookSecret, secret)?)
    .bind(now_utc())
    .fetch_one(&mut *conn)
    .await?;
    Ok(EndpointAdded::Added(id))
}

/// Endpoints of a subscription (enabled or not), oldest first.
pub async fn endpoints(db: &Db, subscription_id: i64) -> StoreResult<Vec<EndpointRow>> {
    let rows = sqlx::query_as::<Any, EndpointRow>(&format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE subscription_id = $1 ORDER BY id"
    ))
    .bind(subscription_id)
    .fetch_all(&db.pool)
    .await?;
    opened(&db.secrets, rows)
}

/// Enabled endpoints of the subscriptions `ids` (the fan-out), one query.
pub async fn enabled_endpoints_of(
    conn: &mut AnyConnection,
    keys: &Keyring,
    ids: &[i64],
) -> StoreResult<Vec<EndpointRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = ids
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let rows = sqlx::query_as::<Any, EndpointRow>(&format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE enabled = 1 \
         AND subscription_id IN ({list}) ORDER BY id"
    ))
    .fetch_all(&mut *conn)
    .await?;
    opened(keys, rows)
}

/// An endpoint, read in the caller's transaction.
pub async fn endpoint_in(
    conn: &mut AnyConnection,
    keys: &Keyring,
    id: i64,
) -> StoreResult<Option<EndpointRow>> {
    let row = sqlx::query_as::<Any, EndpointRow>(&format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    opened_one(keys, row)
}

/// Stop sending to an endpoint (removed by its subscriber, or it answered 410 Gone).
pub async fn disable_endpoint(
    conn: &mut AnyConnection,
    subscription_id: i64,
    id: i64,
    reason: &str,
) -> StoreResult<bool> {
    let res = sqlx::query(
        "UPDATE webhook_endpoints SET enabled = 0, disabled_reason = $1 \
         WHERE id = $2 AND subscription_id = $3 AND enabled = 1",
    )
    .bind(reason.to_string())
    .bind(id)
    .bind(subscription_id)
    .execute(&mut *conn)
    .await?;
    Ok(res.rows_affected() == 1)
}
