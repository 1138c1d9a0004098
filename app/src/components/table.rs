use leptos::prelude::*;

use super::{date_text, ComplianceBadge, StatusBadge};
use crate::api::registry::{RegistryPage, VendorSummary};

/// The registry table; below 48rem each row stacks into a card (see `style/`).
#[component]
pub fn VendorTable(
    items: Vec<VendorSummary>,
    /// False for a past day's registry: compliance is computed for today only.
    #[prop(default = true)]
    compliance: bool,
) -> impl IntoView {
    view! {
        <div class="table-wrap">
        <table class="registry">
            <caption class="visually-hidden">"Subprocessors matching the filters"</caption>
            <thead>
                <tr>
                    <th scope="col">"Subprocessor"</th>
                    <th scope="col">"Purpose"</th>
                    <th scope="col">"Services"</th>
                    <th scope="col">"Processing countries"</th>
                    <th scope="col">"Data categories"</th>
                    <th scope="col">"Status"</th>
                    {compliance.then(|| view! { <th scope="col">"Compliance"</th> })}
                    <th scope="col">"Effective"</th>
                </tr>
            </thead>
            <tbody>
                {items.into_iter().map(|v| view! { <VendorRow v compliance/> }).collect_view()}
            </tbody>
        </table>
        </div>
    }
}

#[component]
fn VendorRow(v: VendorSummary, compliance: bool) -> impl IntoView {
    let href = format!("/subprocessors/{}", v.slug);
    let countries = v
        .countries
        .iter()
        .map(|c| view! { <li><abbr title=c.name.clone()>{c.code.clone()}</abbr></li> })
        .collect_view();
    view! {
        <tr>
            <th scope="row" data-label="Subprocessor">
                <a href=href>{v.legal_name.clone()}</a>
                {v.trading_name.clone().map(|t| view! { <span class="trading">{t}</span> })}
            </th>
            <td data-label="Purpose">{v.purpose_category.clone()}</td>
            <td data-label="Services"><ul class="plain">{v.services.iter().map(|s| view! { <li>{s.clone()}</li> }).collect_view()}</ul></td>
            <td data-label="Processing countries"><ul class="inline">{countries}</ul></td>
            <td data-label="Data categories"><ul class="plain">{v.categories.iter().map(|s| view! { <li>{s.clone()}</li> }).collect_view()}</ul></td>
            <td data-label="Status"><StatusBadge status=v.status/></td>
            {compliance.then(|| view! { <td data-label="Compliance">{v.standing.map(|standing| view! { <ComplianceBadge standing/> })}</td> })}
            <td data-label="Effective" class="date">{date_text(v.effective_on)}</td>
        </tr>
    }
}

/// Previous / next links for long result lists.
#[component]
pub fn Pagination(page: RegistryPage) -> impl IntoView {
    let pages = page.page_count();
    let current = page.page.min(pages);
    (pages > 1).then(|| {
        let prev = (current > 1).then(|| page.page_href(current - 1));
        let next = (current < pages).then(|| page.page_href(current + 1));
        view! {
            <nav class="pagination" aria-label="Pages">
                {prev.map(|h| view! { <a href=h rel="prev">"← Previous"</a> })}
                <span>{format!("Page {current} of {pages}")}</span>
                {next.map(|h| view! { <a href=h rel="next">"Next →"</a> })}
            </nav>
        }
    })
}
