//! The vendor portal's server functions: managers invite and disable a vendor's contacts; a
//! contact opens the portal through a mailed link (the link's page reads its state, only the
//! Continue button's POST signs in), asks for a new link, reads their vendor's record and
//! signs out. The contact's vendor comes from the session, never from what is posted.

use crate::error::AppError;
use leptos::prelude::*;

pub use crate::model::portal::*;
#[cfg(feature = "ssr")]
use crate::service::portal as service;

/// A vendor's contacts (anyone signed in).
#[server(prefix = "/api", endpoint = "manage/vendor_contacts")]
pub async fn load_vendor_contacts(slug: String) -> Result<VendorContacts, AppError> {
    service::vendor_contacts(&slug).await
}

/// Invite a contact (managers and admins): added, and mailed a sign-in link; an existing
/// contact is mailed a new link. Audited.
#[server(prefix = "/api", endpoint = "manage/invite_contact")]
pub async fn invite_contact(c: ContactForm) -> Result<(), AppError> {
    service::invite_contact(c).await
}

/// Disable a contact (its sessions end at once) or enable it again (managers and admins),
/// against the version shown. Audited.
#[server(prefix = "/api", endpoint = "manage/contact_access")]
pub async fn contact_access(id: i64, version: i64, disabled: bool) -> Result<(), AppError> {
    service::set_contact_disabled(id, version, disabled).await
}

/// Whether a mailed link would sign in; changes nothing.
#[server(prefix = "/api", endpoint = "vendor/link")]
pub async fn load_link_state(token: String) -> Result<LinkState, AppError> {
    service::link_state(&token).await
}

/// The link page's Continue button: uses the link up, opens the contact's session and goes
/// to `/vendor`.
#[server(prefix = "/api", endpoint = "vendor/continue")]
pub async fn continue_with_link(token: String) -> Result<(), AppError> {
    service::continue_with_link(&token).await
}

/// Ask for a new sign-in link by e-mail address; the same answer whatever the address.
#[server(prefix = "/api", endpoint = "vendor/ask")]
pub async fn ask_for_link(email: String) -> Result<String, AppError> {
    service::ask_for_link(&email).await
}

/// The signed-in contact's portal.
#[server(prefix = "/api", endpoint = "vendor/home")]
pub async fn load_portal() -> Result<PortalHome, AppError> {
    service::portal_home().await
}

/// Sign the contact out.
#[server(prefix = "/api", endpoint = "vendor/sign_out")]
pub async fn portal_sign_out() -> Result<(), AppError> {
    service::portal_sign_out().await
}
