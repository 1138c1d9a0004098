//! Trust documents for customers (issue 27): the public page, a request for access (a mailed
//! link, capped as subscription mails are), the link's page and its button (the acceptance
//! recorded, an access opened, its cookie set), and downloads: public documents as they are,
//! others only through an open access that lists them, PDFs stamped for the recipient, each
//! download logged with the SHA-256 of what was served.

use chrono::{DateTime, Utc};
use leptos::prelude::use_context;
use sha2::{Digest, Sha256};

use crate::{
    documents::DocumentError,
    domain::{
        subscriber_links::{counters, MailCaps},
        trust::{
            access_code, access_ends, agreement_sha256, opens_on_confirm, stamp_text, validity,
            AccessLevel, RequestForm, TrustKind, TrustSettings, DEFAULT_AGREEMENT,
        },
    },
    error::AppError,
    files::{limits::MAX_DOCUMENT_BYTES, stamp},
    model::trust::{TrustAccess, TrustDocument, TrustLink, TrustOpened, TrustPage},
    request::{cpu, db, documents, heavy, internal, parts, today},
    service::reviews::Download,
    session::{client_address, trust_cookie as cookies},
    store::{
        self, begin_write,
        outbox::{self, NewDelivery},
        sessions::{new_token, token_hash},
        subscriber_links,
        trust::{self as trust_store, AccessRow, AgreementRow, DocumentRow, NewDownload},
        AnyConnection, Db,
    },
};

/// The operator's settings (`TRUST_*`), as the server provided them.
pub fn settings() -> TrustSettings {
    use_context::<TrustSettings>().unwrap_or_default()
}

/// The newest agreement, or the default one (version 1) before any was written.
async fn agreement(conn: &mut AnyConnection) -> Result<AgreementRow, AppError> {
    Ok(trust_store::agreement(conn)
        .await?
        .unwrap_or_else(|| AgreementRow {
            version: 1,
            body: DEFAULT_AGREEMENT.to_string(),
            sha256: agreement_sha256(DEFAULT_AGREEMENT),
            created_at: String::new(),
            created_by: String::new(),
        }))
}

/// The agreement as stored, the default written as version 1 first when none was.
pub(crate) async fn stored_agreement(conn: &mut AnyConnection) -> Result<AgreementRow, AppError> {
    if let Some(a) = trust_store::agreement(conn).await? {
        return Ok(a);
    }
    let a = agreement(conn).await?;
    trust_store::add_agreement(conn, &a.body, &a.sha256, "default", Utc::now()).await?;
    Ok(a)
}

pub(crate) fn ids(json: &str) -> Vec<i64> {
    serde_json::from_str(json).unwrap_or_default()
}

/// A document row as the page shows it; `open`: the viewer may download it.
pub(crate) fn document(r: &DocumentRow, open: bool) -> TrustDocument {
    let until = r.valid_until.as_deref().and_then(|d| d.parse().ok());
    let access = AccessLevel::parse(&r.access).unwrap_or(AccessLevel::Approval);
    let period = match (&r.period_start, &r.period_end) {
        (Some(s), Some(e)) => format!("{s} to {e}"),
        (Some(s), None) => format!("from {s}"),
        (None, Some(e)) => format!("until {e}"),
        (None, None) => String::new(),
    };
    TrustDocument {
        slug: r.slug.clone(),
        title: r.title.clone(),
        kind: TrustKind::parse(&r.kind)
            .map(|k| k.label().to_string())
            .unwrap_or_else(|_| r.kind.clone()),
        covers: r.covers.clone(),
        issuer: r.issuer.clone(),
        access,
        period,
        issued_on: r.issued_on.clone(),
        valid_until: r.valid_until.clone().unwrap_or_default(),
        validity: validity(until, today()),
        version: r.version,
        stamped: r.media_type == "application/pdf",
        bridges: r.bridges.clone().unwrap_or_default(),
        open: open || access == AccessLevel::Public,
        withdrawn: r.withdrawn_at.is_some(),
    }
}

