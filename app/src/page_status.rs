//! The HTTP status of a page being rendered on the server: a page that shows an error answers
//! with that error's status (`AppError::status_code`), so it neither passes as a good page nor
//! is kept by the page cache. In the browser there is no response to set.

#[cfg(feature = "ssr")]
mod imp {
    /// Set the status of the page being rendered.
    pub fn set(code: u16) {
        use leptos::prelude::use_context;
        if let (Some(res), Ok(status)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            axum::http::StatusCode::from_u16(code),
        ) {
            res.set_status(status);
        }
    }
}

#[cfg(not(feature = "ssr"))]
mod imp {
    /// Nothing to set once the page runs in the browser.
    pub fn set(_code: u16) {}
}

pub use imp::set;
