use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::rendered::{RenderedHtml, Shown};
use crate::{
    api::registry::load_vendor, components::ErrorNotice, error::AppError, pages::NotFoundPage,
};

/// `/subprocessors/{slug}`: every public field of one vendor, rendered on the server
/// (`registry::page`).
#[component]
pub fn VendorPage() -> impl IntoView {
    let params = use_params_map();
    let slug = Memo::new(move |_| params.with(|p| p.get("slug").unwrap_or_default()));
    let data = Resource::new(
        move || slug.get(),
        |slug| async move { load_vendor(slug).await.map(Shown::from) },
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(shown) => view! { <RenderedHtml shown/> }.into_any(),
                    Err(AppError::NotFound) => view! { <NotFoundPage/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
