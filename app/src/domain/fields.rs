//! Refused form fields, collected while a form is parsed so every bad field is reported at
//! once, each by its name.

use serde::{Deserialize, Serialize};

/// A refused input value, named by its form field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Collects field errors while parsing a form.
#[derive(Debug, Default)]
pub struct Fields(Vec<FieldError>);

impl Fields {
    /// Keep the parsed value, or note the field's error and return `None`.
    pub fn take<T, E: std::fmt::Display>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(field, e.to_string());
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

    /// Whether the field is refused already.
    pub fn has_field(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Err` with every refused field, if any was.
    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }

    /// `value` if no field was refused (it is then `Some`), else every refused field.
    pub fn into_result<T>(self, value: Option<T>) -> Result<T, Vec<FieldError>> {
        self.finish()?;
        value.ok_or_else(|| {
            vec![FieldError {
                field: "form".into(),
                message: "Check the form.".into(),
            }]
        })
    }
}

/// One refused field, as a list.
pub fn refuse(field: &str, message: impl Into<String>) -> Vec<FieldError> {
    vec![FieldError {
        field: field.into(),
        message: message.into(),
    }]
}

/// The names of the refused fields, in order (for tests of parsers).
#[cfg(test)]
pub fn refused<T>(r: Result<T, Vec<FieldError>>) -> Vec<String> {
    r.err()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.field)
        .collect()
}
