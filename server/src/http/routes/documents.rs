//! `GET /documents/{id}`: a stored document, to anyone signed in internally and to the
//! contacts of the vendor it belongs to (anyone else: 404, or 401 when not signed in at all);
//! each download recorded. Always an attachment, never rendered from our origin: the
//! type stated, `nosniff`, a sandboxing CSP, and `Repr-Digest` with its SHA-256.

use axum::{
    body::Body,
    extract::{Path, Request, State},
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};
use leptos::prelude::provide_context;
use leptos::reactive::{computed::ScopedFuture, owner::Owner};

use crate::AppState;

pub async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    // an id that is not a number names no document
    let Ok(id) = id.parse::<i64>() else {
        return app::error::AppError::NotFound.into_response();
    };
    serve(state, req, async move || {
        app::service::reviews::download(id).await
    })
    .await
}

/// Run `find` with the request's session and the server's handles in context (as a server
/// function runs), and serve what it found as an attachment, or its error.
pub(super) async fn serve(
    state: AppState,
    req: Request,
    find: impl AsyncFnOnce() -> Result<app::service::reviews::Download, app::error::AppError>,
) -> Response {
    let (parts, _) = req.into_parts();
    let owner = Owner::new();
    let found = owner
        .with(|| {
            ScopedFuture::new(async move {
                provide_context(parts);
                provide_context(state.db.clone());
                provide_context(state.settings.clone());
                provide_context(state.documents.clone());
                find().await
            })
        })
        .await;
    match found {
        Ok(d) => attachment(d),
        Err(e) => e.into_response(),
    }
}

/// `GET /published-lists/{slug}/{sha256}`: a kept version of a vendor's published list
/// (managers compare the two versions of a page that changed), to anyone signed in
/// internally, served as [`download`] serves a document.
pub async fn published_list(
    State(state): State<AppState>,
    Path((slug, sha256)): Path<(String, String)>,
    req: Request,
) -> Response {
    serve(state, req, async move || {
        app::service::watch::download_fetched(&slug, &sha256).await
    })
    .await
}

/// `filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266).
fn disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .filter(|c| !matches!(c, '"' | '\\' | '%'))
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

fn attachment(d: app::service::reviews::Download) -> Response {
    use base64::Engine;
    let digest = hex::decode(&d.sha256)
        .map(|b| base64::engine::general_purpose::STANDARD.encode(b))
        .unwrap_or_default();
    let mut res = Response::new(Body::from_stream(d.bytes));
    let h = res.headers_mut();
    let media = HeaderValue::from_str(&d.media_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_TYPE, media);
    if let Ok(v) = HeaderValue::from_str(&disposition(&d.file_name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(d.size_bytes));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("sha-256=:{digest}:")) {
        h.insert("repr-digest", v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::disposition;

    #[test]
    fn file_names_are_quoted_safely_and_kept_in_full() {
        assert_eq!(
            disposition("SOC 2 report.pdf"),
            "attachment; filename=\"SOC 2 report.pdf\"; filename*=UTF-8''SOC%202%20report.pdf"
        );
        assert_eq!(
            disposition("Prüfbericht.pdf"),
            "attachment; filename=\"Pr_fbericht.pdf\"; filename*=UTF-8''Pr%C3%BCfbericht.pdf"
        );
    }
}
