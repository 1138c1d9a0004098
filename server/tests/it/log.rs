//! The verifiable log (issue 28), on both databases: the demo history is in the log from the
//! start, a manager's change is appended in its own transaction and a checkpoint is signed
//! over it; a verifier written apart from the server (`scripts/verify-log.py`: Python's
//! hashlib and `cryptography`, from the RFC and C2SP texts) agrees with every leaf, root,
//! signature, inclusion proof and the consistency of the old checkpoint with the new; `server
//! log verify` passes, and fails naming the event once an old event is changed past the
//! database's append-only triggers.

use crate::{
    notices::{add_endpoint, announce, exec, scalar, subscribed, with_sink, PASSWORD},
    sinks::{Receiver, SmtpSink},
    support::{off_thread, spawn_app, Backend, TestApp},
};

/// The newest checkpoint, once the worker has signed one of at least `size` leaves (within
/// 30 s: the whole suite at once on two cores makes the worker's rounds slow).
async fn checkpoint_of(app: &TestApp, size: i64) -> String {
    for _ in 0..300 {
        let (status, note) = app.get("/api/v1/log/checkpoint").await;
        if status == 200 {
            let signed: i64 = note
                .lines()
                .nth(1)
                .and_then(|l| l.parse().ok())
                .expect("a size line");
            if signed >= size {
                return note;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let db = app.db().await;
    let checks = sqlx::query_as::<sqlx::Any, (Option<String>, Option<i64>, String)>(
        "SELECT day, ok, message FROM log_verifications ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap_or_default();
    panic!(
        "no checkpoint of {size} leaves was signed: the newest holds {}, the log {}; checks: {checks:?}",
        scalar(app, "SELECT COALESCE(MAX(size), 0) FROM log_checkpoints").await,
        scalar(app, "SELECT size FROM log_head").await,
    );
}

/// `scripts/verify-log.py` against the app: its exit status and what it said.
async fn python_verifies(app: &TestApp, args: &[&str]) -> (bool, String) {
    let mut cmd = vec![
        format!("{}/../scripts/verify-log.py", env!("CARGO_MANIFEST_DIR")),
        app.base.clone(),
    ];
    cmd.extend(args.iter().map(|a| a.to_string()));
    let out = off_thread(move || std::process::Command::new("python3").args(&cmd).output())
        .await
        .expect("python3 runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// `server log verify` on the app's database: its exit status and what it said.
pub(crate) async fn log_verify(app: &TestApp) -> (bool, String) {
    let url = app.database_url.clone();
    let out = off_thread(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_server"))
            .args(["--database-url", &url, "log", "verify"])
            .env("RUST_LOG", "error")
            .output()
    })
    .await
    .expect("server runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

async fn the_log_is_verified_by_an_independent_verifier(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user("manager@example.test", app::domain::Role::Manager, PASSWORD)
        .await;
    let manager = app.login("manager@example.test", PASSWORD).await;
    // every event already recorded is a leaf, once
    let events = scalar(&app, "SELECT COUNT(*) FROM change_events").await;
    assert!(events > 0, "the demo data has a history");
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM log_leaves").await,
        events
    );
    let first = checkpoint_of(&app, events).await;
    let dir = tempfile::tempdir().expect("dir");
    let old = dir.path().join("old-checkpoint");
    let old = old.to_str().expect("path");
    let (ok, said) =
        python_verifies(&app, &["--save-checkpoint", old, "--max-age-hours", "1"]).await;
    assert!(ok, "{said}");
    assert!(said.contains("timestamped"), "{said}");
    the_log_is_timestamped_daily(&app, &first).await;

    // a manager's change: its leaf is appended with it, and a new head is signed
    let id = announce(&app, &manager).await;
    assert_eq!(
        scalar(
            &app,
            &format!("SELECT COUNT(*) FROM log_leaves WHERE change_event_id = {id}")
        )
        .await,
        1
    );
    let second = checkpoint_of(&app, events + 1).await;
    assert_ne!(first, second);
    let (ok, said) = python_verifies(&app, &["--old-checkpoint", old, "--proofs", "100"]).await;
    assert!(ok, "{said}");
    assert!(said.contains(&format!("{} leaves", events + 1)), "{said}");
    // the event's proof, as a customer holding the notice asks for it
    let res = app.get_raw(&format!("/api/v1/log/events/{id}/proof")).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["cache-control"]
        .to_str()
        .unwrap_or_default()
        .contains("immutable"));
    let proof: serde_json::Value = res.json().await.expect("json");
    assert_eq!(proof["event_id"], id);
    assert!(proof["leaf"]
        .as_str()
        .unwrap_or_default()
        .contains("\"slug\":\"nimbus-relay-gmbh\""));
    // the published key is the test key, and nothing unknown is proven
    let (status, keys) = app.get("/.well-known/subprocessors-log-key").await;
    assert_eq!(status, 200);
    assert_eq!(
        keys.trim(),
        server::config::test_log_key().verifier().encode()
    );
    assert_eq!(app.get("/api/v1/log/events/999999/proof").await.0, 404);
    // no proof from an empty tree or backwards; a range is cut, never refused
    assert_eq!(
        app.get("/api/v1/log/consistency?first=0&second=1").await.0,
        404
    );
    assert_eq!(
        app.get("/api/v1/log/consistency?first=x&second=1").await.0,
        400
    );
    let (status, said) = app.get("/api/v1/log/leaves?start=5&end=2").await;
    assert_eq!((status, said.as_str()), (200, "[]"));
    let (status, said) = app.get("/api/v1/log/leaves?start=0&end=99999999").await;
    assert_eq!(status, 200);
    let cut: Vec<serde_json::Value> = serde_json::from_str(&said).expect("json");
    assert_eq!(cut.len() as i64, (events + 1).min(1000));

    // the whole log verifies; an old event changed past the triggers does not, and is named
    let (ok, said) = log_verify(&app).await;
    assert!(ok, "{said}");
    // a timestamp line that is not the key's own fails the check
    let size = signed_size(&second);
    let forged = server::config::test_log_key()
        .timestamp("someone.else/log\n1\nAAAA\n", 1)
        .replace('\'', "''");
    exec(
        &app,
        &format!(
            "INSERT INTO log_timestamps (size, day, time, line) \
             VALUES ({size}, '2001-01-01', 2, '{forged}')"
        ),
    )
    .await;
    let (ok, said) = log_verify(&app).await;
    assert!(!ok && said.contains("timestamp of 2001-01-01"), "{said}");
    let oldest = scalar(&app, "SELECT MIN(change_event_id) FROM log_leaves").await;
    match backend {
        Backend::Sqlite => {
            exec(&app, "DROP TRIGGER change_events_no_update").await;
        }
        Backend::Postgres => {
            exec(
                &app,
                "ALTER TABLE change_events DISABLE TRIGGER change_events_no_update",
            )
            .await;
        }
    }
    exec(
        &app,
        &format!("UPDATE change_events SET effective_on = '2099-01-01' WHERE id = {oldest}"),
    )
    .await;
    let (ok, said) = log_verify(&app).await;
    assert!(!ok, "{said}");
    assert!(
        said.contains(&format!("change event {oldest}")) && said.contains("was changed"),
        "{said}"
    );
    app.stop().await;
}

/// A checkpoint carries its signing time (a `tlog-cosignature/v1` line by the log's key), and
/// while the log does not grow its newest checkpoint is timestamped again each day, once.
async fn the_log_is_timestamped_daily(app: &TestApp, first: &str) {
    let key = server::config::test_log_key();
    let now = chrono::Utc::now();
    let when = key.verifier().timestamp(first).expect("a good timestamp");
    let when = when.expect("the checkpoint is timestamped") as i64;
    assert!((now.timestamp() - when).abs() < 600, "{when} vs {now}");
    let db = app.db().await;
    // the same day: nothing new; the next day: one more line, served as the newest
    assert!(!app::service::log::stamp(&db, &key, now)
        .await
        .expect("stamp"));
    let tomorrow = now + chrono::Duration::days(1);
    assert!(app::service::log::stamp(&db, &key, tomorrow)
        .await
        .expect("stamp"));
    assert!(
        !app::service::log::stamp(&db, &key, tomorrow + chrono::Duration::minutes(1))
            .await
            .expect("stamp")
    );
    let (status, note) = app.get("/api/v1/log/checkpoint").await;
    assert_eq!(status, 200);
    assert_eq!(
        key.verifier().timestamp(&note),
        Ok(Some(tomorrow.timestamp() as u64))
    );
    assert_eq!(key.verifier().open(&note), key.verifier().open(first));
    assert_eq!(note.matches('\u{2014}').count(), 2, "{note}");
    let (ok, said) = python_verifies(app, &[]).await;
    assert!(ok && said.contains("timestamped"), "{said}");
    let (ok, said) = log_verify(app).await;
    assert!(ok && said.contains("2 timestamps"), "{said}");
}

#[tokio::test]
async fn sqlite_the_log_is_verified_by_an_independent_verifier() {
    the_log_is_verified_by_an_independent_verifier(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_the_log_is_verified_by_an_independent_verifier() {
    the_log_is_verified_by_an_independent_verifier(Backend::Postgres).await;
}

/// The signed note `note` opens with the published test key, and says `size` leaves or more.
fn signed_size(note: &str) -> u64 {
    let key = server::config::test_log_key().verifier();
    let text = key
        .open(note)
        .expect("the note is signed by the published key");
    app::domain::tlog::note::Checkpoint::parse(text)
        .expect("a checkpoint")
        .size
}

async fn receipts_ride_in_every_notice_and_past_days_name_their_checkpoint(backend: Backend) {
    let sink = SmtpSink::start();
    let hooks = Receiver::start().await;
    let app = with_sink(backend, &sink).await;
    let manager = app.login("manager@example.test", PASSWORD).await;
    let token = subscribed(&app, &sink, "alice@customer.example", &[]).await;
    add_endpoint(&app, &token, &format!("{}/ok", hooks.base)).await;
    let id = announce(&app, &manager).await;
    let proof: serde_json::Value = {
        let events = scalar(&app, "SELECT COUNT(*) FROM change_events").await;
        checkpoint_of(&app, events).await;
        let res = app.get_raw(&format!("/api/v1/log/events/{id}/proof")).await;
        assert_eq!(res.status(), 200);
        res.json().await.expect("json")
    };
    let leaf_hash = proof["leaf_hash"]
        .as_str()
        .expect("a leaf hash")
        .to_string();
    let proof_url = format!("/api/v1/log/events/{id}/proof");

    // the mail: the leaf, the proof's address, and the signed checkpoint verbatim
    let mails = sink.wait_for("alice@customer.example", 2, 15).await;
    let notice = mails.last().expect("the notice");
    assert!(
        notice.text.contains(&format!("leaf hash {leaf_hash}")) && notice.text.contains(&proof_url),
        "{}",
        notice.text
    );
    let text = notice.text.replace("\r\n", "\n");
    let at = text
        .find("registry.test/subprocessors\n")
        .expect("the note");
    let note: String = {
        let rest = &text[at..];
        let end = rest.find("\n\u{2014} ").expect("a signature line");
        let sig_end = rest[end + 1..]
            .find('\n')
            .map_or(rest.len(), |i| end + 1 + i + 1);
        rest[..sig_end].to_string()
    };
    assert!(signed_size(&note) > proof["leaf_index"].as_u64().expect("index"));

    // the webhook: the same leaf, and a checkpoint that holds it
    let calls = hooks.wait_for("/ok", 1, 15).await;
    let body: serde_json::Value = serde_json::from_str(&calls[0].body).expect("json");
    let receipt = &body["data"]["receipt"];
    assert_eq!(receipt["leaf_hash"], leaf_hash.as_str());
    assert!(receipt["proof"]
        .as_str()
        .unwrap_or_default()
        .ends_with(&proof_url));
    assert!(
        signed_size(receipt["checkpoint"].as_str().expect("a checkpoint"))
            > receipt["leaf_index"].as_u64().expect("index")
    );

    // the receipt checks out with the verifier written apart from the server; a forged one not
    let (ok, said) = python_verifies(&app, &["--receipt", &format!("{id}:{leaf_hash}")]).await;
    assert!(ok && said.contains("receipt OK"), "{said}");
    let forged = format!("{id}:{}", "A".repeat(43) + "=");
    let (ok, said) = python_verifies(&app, &["--receipt", &forged]).await;
    assert!(!ok && said.contains("receipt's hash"), "{said}");

    // the JSON history and the feed
    let (_, json) = app.get("/api/v1/changes").await;
    let list: serde_json::Value = serde_json::from_str(&json).expect("json");
    let change = list["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["id"] == id)
        .expect("the change is listed");
    assert_eq!(change["receipt"]["leaf_hash"], leaf_hash.as_str());
    let (_, feed) = app.get("/changes.atom").await;
    assert!(feed.contains(&proof_url), "{feed}");
    assert!(feed.contains(&format!("leaf hash {leaf_hash}")));

    // a past day names the first checkpoint holding every change announced by then
    let yesterday = (chrono::Utc::now().date_naive() - chrono::Duration::days(1)).to_string();
    let (status, json) = app
        .get(&format!("/api/v1/subprocessors?as_of={yesterday}"))
        .await;
    assert_eq!(status, 200);
    let past: serde_json::Value = serde_json::from_str(&json).expect("json");
    let size = past["checkpoint"]["size"].as_u64().expect("a checkpoint");
    let note = past["checkpoint"]["note"]
        .as_str()
        .expect("its note")
        .to_string();
    assert_eq!(signed_size(&note), size);
    let announced_by_then = scalar(
        &app,
        &format!("SELECT COUNT(*) FROM change_events WHERE announced_on <= '{yesterday}'"),
    )
    .await;
    assert!(size >= announced_by_then as u64 && announced_by_then > 0);
    let (status, same) = app
        .get(&format!("/api/v1/log/checkpoint?size={size}"))
        .await;
    assert_eq!((status, same.as_str()), (200, note.as_str()));
    for file in ["csv", "xlsx"] {
        let res = app
            .get_raw(&format!("/subprocessors.{file}?as_of={yesterday}"))
            .await;
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.headers()["log-checkpoint-size"],
            size.to_string().as_str()
        );
        let sent = base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            res.headers()["log-checkpoint"].as_bytes(),
        )
        .expect("base64");
        assert_eq!(String::from_utf8_lossy(&sent), note);
    }
    let (_, page) = app.get(&format!("/?as_of={yesterday}")).await;
    assert!(
        page.contains(&format!("signed log&#x27;s checkpoint of {size} entries"))
            || page.contains(&format!("signed log's checkpoint of {size} entries")),
        "the page names the checkpoint"
    );
    // today's files carry none (the list is not under a checkpoint yet)
    let res = app.get_raw("/subprocessors.csv").await;
    assert!(res.headers().get("log-checkpoint").is_none());
    app.stop().await;
    sink.stop();
}

#[tokio::test]
async fn sqlite_receipts_ride_in_every_notice_and_past_days_name_their_checkpoint() {
    receipts_ride_in_every_notice_and_past_days_name_their_checkpoint(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_receipts_ride_in_every_notice_and_past_days_name_their_checkpoint() {
    receipts_ride_in_every_notice_and_past_days_name_their_checkpoint(Backend::Postgres).await;
}

/// Delete an old event past the database's guards (its triggers and foreign keys).
async fn delete_past_the_guards(app: &TestApp, backend: Backend, id: i64) {
    let db = app.db().await;
    let sql = match backend {
        Backend::Sqlite => format!(
            "PRAGMA foreign_keys = OFF; DROP TRIGGER IF EXISTS change_events_no_delete; \
             DELETE FROM change_events WHERE id = {id};"
        ),
        Backend::Postgres => format!(
            "SET session_replication_role = replica; DELETE FROM change_events WHERE id = {id}; \
             SET session_replication_role = origin;"
        ),
    };
    let mut conn = db.pool.acquire().await.expect("a connection");
    sqlx::raw_sql(&sql).execute(&mut *conn).await.expect(&sql);
    drop(conn);
    db.pool.close().await;
}

async fn a_deleted_event_fails_the_check_and_stops_the_signing(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user("manager@example.test", app::domain::Role::Manager, PASSWORD)
        .await;
    let manager = app.login("manager@example.test", PASSWORD).await;
    let events = scalar(&app, "SELECT COUNT(*) FROM change_events").await;
    checkpoint_of(&app, events).await;
    // the instances' daily round: one check a day, whichever instance gets there first
    let db = app.db().await;
    // (the next day: today's was claimed by the instance's own round as it started)
    let tomorrow = chrono::Utc::now().date_naive() + chrono::Duration::days(1);
    server::prune::check_log(&db, tomorrow).await;
    server::prune::check_log(&db, tomorrow).await;
    let day = format!("day = '{tomorrow}'");
    assert_eq!(
        scalar(
            &app,
            &format!("SELECT COUNT(*) FROM log_verifications WHERE {day}")
        )
        .await,
        1,
        "one check a day"
    );
    assert_eq!(
        scalar(
            &app,
            &format!("SELECT ok FROM log_verifications WHERE {day}")
        )
        .await,
        1
    );
    let (_, home) = app.get_with("/manage", &manager).await;
    assert!(
        home.contains("The signed log of changes verified on"),
        "{home}"
    );

    let second = scalar(
        &app,
        "SELECT MIN(change_event_id) FROM log_leaves WHERE idx = 1",
    )
    .await;
    delete_past_the_guards(&app, backend, second).await;
    let (ok, said) = log_verify(&app).await;
    assert!(!ok, "{said}");
    assert!(
        said.contains(&format!("change event {second}, which is gone")),
        "{said}"
    );
    // the failure is shown, and no checkpoint is signed over the broken log
    let (_, home) = app.get_with("/manage", &manager).await;
    assert!(home.contains("failed its check"), "{home}");
    let signed = scalar(&app, "SELECT MAX(size) FROM log_checkpoints").await;
    announce(&app, &manager).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(
        scalar(&app, "SELECT MAX(size) FROM log_checkpoints").await,
        signed
    );
    assert_eq!(
        app.get("/api/v1/log/checkpoint").await.0,
        200,
        "the old one stays"
    );
    db.pool.close().await;
    app.stop().await;
}

#[tokio::test]
async fn sqlite_a_deleted_event_fails_the_check_and_stops_the_signing() {
    a_deleted_event_fails_the_check_and_stops_the_signing(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_a_deleted_event_fails_the_check_and_stops_the_signing() {
    a_deleted_event_fails_the_check_and_stops_the_signing(Backend::Postgres).await;
}

/// Two instances on one database, ten saves at once through both: one log (leaves 0..n, no
/// gap or repeat), checked whole by `server log verify`. (The cluster test does the same with
/// three processes behind HAProxy on PostgreSQL.)
async fn two_instances_editing_at_once_make_one_log(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user("manager@example.test", app::domain::Role::Manager, PASSWORD)
        .await;
    let cookie = app.login("manager@example.test", PASSWORD).await;
    let (other, other_task) = app.another_instance(|_| {}).await;
    let db = app.db().await;
    let vendors = sqlx::query_as::<sqlx::Any, (String, i64, String)>(
        "SELECT slug, version, legal_name FROM vendors WHERE removed_on IS NULL ORDER BY id LIMIT 10",
    )
    .fetch_all(&db.pool)
    .await
    .expect("vendors");
    let before = scalar(&app, "SELECT COUNT(*) FROM change_events").await;
    let mut saves = Vec::new();
    for (n, (slug, version, name)) in vendors.iter().enumerate() {
        let mut form = app.vendor_form(slug, *version, name).await;
        for (k, v) in &mut form {
            if k == "vendor[purpose]" {
                *v = format!("Processes data for the concurrent edit {n}.");
            }
        }
        let base = if n % 2 == 0 {
            app.base.clone()
        } else {
            other.clone()
        };
        let body = serde_urlencoded::to_string(&form).expect("form");
        let req = app
            .client
            .post(format!("{base}/api/manage/save_vendor"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", cookie.clone())
            .body(body);
        saves.push(async move {
            let res = req.send().await.expect("save");
            (res.status().as_u16(), res.text().await.unwrap_or_default())
        });
    }
    for (status, body) in futures::future::join_all(saves).await {
        assert_eq!(status, 200, "{body}");
    }
    let events = scalar(&app, "SELECT COUNT(*) FROM change_events").await;
    assert_eq!(events, before + 10);
    assert_eq!(
        scalar(&app, "SELECT COUNT(DISTINCT idx) FROM log_leaves").await,
        events
    );
    assert_eq!(
        scalar(&app, "SELECT MAX(idx) FROM log_leaves").await,
        events - 1
    );
    assert_eq!(scalar(&app, "SELECT size FROM log_head").await, events);
    checkpoint_of(&app, events).await;
    let (ok, said) = log_verify(&app).await;
    assert!(ok, "{said}");
    db.pool.close().await;
    other_task.abort();
    app.stop().await;
}

#[tokio::test]
async fn sqlite_two_instances_editing_at_once_make_one_log() {
    two_instances_editing_at_once_make_one_log(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_two_instances_editing_at_once_make_one_log() {
    two_instances_editing_at_once_make_one_log(Backend::Postgres).await;
}
