//! The second sign-in step under attack (issue 24), over real HTTP on both databases: wrong
//! codes counted per account across fresh password sign-ins, recovery codes and the
//! confirmation of a new authenticator, the lock that follows (the right code refused until
//! the wait passes), the owner's mail at the first lock (read off the real SMTP sink), an
//! admin and the command line clearing it; and the one-time set-up link the first set-up of
//! a role that must use two steps starts from.

use app::domain::Role;
use sqlx::Any;

use crate::{
    sinks::SmtpSink,
    support::{challenge_cookie, session_cookie, spawn_app_with, Backend, TestApp},
};

const PASSWORD: &str = "correct horse battery staple";
const ADMIN: &str = "admin@example.test";

/// A fresh password sign-in of `email`: its challenge cookie.
async fn challenge(app: &TestApp, email: &str) -> String {
    let res = app
        .post_form(
            "/api/login",
            &[("email", email), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(res.status(), 200, "password of {email}");
    assert_eq!(res.headers()["location"], "/login/verify");
    challenge_cookie(&res).expect("a challenge cookie")
}

async fn verify(app: &TestApp, challenge: &str, code: &str) -> reqwest::Response {
    app.post_form("/api/login/verify", &[("code", code)], Some(challenge))
        .await
}

/// A code the account's authenticator accepts now and has not used yet: the next time step's
/// (one step of clock skew is allowed, and the set-up used this step's).
fn fresh_code(app: &TestApp, email: &str) -> String {
    let secret = app.second_steps.lock().expect("lock")[email].0.clone();
    let now = u64::try_from(chrono::Utc::now().timestamp()).expect("time");
    app::two_step::code_at(&secret, now + 30).expect("code")
}

/// The lock ends now (as if its wait had passed): the stored time moved into the past.
async fn end_the_wait(app: &TestApp) {
    let db = app.db().await;
    let past = app::store::outbox::stamp(chrono::Utc::now() - chrono::Duration::minutes(1));
    sqlx::query("UPDATE second_step_failures SET locked_until = $1 WHERE locked_until IS NOT NULL")
        .bind(past)
        .execute(&db.pool)
        .await
        .expect("move the lock");
    db.pool.close().await;
}

/// Ten wrong codes at sign-in (two fresh sign-ins of five): the account is locked.
async fn lock(app: &TestApp, email: &str) {
    for _ in 0..2 {
        let c = challenge(app, email).await;
        for _ in 0..5 {
            assert_eq!(verify(app, &c, "000000").await.status(), 422);
        }
    }
    let c = challenge(app, email).await;
    assert_eq!(verify(app, &c, &fresh_code(app, email)).await.status(), 429);
}

async fn audit_actions(app: &TestApp) -> Vec<(String, String)> {
    let db = app.db().await;
    let rows = sqlx::query_as::<Any, (String, String)>(
        "SELECT actor, action FROM audit_log WHERE entity = 'user' ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await
    .expect("audit");
    db.pool.close().await;
    rows
}

async fn wrong_codes_lock_the_account(backend: Backend) {
    let sink = SmtpSink::start();
    let url = sink.url();
    let app = spawn_app_with(backend, move |c| c.notices.smtp_url = url).await;
    app.create_user(ADMIN, Role::Admin, PASSWORD).await;
    app.create_user("second.admin@example.test", Role::Admin, PASSWORD)
        .await;
    app.login(ADMIN, PASSWORD).await;
    let other_admin = app.login("second.admin@example.test", PASSWORD).await;

    // the report: 100 wrong codes through 20 fresh sign-ins with the password
    let mut statuses = Vec::new();
    for _ in 0..20 {
        let c = challenge(&app, ADMIN).await;
        for _ in 0..5 {
            statuses.push(verify(&app, &c, "123456").await.status().as_u16());
        }
    }
    assert_eq!(statuses[..10], [422; 10], "ten wrong codes are checked");
    assert!(
        statuses[10..].iter().all(|s| *s == 429),
        "then every code is refused unchecked: {statuses:?}"
    );
    // the right code is refused during the wait, and the refusal says only when to come back
    let c = challenge(&app, ADMIN).await;
    let res = verify(&app, &c, &fresh_code(&app, ADMIN)).await;
    assert_eq!(res.status(), 429, "the right code, locked");
    assert!(session_cookie(&res).is_none_or(|s| s == "registry_session="));
    let body = res.text().await.unwrap_or_default();
    assert!(body.contains("TooManyAttempts"), "{body}");
    // once the wait has passed it works
    end_the_wait(&app).await;
    let res = verify(&app, &c, &fresh_code(&app, ADMIN)).await;
    assert_eq!(res.status(), 200, "the right code after the wait");
    assert!(session_cookie(&res).is_some());

    // the owner is mailed at the first lock (beside the managers' daily digest it also gets)
    let lock_mails = || {
        sink.mails_to(ADMIN)
            .into_iter()
            .filter(|m| m.header("subject") == "Your second sign-in step is locked")
            .collect::<Vec<_>>()
    };
    for _ in 0..150 {
        if !lock_mails().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let mails = lock_mails();
    assert_eq!(mails.len(), 1, "the owner is mailed at the first lock");
    assert!(mails[0]
        .text
        .contains("Only someone who knows your password"));

    // a second lock doubles the wait and is not mailed again; an admin clears it
    lock(&app, ADMIN).await;
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    assert_eq!(lock_mails().len(), 1, "mailed once");
    let db = app.db().await;
    let (locks, until) = sqlx::query_as::<Any, (i64, String)>(
        "SELECT locks, locked_until FROM second_step_failures f JOIN users u ON u.id = f.user_id \
         WHERE u.email = $1",
    )
    .bind(ADMIN)
    .fetch_one(&db.pool)
    .await
    .expect("count");
    db.pool.close().await;
    assert_eq!(locks, 2);
    let until = app::store::sessions::timestamp(&until).expect("time");
    assert!(
        until > chrono::Utc::now() + chrono::Duration::minutes(110),
        "two hours"
    );
    let users: serde_json::Value = app
        .post_form("/api/admin/users", &[], Some(&other_admin))
        .await
        .json()
        .await
        .expect("json");
    let line = users
        .as_array()
        .expect("list")
        .iter()
        .find(|u| u["email"] == ADMIN)
        .expect("the admin")
        .clone();
    assert!(line["second_step_locked_until"].is_string(), "{line}");
    let id = line["id"].to_string();
    let res = app
        .post_form(
            "/api/admin/clear_second_step_lock",
            &[("id", &id)],
            Some(&other_admin),
        )
        .await;
    assert_eq!(res.status(), 200);
    // (the authenticator's fresh code was used above: a recovery code now)
    let codes = app.second_steps.lock().expect("lock")[ADMIN].1.clone();
    let c = challenge(&app, ADMIN).await;
    let res = verify(&app, &c, &codes[1]).await;
    assert_eq!(res.status(), 200, "cleared by an admin");

    // and the command line clears it too
    lock(&app, ADMIN).await;
    crate::support::cli(
        &app.database_url,
        &["user", "clear-second-step-lock", "--email", ADMIN],
        None,
    )
    .await;
    let c = challenge(&app, ADMIN).await;
    let res = verify(&app, &c, &codes[2]).await;
    assert_eq!(res.status(), 200, "cleared on the command line");
    let actions = audit_actions(&app).await;
    assert!(actions.contains(&(
        "second.admin@example.test".into(),
        "cleared the second-step lock of".into()
    )));
    assert!(actions.contains(&(
        "server user clear-second-step-lock (command line)".into(),
        "cleared the second-step lock of".into()
    )));
    // a lock after a clear starts a new series: its owner hears of it again
    let mut mails = lock_mails().len();
    for _ in 0..150 {
        if mails == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        mails = lock_mails().len();
    }
    assert_eq!(mails, 2);
    app.stop().await;
    sink.stop();
}

async fn recovery_codes_and_new_authenticators_count_too(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    app.create_user(ADMIN, Role::Admin, PASSWORD).await;
    app.create_user("manager@example.test", Role::Manager, PASSWORD)
        .await;
    let admin = app.login(ADMIN, PASSWORD).await;
    // five wrong recovery codes at sign-in and five wrong codes confirming new recovery codes
    // (`two_step_confirm`) from a session: one count
    let c = challenge(&app, ADMIN).await;
    for _ in 0..5 {
        assert_eq!(verify(&app, &c, "aaaa-bbbb-cccc").await.status(), 422);
    }
    let res = app
        .post_form("/api/account/new_recovery_codes", &[], Some(&admin))
        .await;
    assert_eq!(res.status(), 200);
    for _ in 0..5 {
        let res = app
            .post_form(
                "/api/account/two_step_confirm",
                &[("code", "654321")],
                Some(&admin),
            )
            .await;
        assert_eq!(res.status(), 422);
    }
    // locked: a right recovery code and a right confirmation are refused
    let codes = app.second_steps.lock().expect("lock")[ADMIN].1.clone();
    let c = challenge(&app, ADMIN).await;
    assert_eq!(verify(&app, &c, &codes[0]).await.status(), 429);
    let res = app
        .post_form(
            "/api/account/two_step_confirm",
            &[("code", &fresh_code(&app, ADMIN))],
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 429);

    // confirming a new authenticator had no cap at all: now ten wrong codes lock it
    let manager = app.login("manager@example.test", PASSWORD).await;
    let setup: serde_json::Value = app
        .post_form("/api/account/two_step_setup", &[], Some(&manager))
        .await
        .json()
        .await
        .expect("json");
    let secret = setup["secret"].as_str().expect("secret").to_string();
    for _ in 0..10 {
        let res = app
            .post_form(
                "/api/account/two_step_confirm",
                &[("code", "000000")],
                Some(&manager),
            )
            .await;
        assert_eq!(res.status(), 422);
    }
    let res = app
        .post_form(
            "/api/account/two_step_confirm",
            &[("code", &crate::support::totp_now(&secret))],
            Some(&manager),
        )
        .await;
    assert_eq!(res.status(), 429, "the right first code, locked");
    app.stop().await;
}

async fn the_first_set_up_starts_from_a_one_time_link(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    app.create_user(ADMIN, Role::Admin, PASSWORD).await;
    // without a link the password is refused with what to do
    let res = app
        .post_form(
            "/api/login",
            &[("email", ADMIN), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(challenge_cookie(&res).is_none());
    let body = res.text().await.unwrap_or_default();
    assert!(body.contains("Ask an admin for a set-up link"), "{body}");
    assert_eq!(
        app.post_form("/api/login/setup_info", &[], None)
            .await
            .status(),
        401
    );

    // the link's page (what a mail scanner fetches) shows a button and uses nothing up
    let link = app.set_up_link(ADMIN).await;
    assert_eq!(link.len(), "/login/enrol/".len() + 64, "256 random bits");
    for _ in 0..2 {
        let (status, html) = app.get(&link).await;
        assert_eq!(status, 200);
        assert!(html.contains("Start set-up") && html.contains("method=\"post\""));
    }
    let db = app.db().await;
    let (stored, used) = sqlx::query_as::<Any, (String, Option<String>)>(
        "SELECT token_hash, used_at FROM set_up_links",
    )
    .fetch_one(&db.pool)
    .await
    .expect("link row");
    assert!(used.is_none(), "GET did not use the link");
    assert!(!link.contains(&stored), "stored hashed");
    // a wrong password does not use it either; the right one starts the set-up
    let res = app.enrol(&link, "not the password at all").await;
    assert_eq!(res.status(), 422);
    let res = app.enrol(&link, PASSWORD).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["location"], "/login/setup");
    let challenge = challenge_cookie(&res).expect("challenge");
    // single use
    assert_eq!(app.enrol(&link, PASSWORD).await.status(), 400);
    // a pending secret is never shown twice: loading the set-up again starts over
    let first: serde_json::Value = app
        .post_form("/api/login/setup_info", &[], Some(&challenge))
        .await
        .json()
        .await
        .expect("json");
    let first = first["secret"].as_str().expect("secret").to_string();
    let session = app.finish_set_up(ADMIN, &challenge).await;
    let second = app.second_steps.lock().expect("lock")[ADMIN].0.clone();
    assert_ne!(first, second, "the secret shown first is not shown again");
    assert_eq!(app.get_with("/manage", &session).await.0, 200);

    // an expired link is refused; a newer link voids an older one
    app.create_user("new.admin@example.test", Role::Admin, PASSWORD)
        .await;
    let old = app.set_up_link("new.admin@example.test").await;
    let expired = app.set_up_link("new.admin@example.test").await;
    assert_eq!(app.enrol(&old, PASSWORD).await.status(), 400, "replaced");
    sqlx::query("UPDATE set_up_links SET expires_at = $1 WHERE used_at IS NULL")
        .bind(app::store::outbox::stamp(
            chrono::Utc::now() - chrono::Duration::minutes(1),
        ))
        .execute(&db.pool)
        .await
        .expect("expire");
    db.pool.close().await;
    assert_eq!(app.enrol(&expired, PASSWORD).await.status(), 400, "expired");

    // an admin adding an admin gets its link (and can issue another); the command line too
    let res = app
        .post_form(
            "/api/admin/add_user",
            &[
                ("u[email]", "third.admin@example.test"),
                ("u[role]", "admin"),
                ("u[password]", PASSWORD),
            ],
            Some(&session),
        )
        .await;
    assert_eq!(res.status(), 200);
    let added: Option<String> = res.json().await.expect("json");
    let added = added.expect("a set-up link for a new admin");
    assert!(
        added.starts_with(&format!("{}/login/enrol/", app.base)),
        "{added}"
    );
    let url = app.database_url.clone();
    let out = crate::support::off_thread(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_server"))
            .args(["--database-url", &url])
            .args(["user", "set-up-link", "--email", "third.admin@example.test"])
            .env("RUST_LOG", "off")
            .output()
            .expect("server runs")
    })
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(printed.contains("/login/enrol/"), "{printed}");
    let path = &printed[printed.find("/login/enrol/").expect("path")..];
    assert_eq!(
        app.enrol(&added, PASSWORD).await.status(),
        400,
        "replaced by the CLI's"
    );
    assert_eq!(app.enrol(path, PASSWORD).await.status(), 200);
    let actions = audit_actions(&app).await;
    for (actor, action) in [
        (ADMIN, "issued a two-step set-up link for"),
        (
            "server user set-up-link (command line)",
            "issued a two-step set-up link for",
        ),
        (ADMIN, "used a two-step set-up link of"),
    ] {
        assert!(
            actions.contains(&(actor.to_string(), action.to_string())),
            "{actor} {action} in {actions:?}"
        );
    }
    app.stop().await;
}

/// A manager signed in with the password alone is promoted to admin (a role that owes two
/// steps): its session ends at once, and the account sets two steps up from a set-up link,
/// never from the session its password opened (review of issue 24).
async fn a_promotion_into_a_two_step_role_ends_password_only_sessions(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    app.create_user(ADMIN, Role::Admin, PASSWORD).await;
    app.create_user("kim@example.test", Role::Manager, PASSWORD)
        .await;
    let admin = app.login(ADMIN, PASSWORD).await;
    let kim = app.login("kim@example.test", PASSWORD).await;
    let overview = |cookie: &str| {
        let cookie = cookie.to_string();
        let app = &app;
        async move {
            app.post_form("/api/account/overview", &[], Some(&cookie))
                .await
                .status()
                .as_u16()
        }
    };
    assert_eq!(
        overview(&kim).await,
        200,
        "a manager's password-only session"
    );
    let db = app.db().await;
    let (id, version) = sqlx::query_as::<Any, (i64, i64)>(
        "SELECT id, version FROM users WHERE email = 'kim@example.test'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("kim");
    db.pool.close().await;
    let (id, version) = (id.to_string(), version.to_string());
    let res = app
        .post_form(
            "/api/admin/update_user",
            &[
                ("u[id]", &id),
                ("u[version]", &version),
                ("u[role]", "admin"),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 200, "promoted");
    assert_eq!(
        overview(&kim).await,
        401,
        "the old session is no admin session"
    );
    // and the password alone opens none
    let res = app
        .post_form(
            "/api/login",
            &[("email", "kim@example.test"), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(res.status(), 400, "asked for a set-up link");
    app.stop().await;
}

on_both_databases!(
    a_promotion_into_a_two_step_role_ends_password_only_sessions,
    wrong_codes_lock_the_account,
    recovery_codes_and_new_authenticators_count_too,
    the_first_set_up_starts_from_a_one_time_link
);
