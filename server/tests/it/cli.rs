//! The `server` binary as an operator meets it: clear one-line errors, non-zero exits.

use std::process::Command;

fn server() -> Command {
    Command::new(env!("CARGO_BIN_EXE_server"))
}

#[test]
fn unopenable_database_gives_one_line_and_fails() {
    let out = server()
        .args([
            "--database-url",
            "sqlite:///no/such/folder/registry.db",
            "migrate",
        ])
        .env("RUST_LOG", "off")
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.starts_with("error: cannot open database sqlite:///no/such/folder/registry.db"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));
}

#[test]
fn unsupported_database_url_is_refused() {
    let out = server()
        .args(["--database-url", "mysql://root@localhost/x", "migrate"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("use sqlite:// or postgres://"));
}

#[test]
fn seed_demo_twice_is_harmless() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("r.db").display());
    let first = server()
        .args(["--database-url", &url, "seed-demo"])
        .output()
        .expect("runs");
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stdout).contains("Added 48 demo vendors"));
    let second = server()
        .args(["--database-url", &url, "seed-demo"])
        .output()
        .expect("runs");
    assert!(second.status.success());
    assert!(String::from_utf8_lossy(&second.stdout).contains("already has vendors"));
}

fn create_user(url: &str, email: &str, role: &str, password: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = server()
        .args([
            "--database-url",
            url,
            "user",
            "create",
            "--email",
            email,
            "--role",
            role,
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    if let Some(mut stdin) = child.stdin.take() {
        let _ = writeln!(stdin, "{password}");
    }
    child.wait_with_output().expect("finishes")
}

#[test]
fn user_create_hashes_with_argon2id_and_refuses_bad_input() {
    let dir = tempfile::tempdir().expect("dir");
    let db_path = dir.path().join("r.db");
    let url = format!("sqlite://{}", db_path.display());
    let ok = create_user(&url, "Priya@Example.com", "admin", "a sound passphrase");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("priya@example.com"));
    // the account's creation is in the audit trail like any other change
    let audited = tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(async {
            let db = app::store::Db::connect(&url).await.expect("connect");
            sqlx::query_scalar::<sqlx::Any, String>(
                "SELECT actor FROM audit_log WHERE entity = 'user' AND entity_id = 'priya@example.com'",
            )
            .fetch_all(&db.pool)
            .await
            .expect("audit rows")
        });
    assert_eq!(
        audited,
        vec!["server user create (command line)".to_string()]
    );

    for (email, role, password, expected) in [
        (
            "priya@example.com",
            "manager",
            "another sound one",
            "already exists",
        ),
        (
            "bo@example.com",
            "manager",
            "short",
            "at least 12 characters",
        ),
        (
            "bo@example.com",
            "manager",
            "password1234",
            "too easy to guess",
        ),
        ("bo@example.com", "root", "a sound passphrase", "--role"),
        ("not-an-email", "manager", "a sound passphrase", "--email"),
    ] {
        let out = create_user(&url, email, role, password);
        assert!(!out.status.success(), "{email} {role} should fail");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    }

    let hash = std::process::Command::new("sqlite3")
        .arg(&db_path)
        .arg("SELECT email || ' ' || role || ' ' || password_hash FROM users")
        .output();
    if let Ok(out) = hash {
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(text.lines().count(), 1, "exactly one account: {text}");
        assert!(
            text.starts_with("priya@example.com admin $argon2id$v=19$m=19456,t=2,p=1$"),
            "{text}"
        );
    }
}

#[test]
fn notice_periods_are_shown_and_set_with_an_audit_row() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("r.db").display());
    let show = server()
        .args(["--database-url", &url, "notice"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&show.stdout).to_string();
    assert!(
        show.status.success(),
        "{}",
        String::from_utf8_lossy(&show.stderr)
    );
    assert!(
        text.contains("customer 180 days") && text.contains("personal 30 days"),
        "{text}"
    );

    let set = server()
        .args([
            "--database-url",
            &url,
            "notice",
            "--category",
            "personal",
            "--days",
            "45",
        ])
        .output()
        .expect("runs");
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    assert!(String::from_utf8_lossy(&set.stdout).contains("personal 45 days"));

    for (args, reason) in [
        (vec!["--category", "health", "--days", "10"], "--category"),
        (
            vec!["--category", "support", "--days", "99999"],
            "at most 3650",
        ),
        (vec!["--category", "support"], "--days"),
        (vec!["--category", "support", "--days=-1"], "--days"),
    ] {
        let out = server()
            .args(["--database-url", &url, "notice"])
            .args(&args)
            .output()
            .expect("runs");
        assert!(!out.status.success(), "{args:?} must fail");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(reason),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let db_path = dir.path().join("r.db");
    let read = |sql: &str| {
        let out = std::process::Command::new("sqlite3")
            .arg(&db_path)
            .arg(sql)
            .output()
            .expect("sqlite3 runs");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(
        read("SELECT notice_days FROM data_categories WHERE code = 'support'"),
        "30"
    );
    assert_eq!(
        read("SELECT actor || ' ' || entity_id || ' ' || after_json FROM audit_log WHERE entity = 'notice_period'"),
        "server notice (command line) personal {\"notice_days\":45}"
    );
}
