use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::rendered::{RenderedHtml, Shown};
use crate::{api::registry::load_registry, components::ErrorNotice};

/// `/`: the public registry with search and filters taken from the URL, rendered on the
/// server (`registry::page`).
#[component]
pub fn RegistryPage() -> impl IntoView {
    let query = use_query_map();
    let raw = Memo::new(move |_| query.with(|q| q.to_query_string()));
    let data = Resource::new(
        move || raw.get(),
        |q| async move { load_registry(q).await.map(Shown::from) },
    );

    view! {
        <h1>"Subprocessors"</h1>
        <p class="lede">
            "These companies may process customer data on our behalf. Each is bound by contract to "
            "our privacy obligations. New vendors are announced here before they take effect."
        </p>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading the registry…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(shown) => view! { <RenderedHtml shown/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
