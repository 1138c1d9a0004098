use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

use crate::{
    api::audit::{load_audit, AuditPage},
    components::{AuditTable, ErrorNotice},
    error::AppError,
    pages::SignInFirst,
};

/// `/manage/audit`: the audit trail, newest first, filtered by GET parameters
/// (`actor`, `entity`, `vendor`, `from`, `to`, `page`).
#[component]
pub fn AuditLogPage() -> impl IntoView {
    let location = use_location();
    let data = Resource::new(
        move || location.search.get().trim_start_matches('?').to_string(),
        load_audit,
    );
    view! {
        <Title text="Audit trail"/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/manage">"Manage"</a>" / "<span aria-current="page">"Audit trail"</span></nav>
        <h1>"Audit trail"</h1>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(p) => view! { <AuditView p/> }.into_any(),
                    Err(AppError::Unauthorized) => view! { <SignInFirst/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AuditView(p: AuditPage) -> impl IntoView {
    let pages = ((p.total + i64::from(p.page_size) - 1) / i64::from(p.page_size)).max(1);
    let link = {
        let p = p.clone();
        move |page: u32| {
            let q = serde_urlencoded::to_string([
                ("actor", p.actor.as_str()),
                ("entity", p.entity.as_str()),
                ("vendor", p.vendor.as_str()),
                ("from", p.from.as_str()),
                ("to", p.to.as_str()),
                ("page", &page.to_string()),
            ])
            .unwrap_or_default();
            format!("/manage/audit?{q}")
        }
    };
    let prev = (p.page > 1).then(|| link(p.page - 1));
    let next = (i64::from(p.page) < pages).then(|| link(p.page + 1));
    view! {
        <form method="get" action="/manage/audit" class="form grid filters">
            <div class="field"><label for="au-actor">"Who (email)"</label><input id="au-actor" name="actor" value=p.actor/></div>
            <div class="field"><label for="au-entity">"Record kind"</label>
                <select id="au-entity" name="entity">
                    {["", "vendor", "enrollment", "attestation", "assessment", "training", "contract", "user"].into_iter().map(|k| {
                        let sel = k == p.entity;
                        view! { <option value=k selected=sel>{if k.is_empty() { "Any" } else { k }}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field"><label for="au-vendor">"Vendor (slug)"</label><input id="au-vendor" name="vendor" value=p.vendor/></div>
            <div class="field"><label for="au-from">"From"</label><input id="au-from" type="date" name="from" value=p.from/></div>
            <div class="field"><label for="au-to">"To"</label><input id="au-to" type="date" name="to" value=p.to/></div>
            <button type="submit" class="button">"Filter"</button>
        </form>
        {p.message.map(|m| view! { <p class="notice" role="status">{m}</p> })}
        <p>{format!("{} changes", p.total)}</p>
        {if p.entries.is_empty() { view! { <p>"No changes match."</p> }.into_any() } else { view! { <AuditTable entries=p.entries/> }.into_any() }}
        <nav class="pagination" aria-label="Pages">
            {prev.map(|h| view! { <a href=h rel="prev">"Newer"</a> })}
            <span>{format!("Page {} of {pages}", p.page)}</span>
            {next.map(|h| view! { <a href=h rel="next">"Older"</a> })}
        </nav>
    }
}
