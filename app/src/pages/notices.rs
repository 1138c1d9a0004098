//! The managers' side of telling customers: `/manage/deliveries` (the outbox) and
//! `/manage/objections` (customers' objections and their answers), and a vendor's
//! objections on its internal page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

use crate::{
    api::{
        deliveries::{load_deliveries, DeliveriesPage, RetryDelivery},
        objections::{load_objections, ObjectionItem, ObjectionStep, ObjectionsPage},
    },
    components::{count_successes, last_error, ErrorNotice, FormError},
    error::AppError,
    pages::SignInFirst,
};

/// The objections of the vendor `slug` names, for [`VendorObjections`].
pub fn vendor_objections(slug: Memo<String>) -> Resource<Result<ObjectionsPage, AppError>> {
    Resource::new(
        move || format!("all=1&vendor={}", slug.get()),
        load_objections,
    )
}

fn loading() -> impl IntoView {
    view! { <p class="loading" role="status">"Loading…"</p> }
}

/// `/manage/deliveries?state=&page=`.
#[component]
pub fn DeliveriesPage() -> impl IntoView {
    let location = use_location();
    let retry = ServerAction::<RetryDelivery>::new();
    let saves = RwSignal::new(0usize);
    count_successes(retry, saves);
    let data = Resource::new(
        move || {
            (
                location.search.get().trim_start_matches('?').to_string(),
                saves.get(),
            )
        },
        |(q, _)| load_deliveries(q),
    );
    let error = last_error(retry);
    view! {
        <Title text="Deliveries"/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/manage">"Manage"</a>" / "<span aria-current="page">"Deliveries"</span></nav>
        <h1>"Deliveries"</h1>
        <p class="hint">"Every notice, confirmation, response and digest the registry sends, by mail or webhook. Failed tries are retried after about 1 minute, 5 minutes, 30 minutes, 2 hours, 12 hours, then daily, for three days; nothing is ever deleted."</p>
        <FormError error/>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(p) => view! { <DeliveryList p retry/> }.into_any(),
                    Err(AppError::Unauthorized) => view! { <SignInFirst/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn DeliveryList(p: DeliveriesPage, retry: ServerAction<RetryDelivery>) -> impl IntoView {
    let (sent, pending, retrying, failed, skipped) = p.counts;
    let tab = |state: &'static str, label: String, current: &str| {
        let here = state == current;
        view! {
            <a href=format!("/manage/deliveries?state={state}") aria-current=here.then_some("page")>{label}</a>
        }
    };
    let pages = ((p.total + i64::from(p.page_size) - 1) / i64::from(p.page_size)).max(1);
    let state = p.state.clone();
    let link = move |page: u32| format!("/manage/deliveries?state={state}&page={page}");
    let prev = (p.page > 1).then(|| link(p.page - 1));
    let next = (i64::from(p.page) < pages).then(|| link(p.page + 1));
    view! {
        {p.message.clone().map(|m| view! { <div class="notice notice-error" role="alert"><p>{m}</p></div> })}
        <nav class="tabs" aria-label="Delivery state">
            {tab("all", format!("All ({})", sent + pending + retrying + failed + skipped), &p.state)}
            {tab("sent", format!("Sent ({sent})"), &p.state)}
            {tab("pending", format!("Pending ({pending})"), &p.state)}
            {tab("retrying", format!("Retrying ({retrying})"), &p.state)}
            {tab("failed", format!("Failed ({failed})"), &p.state)}
            {tab("skipped", format!("Skipped ({skipped})"), &p.state)}
        </nav>
        {if p.lines.is_empty() {
            view! { <p>"No deliveries in this state."</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                <table class="records deliveries">
                    <thead><tr>
                        <th scope="col">"#"</th><th scope="col">"What"</th><th scope="col">"To"</th>
                        <th scope="col">"State"</th><th scope="col">"Tries"</th><th scope="col">"Queued"</th>
                        <th scope="col">"Sent / next try"</th><th scope="col">"Last error"</th><th scope="col"><span class="visually-hidden">"Action"</span></th>
                    </tr></thead>
                    <tbody>{p.lines.into_iter().map(|d| {
                        let failed = d.state == "failed";
                        view! {
                            <tr class=format!("delivery-{}", d.state)>
                                <td>{d.id}</td>
                                <td>{format!("{} {}", d.channel, d.purpose)}{d.change_id.map(|c| view! { " · "<a href=format!("/changes#change-{c}")>{format!("change {c}")}</a> })}</td>
                                <td class="wrap-anywhere">{d.recipient.clone()}</td>
                                <td><span class=format!("badge delivery-state-{}", d.state)>{d.state.clone()}</span></td>
                                <td>{d.attempts}</td>
                                <td class="date">{d.created_at.get(..16).unwrap_or_default().replace('T', " ")}</td>
                                <td class="date">{d.sent_at.clone().or(d.next_attempt_at.clone()).map(|t| t.get(..16).unwrap_or_default().replace('T', " ")).unwrap_or_default()}</td>
                                <td>{d.last_error.clone().unwrap_or_default()}</td>
                                <td>{(failed && p.can_retry).then(|| view! {
                                    <ActionForm action=retry attr:class="inline">
                                        <input type="hidden" name="id" value=d.id/>
                                        <button type="submit" class="link-button" aria-label=format!("Send delivery {} again", d.id)>"Send again"</button>
                                    </ActionForm>
                                })}</td>
                            </tr>
                        }
                    }).collect_view()}</tbody>
                </table>
                </div>
                <nav class="pager" aria-label="Pages">
                    {prev.map(|h| view! { <a href=h rel="prev">"← Newer"</a> })}
                    <span>{format!("Page {} of {pages}", p.page)}</span>
                    {next.map(|h| view! { <a href=h rel="next">"Older →"</a> })}
                </nav>
            }.into_any()
        }}
    }
}

/// `/manage/objections` (`?all=1` for resolved ones too).
#[component]
pub fn ObjectionsPage() -> impl IntoView {
    let location = use_location();
    let step = ServerAction::<ObjectionStep>::new();
    let saves = RwSignal::new(0usize);
    count_successes(step, saves);
    let data = Resource::new(
        move || {
            (
                location.search.get().trim_start_matches('?').to_string(),
                saves.get(),
            )
        },
        |(q, _)| load_objections(q),
    );
    let error = last_error(step);
    view! {
        <Title text="Objections"/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/manage">"Manage"</a>" / "<span aria-current="page">"Objections"</span></nav>
        <h1>"Objections from customers"</h1>
        <FormError error/>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(p) => view! { <ObjectionList p step/> }.into_any(),
                    Err(AppError::Unauthorized) => view! { <SignInFirst/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ObjectionList(p: ObjectionsPage, step: ServerAction<ObjectionStep>) -> impl IntoView {
    view! {
        <p>
            {if p.open_only {
                view! { "Open objections, oldest first. "<a href="/manage/objections?all=1">"Show resolved ones too"</a> }.into_any()
            } else {
                view! { "Every objection, oldest first. "<a href="/manage/objections">"Open ones only"</a> }.into_any()
            }}
        </p>
        {if p.items.is_empty() {
            view! { <p id="no-objections">"No objections."</p> }.into_any()
        } else {
            let outcomes = p.outcomes.clone();
            view! { <ol class="plain objections">{p.items.into_iter().map(|o| view! {
                <li><Objection o can_edit=p.can_edit outcomes=outcomes.clone() step/></li>
            }).collect_view()}</ol> }.into_any()
        }}
    }
}

#[component]
fn Objection(
    o: ObjectionItem,
    can_edit: bool,
    outcomes: Vec<(String, String)>,
    step: ServerAction<ObjectionStep>,
) -> impl IntoView {
    let id = o.id;
    let left = if o.days_left > 0 {
        format!(
            "{} day{} before it takes effect",
            o.days_left,
            if o.days_left == 1 { "" } else { "s" }
        )
    } else {
        "in effect".to_string()
    };
    let open = o.step != "resolved";
    view! {
        <article class="objection" id=format!("objection-{id}") aria-labelledby=format!("objection-{id}-h")>
            <h2 id=format!("objection-{id}-h")>
                <a href=format!("/manage/vendors/{}", o.vendor_slug)>{o.vendor.clone()}</a>
                {format!(" · effective {} ({left})", o.effective_on)}
            </h2>
            <p class="hint">{format!("From {}{}{}, received {}", o.email,
                o.organisation.as_ref().map(|x| format!(" ({x})")).unwrap_or_default(),
                o.contact.as_ref().map(|x| format!(", contact: {x}")).unwrap_or_default(),
                o.received_at.get(..16).unwrap_or_default().replace('T', " "))}</p>
            <blockquote class="prewrap">{o.reason.clone()}</blockquote>
            <ol class="plain steps">{o.steps.iter().map(|s| view! {
                <li>{format!("{} · {}{} by {}", s.at.get(..16).unwrap_or_default().replace('T', " "), s.step,
                    s.outcome.as_ref().map(|x| format!(": {x}")).unwrap_or_default(), s.actor)}
                    {(!s.response.is_empty()).then(|| view! { <p class="prewrap">{s.response.clone()}</p> })}
                </li>
            }).collect_view()}</ol>
            {(open && can_edit).then(|| {
                let ack = o.step == "received";
                view! {
                    {ack.then(|| view! {
                        <ActionForm action=step attr:class="inline">
                            <input type="hidden" name="s[id]" value=id/>
                            <input type="hidden" name="s[step]" value="acknowledged"/>
                            <input type="hidden" name="s[outcome]" value=""/>
                            <input type="hidden" name="s[response]" value="We have received your objection and are looking into it."/>
                            <button type="submit" class="button secondary">"Acknowledge"</button>
                        </ActionForm>
                    })}
                    <details class="editor">
                        <summary>"Resolve"</summary>
                        <ActionForm action=step attr:class="form">
                            <input type="hidden" name="s[id]" value=id/>
                            <input type="hidden" name="s[step]" value="resolved"/>
                            <fieldset class="field">
                                <legend>"Outcome"</legend>
                                {outcomes.into_iter().map(|(code, label)| {
                                    let rid = format!("out-{id}-{code}");
                                    let for_id = rid.clone();
                                    view! { <label for=for_id class="check"><input type="radio" id=rid name="s[outcome]" value=code required/>" "{label}</label> }
                                }).collect_view()}
                            </fieldset>
                            <div class="field">
                                <label for=format!("resp-{id}")>"Response to the customer (mailed to them)"</label>
                                <textarea id=format!("resp-{id}") name="s[response]" required minlength="10" maxlength="5000" rows="5"></textarea>
                            </div>
                            <button type="submit" class="button">"Resolve and send the response"</button>
                        </ActionForm>
                    </details>
                }
            })}
        </article>
    }
}

/// A vendor's objections on its internal page. The page creates `data` (see
/// [`vendor_objections`]) outside its own `Suspend`: a resource created while a suspense
/// resolves can be resolved on the server but not yet on the client, and hydration fails.
#[component]
pub fn VendorObjections(data: Resource<Result<ObjectionsPage, AppError>>) -> impl IntoView {
    view! {
        <section aria-labelledby="vendor-objections-h">
            <h2 id="vendor-objections-h">"Objections from customers"</h2>
            <Suspense fallback=loading>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(p) if p.items.is_empty() => view! { <p>"No customer has objected to a change of this vendor."</p> }.into_any(),
                        Ok(p) => view! {
                            <ul class="plain">{p.items.into_iter().map(|o| view! {
                                <li>
                                    <a href=format!("/manage/objections?all=1#objection-{}", o.id)>{format!("{} ({})", o.email, o.step)}</a>
                                    {format!(": change effective {}", o.effective_on)}
                                </li>
                            }).collect_view()}</ul>
                        }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
