//! The watcher of vendors' published sub-processor lists (issue 29): each round claims the
//! lists that are due (`store::watch::claim_due`, so several instances never fetch one list
//! twice), fetches them one at a time per host (hosts side by side), and hands each answer to
//! `app::service::watch::record`. A fetch keeps the webhooks' address rules (a public address
//! unless private ones are allowed, the name resolved and the connection pinned to the
//! checked addresses, no proxy), sends the list's ETag and Last-Modified back for a
//! conditional request, follows at most 5 redirects on the same host and refuses any other,
//! stops at [`MAX_LIST_BYTES`] and at a timeout from the name's resolution to the last byte.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use app::{
    documents::Documents,
    service::watch::{record, Fetched, MAX_LIST_BYTES},
    store::{watch::WatchRow, Db},
};
use chrono::Utc;
use reqwest::{header, redirect, StatusCode};

use crate::outbox::webhook::{check_url, resolve};

/// How long one fetch may take in all.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// How often an instance looks for lists that are due.
const ROUND_EVERY: Duration = Duration::from_secs(60);

/// Lists claimed per round.
const PER_ROUND: i64 = 50;

/// Fetch what is due every [`ROUND_EVERY`] until `stopped` changes.
pub async fn keep_watching(
    db: Db,
    docs: Documents,
    allow_private: bool,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        match round(&db, &docs, allow_private, TIMEOUT).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(lists = n, "fetched vendors' published lists"),
            Err(e) => tracing::warn!("fetching vendors' published lists: {e}"),
        }
        tokio::select! {
            _ = tokio::time::sleep(ROUND_EVERY) => {}
            _ = stopped.changed() => return,
        }
    }
}

/// One round: every list due now fetched and recorded, one at a time per host. How many.
pub async fn round(
    db: &Db,
    docs: &Documents,
    allow_private: bool,
    timeout: Duration,
) -> Result<usize, String> {
    let due = app::store::watch::claim_due(db, Utc::now(), PER_ROUND)
        .await
        .map_err(|e| e.to_string())?;
    let n = due.len();
    let mut hosts: BTreeMap<String, Vec<WatchRow>> = BTreeMap::new();
    for w in due {
        let host = reqwest::Url::parse(&w.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
            .unwrap_or_default();
        hosts.entry(host).or_default().push(w);
    }
    let lanes = hosts.into_values().map(|lists| async move {
        for w in lists {
            let fetched = fetch(&w, allow_private, timeout).await;
            if let Err(e) = record(db, docs, &w, fetched, Utc::now()).await {
                tracing::warn!(vendor = %w.vendor_slug, "recording a published list's fetch: {e}");
            }
        }
    });
    futures::future::join_all(lanes).await;
    Ok(n)
}

/// Fetch the list `w` within `timeout`.
pub async fn fetch(w: &WatchRow, allow_private: bool, timeout: Duration) -> Fetched {
    match tokio::time::timeout(timeout, fetch_within(w, allow_private)).await {
        Ok(f) => f,
        Err(_) => Fetched::Failed(format!(
            "no whole answer in {} s (name resolution included)",
            timeout.as_secs()
        )),
    }
}

async fn fetch_within(w: &WatchRow, allow_private: bool) -> Fetched {
    let url = match check_url(&w.url, allow_private) {
        Ok(u) => u,
        Err(e) => return Fetched::Failed(e),
    };
    let addrs = match resolve(&url, allow_private).await {
        Ok(a) => a,
        Err(e) => return Fetched::Failed(e),
    };
    let host = url.host_str().unwrap_or_default().to_string();
    let refused: Arc<Mutex<Option<String>>> = Arc::default();
    let policy = {
        let (host, refused) = (host.clone(), refused.clone());
        redirect::Policy::custom(move |attempt| {
            let to = attempt.url().host_str().unwrap_or_default().to_string();
            let why = if !to.eq_ignore_ascii_case(&host) {
                Some(format!("redirected to another host ({to}); refused"))
            } else if attempt.previous().len() >= 5 {
                Some("more than 5 redirects".to_string())
            } else {
                None
            };
            match why {
                Some(why) => {
                    if let Ok(mut r) = refused.lock() {
                        *r = Some(why.clone());
                    }
                    attempt.error(why)
                }
                None => attempt.follow(),
            }
        })
    };
    let client = match reqwest::Client::builder()
        .no_proxy()
        .redirect(policy)
        .resolve_to_addrs(&host, &addrs)
        .user_agent(concat!(
            "subprocessor-registry/",
            env!("CARGO_PKG_VERSION"),
            " (published list watcher)"
        ))
        .build()
    {
        Ok(c) => c,
        Err(e) => return Fetched::Failed(format!("cannot make the HTTP client: {e}")),
    };
    let mut req = client.get(url);
    if let Some(etag) = &w.etag {
        req = req.header(header::IF_NONE_MATCH, etag);
    }
    if let Some(modified) = &w.last_modified {
        req = req.header(header::IF_MODIFIED_SINCE, modified);
    }
    let res = match req.send().await {
        Ok(r) => r,
        Err(e) => {
            let said = refused.lock().ok().and_then(|r| r.clone());
            return Fetched::Failed(said.unwrap_or_else(|| format!("no answer: {e}")));
        }
    };
    if res.status() == StatusCode::NOT_MODIFIED {
        return Fetched::NotModified;
    }
    if !res.status().is_success() {
        return Fetched::Failed(format!("the server answered {}", res.status()));
    }
    let text = |name: header::HeaderName| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (content_type, etag, last_modified) = (
        text(header::CONTENT_TYPE).unwrap_or_default(),
        text(header::ETAG),
        text(header::LAST_MODIFIED),
    );
    if res
        .content_length()
        .is_some_and(|n| n > MAX_LIST_BYTES as u64)
    {
        return too_large();
    }
    let mut res = res;
    let mut body = Vec::new();
    loop {
        match res.chunk().await {
            Ok(Some(c)) => {
                if body.len() + c.len() > MAX_LIST_BYTES {
                    return too_large();
                }
                body.extend_from_slice(&c);
            }
            Ok(None) => break,
            Err(e) => return Fetched::Failed(format!("the answer broke off: {e}")),
        }
    }
    Fetched::Body {
        bytes: body.into(),
        content_type,
        etag,
        last_modified,
    }
}

fn too_large() -> Fetched {
    Fetched::Failed(format!(
        "the list is larger than {} MB",
        MAX_LIST_BYTES / (1024 * 1024)
    ))
}
