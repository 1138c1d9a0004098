//! The vendor portal's first part: managers invite a vendor's contacts and disable them; a
//! contact signs in by a mailed link (its page changes nothing, its POST signs in), asks for a
//! new link by address (one answer whatever the address), and sees their vendor's record.
//! Every portal read is scoped by the session's vendor id; nothing a contact posts names a
//! vendor.

use chrono::Utc;
use leptos::prelude::use_context;

use super::invitations::{entity_id, invite_in};

use crate::{
    domain::{
        contacts::{roles_label, ContactForm, LinkState, LINK_ASKED},
        subscriber_links::{counters, MailCaps},
        Email,
    },
    error::AppError,
    model::portal::{ContactLine, PortalHome, VendorContacts},
    request::db,
    session::{self, any_role, editor, log_decision, require, require_contact},
    store::{
        audit, begin_write,
        contacts::{self, ContactRow},
        outbox::{self, NewDelivery},
        services, subscriber_links, vendors, Db,
    },
    write::{write, Written},
};

fn line(c: ContactRow) -> ContactLine {
    let invited = c
        .created_at
        .get(..16)
        .map(|t| t.replace('T', " "))
        .unwrap_or_default();
    ContactLine {
        id: c.id,
        name: c.name,
        email: c.email,
        answers_for: roles_label(&c.answers_for),
        disabled: c.disabled != 0,
        invited,
        invited_by: c.created_by,
        version: c.version,
    }
}

/// A vendor's contacts, for its internal page (anyone signed in reads them).
pub async fn vendor_contacts(slug: &str) -> Result<VendorContacts, AppError> {
    let who = require(any_role).await?;
    let db = db()?;
    let mut conn = db.pool.acquire().await?;
    let vendor = vendors::edit_row(&mut conn, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    let contacts = contacts::for_vendor(&db, vendor.id).await?;
    Ok(VendorContacts {
        slug: vendor.slug,
        legal_name: vendor.legal_name,
        can_edit: who.role.can_edit(),
        contacts: contacts.into_iter().map(line).collect(),
    })
}

/// Invite a contact of a vendor: the contact is added and mailed a sign-in link. Inviting an
/// address that is a contact already mails it a new link (its name and roles stay); a
/// disabled contact must be enabled first.
pub async fn invite_contact(form: ContactForm) -> Result<(), AppError> {
    let who = require(editor).await?;
    let db = db()?;
    let new = form.parse()?;
    let slug = form.vendor.trim().to_string();
    write(&db, &who.email, async |tx| {
        invite_in(tx, &slug, &new, &who.email, Utc::now()).await
    })
    .await
}

/// Disable a contact (its sessions end and its unused links stop working at once) or enable
/// it again, against the version the page showed.
pub async fn set_contact_disabled(id: i64, version: i64, disabled: bool) -> Result<(), AppError> {
    let who = require(editor).await?;
    let db = db()?;
    write(&db, &who.email, async |tx| {
        let c = contacts::get_in(tx, id).await?.ok_or(AppError::NotFound)?;
        let stale = |c: &ContactRow| Written::Stale {
            entity_id: entity_id(&c.vendor_slug, &c.email),
            current: vec![
                ("Name".into(), c.name.clone()),
                ("E-mail".into(), c.email.clone()),
                (
                    "Disabled".into(),
                    if c.disabled != 0 { "yes" } else { "no" }.into(),
                ),
            ],
            version: Some(c.version),
        };
        if c.version != version || !contacts::set_disabled(tx, id, version, disabled).await? {
            return Ok(stale(&c));
        }
        let entry = audit::Entry {
            action: if disabled {
                "disabled the vendor contact"
            } else {
                "enabled the vendor contact"
            },
            entity: "vendor_contact",
            entity_id: entity_id(&c.vendor_slug, &c.email),
            before: Some(serde_json::json!({ "disabled": c.disabled != 0 })),
            after: Some(serde_json::json!({ "disabled": disabled })),
        };
        Ok(Written::done((), entry))
    })
    .await
}

/// Whether a link would sign in, changing nothing (its page is fetched by mail scanners).
pub async fn link_state(token: &str) -> Result<LinkState, AppError> {
    let db = db()?;
    let token = token.trim();
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(LinkState::NotValid);
    }
    Ok(
        match contacts::link_contact(&db, token, Utc::now()).await? {
            Some(_) => LinkState::Good,
            None => LinkState::NotValid,
        },
    )
}

