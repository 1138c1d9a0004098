//! The vendor portal's pages: `/vendor/sign-in` (ask for a link), `/vendor/sign-in/{token}`
//! (a mailed link: its page changes nothing, its Continue button signs in) and `/vendor` (the
//! contact's vendor as the registry holds it). Each works without JavaScript.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::{
    api::portal::{
        load_link_state, load_portal, AskForLink, ContinueWithLink, LinkState, PortalHome,
        PortalSignOut,
    },
    components::ErrorNotice,
    domain::{
        contacts::{LINK_ASKED, LINK_NOT_VALID},
        label_for,
        vendor::{PurposeCategory, TransferMechanism, VendorKind, WorkLocation},
        DataCategory,
    },
    error::AppError,
    pages::ContactSignInFirst,
};

/// The form asking for a new sign-in link; after a post it says the one answer.
#[component]
fn AskForLinkForm() -> impl IntoView {
    let ask = ServerAction::<AskForLink>::new();
    let query = use_query_map();
    let sent =
        move || matches!(ask.value().get(), Some(Ok(_))) || query.with(|q| q.get("sent").is_some());
    let error = move || {
        ask.value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.field("email").unwrap_or_else(|| e.to_string()))
    };
    let invalid = move || error().is_some().to_string();
    view! {
        <form method="post" action=AskForLink::url() class="form narrow">
            {move || sent().then(|| view! { <div class="notice" role="status"><p>{LINK_ASKED}</p></div> })}
            <div class="field">
                <label for="ask-email">"Your work e-mail address"</label>
                <input id="ask-email" type="email" name="email" autocomplete="email" required maxlength="254"
                    aria-invalid=invalid aria-describedby="ask-error"/>
                {move || error().map(|m| view! { <p class="field-error" id="ask-error" role="alert">{m}</p> })}
            </div>
            <button type="submit" class="button">"Mail me a sign-in link"</button>
        </form>
    }
}

/// `/vendor/sign-in`: for a vendor's contacts; a link by mail, no password.
#[component]
pub fn VendorSignInPage() -> impl IntoView {
    view! {
        <Title text="Vendor portal: sign in"/>
        <section class="signin">
            <h1>"Vendor portal"</h1>
            <p class="hint">"For the contacts our vendors named. There is no password: enter your work address and we mail you a link that signs you in once."</p>
            <AskForLinkForm/>
            <p class="hint">"Staff of the registry sign in "<a href="/login">"here"</a>"."</p>
        </section>
    }
}

