//! The holes a review found, each with the test that failed before its fix: ids reused by
//! SQLite, simultaneous creations of one slug, an unconditional re-hash, the last admin
//! demoted, the history truncated, sign-in lockout as a weapon, parallel guesses past the
//! throttle, forwarded addresses believed from anyone.

use app::domain::Role;
use sqlx::Any;

use crate::support::{borrow, fresh_db, spawn_app, spawn_app_with, Backend, TestApp};

const PASSWORD: &str = "correct horse battery staple";
const VENDOR: &str = "brightwater-hosting";

async fn with_accounts(backend: Backend) -> TestApp {
    let app = spawn_app(backend).await;
    for (email, role) in [
        ("admin@example.test", Role::Admin),
        ("second.admin@example.test", Role::Admin),
        ("manager@example.test", Role::Manager),
    ] {
        app.create_user(email, role, PASSWORD).await;
    }
    app
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    let db = app.db().await;
    let v = sqlx::query_scalar::<Any, i64>(sql)
        .fetch_one(&db.pool)
        .await
        .expect(sql);
    db.pool.close().await;
    v
}

fn training_form<'a>(id: &'a str, version: &'a str, name: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("t[vendor]", VENDOR),
        ("t[id]", id),
        ("t[version]", version),
        ("t[person_name]", name),
        ("t[person_email]", "someone@vendor.example"),
        ("t[course]", "Privacy essentials for vendors"),
        ("t[completed_on]", "2026-01-05"),
    ]
}

/// Remove the record with the highest id, add another, and the forms left open for the old
/// one must not touch the new one.
async fn stale_forms_never_reach_a_new_record(backend: Backend) {
    let app = with_accounts(backend).await;
    let manager = app.login("manager@example.test", PASSWORD).await;
    // a new record has the highest id of all, as in the review's case
    let res = app
        .post_form(
            "/api/manage/add_training",
            &training_form("0", "0", "Filler Person"),
            Some(&manager),
        )
        .await;
    assert_eq!(res.status(), 200);
    let old = scalar(&app, "SELECT MAX(id) FROM training_records").await;
    let (old_s, version_s) = (old.to_string(), "1".to_string());
    let remove = [
        ("r[vendor]", VENDOR),
        ("r[kind]", "training"),
        ("r[id]", old_s.as_str()),
        ("r[version]", version_s.as_str()),
    ];
    let res = app
        .post_form("/api/manage/remove_record", &remove, Some(&manager))
        .await;
    assert_eq!(res.status(), 200, "the record is removed");
    let res = app
        .post_form(
            "/api/manage/add_training",
            &training_form("0", "0", "New Person"),
            Some(&manager),
        )
        .await;
    assert_eq!(res.status(), 200);
    let new = scalar(&app, "SELECT MAX(id) FROM training_records").await;
    assert!(new > old, "a new record gets a new id ({new} after {old})");
    // the remove and the edit form still showing the old record
    let res = app
        .post_form("/api/manage/remove_record", &remove, Some(&manager))
        .await;
    assert_eq!(res.status(), 409, "a stale removal is a conflict");
    let res = app
        .post_form(
            "/api/manage/edit_training",
            &training_form(&old_s, &version_s, "Overwritten"),
            Some(&manager),
        )
        .await;
    assert_eq!(res.status(), 409, "a stale edit is a conflict");
    let kept = scalar(
        &app,
        &format!(
            "SELECT COUNT(*) FROM training_records WHERE id = {new} AND person_name = 'New Person'"
        ),
    )
    .await;
    assert_eq!(kept, 1, "the new person's record is untouched");
    app.stop().await;
}