/// The Continue button of a link's page: use the link, open the session, go to `/vendor`.
pub async fn continue_with_link(token: &str) -> Result<(), AppError> {
    session::sign_in_with_link(token).await?;
    leptos_axum::redirect("/vendor");
    Ok(())
}

/// Ask for a new sign-in link: every enabled contact reaching the address's mailbox is mailed
/// one (a person may answer for several vendors), within the caps on mails sent on request
/// (shared with the subscription mails). Every well-formed address is counted against the
/// caps and goes through the same work, contact or not, so neither the answer nor its time
/// tells which addresses are contacts.
pub async fn ask_for_link(email: &str) -> Result<String, AppError> {
    let email = Email::parse(email).map_err(|e| AppError::invalid("email", e.0))?;
    // a plain form post (JavaScript off, or on) comes back to the page, which says the answer
    leptos_axum::redirect("/vendor/sign-in?sent=1");
    let db = db()?;
    let now = Utc::now();
    let caps = use_context::<MailCaps>().unwrap_or_default();
    let mut tx = begin_write(&db).await?;
    let found = contacts::enabled_by_mailbox(&mut tx, &email.mailbox()).await?;
    let counted = subscriber_links::count_mail(
        &mut tx,
        &counters(&caps, &email.mailbox(), email.domain(), now),
    )
    .await?;
    if let Err(cap) = counted {
        tx.rollback().await?;
        tracing::warn!(
            cap = cap.as_str(),
            "a cap held back a vendor portal sign-in link"
        );
        return Ok(LINK_ASKED.into());
    }
    let mails: Vec<NewDelivery> = found
        .iter()
        .map(|c| NewDelivery::contact_link(c.id, &c.email, "ask", now))
        .collect();
    outbox::queue(&mut tx, &mails, now).await?;
    tx.commit().await?;
    let decision = if found.is_empty() {
        "vendor_link_asked_unknown"
    } else {
        "vendor_link_asked"
    };
    log_decision(decision, None);
    Ok(LINK_ASKED.into())
}

/// The signed-in contact's portal: their vendor's record and contacts, by the session's
/// vendor id only.
pub async fn portal_home() -> Result<PortalHome, AppError> {
    let me = require_contact().await?;
    let db = db()?;
    let mut conn = db.pool.acquire().await?;
    let row = vendors::edit_row(&mut conn, &me.vendor_slug)
        .await?
        .filter(|r| r.id == me.vendor_id)
        .ok_or(AppError::NotFound)?;
    let names = services::service_names(&mut conn).await?;
    drop(conn);
    let vendor = super::vendors::snapshot(&row);
    let service_names = vendor
        .services
        .iter()
        .map(|s| names.get(s).cloned().unwrap_or_else(|| s.clone()))
        .collect();
    let contacts = contacts::for_vendor(&db, me.vendor_id)
        .await?
        .into_iter()
        .filter(|c| c.disabled == 0)
        .map(line)
        .collect();
    // the whole page in one call: one session check, not one per section
    let day = crate::request::today();
    Ok(PortalHome {
        submissions: super::reviews::submitted_for(&db, me.vendor_id, day).await?,
        rosters: super::rosters::rosters_of(&db, me.vendor_id, day).await?,
        attestations: super::attestations::signed_for(&db, me.vendor_id, day).await?,
        proposals: super::proposals::proposals_of(&db, me.vendor_id, day).await?,
        contact_name: me.name,
        contact_email: me.email,
        vendor,
        service_names,
        contacts,
    })
}

/// What `/vendor` shows for the session `token` stays the same page while this stays the
/// same: the contact, the day, and the last audited write (every change to what the page
/// shows is audited: a manager's save, an import, a review, a contact's submission or
/// proposal, an invitation). `None`: no live session, the page answers for itself. The
/// session is checked (and kept from going idle) as the page checks it.
pub async fn home_version(db: &Db, token: &str) -> Result<Option<String>, AppError> {
    let Some(me) = session::contact_of(db, token).await? else {
        return Ok(None);
    };
    let mark = audit::last_id(db).await?;
    Ok(Some(format!(
        "{}|{}|{mark}",
        me.contact_id,
        crate::request::today()
    )))
}

/// Sign the contact out, back to the portal's sign-in page.
pub async fn portal_sign_out() -> Result<(), AppError> {
    session::sign_out_contact().await?;
    leptos_axum::redirect("/vendor/sign-in");
    Ok(())
}
