//! The HTML document and the router.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes, A},
    path, Lazy, SsrMode,
};

use crate::{
    components::AccountMenu,
    pages::{
        lazy::{
            AccountRoute, AttestationReviewRoute, AttestationRoute, AuditRoute, ChangesRoute,
            ConfirmLinkRoute, DeliveriesRoute, EnrolRoute, ImportRoute, ImportRunRoute, LoginRoute,
            ManageHomeRoute, ManageSubscriptionRoute, ManageVendorRoute, ObjectionRoute,
            ObjectionsRoute, PortalRoute, ProposalReviewRoute, QuestionnaireRoute,
            RecoveryCodesRoute, ReviewRoute, ReviewsRoute, RosterReviewRoute, SignInSetupRoute,
            SubscribeRoute, TrustConfirmRoute, TrustDocumentRoute, TrustManageRoute, TrustRoute,
            TwoStepSetupRoute, UnsubscribeRoute, UsersRoute, VendorEditRoute, VendorLinkRoute,
            VendorSignInRoute, VerifyRoute,
        },
        NotFoundPage, RegistryPage, VendorPage,
    },
};

/// The full document rendered by the server around [`App`].
pub fn shell(options: LeptosOptions) -> impl IntoView {
    crate::page_status::content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="description" content="The companies that may process customer data on our behalf, where, and why."/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="alternate" type="application/atom+xml" title="Subprocessor changes" href="/changes.atom"/>
                <link rel="alternate" type="application/json" title="Subprocessors (open list, subprocessors/v1)" href="/.well-known/subprocessors.json"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/registry.css"/>
        // the default title; pages replace it (lazily loaded pages set theirs once their code arrives)
        <Title formatter=|text: String| crate::page_status::title_text(format!("{text} · Subprocessor Registry")) text="Registry"/>
        <Router>
            <Site/>
        </Router>
    }
}

/// Everything inside the router.
#[component]
fn Site() -> impl IntoView {
    view! {
            <a class="skip-link" href="#main">"Skip to content"</a>
            <header class="site-header">
                <div class="wrap">
                    <A href="/" attr:class="brand">
                        <span class="brand-mark" aria-hidden="true">"◆"</span>
                        " Subprocessor Registry"
                    </A>
                    <p class="tagline">"Who may touch customer data, where, and why."</p>
                    <nav class="site-nav" aria-label="Registry">
                        <A href="/" exact=true>"Registry"</A>
                        <A href="/changes">"Changes"</A>
                        <A href="/subscribe">"Subscribe"</A>
                    </nav>
                    <AccountMenu/>
                </div>
            </header>
            <main id="main" class="wrap" tabindex="-1">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=RegistryPage ssr=SsrMode::Async/>
                    <Route path=path!("/subprocessors/:slug") view=VendorPage ssr=SsrMode::Async/>
                    <Route path=path!("/changes") view={Lazy::<ChangesRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/changes/:id/objection") view={Lazy::<ObjectionRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/subscribe") view={Lazy::<SubscribeRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/subscriptions/confirm/:token") view={Lazy::<ConfirmLinkRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/subscriptions/unsubscribe/:token") view={Lazy::<UnsubscribeRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/subscriptions/manage/:token") view={Lazy::<ManageSubscriptionRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/trust") view={Lazy::<TrustRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/trust/confirm/:token") view={Lazy::<TrustConfirmRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/manage/trust") view={Lazy::<TrustManageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/manage/trust/:slug") view={Lazy::<TrustDocumentRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/login") view={Lazy::<LoginRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/login/verify") view={Lazy::<VerifyRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/login/setup") view={Lazy::<SignInSetupRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/login/enrol/:token") view={Lazy::<EnrolRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/vendor") view={Lazy::<PortalRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/vendor/attestation") view={Lazy::<AttestationRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/vendor/sign-in") view={Lazy::<VendorSignInRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/vendor/sign-in/:token") view={Lazy::<VendorLinkRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/manage") view={Lazy::<ManageHomeRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/manage/audit") view={Lazy::<AuditRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/manage/deliveries") view={Lazy::<DeliveriesRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/manage/import") view={Lazy::<ImportRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/manage/import/:id") view={Lazy::<ImportRunRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/manage/reviews") view={Lazy::<ReviewsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/manage/reviews/:id") view={Lazy::<ReviewRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/manage/rosters/:id") view={Lazy::<RosterReviewRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/manage/attestations/:id") view={Lazy::<AttestationReviewRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/manage/proposals/:id") view={Lazy::<ProposalReviewRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/manage/questionnaire") view={Lazy::<QuestionnaireRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/manage/objections") view={Lazy::<ObjectionsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/manage/users") view={Lazy::<UsersRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/manage/account") view={Lazy::<AccountRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/manage/account/two-step") view={Lazy::<TwoStepSetupRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/manage/account/recovery-codes") view={Lazy::<RecoveryCodesRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/manage/vendors/new") view={Lazy::<VendorEditRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/manage/vendors/:slug") view={Lazy::<ManageVendorRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/manage/vendors/:slug/edit") view={Lazy::<VendorEditRoute>::new()} ssr=SsrMode::Async/>
                </Routes>
            </main>
            <footer class="site-footer">
                <div class="wrap">
                    <p>
                        "Vendors are listed once announced. Status is computed each day from their dates. "
                        <a href="/subprocessors.csv" rel="external" download="">"Download the full registry (CSV)"</a>
                        " · "
                        <a href="/changes">"Change history"</a>
                        " · "
                        <a href="/changes.atom" type="application/atom+xml">"Atom feed of changes"</a>
                        " · "
                        <a href="/subscribe">"Get changes by mail or webhook"</a>
                        " · "
                        <a href="/trust">"Audit reports and certifications"</a>
                    </p>
                </div>
            </footer>
    }
}
