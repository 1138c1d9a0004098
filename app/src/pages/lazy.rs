//! The sign-in page, the change history and the signed-in pages are loaded lazily: their code is split out of the main browser bundle
//! (`cargo leptos build --split`), so customers reading the public registry never download the
//! editing forms. Each route's data loads inside its page, after its code arrives.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use super::{
    AccountPage, AttestationPage, AttestationReviewPage, AuditLogPage, ChangesPage,
    ConfirmLinkPage, DeliveriesPage, EnrolPage, ImportPage, ImportRunPage, LoginPage,
    ManageHomePage, ManageSubscriptionPage, ManageVendorPage, ObjectionPage, ObjectionsPage,
    PortalPage, ProposalReviewPage, QuestionnairePage, RecoveryCodesPage, ReviewPage, ReviewsPage,
    RosterReviewPage, SignInSetupPage, SubscribePage, TrustConfirmPage, TrustDocumentPage,
    TrustManagePage, TrustRoutePage, TwoStepSetupPage, UnsubscribePage, UsersPage, VendorEditPage,
    VendorLinkPage, VendorSignInPage, VerifyPage,
};

macro_rules! lazy_page {
    ($($route:ident => $page:ident),* $(,)?) => {$(
        #[doc = concat!("Lazily loaded [`", stringify!($page), "`].")]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(this: Self) -> AnyView {
                let _ = this;
                view! { <$page/> }.into_any()
            }
        }
    )*};
}

lazy_page!(
    ManageHomeRoute => ManageHomePage,
    ManageVendorRoute => ManageVendorPage,
    VendorEditRoute => VendorEditPage,
    AuditRoute => AuditLogPage,
    UsersRoute => UsersPage,
    AccountRoute => AccountPage,
    LoginRoute => LoginPage,
    VerifyRoute => VerifyPage,
    SignInSetupRoute => SignInSetupPage,
    EnrolRoute => EnrolPage,
    TwoStepSetupRoute => TwoStepSetupPage,
    RecoveryCodesRoute => RecoveryCodesPage,
    ChangesRoute => ChangesPage,
    SubscribeRoute => SubscribePage,
    ConfirmLinkRoute => ConfirmLinkPage,
    UnsubscribeRoute => UnsubscribePage,
    ManageSubscriptionRoute => ManageSubscriptionPage,
    ObjectionRoute => ObjectionPage,
    DeliveriesRoute => DeliveriesPage,
    ImportRoute => ImportPage,
    ImportRunRoute => ImportRunPage,
    ObjectionsRoute => ObjectionsPage,
    PortalRoute => PortalPage,
    VendorSignInRoute => VendorSignInPage,
    VendorLinkRoute => VendorLinkPage,
    ReviewsRoute => ReviewsPage,
    ReviewRoute => ReviewPage,
    RosterReviewRoute => RosterReviewPage,
    AttestationRoute => AttestationPage,
    AttestationReviewRoute => AttestationReviewPage,
    QuestionnaireRoute => QuestionnairePage,
    ProposalReviewRoute => ProposalReviewPage,
    TrustRoute => TrustRoutePage,
    TrustConfirmRoute => TrustConfirmPage,
    TrustManageRoute => TrustManagePage,
    TrustDocumentRoute => TrustDocumentPage,
);
