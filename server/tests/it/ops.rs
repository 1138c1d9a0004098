//! What an operator relies on: `/readyz`, `/metrics` behind its token, the instance header,
//! JSON logs, and a backup taken under write load that restores whole.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use app::{domain::Role, store::Db};
use sqlx::Any;

use crate::support::{spawn_app, spawn_app_with, Backend, TestApp};

const PASSWORD: &str = "correct horse battery staple";
const TOKEN: &str = "metrics-token-for-the-test-0123456789";

on_both_databases!(readiness_metrics_and_the_instance_header);

fn server() -> Command {
    Command::new(env!("CARGO_BIN_EXE_server"))
}

async fn scalar(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar::<Any, i64>(sql)
        .fetch_one(&db.pool)
        .await
        .expect(sql)
}

async fn readiness_metrics_and_the_instance_header(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        c.ops.metrics_token = Some(TOKEN.into());
        c.ops.expose_instance_id = true;
        c.notices.instance_id = "it-instance-a".into();
    })
    .await;
    let (status, body) = app.get("/readyz").await;
    assert_eq!((status, body.as_str()), (200, "ready\n"));
    let res = app.get_raw("/").await;
    assert_eq!(res.headers()["x-instance-id"], "it-instance-a");
    // a failed sign-in, so the counter has something to count
    let res = app
        .post_form(
            "/api/login",
            &[
                ("email", "nobody@example.test"),
                ("password", "wrong password here"),
            ],
            None,
        )
        .await;
    assert_eq!(res.status(), 401);

    let scrape = |auth: Option<&'static str>| {
        let (client, url) = (app.client.clone(), format!("{}/metrics", app.base));
        async move {
            let mut req = client.get(url);
            if let Some(a) = auth {
                req = req.header("authorization", a);
            }
            req.send().await.expect("scrape")
        }
    };
    let res = scrape(None).await;
    assert_eq!(res.status(), 401);
    assert!(res.headers().contains_key("www-authenticate"));
    assert_eq!(scrape(Some("Bearer not-the-token")).await.status(), 401);
    let bearer: &'static str = Box::leak(format!("Bearer {TOKEN}").into_boxed_str());
    let res = scrape(Some(bearer)).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap_or("")
        .starts_with("text/plain; version=0.0.4"));
    let text = res.text().await.expect("metrics");
    for expected in [
        "registry_http_requests_total{",
        "route=\"/readyz\"",
        "route=\"/api/login\"",
        "registry_http_request_duration_seconds_bucket{",
        "registry_db_pool_connections ",
        "registry_db_pool_idle ",
        "registry_export_slots_in_use ",
        "registry_deliveries{state=\"pending\"}",
        "registry_deliveries{state=\"failed\"}",
        "registry_sign_in_failures_total ",
        "registry_page_cache_misses_total ",
    ] {
        assert!(text.contains(expected), "{expected} in\n{text}");
    }
    // the route label is the pattern, never the raw path
    let _ = app.get("/subprocessors/brightwater-hosting").await;
    let text = scrape(Some(bearer)).await.text().await.expect("metrics");
    assert!(
        text.contains("route=\"/subprocessors/:slug\"")
            || text.contains("route=\"/subprocessors/{slug}\""),
        "{text}"
    );
    assert!(!text.contains("brightwater-hosting"));

    // an instance on an older schema is alive but not ready
    let db = app.db().await;
    assert!(db.migrations_current().await.expect("reads"));
    db.pool.close().await;
    app.stop().await;

    // by default: no metrics, no instance header
    let app = spawn_app(backend).await;
    assert_eq!(app.get("/metrics").await.0, 404);
    assert!(!app
        .get_raw("/")
        .await
        .headers()
        .contains_key("x-instance-id"));
    app.stop().await;
}

#[tokio::test]
async fn an_older_schema_is_not_ready() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    let db = Db::connect(&url).await.expect("connect");
    db.migrate_until(3).await.expect("old schema");
    assert!(!db.migrations_current().await.expect("reads"));
    db.migrate().await.expect("migrate");
    assert!(db.migrations_current().await.expect("reads"));
    db.pool.close().await;
}

#[tokio::test]
async fn json_logs_name_request_route_status_and_instance() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("r.db").display());
    let mut child = server()
        .args(["--database-url", &url, "--addr", "127.0.0.1:0", "serve"])
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "info,sqlx=warn")
        .env("INSTANCE_ID", "json-instance")
        .env("INSECURE_COOKIES", "true")
        .env("OUTBOX_WORKER", "false")
        .env("LEPTOS_SITE_ROOT", "target/site")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("server starts");
    let stdout = child.stdout.take().expect("stdout");
    let (lines, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let base = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the listening line");
        if let Some(addr) = line.strip_prefix("Subprocessor Registry listening on ") {
            break addr.trim().to_string();
        }
        seen.push(line);
    };
    let client = reqwest::Client::new();
    // a good health check is logged at debug only; the page is logged at info
    let res = client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    let res = client
        .get(format!("{base}/api/v1/changes"))
        .header("x-request-id", "it-request-42")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    let request = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("a log line of the request");
        let v: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("a JSON line ({e}): {line}"));
        assert_ne!(
            v["route"], "/healthz",
            "a good health check is not logged at info"
        );
        if v["route"] == "/api/v1/changes" {
            break v;
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(request["request_id"], "it-request-42");
    assert_eq!(request["status"], 200);
    assert_eq!(request["method"], "GET");
    assert_eq!(request["instance"], "json-instance");
    assert_eq!(request["level"], "INFO");
    assert!(request["duration_ms"].is_number(), "{request}");
    assert!(request["time"].as_str().unwrap_or("").ends_with('Z'));
    for line in seen {
        let v: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("a JSON line ({e}): {line}"));
        assert_eq!(v["instance"], "json-instance");
    }
}

