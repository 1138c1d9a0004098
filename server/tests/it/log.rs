//! The verifiable log (issue 28), on both databases: the demo history is in the log from the
//! start, a manager's change is appended in its own transaction and a checkpoint is signed
//! over it; a verifier written apart from the server (`scripts/verify-log.py`: Python's
//! hashlib and `cryptography`, from the RFC and C2SP texts) agrees with every leaf, root,
//! signature, inclusion proof and the consistency of the old checkpoint with the new; `server
//! log verify` passes, and fails naming the event once an old event is changed past the
//! database's append-only triggers.

use crate::{
    notices::{announce, exec, scalar, PASSWORD},
    support::{off_thread, spawn_app, Backend, TestApp},
};

/// The newest checkpoint, once the worker has signed one of at least `size` leaves.
async fn checkpoint_of(app: &TestApp, size: i64) -> String {
    for _ in 0..100 {
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
    panic!("no checkpoint of {size} leaves was signed");
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
    let (ok, said) = python_verifies(&app, &["--save-checkpoint", old]).await;
    assert!(ok, "{said}");

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
    assert_eq!(
        app.get("/api/v1/log/consistency?first=0&second=1").await.0,
        400
    );
    let (status, said) = app.get("/api/v1/log/leaves?start=5&end=2").await;
    assert_eq!(status, 400);
    assert!(said.contains("end must be after start"), "{said}");

    // the whole log verifies; an old event changed past the triggers does not, and is named
    let (ok, said) = log_verify(&app).await;
    assert!(ok, "{said}");
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

#[tokio::test]
async fn sqlite_the_log_is_verified_by_an_independent_verifier() {
    the_log_is_verified_by_an_independent_verifier(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_the_log_is_verified_by_an_independent_verifier() {
    the_log_is_verified_by_an_independent_verifier(Backend::Postgres).await;
}
