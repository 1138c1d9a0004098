//! The layers of the router, outermost first in `lib.rs::router`: request ids, logs and
//! metrics ([`ops`]), the rate limit, the body limits ([`body`]), the cross-site and two-session refusals ([`origin`]),
//! security headers, precompressed assets, the public page cache, the portal's page cache.

pub mod assets;
pub mod body;
pub mod cache;
pub mod headers;
pub mod ops;
pub mod origin;
pub mod portal_cache;
pub mod rate_limit;
