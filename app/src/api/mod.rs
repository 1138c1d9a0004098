//! Server functions: thin public endpoints. Each parses its input, calls the store or a domain
//! rule, and maps errors; the server-only halves live in `server`.

pub mod assurance;
pub mod registry;
pub mod types;

#[cfg(feature = "ssr")]
pub mod server;