/// An old database upgraded: every row kept, and no id given again, not even one the audit
/// trail once named.
#[tokio::test]
async fn sqlite_upgrade_keeps_every_row_and_never_reuses_ids() {
    let (db, guard) = fresh_db(Backend::Sqlite).await;
    drop(guard);
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    let db2 = app::store::Db::connect(&url).await.expect("connect");
    db.pool.close().await;
    db2.migrate_until(6).await.expect("old schema");
    let run = |sql: &'static str| {
        let pool = db2.pool.clone();
        async move { sqlx::query(sql).execute(&pool).await.expect(sql) }
    };
    run(
        "INSERT INTO vendors (id, slug, legal_name, registration_country, kind, work_location, \
         purpose_category, purpose, transfer_mechanism, search_text, created_at, updated_at) \
         VALUES (1, 'acme', 'Acme', 'DE', 'third_party', 'own_facilities', 'infrastructure', 'x', \
         'none', 'acme', 't', 't')",
    )
    .await;
    run(
        "INSERT INTO training_records (id, vendor_id, person_name, person_email, course_id, \
         completed_on, expires_on, created_at) VALUES \
         (1, 1, 'A', 'a@x.example', 1, '2026-01-01', '2027-01-01', 't'), \
         (2, 1, 'B', 'b@x.example', 1, '2026-01-01', '2027-01-01', 't')",
    )
    .await;
    run("INSERT INTO contracts (id, vendor_id, kind, reference, signed_on, in_force_from, created_at) \
         VALUES (3, 1, 'dpa', 'DPA-1', '2026-01-01', '2026-01-01', 't')")
    .await;
    run(
        "INSERT INTO contract_obligations (contract_id, obligation_code, hours) VALUES \
         (3, 'confidentiality', NULL), (3, 'breach_notice', 48)",
    )
    .await;
    // record 9 existed once and was removed: the audit trail names it
    run(
        "INSERT INTO audit_log (occurred_at, actor, action, entity, entity_id) VALUES \
         ('t', 'x', 'delete', 'training', 'acme/training/9')",
    )
    .await;
    db2.migrate().await.expect("upgrade");
    let count = |sql: &'static str| {
        let pool = db2.pool.clone();
        async move {
            sqlx::query_scalar::<Any, i64>(sql)
                .fetch_one(&pool)
                .await
                .expect(sql)
        }
    };
    assert_eq!(count("SELECT COUNT(*) FROM training_records").await, 2);
    assert_eq!(count("SELECT COUNT(*) FROM contracts").await, 1);
    assert_eq!(
        count("SELECT COUNT(*) FROM contract_obligations WHERE contract_id = 3").await,
        2,
        "obligations survive the rebuild of contracts"
    );
    run(
        "INSERT INTO training_records (vendor_id, person_name, person_email, course_id, \
         completed_on, expires_on, created_at) VALUES (1, 'C', 'c@x.example', 1, '2026-01-01', \
         '2027-01-01', 't')",
    )
    .await;
    assert_eq!(
        count("SELECT MAX(id) FROM training_records").await,
        10,
        "above the highest id the audit trail named"
    );
    run("DELETE FROM training_records WHERE id = 10").await;
    run(
        "INSERT INTO training_records (vendor_id, person_name, person_email, course_id, \
         completed_on, expires_on, created_at) VALUES (1, 'D', 'd@x.example', 1, '2026-01-01', \
         '2027-01-01', 't')",
    )
    .await;
    assert_eq!(count("SELECT MAX(id) FROM training_records").await, 11);
    assert_eq!(
        count("SELECT COUNT(*) FROM pragma_foreign_key_check").await,
        0,
        "foreign keys hold"
    );
    db2.pool.close().await;
}

/// Two managers create the same vendor at once: one is saved, the other is told the name is
/// taken (on PostgreSQL both reach the insert; the unique violation is that field error).
async fn simultaneous_creations_of_one_slug(backend: Backend) {
    let app = with_accounts(backend).await;
    let a = app.login("manager@example.test", PASSWORD).await;
    let b = app.login("manager@example.test", PASSWORD).await;
    let form = app.vendor_form("", 0, "Twin Creation Ltd").await;
    let form = borrow(&form);
    let (x, y) = tokio::join!(
        app.post_form("/api/manage/save_vendor", &form, Some(&a)),
        app.post_form("/api/manage/save_vendor", &form, Some(&b)),
    );
    let mut statuses = [x.status().as_u16(), y.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 422]);
    let loser = if x.status() == 422 { x } else { y };
    let body = loser.text().await.unwrap_or_default();
    assert!(
        body.contains("legal_name") && body.contains("already exists"),
        "{body}"
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM vendors WHERE slug = 'twin-creation-ltd'"
        )
        .await,
        1
    );
    app.stop().await;
}