/// `/vendor/sign-in/{token}`: a mailed link. Opening it changes nothing (mail scanners fetch
/// links); Continue uses it and signs in.
#[component]
pub fn VendorLinkPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let state = Resource::new(token, load_link_state);
    let go = ServerAction::<ContinueWithLink>::new();
    let refused = move || go.value().get().and_then(|r| r.err());
    view! {
        <Title text="Vendor portal: sign in"/>
        <section class="signin">
            <h1>"Vendor portal"</h1>
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match state.await {
                        Ok(LinkState::Good) => view! {
                            {move || refused().map(|e| view! { <ErrorNotice error=e/> })}
                            <p>"This link signs you in to the vendor portal once. Continue to sign in."</p>
                            <form method="post" action=ContinueWithLink::url() class="form narrow">
                                <input type="hidden" name="token" value=token/>
                                <button type="submit" class="button">"Continue"</button>
                            </form>
                        }.into_any(),
                        Ok(LinkState::NotValid) => view! {
                            <ErrorNotice error=AppError::Gone(LINK_NOT_VALID.into())/>
                            <AskForLinkForm/>
                        }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// `/vendor`: the signed-in contact's vendor, as the registry holds it.
#[component]
pub fn PortalPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| load_portal());
    view! {
        <Title text="Vendor portal"/>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(home) => view! { <Portal home/> }.into_any(),
                    Err(AppError::Unauthorized) => view! { <ContactSignInFirst title="Vendor portal"/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn or_none(s: &str) -> String {
    if s.trim().is_empty() {
        "Not given".into()
    } else {
        s.to_string()
    }
}

#[component]
fn Portal(home: PortalHome) -> impl IntoView {
    let v = home.vendor;
    let own_categories = v.categories.clone();
    let categories = v
        .categories
        .iter()
        .map(|c| label_for(c, DataCategory::parse, DataCategory::label))
        .collect::<Vec<_>>()
        .join(", ");
    let rows: Vec<(&'static str, String)> = vec![
        ("Legal name", v.legal_name.clone()),
        ("Trading name", or_none(&v.trading_name)),
        ("Parent company", or_none(&v.parent_company)),
        ("Country of registration", v.registration_country.clone()),
        ("Website", or_none(&v.website)),
        ("Privacy contact", or_none(&v.privacy_contact)),
        (
            "Kind",
            label_for(&v.kind, VendorKind::parse, VendorKind::label),
        ),
        (
            "Where its people work",
            label_for(&v.work_location, WorkLocation::parse, WorkLocation::label),
        ),
        (
            "Purpose category",
            label_for(
                &v.purpose_category,
                PurposeCategory::parse,
                PurposeCategory::label,
            ),
        ),
        ("Purpose", v.purpose.clone()),
        (
            "Transfer mechanism",
            label_for(
                &v.transfer_mechanism,
                TransferMechanism::parse,
                TransferMechanism::label,
            ),
        ),
        ("Our services it supports", home.service_names.join(", ")),
        ("Processing countries", or_none(&v.countries)),
        ("Data categories", or_none(&categories)),
        ("Announced on", or_none(&v.announced_on)),
        ("Effective on", or_none(&v.effective_on)),
    ];
    view! {
        <article class="vendor portal">
            <header class="vendor-head">
                <h1>{format!("Vendor portal: {}", v.legal_name)}</h1>
            </header>
            <p class="hint">{format!("Signed in as {} ({}).", home.contact_name, home.contact_email)}</p>
            <form method="post" action=PortalSignOut::url() class="inline">
                <button type="submit" class="link-button">"Sign out"</button>
            </form>
            <section aria-labelledby="record-h">
                <h2 id="record-h">"Your record with us"</h2>
                <p class="hint">"What our registry holds for your company. A new sub-processor, country or contact you propose below; anything else, tell your contact at our vendor management team."</p>
                <table class="records">
                    <tbody>{rows.into_iter().map(|(k, val)| view! { <tr><th scope="row">{k}</th><td>{val}</td></tr> }).collect_view()}</tbody>
                </table>
            </section>
            <section aria-labelledby="subs-h">
                <h2 id="subs-h">"Your own subprocessors"</h2>
                {if v.sub_processors.is_empty() {
                    view! { <p>"None listed."</p> }.into_any()
                } else {
                    view! {
                        <table class="records">
                            <thead><tr><th scope="col">"Name"</th><th scope="col">"Country"</th><th scope="col">"Purpose"</th><th scope="col">"Since"</th></tr></thead>
                            <tbody>{v.sub_processors.iter().map(|s| view! {
                                <tr><th scope="row">{s.legal_name.clone()}</th><td>{s.country.clone()}</td><td>{s.purpose.clone()}</td><td>{s.since.map(|d| d.to_string()).unwrap_or_default()}</td></tr>
                            }).collect_view()}</tbody>
                        </table>
                    }.into_any()
                }}
            </section>
            <crate::pages::proposals::PortalProposals list=home.proposals categories=own_categories/>
            <crate::pages::attestation::PortalAttestation list=home.attestations/>
            <crate::pages::portal_evidence::PortalEvidence list=home.submissions/>
            <crate::pages::portal_evidence::PortalRoster list=home.rosters/>
            <section aria-labelledby="contacts-h">
                <h2 id="contacts-h">"Your company's contacts"</h2>
                <table class="records">
                    <thead><tr><th scope="col">"Name"</th><th scope="col">"E-mail"</th><th scope="col">"Answers for"</th></tr></thead>
                    <tbody>{home.contacts.into_iter().map(|c| view! {
                        <tr><th scope="row">{c.name}</th><td>{c.email}</td><td>{c.answers_for}</td></tr>
                    }).collect_view()}</tbody>
                </table>
            </section>
        </article>
    }
}
