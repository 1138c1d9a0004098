//! The vendor portal's first part (issue 26), end to end on both databases with the real SMTP
//! sink: a manager invites a vendor's contact; the mailed link's page (GET, as mail scanners
//! fetch it) changes nothing and only its Continue POST signs in, once; the contact's session
//! sees its own vendor and nothing internal (403); disabling the contact ends its session at
//! once; asking for a new link answers the same whatever the address; expired and malformed
//! links are refused with one sentence.

use app::{
    domain::{
        contacts::{ContactRole, NewContact},
        Email,
    },
    store::{begin_write, contacts},
};
use chrono::Utc;
use sqlx::Any;

use crate::{
    notices::{exec, scalar, PASSWORD},
    sinks::SmtpSink,
    support::{borrow, spawn_app_with, unescape, vendor_cookie, Backend, TestApp},
};

const VENDOR: &str = "brightwater-hosting";
const OTHER: &str = "ember-analytics";
const ADA: &str = "ada@brightwater.example";

/// A signed-in contact of `vendor` with the address `email`: the contact and its link are made
/// through the store (as the invite's mail would carry the link), then the link's Continue is
/// posted. The `name=value` of the contact's session cookie.
pub(crate) async fn contact_session(app: &TestApp, vendor: &str, email: &str) -> String {
    let db = app.db().await;
    let mut tx = begin_write(&db).await.expect("begin");
    let vendor_id = sqlx::query_scalar::<Any, i64>("SELECT id FROM vendors WHERE slug = $1")
        .bind(vendor.to_string())
        .fetch_one(&mut *tx)
        .await
        .expect("the vendor");
    let contact = NewContact {
        name: "Test Contact".into(),
        email: Email::parse(email).expect("address"),
        answers_for: vec![ContactRole::Privacy],
    };
    let id = contacts::insert(&mut tx, vendor_id, &contact, "test", Utc::now())
        .await
        .expect("contact");
    let token = contacts::issue_link(&mut tx, id, Utc::now())
        .await
        .expect("link");
    tx.commit().await.expect("commit");
    db.pool.close().await;
    let res = app
        .post_form("/api/vendor/continue", &[("token", &token)], None)
        .await;
    assert_eq!(res.status(), 200, "the link signs in");
    vendor_cookie(&res).expect("a vendor session cookie")
}

async fn legal_name(app: &TestApp, slug: &str) -> String {
    let db = app.db().await;
    let name = sqlx::query_scalar::<Any, String>("SELECT legal_name FROM vendors WHERE slug = $1")
        .bind(slug.to_string())
        .fetch_one(&db.pool)
        .await
        .expect("vendor");
    db.pool.close().await;
    name
}

