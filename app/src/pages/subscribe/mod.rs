//! Customers' pages, no account needed: subscribe (`/subscribe`), the answer to a
//! confirmation link that is not good (`/subscriptions/confirm/{token}`), unsubscribe
//! (`/subscriptions/unsubscribe/{token}`), the manage page (`/subscriptions/manage/{token}`)
//! and the objection form (`/changes/{id}/objection?token=`). Every form is a plain HTML post
//! to the server, which answers with a redirect or this page again with its messages, so
//! each works the same with JavaScript off.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

mod objection;

pub use objection::ObjectionPage;

use crate::{
    api::{
        subscriptions::{
            load_subscribe_options, load_subscription, load_unsubscribe, posted, Choice, Posted,
            SubscriptionView,
        },
        types::SelectOption,
    },
    components::ErrorNotice,
    error::AppError,
};

fn loading() -> impl IntoView {
    view! { <p class="loading" role="status">"Loading…"</p> }
}

/// The whole-form message of a post: a refusal of the form as a whole, or the summary.
fn form_message(p: &Option<Posted>, form: &str) -> impl IntoView {
    let p = p.as_ref().filter(|p| p.form == form);
    let message = p.and_then(|p| {
        p.message.clone().or_else(|| {
            (!p.errors.is_empty())
                .then(|| "Some fields need attention; see the messages next to them.".to_string())
        })
    });
    message.map(|m| view! { <div class="notice notice-error" role="alert"><p>{m}</p></div> })
}

/// The message for one field of a post, under it.
fn field_message(p: &Option<Posted>, form: &str, name: &str, id: String) -> impl IntoView {
    p.as_ref()
        .filter(|p| p.form == form)
        .and_then(|p| p.error(name))
        .map(|m| view! { <p class="field-error" id=id>{m}</p> })
}

fn invalid(p: &Option<Posted>, form: &str, name: &str) -> &'static str {
    if p.as_ref()
        .filter(|p| p.form == form)
        .and_then(|p| p.error(name))
        .is_some()
    {
        "true"
    } else {
        "false"
    }
}

/// Checkboxes named `name`, one per option, ticked per `chosen`.
fn checkboxes(
    name: &'static str,
    legend: &'static str,
    items: Vec<(SelectOption, bool)>,
    error: impl IntoView,
) -> impl IntoView {
    view! {
        <fieldset class="field checks">
            <legend>{legend}</legend>
            {items.into_iter().map(|(o, chosen)| {
                let id = format!("{name}-{}", o.value);
                let for_id = id.clone();
                view! {
                    <label for=for_id class="check">
                        <input type="checkbox" id=id name=name value=o.value.clone() checked=chosen/>
                        " "{o.label.clone()}
                    </label>
                }
            }).collect_view()}
            {error}
        </fieldset>
    }
}

