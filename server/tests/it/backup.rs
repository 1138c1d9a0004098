//! Backups and the secrets in them: a restore is refused while any server (in this process or
//! a real `server serve`) holds the database, keeps the file it replaces, and every copy is
//! private (`0600`); TOTP and webhook signing secrets are sealed with `SECRETS_KEY`, so a
//! backup's bytes hold neither, sign-in codes and webhook signatures still verify, the key
//! rotates, and a server without the key (or with another) refuses to start.

use std::{
    io::{BufRead, BufReader},
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
};

use app::{domain::Role, store::secrets::Keyring, store::Db};
use server::{Application, ServeConfig};
use sqlx::Any;

use crate::{
    notices::{add_endpoint, announce, subscribed, verify, widen},
    sinks::{Receiver, SmtpSink},
    support::{challenge_cookie, cli, session_cookie, spawn_app_with, totp_now, Backend, TestApp},
};

const PASSWORD: &str = "correct horse battery staple";
const ADMIN: &str = "admin@example.test";
const MANAGER: &str = "manager@example.test";
/// Test keys: hex, base64, and one that sealed nothing.
const K1: &str = "8f4c2a9e1b7d3f6a0c5e9b2d4f8a1c3e7b9d0f2a4c6e8b1d3f5a7c9e0b2d4f6a";
const K2: &str = "cmVnaXN0cnktdGVzdC1rZXktbnVtYmVyLXR3by0zMmI=";
const K3: &str = "0000000000000000000000000000000000000000000000000000000000000001";

on_both_databases!(secrets_are_sealed_rotated_and_required);

fn server() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_server"));
    c.env("RUST_LOG", "off")
        .env_remove("SECRETS_KEY")
        .env_remove("SECRETS_KEY_PREVIOUS");
    c
}

/// Run the `server` binary on `url` with `env`.
fn run(url: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    server()
        .args(["--database-url", url])
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("server runs")
}

/// [`run`] off the test's runtime thread, for a command beside this test's own server (which
/// runs on that thread: a command waiting for a lock the server holds must not stop it).
async fn run_beside(url: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let url = url.to_string();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        run(&url, &args, &env)
    })
    .await
    .expect("the command's thread finishes")
}

fn keys(current: Option<&str>) -> Keyring {
    Keyring::new(current, None).expect("a good key")
}

fn key_id(key: &str) -> String {
    keys(Some(key)).current_id().expect("id").to_string()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("exists")
        .permissions()
        .mode()
        & 0o777
}

