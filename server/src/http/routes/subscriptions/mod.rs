//! Customers' plain form posts: `POST /subscribe`, the confirmation and one-click
//! unsubscribe links, the manage page's forms (filters, webhooks) and `POST
//! /changes/{id}/objection`. Each works without JavaScript: success answers `303 See Other`
//! to a page that says so; a refusal renders the form's page again with the values posted
//! and the message next to each field (`422`). Scripts that ask for JSON (`Accept:
//! application/json`) get JSON instead. Every post is counted against the stricter
//! per-address limit for subscribers.

use std::net::SocketAddr;

use app::{
    domain::subscriber_links::{seconds_to_next_hour, MailCap},
    error::AppError,
    model::subscriptions::Posted,
    service::subscriptions::{self as subscribers, Confirmed, Subscribed},
    shell,
};
use axum::{
    body::{Body, Bytes},
    extract::{ConnectInfo, Path, State},
    http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use leptos::prelude::provide_context;
use serde_json::json;

use crate::AppState;

mod manage;

pub use manage::{manage, object};

/// Whether the client asked for JSON rather than a page.
fn wants_json(headers: &HeaderMap) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accept.contains("application/json") && !accept.contains("text/html")
}

fn see_other(to: &str) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// Render the app's page at `path` (a GET of it) with `posted` in context, answering `status`.
pub async fn render(
    state: &AppState,
    headers: &HeaderMap,
    path: &str,
    posted: Option<Posted>,
    status: StatusCode,
) -> Response {
    let mut req = Request::builder().method(Method::GET).uri(path);
    for name in [
        header::HOST,
        header::COOKIE,
        header::ACCEPT_LANGUAGE,
        header::USER_AGENT,
        header::HeaderName::from_static("x-request-id"),
        header::HeaderName::from_static("x-forwarded-for"),
        header::HeaderName::from_static("x-forwarded-proto"),
    ] {
        if let Some(v) = headers.get(&name) {
            req = req.header(name, v.clone());
        }
    }
    let req = match req.body(Body::empty()) {
        Ok(req) => req,
        Err(e) => {
            return app::request::internal(format!("the page's request: {e}")).into_response()
        }
    };
    let db = state.db.clone();
    let kept = state.kept.clone();
    let settings = state.settings.clone();
    let options = state.leptos_options.clone();
    let handler = leptos_axum::render_app_to_stream_with_context(
        move || {
            provide_context(db.clone());
            provide_context(kept.clone());
            provide_context(settings.clone());
            if let Some(p) = posted.clone() {
                provide_context(p);
            }
        },
        move || shell(options.clone()),
    );
    let mut res = handler(req).await;
    *res.status_mut() = status;
    res
}

/// The pairs of a form body (`application/x-www-form-urlencoded`), repeated names kept.
fn pairs(body: &Bytes) -> Result<Vec<(String, String)>, AppError> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).map_err(|_| {
        AppError::Request("The form could not be read; send it as a plain form.".into())
    })
}