/// `/subscribe`: e-mail, organisation, and what to hear about.
#[component]
pub fn SubscribePage() -> impl IntoView {
    let p = posted();
    let query = use_query_map();
    let sent = query.with_untracked(|q| q.get("sent").is_some());
    let revoked = query.with_untracked(|q| q.get("revoked").is_some());
    let options = Resource::new(|| (), |_| load_subscribe_options());
    let p2 = p.clone();
    view! {
        <Title text="Subscribe to changes"/>
        <h1>"Hear of every change before it takes effect"</h1>
        <p class="lede">"We tell subscribers of every new subprocessor and every wider scope (a new country, a new kind of data) when it is announced, before it takes effect, and you can object to it. No account is needed."</p>
        {sent.then(|| view! {
            <div class="notice notice-ok" role="status" id="subscribe-sent">
                <p><strong>"Check your inbox."</strong>" If the address can receive mail, a link to confirm the subscription is on its way (it is good for 7 days). Nothing is sent until you confirm."</p>
            </div>
        })}
        {revoked.then(|| view! {
            <div class="notice notice-ok" role="status" id="links-revoked">
                <p><strong>"Every link of your subscription has ended."</strong>" Your subscription stays on. To manage it again, enter your address below: we mail you a new link."</p>
            </div>
        })}
        <Suspense fallback=loading>
            {move || {
                let p = p2.clone();
                Suspend::new(async move {
                    match options.await {
                        Ok(o) => view! { <SubscribeForm options=o posted=p/> }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })
            }}
        </Suspense>
        <p class="hint">"Prefer a feed? The "<a href="/changes.atom" type="application/atom+xml">"Atom feed"</a>" and "<a href="/api/v1/changes">"/api/v1/changes"</a>" carry the same changes."</p>
    }
}

#[component]
fn SubscribeForm(
    options: crate::api::subscriptions::SubscribeOptions,
    posted: Option<Posted>,
) -> impl IntoView {
    let p = posted;
    let form = "subscribe";
    let value = |name: &str| {
        p.as_ref()
            .filter(|p| p.form == form)
            .and_then(|p| p.value(name))
            .unwrap_or_default()
    };
    let picked = |name: &str, v: &str| {
        p.as_ref()
            .filter(|p| p.form == form)
            .is_some_and(|p| p.values_of(name).iter().any(|x| x == v))
    };
    let services: Vec<(SelectOption, bool)> = options
        .services
        .iter()
        .map(|o| (o.clone(), picked("service", &o.value)))
        .collect();
    let categories: Vec<(SelectOption, bool)> = options
        .categories
        .iter()
        .map(|o| (o.clone(), picked("category", &o.value)))
        .collect();
    view! {
        <form method="post" action="/subscribe" class="form narrow" id="subscribe-form">
            {form_message(&p, form)}
            <div class="field">
                <label for="sub-email">"Email"</label>
                <input id="sub-email" type="email" name="email" required autocomplete="email" maxlength="254"
                    value=value("email") aria-invalid=invalid(&p, form, "email") aria-describedby="sub-email-msg"/>
                {field_message(&p, form, "email", "sub-email-msg".into())}
            </div>
            <div class="field">
                <label for="sub-org">"Organisation " <span class="optional">"(optional)"</span></label>
                <input id="sub-org" type="text" name="organisation" autocomplete="organization" maxlength="200"
                    value=value("organisation") aria-invalid=invalid(&p, form, "organisation") aria-describedby="sub-org-msg"/>
                {field_message(&p, form, "organisation", "sub-org-msg".into())}
            </div>
            <p class="hint" id="sub-filters-hint">"Choose nothing below to hear of every change; choose services or data categories to hear only of changes that touch them."</p>
            {checkboxes("service", "Services", services, field_message(&p, form, "service", "sub-service-msg".into()))}
            {checkboxes("category", "Data categories", categories, field_message(&p, form, "category", "sub-category-msg".into()))}
            <button type="submit" class="button">"Subscribe"</button>
        </form>
    }
}

/// `/subscriptions/confirm/{token}`: a good link shows a Confirm button (only its post
/// confirms: mail scanners open every link in a mail, and opening must not subscribe anyone);
/// a link that is not good shows why (the server renders it with the reason).
#[component]
pub fn ConfirmLinkPage() -> impl IntoView {
    let token = token_param();
    let p = posted();
    let good = p.as_ref().is_some_and(|p| p.form == "confirm");
    let message = p
        .and_then(|p| p.message)
        .unwrap_or_else(|| "This confirmation link is not known.".into());
    if good {
        return view! {
            <Title text="Confirm your subscription"/>
            <h1>"Confirm your subscription"</h1>
            <p>"Press the button to confirm that this address wants to hear of changes to our subprocessors. Nothing is sent until you do."</p>
            <form method="post" action=move || format!("/subscriptions/confirm/{}", token.get()) class="form narrow" id="confirm-form">
                <button type="submit" class="button">"Confirm subscription"</button>
            </form>
        }
        .into_any();
    }
    view! {
        <Title text="Confirmation link"/>
        <h1>"This link does not confirm a subscription"</h1>
        <div class="notice notice-error" role="alert"><p>{message}</p></div>
        <p><a class="button" href="/subscribe">"Subscribe again"</a></p>
    }
    .into_any()
}

fn token_param() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("token").unwrap_or_default()))
}

