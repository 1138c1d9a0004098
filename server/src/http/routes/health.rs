use app::store::Db;
use axum::{extract::State, http::StatusCode};

/// `GET /healthz`: 200 when the database answers, 503 otherwise.
pub async fn healthz(State(db): State<Db>) -> (StatusCode, &'static str) {
    match db.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n"),
        Err(e) => {
            tracing::error!("health check failed: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    }
}

/// `GET /readyz`: 200 when the database answers and every migration of this build is
/// applied (what a load balancer checks before it sends traffic), 503 otherwise.
pub async fn readyz(State(db): State<Db>) -> (StatusCode, &'static str) {
    match db.migrations_current().await {
        Ok(true) => (StatusCode::OK, "ready\n"),
        Ok(false) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "migrations pending: run `server migrate`\n",
        ),
        Err(e) => {
            tracing::error!("readiness check failed: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    }
}
