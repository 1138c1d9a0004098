//! Inviting a vendor's contact (a manager's invitation, and a contact proposed by the vendor
//! when a manager accepts it): the contact is added, or found, and mailed a sign-in link.

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

use crate::{
    domain::contacts::NewContact,
    error::AppError,
    store::{
        audit, contacts,
        outbox::{self, NewDelivery},
        vendors,
    },
    write::Written,
};

/// The audit trail's name for a contact: its vendor and address.
pub(crate) fn entity_id(vendor_slug: &str, email: &str) -> String {
    format!("{vendor_slug}/{email}")
}

/// `service::portal::invite_contact` in the caller's transaction, as `actor` (a manager's invitation, and a
/// vendor's proposal of a contact when a manager accepts it).
pub(crate) async fn invite_in(
    tx: &mut AnyConnection,
    slug: &str,
    new: &NewContact,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Written<()>, AppError> {
    let vendor = vendors::edit_row(tx, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let (id, action) = match contacts::by_mailbox_in(tx, vendor.id, &new.email.mailbox()).await? {
        Some(c) if c.disabled != 0 => {
            return Err(AppError::invalid(
                "email",
                format!(
                    "{} is a disabled contact of this vendor: enable it to send a link.",
                    c.email
                ),
            ))
        }
        Some(c) => (c.id, "sent a new portal sign-in link to"),
        None => match contacts::insert(tx, vendor.id, new, actor, now).await {
            Ok(id) => (id, "invited to the vendor portal"),
            Err(crate::store::StoreError::Taken(_)) => {
                return Err(AppError::invalid(
                    "email",
                    "This address was just added as a contact; reload the page.",
                ))
            }
            Err(e) => return Err(e.into()),
        },
    };
    let contact = contacts::get_in(tx, id).await?.ok_or(AppError::NotFound)?;
    outbox::queue(
        tx,
        &[NewDelivery::contact_link(id, &contact.email, "invite", now)],
        now,
    )
    .await?;
    let entry = audit::Entry {
        action,
        entity: "vendor_contact",
        entity_id: entity_id(&vendor.slug, &contact.email),
        before: None,
        after: Some(serde_json::json!({
            "name": contact.name,
            "email": contact.email,
            "answers_for": contact.answers_for,
        })),
    };
    Ok(Written::done((), entry))
}
