//! Plain axum routes beside the Leptos pages.

pub mod changes;
pub mod csv;
pub mod health;
pub mod json;
pub mod xlsx;
