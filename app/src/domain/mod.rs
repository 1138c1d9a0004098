//! Domain types and rules: plain data and pure functions, shared by server and browser.
//! Nothing here touches the database or the clock; callers pass the date in.

pub mod account;
pub mod assurance;
pub mod category;
pub mod chain;
pub mod changes;
pub mod columns;
pub mod compliance;
pub mod contacts;
pub mod country;
pub mod dashboard;
pub mod dates;
pub mod fields;
pub mod filter;
pub mod forms;
pub mod import;
pub mod iso3166;
pub mod lifecycle;
pub mod listing;
pub mod network;
pub mod notices;
pub mod proposal;
pub mod public_ip;
pub mod questionnaire;
pub mod review;
pub mod roster;
pub mod second_step;
pub mod session;
pub mod subscriber_links;
pub mod text;
#[cfg(feature = "ssr")]
pub mod tlog;
pub mod trust;
pub mod vendor;
mod vocabulary;
#[cfg(feature = "ssr")]
pub mod watch;

#[cfg(test)]
mod properties;

pub use account::{Email, Role};
pub use category::DataCategory;
pub use country::CountryCode;
pub use filter::{RegistryFilter, MAX_QUERY_LEN};
pub use lifecycle::{Lifecycle, Status};
pub use text::{NonEmptyText, Slug};

/// Why a piece of input was refused, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

/// Most messages about dropped values shown; the rest are counted in one more.
pub const MAX_MESSAGES: usize = 10;

/// At most [`MAX_MESSAGES`] messages (the first ones, in order), and a count of the rest: a
/// query with thousands of bad values gets a short answer.
pub fn cap_messages(mut messages: Vec<String>) -> Vec<String> {
    messages.dedup();
    if messages.len() > MAX_MESSAGES {
        let rest = messages.len() - MAX_MESSAGES;
        messages.truncate(MAX_MESSAGES);
        messages.push(format!("{rest} more values were not used either."));
    }
    messages
}

/// The label of a stored code, or the code itself if it is not (or no longer) known: pages
/// and exports show what is stored rather than fail.
pub fn label_for<T: Copy>(
    code: &str,
    parse: fn(&str) -> Result<T, ParseError>,
    label: fn(T) -> &'static str,
) -> String {
    parse(code)
        .map(|v| label(v).to_string())
        .unwrap_or_else(|_| code.to_string())
}