/// The re-hash at sign-in stores its new hash only over the one it checked.
async fn rehash_only_over_the_hash_it_checked(backend: Backend) {
    let (db, guard) = fresh_db(backend).await;
    let email = app::domain::Email::parse("kim@example.test").expect("email");
    let mut tx = db.pool.begin().await.expect("tx");
    let id = app::store::users::insert_user(&mut tx, &email, Role::Manager, "H1")
        .await
        .expect("user");
    tx.commit().await.expect("commit");
    // an admin reset the password meanwhile: the stored hash is no longer the one checked
    let stale = app::store::users::rehash_password(&db, id, "H0", "H2")
        .await
        .expect("rehash");
    assert!(!stale);
    let hash = |db: app::store::Db| async move {
        sqlx::query_scalar::<Any, String>("SELECT password_hash FROM users")
            .fetch_one(&db.pool)
            .await
            .expect("hash")
    };
    assert_eq!(hash(db.clone()).await, "H1");
    assert!(app::store::users::rehash_password(&db, id, "H1", "H2")
        .await
        .expect("rehash"));
    assert_eq!(hash(db.clone()).await, "H2");
    db.pool.close().await;
    guard.drop_database().await;
}

async fn user_key(app: &TestApp, email: &str) -> (String, String) {
    let db = app.db().await;
    let (id, version) = sqlx::query_as::<Any, (i64, i64)>(&format!(
        "SELECT id, version FROM users WHERE email = '{email}'"
    ))
    .fetch_one(&db.pool)
    .await
    .expect("a user");
    db.pool.close().await;
    (id.to_string(), version.to_string())
}

/// However admins change each other, one enabled admin is always left.
async fn the_last_admin_stays(backend: Backend) {
    let app = with_accounts(backend).await;
    let first = app.login("admin@example.test", PASSWORD).await;
    let second = app.login("second.admin@example.test", PASSWORD).await;
    // both demote each other at once: one of them must be refused
    let (a_id, a_v) = user_key(&app, "admin@example.test").await;
    let (b_id, b_v) = user_key(&app, "second.admin@example.test").await;
    let demote = |id: &str, v: &str| {
        vec![
            ("u[id]".to_string(), id.to_string()),
            ("u[version]".to_string(), v.to_string()),
            ("u[role]".to_string(), "manager".to_string()),
        ]
    };
    let (fa, fb) = (demote(&b_id, &b_v), demote(&a_id, &a_v));
    let (fa, fb) = (borrow(&fa), borrow(&fb));
    let (x, y) = tokio::join!(
        app.post_form("/api/admin/update_user", &fa, Some(&first)),
        app.post_form("/api/admin/update_user", &fb, Some(&second)),
    );
    let mut statuses = [x.status().as_u16(), y.status().as_u16()];
    statuses.sort();
    assert!(
        statuses == [200, 422] || statuses == [200, 403],
        "one demotion wins, the other is refused: {statuses:?}"
    );
    let admins = scalar(
        &app,
        "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0",
    )
    .await;
    assert_eq!(admins, 1, "an enabled admin is left");
    // the last one cannot be disabled or demoted, by itself or anyone
    let (last, cookie) = if x.status() == 200 {
        ("admin@example.test", &first)
    } else {
        ("second.admin@example.test", &second)
    };
    let (id, v) = user_key(&app, last).await;
    for change in [
        vec![("u[role]", "manager")],
        vec![("u[role]", "admin"), ("u[disabled]", "on")],
    ] {
        let mut form = vec![("u[id]", id.as_str()), ("u[version]", v.as_str())];
        form.extend(change);
        let res = app
            .post_form("/api/admin/update_user", &form, Some(cookie))
            .await;
        assert_eq!(res.status(), 422);
    }
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0"
        )
        .await,
        1
    );
    app.stop().await;
}

