#![recursion_limit = "256"]
//! Subprocessor Registry: the Leptos app (pages, components, server functions) and, behind the
//! `ssr` feature, the store. The `hydrate` feature builds the browser bundle.

pub mod api;
pub mod badges;
pub mod components;
pub mod domain;
pub mod error;
pub mod files;
pub mod model;
pub mod page_status;
pub mod pages;
pub mod shell;

// server-only: the request context, sessions, the registry loaders, the write path, the store
#[cfg(feature = "ssr")]
pub mod documents;
#[cfg(feature = "ssr")]
pub mod passwords;
#[cfg(feature = "ssr")]
pub mod registry;
#[cfg(feature = "ssr")]
pub mod request;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod two_step;
#[cfg(feature = "ssr")]
pub mod write;

pub use shell::{shell, App};

/// Entry point of the browser bundle: attach to the server-rendered page. Hydration is async
/// because a lazily loaded page's code may have to arrive first (see `pages::lazy`).
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // an error only means the executor was set up already
    let _ = any_spawner::Executor::init_wasm_bindgen();
    leptos::task::spawn_local(async {
        let Some(body) = leptos::prelude::document().body() else {
            return;
        };
        let owner = leptos::mount::hydrate_from_async(body.clone(), App).await;
        owner.forget();
        // Lets browser tests wait until clicks are handled in-page.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
