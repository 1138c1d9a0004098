//! Vendor contacts, their mailed sign-in links and their sessions (the vendor portal). Tokens
//! (links and session cookies) are stored only as their SHA-256. Every lookup of a session
//! returns the contact's vendor with it: the portal's queries are scoped by that vendor id.

use chrono::{DateTime, Utc};
use sqlx::{Any, AnyConnection, FromRow};

use super::{
    outbox::stamp,
    sessions::{new_token, token_hash, Origin},
    Db, StoreError, StoreResult,
};
use crate::domain::contacts::{link_expires, NewContact};

/// A contact with its vendor's slug and name.
#[derive(Debug, Clone, FromRow)]
pub struct ContactRow {
    pub id: i64,
    pub vendor_id: i64,
    pub vendor_slug: String,
    pub vendor_name: String,
    pub name: String,
    pub email: String,
    pub mailbox: String,
    pub answers_for: String,
    pub disabled: i64,
    pub created_at: String,
    pub created_by: String,
    pub version: i64,
}

const SELECT: &str =
    "SELECT c.id, c.vendor_id, v.slug AS vendor_slug, v.legal_name AS vendor_name, \
     c.name, c.email, c.mailbox, c.answers_for, c.disabled, c.created_at, c.created_by, c.version \
     FROM vendor_contacts c JOIN vendors v ON v.id = c.vendor_id";

/// Add a contact to a vendor; `Taken` when the vendor has a contact of that mailbox.
pub async fn insert(
    conn: &mut AnyConnection,
    vendor_id: i64,
    c: &NewContact,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query_scalar::<Any, i64>(
        "INSERT INTO vendor_contacts (vendor_id, name, email, mailbox, answers_for, created_at, \
         created_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(vendor_id)
    .bind(c.name.clone())
    .bind(c.email.as_str().to_string())
    .bind(c.email.mailbox())
    .bind(c.answers_for_text())
    .bind(stamp(now))
    .bind(actor.to_string())
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| StoreError::taken_as(e, "contact"))
}

/// A vendor's contacts, enabled first, then by name.
pub async fn for_vendor(db: &Db, vendor_id: i64) -> StoreResult<Vec<ContactRow>> {
    Ok(sqlx::query_as::<Any, ContactRow>(&format!(
        "{SELECT} WHERE c.vendor_id = $1 ORDER BY c.disabled, c.name, c.id"
    ))
    .bind(vendor_id)
    .fetch_all(&db.pool)
    .await?)
}

/// One contact by id.
pub async fn get_in(conn: &mut AnyConnection, id: i64) -> StoreResult<Option<ContactRow>> {
    Ok(
        sqlx::query_as::<Any, ContactRow>(&format!("{SELECT} WHERE c.id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// The vendor's contact reaching `mailbox`, if any.
pub async fn by_mailbox_in(
    conn: &mut AnyConnection,
    vendor_id: i64,
    mailbox: &str,
) -> StoreResult<Option<ContactRow>> {
    Ok(sqlx::query_as::<Any, ContactRow>(&format!(
        "{SELECT} WHERE c.vendor_id = $1 AND c.mailbox = $2"
    ))
    .bind(vendor_id)
    .bind(mailbox.to_string())
    .fetch_optional(&mut *conn)
    .await?)
}

/// Every enabled contact, by vendor (the weekly reminders).
pub async fn enabled(db: &Db) -> StoreResult<Vec<ContactRow>> {
    Ok(sqlx::query_as::<Any, ContactRow>(&format!(
        "{SELECT} WHERE c.disabled = 0 ORDER BY c.vendor_id, c.id"
    ))
    .fetch_all(&db.pool)
    .await?)
}

/// The enabled contacts reaching `mailbox`, of every vendor (a person may answer for several).
pub async fn enabled_by_mailbox(
    conn: &mut AnyConnection,
    mailbox: &str,
) -> StoreResult<Vec<ContactRow>> {
    Ok(sqlx::query_as::<Any, ContactRow>(&format!(
        "{SELECT} WHERE c.mailbox = $1 AND c.disabled = 0 ORDER BY c.id"
    ))
    .bind(mailbox.to_string())
    .fetch_all(&mut *conn)
    .await?)
}

/// Disable or enable a contact at `version`; whether it was at that version. Disabling ends
/// its sessions and voids its unused links in the same transaction.
pub async fn set_disabled(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    disabled: bool,
) -> StoreResult<bool> {
    let res = sqlx::query(
        "UPDATE vendor_contacts SET disabled = $1, version = version + 1 \
         WHERE id = $2 AND version = $3",
    )
    .bind(i64::from(disabled))
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    if res.rows_affected() != 1 {
        return Ok(false);
    }
    if disabled {
        for sql in [
            "DELETE FROM vendor_sessions WHERE contact_id = $1",
            "DELETE FROM vendor_contact_links WHERE contact_id = $1 AND used_at IS NULL",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *conn).await?;
        }
    }
    Ok(true)
}

/// A new sign-in link for a contact: the token for the mail (its hash is stored).
pub async fn issue_link(
    conn: &mut AnyConnection,
    contact_id: i64,
    now: DateTime<Utc>,
) -> StoreResult<String> {
    let (token, hash) = new_token();
    sqlx::query(
        "INSERT INTO vendor_contact_links (token_hash, contact_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(hash)
    .bind(contact_id)
    .bind(stamp(now))
    .bind(stamp(link_expires(now)))
    .execute(&mut *conn)
    .await?;
    Ok(token)
}

/// The contact a link would sign in (unused, in time, contact enabled), changing nothing.
pub async fn link_contact(db: &Db, token: &str, now: DateTime<Utc>) -> StoreResult<Option<i64>> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "SELECT l.contact_id FROM vendor_contact_links l \
         JOIN vendor_contacts c ON c.id = l.contact_id \
         WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > $2 AND c.disabled = 0",
    )
    .bind(token_hash(token))
    .bind(stamp(now))
    .fetch_optional(&db.pool)
    .await?)
}

/// Use a link up: the contact it signs in, or `None` if it was used, expired, or its contact
/// is disabled. One statement, so two posts of one link open one session.
pub async fn use_link(
    conn: &mut AnyConnection,
    token: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<i64>> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "UPDATE vendor_contact_links SET used_at = $2 \
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 \
         AND contact_id IN (SELECT id FROM vendor_contacts WHERE disabled = 0) \
         RETURNING contact_id",
    )
    .bind(token_hash(token))
    .bind(stamp(now))
    .fetch_optional(&mut *conn)
    .await?)
}

