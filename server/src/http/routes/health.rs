use app::{error::AppError, store::Db};
use axum::extract::State;

fn database_unavailable() -> AppError {
    AppError::Unavailable("database unavailable".into())
}

/// `GET /healthz`: 200 when the database answers, 503 otherwise.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses(
        (status = 200, description = "The database answers", body = String, content_type = "text/plain"),
        (status = 503, description = "The database does not answer", body = String, content_type = "text/plain"),
    ))]
pub async fn healthz(State(db): State<Db>) -> Result<&'static str, AppError> {
    match db.ping().await {
        Ok(()) => Ok("ok\n"),
        Err(e) => {
            tracing::error!("health check failed: {e}");
            Err(database_unavailable())
        }
    }
}

/// `GET /readyz`: 200 when the database answers and every migration of this build is
/// applied (what a load balancer checks before it sends traffic), 503 otherwise.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready for traffic", body = String, content_type = "text/plain"),
        (status = 503, description = "The database does not answer, or a migration is missing", body = String, content_type = "text/plain"),
    ))]
pub async fn readyz(State(db): State<Db>) -> Result<&'static str, AppError> {
    match db.migrations_current().await {
        Ok(true) => Ok("ready\n"),
        Ok(false) => Err(AppError::Unavailable(
            "migrations pending: run `server migrate`".into(),
        )),
        Err(e) => {
            tracing::error!("readiness check failed: {e}");
            Err(database_unavailable())
        }
    }
}
