//! Following a vendor's own published sub-processor list (issue 29), on both databases,
//! against a local HTTP server whose list changes between fetches: a CSV list that differs
//! from the chain becomes one proposal (nothing in the chain changes until a manager accepts
//! it; the same difference read again, from a CSV or the open format, is not proposed
//! again, nor from a workbook); a 304 and the same bytes make none; a JSON list that moves a sub-processor makes
//! another; a malformed list, a slow one and a redirect to another host each fail, visibly,
//! and after three in a row the list is among those the managers' digest names; an HTML page
//! that changes opens a review "the published list changed"; accepting the first proposal
//! goes through the chain's save and is announced.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use super::import::{manager, scalar};
use crate::support::{Backend, TestApp};
use app::documents::Documents;
use axum::{
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
};

const VENDOR: &str = "brightwater-hosting";

/// What the local server answers at `/list`.
#[derive(Clone, Default)]
struct Served {
    body: String,
    /// Bytes served instead of `body` (a workbook).
    body_bytes: Option<Vec<u8>>,
    content_type: String,
    etag: String,
    delay: Duration,
    redirect_to: Option<String>,
}

type Shared = Arc<Mutex<Served>>;

async fn list(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let served = s.lock().map(|s| s.clone()).unwrap_or_default();
    tokio::time::sleep(served.delay).await;
    if let Some(to) = served.redirect_to {
        return (StatusCode::FOUND, [(header::LOCATION, to)]).into_response();
    }
    let asked = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    if asked == Some(served.etag.as_str()) {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let body = served
        .body_bytes
        .unwrap_or_else(|| served.body.into_bytes());
    (
        [
            (header::CONTENT_TYPE, served.content_type),
            (header::ETAG, served.etag),
        ],
        body,
    )
        .into_response()
}

/// Start the list's server; its address's port.
async fn serve(shared: Shared) -> u16 {
    let router = axum::Router::new()
        .route("/list", get(list))
        .with_state(shared);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    port
}

fn set(shared: &Shared, body: &str, content_type: &str, etag: &str) {
    if let Ok(mut s) = shared.lock() {
        *s = Served {
            body: body.into(),
            content_type: content_type.into(),
            etag: etag.into(),
            ..Served::default()
        };
    }
}

/// Make the list due and run one round of the watcher (as the server's own loop does),
/// with a fetch timeout of one second; the newest fetch's outcome and error.
async fn fetch_now(app: &TestApp, docs: &Documents) -> (String, String) {
    let db = app.db().await;
    sqlx::query("UPDATE watched_lists SET next_at = '2000-01-01T00:00:00.000Z'")
        .execute(&db.pool)
        .await
        .expect("due");
    let n = server::watch::round(&db, docs, true, Duration::from_secs(1))
        .await
        .expect("round");
    assert_eq!(n, 1, "one list was due");
    let newest: (String, String) = sqlx::query_as::<sqlx::Any, (String, String)>(
        "SELECT outcome, error FROM watched_fetches ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .expect("a fetch");
    db.pool.close().await;
    newest
}

async fn proposals(app: &TestApp) -> i64 {
    scalar(
        app,
        "SELECT COUNT(*) FROM proposals WHERE kind = 'published_list'",
    )
    .await
}

async fn status(app: &TestApp, cookie: &str) -> serde_json::Value {
    let res = app
        .post_form(
            "/api/manage/watched_list",
            &[("slug", VENDOR)],
            Some(cookie),
        )
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.expect("json")
}

async fn get_with(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{path}", app.base))
        .header("cookie", cookie)
        .send()
        .await
        .expect("request")
}

async fn a_published_list_is_followed(backend: Backend) {
    let (app, cookie) = manager(backend).await;
    // the server's own document store, as its configuration for tests names it
    let cfg = server::config::ServeConfig::for_tests(
        &app.database_url,
        "127.0.0.1:0".parse().expect("addr"),
    );
    let docs = Documents::from_setting(
        &cfg.document_store,
        &app.database_url,
        &cfg.document_store_options,
    )
    .expect("documents");
    let shared: Shared = Arc::default();
    let port = serve(shared.clone()).await;
    let url = format!("http://127.0.0.1:{port}/list");
    // the vendor's chain: Tidewater Relay Ltd (IE)
    let chain = "SELECT sub_processors FROM vendors WHERE slug = 'brightwater-hosting'";
    let db = app.db().await;
    let stored: String = sqlx::query_scalar::<sqlx::Any, String>(chain)
        .fetch_one(&db.pool)
        .await
        .expect("chain");
    db.pool.close().await;
    assert!(stored.contains("Tidewater Relay Ltd"), "{stored}");
    let res = app
        .post_form(
            "/api/manage/save_watched_list",
            &[
                ("w[vendor]", VENDOR),
                ("w[subprocessor_list_url]", &url),
                ("w[every_hours]", "12"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let res = app
        .post_form(
            "/api/manage/save_watched_list",
            &[
                ("w[vendor]", VENDOR),
                ("w[subprocessor_list_url]", "ftp://x"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), 422, "a URL that is no website is refused");

    // a CSV list with one sub-processor more: one proposal, the chain untouched
    let csv = "name,country,purpose\r\nTidewater Relay Ltd,Ireland,Outbound mail relay\r\nGlacier Vault Oy,Finland,Backups\r\n";
    set(&shared, csv, "text/csv", "\"v1\"");
    assert_eq!(fetch_now(&app, &docs).await.0, "changed");
    assert_eq!(proposals(&app).await, 1);
    let db = app.db().await;
    let (summary, effective): (String, Option<String>) =
        sqlx::query_as::<sqlx::Any, (String, Option<String>)>(
            "SELECT payload, effective_on FROM proposals WHERE kind = 'published_list'",
        )
        .fetch_one(&db.pool)
        .await
        .expect("proposal");
    let after: String = sqlx::query_scalar::<sqlx::Any, String>(chain)
        .fetch_one(&db.pool)
        .await
        .expect("chain");
    db.pool.close().await;
    assert!(summary.contains("Glacier Vault Oy"), "{summary}");
    assert!(effective.is_some(), "a wider chain waits its notice");
    assert_eq!(after, stored, "nothing applied without a manager");
    // 304, then the same bytes under a new ETag: nothing new
    assert_eq!(fetch_now(&app, &docs).await.0, "not_modified");
    set(&shared, csv, "text/csv", "\"v2\"");
    assert_eq!(fetch_now(&app, &docs).await.0, "same");
    // the same difference in the open format: read, not proposed again
    let open = r#"{"format":"subprocessors/v1","subprocessors":[
        {"legal_name":"Tidewater Relay Ltd","processing_countries":["IE"],"purpose":"Outbound mail relay"},
        {"legal_name":"Glacier Vault Oy","processing_countries":["FI"],"purpose":"Backups"}]}"#;
    set(&shared, open, "application/json", "\"v3\"");
    assert_eq!(fetch_now(&app, &docs).await.0, "changed");
    assert_eq!(proposals(&app).await, 1, "once per difference");
    // and as a workbook
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in [
        ["Subprocessor", "Location", "Purpose"],
        ["Tidewater Relay Ltd", "IE", "Outbound mail relay"],
        ["Glacier Vault Oy", "Finland", "Backups"],
    ]
    .iter()
    .enumerate()
    {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *v).expect("cell");
        }
    }
    let xlsx = book.save_to_buffer().expect("xlsx");
    if let Ok(mut s) = shared.lock() {
        s.body_bytes = Some(xlsx);
        s.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into();
        s.etag = "\"x1\"".into();
    }
    assert_eq!(fetch_now(&app, &docs).await.0, "changed");
    assert_eq!(
        proposals(&app).await,
        1,
        "once per difference, whatever the format"
    );
    // a JSON list that moves it: another proposal
    set(
        &shared,
        r#"[{"name":"Tidewater Relay Ltd","country":"France"}]"#,
        "application/json",
        "\"v4\"",
    );
    assert_eq!(fetch_now(&app, &docs).await.0, "changed");
    assert_eq!(proposals(&app).await, 2);
    // an entry whose country cannot be placed: the review says why it cannot be accepted
    set(
        &shared,
        r#"[{"name":"Tidewater Relay Ltd","country":"IE"},{"name":"Nowhere Ltd","country":"Atlantis"}]"#,
        "application/json",
        "\"v4b\"",
    );
    assert_eq!(fetch_now(&app, &docs).await.0, "changed");
    let nowhere = scalar(&app, "SELECT MAX(id) FROM proposals")
        .await
        .to_string();
    let review: serde_json::Value = app
        .post_form("/api/manage/proposal", &[("id", &nowhere)], Some(&cookie))
        .await
        .json()
        .await
        .expect("json");
    assert!(
        review["lines_after"][0]
            .as_str()
            .unwrap_or_default()
            .contains("no country for Nowhere Ltd"),
        "{review:#}"
    );

    // failures: shown, counted, and from three in a row named for the digest
    set(&shared, "{not json", "application/json", "\"v5\"");
    let (outcome, error) = fetch_now(&app, &docs).await;
    assert_eq!(outcome, "failed");
    assert!(error.contains("cannot be read"), "{error}");
    if let Ok(mut s) = shared.lock() {
        s.delay = Duration::from_secs(3);
    }
    let (outcome, error) = fetch_now(&app, &docs).await;
    assert_eq!(outcome, "failed");
    assert!(error.contains("no whole answer"), "{error}");
    if let Ok(mut s) = shared.lock() {
        s.delay = Duration::ZERO;
        s.redirect_to = Some(format!("http://localhost:{port}/list"));
    }
    let (outcome, error) = fetch_now(&app, &docs).await;
    assert_eq!(outcome, "failed");
    assert!(error.contains("another host"), "{error}");
    let shown = status(&app, &cookie).await;
    assert_eq!(shown["failures"], 3, "{shown:#}");
    assert!(shown["last_error"]
        .as_str()
        .unwrap_or_default()
        .contains("another host"));
    let db = app.db().await;
    let mut conn = db.pool.acquire().await.expect("conn");
    let failing = app::store::watch::failing(&mut conn, app::service::watch::FAILURES_TOLD)
        .await
        .expect("failing");
    drop(conn);
    db.pool.close().await;
    assert_eq!(failing.len(), 1);
    assert_eq!(failing[0].0, VENDOR);

    // a page: a changed page opens a review; a success ends the failures
    set(
        &shared,
        "<html><p>Tidewater Relay Ltd</p></html>",
        "text/html",
        "\"p1\"",
    );
    assert_eq!(fetch_now(&app, &docs).await.0, "changed");
    assert_eq!(status(&app, &cookie).await["failures"], 0);
    let pages_before = proposals(&app).await;
    set(
        &shared,
        "<html><p>Tidewater Relay Ltd</p><p>Glacier Vault Oy</p></html>",
        "text/html",
        "\"p2\"",
    );
    assert_eq!(fetch_now(&app, &docs).await.0, "changed");
    assert_eq!(proposals(&app).await, pages_before + 1);
    let page_id = scalar(&app, "SELECT MAX(id) FROM proposals")
        .await
        .to_string();
    let review = app
        .post_form("/api/manage/proposal", &[("id", &page_id)], Some(&cookie))
        .await;
    let review: serde_json::Value = review.json().await.expect("json");
    assert_eq!(
        review["proposal"]["summary"], "the published list changed",
        "{review:#}"
    );
    // both versions, kept, for anyone signed in, as attachments
    let versions = review["versions"].as_array().cloned().unwrap_or_default();
    assert_eq!(versions.len(), 2, "{review:#}");
    let now = versions[1][1].as_str().unwrap_or_default().to_string();
    let res = get_with(&app, &now, &cookie).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap_or_default()
        .starts_with("attachment"));
    assert!(res
        .text()
        .await
        .unwrap_or_default()
        .contains("Glacier Vault Oy"));
    let res = app.get_raw(&now).await;
    assert_eq!(res.status(), 401, "not for the public");
    let other = now.replace(VENDOR, "ember-analytics");
    assert_eq!(get_with(&app, &other, &cookie).await.status(), 404);

    // accepting the first proposal saves the chain through its notice rule
    let first = scalar(
        &app,
        "SELECT MIN(id) FROM proposals WHERE kind = 'published_list'",
    )
    .await
    .to_string();
    let res = app
        .post_form(
            "/api/manage/decide_proposal",
            &[
                ("id", &first),
                ("version", "1"),
                ("decision", "approve"),
                ("comment", ""),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let (_, changes) = app.get(&format!("/api/v1/changes?vendor={VENDOR}")).await;
    assert!(
        changes.contains("adds subprocessor Glacier Vault Oy (FI)"),
        "{changes}"
    );
    app.stop().await;
}

on_both_databases!(a_published_list_is_followed);
