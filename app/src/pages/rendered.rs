//! Pages whose content the server renders (the public registry and a vendor's page, see
//! `registry::page`). The browser receives their HTML once: inside the page on the first
//! load (the hydration data carries only the title), or as a server function's answer after
//! an in-page navigation. It holds none of their data and none of their views.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{hooks::use_navigate, NavigateOptions};
use serde::{Deserialize, Serialize};

use crate::api::registry::Rendered;

/// What a page keeps of [`Rendered`]. The HTML is left out of the hydration data: hydrating
/// an element's inner HTML keeps what the server sent, so the browser never needs it twice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shown {
    title: String,
    #[serde(skip)]
    html: String,
}

impl From<Rendered> for Shown {
    fn from(r: Rendered) -> Self {
        Shown {
            title: r.title,
            html: r.html,
        }
    }
}

/// The server's HTML in place. A GET form inside it (the registry's filters) navigates in
/// the page once hydrated, as the router does for links; without JavaScript the browser
/// submits it.
#[component]
pub fn RenderedHtml(shown: Shown) -> impl IntoView {
    let navigate = use_navigate();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        if let Some(url) = get_form_url(&ev) {
            ev.prevent_default();
            navigate(&url, NavigateOptions::default());
        }
    };
    view! {
        <Title text=shown.title/>
        <div class="rendered" inner_html=shown.html on:submit=on_submit/>
    }
}

/// The address a submitted GET form of this site goes to (path and query), if it is one.
fn get_form_url(ev: &leptos::ev::SubmitEvent) -> Option<String> {
    use leptos::wasm_bindgen::JsCast;
    let form = ev.target()?.dyn_into::<web_sys::HtmlFormElement>().ok()?;
    if !form.method().eq_ignore_ascii_case("get") {
        return None;
    }
    let action = web_sys::Url::new(&form.action()).ok()?;
    let here = web_sys::Url::new(&window().location().href().ok()?).ok()?;
    if action.origin() != here.origin() {
        return None;
    }
    let data = web_sys::FormData::new_with_form(&form).ok()?;
    let params = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data).ok()?;
    // empty fields say nothing: `/?q=&as_of=` reads better as `/`
    let query = String::from(params.to_string())
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.ends_with('='))
        .collect::<Vec<_>>()
        .join("&");
    let path = action.pathname();
    Some(if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    })
}