/// Count a subscriber's post: `Err` is the answer when over the limit.
fn limited(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> Result<(), u64> {
    match &state.submit_limit {
        Some(rl) => rl.check(peer, headers),
        None => Ok(()),
    }
}

const SLOW_DOWN: &str = "Too many submissions from your address; please wait a few minutes.";

/// The answer to a refused or failed post: JSON for scripts, else the page again.
async fn refused(
    state: &AppState,
    headers: &HeaderMap,
    page: &str,
    form: &str,
    values: Vec<(String, String)>,
    e: AppError,
) -> Response {
    let status = e.status();
    let errors = match &e {
        AppError::Invalid(errs) => errs.clone(),
        _ => Vec::new(),
    };
    let mut res = if wants_json(headers) {
        (
            status,
            Json(json!({ "error": e.to_string(), "fields": errors })),
        )
            .into_response()
    } else {
        let message = (!matches!(e, AppError::Invalid(_))).then(|| e.to_string());
        // never echo a secret or a token back into a page
        let values = values.into_iter().filter(|(k, _)| k != "token").collect();
        let posted = Posted {
            form: form.into(),
            values,
            errors,
            secret: None,
            message,
        };
        render(state, headers, page, Some(posted), status).await
    };
    e.add_headers(res.headers_mut());
    res
}

/// Over the subscribers' per-address limit: `429` with `Retry-After`, JSON or the form again.
fn slow_down(secs: u64) -> AppError {
    AppError::SlowDown {
        message: SLOW_DOWN.into(),
        retry_after: secs,
    }
}

/// `POST /subscribe`: fields `email`, `organisation`, `service` and `category` (repeatable).
pub async fn subscribe(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(secs) = limited(&state, peer, &headers) {
        return refused(
            &state,
            &headers,
            "/subscribe",
            "subscribe",
            Vec::new(),
            slow_down(secs),
        )
        .await;
    }
    let values = match pairs(&body) {
        Ok(p) => p,
        Err(e) => return refused(&state, &headers, "/subscribe", "subscribe", Vec::new(), e).await,
    };
    let now = chrono::Utc::now();
    match subscribers::subscribe(&state.db, &values, now, &state.notices.caps).await {
        Ok(Subscribed::Capped(cap @ (MailCap::Domain | MailCap::Global))) => {
            metrics::counter!("registry_confirmation_mails_capped_total", "cap" => cap.as_str())
                .increment(1);
            tracing::warn!(
                cap = cap.as_str(),
                "a cap on confirmation mails was reached"
            );
            let message = if cap == MailCap::Global {
                "We are sending too many confirmation mails right now; please try again within the hour."
            } else {
                "Too many confirmation mails went to this address's domain in the last hour; please try again within the hour."
            };
            let e = AppError::SlowDown {
                message: message.into(),
                retry_after: seconds_to_next_hour(now),
            };
            refused(&state, &headers, "/subscribe", "subscribe", Vec::new(), e).await
        }
        Ok(done) => {
            if let Subscribed::Capped(cap) = done {
                // per mailbox: answered as if sent, so nobody learns what the mailbox was sent
                metrics::counter!("registry_confirmation_mails_capped_total", "cap" => cap.as_str())
                    .increment(1);
            }
            if wants_json(&headers) {
                (
                    StatusCode::ACCEPTED,
                    Json(json!({
                        "status": "check_your_inbox",
                        "message": "Check your inbox: we sent a link to confirm the subscription."
                    })),
                )
                    .into_response()
            } else {
                see_other("/subscribe?sent=1")
            }
        }
        Err(e) => refused(&state, &headers, "/subscribe", "subscribe", values, e).await,
    }
}

/// The page of a confirmation link that is not good (expired, unknown), with its status.
async fn bad_confirm_link(
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
    found: &Confirmed,
) -> Response {
    let e = if *found == Confirmed::Expired {
        AppError::Gone(
            "This confirmation link has expired: links are good for 7 days. Subscribe again below to get a new one.".into(),
        )
    } else {
        AppError::Missing(
            "This confirmation link is not known, or was used already. Subscribe again below if you are not subscribed.".into(),
        )
    };
    let posted = Posted {
        form: "link".into(),
        message: Some(e.to_string()),
        ..Default::default()
    };
    render(
        state,
        headers,
        &format!("/subscriptions/confirm/{token}"),
        Some(posted),
        e.status(),
    )
    .await
}

/// `GET` (and `HEAD`) `/subscriptions/confirm/{token}`: a good link opens a page with a
/// Confirm button and changes nothing (mail scanners open every link); an expired link
/// answers 410 and an unknown one 404, with the subscribe form to start again.
pub async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    match subscribers::check_confirm(&state.db, &token, chrono::Utc::now()).await {
        Ok(Confirmed::Good) => {
            let posted = Posted {
                form: "confirm".into(),
                ..Default::default()
            };
            render(
                &state,
                &headers,
                &format!("/subscriptions/confirm/{token}"),
                Some(posted),
                StatusCode::OK,
            )
            .await
        }
        Ok(found) => bad_confirm_link(&state, &headers, &token, &found).await,
        Err(e) => refused(&state, &headers, "/subscribe", "subscribe", Vec::new(), e).await,
    }
}

/// `POST /subscriptions/confirm/{token}`: the page's Confirm button; confirms, then opens the
/// manage page.
pub async fn confirm_post(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    if let Err(secs) = limited(&state, peer, &headers) {
        return crate::http::middleware::rate_limit::too_many(
            secs,
            "Too many requests; please wait a moment.",
        );
    }
    match subscribers::confirm(&state.db, &token, chrono::Utc::now()).await {
        Ok(Confirmed::Done { token }) => {
            see_other(&format!("/subscriptions/manage/{token}?confirmed=1"))
        }
        Ok(found) => bad_confirm_link(&state, &headers, &token, &found).await,
        Err(e) => refused(&state, &headers, "/subscribe", "subscribe", Vec::new(), e).await,
    }
}

/// `POST /subscriptions/unsubscribe/{token}`: RFC 8058 one-click (body
/// `List-Unsubscribe=One-Click`) or the page's button: the subscription ends at once, and
/// every link of it. The general per-address limit skips this route (`rate_limit::limit`);
/// only a token that may not unsubscribe is counted, against the subscribers' limit.
pub async fn unsubscribe(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    // RFC 8058 posts come from a few mail-provider servers for many subscribers at once: a
    // token that may unsubscribe is never throttled, any other is (per client address)
    let valid = matches!(
        subscribers::may_unsubscribe(&state.db, &token).await,
        Ok(true)
    );
    if !valid {
        if let Err(secs) = limited(&state, peer, &headers) {
            return crate::http::middleware::rate_limit::too_many(
                secs,
                "Too many requests; please wait a moment.",
            );
        }
    }
    let browser = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    match subscribers::unsubscribe(&state.db, &token).await {
        Ok(true) if browser => see_other(&format!("/subscriptions/unsubscribe/{token}?done=1")),
        Ok(true) => (StatusCode::OK, "Unsubscribed.\n").into_response(),
        Ok(false) => {
            let e = AppError::Missing("This unsubscribe link is not known.".into());
            if browser {
                render(
                    &state,
                    &headers,
                    &format!("/subscriptions/unsubscribe/{token}"),
                    None,
                    e.status(),
                )
                .await
            } else {
                e.into_response()
            }
        }
        Err(e) => e.into_response(),
    }
}