pub(crate) fn access_info(a: &AccessRow, titles: &[(i64, String)]) -> TrustAccess {
    let opens = ids(&a.documents);
    TrustAccess {
        id: a.id,
        code: a.code.clone(),
        name: a.name.clone(),
        email: a.email.clone(),
        organisation: a.organisation.clone(),
        documents: titles
            .iter()
            .filter(|(id, _)| opens.contains(id))
            .map(|(_, t)| t.clone())
            .collect(),
        created_at: a.created_at.chars().take(16).collect(),
        expires_at: a.expires_at.chars().take(16).collect(),
    }
}

/// The open access of this browser, if its cookie names one.
async fn viewer(db: &Db) -> Result<Option<AccessRow>, AppError> {
    let Some(token) = cookies::trust_token() else {
        return Ok(None);
    };
    Ok(trust_store::access_by_cookie(db, &token_hash(&token), Utc::now()).await?)
}

/// `/trust`: the documents offered (withdrawn ones left out), the agreement, the viewer's access.
pub async fn page() -> Result<TrustPage, AppError> {
    let db = db()?;
    let access = viewer(&db).await?;
    let opens = access
        .as_ref()
        .map(|a| ids(&a.documents))
        .unwrap_or_default();
    let rows = trust_store::documents(&db).await?;
    let titles: Vec<(i64, String)> = rows.iter().map(|r| (r.id, r.title.clone())).collect();
    let documents = rows
        .iter()
        .filter(|r| r.withdrawn_at.is_none())
        .map(|r| document(r, opens.contains(&r.id)))
        .collect();
    let mut conn = db.pool.acquire().await?;
    let a = agreement(&mut conn).await?;
    let s = settings();
    Ok(TrustPage {
        documents,
        agreement: a.body,
        agreement_version: a.version,
        agreement_sha256: a.sha256,
        access: access.as_ref().map(|a| access_info(a, &titles)),
        access_days: s.access_days,
        retention_days: s.retention_days,
    })
}

/// What this request's client is: its address and browser, as an acceptance records them.
fn origin() -> (String, String) {
    let ua = parts()
        .and_then(|p| {
            p.headers
                .get(axum::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(300).collect())
        })
        .unwrap_or_default();
    (client_address().to_string(), ua)
}

