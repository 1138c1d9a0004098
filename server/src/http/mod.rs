//! What the server answers over HTTP besides the Leptos pages and server functions: the
//! middleware every request passes ([`middleware`]) and the plain routes ([`routes`]: the
//! exports, the feeds, the subscriber links, health).

pub mod middleware;
pub mod routes;
