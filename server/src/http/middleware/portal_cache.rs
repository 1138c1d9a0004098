//! The vendor portal's home page (`/vendor`) kept per contact.
//!
//! A contact's page is rendered from a dozen reads (their vendor's record, contacts, and each
//! kind of submission with its review) and stays the same until something it shows changes,
//! which is rare beside how often it is opened. It is kept in memory under a key that changes
//! whenever the page could: the contact (from a session checked on every request, exactly as
//! the page checks it), the day, the newest audit row (every change the page shows is
//! audited, on whichever instance or command made it) and a count of this instance's own
//! writes (any POST, so a change that is not audited, such as a kept draft, shows on the
//! redirect that follows it). Only the plain `/vendor` (no query: a refusal's message is in
//! the query) is kept, for [`TTL`] at most; nothing of one contact is ever served to another.

use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc,
};
use std::time::Duration;

use app::store::Db;
use axum::{
    extract::{Request, State},
    http::Method,
    middleware::Next,
    response::Response,
};

use super::cache::{serve_through, PageCache};

/// How long a contact's page is kept at most (what no audit row marks: another instance's
/// unaudited write).
pub const TTL: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct PortalCache {
    pages: PageCache,
    db: Db,
    secure_cookies: bool,
    writes: Arc<AtomicU64>,
}

impl PortalCache {
    pub fn new(db: Db, secure_cookies: bool) -> Self {
        PortalCache {
            pages: PageCache::with_ttl(TTL),
            db,
            secure_cookies,
            writes: Arc::default(),
        }
    }
}

/// Middleware: count this instance's writes; serve `/vendor` from the contact's kept copy.
pub async fn serve_portal(State(cache): State<PortalCache>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    if method != Method::GET && method != Method::HEAD {
        let res = next.run(req).await;
        // after the write, before its answer (a redirect to the page) reaches the browser
        cache.writes.fetch_add(1, Ordering::SeqCst);
        return res;
    }
    if method != Method::GET || req.uri().path() != "/vendor" || req.uri().query().is_some() {
        return next.run(req).await;
    }
    let name = app::session::vendor_cookie_name(cache.secure_cookies);
    let Some(token) = app::session::token_in(req.headers(), name) else {
        return next.run(req).await;
    };
    match app::service::portal::home_version(&cache.db, &token).await {
        Ok(Some(version)) => {
            let key = format!("{version}|{}", cache.writes.load(Ordering::SeqCst));
            serve_through(&cache.pages, key, req, next).await
        }
        // no live session, or the check failed: the page answers for itself
        _ => next.run(req).await,
    }
}
