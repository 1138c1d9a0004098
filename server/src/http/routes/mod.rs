//! Plain axum routes beside the Leptos pages.

pub mod changes;
pub mod conditional;
pub mod documents;
pub mod export;
pub mod health;
pub mod log;
pub mod subscriptions;
