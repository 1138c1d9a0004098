//! Trust documents for managers (issue 27): upload a document or its next version (types
//! decided from the bytes, encrypted PDFs refused with the reason), withdraw one, write the
//! agreement's next version, approve or deny requests that wait, revoke accesses, read each
//! document's access log. Admins and managers change; auditors read. Every change audited.

use chrono::Utc;
use leptos::server_fn::codec::MultipartData;

use super::{
    trust::{access_info, document, ids, stored_agreement},
    uploads::{cut_short, file_of, refused},
};
use crate::{
    documents::Stored,
    domain::{
        review::clean_file_name,
        trust::{agreement_sha256, DocumentForm},
    },
    error::AppError,
    files::{limits::MAX_DOCUMENT_BYTES, sniff::DocumentType, stamp},
    model::trust::{TrustAdmin, TrustDocumentLog, TrustDownload, TrustRequest, TrustVersion},
    request::{cpu, db, documents},
    session::{any_role, editor, require},
    store::{
        audit, documents as stored,
        outbox::{self, NewDelivery},
        trust as store,
    },
    write::{write, Written},
};

/// `/manage/trust` (anyone signed in reads it; admins and managers may change it).
pub async fn admin_page() -> Result<TrustAdmin, AppError> {
    let who = require(any_role).await?;
    let db = db()?;
    let rows = store::documents(&db).await?;
    let titles: Vec<(i64, String)> = rows.iter().map(|r| (r.id, r.title.clone())).collect();
    let waiting = store::requests(&db, "waiting")
        .await?
        .into_iter()
        .map(|r| {
            let asked = ids(&r.documents);
            TrustRequest {
                id: r.id,
                name: r.name,
                email: r.email,
                organisation: r.organisation,
                documents: titles
                    .iter()
                    .filter(|(id, _)| asked.contains(id))
                    .map(|(_, t)| t.clone())
                    .collect(),
                created_at: r.created_at.chars().take(16).collect(),
            }
        })
        .collect();
    let accesses = store::open_accesses(&db, Utc::now())
        .await?
        .iter()
        .map(|a| access_info(a, &titles))
        .collect();
    let mut conn = db.pool.acquire().await?;
    let a = store::agreement(&mut conn).await?;
    drop(conn);
    Ok(TrustAdmin {
        documents: rows.iter().map(|r| document(r, true)).collect(),
        agreement: a
            .as_ref()
            .map(|a| a.body.clone())
            .unwrap_or_else(|| crate::domain::trust::DEFAULT_AGREEMENT.to_string()),
        agreement_version: a.map(|a| a.version).unwrap_or(1),
        waiting,
        accesses,
        can_edit: editor(who.role),
    })
}

/// The form's fields, the target document (`document`: a new version of it) and the file.
async fn receive(
    data: MultipartData,
) -> Result<(DocumentForm, String, Option<(String, Stored)>), AppError> {
    let Some(mut form) = data.into_inner() else {
        return Err(AppError::Request("No file was sent.".into()));
    };
    let docs = documents()?;
    let mut fields = DocumentForm::default();
    let mut target = String::new();
    let mut file = None;
    while let Some(mut field) = form.next_field().await.map_err(cut_short)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let file_name = clean_file_name(field.file_name().unwrap_or(""));
            if let Some(f) = file_of(&mut field, &docs).await? {
                file = Some((file_name, f));
            }
            continue;
        }
        let value: String = field
            .text()
            .await
            .map_err(cut_short)?
            .chars()
            .take(2_000)
            .collect();
        match name.as_str() {
            "document" => target = value,
            "title" => fields.title = value,
            "kind" => fields.kind = value,
            "covers" => fields.covers = value,
            "issuer" => fields.issuer = value,
            "access" => fields.access = value,
            "period_start" => fields.period_start = value,
            "period_end" => fields.period_end = value,
            "issued_on" => fields.issued_on = value,
            "valid_until" => fields.valid_until = value,
            "bridges" => fields.bridges = value,
            _ => {}
        }
    }
    Ok((fields, target, file))
}

/// A PDF that cannot be stamped (encrypted, unreadable) is refused at the file's field.
async fn check_pdf(stored: &Stored) -> Result<(), AppError> {
    if stored.kind != DocumentType::Pdf {
        return Ok(());
    }
    let bytes = documents()?
        .read_all(&stored.sha256, MAX_DOCUMENT_BYTES)
        .await
        .map_err(refused)?;
    cpu(move || stamp::check(&bytes))
        .await?
        .map(|_| ())
        .map_err(|e| AppError::invalid("file", e.to_string()))
}