fn holds(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The admin's TOTP secret and the webhook secret as stored.
async fn stored(app: &TestApp) -> (String, String) {
    let db = app.db().await;
    let totp = sqlx::query_scalar::<Any, String>(
        "SELECT totp_secret FROM users WHERE email = 'admin@example.test'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("totp secret");
    let hook = sqlx::query_scalar::<Any, String>("SELECT secret FROM webhook_endpoints")
        .fetch_one(&db.pool)
        .await
        .expect("webhook secret");
    db.pool.close().await;
    (totp, hook)
}

/// The admin signs in with a code of its authenticator (the replay guard is set back: the
/// codes of this test fall in one 30-second step).
async fn signs_in_with_code(app: &TestApp, secret: &str) {
    let db = app.db().await;
    sqlx::query("UPDATE users SET totp_last_step = NULL WHERE email = 'admin@example.test'")
        .execute(&db.pool)
        .await
        .expect("reset");
    db.pool.close().await;
    let res = app
        .post_form(
            "/api/login",
            &[("email", ADMIN), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(res.headers()["location"], "/login/verify");
    let challenge = challenge_cookie(&res).expect("challenge");
    let res = app
        .post_form(
            "/api/login/verify",
            &[("code", &totp_now(secret))],
            Some(&challenge),
        )
        .await;
    assert_eq!(
        res.status(),
        200,
        "the code of the sealed secret is accepted"
    );
    assert!(session_cookie(&res).is_some());
}

async fn secrets_are_sealed_rotated_and_required(backend: Backend) {
    let sink = SmtpSink::start();
    let hooks = Receiver::start().await;
    let smtp = sink.url();
    let with = |key: Option<&'static str>| {
        let smtp = smtp.clone();
        move |c: &mut ServeConfig| {
            c.notices.smtp_url = smtp;
            c.secrets = keys(key);
        }
    };
    // a registry that ran without a key: its secrets are stored as they are
    let app = spawn_app_with(backend, with(None)).await;
    app.create_user(ADMIN, Role::Admin, PASSWORD).await;
    app.create_user(MANAGER, Role::Manager, PASSWORD).await;
    app.login(ADMIN, PASSWORD).await;
    let totp = app.second_steps.lock().expect("lock")[ADMIN].0.clone();
    let token = subscribed(&app, &sink, "ops@customer.example", &[]).await;
    let hook = add_endpoint(&app, &token, &format!("{}/ok", hooks.base)).await;
    assert_eq!(stored(&app).await, (totp.clone(), hook.clone()));
    let out = run_beside(&app.database_url, &["secrets", "status"], &[]).await;
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 stored secrets, 0 sealed"));
    let out = run_beside(&app.database_url, &["secrets", "encrypt"], &[]).await;
    assert!(!out.status.success(), "encrypt needs a key");
    assert!(String::from_utf8_lossy(&out.stderr).contains("SECRETS_KEY"));

    // started with a key: what is stored is sealed at start, and still works
    let app = app.restart_with(with(Some(K1))).await;
    let (sealed_totp, sealed_hook) = stored(&app).await;
    let v1 = format!("v1:{}:", key_id(K1));
    assert!(sealed_totp.starts_with(&v1) && sealed_hook.starts_with(&v1));
    assert!(!sealed_totp.contains(&totp) && !sealed_hook.contains(&hook));
    signs_in_with_code(&app, &totp).await;
    let manager = app.login(MANAGER, PASSWORD).await;
    announce(&app, &manager).await;
    let calls = hooks.wait_for("/ok", 1, 15).await;
    verify(&hook, &calls[0]);

    // a backup (SQLite's own; PostgreSQL's is pg_dump of the same sealed columns) holds
    // neither secret in any form, and is readable by its owner only
    if let Backend::Sqlite = backend {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("backup.db");
        let out = run_beside(&app.database_url, &["backup", &file.to_string_lossy()], &[]).await;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(mode(&file), 0o600);
        let bytes = std::fs::read(&file).expect("read");
        assert!(holds(&bytes, sealed_hook.as_bytes()), "the right file");
        let raw_totp = totp_rs::Secret::try_from_base32(&totp)
            .expect("base32")
            .as_bytes()
            .to_vec();
        let hook_b64 = hook.strip_prefix("whsec_").expect("whsec_");
        use base64::Engine;
        let raw_hook = base64::engine::general_purpose::STANDARD
            .decode(hook_b64)
            .expect("base64");
        for (what, needle) in [
            ("TOTP secret (base32)", totp.as_bytes()),
            ("TOTP secret (bytes)", &raw_totp[..]),
            ("webhook secret", hook.as_bytes()),
            ("webhook secret (base64)", hook_b64.as_bytes()),
            ("webhook secret (bytes)", &raw_hook[..]),
        ] {
            assert!(!holds(&bytes, needle), "the backup holds the {what}");
        }
    }

    // without the key, or with another, a server refuses to start
    let url = app.database_url.clone();
    for (key, says) in [
        (None, "SECRETS_KEY is not set"),
        (Some(K3), "SECRETS_KEY cannot open the stored secrets"),
    ] {
        let mut config = ServeConfig::for_tests(&url, "127.0.0.1:0".parse().expect("addr"));
        config.secrets = keys(key);
        match Application::build(config).await {
            Ok(_) => panic!("a server started with {key:?}"),
            Err(e) => assert!(e.to_string().contains(says), "{e}"),
        }
    }
    if let Backend::Sqlite = backend {
        // the real binary: one line, a non-zero exit
        let out = run_beside(&url, &["--addr", "127.0.0.1:0", "serve"], &[]).await;
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("SECRETS_KEY is not set"));
    }

    // rotation: refused without the old key, then every secret sealed with the new one
    let out = run_beside(&url, &["secrets", "rotate"], &[("SECRETS_KEY", K2)]).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("SECRETS_KEY_PREVIOUS"));
    let out = run_beside(
        &url,
        &["secrets", "rotate"],
        &[("SECRETS_KEY", K2), ("SECRETS_KEY_PREVIOUS", K3)],
    )
    .await;
    assert!(!out.status.success(), "a wrong old key changes nothing");
    assert_eq!(
        stored(&app).await,
        (sealed_totp.clone(), sealed_hook.clone())
    );
    let out = run_beside(
        &url,
        &["secrets", "rotate"],
        &[("SECRETS_KEY", K2), ("SECRETS_KEY_PREVIOUS", K1)],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (t2, h2) = stored(&app).await;
    let v2 = format!("v1:{}:", key_id(K2));
    assert!(t2.starts_with(&v2) && h2.starts_with(&v2), "{t2} {h2}");
    // nothing left to seal; the old key alone opens nothing any more
    let out = run_beside(&url, &["secrets", "encrypt"], &[("SECRETS_KEY", K2)]).await;
    assert!(String::from_utf8_lossy(&out.stdout).contains("Sealed 0 stored secrets"));
    let out = run_beside(&url, &["secrets", "encrypt"], &[("SECRETS_KEY", K1)]).await;
    assert!(!out.status.success());
    let app = app.restart_with(with(Some(K2))).await;
    signs_in_with_code(&app, &totp).await;
    widen(&app, &manager).await;
    let calls = hooks.wait_for("/ok", 2, 15).await;
    verify(&hook, &calls[1]);
    app.stop().await;
    sink.stop();
}

/// Start `server serve` on `url`; returns once it listens.
fn serve(url: &str) -> std::process::Child {
    let mut child = server()
        .args(["--database-url", url, "--addr", "127.0.0.1:0", "serve"])
        .env("INSECURE_COOKIES", "true")
        .env("OUTBOX_WORKER", "false")
        .env("LEPTOS_SITE_ROOT", "target/site")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("server starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the listening line");
    assert!(
        line.starts_with("Subprocessor Registry listening on"),
        "{line}"
    );
    child
}

async fn accounts(url: &str, email: &str) -> i64 {
    let db = Db::connect(url).await.expect("opens");
    let n = sqlx::query_scalar::<Any, i64>("SELECT COUNT(*) FROM users WHERE email = $1")
        .bind(email.to_string())
        .fetch_one(&db.pool)
        .await
        .expect("count");
    db.pool.close().await;
    n
}

fn pre_restore_copies(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.starts_with("registry.db.pre-restore-") && !name.ends_with("-wal")
        })
        .collect()
}

