//! Server function errors answer with the status their error means. A server function that
//! fails answers 500 with the error, as JSON, in the body and a `serverfnerror` header; this
//! layer reads that error back and sets the status `AppError::status_code` gives it (401, 403,
//! 404, 409, 422, 429, ...): one mapping, applied in one place, so no server function sets a
//! status itself. A plain form post (no JavaScript) is answered with a redirect carrying the
//! error instead, which this leaves alone.

use app::error::AppError;
use axum::{
    body::{to_bytes, Body},
    extract::Request,
    http::StatusCode,
    middleware::Next,
    response::Response,
};
use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;

/// Largest error body read back (an error is a sentence or a list of field messages).
const MAX_ERROR_BODY: usize = 256 * 1024;

pub async fn status_from_error(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !res.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = match to_bytes(body, MAX_ERROR_BODY).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!("server function error body unreadable: {e}");
            return Response::from_parts(parts, Body::empty());
        }
    };
    if let Some(status) = serde_json::from_slice::<AppError>(&bytes)
        .ok()
        .and_then(|e| StatusCode::from_u16(e.status_code()).ok())
    {
        parts.status = status;
        if status == StatusCode::SERVICE_UNAVAILABLE {
            parts.headers.insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(crate::routes::RETRY_AFTER_SECONDS),
            );
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
