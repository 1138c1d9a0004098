//! The registry list: filters, count, downloads, the table and its pages. Plain functions of
//! borrowed data: they are rendered to HTML at once, so nothing is copied for them.

use leptos::prelude::*;

use super::{filters::filter_form, RegistryPage, VendorSummary};
use crate::badges::{date_text, ComplianceBadge, StatusBadge};

pub fn registry(page: &RegistryPage) -> impl IntoView + '_ {
    let count = match page.total {
        1 => "1 subprocessor".to_string(),
        n => format!("{n} subprocessors"),
    };
    let csv_href = page.csv_href.as_str();
    let xlsx_href = csv_href.replacen("/subprocessors.csv", "/subprocessors.xlsx", 1);
    let filtered = !page.filter.is_empty();
    let as_of = page.filter.as_of;
    view! {
        <div class="registry-layout">
            {filter_form(page)}
            <section class="results" aria-labelledby="results-heading">
                <div class="results-bar">
                    <h2 id="results-heading" class="count" aria-live="polite">{count}</h2>
                    <span class="downloads">
                        <a class="button" href=csv_href rel="external" download="">"Download CSV"</a>
                        " "
                        <a class="button" href=xlsx_href rel="external" download="">"Excel (.xlsx)"</a>
                    </span>
                </div>
                {as_of.map(|d| view! {
                    <div class="notice as-of" role="status">
                        <p>
                            <strong>{format!("The registry as it stood on {d}")}</strong>
                            ", replayed from the published change history. Compliance is computed for today only and is not shown. "
                            <a href="/">"Back to today's registry"</a>" · "
                            <a href=format!("/changes?from={d}&to={}", page.today)>{format!("What changed since {d}")}</a>
                        </p>
                        {page.checkpoint.as_ref().map(|c| view! {
                            <p class="checkpoint">
                                {format!("Every change announced by {d} is in our signed log's checkpoint of {} entries (root hash ", c.size)}
                                <code>{c.root.as_str()}</code>"): "
                                <a href=format!("/api/v1/log/checkpoint?size={}", c.size) rel="external">"the signed checkpoint"</a>
                                ", to check any of them against."
                            </p>
                        })}
                    </div>
                })}
                {(!page.messages.is_empty()).then(|| view! {
                    <div class="notice" role="alert">
                        <p>"Some filter values were not used:"</p>
                        <ul>{page.messages.iter().map(|m| view! { <li>{m.as_str()}</li> }).collect_view()}</ul>
                    </div>
                })}
                {if page.items.is_empty() {
                    view! {
                        <div class="empty-state">
                            <p><strong>"No subprocessor matches these filters."</strong></p>
                            {filtered.then(|| view! { <p><a href="/">"Clear all filters"</a>" to see the whole registry."</p> })}
                        </div>
                    }.into_any()
                } else {
                    view! {
                        {vendor_table(&page.items, as_of.is_none())}
                        {pagination(page)}
                    }.into_any()
                }}
            </section>
        </div>
    }
}

/// The registry table; below 48rem each row stacks into a card (see `style/`). `compliance`
/// is false for a past day's registry: compliance is computed for today only.
fn vendor_table(items: &[VendorSummary], compliance: bool) -> impl IntoView + '_ {
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
                {items.iter().map(|v| vendor_row(v, compliance)).collect_view()}
            </tbody>
        </table>
        </div>
    }
}

fn vendor_row(v: &VendorSummary, compliance: bool) -> impl IntoView + '_ {
    let href = format!("/subprocessors/{}", v.slug);
    let countries = v
        .countries
        .iter()
        .map(|c| view! { <li><abbr title=c.name.as_str()>{c.code.as_str()}</abbr></li> })
        .collect_view();
    view! {
        <tr>
            <th scope="row" data-label="Subprocessor">
                <a href=href>{v.legal_name.as_str()}</a>
                {v.trading_name.as_deref().map(|t| view! { <span class="trading">{t}</span> })}
            </th>
            <td data-label="Purpose">{v.purpose_category.as_str()}</td>
            <td data-label="Services"><ul class="plain">{v.services.iter().map(|s| view! { <li>{s.as_str()}</li> }).collect_view()}</ul></td>
            <td data-label="Processing countries"><ul class="inline">{countries}</ul></td>
            <td data-label="Data categories"><ul class="plain">{v.categories.iter().map(|s| view! { <li>{s.as_str()}</li> }).collect_view()}</ul></td>
            <td data-label="Status"><StatusBadge status=v.status/></td>
            {compliance.then(|| view! { <td data-label="Compliance">{v.standing.map(|standing| view! { <ComplianceBadge standing/> })}</td> })}
            <td data-label="Effective" class="date">{date_text(v.effective_on)}</td>
        </tr>
    }
}

/// Previous / next links for long result lists.
fn pagination(page: &RegistryPage) -> impl IntoView {
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
