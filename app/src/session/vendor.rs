//! A vendor contact's session (the portal): opened only by the POST of a mailed link, kept in
//! a cookie of its own, scoped to the contact's one vendor, with the same idle and absolute
//! timeouts as a manager's. A disabled contact's sessions end at once (the store deletes them;
//! a session found for a disabled contact is deleted on sight as well).

use chrono::Utc;

use super::{cookies, log_decision, request_origin};
use crate::{
    domain::session::{check_session, SessionCheck},
    error::AppError,
    request::db,
    store::{
        audit, begin_write, contacts,
        sessions::{timestamp, token_hash},
        Db,
    },
};

/// The vendor contact making this request. Every portal query is scoped by `vendor_id`.
#[derive(Debug, Clone)]
pub struct Contact {
    pub contact_id: i64,
    pub vendor_id: i64,
    pub vendor_slug: String,
    pub name: String,
    pub email: String,
    pub token_hash: String,
}

/// The contact whose session cookie this request carries, if the session is live and the
/// contact enabled.
pub async fn current_contact() -> Result<Option<Contact>, AppError> {
    let Some(token) = cookies::vendor_session_token() else {
        return Ok(None);
    };
    contact_of(&db()?, &token).await
}

/// The contact whose session `token` is, if the session is live and the contact enabled; a
/// session expired or of a disabled contact is deleted on sight, a live one kept from going
/// idle.
pub async fn contact_of(db: &Db, token: &str) -> Result<Option<Contact>, AppError> {
    let Some(row) = contacts::find_session(db, token).await? else {
        return Ok(None);
    };
    let now = Utc::now();
    let check = check_session(
        timestamp(&row.created_at)?,
        timestamp(&row.last_seen_at)?,
        now,
    );
    match check {
        SessionCheck::Expired => {
            contacts::delete_session(db, &row.token_hash).await?;
            return Ok(None);
        }
        _ if row.disabled != 0 => {
            contacts::delete_session(db, &row.token_hash).await?;
            return Ok(None);
        }
        SessionCheck::Valid { touch: true } => {
            contacts::touch_session(db, &row.token_hash, now).await?;
        }
        SessionCheck::Valid { touch: false } => {}
    }
    Ok(Some(Contact {
        contact_id: row.contact_id,
        vendor_id: row.vendor_id,
        vendor_slug: row.vendor_slug,
        name: row.name,
        email: row.email,
        token_hash: row.token_hash,
    }))
}

/// The signed-in contact, or `Unauthorized`.
pub async fn require_contact() -> Result<Contact, AppError> {
    match current_contact().await? {
        Some(c) => Ok(c),
        None => {
            log_decision("vendor_unauthorized", None);
            Err(AppError::Unauthorized)
        }
    }
}

/// Use a mailed link up and open the contact's session (an earlier one of this browser is
/// ended). A link used, expired, unknown or of a disabled contact is refused with one
/// sentence for all.
pub async fn sign_in_with_link(token: &str) -> Result<(), AppError> {
    let db = db()?;
    let now = Utc::now();
    let token = token.trim();
    let well_formed = token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit());
    let refused = || AppError::Gone(crate::domain::contacts::LINK_NOT_VALID.into());
    if !well_formed {
        log_decision("vendor_link_refused", None);
        return Err(refused());
    }
    let mut tx = begin_write(&db).await?;
    let Some(contact_id) = contacts::use_link(&mut tx, token, now).await? else {
        drop(tx);
        log_decision("vendor_link_refused", None);
        return Err(refused());
    };
    let contact = contacts::get_in(&mut tx, contact_id)
        .await?
        .ok_or_else(refused)?;
    let session = contacts::create_session(&mut tx, contact_id, &request_origin(), now).await?;
    audit::record(
        &mut tx,
        &contact.email,
        audit::Entry {
            action: "signed in to the vendor portal as a contact of",
            entity: "vendor",
            entity_id: contact.vendor_slug.clone(),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    if let Some(old) = cookies::vendor_session_token() {
        contacts::delete_session(&db, &token_hash(&old)).await?;
    }
    cookies::set_vendor_session(&session)?;
    log_decision("vendor_sign_in_ok", Some(&contact.email));
    Ok(())
}

/// End this browser's contact session.
pub async fn sign_out_contact() -> Result<(), AppError> {
    if let Some(token) = cookies::vendor_session_token() {
        contacts::delete_session(&db()?, &token_hash(&token)).await?;
        log_decision("vendor_sign_out", None);
    }
    cookies::clear_vendor_session()
}
