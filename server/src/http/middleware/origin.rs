//! Refuse cross-site requests that change state, and requests with two session cookies. Server functions are public POST endpoints,
//! so a page on another site could otherwise make a signed-in person's browser call them.
//! Browsers say where a request comes from in `Sec-Fetch-Site` (and `Origin`); a mismatch gets
//! 403 before any handler runs. Requests without either header (curl, scripts) pass: they
//! carry no browser cookies of ours unless their author put them there.

use app::error::AppError;
use axum::{
    extract::Request,
    http::{header, HeaderMap, Method},
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

/// Path segments that follow these are subscribers' tokens: whoever reads the log could use
/// them (manage a subscription, unsubscribe someone).
const TOKEN_AFTER: &[&str] = &["manage", "unsubscribe", "confirm", "token"];

/// The path as it may be logged: a token is replaced by `***`. A segment is a token when it
/// follows one of [`TOKEN_AFTER`] under `/subscriptions/`, or when it is long (24 characters
/// or more), made of token characters only and holds a digit (hex, base64url): slugs are
/// words, tokens are not.
pub fn redacted_path(path: &str) -> String {
    let under_subscriptions = path.starts_with("/subscriptions/");
    let mut previous = "";
    path.split('/')
        .map(|seg| {
            let after_marker = under_subscriptions && TOKEN_AFTER.contains(&previous);
            let looks_like_token = seg.len() >= 24
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'%')
                && seg.bytes().any(|b| b.is_ascii_digit());
            previous = seg;
            if !seg.is_empty() && (after_marker || looks_like_token) {
                "***"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
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
    *req.method() == Method::POST
        && app::domain::subscriber_links::is_one_click_path(req.uri().path())
}

pub async fn refuse_cross_site(req: Request, next: Next) -> Response {
    if one_click(&req) || same_site(req.method(), req.headers()) {
        next.run(req).await
    } else {
        tracing::warn!(
            target: "registry::auth",
            decision = "cross_site_refused",
            path = %redacted_path(req.uri().path()),
            method = %req.method(),
            request_id = request_id(&req),
            "auth decision"
        );
        AppError::Refused("Cross-site requests are not accepted.".into()).into_response()
    }
}

/// How many session cookies of one kind (a manager's, or a vendor contact's; under either
/// name) a request carries, the larger count.
pub fn session_cookies(headers: &HeaderMap) -> usize {
    use app::session::{
        SESSION_COOKIE, SESSION_COOKIE_SECURE, VENDOR_COOKIE, VENDOR_COOKIE_SECURE,
    };
    let names: Vec<&str> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('=').map(|(name, _)| name))
        .collect();
    let count = |kind: [&str; 2]| names.iter().filter(|n| kind.contains(n)).count();
    count([SESSION_COOKIE, SESSION_COOKIE_SECURE]).max(count([VENDOR_COOKIE, VENDOR_COOKIE_SECURE]))
}

/// Refuse a request carrying two session cookies: one planted beside the real one (by a
/// sibling host or an old path) must not decide who the request is.
pub async fn refuse_two_sessions(req: Request, next: Next) -> Response {
    if session_cookies(req.headers()) > 1 {
        tracing::warn!(
            target: "registry::auth",
            decision = "two_session_cookies_refused",
            path = %redacted_path(req.uri().path()),
            request_id = request_id(&req),
            "auth decision"
        );
        return AppError::Request(
            "two session cookies were sent. Clear this site's cookies and sign in again.".into(),
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
    fn tokens_are_redacted_from_logged_paths() {
        let token = "0123456789abcdef".repeat(4);
        for (path, logged) in [
            (
                format!("/subscriptions/manage/{token}"),
                "/subscriptions/manage/***",
            ),
            (
                format!("/subscriptions/unsubscribe/{token}"),
                "/subscriptions/unsubscribe/***",
            ),
            (
                format!("/subscriptions/confirm/{token}"),
                "/subscriptions/confirm/***",
            ),
            // a short or odd token after a marker is still a token
            (
                "/subscriptions/manage/abc".into(),
                "/subscriptions/manage/***",
            ),
            // a token anywhere else, by its look
            (format!("/two-step/enrol/{token}"), "/two-step/enrol/***"),
            (
                "/subprocessors/nimbus-relay-gmbh".into(),
                "/subprocessors/nimbus-relay-gmbh",
            ),
            ("/api/manage/save_vendor".into(), "/api/manage/save_vendor"),
            ("/".into(), "/"),
        ] {
            assert_eq!(redacted_path(&path), logged, "{path}");
        }
    }

    /// Log lines written while `f` runs (on this thread).
    struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if let Ok(mut v) = self.0.lock() {
                v.extend_from_slice(buf);
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_refused_cross_site_post_logs_no_token() {
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || Captured(sink.clone()))
            .with_max_level(tracing::Level::INFO)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let app = axum::Router::new()
            .fallback(|| async { "ok" })
            .layer(axum::middleware::from_fn(refuse_cross_site));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let token = "fedcba9876543210".repeat(4);
        let res = reqwest::Client::new()
            .post(format!("{base}/subscriptions/manage/{token}"))
            .header("sec-fetch-site", "cross-site")
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 403);
        let logged = String::from_utf8_lossy(&lines.lock().expect("lines")).to_string();
        assert!(logged.contains("cross_site_refused"), "{logged}");
        assert!(logged.contains("/subscriptions/manage/***"), "{logged}");
        assert!(!logged.contains(&token), "{logged}");
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
