//! What a vendor's contact is told of a decision on what they submitted (an assessment, a
//! roster): one mail through the outbox, queued in the decision's transaction.

use crate::{
    domain::{
        review::{decision_mail, ReviewState},
        Email,
    },
    error::AppError,
    session::settings,
    store::{
        contacts,
        outbox::{self, NewDelivery},
        AnyConnection,
    },
};

/// Queue the mail telling the contact who submitted `what` (`submitted_by`, a contact of the
/// vendor `vendor_id`) of the decision `state`, in the decision's transaction (sent once,
/// never lost: `key` names the submission); nobody is told when that contact is disabled or
/// gone.
pub async fn tell_the_contact(
    tx: &mut AnyConnection,
    (vendor_id, submitted_by): (i64, &str),
    (key, what): (&str, &str),
    state: ReviewState,
    comment: &str,
) -> Result<(), AppError> {
    let Ok(mailbox) = Email::parse(submitted_by).map(|e| e.mailbox()) else {
        return Ok(());
    };
    let Some(contact) = contacts::by_mailbox_in(tx, vendor_id, &mailbox).await? else {
        return Ok(());
    };
    if contact.disabled != 0 {
        return Ok(());
    }
    let portal = format!("{}/vendor", settings().public_url);
    let mail = decision_mail(what, state, comment, &portal);
    let delivery = NewDelivery::review_decided(key, state.code(), &contact.email, mail);
    outbox::queue(tx, &[delivery], chrono::Utc::now()).await?;
    Ok(())
}
