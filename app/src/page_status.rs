//! What a page being rendered on the server says in its headers: the status of an error it
//! shows (`AppError::status`, so it neither passes as a good page nor is kept by the
//! page cache), and its Content-Security-Policy with the nonce of its scripts. In the browser
//! there is no response to set.

#[cfg(feature = "ssr")]
mod imp {
    use axum::http::{header, HeaderValue};
    use leptos::prelude::use_context;
    use leptos_axum::ResponseOptions;

    use crate::error::AppError;

    /// Answer the page being rendered with the status of the error it shows, and
    /// `Retry-After` when the error means "not now".
    pub fn set(error: &AppError) {
        if let Some(res) = use_context::<ResponseOptions>() {
            res.set_status(error.status());
            if let Some(secs) = error.retry_after() {
                res.insert_header(header::RETRY_AFTER, HeaderValue::from(secs));
            }
        }
    }

    /// The page's Content-Security-Policy: scripts only with this response's nonce (Leptos
    /// puts it on its hydration scripts; what they load follows by `strict-dynamic`), wasm
    /// allowed to compile, everything else from this site only, no plugins, no `<base>`, no
    /// framing, forms posted here only.
    pub fn content_security_policy() {
        let Some(nonce) = leptos::nonce::use_nonce() else {
            return;
        };
        let policy = format!(
            "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
             object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
        );
        if let (Some(res), Ok(value)) = (
            use_context::<ResponseOptions>(),
            HeaderValue::from_str(&policy),
        ) {
            res.insert_header(header::CONTENT_SECURITY_POLICY, value);
        }
    }

    /// The page title as HTML text. `leptos_meta` writes the title into the server's
    /// `<title>` as it is, so a vendor named `</title><script>…` would break out of it:
    /// escaped here, on the server only (in the browser the title is set as text).
    pub fn title_text(title: String) -> String {
        title
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    }
}

#[cfg(not(feature = "ssr"))]
mod imp {
    /// Nothing to set once the page runs in the browser.
    pub fn set(_error: &crate::error::AppError) {}

    /// Nothing to set once the page runs in the browser.
    pub fn content_security_policy() {}

    /// In the browser the title is set as text: nothing to escape.
    pub fn title_text(title: String) -> String {
        title
    }
}

pub use imp::{content_security_policy, set, title_text};
