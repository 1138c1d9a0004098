//! Server functions, grouped by area: thin public `#[server]` endpoints whose bodies call the
//! area's module of `crate::service` (which checks who is asking, parses the input with the
//! domain's rules and calls the store). Each area re-exports its wire types from
//! `crate::model`. The HTTP status of an error answer follows from the error
//! (`AppError::status_code`), set where the error is written (`crate::error`).

pub mod accounts;
pub mod attestations;
pub mod audit;
pub mod auth;
pub mod changes;
pub mod dashboard;
pub mod deliveries;
pub mod editor;
pub mod evidence;
pub mod import;
pub mod objections;
pub mod portal;
pub mod proposals;
pub mod registry;
pub mod reviews;
pub mod subscriptions;
pub mod trust;
pub use crate::model::types;