/// Links older than a day past their end are no use to anyone: pruned by the delivery round.
pub async fn prune_links(db: &Db, now: DateTime<Utc>) -> StoreResult<u64> {
    Ok(
        sqlx::query("DELETE FROM vendor_contact_links WHERE expires_at < $1")
            .bind(stamp(now - chrono::Duration::days(1)))
            .execute(&db.pool)
            .await?
            .rows_affected(),
    )
}

/// Start a contact's session; returns the token for its cookie.
pub async fn create_session(
    conn: &mut AnyConnection,
    contact_id: i64,
    origin: &Origin,
    now: DateTime<Utc>,
) -> StoreResult<String> {
    let (token, hash) = new_token();
    sqlx::query(
        "INSERT INTO vendor_sessions (token_hash, contact_id, created_at, last_seen_at, address, \
         user_agent) VALUES ($1, $2, $3, $3, $4, $5)",
    )
    .bind(hash)
    .bind(contact_id)
    .bind(stamp(now))
    .bind(origin.address.clone())
    .bind(origin.user_agent.chars().take(300).collect::<String>())
    .execute(&mut *conn)
    .await?;
    Ok(token)
}

/// A contact's session with its contact and vendor.
#[derive(Debug, Clone, FromRow)]
pub struct VendorSessionRow {
    pub token_hash: String,
    pub contact_id: i64,
    pub vendor_id: i64,
    pub vendor_slug: String,
    pub name: String,
    pub email: String,
    pub disabled: i64,
    pub created_at: String,
    pub last_seen_at: String,
}

/// The session of a cookie's token.
pub async fn find_session(db: &Db, token: &str) -> StoreResult<Option<VendorSessionRow>> {
    Ok(sqlx::query_as::<Any, VendorSessionRow>(
        "SELECT s.token_hash, s.contact_id, c.vendor_id, v.slug AS vendor_slug, c.name, c.email, \
         c.disabled, s.created_at, s.last_seen_at \
         FROM vendor_sessions s JOIN vendor_contacts c ON c.id = s.contact_id \
         JOIN vendors v ON v.id = c.vendor_id WHERE s.token_hash = $1",
    )
    .bind(token_hash(token))
    .fetch_optional(&db.pool)
    .await?)
}

pub async fn touch_session(db: &Db, token_hash: &str, now: DateTime<Utc>) -> StoreResult<()> {
    sqlx::query("UPDATE vendor_sessions SET last_seen_at = $1 WHERE token_hash = $2")
        .bind(stamp(now))
        .bind(token_hash.to_string())
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn delete_session(db: &Db, token_hash: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM vendor_sessions WHERE token_hash = $1")
        .bind(token_hash.to_string())
        .execute(&db.pool)
        .await?;
    Ok(())
}
