use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::registry::{load_registry, RegistryPage as Page},
    components::{ErrorNotice, FilterForm, Pagination, VendorTable},
};

/// `/`: the public registry with search and filters taken from the URL.
#[component]
pub fn RegistryPage() -> impl IntoView {
    let query = use_query_map();
    let raw = Memo::new(move |_| query.with(|q| q.to_query_string()));
    let data = Resource::new(move || raw.get(), load_registry);

    view! {
        <Title text="Registry"/>
        <h1>"Subprocessors"</h1>
        <p class="lede">
            "These companies may process customer data on our behalf. Each is bound by contract to "
            "our privacy obligations. New vendors are announced here before they take effect."
        </p>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading the registry…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => view! { <Registry page/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Registry(page: Page) -> impl IntoView {
    let count = match page.total {
        1 => "1 subprocessor".to_string(),
        n => format!("{n} subprocessors"),
    };
    let csv_href = page.csv_href.clone();
    let xlsx_href = csv_href.replacen("/subprocessors.csv", "/subprocessors.xlsx", 1);
    let messages = page.messages.clone();
    let filtered = !page.filter.is_empty();
    let empty = page.items.is_empty();
    let as_of = page.filter.as_of;
    view! {
        <div class="registry-layout">
            <FilterForm page=page.clone()/>
            <section class="results" aria-labelledby="results-heading">
                <div class="results-bar">
                    <h2 id="results-heading" class="count" aria-live="polite">{count}</h2>
                    <span class="downloads">
                        <a class="button" href=csv_href rel="external" download="">"Download CSV"</a>
                        {as_of.is_none().then(|| view! {
                            " "
                            <a class="button" href=xlsx_href rel="external" download="">"Excel (.xlsx)"</a>
                        })}
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
                    </div>
                })}
                {(!messages.is_empty()).then(|| view! {
                    <div class="notice" role="alert">
                        <p>"Some filter values were not used:"</p>
                        <ul>{messages.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                    </div>
                })}
                {if empty {
                    view! {
                        <div class="empty-state">
                            <p><strong>"No subprocessor matches these filters."</strong></p>
                            {filtered.then(|| view! { <p><a href="/">"Clear all filters"</a>" to see the whole registry."</p> })}
                        </div>
                    }.into_any()
                } else {
                    view! {
                        <VendorTable items=page.items.clone() compliance=as_of.is_none()/>
                        <Pagination page=page.clone()/>
                    }.into_any()
                }}
            </section>
        </div>
    }
}
