//! The one error type server functions return. What reaches the browser is a plain sentence;
//! internal causes are logged on the server with a reference the user can quote.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// A refused input value, named by its form field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

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
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Request(value.to_string())
    }
}

/// Collects field errors while parsing a form, so every bad field is reported at once.
#[derive(Debug, Default)]
pub struct Fields(Vec<FieldError>);

impl Fields {
    /// Keep the parsed value, or note the field's error and return `None`.
    pub fn take<T, E: std::fmt::Display>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(FieldError {
                    field: field.into(),
                    message: e.to_string(),
                });
                None
            }
        }
    }

    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Whether this exact message is already noted for the field.
    pub fn has(&self, field: &str, message: &str) -> bool {
        self.0
            .iter()
            .any(|e| e.field == field && e.message == message)
    }

    /// `Err(Invalid)` if any field was refused.
    pub fn finish(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self.0))
        }
    }
}
