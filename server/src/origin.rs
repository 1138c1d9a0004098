//! Refuse cross-site requests that change state. Server functions are public POST endpoints,
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

pub async fn refuse_cross_site(req: Request, next: Next) -> Response {
    if same_site(req.method(), req.headers()) {
        next.run(req).await
    } else {
        tracing::warn!(path = %req.uri().path(), "refused a cross-site {} request", req.method());
        (
            StatusCode::FORBIDDEN,
            "Cross-site requests are not accepted.\n",
        )
            .into_response()
    }
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
