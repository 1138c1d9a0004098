//! What an operator watches: one log line and the metrics of every request (with the
//! instance's name, and an `X-Instance-Id` header when asked), `/metrics` in Prometheus text
//! behind a bearer token, and `/readyz`.
//!
//! Metrics are recorded with the `metrics` crate into `metrics-exporter-prometheus`'s
//! recorder, installed once per process; gauges of the moment (pool, export slots, the
//! outbox) are read when `/metrics` is scraped.

use std::{
    sync::{Arc, OnceLock},
    time::Instant,
};

use app::{
    error::AppError,
    store::{outbox, Db},
};
use axum::{
    extract::{MatchedPath, Request, State},
    http::{header, HeaderMap, HeaderValue},
    middleware::Next,
    response::{IntoResponse, Response},
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sha2::{Digest, Sha256};

/// What the request layer and `/metrics` need.
#[derive(Clone)]
pub struct Ops {
    pub db: Db,
    pub instance: Arc<str>,
    pub expose_instance_id: bool,
    /// The bearer token of `/metrics`; `None`: off.
    pub metrics_token: Option<Arc<str>>,
}

/// The header naming the instance that answered (when `EXPOSE_INSTANCE_ID=true`).
pub const INSTANCE_HEADER: &str = "x-instance-id";

/// Request duration buckets, in seconds: a cached page takes well under a millisecond, an
/// export of the whole registry seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// The process's recorder (installed at the first call); `None` if another recorder was
/// installed first.
pub fn recorder() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("registry_http_request_duration_seconds".into()),
                    &BUCKETS,
                )
                .ok()?;
            match builder.install_recorder() {
                Ok(h) => Some(h),
                Err(e) => {
                    tracing::warn!("metrics are off: {e}");
                    None
                }
            }
        })
        .as_ref()
}

/// Health checks: logged at `debug` when they answer 200.
const PROBE_ROUTES: [&str; 2] = ["/healthz", "/readyz"];

/// Sign-in calls whose refusals count as sign-in failures.
const SIGN_IN_ROUTES: [&str; 2] = ["/api/login", "/api/login/verify"];

/// Log and count every request: method, route (the matched pattern, never the raw path),
/// status and time to the response's head.
pub async fn observe(State(ops): State<Ops>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let mut res = next.run(req).await;
    let status = res.status().as_u16();
    let seconds = start.elapsed().as_secs_f64();
    metrics::counter!(
        "registry_http_requests_total",
        "route" => route.clone(),
        "method" => method.to_string(),
        "status" => status.to_string()
    )
    .increment(1);
    metrics::histogram!("registry_http_request_duration_seconds", "route" => route.clone())
        .record(seconds);
    if SIGN_IN_ROUTES.contains(&route.as_str()) && matches!(status, 401 | 429) {
        metrics::counter!("registry_sign_in_failures_total").increment(1);
    }
    let duration_ms = (seconds * 1e5).round() / 100.0;
    if PROBE_ROUTES.contains(&route.as_str()) && status == 200 {
        // a balancer asks twice a second: a good answer is not news
        tracing::debug!(target: "registry::request", request_id = %request_id, method = %method, route = %route, status, duration_ms, "request");
    } else {
        tracing::info!(target: "registry::request", request_id = %request_id, method = %method, route = %route, status, duration_ms, "request");
    }
    if ops.expose_instance_id {
        if let Ok(v) = HeaderValue::from_str(&ops.instance) {
            res.headers_mut().insert(INSTANCE_HEADER, v);
        }
    }
    res
}

/// Whether `given` is the token, compared as digests (no early exit on the first byte).
fn token_matches(given: &str, token: &str) -> bool {
    Sha256::digest(given.as_bytes()) == Sha256::digest(token.as_bytes())
}

/// `GET /metrics`: Prometheus text format, for `Authorization: Bearer <METRICS_TOKEN>`.
pub async fn metrics(State(ops): State<Ops>, headers: HeaderMap) -> Response {
    let Some(token) = ops.metrics_token.as_deref() else {
        return AppError::NotFound.into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if !given.is_some_and(|g| token_matches(g, token)) {
        return AppError::NeedsToken {
            realm: "metrics".into(),
            message: "The metrics need the bearer token of METRICS_TOKEN.".into(),
        }
        .into_response();
    }
    let Some(handle) = recorder() else {
        return AppError::Unavailable("Metrics are off.".into()).into_response();
    };
    let db = &ops.db;
    metrics::gauge!("registry_db_pool_connections").set(db.pool.size() as f64);
    metrics::gauge!("registry_db_pool_idle").set(db.pool.num_idle() as f64);
    metrics::gauge!("registry_export_slots_in_use").set(db.exports_in_use() as f64);
    metrics::gauge!("registry_export_slots").set(db.export_slots as f64);
    match app::service::log::last_check(db).await {
        Ok(Some(c)) => {
            metrics::gauge!("registry_log_verified").set(if c.ok { 1.0 } else { 0.0 });
            if let Ok(at) = chrono::DateTime::parse_from_rfc3339(&c.at) {
                metrics::gauge!("registry_log_last_check_timestamp_seconds")
                    .set(at.timestamp() as f64);
            }
        }
        Ok(None) => {}
        Err(e) => tracing::warn!("metrics: cannot read the log's last check: {e}"),
    }
    match app::service::log::newest_timestamp(db).await {
        Ok(Some(time)) => {
            metrics::gauge!("registry_log_timestamp_seconds").set(time as f64);
        }
        Ok(None) => {}
        Err(e) => tracing::warn!("metrics: cannot read the log's newest timestamp: {e}"),
    }
    match outbox::counts(db).await {
        Ok(c) => {
            for (state, n) in [
                ("pending", c.pending),
                ("retrying", c.retrying),
                ("failed", c.failed),
                ("sent", c.sent),
                ("skipped", c.skipped),
            ] {
                metrics::gauge!("registry_deliveries", "state" => state).set(n as f64);
            }
        }
        Err(e) => tracing::warn!("metrics: cannot count deliveries: {e}"),
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_only_exactly() {
        assert!(token_matches("s3cret-token", "s3cret-token"));
        assert!(!token_matches("s3cret-toke", "s3cret-token"));
        assert!(!token_matches("", "s3cret-token"));
    }
}