/// A customer asks for documents: one mail with a link, within the caps on mails sent on
/// request (shared with subscriptions). The answer is the same whatever happens to the mail.
pub async fn request(form: RequestForm) -> Result<(), AppError> {
    let db = db()?;
    let now = Utc::now();
    let rows = trust_store::documents(&db).await?;
    let offered: Vec<&DocumentRow> = rows
        .iter()
        .filter(|r| r.withdrawn_at.is_none() && r.access != AccessLevel::Public.code())
        .collect();
    let slugs: Vec<String> = offered.iter().map(|r| r.slug.clone()).collect();
    let mut tx = begin_write(&db).await?;
    let a = stored_agreement(&mut tx).await?;
    let new = form.parse(&slugs, a.version).map_err(AppError::Invalid)?;
    let documents: Vec<i64> = offered
        .iter()
        .filter(|r| new.documents.iter().any(|s| s.as_str() == r.slug))
        .map(|r| r.id)
        .collect();
    let caps = use_context::<MailCaps>().unwrap_or_default();
    let counted = subscriber_links::count_mail(
        &mut tx,
        &counters(&caps, &new.email.mailbox(), new.email.domain(), now),
    )
    .await?;
    if let Err(cap) = counted {
        tx.rollback().await?;
        tracing::warn!(cap = cap.as_str(), "a cap held back a trust document link");
        return Ok(());
    }
    let (address, user_agent) = origin();
    let id = trust_store::insert_request(
        &mut tx,
        &trust_store::NewRequestRow {
            name: &new.name,
            email: new.email.as_str(),
            organisation: &new.organisation,
            documents: &documents,
            agreement_version: a.version,
            address: &address,
            user_agent: &user_agent,
        },
        now,
    )
    .await?;
    outbox::queue(
        &mut tx,
        &[NewDelivery::trust_link(id, new.email.as_str(), "confirm")],
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn gone() -> AppError {
    AppError::Gone(
        "This link was used already or has expired. Request access again from the trust page."
            .into(),
    )
}

/// A mailed link's page (`GET`): who asked for what, changing nothing (mail scanners open
/// every link).
pub async fn link(token: &str) -> Result<TrustLink, AppError> {
    let db = db()?;
    let mut conn = db.pool.acquire().await?;
    let Some(r) = trust_store::by_link(&mut conn, &token_hash(token), Utc::now()).await? else {
        return Ok(TrustLink::Gone);
    };
    let asked = ids(&r.documents);
    let rows = trust_store::documents(&db).await?;
    let a = agreement(&mut conn).await?;
    Ok(TrustLink::Good {
        name: r.name,
        organisation: r.organisation,
        documents: rows
            .iter()
            .filter(|d| asked.contains(&d.id))
            .map(|d| d.title.clone())
            .collect(),
        agreement: a.body,
        approved: r.state == "approved",
    })
}

/// A mailed link's button (`POST`): the link is used up; a first confirmation records the
/// acceptance of the agreement version the request was made under; an access opens to what
/// may be opened now (the rest waits for a manager, who is mailed), and its cookie is set.
pub async fn confirm(token: &str) -> Result<TrustOpened, AppError> {
    let db = db()?;
    let now = Utc::now();
    let hash = token_hash(token);
    let s = settings();
    let (address, user_agent) = origin();
    let mut tx = begin_write(&db).await?;
    let Some(r) = trust_store::by_link(&mut tx, &hash, now).await? else {
        return Err(gone());
    };
    if !trust_store::take_link(&mut tx, r.id, &hash).await? {
        return Err(gone());
    }
    let asked = ids(&r.documents);
    let rows = trust_store::documents(&db).await?;
    let levels: Vec<(i64, AccessLevel)> = rows
        .iter()
        .filter(|d| asked.contains(&d.id) && d.withdrawn_at.is_none())
        .map(|d| {
            (
                d.id,
                AccessLevel::parse(&d.access).unwrap_or(AccessLevel::Approval),
            )
        })
        .collect();
    let email = crate::domain::Email::parse(&r.email).map_err(|e| internal(e.0))?;
    let (open, waiting) = match r.state.as_str() {
        "mailed" => {
            let a = agreement_version(&mut tx, r.agreement_version).await?;
            trust_store::insert_acceptance(&mut tx, &r, &a, &address, &user_agent, now).await?;
            opens_on_confirm(&levels, s.approves(&email))
        }
        "approved" => (levels.iter().map(|(id, _)| *id).collect(), Vec::new()),
        _ => return Err(gone()),
    };
    let next = if waiting.is_empty() {
        "open"
    } else {
        "waiting"
    };
    trust_store::set_state(&mut tx, r.id, &["mailed", "approved"], next, None, now).await?;
    let title = |id: &i64| {
        rows.iter()
            .find(|d| d.id == *id)
            .map(|d| d.title.clone())
            .unwrap_or_default()
    };
    let mut opened = TrustOpened {
        code: String::new(),
        opened: open.iter().map(title).collect(),
        waiting: waiting.iter().map(title).collect(),
        expires_at: String::new(),
    };
    if !open.is_empty() {
        // this browser's open access of the same person keeps what it opened: the new cookie
        // replaces the old one, so the new access lists both
        let mut open = open.clone();
        if let Some(prev) = viewer(&db).await?.filter(|p| p.email == r.email) {
            for id in ids(&prev.documents) {
                if !open.contains(&id) {
                    open.push(id);
                }
            }
        }
        let (cookie, cookie_hash) = new_token();
        let code = access_code(random5());
        let ends = access_ends(now, s.access_days);
        trust_store::insert_access(&mut tx, &r, (&code, &cookie_hash), &open, now, ends).await?;
        cookies::set_trust(&cookie, (ends - now).num_seconds())?;
        opened.code = code;
        opened.expires_at = ends.format("%Y-%m-%d %H:%M UTC").to_string();
    }
    if !waiting.is_empty() {
        let managers = store::users::reminder_recipients(&db).await?;
        let mails: Vec<NewDelivery> = managers
            .iter()
            .map(|(id, to)| NewDelivery::trust_waiting(r.id, *id, to))
            .collect();
        outbox::queue(&mut tx, &mails, now).await?;
    }
    tx.commit().await?;
    Ok(opened)
}

async fn agreement_version(
    conn: &mut AnyConnection,
    version: i64,
) -> Result<AgreementRow, AppError> {
    let a = stored_agreement(conn).await?;
    if a.version == version {
        return Ok(a);
    }
    trust_store::agreement_at(conn, version)
        .await?
        .ok_or_else(|| internal(format!("agreement version {version} is missing")))
}

fn random5() -> [u8; 5] {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut b = [0u8; 5];
    OsRng.fill_bytes(&mut b);
    b
}

/// `GET /trust/documents/{slug}`: a public document to anyone; any other only through this
/// browser's open access that lists it (else 403, or 404 for what is not offered). PDFs are
/// stamped for the access's holder; every download is logged.
pub async fn download(slug: &str) -> Result<Download, AppError> {
    let db = db()?;
    let now = Utc::now();
    let doc = trust_store::document(&db, slug)
        .await?
        .filter(|d| d.withdrawn_at.is_none())
        .ok_or(AppError::NotFound)?;
    let public = doc.access == AccessLevel::Public.code();
    let access = if public {
        None
    } else {
        match viewer(&db).await? {
            Some(a) if ids(&a.documents).contains(&doc.id) => Some(a),
            _ => return Err(AppError::Forbidden),
        }
    };
    let store = documents()?;
    let (address, user_agent) = origin();
    let file_name = doc.file_name.clone();
    let served = match (&access, doc.media_type.as_str()) {
        (Some(a), "application/pdf") => {
            let text = stamp_text(&a.name, &a.organisation, now.date_naive(), &a.code);
            // heavy work: a permit within 4 s, else 503 with Retry-After, as the exports'; the
            // file is read into memory only once the permit is held
            let (slug, sha) = (doc.slug.clone(), doc.sha256.clone());
            let store = store.clone();
            let stamped = heavy(&db, async move {
                let bytes = store
                    .read_all(&sha, MAX_DOCUMENT_BYTES)
                    .await
                    .map_err(store_error)?;
                cpu(move || stamp::stamp(bytes, &text))
                    .await?
                    .map_err(|e| internal(format!("stamping {slug}: {e}")))
            })
            .await?;
            Some(stamped)
        }
        _ => None,
    };
    let (sha256, size_bytes, bytes) = match served {
        Some(b) => {
            let sha = hex::encode(Sha256::digest(&b));
            let size = b.len() as i64;
            let stream: futures::stream::BoxStream<'static, _> =
                Box::pin(futures::stream::once(async move {
                    Ok(axum::body::Bytes::from(b))
                }));
            (sha, size, stream)
        }
        None => (
            doc.sha256.clone(),
            doc.size_bytes,
            store.open(&doc.sha256).await.map_err(store_error)?,
        ),
    };
    trust_store::record_download(
        &db,
        &NewDownload {
            document_id: doc.id,
            version_id: doc.version_id,
            access_id: access.as_ref().map(|a| a.id),
            address: &address,
            user_agent: &user_agent,
            served_sha256: &sha256,
        },
        now,
    )
    .await?;
    Ok(Download {
        file_name,
        media_type: doc.media_type,
        size_bytes,
        sha256,
        bytes,
    })
}

fn store_error(e: DocumentError) -> AppError {
    internal(format!("document store: {e}"))
}

/// Erase (hash) the personal data of requests older than the retention period; how many
/// rows changed. The pruning round calls it.
pub async fn redact(db: &Db, now: DateTime<Utc>, retention_days: u32) -> Result<u64, AppError> {
    let before = now - chrono::Duration::days(i64::from(retention_days));
    if !trust_store::any_to_redact(db, before).await? {
        return Ok(0);
    }
    let mut tx = begin_write(db).await?;
    let n = trust_store::redact(&mut tx, before).await?;
    tx.commit().await?;
    Ok(n)
}
