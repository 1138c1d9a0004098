//! The wire types: what the browser receives from the server functions and posts to them, one
//! module per area (built for the server and the browser alike). `crate::api::<area>`
//! re-exports its area's types, so pages name them there.

pub mod accounts;
pub mod attestations;
pub mod audit;
pub mod auth;
pub mod changes;
pub mod dashboard;
pub mod deliveries;
pub mod documents;
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
pub mod types;
pub mod watch;
