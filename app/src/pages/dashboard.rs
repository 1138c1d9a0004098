use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::dashboard::{load_manage_home, ManageHome},
    components::{chart::chart_svg, date_text, ComplianceBadge, ErrorNotice, StatusBadge},
    error::AppError,
    pages::SignInFirst,
};

/// `/manage`: what needs a vendor manager now.
#[component]
pub fn ManageHomePage() -> impl IntoView {
    let data = Resource::new(|| (), |_| load_manage_home());
    view! {
        <Title text="Manage"/>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(h) => view! { <Home h/> }.into_any(),
                    Err(AppError::Unauthorized) => view! { <SignInFirst/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn vendor_link(slug: &str, name: String) -> impl IntoView {
    view! { <a href=format!("/manage/vendors/{slug}")>{name}</a> }
}

#[component]
fn Home(h: ManageHome) -> impl IntoView {
    let d = h.dashboard;
    let chart = chart_svg(&d.series);
    view! {
        <header class="manage-head">
            <h1>"Manage"</h1>
            <nav class="manage-nav" aria-label="Manage">
                {h.can_edit.then(|| view! { <a class="button" href="/manage/vendors/new">"New vendor"</a> })}
                <a href="/manage/objections">{format!("Objections ({})", h.open_objections)}</a>
                <a href="/manage/reviews">{format!("Reviews ({})", h.waiting_reviews)}</a>
                <a href="/manage/deliveries">"Deliveries"</a>
                <a href="/manage/trust">"Trust documents"</a>
                {h.can_edit.then(|| view! { <a href="/manage/import">"Import"</a> })}
                <a href="/manage/audit">"Audit trail"</a>
                {h.is_admin.then(|| view! { <a href="/manage/questionnaire">"Questionnaire"</a> })}
                {h.is_admin.then(|| view! { <a href="/manage/users">"Users"</a> })}
                <a href="/manage/account">"Account"</a>
            </nav>
        </header>
        <p class="hint">"Computed on "{date_text(Some(h.today))}" from each vendor's evidence."</p>
        {h.log_check.map(|c| {
            let on = c.at.get(..16).unwrap_or(&c.at).replace('T', " ");
            if c.ok {
                view! {
                    <p class="hint log-check">{format!(
                        "The signed log of changes verified on {on} UTC ({} entries).",
                        c.leaves.unwrap_or_default()
                    )}</p>
                }.into_any()
            } else {
                view! {
                    <div class="notice log-check" role="alert">
                        <p><strong>{format!("The signed log of changes failed its check on {on} UTC: ")}</strong>{c.message}</p>
                        <p>"No checkpoint is signed until "<code>"server log verify"</code>" passes: see docs/OPERATIONS.md, \"The log's key\"."</p>
                    </div>
                }.into_any()
            }
        })}
        {(h.open_objections > 0 || h.failed_deliveries > 0 || h.waiting_reviews > 0 || h.waiting_trust > 0).then(|| view! {
            <ul class="plain attention counts" aria-label="Needs attention">
                {(h.waiting_trust > 0).then(|| view! {
                    <li><a href="/manage/trust#requests-h">{format!("{} request{} for trust documents wait{} for approval", h.waiting_trust, if h.waiting_trust == 1 { "" } else { "s" }, if h.waiting_trust == 1 { "s" } else { "" })}</a></li>
                })}
                {(h.waiting_reviews > 0).then(|| view! {
                    <li><a href="/manage/reviews">{format!("{} submission{} from vendors wait{} for review", h.waiting_reviews, if h.waiting_reviews == 1 { "" } else { "s" }, if h.waiting_reviews == 1 { "s" } else { "" })}</a></li>
                })}
                {(h.open_objections > 0).then(|| view! {
                    <li><a href="/manage/objections">{format!("{} open objection{} from customers", h.open_objections, if h.open_objections == 1 { "" } else { "s" })}</a></li>
                })}
                {(h.failed_deliveries > 0).then(|| view! {
                    <li><a href="/manage/deliveries?state=failed">{format!("{} deliver{} failed", h.failed_deliveries, if h.failed_deliveries == 1 { "y" } else { "ies" })}</a></li>
                })}
            </ul>
        })}
        <section aria-labelledby="nc-h">
            <h2 id="nc-h">{format!("Not compliant today ({})", d.not_compliant.len())}</h2>
            {if d.not_compliant.is_empty() { view! { <p>"Every active vendor is authorized today."</p> }.into_any() } else { view! {
                <ul class="plain attention">{d.not_compliant.into_iter().map(|(slug, name, reasons)| view! {
                    <li>{vendor_link(&slug, name)}
                        <ul>{reasons.into_iter().map(|r| view! { <li>{r.internal()}</li> }).collect_view()}</ul>
                    </li>
                }).collect_view()}</ul>
            }.into_any() }}
        </section>
        {(!h.expiring_trust.is_empty()).then(|| view! {
            <section aria-labelledby="trust-expiring-h">
                <h2 id="trust-expiring-h">"Trust documents expiring within 90 days"</h2>
                <ul class="plain attention" id="trust-expiring">{h.expiring_trust.iter().map(|(_, title, until)| view! {
                    <li><a href="/manage/trust">{title.clone()}</a>{format!(": valid until {until}; publish its new version")}</li>
                }).collect_view()}</ul>
            </section>
        })}
        <section aria-labelledby="lapse-h">
            <h2 id="lapse-h">"Lapsing within 90 days"</h2>
            {if d.lapsing.is_empty() { view! { <p>"Nothing lapses in the next 90 days."</p> }.into_any() } else { view! {
                <table class="records">
                    <thead><tr><th scope="col">"Within"</th><th scope="col">"Last valid day"</th><th scope="col">"Vendor"</th><th scope="col">"Record"</th><th scope="col">"Details"</th></tr></thead>
                    <tbody>{d.lapsing.into_iter().map(|l| view! {
                        <tr><td>{format!("{} days", l.window)}</td><td>{date_text(Some(l.on))}</td>
                        <td>{vendor_link(&l.slug, l.name)}</td><td>{l.kind.label()}</td><td>{l.what}</td></tr>
                    }).collect_view()}</tbody>
                </table>
            }.into_any() }}
        </section>
        <section aria-labelledby="soon-h">
            <h2 id="soon-h">"Announced, becoming active within 90 days"</h2>
            {if d.starting_soon.is_empty() { view! { <p>"No announced vendor takes effect in the next 90 days."</p> }.into_any() } else { view! {
                <ul class="plain">{d.starting_soon.into_iter().map(|(slug, name, on)| view! {
                    <li>{vendor_link(&slug, name)}" on "{date_text(Some(on))}</li>
                }).collect_view()}</ul>
            }.into_any() }}
        </section>
        <section aria-labelledby="chart-h">
            <h2 id="chart-h">"Next 90 days: authorized and not compliant active vendors"</h2>
            <div class="chart" inner_html=chart></div>
        </section>
        <section aria-labelledby="all-h">
            <h2 id="all-h">{format!("All vendors ({})", h.vendors.len())}</h2>
            <table class="records">
                <thead><tr><th scope="col">"Vendor"</th><th scope="col">"Status"</th><th scope="col">"Today"</th></tr></thead>
                <tbody>{h.vendors.into_iter().map(|v| view! {
                    <tr><th scope="row">{vendor_link(&v.slug, v.name)}</th><td><StatusBadge status=v.status/></td>
                    <td><ComplianceBadge standing=v.standing/></td></tr>
                }).collect_view()}</tbody>
            </table>
        </section>
    }
}
