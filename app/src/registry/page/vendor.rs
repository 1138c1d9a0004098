//! A vendor's page: every public field, its assurance and its own subprocessors.

use leptos::prelude::*;

use super::{AssuranceSummary, ChainLink, VendorDetail};
use crate::{
    badges::{date_text, ComplianceBadge, StatusBadge},
    domain::compliance::Standing,
};

fn or_dash(v: Option<String>) -> String {
    v.filter(|s| !s.is_empty()).unwrap_or_else(|| "—".into())
}

#[component]
pub fn VendorView(v: VendorDetail) -> impl IntoView {
    let s = v.summary;
    let title = s.legal_name.clone();
    let website = v.website.clone();
    let contact = v.privacy_contact.clone();
    view! {
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/">"Registry"</a>" / "<span aria-current="page">{title.clone()}</span></nav>
        <article class="vendor">
            <header class="vendor-head">
                <h1>{title}</h1>
                {s.trading_name.clone().map(|t| view! { <p class="trading">"Trading as "{t}</p> })}
                <StatusBadge status=s.status/>
                {s.standing.map(|standing| view! { <ComplianceBadge standing/> })}
            </header>
            <AssuranceSection a=v.assurance.clone()/>
            <section aria-labelledby="purpose-h">
                <h2 id="purpose-h">"Purpose"</h2>
                <p><strong>{s.purpose_category.clone()}</strong></p>
                <p>{s.purpose.clone()}</p>
            </section>
            <section aria-labelledby="scope-h">
                <h2 id="scope-h">"Scope"</h2>
                <dl class="facts">
                    <dt>"Services of ours it supports"</dt>
                    <dd><ul class="chips">{s.services.iter().map(|x| view! { <li>{x.clone()}</li> }).collect_view()}</ul></dd>
                    <dt>"Countries where it processes data"</dt>
                    <dd><ul class="chips">{s.countries.iter().map(|c| view! { <li><abbr title=c.name.clone()>{c.code.clone()}</abbr>" "{c.name.clone()}</li> }).collect_view()}</ul></dd>
                    <dt>"Data categories"</dt>
                    <dd><ul class="chips">{s.categories.iter().map(|x| view! { <li>{x.clone()}</li> }).collect_view()}</ul></dd>
                    <dt>"Transfer mechanism"</dt>
                    <dd>{v.transfer_mechanism.clone()}</dd>
                </dl>
            </section>
            <section aria-labelledby="entity-h">
                <h2 id="entity-h">"Entity"</h2>
                <dl class="facts">
                    <dt>"Legal entity name"</dt><dd>{s.legal_name.clone()}</dd>
                    <dt>"Trading name"</dt><dd>{or_dash(s.trading_name.clone())}</dd>
                    <dt>"Parent company"</dt><dd>{or_dash(v.parent_company.clone())}</dd>
                    <dt>"Country of registration"</dt><dd>{v.registration_country.name.clone()}" ("{v.registration_country.code.clone()}")"</dd>
                    <dt>"Relationship"</dt><dd>{v.kind.clone()}</dd>
                    <dt>"Where its people work"</dt><dd>{v.work_location.clone()}</dd>
                    <dt>"Website"</dt>
                    <dd>{match website {
                        Some(w) if w.starts_with("https://") || w.starts_with("http://") => view! { <a href=w.clone() rel="external noopener">{w.clone()}</a> }.into_any(),
                        other => or_dash(other).into_any(),
                    }}</dd>
                    <dt>"Privacy contact"</dt>
                    <dd>{match contact {
                        Some(c) if c.contains('@') => view! { <a href=format!("mailto:{c}") rel="external">{c.clone()}</a> }.into_any(),
                        other => or_dash(other).into_any(),
                    }}</dd>
                </dl>
            </section>
            <section aria-labelledby="dates-h">
                <h2 id="dates-h">"Dates"</h2>
                <dl class="facts">
                    <dt>"Announced on"</dt><dd>{date_text(s.announced_on)}</dd>
                    <dt>"Effective on"</dt><dd>{date_text(s.effective_on)}</dd>
                    {s.removed_on.map(|d| view! { <dt>"Removed on"</dt><dd>{date_text(Some(d))}</dd> })}
                </dl>
                {(!v.upcoming_changes.is_empty()).then(|| view! {
                    <h3>"Announced, not yet in effect"</h3>
                    <ul class="upcoming">
                        {v.upcoming_changes.iter().map(|(d, what)| view! {
                            <li><strong>{d.to_string()}</strong>": "{what.clone()}</li>
                        }).collect_view()}
                    </ul>
                })}
                <p><a href=format!("/changes?vendor={}", s.slug)>"All announced changes for this vendor"</a></p>
            </section>
            <section aria-labelledby="chain-h">
                <h2 id="chain-h">"Its own subprocessors"</h2>
                {if v.sub_processors.is_empty() {
                    view! { <p>"This vendor lists no subprocessors of its own."</p> }.into_any()
                } else {
                    view! { <Chain links=v.sub_processors.clone()/> }.into_any()
                }}
            </section>
        </article>
    }
}

