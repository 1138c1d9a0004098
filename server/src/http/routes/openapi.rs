//! The JSON API's OpenAPI 3.1 document, `GET /api/v1/openapi.json` (issue 28), generated with
//! `utoipa` from the handlers' `#[utoipa::path]` attributes and the answers' types, so it
//! cannot drift from the code. It covers every public read route (the registry and its
//! downloads, the change history, the log, the open list, the health checks); the forms a
//! person posts (subscribing, objecting) and the server functions of the pages are not part
//! of it. `scripts/schemathesis.sh` runs schemathesis against it on a live server.

use axum::{
    http::header,
    response::{IntoResponse, Response},
};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Subprocessor Registry",
        version = "1",
        description = "The public registry of subprocessors: today's list and any past day's, \
                       the change history, the signed append-only log of changes, and the open \
                       list. Reference: docs/API.md."
    ),
    paths(
        super::export::subprocessors_json,
        super::export::subprocessors_csv,
        super::export::subprocessors_xlsx,
        super::changes::changes_json,
        super::changes::changes_atom,
        super::log::checkpoint,
        super::log::inclusion,
        super::log::consistency,
        super::log::leaves,
        super::log::keys,
        super::open_list::open_list,
        super::open_list::schema,
        super::health::healthz,
        super::health::readyz,
        openapi_json,
    )
)]
pub struct ApiDoc;

/// The document, made once.
static DOCUMENT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\":\"the document could not be written: {e}\"}}"))
});

/// `GET /api/v1/openapi.json`.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations",
    responses(
        (status = 200, description = "This document (OpenAPI 3.1)", body = Object),
        (status = 429, description = "Too many requests", body = String, content_type = "text/plain"),
    ))]
pub async fn openapi_json() -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        DOCUMENT.as_str(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_openapi_3_1_with_every_public_route() {
        let doc: serde_json::Value = serde_json::from_str(&DOCUMENT).expect("the document is JSON");
        assert_eq!(doc["openapi"], "3.1.0");
        for path in [
            "/api/v1/subprocessors",
            "/api/v1/changes",
            "/api/v1/log/events/{id}/proof",
            "/.well-known/subprocessors.json",
            "/api/v1/openapi.json",
        ] {
            assert!(
                doc["paths"][path]["get"].is_object(),
                "{path} is documented"
            );
        }
        let names = |path: &str| -> Vec<String> {
            doc["paths"][path]["get"]["parameters"]
                .as_array()
                .map(|ps| ps.iter().map(|p| p["name"].to_string()).collect())
                .unwrap_or_default()
        };
        assert!(names("/api/v1/subprocessors").contains(&"\"as_of\"".to_string()));
        assert!(names("/changes.atom").contains(&"\"vendor\"".to_string()));
        let vendor = &doc["components"]["schemas"]["PublicVendor"];
        assert_eq!(vendor["properties"]["status"]["type"], "string");
    }
}
