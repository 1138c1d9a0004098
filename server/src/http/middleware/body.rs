//! Request bodies: at most [`BODY_LIMIT`], an upload its own limit ([`UPLOADS`]); larger
//! ones are answered `413` before they are read, or cut when they grow past it; an upload that
//! is not multipart is refused (`415`) before the multipart decoder sees it.

/// Largest request body accepted (forms and server function calls are small).
pub const BODY_LIMIT: usize = 1024 * 1024;
/// The file upload of an import takes up to this much (`app::files::limits::MAX_FILE_BYTES`
/// and the multipart framing).
pub const IMPORT_BODY_LIMIT: usize = app::files::limits::MAX_FILE_BYTES + 64 * 1024;
/// A document's upload takes up to this much (`app::files::limits::MAX_DOCUMENT_BYTES`, the
/// form's other fields and the multipart framing).
pub const DOCUMENT_BODY_LIMIT: usize = app::files::limits::MAX_DOCUMENT_BYTES + 64 * 1024;

/// The uploads: their path, body limit, and what the refusal of a body that is not
/// multipart says.
const UPLOADS: [(&str, usize, &str); 4] = [
    (
        "/api/manage/import_upload",
        IMPORT_BODY_LIMIT,
        "An import is uploaded as multipart/form-data with the file in the field `file`.",
    ),
    (
        "/api/vendor/submit_roster",
        IMPORT_BODY_LIMIT,
        "A roster is uploaded as multipart/form-data with the file in the field `file`.",
    ),
    (
        "/api/vendor/sign_attestation",
        DOCUMENT_BODY_LIMIT,
        "An attestation is signed as multipart/form-data (its documents in the fields `file.<key>`).",
    ),
    (
        "/api/vendor/submit_assessment",
        DOCUMENT_BODY_LIMIT,
        "An assessment is submitted as multipart/form-data with its document in the field `file`.",
    ),
];

/// Bodies are at most [`BODY_LIMIT`] (an upload its own limit, [`UPLOADS`]): larger ones are
/// answered `413` before they are read, or cut when they grow past it.
pub async fn limit_body(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let upload = UPLOADS.iter().find(|(path, ..)| req.uri().path() == *path);
    let limit = upload.map_or(BODY_LIMIT, |(_, limit, _)| *limit);
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return app::error::AppError::TooLarge(format!(
            "The request is larger than {} MB, the most this address takes.",
            limit / (1024 * 1024)
        ))
        .into_response();
    }
    // the upload's decoder (server_fn's multipart codec) panics on a body without a
    // multipart boundary, so such a request never reaches it
    if let Some((_, _, how)) = upload.filter(|_| req.method() == axum::http::Method::POST) {
        let boundary = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|ct| multer::parse_boundary(ct).ok());
        if boundary.is_none() {
            return app::error::AppError::WrongType((*how).into()).into_response();
        }
    }
    let (parts, body) = req.into_parts();
    let body = axum::body::Body::new(http_body_util::Limited::new(body, limit));
    next.run(axum::extract::Request::from_parts(parts, body))
        .await
}
