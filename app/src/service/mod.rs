//! What a request does once it is let in, one module per area: the server half of every
//! server function in `crate::api` (thin `#[server]` shims), and what the server crate's
//! routes and command line call. Server only: SQL stays in `crate::store`, rules in
//! `crate::domain`; the wire types are `crate::model`.

pub mod accounts;
pub mod attestation_form;
pub mod attestations;
pub mod audit;
pub mod auth;
pub mod changes;
pub mod dashboard;
pub mod decisions;
pub mod deliveries;
pub mod evidence;
pub mod import;
pub mod invitations;
pub mod log;
pub mod objections;
pub mod portal;
pub mod proposals;
pub mod questionnaires;
pub mod registry;
pub mod reviews;
pub mod rosters;
pub mod subscriptions;
pub mod trust;
pub mod trust_manage;
pub mod uploads;
pub mod vendors;
pub mod watch;