fn unknown_link() -> impl IntoView {
    crate::page_status::set(&crate::error::AppError::NotFound);
    view! {
        <div class="notice notice-error" role="alert">
            <p>"This link is not known. It may have been mistyped, or come from a subscription that no longer exists."</p>
        </div>
        <p><a class="button" href="/subscribe">"Subscribe"</a></p>
    }
}

/// `/subscriptions/unsubscribe/{token}`: an Unsubscribe button. Its link does nothing else
/// (no way from here to the manage page); after the post every link of the subscription has
/// ended, so the answer does not load it again.
#[component]
pub fn UnsubscribePage() -> impl IntoView {
    let token = token_param();
    let query = use_query_map();
    let done = query.with_untracked(|q| q.get("done").is_some());
    if done {
        return view! {
            <Title text="Unsubscribed"/>
            <h1>"Unsubscribe"</h1>
            <div class="notice notice-ok" role="status" id="unsubscribed">
                <p>"You are unsubscribed: no more notices are sent to this address, its webhooks are stopped, and the links in earlier mails no longer work."</p>
            </div>
            <p><a href="/subscribe">"Subscribe again"</a></p>
        }
        .into_any();
    }
    let data = Resource::new(move || token.get(), load_unsubscribe);
    view! {
        <Title text="Unsubscribe"/>
        <h1>"Unsubscribe"</h1>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let t = token.get_untracked();
                match data.await {
                    Ok(s) if s.status == "unsubscribed" => view! {
                        <div class="notice notice-ok" role="status" id="unsubscribed">
                            <p>{format!("{} is unsubscribed: no more notices are sent to it, and its webhooks are stopped.", s.email)}</p>
                        </div>
                        <p><a href="/subscribe">"Subscribe again"</a></p>
                    }.into_any(),
                    Ok(s) => view! {
                        <p>{format!("Stop every notice of subprocessor changes to {}?", s.email)}</p>
                        <form method="post" action=format!("/subscriptions/unsubscribe/{t}") class="form narrow">
                            <input type="hidden" name="List-Unsubscribe" value="One-Click"/>
                            <button type="submit" class="button danger">"Unsubscribe"</button>
                        </form>
                        <p>"To change what you hear about instead, open the manage link of a recent notice, or "<a href="/subscribe">"ask for a new one"</a>"."</p>
                    }.into_any(),
                    Err(AppError::NotFound) => unknown_link().into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

/// `/subscriptions/manage/{token}`: filters, webhooks, upcoming changes and objections.
#[component]
pub fn ManageSubscriptionPage() -> impl IntoView {
    let token = token_param();
    let p = posted();
    let query = use_query_map();
    let (confirmed, saved) =
        query.with_untracked(|q| (q.get("confirmed").is_some(), q.get("saved")));
    let data = Resource::new(move || token.get(), load_subscription);
    view! {
        <Title text="Your subscription"/>
        <h1>"Your subscription to subprocessor changes"</h1>
        {confirmed.then(|| view! { <div class="notice notice-ok" role="status" id="confirmed"><p>"Subscription confirmed. You will be told of every matching change when it is announced. Keep this page's address: it is your key to this subscription (every notice links to it too)."</p></div> })}
        {saved.map(|s| {
            let text = match s.as_str() {
                "filters" => "Saved: you hear about what is ticked below.",
                "removed" => "The endpoint is removed: it receives no more calls.",
                _ => "Saved.",
            };
            view! { <div class="notice notice-ok" role="status" id="saved"><p>{text}</p></div> }
        })}
        {p.as_ref().and_then(|p| p.secret.clone()).map(|secret| view! {
            <div class="notice notice-ok" role="status" id="webhook-secret">
                <p><strong>"Endpoint added."</strong>" Its signing secret is shown only this once; store it now. Every call is signed with it (Standard Webhooks: headers webhook-id, webhook-timestamp, webhook-signature)."</p>
                <p><code class="secret">{secret}</code></p>
            </div>
        })}
        <Suspense fallback=loading>
            {move || {
                let p = p.clone();
                Suspend::new(async move {
                    let t = token.get_untracked();
                    match data.await {
                        Ok(s) if s.status != "confirmed" => view! {
                            <div class="notice notice-error" role="alert"><p>{format!("The subscription of {} has ended: nothing is sent to it.", s.email)}</p></div>
                            <p><a class="button" href="/subscribe">"Subscribe again"</a></p>
                        }.into_any(),
                        Ok(s) => view! { <Manage s token=t posted=p/> }.into_any(),
                        Err(AppError::NotFound) => unknown_link().into_any(),
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

fn choices(list: &[Choice], posted: Option<&Posted>, name: &str) -> Vec<(SelectOption, bool)> {
    list.iter()
        .map(|c| {
            let chosen = match posted {
                Some(p) => p.values_of(name).contains(&c.option.value),
                None => c.chosen,
            };
            (c.option.clone(), chosen)
        })
        .collect()
}

#[component]
fn Manage(s: SubscriptionView, token: String, posted: Option<Posted>) -> impl IntoView {
    let p = posted;
    let page = format!("/subscriptions/manage/{token}");
    let filters_posted = p.as_ref().filter(|p| p.form == "filters");
    let org = filters_posted
        .and_then(|p| p.value("organisation"))
        .unwrap_or(s.organisation.clone());
    let services = choices(&s.services, filters_posted, "service");
    let categories = choices(&s.categories, filters_posted, "category");
    let url_value = p
        .as_ref()
        .filter(|p| p.form == "webhook" && p.secret.is_none())
        .and_then(|p| p.value("url"))
        .unwrap_or_default();
    let t = token.clone();
    view! {
        <p>"Notices go to "<strong>{s.email.clone()}</strong>"."</p>
        <section aria-labelledby="filters-h">
            <h2 id="filters-h">"What you hear about"</h2>
            <form method="post" action=page.clone() class="form narrow" id="filters-form">
                {form_message(&p, "filters")}
                <input type="hidden" name="action" value="filters"/>
                <input type="hidden" name="version" value=s.version/>
                <div class="field">
                    <label for="m-org">"Organisation " <span class="optional">"(optional)"</span></label>
                    <input id="m-org" type="text" name="organisation" maxlength="200" value=org
                        aria-invalid=invalid(&p, "filters", "organisation") aria-describedby="m-org-msg"/>
                    {field_message(&p, "filters", "organisation", "m-org-msg".into())}
                </div>
                <p class="hint">"Nothing ticked: every change."</p>
                {checkboxes("service", "Services", services, field_message(&p, "filters", "service", "m-service-msg".into()))}
                {checkboxes("category", "Data categories", categories, field_message(&p, "filters", "category", "m-category-msg".into()))}
                <button type="submit" class="button">"Save filters"</button>
            </form>
        </section>
        <section aria-labelledby="upcoming-h">
            <h2 id="upcoming-h">"Upcoming changes you can object to"</h2>
            {if s.upcoming.is_empty() {
                view! { <p>"None right now: no announced change that matches your filters is still ahead."</p> }.into_any()
            } else {
                view! { <ul class="plain changes-to-object">{s.upcoming.iter().map(|c| view! {
                    <li>
                        <strong>{c.vendor.clone()}</strong>": "{c.summary.clone()}" Effective "{c.effective_on.to_string()}". "
                        <a href=format!("/changes/{}/objection?token={}", c.id, t)>"Object"</a>
                    </li>
                }).collect_view()}</ul> }.into_any()
            }}
        </section>
        <section aria-labelledby="objections-h">
            <h2 id="objections-h">"Your objections"</h2>
            {if s.objections.is_empty() {
                view! { <p>"You have not objected to any change."</p> }.into_any()
            } else {
                view! { <table class="records">
                    <thead><tr><th scope="col">"Change"</th><th scope="col">"Effective"</th><th scope="col">"Made"</th><th scope="col">"State"</th><th scope="col">"Our response"</th></tr></thead>
                    <tbody>{s.objections.iter().map(|o| view! {
                        <tr><th scope="row">{o.vendor.clone()}</th><td>{o.effective_on.clone()}</td><td>{o.received_at.get(..10).unwrap_or_default().to_string()}</td><td>{o.state.clone()}</td><td class="prewrap">{o.response.clone().unwrap_or_default()}</td></tr>
                    }).collect_view()}</tbody>
                </table> }.into_any()
            }}
        </section>
        <section aria-labelledby="webhooks-h">
            <h2 id="webhooks-h">"Webhooks"</h2>
            <p class="hint">"Each notice is also posted as JSON to these endpoints, signed per Standard Webhooks 1.0. Answer 2xx to accept; 410 Gone stops the endpoint; anything else is retried for three days."</p>
            {(!s.endpoints.is_empty()).then(|| view! {
                <ul class="plain endpoints">{s.endpoints.iter().map(|e| {
                    let url = e.url.clone();
                    view! {
                        <li>
                            <code>{e.url.clone()}</code>
                            {if e.enabled {
                                view! {
                                    <details class="editor inline confirm">
                                        <summary class="link-button danger" aria-label=format!("Remove the endpoint {url}")>"Remove"</summary>
                                        <form method="post" action=page.clone() class="inline">
                                            <input type="hidden" name="action" value="remove"/>
                                            <input type="hidden" name="endpoint" value=e.id/>
                                            <span>"Stop calling this endpoint? "</span>
                                            <button type="submit" class="link-button danger">"Yes, remove"</button>
                                        </form>
                                    </details>
                                }.into_any()
                            } else {
                                view! { <span class="hint">{format!(" (stopped: {})", e.note.clone().unwrap_or_default())}</span> }.into_any()
                            }}
                        </li>
                    }
                }).collect_view()}</ul>
            })}
            <form method="post" action=page.clone() class="form narrow" id="webhook-form">
                {form_message(&p, "webhook")}
                <input type="hidden" name="action" value="webhook"/>
                <div class="field">
                    <label for="m-url">"Endpoint URL"</label>
                    <input id="m-url" type="url" name="url" required maxlength="2000" placeholder="https://"
                        value=url_value aria-invalid=invalid(&p, "webhook", "url") aria-describedby="m-url-msg"/>
                    {field_message(&p, "webhook", "url", "m-url-msg".into())}
                </div>
                <button type="submit" class="button">"Add endpoint"</button>
            </form>
        </section>
        <section aria-labelledby="links-h">
            <h2 id="links-h">"Your links"</h2>
            <p class="hint">"This page's link is good for 30 days; every notice brings a fresh one, and subscribing again with your address mails one. If a mail of ours was forwarded, end every link it holds:"</p>
            <details class="editor inline confirm">
                <summary class="link-button danger">"Revoke all links…"</summary>
                <form method="post" action=page.clone() class="inline" id="revoke-form">
                    <input type="hidden" name="action" value="revoke"/>
                    <span>"End every link of this subscription, this page's too? Your subscription stays on. "</span>
                    <button type="submit" class="link-button danger">"Yes, revoke all links"</button>
                </form>
            </details>
        </section>
        <section aria-labelledby="end-h">
            <h2 id="end-h">"End the subscription"</h2>
            <details class="editor inline confirm">
                <summary class="link-button danger">"Unsubscribe…"</summary>
                <form method="post" action=format!("/subscriptions/unsubscribe/{token}") class="inline">
                    <input type="hidden" name="List-Unsubscribe" value="One-Click"/>
                    <span>"Stop every notice and webhook? "</span>
                    <button type="submit" class="link-button danger">"Yes, unsubscribe"</button>
                </form>
            </details>
        </section>
    }
}
