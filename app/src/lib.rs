//! Subprocessor Registry: the Leptos app (pages, components, server functions) and, behind the
//! `ssr` feature, the store. The `hydrate` feature builds the browser bundle.

pub mod api;
pub mod components;
pub mod domain;
pub mod error;
pub mod pages;
pub mod shell;

#[cfg(feature = "ssr")]
pub mod passwords;
#[cfg(feature = "ssr")]
pub mod store;

pub use shell::{shell, App};

/// Entry point of the browser bundle: attach to the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
    // Lets browser tests wait until clicks are handled in-page.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
