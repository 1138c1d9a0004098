//! The one error type server functions return. What reaches the browser is a plain sentence;
//! internal causes are logged on the server with a reference the user can quote.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
    Encodes,
};
use serde::{Deserialize, Serialize};

pub use crate::domain::fields::{FieldError, Fields};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("We could not find that page.")]
    NotFound,
    #[error("Something went wrong on our side. Please try again; if it keeps happening, quote reference {0}.")]
    Internal(String),
    #[error("The request could not be completed: {0}")]
    Request(String),
    #[error("Please sign in to continue.")]
    Unauthorized,
    #[error("Your account is not allowed to do this.")]
    Forbidden,
    #[error("Email or password is incorrect.")]
    BadCredentials,
    #[error("Too many failed sign-ins. Try again in {} minute{}.", .0, if *.0 == 1 { "" } else { "s" })]
    TooManyAttempts(u32),
    /// Every place for this kind of work is taken, or it ran past its time: try again soon.
    #[error("The registry is busy right now. Please try again in a few seconds.")]
    Busy,
    #[error("Some fields need attention; see the messages next to them.")]
    Invalid(Vec<FieldError>),
    /// Someone saved the record after this form was opened. `current` lists the stored values
    /// (label, value) so both versions can be shown side by side.
    #[error("This record was changed by {by} at {at} since you opened it. Nothing was saved.")]
    Conflict {
        by: String,
        at: String,
        current: Vec<(String, String)>,
        /// The stored version now, so the form can be saved again once compared.
        version: Option<i64>,
    },
    /// Too many requests from one address, or confirmation mails to one domain: try again
    /// after `retry_after` seconds.
    #[error("{message}")]
    SlowDown { message: String, retry_after: u64 },
    /// Something the request names is not here, in the route's own words (a link never
    /// issued or already used).
    #[error("{0}")]
    Missing(String),
    /// A link that was good once and has expired.
    #[error("{0}")]
    Gone(String),
    /// The request as a whole is refused (a cross-site post), in the route's own words.
    #[error("{0}")]
    Refused(String),
    /// The body is larger than the route takes.
    #[error("{0}")]
    TooLarge(String),
    /// The body is not of the type the route takes.
    #[error("{0}")]
    WrongType(String),
    /// A machine route's bearer token is missing or wrong.
    #[error("{message}")]
    NeedsToken { realm: String, message: String },
    /// What the answer needs is down or switched off (the database for a health check).
    #[error("{0}")]
    Unavailable(String),
    /// The request ran past the server's time limit and was stopped.
    #[error("The request took too long and was stopped. Please try again.")]
    TimedOut,
}

impl AppError {
    /// One field's message, for showing next to it.
    pub fn field(&self, name: &str) -> Option<String> {
        match self {
            AppError::Invalid(errors) => errors
                .iter()
                .find(|e| e.field == name)
                .map(|e| e.message.clone()),
            _ => None,
        }
    }

    /// A single refused field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// The HTTP status this error means: the one mapping from errors to statuses, applied to
    /// server function answers by the server and to pages by the component that shows it.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::NotFound => 404,
            AppError::Internal(_) => 500,
            AppError::Request(_) => 400,
            AppError::Unauthorized | AppError::BadCredentials => 401,
            AppError::Forbidden => 403,
            AppError::TooManyAttempts(_) => 429,
            AppError::Busy => 503,
            AppError::Invalid(_) => 422,
            AppError::Conflict { .. } => 409,
            AppError::SlowDown { .. } => 429,
            AppError::Missing(_) => 404,
            AppError::Gone(_) => 410,
            AppError::Refused(_) => 403,
            AppError::TooLarge(_) => 413,
            AppError::WrongType(_) => 415,
            AppError::NeedsToken { .. } => 401,
            AppError::Unavailable(_) => 503,
            AppError::TimedOut => 408,
        }
    }

    /// How many seconds a client is asked to wait before trying again (`Retry-After`), for
    /// the errors that mean "not now".
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::Busy => Some(RETRY_AFTER_SECONDS),
            AppError::TooManyAttempts(minutes) => Some(u64::from(*minutes) * 60),
            AppError::SlowDown { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }

    /// A stale save: who changed the record last and when (an RFC 3339 timestamp as the audit
    /// trail stores it), with the stored values. One format for every kind of record.
    pub fn conflict(
        last: Option<(String, String)>,
        current: Vec<(String, String)>,
        version: Option<i64>,
    ) -> Self {
        let (by, at) = match last {
            Some((by, at)) => (by, at.replace('T', " ").replace('Z', " UTC")),
            None => ("another user".into(), "an unknown time".into()),
        };
        AppError::Conflict {
            by,
            at,
            current,
            version,
        }
    }
}

