//! A short-lived in-memory cache of public pages.
//!
//! The registry changes a few times a day but is read constantly; rendering a page costs
//! database work and server-side rendering every time. Anonymous GETs of public pages are
//! therefore kept for [`TTL`] per URL: an edit shows within that time, and each instance keeps
//! its own copy (nothing here is authoritative). Requests carrying a cookie (signed-in people)
//! always get a fresh page.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{header, HeaderMap, Method, StatusCode},
    middleware::Next,
    response::Response,
};

/// How long a rendered page is served from memory.
pub const TTL: Duration = Duration::from_secs(2);
/// Most pages kept; the oldest goes first.
const MAX_ENTRIES: usize = 256;
/// Most bytes kept in all (a registry page is ~150 KB), whatever URLs clients invent.
const MAX_TOTAL_BYTES: usize = 48 * 1024 * 1024;
/// Largest page rendered through the cache.
const MAX_BODY: usize = 4 * 1024 * 1024;

#[derive(Clone)]
struct Entry {
    at: Instant,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

#[derive(Clone, Default)]
pub struct PageCache {
    entries: Arc<Mutex<HashMap<String, Entry>>>,
}

/// Public, cacheable pages: the registry and vendor pages (not CSV, API, assets or internal).
fn cacheable(req: &Request) -> bool {
    let path = req.uri().path();
    req.method() == Method::GET
        && !req.headers().contains_key(header::COOKIE)
        && (path == "/" || (path.starts_with("/subprocessors/") && !path.ends_with(".csv")))
}

impl PageCache {
    fn get(&self, key: &str) -> Option<Entry> {
        let entries = self.entries.lock().ok()?;
        entries.get(key).filter(|e| e.at.elapsed() < TTL).cloned()
    }

    fn put(&self, key: String, entry: Entry) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, e| e.at.elapsed() < TTL);
            let mut total: usize = entries.values().map(|e| e.body.len()).sum();
            while !entries.is_empty()
                && (entries.len() >= MAX_ENTRIES || total + entry.body.len() > MAX_TOTAL_BYTES)
            {
                let Some(oldest) = entries
                    .iter()
                    .min_by_key(|(_, e)| e.at)
                    .map(|(k, _)| k.clone())
                else {
                    break;
                };
                if let Some(gone) = entries.remove(&oldest) {
                    total -= gone.body.len();
                }
            }
            entries.insert(key, entry);
        }
    }
}

fn respond(e: Entry) -> Response {
    let mut res = Response::new(Body::from(e.body));
    *res.status_mut() = e.status;
    *res.headers_mut() = e.headers;
    res
}

/// Middleware: serve a fresh-enough copy, or render and keep the result.
pub async fn serve_cached(State(cache): State<PageCache>, req: Request, next: Next) -> Response {
    if !cacheable(&req) {
        return next.run(req).await;
    }
    let key = req.uri().to_string();
    if let Some(hit) = cache.get(&key) {
        metrics::counter!("registry_page_cache_hits_total").increment(1);
        return respond(hit);
    }
    metrics::counter!("registry_page_cache_misses_total").increment(1);
    let res = next.run(req).await;
    if !(res.status() == StatusCode::OK || res.status() == StatusCode::NOT_FOUND)
        || res.headers().contains_key(header::SET_COOKIE)
    {
        return res;
    }
    let (parts, body) = res.into_parts();
    match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => {
            let entry = Entry {
                at: Instant::now(),
                status: parts.status,
                headers: parts.headers,
                body: bytes,
            };
            cache.put(key, entry.clone());
            respond(entry)
        }
        Err(e) => {
            tracing::error!("page too large or failed while caching: {e}");
            let mut res = Response::new(Body::from("The page could not be rendered."));
            *res.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            res
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: Method, uri: &str, cookie: bool) -> Request {
        let mut b = axum::http::Request::builder().method(method).uri(uri);
        if cookie {
            b = b.header(header::COOKIE, "id=1");
        }
        b.body(Body::empty()).expect("request")
    }

    #[test]
    fn only_anonymous_gets_of_public_pages_are_cached() {
        assert!(cacheable(&req(Method::GET, "/?country=DE", false)));
        assert!(cacheable(&req(Method::GET, "/subprocessors/acme", false)));
        assert!(!cacheable(&req(Method::GET, "/subprocessors.csv", false)));
        assert!(!cacheable(&req(Method::GET, "/manage/vendors/acme", false)));
        assert!(!cacheable(&req(Method::POST, "/", false)));
        assert!(!cacheable(&req(Method::GET, "/", true)));
    }

    #[test]
    fn entries_expire_and_stay_bounded() {
        let cache = PageCache::default();
        let entry = |at| Entry {
            at,
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: Bytes::from_static(b"x"),
        };
        cache.put("/a".into(), entry(Instant::now()));
        assert!(cache.get("/a").is_some());
        cache.put("/old".into(), entry(Instant::now() - TTL));
        assert!(cache.get("/old").is_none());
        for i in 0..(MAX_ENTRIES + 10) {
            cache.put(format!("/{i}"), entry(Instant::now()));
        }
        assert!(cache.entries.lock().map(|e| e.len()).unwrap_or(usize::MAX) <= MAX_ENTRIES);
    }
}
