//! Server functions: thin public endpoints. Each checks who is asking, parses its input, calls
//! the store or a domain rule, and maps errors; the server-only halves live in `server` and
//! `session`.

pub mod assurance;
pub mod auth;
pub mod changes;
pub mod dashboard;
pub mod manage;
pub mod registry;
pub mod types;
pub mod users;

#[cfg(feature = "ssr")]
pub mod accounts;
#[cfg(feature = "ssr")]
pub mod editing;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod session;
