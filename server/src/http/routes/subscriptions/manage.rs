//! The manage page's forms (`POST /subscriptions/manage/{token}`) and an objection to a change
//! (`POST /changes/{id}/objection`), as plain form posts; see the parent module.

use std::net::SocketAddr;

use app::{
    error::AppError,
    model::subscriptions::Posted,
    service::subscriptions::{self as subscribers},
};
use axum::{
    body::Bytes,
    extract::{ConnectInfo, Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

use super::{limited, pairs, refused, render, see_other, slow_down, wants_json};
use crate::{outbox::webhook, AppState};

/// `POST /subscriptions/manage/{token}`: the manage page's forms, told apart by `action`:
/// `filters` (`organisation`, `service`, `category`, `version`), `webhook` (`url`; the answer
/// shows the new endpoint's signing secret, once), `remove` (`endpoint`) and `revoke` (every
/// link of the subscription ends, this one too).
pub async fn manage(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(token): Path<String>,
    body: Bytes,
) -> Response {
    let page = format!("/subscriptions/manage/{token}");
    let values = match pairs(&body) {
        Ok(p) => p,
        Err(e) => return refused(&state, &headers, &page, "filters", Vec::new(), e).await,
    };
    let field = |name: &str| {
        values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let action = field("action");
    let form = match action.as_str() {
        "filters" | "webhook" | "remove" | "revoke" => action.clone(),
        _ => {
            let e = AppError::Request("Unknown form.".into());
            return refused(&state, &headers, &page, "filters", Vec::new(), e).await;
        }
    };
    if let Err(secs) = limited(&state, peer, &headers) {
        return refused(&state, &headers, &page, &form, Vec::new(), slow_down(secs)).await;
    }
    match action.as_str() {
        "filters" => match subscribers::update_filters(&state.db, &token, &values).await {
            Ok(()) => see_other(&format!("{page}?saved=filters")),
            Err(e) => refused(&state, &headers, &page, &form, values, e).await,
        },
        "revoke" => match subscribers::revoke_links(&state.db, &token).await {
            Ok(_) => see_other("/subscribe?revoked=1"),
            Err(e) => refused(&state, &headers, &page, "filters", Vec::new(), e).await,
        },
        "remove" => {
            let id = field("endpoint").parse::<i64>().unwrap_or(0);
            match subscribers::remove_webhook(&state.db, &token, id).await {
                Ok(_) => see_other(&format!("{page}?saved=removed")),
                Err(e) => refused(&state, &headers, &page, &form, Vec::new(), e).await,
            }
        }
        _ => add_webhook(&state, &headers, &token, &page, values).await,
    }
}

async fn add_webhook(
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
    page: &str,
    values: Vec<(String, String)>,
) -> Response {
    let url = values
        .iter()
        .find(|(k, _)| k == "url")
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    let allow = state.notices.webhook_allow_private;
    let checked = match webhook::check_url(&url, allow) {
        Ok(u) => u,
        Err(m) => {
            return refused(
                state,
                headers,
                page,
                "webhook",
                values,
                AppError::invalid("url", m),
            )
            .await
        }
    };
    if let Err(m) = webhook::resolve(&checked, allow).await {
        let m = if m.ends_with("refused") {
            "The endpoint must be on the public internet, not a local or private address."
                .to_string()
        } else {
            format!("We cannot reach this host: {m}.")
        };
        return refused(
            state,
            headers,
            page,
            "webhook",
            values,
            AppError::invalid("url", m),
        )
        .await;
    }
    let secret = webhook::new_secret();
    match subscribers::add_webhook(&state.db, token, checked.as_str(), &secret).await {
        // the secret is shown once: no cache (browser, proxy) may keep a copy of it
        Ok(()) if wants_json(headers) => (
            StatusCode::CREATED,
            [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
            Json(json!({ "url": checked.as_str(), "secret": secret })),
        )
            .into_response(),
        Ok(()) => {
            let posted = Posted {
                form: "webhook".into(),
                secret: Some(secret),
                ..Default::default()
            };
            let mut res = render(state, headers, page, Some(posted), StatusCode::OK).await;
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(e) => refused(state, headers, page, "webhook", values, e).await,
    }
}

/// `POST /changes/{id}/objection?token=…`: fields `reason`, `organisation`, `contact` (the
/// token may come as a field instead, for scripts).
pub async fn object(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(change): Path<i64>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    body: Bytes,
) -> Response {
    let mut values = pairs(&body).unwrap_or_default();
    let from_query: Vec<(String, String)> =
        serde_urlencoded::from_str(query.as_deref().unwrap_or("")).unwrap_or_default();
    if !values.iter().any(|(k, _)| k == "token") {
        if let Some(t) = from_query.into_iter().find(|(k, _)| k == "token") {
            values.push(t);
        }
    }
    let token = values
        .iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let token_q = serde_urlencoded::to_string([("token", token.as_str())]).unwrap_or_default();
    let page = format!("/changes/{change}/objection?{token_q}");
    if let Err(secs) = limited(&state, peer, &headers) {
        return refused(
            &state,
            &headers,
            &page,
            "objection",
            Vec::new(),
            slow_down(secs),
        )
        .await;
    }
    match subscribers::object(&state.db, change, &values).await {
        Ok(id) if wants_json(&headers) => (
            StatusCode::CREATED,
            Json(json!({ "objection": id, "state": "received" })),
        )
            .into_response(),
        Ok(_) => see_other(&format!("{page}&sent=1")),
        Err(e) => refused(&state, &headers, &page, "objection", values, e).await,
    }
}
