//! Refuse cross-site requests that change state, and requests with two session cookies. Server functions are public POST endpoints,
//! so a page on another site could otherwise make a signed-in person's browser call them.
//! Browsers say where a request comes from in `Sec-Fetch-Site` (and `Origin`); a mismatch gets
//! 403 before any handler runs. Requests without either header (curl, scripts) pass: they
//! carry no browser cookies of ours unless their author put them there.

use axum::{
    extract::Request,
    http::{header, HeaderMap, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// Whether a state-changing request comes from our own pages (or from no browser at all).
pub fn same_site(method: &Method, headers: &HeaderMap) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    match (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        (Some(origin), Some(host)) => origin.split_once("://").map(|(_, rest)| rest) == Some(host),
        (Some(_), None) => false,
        (None, _) => true,
    }
}

fn request_id(req: &Request) -> &str {
    req.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// RFC 8058 one-click unsubscribe: mail providers post it from their servers, and it ends a
/// subscription and nothing else, so it is taken from anywhere.
fn one_click(req: &Request) -> bool {
    *req.method() == Method::POST && req.uri().path().starts_with("/subscriptions/unsubscribe/")
}

pub async fn refuse_cross_site(req: Request, next: Next) -> Response {
    if one_click(&req) || same_site(req.method(), req.headers()) {
        next.run(req).await
    } else {
        tracing::warn!(
            target: "registry::auth",
            decision = "cross_site_refused",
            path = %req.uri().path(),
            method = %req.method(),
            request_id = request_id(&req),
            "auth decision"
        );
        (
            StatusCode::FORBIDDEN,
            "Cross-site requests are not accepted.\n",
        )
            .into_response()
    }
}

/// How many session cookies (under either name) a request carries.
pub fn session_cookies(headers: &HeaderMap) -> usize {
    use app::session::{SESSION_COOKIE, SESSION_COOKIE_SECURE};
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .filter(|(name, _)| *name == SESSION_COOKIE || *name == SESSION_COOKIE_SECURE)
        .count()
}

/// Refuse a request carrying two session cookies: one planted beside the real one (by a
/// sibling host or an old path) must not decide who the request is.
pub async fn refuse_two_sessions(req: Request, next: Next) -> Response {
    if session_cookies(req.headers()) > 1 {
        tracing::warn!(
            target: "registry::auth",
            decision = "two_session_cookies_refused",
            path = %req.uri().path(),
            request_id = request_id(&req),
            "auth decision"
        );
        return (
            StatusCode::BAD_REQUEST,
            "Two session cookies were sent. Clear this site's cookies and sign in again.\n",
        )
            .into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().expect("header value"));
        }
        h
    }

    #[test]
    fn session_cookies_are_counted_under_both_names() {
        assert_eq!(session_cookies(&headers(&[("cookie", "a=1; b=2")])), 0);
        assert_eq!(
            session_cookies(&headers(&[("cookie", "registry_session=x; b=2")])),
            1
        );
        assert_eq!(
            session_cookies(&headers(&[(
                "cookie",
                "__Host-registry_session=x; registry_session=y"
            )])),
            2
        );
    }

    #[test]
    fn decides_by_fetch_metadata_then_origin() {
        let post = Method::POST;
        assert!(same_site(
            &post,
            &headers(&[("sec-fetch-site", "same-origin")])
        ));
        assert!(same_site(&post, &headers(&[("sec-fetch-site", "none")])));
        assert!(!same_site(
            &post,
            &headers(&[("sec-fetch-site", "cross-site")])
        ));
        assert!(!same_site(
            &post,
            &headers(&[("sec-fetch-site", "same-site")])
        ));
        assert!(same_site(
            &post,
            &headers(&[("origin", "http://reg.example"), ("host", "reg.example")])
        ));
        assert!(!same_site(
            &post,
            &headers(&[("origin", "https://evil.example"), ("host", "reg.example")])
        ));
        assert!(!same_site(
            &post,
            &headers(&[("origin", "null"), ("host", "reg.example")])
        ));
        assert!(
            same_site(&post, &headers(&[])),
            "no browser headers: a script"
        );
        assert!(
            same_site(&Method::GET, &headers(&[("sec-fetch-site", "cross-site")])),
            "links from elsewhere are fine"
        );
    }
}
