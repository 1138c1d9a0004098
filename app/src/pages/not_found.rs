use leptos::prelude::*;
use leptos_meta::Title;

/// Shown for unknown paths (the server answers 404) and unknown vendors.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    crate::page_status::set(&crate::error::AppError::NotFound);
    view! {
        <Title text="Not found"/>
        <section class="not-found">
            <h1>"Page not found"</h1>
            <p>"There is no page at this address. The vendor may have been renamed, or the link may be mistyped."</p>
            <p><a href="/">"Back to the registry"</a></p>
        </section>
    }
}