/// Upload a document (a multipart form: `title`, `kind`, `covers`, `issuer`, `access`,
/// `period_start`, `period_end`, `issued_on`, `valid_until`, `bridges`, then `file`), or,
/// with `document` naming one, its next version (only the dates are read). The slug.
pub async fn upload(data: MultipartData) -> Result<String, AppError> {
    let who = require(editor).await?;
    let db = db()?;
    let (form, target, file) = receive(data).await?;
    let Some((file_name, file)) = file else {
        return Err(AppError::invalid(
            "file",
            "Attach the document (a PDF, PNG or JPEG file).",
        ));
    };
    check_pdf(&file).await?;
    let now = Utc::now();
    let new_version = !target.trim().is_empty();
    let (info, dates) = if new_version {
        (None, form.parse_dates().map_err(AppError::Invalid)?)
    } else {
        let (i, d) = form.parse().map_err(AppError::Invalid)?;
        (Some(i), d)
    };
    write(&db, &who.email, async |tx| {
        let (id, slug) = match &info {
            None => {
                let slug = target.trim().to_string();
                let id = store::id_of(tx, &slug).await?.ok_or(AppError::NotFound)?;
                (id, slug)
            }
            Some(i) => {
                if store::id_of(tx, i.slug.as_str()).await?.is_some() {
                    return Err(AppError::invalid(
                        "title",
                        "A document with this title exists: publish a new version of it instead.",
                    ));
                }
                let bridges = match &i.bridges {
                    Some(b) => Some(store::id_of(tx, b.as_str()).await?.ok_or_else(|| {
                        AppError::invalid("bridges", "No document has this address.")
                    })?),
                    None => None,
                };
                let id = store::insert_document(tx, i, bridges, &who.email, now).await?;
                (id, i.slug.as_str().to_string())
            }
        };
        let stored_id = stored::insert(
            tx,
            stored::NewDocument {
                vendor_id: None,
                sha256: &file.sha256,
                size_bytes: i64::try_from(file.size).unwrap_or(i64::MAX),
                media_type: file.kind.media_type(),
                file_name: &file_name,
                uploaded_by: &who.email,
            },
        )
        .await?;
        let version = store::add_version(tx, id, stored_id, &dates, &who.email, now).await?;
        Ok(Written::done(
            slug.clone(),
            audit::Entry {
                action: if new_version {
                    "publish a new version of"
                } else {
                    "publish"
                },
                entity: "trust document",
                entity_id: slug.clone(),
                before: None,
                after: Some(serde_json::json!({
                    "version": version,
                    "file": file_name,
                    "sha256": file.sha256,
                    "issued_on": dates.issued_on.to_string(),
                    "valid_until": dates.valid_until.map(|d| d.to_string()),
                })),
            },
        ))
    })
    .await
}

/// Withdraw a document (`withdraw` false: offer it again). Its versions stay for the log.
pub async fn withdraw(slug: &str, withdraw: bool) -> Result<(), AppError> {
    let who = require(editor).await?;
    let db = db()?;
    let slug = slug.to_string();
    write(&db, &who.email, async |tx| {
        let id = store::id_of(tx, &slug).await?.ok_or(AppError::NotFound)?;
        store::set_withdrawn(tx, id, withdraw.then(Utc::now)).await?;
        Ok(Written::done(
            (),
            audit::Entry {
                action: if withdraw { "withdraw" } else { "offer again" },
                entity: "trust document",
                entity_id: slug.clone(),
                before: None,
                after: None,
            },
        ))
    })
    .await
}

/// Write the agreement's next version (acceptances keep pointing at the text they accepted).
pub async fn save_agreement(body: &str) -> Result<i64, AppError> {
    let who = require(editor).await?;
    let body = body.replace("\r\n", "\n").trim().to_string();
    if body.chars().count() < 20 || body.len() > 50_000 {
        return Err(AppError::invalid(
            "body",
            "Write the agreement in full (20 to 50,000 characters).",
        ));
    }
    let db = db()?;
    write(&db, &who.email, async |tx| {
        let current = stored_agreement(tx).await?;
        if current.body == body {
            return Ok(Written::done(
                current.version,
                audit::Entry {
                    action: "keep",
                    entity: "trust agreement",
                    entity_id: format!("version {}", current.version),
                    before: None,
                    after: None,
                },
            ));
        }
        let sha = agreement_sha256(&body);
        let v = store::add_agreement(tx, &body, &sha, &who.email, Utc::now()).await?;
        Ok(Written::done(
            v,
            audit::Entry {
                action: "write",
                entity: "trust agreement",
                entity_id: format!("version {v}"),
                before: Some(
                    serde_json::json!({ "version": current.version, "sha256": current.sha256 }),
                ),
                after: Some(serde_json::json!({ "version": v, "sha256": sha })),
            },
        ))
    })
    .await
}

