//! Headers of every answer: a request id for every request (`x-request-id`, kept from a
//! trusted caller's id or made here, sent back and named in logs), and the security headers:
//! no sniffing, no framing, a strict referrer policy, `Strict-Transport-Security` over HTTPS,
//! and `Cache-Control: no-store` for signed-in pages, server function answers and a
//! subscriber's pages (their address holds the subscriber's link), so no shared cache or back
//! button keeps them. The Content-Security-Policy of pages is set by the
//! page itself (it carries the page's nonce).

use app::session::{session_cookie_name, SessionSettings};
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderMap, HeaderValue},
    middleware::Next,
    response::Response,
};
use tower_http::request_id::{MakeRequestId, RequestId};

/// Makes a random request id (16 hex digits) for every request.
#[derive(Clone, Copy, Default)]
pub struct MakeId;

impl MakeRequestId for MakeId {
    fn make_request_id<B>(&mut self, _req: &axum::http::Request<B>) -> Option<RequestId> {
        let id = format!("{:016x}", rand::random::<u64>());
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

/// Whether the request carries our session cookie (signed in, or claiming to be).
pub fn has_session_cookie(headers: &HeaderMap, settings: &SessionSettings) -> bool {
    let name = format!("{}=", session_cookie_name(settings.secure_cookies));
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|c| c.trim().starts_with(&name))
}

/// Whether the request came over HTTPS: directly, or through a proxy we believe that says so.
fn over_https(req: &Request, settings: &SessionSettings) -> bool {
    if req.uri().scheme_str() == Some("https") {
        return true;
    }
    let peer_trusted = settings.trust_peer
        || req
            .extensions()
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .is_some_and(|ConnectInfo(a)| {
                settings.trusted_proxies.iter().any(|n| n.contains(&a.ip()))
            });
    peer_trusted
        && req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A server function's path (`/api/...`, not the public `/api/v1/...`).
fn is_server_fn(path: &str) -> bool {
    path.starts_with("/api/") && !path.starts_with("/api/v1/")
}

/// A page opened by a subscriber's link: `/subscriptions/...` (confirm, manage, unsubscribe)
/// and `/changes/{id}/objection`.
fn is_subscriber_page(path: &str) -> bool {
    path.starts_with("/subscriptions/")
        || (path.starts_with("/changes/") && path.ends_with("/objection"))
}

/// A page of the vendor portal: personal to its contact, or opened by a mailed link.
fn is_portal_page(path: &str) -> bool {
    path == "/vendor" || path.starts_with("/vendor/")
}

pub async fn security_headers(
    State(settings): State<SessionSettings>,
    req: Request,
    next: Next,
) -> Response {
    let https = over_https(&req, &settings);
    let signed_in = has_session_cookie(req.headers(), &settings);
    let server_fn = is_server_fn(req.uri().path());
    let subscriber = is_subscriber_page(req.uri().path()) || is_portal_page(req.uri().path());
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    let html = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if server_fn || subscriber || (signed_in && html) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}
