//! The one error type server functions return. What reaches the browser is a plain sentence;
//! internal causes are logged on the server with a reference the user can quote.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("We could not find that page.")]
    NotFound,
    #[error("Something went wrong on our side. Please try again; if it keeps happening, quote reference {0}.")]
    Internal(String),
    #[error("The request could not be completed: {0}")]
    Request(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Request(value.to_string())
    }
}