/// Approve (the requester is mailed a link that opens the access) or deny (mailed with the
/// reason, which is required) a waiting request.
pub async fn decide(id: i64, decision: &str, reason: &str) -> Result<(), AppError> {
    let who = require(editor).await?;
    let approve = match decision {
        "approve" => true,
        "deny" => false,
        _ => return Err(AppError::invalid("decision", "Approve or deny.")),
    };
    let reason = reason.trim().chars().take(2_000).collect::<String>();
    if !approve && reason.is_empty() {
        return Err(AppError::invalid(
            "reason",
            "Say why the request is denied: the requester is told.",
        ));
    }
    let db = db()?;
    let now = Utc::now();
    write(&db, &who.email, async |tx| {
        let r = store::request_in(tx, id).await?.ok_or(AppError::NotFound)?;
        let state = if approve { "approved" } else { "denied" };
        if !store::set_state(
            tx,
            id,
            &["waiting"],
            state,
            Some((&who.email, &reason)),
            now,
        )
        .await?
        {
            return Err(AppError::Request(
                "This request was decided already (see the audit trail).".into(),
            ));
        }
        let mail = if approve {
            NewDelivery::trust_link(id, &r.email, "approved")
        } else {
            NewDelivery::trust_denied(id, &r.email)
        };
        outbox::queue(tx, &[mail], now).await?;
        Ok(Written::done(
            (),
            audit::Entry {
                action: if approve { "approve" } else { "deny" },
                entity: "trust request",
                entity_id: format!("request {id}"),
                before: None,
                after: Some(serde_json::json!({ "reason": reason })),
            },
        ))
    })
    .await
}

/// End an access at once.
pub async fn revoke(id: i64) -> Result<(), AppError> {
    let who = require(editor).await?;
    let db = db()?;
    write(&db, &who.email, async |tx| {
        if !store::revoke(tx, id, &who.email, Utc::now()).await? {
            return Err(AppError::Request("This access has ended already.".into()));
        }
        Ok(Written::done(
            (),
            audit::Entry {
                action: "revoke",
                entity: "trust access",
                entity_id: format!("access {id}"),
                before: None,
                after: None,
            },
        ))
    })
    .await
}

/// A document's access log, newest first (anyone signed in).
pub async fn log(slug: &str, limit: i64) -> Result<Vec<TrustDownload>, AppError> {
    require(any_role).await?;
    let db = db()?;
    Ok(store::downloads(&db, slug, limit)
        .await?
        .into_iter()
        .map(|d| TrustDownload {
            at: d.downloaded_at,
            version: d.version,
            code: d.code.unwrap_or_default(),
            who: d
                .name
                .map(|n| format!("{n} <{}>", d.email.unwrap_or_default()))
                .unwrap_or_else(|| "anyone (public)".into()),
            organisation: d.organisation.unwrap_or_default(),
            address: d.address,
            user_agent: d.user_agent,
            served_sha256: d.served_sha256,
        })
        .collect())
}

/// `/manage/trust/{slug}`: every version and the last 200 downloads (anyone signed in).
pub async fn document_log(slug: &str) -> Result<TrustDocumentLog, AppError> {
    let downloads = log(slug, 200).await?;
    let db = db()?;
    let rows = store::versions(&db, slug).await?;
    let newest = rows.first().ok_or(AppError::NotFound)?;
    Ok(TrustDocumentLog {
        document: document(newest, true),
        versions: rows
            .iter()
            .map(|r| {
                let d = document(r, true);
                TrustVersion {
                    version: r.version,
                    period: d.period,
                    issued_on: r.issued_on.clone(),
                    valid_until: r.valid_until.clone().unwrap_or_default(),
                    published_at: r.published_at.chars().take(16).collect(),
                    file_name: r.file_name.clone(),
                    sha256: r.sha256.clone(),
                }
            })
            .collect(),
        downloads,
    })
}

/// `GET /manage/trust/{slug}/versions/{n}`: a version as it was uploaded (anyone signed in
/// internally), to match a line of the access log.
pub async fn version_download(slug: &str, n: i64) -> Result<super::reviews::Download, AppError> {
    require(any_role).await?;
    let db = db()?;
    let r = store::versions(&db, slug)
        .await?
        .into_iter()
        .find(|r| r.version == n)
        .ok_or(AppError::NotFound)?;
    let bytes = documents()?
        .open(&r.sha256)
        .await
        .map_err(|e| crate::request::internal(format!("document store: {e}")))?;
    Ok(super::reviews::Download {
        file_name: r.file_name,
        media_type: r.media_type,
        size_bytes: r.size_bytes,
        sha256: r.sha256,
        bytes,
    })
}
