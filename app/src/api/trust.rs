//! Trust documents (issue 27): the public page and a customer's request (`trust/*`), a
//! mailed link's page and button, and the managers' side (`manage/trust*`). Downloads are a
//! plain route, `/trust/documents/{slug}`; a document's access log as CSV is
//! `/manage/trust/{slug}/log.csv`.

use crate::error::AppError;
use leptos::prelude::*;

pub use crate::domain::trust::RequestForm;
pub use crate::model::trust::*;
#[cfg(feature = "ssr")]
use crate::service::{trust as service, trust_manage as manage};

/// `/trust`: the documents offered, the agreement, and this browser's access.
#[server(prefix = "/api", endpoint = "trust/page")]
pub async fn load_trust_page() -> Result<TrustPage, AppError> {
    service::page().await
}

/// Ask for access (`r[name]`, `r[email]`, `r[organisation]`, `r[document]` repeated,
/// `r[accept]=yes`, `r[agreement]` the version shown): a mail with a link follows.
#[server(prefix = "/api", endpoint = "trust/request")]
pub async fn request_trust_access(r: RequestForm) -> Result<(), AppError> {
    service::request(r).await?;
    leptos_axum::redirect("/trust?requested=1#request-h");
    Ok(())
}

/// What a mailed link is (its page; changes nothing).
#[server(prefix = "/api", endpoint = "trust/link")]
pub async fn load_trust_link(token: String) -> Result<TrustLink, AppError> {
    service::link(&token).await
}

/// The mailed link's button: records the acceptance, opens the access and sets its cookie.
#[server(prefix = "/api", endpoint = "trust/confirm")]
pub async fn confirm_trust_link(token: String) -> Result<TrustOpened, AppError> {
    let opened = service::confirm(&token).await?;
    let q = serde_urlencoded::to_string([
        ("opened", opened.opened.len().to_string()),
        ("waiting", opened.waiting.len().to_string()),
    ])
    .unwrap_or_default();
    leptos_axum::redirect(&format!("/trust?{q}"));
    Ok(opened)
}

/// `/manage/trust` (anyone signed in).
#[server(prefix = "/api", endpoint = "manage/trust")]
pub async fn load_trust_admin() -> Result<TrustAdmin, AppError> {
    manage::admin_page().await
}

/// Upload a document or its next version (admins and managers): a multipart form, see
/// `service::trust_manage::upload`. Back to `/manage/trust`; a refusal goes back with its
/// reason.
#[server(prefix = "/api", endpoint = "manage/trust_upload", input = leptos::server_fn::codec::MultipartFormData)]
pub async fn upload_trust_document(
    data: leptos::server_fn::codec::MultipartData,
) -> Result<(), AppError> {
    match manage::upload(data).await {
        Ok(slug) => leptos_axum::redirect(&format!("/manage/trust?published={slug}#documents-h")),
        Err(AppError::Invalid(fields)) => {
            let why: Vec<String> = fields.into_iter().map(|f| f.message).collect();
            let q = serde_urlencoded::to_string([("error", why.join(" "))]).unwrap_or_default();
            leptos_axum::redirect(&format!("/manage/trust?{q}#upload-h"));
        }
        Err(e) => return Err(e),
    }
    Ok(())
}

/// Withdraw a document (`withdraw` true) or offer it again (admins and managers).
#[server(prefix = "/api", endpoint = "manage/trust_withdraw")]
pub async fn withdraw_trust_document(slug: String, withdraw: bool) -> Result<(), AppError> {
    manage::withdraw(&slug, withdraw).await
}

/// Write the agreement's next version (admins and managers).
#[server(prefix = "/api", endpoint = "manage/trust_agreement")]
pub async fn save_trust_agreement(body: String) -> Result<i64, AppError> {
    manage::save_agreement(&body).await
}

/// Approve or deny (`decision`: `approve` or `deny`, with a `reason`) a waiting request.
#[server(prefix = "/api", endpoint = "manage/trust_decide")]
pub async fn decide_trust_request(
    id: i64,
    decision: String,
    reason: String,
) -> Result<(), AppError> {
    manage::decide(id, &decision, &reason).await
}

/// End an access at once (admins and managers).
#[server(prefix = "/api", endpoint = "manage/trust_revoke")]
pub async fn revoke_trust_access(id: i64) -> Result<(), AppError> {
    manage::revoke(id).await
}

/// A document's access log, newest first (anyone signed in; the last 200).
#[server(prefix = "/api", endpoint = "manage/trust_log")]
pub async fn load_trust_log(slug: String) -> Result<Vec<TrustDownload>, AppError> {
    manage::log(&slug, 200).await
}

/// A document's versions and its last 200 downloads (anyone signed in).
#[server(prefix = "/api", endpoint = "manage/trust_document")]
pub async fn load_trust_document(slug: String) -> Result<TrustDocumentLog, AppError> {
    manage::document_log(&slug).await
}
