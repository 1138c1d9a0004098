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
