//! One module per route.

pub mod attestation;
mod audit;
mod chain;
mod changes;
mod contacts;
mod dashboard;
mod evidence_forms;
mod import;
pub mod lazy;
mod login;
mod manage;
mod not_found;
mod notices;
mod portal;
mod portal_evidence;
mod proposals;
mod questionnaire;
mod registry;
mod rendered;
pub mod reviews;
mod subscribe;
mod trust;
mod trust_manage;
mod two_step;
mod users;
mod vendor;
mod vendor_edit;
mod watch;

pub use attestation::AttestationPage;
pub use audit::AuditLogPage;
pub use changes::ChangesPage;
pub use dashboard::ManageHomePage;
pub use import::{ImportPage, ImportRunPage};
pub use login::LoginPage;
pub use manage::ManageVendorPage;
pub use not_found::NotFoundPage;
pub use notices::{DeliveriesPage, ObjectionsPage};
pub use portal::{PortalPage, VendorLinkPage, VendorSignInPage};
pub use proposals::ProposalReviewPage;
pub use questionnaire::{AttestationReviewPage, QuestionnairePage};
pub use registry::RegistryPage;
pub use reviews::{ReviewPage, ReviewsPage, RosterReviewPage};
pub use subscribe::{
    ConfirmLinkPage, ManageSubscriptionPage, ObjectionPage, SubscribePage, UnsubscribePage,
};
pub use trust::{TrustConfirmPage, TrustRoutePage};
pub use trust_manage::{TrustDocumentPage, TrustManagePage};
pub use two_step::{EnrolPage, RecoveryCodesPage, SignInSetupPage, TwoStepSetupPage, VerifyPage};
pub use users::{AccountPage, UsersPage};
pub use vendor::VendorPage;
pub use vendor_edit::VendorEditPage;

use leptos::prelude::*;
use leptos_router::{components::Redirect, hooks::use_location};

/// What a portal page shows a visitor without a contact's session: the way to a sign-in link.
#[component]
pub fn ContactSignInFirst(title: &'static str) -> impl IntoView {
    view! {
        <section class="signin">
            <h1>{title}</h1>
            <p>"Your session has ended, or you have not signed in yet. Open the link we mailed you, or ask for a new one."</p>
            <p><a class="button" href="/vendor/sign-in">"Sign in"</a></p>
        </section>
    }
}

/// Sends a signed-out visitor of an internal page to sign in, and back here afterwards.
#[component]
pub fn SignInFirst() -> impl IntoView {
    let location = use_location();
    let here = location.pathname.get_untracked();
    let next: String = serde_urlencoded::to_string([("next", here)]).unwrap_or_default();
    view! { <Redirect path=format!("/login?{next}")/> }
}
