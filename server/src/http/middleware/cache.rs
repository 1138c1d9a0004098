//! A short-lived in-memory cache of public pages.
//!
//! The registry changes a few times a day but is read constantly; rendering a page costs
//! database work and server-side rendering every time. Anonymous GETs of public pages are
//! therefore kept for [`TTL`] per URL: an edit shows within that time, and each instance keeps
//! its own copy (nothing here is authoritative). Requests carrying a cookie (signed-in people)
//! always get a fresh page.

use std::{
    collections::HashMap,
    io::Write,
    sync::{Arc, Mutex, OnceLock},
    time::{Duration, Instant},
};

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use tokio::sync::watch;

/// How long a rendered page is served from memory.
pub const TTL: Duration = Duration::from_secs(2);
/// How long an expired copy is kept to be served while its next render is under way.
const STALE_FOR: Duration = Duration::from_secs(30);
/// How long a request waits for a render already under way before it renders itself.
const WAIT_FOR_RENDER: Duration = Duration::from_secs(10);
/// Most pages kept; the oldest goes first.
const MAX_ENTRIES: usize = 256;
/// Most bytes kept in all (a registry page is ~150 KB), whatever URLs clients invent.
const MAX_TOTAL_BYTES: usize = 48 * 1024 * 1024;
/// Largest page rendered through the cache.
const MAX_BODY: usize = 4 * 1024 * 1024;
/// Brotli quality of cached pages: a few milliseconds for the 1,000-vendor registry, once
/// per copy, and within a few percent of the slowest setting on HTML.
const BROTLI_QUALITY: u32 = 6;

#[derive(Clone)]
struct Entry {
    at: Instant,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    /// The body compressed, each made once, on the first request that accepts it.
    br: Arc<OnceLock<Bytes>>,
    gzip: Arc<OnceLock<Bytes>>,
}

impl Entry {
    fn new(status: StatusCode, headers: HeaderMap, body: Bytes) -> Self {
        Entry {
            at: Instant::now(),
            status,
            headers,
            body,
            br: Arc::default(),
            gzip: Arc::default(),
        }
    }
}

/// A render under way: done with the page, or failed (its requester renders for itself).
#[derive(Clone)]
enum Flight {
    Rendering,
    Done(Box<Entry>),
    Failed,
}

#[derive(Clone)]
pub struct PageCache {
    entries: Arc<Mutex<HashMap<String, Entry>>>,
    flights: Arc<Mutex<HashMap<String, watch::Receiver<Flight>>>>,
    ttl: Duration,
}

impl Default for PageCache {
    fn default() -> Self {
        PageCache::with_ttl(TTL)
    }
}

/// Public, cacheable pages: the registry and vendor pages (not CSV, API, assets or internal).
fn cacheable(req: &Request) -> bool {
    let path = req.uri().path();
    req.method() == Method::GET
        && !req.headers().contains_key(header::COOKIE)
        && (path == "/" || (path.starts_with("/subprocessors/") && !path.ends_with(".csv")))
}

/// What a request finds in the cache.
enum Found {
    Fresh(Entry),
    /// Expired, but kept: served while the next render is under way.
    Stale(Entry),
    Nothing,
}

/// Whether this request renders the page or waits for the render under way.
enum Turn {
    Lead(Leader),
    Follow(watch::Receiver<Flight>),
}

/// The one request rendering a page; its drop without a result tells the waiting ones to
/// render for themselves (a client that went away mid-render).
struct Leader {
    cache: PageCache,
    key: String,
    tx: Option<watch::Sender<Flight>>,
}

impl Leader {
    fn finish(mut self, outcome: Flight) {
        if let Some(tx) = self.tx.take() {
            if let Flight::Done(e) = &outcome {
                self.cache.put(self.key.clone(), (**e).clone());
            }
            let _ = tx.send(outcome);
        }
        self.cache.land(&self.key);
    }
}

impl Drop for Leader {
    fn drop(&mut self) {
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(Flight::Failed);
            self.cache.land(&self.key);
        }
    }
}

impl PageCache {
    pub fn with_ttl(ttl: Duration) -> Self {
        PageCache {
            entries: Arc::default(),
            flights: Arc::default(),
            ttl,
        }
    }

    fn find(&self, key: &str) -> Found {
        let Ok(entries) = self.entries.lock() else {
            return Found::Nothing;
        };
        match entries.get(key) {
            Some(e) if e.at.elapsed() < self.ttl => Found::Fresh(e.clone()),
            Some(e) if e.at.elapsed() < STALE_FOR => Found::Stale(e.clone()),
            _ => Found::Nothing,
        }
    }

    #[cfg(test)]
    fn get(&self, key: &str) -> Option<Entry> {
        match self.find(key) {
            Found::Fresh(e) => Some(e),
            _ => None,
        }
    }

    fn rendering(&self, key: &str) -> bool {
        self.flights
            .lock()
            .map(|f| f.contains_key(key))
            .unwrap_or(false)
    }

    /// Join the render of `key` under way, or become the one doing it.
    fn turn(&self, key: &str) -> Option<Turn> {
        let mut flights = self.flights.lock().ok()?;
        if let Some(rx) = flights.get(key) {
            return Some(Turn::Follow(rx.clone()));
        }
        let (tx, rx) = watch::channel(Flight::Rendering);
        flights.insert(key.to_string(), rx);
        Some(Turn::Lead(Leader {
            cache: self.clone(),
            key: key.to_string(),
            tx: Some(tx),
        }))
    }