#[tokio::test]
async fn a_restore_waits_for_every_server_and_keeps_what_it_replaced() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("registry.db").display());
    cli(&url, &["seed-demo"], None).await;
    // a stored document, as the document store keeps it (a file named by its hash, beside
    // the database by default)
    let stored = dir.path().join("registry.db-documents/sha256/ab/abcdef");
    std::fs::create_dir_all(stored.parent().expect("folder")).expect("store");
    std::fs::write(&stored, b"%PDF-1.4 evidence").expect("document");
    let copy = dir.path().join("copy.db");
    let copy_s = copy.to_string_lossy().to_string();
    let out = run(&url, &["backup", &copy_s], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(mode(&copy), 0o600, "a backup is private");
    // the documents come along, private too
    let kept_doc = dir.path().join("copy.db-documents/sha256/ab/abcdef");
    assert_eq!(
        std::fs::read(&kept_doc).expect("copied"),
        b"%PDF-1.4 evidence"
    );
    assert_eq!(mode(&kept_doc), 0o600);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Documents: 1 copied"));
    // lost from the store: the restore puts it back
    std::fs::remove_file(&stored).expect("lose it");
    // written after the copy: only the replaced database has it
    let late = "late@example.test";
    cli(
        &url,
        &["user", "create", "--email", late, "--role", "manager"],
        Some(PASSWORD),
    )
    .await;

    // a server of this process holds the database
    let app = Application::build(ServeConfig::for_tests(
        &url,
        "127.0.0.1:0".parse().expect("addr"),
    ))
    .await
    .expect("starts");
    let running = tokio::spawn(app.run());
    let refused = run(&url, &["restore", "--force", &copy_s], &[]);
    assert!(!refused.status.success(), "refused while a server runs");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("stop every instance"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    running.abort();
    let _ = running.await;

    // and so does a real `server serve`, until it is gone
    let mut child = serve(&url);
    let refused = run(&url, &["restore", "--force", &copy_s], &[]);
    assert!(
        !refused.status.success(),
        "refused while `server serve` runs"
    );
    assert_eq!(accounts(&url, late).await, 1, "nothing was replaced");
    assert!(pre_restore_copies(dir.path()).is_empty());
    let _ = child.kill();
    let _ = child.wait();

    let out = run(&url, &["restore", "--force", &copy_s], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(".pre-restore-"));
    assert_eq!(
        std::fs::read(&stored).expect("put back"),
        b"%PDF-1.4 evidence"
    );
    assert_eq!(accounts(&url, late).await, 0, "the copy is in place");
    assert_eq!(mode(&dir.path().join("registry.db")), 0o600);
    let kept = pre_restore_copies(dir.path());
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(mode(&kept[0]), 0o600);
    let kept_url = format!("sqlite://{}", kept[0].display());
    assert_eq!(
        accounts(&kept_url, late).await,
        1,
        "the replaced data is kept"
    );

    // the restore has let go of the lock: a server starts again
    let mut child = serve(&url);
    let _ = child.kill();
    let _ = child.wait();
}

/// A backup from before changes that were signed into the log would roll the log back below a
/// checkpoint customers may hold (a fork): `restore` refuses it, says why, and restores it
/// only with `--force-log-rollback`.
#[tokio::test]
async fn a_restore_never_rolls_the_log_back_below_a_signed_checkpoint_unless_told() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("registry.db").display());
    cli(&url, &["migrate"], None).await;
    let copy = dir.path().join("empty.db");
    let copy_s = copy.to_string_lossy().to_string();
    let out = run(&url, &["backup", &copy_s], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // the demo history enters the log, and a checkpoint of it is signed
    cli(&url, &["seed-demo"], None).await;
    let key = server::config::test_log_key().encode();
    let out = run(&url, &["log", "sign"], &[("LOG_SIGNING_KEY", &key)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Signed a checkpoint"));

    let refused = run(&url, &["restore", "--force", &copy_s], &[]);
    assert!(!refused.status.success(), "a rollback is refused");
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("signed checkpoint")
            && said.contains("fork")
            && said.contains("--force-log-rollback"),
        "{said}"
    );
    assert!(
        pre_restore_copies(dir.path()).is_empty(),
        "nothing was replaced"
    );
    let db = Db::connect(&url).await.expect("opens");
    let leaves = sqlx::query_scalar::<Any, i64>("SELECT COUNT(*) FROM log_leaves")
        .fetch_one(&db.pool)
        .await
        .expect("count");
    db.pool.close().await;
    assert!(leaves > 0, "the log is as it was");

    let out = run(
        &url,
        &["restore", "--force", "--force-log-rollback", &copy_s],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        pre_restore_copies(dir.path()).len(),
        1,
        "the replaced log is kept"
    );
}
