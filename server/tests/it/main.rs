//! The integration tests: one binary (one link) with a module per area. Each test starts the
//! real server on port 0 against a fresh SQLite file or PostgreSQL database of its own
//! (`support`), or runs the real `server` binary (`cli`).

#[macro_use]
mod support;

mod api;
mod assurance;
mod attestations;
mod backup;
mod changes;
mod cli;
mod cluster;
mod faults;
mod files;
mod fuzz;
mod hardening;
mod import;
mod import_chain;
mod import_lock;
mod kept_exports;
mod log;
mod mail_abuse;
mod manage;
mod notices;
mod open_list;
mod ops;
mod portal;
mod proposals;
mod published_lists;
mod reviews;
mod schema;
mod second_step;
mod sinks;
mod store;
mod surface;
mod trust;
mod two_step;
mod watch;
mod webhooks;