    fn land(&self, key: &str) {
        if let Ok(mut flights) = self.flights.lock() {
            flights.remove(key);
        }
    }

    fn put(&self, key: String, entry: Entry) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, e| e.at.elapsed() < STALE_FOR);
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

/// The encodings a cached page (or a built asset) is sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

/// The best encoding the request accepts (`br` before `gzip`; `q=0` refuses one).
pub(crate) fn accepted(headers: &HeaderMap) -> Encoding {
    let mut br = false;
    let mut gzip = false;
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for part in value.split(',') {
            let mut bits = part.split(';');
            let name = bits.next().unwrap_or("").trim().to_ascii_lowercase();
            let refused = bits.any(|b| {
                b.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            match name.as_str() {
                "br" => br = !refused,
                "gzip" => gzip = !refused,
                _ => {}
            }
        }
    }
    if br {
        Encoding::Brotli
    } else if gzip {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

fn brotli(body: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(body.len() / 6);
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, BROTLI_QUALITY, 22);
        if w.write_all(body).is_err() {
            return Bytes::new();
        }
    }
    Bytes::from(out)
}

fn gzip(body: &[u8]) -> Bytes {
    let mut w = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 5),
        flate2::Compression::default(),
    );
    match w.write_all(body).and_then(|()| w.finish()) {
        Ok(out) => Bytes::from(out),
        Err(_) => Bytes::new(),
    }
}

fn respond(e: Entry, encoding: Encoding) -> Response {
    let compressed = match encoding {
        Encoding::Brotli => Some(("br", e.br.get_or_init(|| brotli(&e.body)).clone())),
        Encoding::Gzip => Some(("gzip", e.gzip.get_or_init(|| gzip(&e.body)).clone())),
        Encoding::Identity => None,
    }
    // an encoder that failed leaves an empty body: send the page as it is
    .filter(|(_, b)| !b.is_empty());
    let mut headers = e.headers;
    headers.remove(header::CONTENT_LENGTH);
    headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    let body = match compressed {
        Some((name, bytes)) => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
            bytes
        }
        None => e.body,
    };
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = e.status;
    *res.headers_mut() = headers;
    res
}

/// Middleware: serve a fresh copy; or, when it expired, render it once (single flight)
/// while the other requests get the expired copy, or wait for the render when there is
/// none. Cached pages are sent compressed (`br`, `gzip`), each encoding made once per copy.
pub async fn serve_cached(State(cache): State<PageCache>, req: Request, next: Next) -> Response {
    if !cacheable(&req) {
        return next.run(req).await;
    }
    let key = req.uri().to_string();
    serve_through(&cache, key, req, next).await
}

/// Serve `req` from `cache` under `key` (the page it renders is the same for every request
/// with that key), rendering it once when it is missing or expired.
pub(crate) async fn serve_through(
    cache: &PageCache,
    key: String,
    req: Request,
    next: Next,
) -> Response {
    let encoding = accepted(req.headers());
    match cache.find(&key) {
        Found::Fresh(e) => {
            metrics::counter!("registry_page_cache_hits_total").increment(1);
            return respond(e, encoding);
        }
        Found::Stale(e) if cache.rendering(&key) => {
            metrics::counter!("registry_page_cache_stale_total").increment(1);
            return respond(e, encoding);
        }
        _ => {}
    }
    match cache.turn(&key) {
        Some(Turn::Follow(mut rx)) => {
            let rendered = match tokio::time::timeout(
                WAIT_FOR_RENDER,
                rx.wait_for(|f| !matches!(f, Flight::Rendering)),
            )
            .await
            {
                Ok(Ok(flight)) => match &*flight {
                    Flight::Done(e) => Some((**e).clone()),
                    _ => None,
                },
                _ => None,
            };
            if let Some(e) = rendered {
                metrics::counter!("registry_page_cache_hits_total").increment(1);
                return respond(e, encoding);
            }
            // the render failed or is too slow: this request renders for itself
            next.run(req).await
        }
        Some(Turn::Lead(leader)) => {
            metrics::counter!("registry_page_cache_misses_total").increment(1);
            let res = next.run(req).await;
            if !(res.status() == StatusCode::OK || res.status() == StatusCode::NOT_FOUND)
                || res.headers().contains_key(header::SET_COOKIE)
                || res.headers().contains_key(header::CONTENT_ENCODING)
            {
                leader.finish(Flight::Failed);
                return res;
            }
            let (parts, body) = res.into_parts();
            match axum::body::to_bytes(body, MAX_BODY).await {
                Ok(bytes) => {
                    let entry = Entry::new(parts.status, parts.headers, bytes);
                    leader.finish(Flight::Done(Box::new(entry.clone())));
                    respond(entry, encoding)
                }
                Err(e) => {
                    leader.finish(Flight::Failed);
                    app::request::internal(format!("page too large or failed while caching: {e}"))
                        .into_response()
                }
            }
        }
        None => next.run(req).await,
    }
}

#[cfg(test)]
mod tests;
