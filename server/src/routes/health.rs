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