fn run(url: &str, args: &[&str]) -> std::process::Output {
    server()
        .args(["--database-url", url])
        .args(args)
        .env("RUST_LOG", "off")
        .output()
        .expect("server runs")
}

/// Add training records as fast as the manager can until told to stop; returns how many.
async fn write_load(app: &TestApp, cookie: &str, stop: &AtomicBool, done: &AtomicUsize) {
    let today = chrono::Utc::now().date_naive().to_string();
    let mut i = 0;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        let email = format!("load{i}@vendor.example");
        let res = app
            .post_form(
                "/api/manage/add_training",
                &[
                    ("t[vendor]", "brightwater-hosting"),
                    ("t[person_name]", "Load Person"),
                    ("t[person_email]", &email),
                    ("t[course]", "Privacy essentials for vendors"),
                    ("t[completed_on]", &today),
                ],
                Some(cookie),
            )
            .await;
        assert_eq!(res.status(), 200, "a save under load");
        done.fetch_add(1, Ordering::Relaxed);
    }
}

#[tokio::test]
async fn a_backup_under_write_load_restores_whole() {
    let app = spawn_app(Backend::Sqlite).await;
    app.create_user("manager@example.test", Role::Manager, PASSWORD)
        .await;
    let cookie = app.login("manager@example.test", PASSWORD).await;
    let dir = tempfile::tempdir().expect("dir");
    let copy = dir.path().join("backup.db");
    let copy_s = copy.to_string_lossy().to_string();
    let (stop, done) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicUsize::new(0)),
    );
    let backup = {
        let (url, copy_s, done) = (app.database_url.clone(), copy_s.clone(), done.clone());
        async move {
            while done.load(Ordering::Relaxed) < 20 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            let out = tokio::task::spawn_blocking(move || run(&url, &["backup", &copy_s]))
                .await
                .expect("joins");
            // some more writes after the copy
            let seen = done.load(Ordering::Relaxed);
            while done.load(Ordering::Relaxed) < seen + 10 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            out
        }
    };
    let (out, ()) = tokio::join!(
        async {
            let out = backup.await;
            stop.store(true, Ordering::Relaxed);
            out
        },
        write_load(&app, &cookie, &stop, &done)
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Backed up"));
    // never over an existing file
    let again = run(&app.database_url, &["backup", &copy_s]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("never overwrites"));

    // restore into a fresh database
    let fresh = format!("sqlite://{}", dir.path().join("restored.db").display());
    let out = run(&fresh, &["restore", &copy_s]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let live = app.db().await;
    let restored = Db::connect(&fresh).await.expect("restored opens");
    let count = "SELECT COUNT(*) FROM training_records";
    let (live_n, restored_n) = (scalar(&live, count).await, scalar(&restored, count).await);
    assert!(
        restored_n >= 20 && restored_n < live_n,
        "a copy from the middle: {restored_n} of {live_n}"
    );
    // the restored audit trail is exactly the live one up to the moment of the copy
    let audit = "SELECT id, actor, action, entity, entity_id, COALESCE(after_json, '') FROM audit_log ORDER BY id";
    type Audit = (i64, String, String, String, String, String);
    let restored_audit: Vec<Audit> = sqlx::query_as::<Any, Audit>(audit)
        .fetch_all(&restored.pool)
        .await
        .expect("audit");
    let live_audit: Vec<Audit> = sqlx::query_as::<Any, Audit>(audit)
        .fetch_all(&live.pool)
        .await
        .expect("audit");
    assert!(!restored_audit.is_empty());
    assert_eq!(restored_audit[..], live_audit[..restored_audit.len()]);
    // every training record restored has its audit row, and no more
    let training_audit =
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'training' AND action = 'create'";
    assert_eq!(
        scalar(&restored, training_audit).await - scalar(&restored, count).await,
        scalar(&live, training_audit).await - live_n,
        "records and their audit rows move together"
    );
    for table in ["vendors", "users", "change_events", "contracts"] {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        assert_eq!(
            scalar(&restored, &sql).await,
            scalar(&live, &sql).await,
            "{table}"
        );
    }
    restored.pool.close().await;
    live.pool.close().await;

    // a database holding data is replaced only with --force
    let refused = run(&fresh, &["restore", &copy_s]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));
    let forced = run(&fresh, &["restore", "--force", &copy_s]);
    assert!(
        forced.status.success(),
        "{}",
        String::from_utf8_lossy(&forced.stderr)
    );
    // what is not a copy of a registry database is refused, and the target stays
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all").expect("write");
    let other = format!("sqlite://{}", dir.path().join("other.db").display());
    let out = run(&other, &["restore", &junk.to_string_lossy()]);
    assert!(!out.status.success());
    let restored = Db::connect(&fresh).await.expect("opens");
    assert_eq!(
        scalar(&restored, count).await,
        restored_n,
        "the forced restore is whole"
    );
    restored.pool.close().await;
    app.stop().await;
}

#[tokio::test]
async fn postgres_backups_are_pg_dumps() {
    let out = run(
        "postgres://postgres@127.0.0.1:5432/postgres",
        &["backup", "/tmp/never-written.db"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
    assert!(!std::path::Path::new("/tmp/never-written.db").exists());
}
