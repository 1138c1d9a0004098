//! `/trust`: our audit reports and certifications for customers, with the request form (the
//! agreement shown in full) and the viewer's access; `/trust/confirm/{token}`: a mailed
//! link's page, whose button accepts the agreement and opens the access. Both work without
//! JavaScript (plain form posts).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::{
    api::trust::{
        load_trust_link, load_trust_page, ConfirmTrustLink, RequestTrustAccess, TrustDocument,
        TrustLink, TrustPage,
    },
    components::{last_error, ErrorNotice, Field, FormError},
    domain::trust::{AccessLevel, Validity},
    error::AppError,
};

fn validity_text(d: &TrustDocument) -> String {
    match d.validity {
        Validity::Expired => format!("Expired on {}", d.valid_until),
        Validity::Expiring(days) => format!("{} (in {days} days)", d.valid_until),
        Validity::Current if d.valid_until.is_empty() => "No end date".into(),
        Validity::Current => d.valid_until.clone(),
    }
}

/// `/trust`.
#[component]
pub fn TrustRoutePage() -> impl IntoView {
    let data = Resource::new(|| (), |_| load_trust_page());
    view! {
        <Title text="Trust documents"/>
        <h1>"Audit reports and certifications"</h1>
        <p class="lede">"Our independent audits and certifications stand in for audits of our subcontractors and data centres. Public documents download at once; the others open after you accept our confidentiality agreement (and, for some, after we approve the request). Each PDF is marked with the recipient's name."</p>
        <p id="trust-list">"The subcontractors these reports cover are in our list of subprocessors: "<a href="/">"the registry"</a>", or download it as "<a href="/subprocessors.csv" download="">"CSV"</a>" or "<a href="/subprocessors.xlsx" download="">"Excel"</a>" (as of today)."</p>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(p) => view! { <TrustBody p/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TrustBody(p: TrustPage) -> impl IntoView {
    let query = use_query_map();
    let action = ServerAction::<RequestTrustAccess>::new();
    let error = last_error(action);
    let requestable: Vec<TrustDocument> = p
        .documents
        .iter()
        .filter(|d| d.access != AccessLevel::Public && !d.open)
        .cloned()
        .collect();
    let notice = move || {
        let requested = query.with(|q| q.get("requested").is_some())
            || action.value().get().is_some_and(|r| r.is_ok());
        if requested {
            return Some("Check your mail: we sent a link to the address you gave. Open it and press the button to open your access (the link works once, for 48 hours).".to_string());
        }
        let waiting = query.with(|q| q.get("waiting")).unwrap_or_default();
        query.with(|q| q.get("opened")).map(|n| {
            let mut s = format!("Your access is open to {n} document(s).");
            if waiting != "0" && !waiting.is_empty() {
                s.push_str(&format!(
                    " {waiting} document(s) wait for our approval; we mail you when it is decided."
                ));
            }
            s
        })
    };
    let access = p.access.clone().map(|a| view! {
        <div class="notice notice-ok" role="status" id="trust-access">
            <p>{format!("Access {} for {} ({}) is open until {} UTC. It opens: {}.", a.code, a.name, a.organisation, a.expires_at, a.documents.join(", "))}</p>
        </div>
    });
    let documents = p.documents.clone();
    view! {
        {move || notice().map(|n| view! { <div class="notice notice-ok" role="status" id="trust-notice"><p>{n}</p></div> })}
        {access}
        <section aria-labelledby="documents-h">
            <h2 id="documents-h">"Documents"</h2>
            {if documents.is_empty() {
                view! { <p id="trust-empty">"No documents are published yet."</p> }.into_any()
            } else {
                view! {
                    <table class="records" id="trust-documents">
                        <thead><tr><th scope="col">"Document"</th><th scope="col">"Covers"</th><th scope="col">"Period"</th><th scope="col">"Issued"</th><th scope="col">"Valid until"</th><th scope="col">"Access"</th></tr></thead>
                        <tbody>{documents.into_iter().map(|d| {
                            let href = format!("/trust/documents/{}", d.slug);
                            let validity = validity_text(&d);
                            let expired = d.validity == Validity::Expired;
                            let bridge = (!d.bridges.is_empty()).then(|| format!("Bridge letter for {}", d.bridges));
                            let note = (!d.stamped).then_some("Not a PDF: served as it is, not marked with your name.");
                            view! {
                                <tr id=format!("doc-{}", d.slug)>
                                    <th scope="row">
                                        {if d.open {
                                            view! { <a href=href download="">{d.title.clone()}</a> }.into_any()
                                        } else {
                                            view! { <span>{d.title.clone()}</span> }.into_any()
                                        }}
                                        <br/><span class="hint">{[d.kind.clone(), d.issuer.clone(), format!("version {}", d.version)].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ")}</span>
                                        {bridge.map(|b| view! { <br/><span class="hint">{b}</span> })}
                                        {note.map(|n| view! { <br/><span class="hint">{n}</span> })}
                                    </th>
                                    <td>{d.covers.clone()}</td>
                                    <td>{d.period.clone()}</td>
                                    <td>{d.issued_on.clone()}</td>
                                    <td class:expired=expired>{validity}</td>
                                    <td>{d.access.label()}</td>
                                </tr>
                            }
                        }).collect_view()}</tbody>
                    </table>
                }.into_any()
            }}
        </section>
        {(!requestable.is_empty()).then(|| view! {
            <section aria-labelledby="request-h">
                <h2 id="request-h">"Request access"</h2>
                <ActionForm action attr:class="form narrow" attr:id="trust-request-form">
                    <FormError error/>
                    <Field label="Your name" arg="r" name="name" id="tr-name".into() error required=true autocomplete="name"/>
                    <Field label="Work e-mail" arg="r" name="email" id="tr-email".into() kind="email" error required=true autocomplete="email"/>
                    <Field label="Organisation" arg="r" name="organisation" id="tr-organisation".into() error required=true autocomplete="organization"/>
                    <fieldset class="field" id="tr-documents">
                        <legend>"Documents"</legend>
                        {requestable.iter().map(|d| view! {
                            <label class="check"><input type="checkbox" name=format!("r[document][{}]", d.slug) value="on"/>" "{format!("{} ({})", d.title, d.access.label().to_lowercase())}</label>
                        }).collect_view()}
                        {move || error.get().and_then(|e| e.field("document").map(|m| view! { <p class="field-error" role="alert">{m}</p> }))}
                    </fieldset>
                    <h3 id="agreement-h">{format!("Confidentiality agreement (version {})", p.agreement_version)}</h3>
                    <div class="agreement" id="trust-agreement" tabindex="0" aria-labelledby="agreement-h"><pre>{p.agreement.clone()}</pre></div>
                    <p class="hint">{format!("SHA-256 of this text: {}", p.agreement_sha256)}</p>
                    <input type="hidden" name="r[agreement]" value=p.agreement_version.to_string()/>
                    <label class="check"><input type="checkbox" name="r[accept]" value="yes" id="tr-accept"/>" I accept this agreement for my organisation"</label>
                    {move || error.get().and_then(|e| e.field("accept").map(|m| view! { <p class="field-error" role="alert">{m}</p> }))}
                    <p class="hint" id="trust-privacy">{format!("What we record: your name, e-mail address, organisation, the documents you ask for, and, when you open the mailed link, the time (UTC), your IP address, your browser and the exact agreement you accepted; then each download. We keep it for {} days, after which it is replaced by a one-way hash. An access lasts {} days.", p.retention_days, p.access_days)}</p>
                    <div class="actions"><button type="submit" class="button">"Request access"</button></div>
                </ActionForm>
            </section>
        })}
    }
}

/// `/trust/confirm/{token}`.
#[component]
pub fn TrustConfirmPage() -> impl IntoView {
    let params = use_params_map();
    let token = Memo::new(move |_| params.with(|p| p.get("token").unwrap_or_default()));
    let data = Resource::new(move || token.get(), load_trust_link);
    let action = ServerAction::<ConfirmTrustLink>::new();
    let error = last_error(action);
    view! {
        <Title text="Open your access"/>
        <h1>"Open your access to our security documents"</h1>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(TrustLink::Good { name, organisation, documents, agreement, approved }) => view! {
                        <p>{format!("For {name}, {organisation}:")}</p>
                        <ul id="trust-link-documents">{documents.into_iter().map(|d| view! { <li>{d}</li> }).collect_view()}</ul>
                        {(!approved).then(|| view! {
                            <p>"Pressing the button accepts this agreement for your organisation, and is recorded with the time, your IP address and browser:"</p>
                            <div class="agreement" tabindex="0"><pre>{agreement}</pre></div>
                        })}
                        <ActionForm action attr:class="form narrow" attr:id="trust-confirm-form">
                            <FormError error/>
                            <input type="hidden" name="token" value=token.get_untracked()/>
                            <div class="actions"><button type="submit" class="button">{if approved { "Open my access" } else { "Accept and open my access" }}</button></div>
                        </ActionForm>
                    }.into_any(),
                    Ok(TrustLink::Gone) => {
                        crate::page_status::set(&AppError::Gone(String::new()));
                        view! {
                            <div class="notice notice-error" role="alert" id="trust-link-gone"><p>"This link was used already or has expired."</p></div>
                            <p><a class="button" href="/trust">"Request access again"</a></p>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