/// The chain below a vendor: each link, and below a link that is a vendor here, its own.
#[component]
fn Chain(links: Vec<ChainLink>) -> impl IntoView {
    view! {
        <ul class="chain">
            {links.into_iter().map(|l| view! {
                <li>
                    {match &l.vendor_slug {
                        Some(s) => view! { <a href=format!("/subprocessors/{s}")><strong>{l.legal_name.clone()}</strong></a> }.into_any(),
                        None => view! { <strong>{l.legal_name.clone()}</strong> }.into_any(),
                    }}
                    {format!(" · {} ({}) · {}", l.country.name, l.country.code, l.purpose)}
                    {(!l.categories.is_empty()).then(|| format!(" · receives {}", l.categories.join(", ").to_lowercase()))}
                    {l.since.map(|d| format!(" · since {d}"))}
                    {l.list_url.clone().map(|u| view! { " · "<a href=u rel="external noopener">"its own list"</a> })}
                    {(!l.below.is_empty()).then(|| view! {
                        <ul class="chain">{l.below.iter().map(|b| view! {
                            <li><strong>{b.legal_name.clone()}</strong>{format!(" · {} ({}) · {}", b.country.name, b.country.code, b.purpose)}</li>
                        }).collect_view()}</ul>
                    })}
                </li>
            }).collect_view()}
        </ul>
    }
}

/// The public assurance summary: what holds today, and why a vendor is not compliant.
#[component]
fn AssuranceSection(a: AssuranceSummary) -> impl IntoView {
    let verdict = match a.standing {
        Standing::Authorized => "Authorized today: every assurance requirement is met.".to_string(),
        Standing::NotCompliant => "Not compliant today. Customer data is not to be processed by this vendor until these are resolved:".to_string(),
        Standing::Ready(d) => format!("Ready for {d}: every assurance requirement will be met when it takes effect."),
        Standing::NotReady(d) => format!("Not ready by {d}. It may not take effect until these are resolved:"),
        Standing::NoLonger => "No longer a subprocessor.".to_string(),
    };
    let good = a.standing.is_good();
    view! {
        <section aria-labelledby="assurance-h" class="assurance">
            <h2 id="assurance-h">"Privacy assurance"</h2>
            <p class:ok=good class:bad=!good class="verdict">{verdict}</p>
            {(!a.reasons.is_empty()).then(|| view! {
                <ul class="reasons" aria-label="Reasons">
                    {a.reasons.iter().map(|r| view! { <li>{r.clone()}</li> }).collect_view()}
                </ul>
            })}
            <dl class="facts">
                <dt>"VPAP enrolled since"</dt><dd>{date_text(a.vpap_since)}</dd>
                <dt>"Assurance tier"</dt><dd>{a.tier.clone()}</dd>
                <dt>"Certifications held"</dt>
                <dd>{if a.certifications.is_empty() {
                    "None on record".into_any()
                } else {
                    view! { <ul class="plain">{a.certifications.iter().map(|(name, until)| view! {
                        <li>{name.clone()}" (valid until "{date_text(Some(*until))}")"</li>
                    }).collect_view()}</ul> }.into_any()
                }}</dd>
                <dt>"Bound by contract to"</dt>
                <dd>{if a.obligations.is_empty() {
                    "No contract in force".into_any()
                } else {
                    view! { <ul class="plain obligations">{a.obligations.iter().map(|o| view! { <li>{o.clone()}</li> }).collect_view()}</ul> }.into_any()
                }}</dd>
                {a.next_change.map(|d| view! {
                    <dt>{if a.authorized { "Authorization lapses on (unless renewed)" } else { "Status may change on" }}</dt>
                    <dd>{date_text(Some(d))}</dd>
                })}
            </dl>
        </section>
    }
}