async fn invite(app: &TestApp, manager: &str, pairs: &[(&str, &str)]) -> (u16, String) {
    let mut form = vec![("c[vendor]", VENDOR)];
    form.extend_from_slice(pairs);
    let res = app
        .post_form("/api/manage/invite_contact", &form, Some(manager))
        .await;
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

/// The token of the newest sign-in link mailed to `to` (waiting for the `n`th mail).
async fn mailed_token(sink: &SmtpSink, to: &str, n: usize) -> String {
    let mails = sink.wait_for(to, n, 20).await;
    let mail = mails.last().expect("a sign-in mail");
    assert!(
        mail.header("subject")
            .starts_with("Your sign-in link to the vendor portal for "),
        "{}",
        mail.header("subject")
    );
    assert!(
        mail.text.contains("works once"),
        "the mail says how the link works: {}",
        mail.text
    );
    mail.token_after("/vendor/sign-in/")
        .expect("a sign-in link")
}

async fn contact_key(app: &TestApp, email: &str) -> (String, String) {
    let db = app.db().await;
    let (id, version) = sqlx::query_as::<Any, (i64, i64)>(
        "SELECT id, version FROM vendor_contacts WHERE email = $1",
    )
    .bind(email.to_string())
    .fetch_one(&db.pool)
    .await
    .expect("contact");
    db.pool.close().await;
    (id.to_string(), version.to_string())
}

async fn invited_contacts_sign_in_by_link_and_see_only_their_vendor(backend: Backend) {
    let sink = SmtpSink::start();
    let url = sink.url();
    let app = spawn_app_with(backend, move |c| c.notices.smtp_url = url).await;
    app.create_user("manager@example.test", app::domain::Role::Manager, PASSWORD)
        .await;
    let manager = app.login("manager@example.test", PASSWORD).await;
    let (mine, other) = (
        legal_name(&app, VENDOR).await,
        legal_name(&app, OTHER).await,
    );

    // a bad invite names each field, and nothing is stored or sent
    let (status, body) = invite(&app, &manager, &[("c[name]", " "), ("c[email]", "ada")]).await;
    assert_eq!(status, 422, "{body}");
    for field in ["name", "email", "answers_for"] {
        assert!(body.contains(&format!("\"{field}\"")), "{field}: {body}");
    }
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM vendor_contacts").await,
        0
    );
    let (status, body) = invite(
        &app,
        &manager,
        &[
            ("c[name]", "Ada Lovelace"),
            ("c[email]", " ADA@Brightwater.example "),
            ("c[answers_for][privacy]", "on"),
            ("c[answers_for][training]", "on"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let res = app
        .post_form(
            "/api/manage/vendor_contacts",
            &[("slug", VENDOR)],
            Some(&manager),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap_or_default();
    assert!(body.contains("Privacy, Training"), "{body}");
    assert!(
        body.contains(ADA),
        "the address is kept in lower case: {body}"
    );

    // the mailed link: opening it (twice, as a scanner and a person would) changes nothing
    let token = mailed_token(&sink, "ada@brightwater.example", 1).await;
    for _ in 0..2 {
        let (status, page) = app.get(&format!("/vendor/sign-in/{token}")).await;
        assert_eq!(status, 200);
        assert!(page.contains(">Continue<"), "{page}");
    }
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM vendor_sessions").await,
        0
    );
    // Continue signs in once, and goes to the portal
    let res = app
        .post_form("/api/vendor/continue", &[("token", &token)], None)
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["location"], "/vendor");
    let ada = vendor_cookie(&res).expect("a vendor session cookie");
    let again = app
        .post_form("/api/vendor/continue", &[("token", &token)], None)
        .await;
    assert_eq!(again.status(), 410, "a link works once");
    assert!(vendor_cookie(&again).is_none());
    let (status, page) = app.get(&format!("/vendor/sign-in/{token}")).await;
    assert_eq!(status, 410);
    assert!(page.contains("does not work"), "{page}");

    // the portal shows the contact's own vendor, never another
    let (status, page) = app.get_with("/vendor", &ada).await;
    assert_eq!(status, 200);
    let page = unescape(&page);
    assert!(page.contains(&mine), "{page}");
    assert!(page.contains("Ada Lovelace"), "{page}");
    assert!(!page.contains(&other), "{page}");
    let res = app.post_form("/api/vendor/home", &[], Some(&ada)).await;
    assert_eq!(res.status(), 200);
    let home: serde_json::Value = res.json().await.expect("json");
    assert_eq!(home["vendor"]["slug"], VENDOR);

    // nothing internal is a contact's: 403 for the internal calls, whatever vendor they name
    let save = app.vendor_form(OTHER, 1, &other).await;
    for (path, body) in [
        ("/api/manage/home", vec![]),
        ("/api/manage/vendor_assurance", vec![("slug", OTHER)]),
        ("/api/manage/vendor_assurance", vec![("slug", VENDOR)]),
        ("/api/manage/vendor_contacts", vec![("slug", VENDOR)]),
        ("/api/account/overview", vec![]),
        (
            "/api/manage/invite_contact",
            vec![
                ("c[vendor]", VENDOR),
                ("c[name]", "Mallory"),
                ("c[email]", "mallory@example.org"),
                ("c[answers_for][privacy]", "on"),
            ],
        ),
        ("/api/manage/save_vendor", borrow(&save)),
    ] {
        let res = app.post_form(path, &body, Some(&ada)).await;
        assert_eq!(res.status(), 403, "{path} as a vendor contact");
    }
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM vendor_contacts").await,
        1,
        "the contact invited nobody"
    );

    // disabling the contact ends its session at once
    let (id, version) = contact_key(&app, "ada@brightwater.example").await;
    let res = app
        .post_form(
            "/api/manage/contact_access",
            &[("id", &id), ("version", &version), ("disabled", "true")],
            Some(&manager),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app.post_form("/api/vendor/home", &[], Some(&ada)).await;
    assert_eq!(res.status(), 401, "the disabled contact's session ended");
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM vendor_sessions").await,
        0
    );
    // a stale version is a conflict, not a second change
    let res = app
        .post_form(
            "/api/manage/contact_access",
            &[("id", &id), ("version", &version), ("disabled", "false")],
            Some(&manager),
        )
        .await;
    assert_eq!(res.status(), 409);
    // a disabled contact gets no link: not by invite, not by asking
    let (status, body) = invite(
        &app,
        &manager,
        &[
            ("c[name]", "Ada"),
            ("c[email]", ADA),
            ("c[answers_for][privacy]", "on"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("disabled contact"), "{body}");
    let before = sink.mails_to(ADA).len();
    let asked = app
        .post_form("/api/vendor/ask", &[("email", ADA)], None)
        .await;
    assert_eq!(asked.status(), 200);

    // enabled again, asking for a link mails one; an unknown address gets the same answer
    let (id, version) = contact_key(&app, ADA).await;
    let res = app
        .post_form(
            "/api/manage/contact_access",
            &[("id", &id), ("version", &version), ("disabled", "false")],
            Some(&manager),
        )
        .await;
    assert_eq!(res.status(), 200);
    let mut answers = Vec::new();
    for email in [ADA, "nobody@brightwater.example"] {
        let res = app
            .post_form("/api/vendor/ask", &[("email", email)], None)
            .await;
        assert_eq!(res.status(), 200, "{email}");
        answers.push(res.text().await.unwrap_or_default());
    }
    assert_eq!(answers[0], answers[1], "one answer whatever the address");
    let bad = app
        .post_form("/api/vendor/ask", &[("email", "not an address")], None)
        .await;
    assert_eq!(bad.status(), 422);
    let token = mailed_token(&sink, ADA, before + 1).await;
    assert_eq!(
        sink.mails_to(ADA).len(),
        before + 1,
        "no mail was sent while the contact was disabled"
    );
    assert!(sink.mails_to("nobody@brightwater.example").is_empty());

    // an expired link, and one that was never a token, are refused with the same sentence
    exec(
        &app,
        "UPDATE vendor_contact_links SET expires_at = '2000-01-01T00:00:00.000Z' \
         WHERE used_at IS NULL",
    )
    .await;
    for t in [token.as_str(), "abc", "../../etc/passwd"] {
        let (status, page) = app.get(&format!("/vendor/sign-in/{t}")).await;
        assert!(status == 410 || status == 404, "{t}: {status}");
        if status == 410 {
            assert!(page.contains("does not work"), "{page}");
        }
        let res = app
            .post_form("/api/vendor/continue", &[("token", t)], None)
            .await;
        assert_eq!(res.status(), 410, "{t}");
    }
    // signed out by the portal's button
    let res = app.post_form("/api/vendor/sign_out", &[], Some(&ada)).await;
    assert_eq!(res.status(), 200);
    // every step is in the audit trail
    for action in [
        "invited to the vendor portal",
        "signed in to the vendor portal as a contact of",
        "disabled the vendor contact",
        "enabled the vendor contact",
    ] {
        assert!(
            scalar(
                &app,
                &format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}'")
            )
            .await
                >= 1,
            "{action}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn sqlite_invited_contacts_sign_in_by_link_and_see_only_their_vendor() {
    invited_contacts_sign_in_by_link_and_see_only_their_vendor(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_invited_contacts_sign_in_by_link_and_see_only_their_vendor() {
    invited_contacts_sign_in_by_link_and_see_only_their_vendor(Backend::Postgres).await;
}

/// GET `path` on the instance at `base` with a cookie: status and body.
async fn get_on(base: &str, path: &str, cookie: &str) -> (u16, String) {
    let res = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header("cookie", cookie)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    (status, unescape(&res.text().await.expect("body")))
}

/// `/vendor` is kept per contact (issue 26's speed budget), and the kept page follows every
/// change it shows: made on this instance, on another one (a second server behind the
/// balancer, which sees no request of the change), or by disabling the contact; two contacts
/// never see each other's page however their requests alternate.
async fn the_kept_portal_page_follows_every_change(backend: Backend) {
    let sink = SmtpSink::start();
    let url = sink.url();
    let app = spawn_app_with(backend, move |c| c.notices.smtp_url = url).await;
    let (other_base, other_task) = app.another_instance(|_| {}).await;
    app.create_user("manager@example.test", app::domain::Role::Manager, PASSWORD)
        .await;
    let manager = app.login("manager@example.test", PASSWORD).await;
    let (mine, theirs) = (
        legal_name(&app, VENDOR).await,
        legal_name(&app, OTHER).await,
    );
    let ada = contact_session(&app, VENDOR, ADA).await;
    let bob = contact_session(&app, OTHER, "bob@ember.example").await;
    for _ in 0..3 {
        for base in [app.base.as_str(), other_base.as_str()] {
            let (status, page) = get_on(base, "/vendor", &ada).await;
            assert_eq!(status, 200);
            assert!(page.contains(&mine) && !page.contains(&theirs), "{page}");
            assert!(!page.contains("Grace Hopper"), "{page}");
            let (status, page) = get_on(base, "/vendor", &bob).await;
            assert_eq!(status, 200);
            assert!(page.contains(&theirs) && !page.contains(&mine), "{page}");
        }
    }
    // a manager invites a second contact through this instance: both instances show it at once
    let (status, body) = invite(
        &app,
        &manager,
        &[
            ("c[name]", "Grace Hopper"),
            ("c[email]", "grace@brightwater.example"),
            ("c[answers_for][security]", "on"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    for base in [app.base.as_str(), other_base.as_str()] {
        let (status, page) = get_on(base, "/vendor", &ada).await;
        assert_eq!(status, 200);
        assert!(page.contains("Grace Hopper"), "{base}: {page}");
        let (_, page) = get_on(base, "/vendor", &bob).await;
        assert!(!page.contains("Grace Hopper"), "{page}");
    }
    // disabled on the other instance: this one serves the contact nothing kept
    let (id, version) = contact_key(&app, ADA).await;
    let res = reqwest::Client::new()
        .post(format!("{other_base}/api/manage/contact_access"))
        .header("cookie", &manager)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([
                ("id", id.as_str()),
                ("version", version.as_str()),
                ("disabled", "true"),
            ])
            .expect("form"),
        )
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    for base in [app.base.as_str(), other_base.as_str()] {
        let (status, page) = get_on(base, "/vendor", &ada).await;
        assert!(!page.contains(&mine), "{base}: {status} {page}");
        let (status, page) = get_on(base, "/vendor", &bob).await;
        assert_eq!(status, 200);
        assert!(page.contains(&theirs), "{page}");
    }
    other_task.abort();
    app.stop().await;
}

#[tokio::test]
async fn sqlite_the_kept_portal_page_follows_every_change() {
    the_kept_portal_page_follows_every_change(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_the_kept_portal_page_follows_every_change() {
    the_kept_portal_page_follows_every_change(Backend::Postgres).await;
}
