//! `/manage/trust`: our trust documents for managers: each document's newest version, its
//! access log (CSV) and a new version; a new document (a plain multipart form, working without
//! JavaScript; a refusal comes back in the address); the agreement's text; requests waiting
//! for approval; open accesses. Auditors read; admins and managers change.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::{
    api::trust::{
        load_trust_admin, load_trust_document, DecideTrustRequest, RevokeTrustAccess,
        SaveTrustAgreement, TrustAdmin, TrustDocument, TrustDocumentLog, UploadTrustDocument,
        WithdrawTrustDocument,
    },
    components::{count_successes, last_error, ErrorNotice, FormError},
    domain::trust::{AccessLevel, TrustKind, Validity},
    files::limits::MAX_DOCUMENT_BYTES,
};

/// `/manage/trust`.
#[component]
pub fn TrustManagePage() -> impl IntoView {
    let withdraw = ServerAction::<WithdrawTrustDocument>::new();
    let agreement = ServerAction::<SaveTrustAgreement>::new();
    let decide = ServerAction::<DecideTrustRequest>::new();
    let revoke = ServerAction::<RevokeTrustAccess>::new();
    let saves = RwSignal::new(0usize);
    count_successes(withdraw, saves);
    count_successes(agreement, saves);
    count_successes(decide, saves);
    count_successes(revoke, saves);
    let data = Resource::new(move || saves.get(), |_| load_trust_admin());
    let actions = Actions {
        withdraw,
        agreement,
        decide,
        revoke,
    };
    view! {
        <Title text="Trust documents"/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/manage">"Manage"</a>" / "<span aria-current="page">"Trust documents"</span></nav>
        <h1>"Trust documents"</h1>
        <p class="lede">"Our audit reports and certifications as customers see them at "<a href="/trust">"/trust"</a>"."</p>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(a) => view! { <Admin a actions/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[derive(Clone, Copy)]
struct Actions {
    withdraw: ServerAction<WithdrawTrustDocument>,
    agreement: ServerAction<SaveTrustAgreement>,
    decide: ServerAction<DecideTrustRequest>,
    revoke: ServerAction<RevokeTrustAccess>,
}

fn validity(d: &TrustDocument) -> String {
    match d.validity {
        Validity::Expired => format!("expired {}", d.valid_until),
        Validity::Expiring(n) => format!("{} ({n} days left)", d.valid_until),
        Validity::Current => d.valid_until.clone(),
    }
}

#[component]
fn Admin(a: TrustAdmin, actions: Actions) -> impl IntoView {
    let query = use_query_map();
    let upload_error = query.with_untracked(|q| q.get("error"));
    let published = query.with_untracked(|q| q.get("published"));
    let edit = a.can_edit;
    let withdraw_error = last_error(actions.withdraw);
    let agreement_error = last_error(actions.agreement);
    let decide_error = last_error(actions.decide);
    let revoke_error = last_error(actions.revoke);
    view! {
        {published.map(|s| view! { <div class="notice notice-ok" role="status" id="trust-published"><p>{format!("Published: {s}.")}</p></div> })}
        <section aria-labelledby="documents-h">
            <h2 id="documents-h">"Documents"</h2>
            <FormError error=withdraw_error/>
            {if a.documents.is_empty() {
                view! { <p>"No documents yet: upload the first below."</p> }.into_any()
            } else {
                view! {
                    <table class="records" id="trust-admin-documents">
                        <thead><tr><th scope="col">"Document"</th><th scope="col">"Access"</th><th scope="col">"Valid until"</th><th scope="col">"Version"</th><th scope="col">"Log"</th>{edit.then(|| view! { <th scope="col">"Change"</th> })}</tr></thead>
                        <tbody>{a.documents.clone().into_iter().map(|d| {
                            let slug = d.slug.clone();
                            let withdrawn = d.withdrawn;
                            let slug_w = slug.clone();
                            view! {
                                <tr id=format!("admin-doc-{}", d.slug)>
                                    <th scope="row"><a href=format!("/manage/trust/{}", d.slug)>{d.title.clone()}</a>{d.withdrawn.then_some(" (withdrawn)")}<br/><span class="hint">{format!("{} · {}", d.kind, d.slug)}</span></th>
                                    <td>{d.access.label()}</td>
                                    <td>{validity(&d)}</td>
                                    <td>{d.version}</td>
                                    <td><a href=format!("/manage/trust/{}/log.csv", d.slug) download="">"Access log (CSV)"</a></td>
                                    {edit.then(move || view! {
                                        <td>
                                            <details><summary>{if withdrawn { "Offer again…" } else { "Withdraw…" }}</summary>
                                                <p class="hint">{if withdrawn { "It is listed and downloadable again." } else { "It leaves the trust page and nobody can download it; its versions and log stay." }}</p>
                                                <ActionForm action=actions.withdraw attr:class="inline">
                                                    <input type="hidden" name="slug" value=slug_w/>
                                                    <input type="hidden" name="withdraw" value=(!withdrawn).to_string()/>
                                                    <button type="submit" class="button secondary">{if withdrawn { "Offer it again" } else { "Withdraw it" }}</button>
                                                </ActionForm>
                                            </details>
                                            <details><summary>"New version"</summary>
                                                <form method="post" action=UploadTrustDocument::url() enctype="multipart/form-data" class="form narrow">
                                                    <input type="hidden" name="document" value=slug.clone()/>
                                                    {dates(&format!("v-{slug}"))}
                                                    <div class="field"><label for=format!("v-{slug}-file")>"File (PDF, PNG or JPEG)"</label><input id=format!("v-{slug}-file") type="file" name="file" required accept=".pdf,.png,.jpg,.jpeg"/></div>
                                                    <div class="actions"><button type="submit" class="button">"Publish the new version"</button></div>
                                                </form>
                                            </details>
                                        </td>
                                    })}
                                </tr>
                            }
                        }).collect_view()}</tbody>
                    </table>
                }.into_any()
            }}
        </section>
        {edit.then(|| view! {
            <section aria-labelledby="upload-h">
                <h2 id="upload-h">"Publish a document"</h2>
                <form method="post" action=UploadTrustDocument::url() enctype="multipart/form-data" class="form grid" id="trust-upload-form">
                    {upload_error.clone().map(|e| view! { <div class="notice notice-error" role="alert" id="trust-upload-error"><p>{e}</p></div> })}
                    <div class="field"><label for="td-title">"Title"</label><input id="td-title" name="title" required maxlength="200"/></div>
                    <div class="field"><label for="td-kind">"Kind"</label><select id="td-kind" name="kind">{TrustKind::ALL.iter().map(|k| view! { <option value=k.code()>{k.label()}</option> }).collect_view()}</select></div>
                    <div class="field"><label for="td-covers">"What it covers (services)"</label><input id="td-covers" name="covers" maxlength="500"/></div>
                    <div class="field"><label for="td-issuer">"Issuer (audit firm, certification body)"</label><input id="td-issuer" name="issuer" maxlength="200"/></div>
                    <div class="field"><label for="td-access">"Access"</label><select id="td-access" name="access">{AccessLevel::ALL.iter().map(|l| view! { <option value=l.code() selected=*l == AccessLevel::Agreement>{l.label()}</option> }).collect_view()}</select></div>
                    <div class="field"><label for="td-bridges">"Bridge letter for (the report's address, e.g. soc-2-type-ii-report-2025)"</label><input id="td-bridges" name="bridges" maxlength="80"/></div>
                    {dates("td")}
                    <div class="field"><label for="td-file">{format!("File (PDF, PNG or JPEG, at most {} MB; PDFs may not be encrypted)", MAX_DOCUMENT_BYTES / (1024 * 1024))}</label><input id="td-file" type="file" name="file" required accept=".pdf,.png,.jpg,.jpeg"/></div>
                    <div class="actions"><button type="submit" class="button">"Publish"</button></div>
                </form>
            </section>
        })}
        <section aria-labelledby="agreement-h">
            <h2 id="agreement-h">{format!("Confidentiality agreement (version {})", a.agreement_version)}</h2>
            <p class="hint">"Saving a changed text makes a new version; each acceptance keeps pointing at the exact text accepted."</p>
            <ActionForm action=actions.agreement attr:class="form" attr:id="trust-agreement-form">
                <FormError error=agreement_error/>
                <textarea name="body" rows="12" aria-label="Agreement text" readonly=!edit>{a.agreement.clone()}</textarea>
                {edit.then(|| view! { <div class="actions"><button type="submit" class="button">"Save as a new version"</button></div> })}
            </ActionForm>
        </section>
        <section aria-labelledby="requests-h">
            <h2 id="requests-h">"Requests waiting for approval"</h2>
            <FormError error=decide_error/>
            {if a.waiting.is_empty() {
                view! { <p id="trust-no-requests">"None waiting."</p> }.into_any()
            } else {
                view! {
                    <ul class="records" id="trust-requests">{a.waiting.clone().into_iter().map(|r| view! {
                        <li id=format!("request-{}", r.id)>
                            <p>{format!("{} <{}>, {} ({}): {}", r.name, r.email, r.organisation, r.created_at, r.documents.join(", "))}</p>
                            {edit.then(move || view! {
                                <ActionForm action=actions.decide attr:class="form narrow">
                                    <input type="hidden" name="id" value=r.id.to_string()/>
                                    <label for=format!("reason-{}", r.id)>"Reason (required to deny; mailed to the requester)"</label>
                                    <textarea id=format!("reason-{}", r.id) name="reason" rows="2"></textarea>
                                    <fieldset class="choices">
                                        <legend>"Decision"</legend>
                                        <label class="check"><input type="radio" name="decision" value="approve" checked/>" Approve"</label>
                                        <label class="check"><input type="radio" name="decision" value="deny"/>" Deny"</label>
                                    </fieldset>
                                    <div class="actions"><button type="submit" class="button">"Record the decision"</button></div>
                                </ActionForm>
                            })}
                        </li>
                    }).collect_view()}</ul>
                }.into_any()
            }}
        </section>
        <section aria-labelledby="accesses-h">
            <h2 id="accesses-h">"Open accesses"</h2>
            <FormError error=revoke_error/>
            {if a.accesses.is_empty() {
                view! { <p>"None open."</p> }.into_any()
            } else {
                view! {
                    <table class="records" id="trust-accesses">
                        <thead><tr><th scope="col">"Access"</th><th scope="col">"Who"</th><th scope="col">"Opens"</th><th scope="col">"Until (UTC)"</th>{edit.then(|| view! { <th scope="col">"End"</th> })}</tr></thead>
                        <tbody>{a.accesses.clone().into_iter().map(|x| view! {
                            <tr>
                                <th scope="row"><code>{x.code.clone()}</code></th>
                                <td>{format!("{} <{}>, {}", x.name, x.email, x.organisation)}</td>
                                <td>{x.documents.join(", ")}</td>
                                <td>{x.expires_at.clone()}</td>
                                {edit.then(move || view! {
                                    <td><details><summary>"Revoke…"</summary>
                                        <p class="hint">"Its holder can download nothing more, at once."</p>
                                        <ActionForm action=actions.revoke attr:class="inline">
                                            <input type="hidden" name="id" value=x.id.to_string()/>
                                            <button type="submit" class="button secondary">"Revoke now"</button>
                                        </ActionForm>
                                    </details></td>
                                })}
                            </tr>
                        }).collect_view()}</tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

/// The period, issue and validity fields of a version, ids prefixed by `p`.
fn dates(p: &str) -> impl IntoView {
    let field = |label: &'static str, name: &'static str, required: bool| {
        let id = format!("{p}-{name}");
        view! { <div class="field"><label for=id.clone()>{label}</label><input id=id type="date" name=name required=required/></div> }
    };
    view! {
        {field("Period start", "period_start", false)}
        {field("Period end", "period_end", false)}
        {field("Issued on", "issued_on", true)}
        {field("Valid until", "valid_until", false)}
    }
}

/// `/manage/trust/{slug}`: a document's versions (each downloadable as uploaded) and its
/// access log (the last 200 downloads; all of it as CSV).
#[component]
pub fn TrustDocumentPage() -> impl IntoView {
    let params = use_params_map();
    let slug = Memo::new(move |_| params.with(|p| p.get("slug").unwrap_or_default()));
    let data = Resource::new(move || slug.get(), load_trust_document);
    view! {
        <Title text="Trust document"/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/manage">"Manage"</a>" / "<a href="/manage/trust">"Trust documents"</a>" / "<span aria-current="page">{move || slug.get()}</span></nav>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(l) => view! { <DocumentLog l/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn DocumentLog(l: TrustDocumentLog) -> impl IntoView {
    let slug = l.document.slug.clone();
    view! {
        <h1>{l.document.title.clone()}</h1>
        <p>{format!("{} · {} · {}", l.document.kind, l.document.access.label(), validity(&l.document))}</p>
        <section aria-labelledby="versions-h">
            <h2 id="versions-h">"Versions"</h2>
            <table class="records" id="trust-versions">
                <thead><tr><th scope="col">"Version"</th><th scope="col">"Period"</th><th scope="col">"Issued"</th><th scope="col">"Valid until"</th><th scope="col">"Published (UTC)"</th><th scope="col">"File as uploaded"</th><th scope="col">"SHA-256"</th></tr></thead>
                <tbody>{l.versions.into_iter().map(|v| view! {
                    <tr>
                        <th scope="row">{v.version}</th>
                        <td>{v.period}</td><td>{v.issued_on}</td><td>{v.valid_until}</td><td>{v.published_at}</td>
                        <td><a href=format!("/manage/trust/{}/versions/{}", slug, v.version) download="">{v.file_name}</a></td>
                        <td><code>{v.sha256.chars().take(16).collect::<String>()}</code></td>
                    </tr>
                }).collect_view()}</tbody>
            </table>
        </section>
        <section aria-labelledby="log-h">
            <h2 id="log-h">"Access log"</h2>
            <p><a href=format!("/manage/trust/{}/log.csv", l.document.slug) download="">"The whole log (CSV)"</a></p>
            {if l.downloads.is_empty() {
                view! { <p>"Not downloaded yet."</p> }.into_any()
            } else {
                view! {
                    <table class="records" id="trust-log">
                        <thead><tr><th scope="col">"When (UTC)"</th><th scope="col">"Version"</th><th scope="col">"Access"</th><th scope="col">"Who"</th><th scope="col">"From"</th><th scope="col">"SHA-256 served"</th></tr></thead>
                        <tbody>{l.downloads.into_iter().map(|d| view! {
                            <tr>
                                <td>{d.at.chars().take(19).collect::<String>().replace('T', " ")}</td>
                                <td>{d.version}</td>
                                <td><code>{d.code}</code></td>
                                <th scope="row">{if d.organisation.is_empty() { d.who } else { format!("{}, {}", d.who, d.organisation) }}</th>
                                <td>{d.address}</td>
                                <td><code>{d.served_sha256.chars().take(16).collect::<String>()}</code></td>
                            </tr>
                        }).collect_view()}</tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
