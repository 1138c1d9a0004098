//! Server functions, grouped by area. Each area file holds the wire types (what the browser
//! receives and posts) and its `#[server]` functions, thin public endpoints whose bodies call
//! the area's server half in `<area>/ssr.rs`: check who is asking, parse the input with the
//! domain's rules, call the store, map errors. The HTTP status of an error answer follows
//! from the error (`AppError::status_code`), set in one place by the server.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod changes;
pub mod dashboard;
pub mod deliveries;
pub mod editor;
pub mod evidence;
pub mod import;
pub mod objections;
pub mod registry;
pub mod subscriptions;
pub mod types;
