//! Trust documents' plain routes (issue 27): a document's download for customers
//! (`/trust/documents/{slug}`), and for people signed in internally a version as uploaded and a
//! document's access log as CSV. Each runs its service function as `documents::serve` does.

use axum::{
    extract::{Path, Request, State},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

use super::documents::serve;
use crate::AppState;

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/trust/documents/{slug}", get(trust_document))
        .route("/manage/trust/{slug}/log.csv", get(trust_log_csv))
        .route("/manage/trust/{slug}/versions/{n}", get(trust_version))
}

/// `GET /trust/documents/{slug}`: a trust document, public ones to anyone, others through
/// this browser's open access (its cookie); PDFs stamped for the access's holder; every
/// download logged (`service::trust::download`).
pub async fn trust_document(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    req: Request,
) -> Response {
    serve(state, req, async move || {
        app::service::trust::download(&slug).await
    })
    .await
}

/// `GET /manage/trust/{slug}/versions/{n}`: a trust document's version as uploaded (anyone
/// signed in internally), served as [`download`] serves a document.
pub async fn trust_version(
    State(state): State<AppState>,
    Path((slug, n)): Path<(String, String)>,
    req: Request,
) -> Response {
    let Ok(n) = n.parse::<i64>() else {
        return app::error::AppError::NotFound.into_response();
    };
    serve(state, req, async move || {
        app::service::trust_manage::version_download(&slug, n).await
    })
    .await
}

/// `GET /manage/trust/{slug}/log.csv`: a trust document's access log (anyone signed in),
/// written by the CSV sink's dialect (BOM, CRLF, formula cells neutralised).
pub async fn trust_log_csv(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    req: Request,
) -> Response {
    use super::export::csv::{write_cells, writer, BOM};
    let name = format!("{slug}-access-log.csv");
    serve(state, req, async move || {
        let lines = app::service::trust_manage::log(&slug, 1_000_000).await?;
        let mut w = writer();
        let fail = |e: csv::Error| app::request::internal(format!("access log csv: {e}"));
        write_cells(
            &mut w,
            &[
                "downloaded_at",
                "version",
                "access",
                "who",
                "organisation",
                "address",
                "user_agent",
                "served_sha256",
            ],
        )
        .map_err(fail)?;
        for l in lines {
            write_cells(
                &mut w,
                &[
                    l.at,
                    l.version.to_string(),
                    l.code,
                    l.who,
                    l.organisation,
                    l.address,
                    l.user_agent,
                    l.served_sha256,
                ],
            )
            .map_err(fail)?;
        }
        let mut body = BOM.to_vec();
        body.extend(
            w.into_inner()
                .map_err(|e| app::request::internal(e.to_string()))?,
        );
        Ok(app::service::reviews::Download {
            file_name: name,
            media_type: "text/csv; charset=utf-8".into(),
            size_bytes: body.len() as i64,
            sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&body)),
            bytes: Box::pin(futures::stream::once(async move {
                Ok(axum::body::Bytes::from(body))
            })),
        })
    })
    .await
}