impl From<Vec<FieldError>> for AppError {
    fn from(errors: Vec<FieldError>) -> Self {
        AppError::Invalid(errors)
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Request(value.to_string())
    }

    /// The error as a server function's answer carries it. On the server this is where a
    /// failing server function's answer is made, so its status is set here too (from
    /// [`AppError::status_code`]), once, instead of the 500 every failure would otherwise get.
    fn ser(&self) -> leptos::server_fn::Bytes {
        #[cfg(feature = "ssr")]
        answer_with_status(self);
        <JsonEncoding as Encodes<Self>>::encode(self).unwrap_or_else(|e| {
            let fallback = AppError::Request(format!("the error could not be written: {e}"));
            <JsonEncoding as Encodes<Self>>::encode(&fallback).unwrap_or_default()
        })
    }
}

/// How long a client is asked to wait before trying busy work again (`Retry-After`).
pub const RETRY_AFTER_SECONDS: u64 = 5;

#[cfg(feature = "ssr")]
impl AppError {
    /// [`AppError::status_code`] as an HTTP status.
    pub fn status(&self) -> axum::http::StatusCode {
        axum::http::StatusCode::from_u16(self.status_code())
            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// Set the status of a failing server function's answer from its error (called as the error
/// is written, see `AppError`'s `ser`), with `Retry-After` when busy. A plain form post
/// (a browser without JavaScript: it accepts HTML and names the page it came from) is
/// answered by leptos_axum with a redirect back to that page, whose status stays.
#[cfg(feature = "ssr")]
fn answer_with_status(e: &AppError) {
    use axum::http::{header, request::Parts, HeaderValue};
    use leptos::prelude::use_context;
    let Some(options) = use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    let form_post = use_context::<Parts>().is_some_and(|p| {
        p.headers.contains_key(header::REFERER)
            && p.headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"))
    });
    if form_post {
        return;
    }
    options.set_status(e.status());
    if let Some(secs) = e.retry_after() {
        options.insert_header(header::RETRY_AFTER, HeaderValue::from(secs));
    }
}

/// A plain route's or a middleware's refusal: its status, the sentence as text,
/// `Retry-After` when it means "not now", and the challenge of a bearer-token route. The one
/// place an error becomes an HTTP answer (server functions take their status from
/// [`AppError::status_code`] as their answer is written, pages through `page_status`).
#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let mut res = (self.status(), format!("{self}\n")).into_response();
        self.add_headers(res.headers_mut());
        res
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// The headers that go with this error's status, whatever the body (text, JSON or a
    /// page): `Retry-After` and `WWW-Authenticate`.
    pub fn add_headers(&self, headers: &mut axum::http::HeaderMap) {
        use axum::http::{header, HeaderValue};
        if let Some(secs) = self.retry_after() {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let AppError::NeedsToken { realm, .. } = self {
            if let Ok(v) = HeaderValue::from_str(&format!("Bearer realm=\"{realm}\"")) {
                headers.insert(header::WWW_AUTHENTICATE, v);
            }
        }
    }
}