#[tokio::test]
async fn postgres_refuses_truncating_the_history() {
    let (db, guard) = fresh_db(Backend::Postgres).await;
    for table in ["audit_log", "change_events"] {
        let res = sqlx::query(&format!("TRUNCATE {table}"))
            .execute(&db.pool)
            .await;
        assert!(res.is_err(), "TRUNCATE {table} is refused");
    }
    db.pool.close().await;
    guard.drop_database().await;
}

/// Behind a trusted proxy: sign in as `email` from `address`.
async fn sign_in_from(app: &TestApp, email: &str, password: &str, address: &str) -> u16 {
    let body =
        serde_urlencoded::to_string([("email", email), ("password", password)]).expect("form");
    app.client
        .post(format!("{}/api/login", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-forwarded-for", address)
        .body(body)
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

/// Someone else's failures, from another address, never keep the owner out.
async fn lockout_is_not_a_weapon(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        c.trusted_proxies = app::domain::network::parse_networks("127.0.0.1").expect("net")
    })
    .await;
    app.create_user("manager@example.test", Role::Manager, PASSWORD)
        .await;
    let mut statuses = Vec::new();
    for _ in 0..7 {
        statuses.push(
            sign_in_from(
                &app,
                "manager@example.test",
                "wrong password here",
                "198.51.100.1",
            )
            .await,
        );
    }
    assert_eq!(statuses[..5], [401; 5]);
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
    // the attacker's address waits, even with the right password
    assert_eq!(
        sign_in_from(&app, "manager@example.test", PASSWORD, "198.51.100.1").await,
        429
    );
    // the owner, elsewhere, signs in
    assert_eq!(
        sign_in_from(&app, "manager@example.test", PASSWORD, "203.0.113.7").await,
        200
    );
    // IPv6: one /64 is one address
    for i in 0..5 {
        let a = format!("2001:db8:1:2::{i}");
        assert_eq!(
            sign_in_from(&app, "manager@example.test", "wrong", &a).await,
            401
        );
    }
    assert_eq!(
        sign_in_from(
            &app,
            "manager@example.test",
            PASSWORD,
            "2001:db8:1:2:ffff::9"
        )
        .await,
        429
    );
    app.stop().await;
}

/// Fifty wrong passwords at once for one account: five are checked, the rest wait.
async fn parallel_guesses_get_five_tries(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user("manager@example.test", Role::Manager, PASSWORD)
        .await;
    let guesses = (0..50).map(|i| {
        let app = &app;
        async move {
            let pw = format!("wrong guess number {i}");
            app.post_form(
                "/api/login",
                &[("email", "manager@example.test"), ("password", &pw)],
                None,
            )
            .await
            .status()
            .as_u16()
        }
    });
    let statuses = futures::future::join_all(guesses).await;
    let tried = statuses.iter().filter(|s| **s == 401).count();
    let waited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((tried, waited), (5, 45), "{statuses:?}");
    app.stop().await;
}

/// `X-Forwarded-For` from a peer that is not a trusted proxy is not believed: failures count
/// for the peer whatever address it claims.
#[tokio::test]
async fn sqlite_forwarded_for_is_believed_from_trusted_proxies_only() {
    let app = spawn_app(Backend::Sqlite).await;
    app.create_user("manager@example.test", Role::Manager, PASSWORD)
        .await;
    for i in 0..5 {
        let claimed = format!("198.51.100.{i}");
        assert_eq!(
            sign_in_from(&app, "manager@example.test", "wrong", &claimed).await,
            401
        );
    }
    assert_eq!(
        sign_in_from(&app, "manager@example.test", PASSWORD, "198.51.100.99").await,
        429,
        "the claimed addresses were ignored"
    );
    app.stop().await;
}

on_both_databases!(
    stale_forms_never_reach_a_new_record,
    simultaneous_creations_of_one_slug,
    rehash_only_over_the_hash_it_checked,
    the_last_admin_stays,
    lockout_is_not_a_weapon,
    parallel_guesses_get_five_tries,
);
