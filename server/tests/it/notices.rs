//! Telling customers, end to end on both databases, with a real SMTP server (aiosmtpd) and a
//! real HTTP receiver: subscribe with double opt-in, a manager's announcement makes exactly
//! one notice per matching subscriber, one-click unsubscribe, signed webhooks retried and
//! disabled, deliveries that survive a restart and are sent once by two instances, the
//! objection life cycle with its mails and audit rows, and the managers' daily digest.

use std::time::Duration;

use crate::{
    sinks::{Receiver, SmtpSink},
    support::{borrow, spawn_app_with, Backend, TestApp},
};
use app::domain::Role;
use chrono::{Days, Utc};
use sqlx::Any;

pub(crate) const PASSWORD: &str = "correct horse battery staple";
const NIMBUS: &str = "nimbus-relay-gmbh";

pub(crate) fn plus(days: u64) -> String {
    Utc::now()
        .date_naive()
        .checked_add_days(Days::new(days))
        .expect("date")
        .to_string()
}

fn set(form: &mut Vec<(String, String)>, key: &str, value: &str) {
    form.retain(|(k, _)| k != key);
    form.push((key.to_string(), value.to_string()));
}

pub(crate) async fn scalar(app: &TestApp, sql: &str) -> i64 {
    let db = app.db().await;
    let v = sqlx::query_scalar::<Any, i64>(sql)
        .fetch_one(&db.pool)
        .await
        .expect(sql);
    db.pool.close().await;
    v
}

pub(crate) async fn exec(app: &TestApp, sql: &str) {
    let db = app.db().await;
    sqlx::query(sql).execute(&db.pool).await.expect(sql);
    db.pool.close().await;
}

pub(crate) async fn with_sink(backend: Backend, sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    let app = spawn_app_with(backend, move |c| c.notices.smtp_url = url).await;
    app.create_user("manager@example.test", Role::Manager, PASSWORD)
        .await;
    app
}

/// `POST /subscribe` as a form; the answer's status and body.
pub(crate) async fn subscribe(app: &TestApp, form: &[(&str, &str)], json: bool) -> (u16, String) {
    let body = serde_urlencoded::to_string(form).expect("form");
    let res = app
        .client
        .post(format!("{}/subscribe", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .header(
            "accept",
            if json {
                "application/json"
            } else {
                "text/html"
            },
        )
        .body(body)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let text = res.text().await.unwrap_or_default();
    (status, if status == 303 { location } else { text })
}

/// Subscribe `email` with `filters`, open the confirmation link from the mail, and return
/// the token of the manage page it leads to.
pub(crate) async fn subscribed(
    app: &TestApp,
    sink: &SmtpSink,
    email: &str,
    filters: &[(&str, &str)],
) -> String {
    let mut form = vec![("email", email), ("organisation", "Customer Ltd")];
    form.extend_from_slice(filters);
    let before = sink.mails_to(email).len();
    let (status, location) = subscribe(app, &form, false).await;
    assert_eq!((status, location.as_str()), (303, "/subscribe?sent=1"));
    let mails = sink.wait_for(email, before + 1, 15).await;
    let mail = mails.last().expect("a confirmation mail");
    assert_eq!(
        mail.header("subject"),
        "Confirm your subscription to subprocessor changes"
    );
    let token = mail
        .token_after("/subscriptions/confirm/")
        .expect("a confirmation link");
    // opening the link shows a Confirm button; only its post confirms
    let (status, page) = app.get(&format!("/subscriptions/confirm/{token}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Confirm subscription"), "{page}");
    let res = app
        .post_form(&format!("/subscriptions/confirm/{token}"), &[], None)
        .await;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"]
        .to_str()
        .unwrap_or_default()
        .to_string();
    let access = location
        .strip_prefix("/subscriptions/manage/")
        .and_then(|rest| rest.strip_suffix("?confirmed=1"))
        .expect("the manage page")
        .to_string();
    let (status, html) = app.get(&location).await;
    assert_eq!(status, 200);
    assert!(html.contains("Subscription confirmed"), "{html}");
    assert!(html.contains(email));
    access
}

/// A manager announces Nimbus Relay GmbH (backup, DE and FR, customer data) with 180 days'
/// notice; returns the change event's id.
pub(crate) async fn announce(app: &TestApp, manager: &str) -> i64 {
    let mut form = app.vendor_form("", 0, "Nimbus Relay GmbH").await;
    set(&mut form, "vendor[announced_on]", &plus(0));
    set(&mut form, "vendor[effective_on]", &plus(190));
    let res = app
        .post_form("/api/manage/save_vendor", &borrow(&form), Some(manager))
        .await;
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    scalar(
        app,
        &format!("SELECT MAX(id) FROM change_events WHERE slug = '{NIMBUS}'"),
    )
    .await
}

/// The manager widens Nimbus to a new country (another notice).
pub(crate) async fn widen(app: &TestApp, manager: &str) {
    let version = scalar(
        app,
        &format!("SELECT version FROM vendors WHERE slug = '{NIMBUS}'"),
    )
    .await;
    let mut form = app.vendor_form(NIMBUS, version, "Nimbus Relay GmbH").await;
    set(&mut form, "vendor[countries]", "DE FR NL");
    set(&mut form, "vendor[scope_effective_on]", &plus(200));
    let res = app
        .post_form("/api/manage/save_vendor", &borrow(&form), Some(manager))
        .await;
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
}

async fn subscribers_are_told_once_per_matching_change(backend: Backend) {
    let sink = SmtpSink::start();
    let app = with_sink(backend, &sink).await;
    let manager = app.login("manager@example.test", PASSWORD).await;
    let alice = subscribed(&app, &sink, "alice@customer.example", &[]).await;
    subscribed(
        &app,
        &sink,
        "bob@customer.example",
        &[("service", "compute")],
    )
    .await;
    subscribed(
        &app,
        &sink,
        "carol@customer.example",
        &[("category", "customer")],
    )
    .await;
    // dave never confirms: he hears nothing
    let (status, _) = subscribe(&app, &[("email", "dave@customer.example")], false).await;
    assert_eq!(status, 303);
    sink.wait_for("dave@customer.example", 1, 15).await;

    // the answer is the same whoever asks; a confirmed address is sent its manage link
    let (s1, b1) = subscribe(&app, &[("email", "alice@customer.example")], true).await;
    let (s2, b2) = subscribe(&app, &[("email", "nobody@customer.example")], true).await;
    assert_eq!((s1, &b1), (s2, &b2));
    assert_eq!(s1, 202);
    let again = sink.wait_for("alice@customer.example", 2, 15).await;
    assert!(
        again[1].text.contains("/subscriptions/manage/"),
        "manage link resent"
    );
    // at most three mails a day per address on request
    for _ in 0..4 {
        let (status, _) = subscribe(&app, &[("email", "eve@customer.example")], false).await;
        assert_eq!(status, 303);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sink.mails_to("eve@customer.example").len(), 3);

    let change = announce(&app, &manager).await;
    let notice = |to: &str| {
        sink.mails_to(to)
            .into_iter()
            .filter(|m| m.header("subject").starts_with("New subprocessor"))
            .collect::<Vec<_>>()
    };
    sink.wait_for("alice@customer.example", 3, 15).await;
    sink.wait_for("carol@customer.example", 2, 15).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let a = notice("alice@customer.example");
    assert_eq!(a.len(), 1, "exactly one notice");
    assert_eq!(notice("carol@customer.example").len(), 1);
    assert!(notice("bob@customer.example").is_empty(), "filtered out");
    assert!(notice("dave@customer.example").is_empty(), "not confirmed");
    let m = &a[0];
    assert_eq!(
        m.header("subject"),
        format!(
            "New subprocessor: Nimbus Relay GmbH (effective {})",
            plus(190)
        )
    );
    let token = m
        .token_after("/subscriptions/unsubscribe/")
        .expect("unsubscribe link");
    assert_eq!(
        m.header("list-unsubscribe"),
        format!("<{}/subscriptions/unsubscribe/{token}>", app.base)
    );
    assert_eq!(
        m.header("list-unsubscribe-post"),
        "List-Unsubscribe=One-Click"
    );
    assert!(m
        .header("content-type")
        .starts_with("multipart/alternative"));
    assert!(m.text.contains("190 days of notice"), "{}", m.text);
    assert!(m.text.contains(&format!("/subprocessors/{NIMBUS}")));
    assert!(m
        .text
        .contains(&format!("/changes/{change}/objection?token=")));
    assert!(m.text.contains("<html"), "an HTML part too");

    // one-click unsubscribe, posted by a mail provider from anywhere
    let res = app
        .client
        .post(format!("{}/subscriptions/unsubscribe/{token}", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://mail.provider.example")
        .header("sec-fetch-site", "cross-site")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    // every link of hers ended with it (issue 24); nothing else changed
    let (status, _) = app.get(&format!("/subscriptions/manage/{alice}")).await;
    assert_eq!(status, 404);
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM subscriptions WHERE status = 'confirmed'"
        )
        .await,
        2
    );

    widen(&app, &manager).await;
    let carol = sink.wait_for("carol@customer.example", 3, 15).await;
    assert!(carol[2]
        .header("subject")
        .starts_with("Subprocessor scope change: Nimbus Relay GmbH"));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        sink.mails_to("alice@customer.example").len(),
        3,
        "nothing after unsubscribing"
    );
    // every notice row is sent, none failed
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM deliveries WHERE purpose = 'notice' AND status = 'sent'"
        )
        .await,
        3
    );
    app.stop().await;
    sink.stop();
}

async fn bad_input_and_links_that_are_not_good(backend: Backend) {
    let sink = SmtpSink::start();
    let app = with_sink(backend, &sink).await;
    let (status, html) = subscribe(
        &app,
        &[("email", "not-an-address"), ("organisation", "Kept Ltd")],
        false,
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("id=\"sub-email-msg\""),
        "message next to the field"
    );
    assert!(
        html.contains("value=\"Kept Ltd\""),
        "what was typed is kept"
    );
    let (status, json) = subscribe(
        &app,
        &[("email", "kim@customer.example"), ("service", "mainframes")],
        true,
    )
    .await;
    assert_eq!(status, 422);
    let json: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(json["fields"][0]["field"], "service");
    let long = "x".repeat(201);
    let (status, _) = subscribe(
        &app,
        &[("email", "kim@customer.example"), ("organisation", &long)],
        false,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM subscriptions").await,
        0,
        "nothing stored"
    );

    // an unknown link, an expired one
    let unknown = "ab".repeat(32);
    let (status, html) = app.get(&format!("/subscriptions/confirm/{unknown}")).await;
    assert_eq!(status, 404);
    assert!(html.contains("Subscribe again"));
    let (status, _) = subscribe(&app, &[("email", "kim@customer.example")], false).await;
    assert_eq!(status, 303);
    let mail = sink.wait_for("kim@customer.example", 1, 15).await;
    let token = mail[0]
        .token_after("/subscriptions/confirm/")
        .expect("link");
    exec(
        &app,
        "UPDATE subscription_tokens SET expires_at = '2000-01-01T00:00:00.000Z'",
    )
    .await;
    let (status, html) = app.get(&format!("/subscriptions/confirm/{token}")).await;
    assert_eq!(status, 410);
    assert!(html.contains("has expired"), "{html}");
    let (status, _) = app.get(&format!("/subscriptions/manage/{unknown}")).await;
    assert_eq!(status, 404);
    let res = app
        .client
        .post(format!("{}/subscriptions/unsubscribe/{unknown}", app.base))
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 404);
    app.stop().await;

    // what a subscriber submits is limited per address
    let app = spawn_app_with(backend, |c| c.submit_limit_per_minute = Some(3)).await;
    let mut statuses = Vec::new();
    for i in 0..5 {
        let email = format!("s{i}@customer.example");
        statuses.push(subscribe(&app, &[("email", &email)], false).await.0);
    }
    assert!(statuses[..3].iter().all(|s| *s == 303), "{statuses:?}");
    assert_eq!(statuses[4], 429, "{statuses:?}");
    app.stop().await;
    sink.stop();
}

/// The webhook secret the manage page shows once after adding an endpoint.
pub(crate) async fn add_endpoint(app: &TestApp, token: &str, url: &str) -> String {
    let res = app
        .post_form(
            &format!("/subscriptions/manage/{token}"),
            &[("action", "webhook"), ("url", url)],
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.expect("body");
    let at = html.find("whsec_").expect("the secret is shown");
    html[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "_+/=".contains(*c))
        .collect()
}

pub(crate) fn verify(secret: &str, call: &crate::sinks::Call) {
    let hook = standardwebhooks::Webhook::new(secret).expect("secret");
    hook.verify(call.body.as_bytes(), &call.headers)
        .unwrap_or_else(|e| panic!("signature of {} verifies: {e}", call.path));
}

async fn webhooks_are_signed_retried_and_disabled(backend: Backend) {
    let sink = SmtpSink::start();
    let hooks = Receiver::start().await;
    let app = with_sink(backend, &sink).await;
    let manager = app.login("manager@example.test", PASSWORD).await;
    let token = subscribed(&app, &sink, "ops@customer.example", &[]).await;
    let ok = add_endpoint(&app, &token, &format!("{}/ok", hooks.base)).await;
    let flaky = add_endpoint(&app, &token, &format!("{}/flaky", hooks.base)).await;
    add_endpoint(&app, &token, &format!("{}/gone", hooks.base)).await;
    assert_ne!(ok, flaky, "each endpoint has its own secret");
    // the page lists them, never their secrets again
    let (_, html) = app.get(&format!("/subscriptions/manage/{token}")).await;
    assert!(html.contains(&format!("{}/flaky", hooks.base)) && !html.contains("whsec_"));

    let change = announce(&app, &manager).await;
    let first = hooks.wait_for("/ok", 1, 15).await;
    verify(&ok, &first[0]);
    let body: serde_json::Value = serde_json::from_str(&first[0].body).expect("json");
    assert_eq!(body["type"], "subprocessor.added");
    assert_eq!(body["data"]["id"], change);
    assert_eq!(body["data"]["vendor_slug"], NIMBUS);
    assert_eq!(body["data"]["state"], "upcoming");
    assert!(body["timestamp"].is_string());
    let id = first[0].headers["webhook-id"].to_str().unwrap_or_default();
    assert!(id.starts_with("msg_"));

    // 500: retried about a minute later, with the same webhook-id
    let failed = hooks.wait_for("/flaky", 1, 15).await;
    verify(&flaky, &failed[0]);
    hooks.wait_for("/gone", 1, 15).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let db = app.db().await;
    let (status, attempts, next, error) = sqlx::query_as::<Any, (String, i64, String, Option<String>)>(
        "SELECT status, attempts, next_attempt_at, last_error FROM deliveries WHERE recipient LIKE '%/flaky'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("flaky delivery");
    assert_eq!((status.as_str(), attempts), ("pending", 1));
    assert!(error.unwrap_or_default().contains("500"));
    let wait = chrono::DateTime::parse_from_rfc3339(&next)
        .expect("time")
        .with_timezone(&Utc)
        - Utc::now();
    assert!(
        wait > chrono::Duration::seconds(45) && wait < chrono::Duration::seconds(75),
        "about a minute: {wait}"
    );
    // 410: the endpoint is disabled and its delivery failed, not retried
    let (gone_status, gone_error) = sqlx::query_as::<Any, (String, Option<String>)>(
        "SELECT status, last_error FROM deliveries WHERE recipient LIKE '%/gone'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("gone delivery");
    assert_eq!(gone_status, "failed");
    assert!(gone_error.unwrap_or_default().contains("410"));
    let enabled: i64 = sqlx::query_scalar::<Any, i64>(
        "SELECT enabled FROM webhook_endpoints WHERE url LIKE '%/gone'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("endpoint");
    assert_eq!(enabled, 0);
    // time passes: the retry goes out and succeeds
    sqlx::query("UPDATE deliveries SET next_attempt_at = '2000-01-01T00:00:00.000Z' WHERE recipient LIKE '%/flaky'")
        .execute(&db.pool)
        .await
        .expect("due now");
    let calls = hooks.wait_for("/flaky", 2, 15).await;
    assert_eq!(
        calls[0].headers["webhook-id"], calls[1].headers["webhook-id"],
        "the same message id on every retry"
    );
    assert_eq!(calls[0].body, calls[1].body);
    verify(&flaky, &calls[1]);
    tokio::time::sleep(Duration::from_millis(800)).await;
    let status: String = sqlx::query_scalar::<Any, String>(
        "SELECT status FROM deliveries WHERE recipient LIKE '%/flaky'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("status");
    assert_eq!(status, "sent");
    db.pool.close().await;
    // the managers see all of it
    let (status, html) = app
        .get_with("/manage/deliveries?state=failed", &manager)
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("410 Gone"), "{html}");
    assert_eq!(
        hooks.calls_to("/gone").len(),
        1,
        "a gone endpoint is not called again"
    );

    // removing an endpoint stops its calls
    let ep: i64 = scalar(
        &app,
        "SELECT id FROM webhook_endpoints WHERE url LIKE '%/ok'",
    )
    .await;
    let res = app
        .post_form(
            &format!("/subscriptions/manage/{token}"),
            &[("action", "remove"), ("endpoint", &ep.to_string())],
            None,
        )
        .await;
    assert_eq!(res.status(), 303);
    widen(&app, &manager).await;
    hooks.wait_for("/flaky", 3, 15).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(hooks.calls_to("/ok").len(), 1);
    app.stop().await;
    sink.stop();
}

async fn deliveries_survive_a_restart_and_are_sent_once(backend: Backend) {
    // the relay is down when the change is announced
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let url = format!("smtp://127.0.0.1:{port}");
    let app = spawn_app_with(backend, {
        let url = url.clone();
        move |c| {
            c.notices.smtp_url = url;
            c.notices.instance_id = "instance-a".into();
        }
    })
    .await;
    app.create_user("manager@example.test", Role::Manager, PASSWORD)
        .await;
    let manager = app.login("manager@example.test", PASSWORD).await;
    // many confirmed subscribers (as if each had confirmed)
    let db = app.db().await;
    let now = app::store::now_utc();
    for i in 0..120 {
        sqlx::query(
            "INSERT INTO subscriptions (email, services, categories, status, created_at, confirmed_at) \
             VALUES ($1, '', '', 'confirmed', $2, $2)",
        )
        .bind(format!("s{i:03}@customer.example"))
        .bind(now.clone())
        .execute(&db.pool)
        .await
        .expect("subscriber");
    }
    announce(&app, &manager).await;
    for _ in 0..100 {
        let tried = sqlx::query_scalar::<Any, i64>(
            "SELECT COUNT(*) FROM deliveries WHERE purpose = 'notice' AND attempts > 0",
        )
        .fetch_one(&db.pool)
        .await
        .expect("count");
        if tried == 120 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (pending, error) = sqlx::query_as::<Any, (i64, Option<String>)>(
        "SELECT COUNT(*), MAX(last_error) FROM deliveries WHERE purpose = 'notice' AND status = 'pending' AND attempts = 1",
    )
    .fetch_one(&db.pool)
    .await
    .expect("pending");
    assert_eq!(pending, 120, "every notice waits for its retry");
    assert!(error.unwrap_or_default().contains("mail relay"));
    // the app kept serving meanwhile
    assert_eq!(app.get("/healthz").await.0, 200);

    // the server dies; the relay comes back; the server comes back: everything is sent
    let sink = SmtpSink::start_on(port);
    sqlx::query("UPDATE deliveries SET next_attempt_at = '2000-01-01T00:00:00.000Z' WHERE status = 'pending'")
        .execute(&db.pool)
        .await
        .expect("due now");
    let app = app
        .restart_with({
            let url = url.clone();
            move |c| {
                c.notices.smtp_url = url;
                c.notices.instance_id = "instance-a".into();
            }
        })
        .await;
    // and, on PostgreSQL, a second instance sends beside it
    let second = match backend {
        Backend::Postgres => Some(
            app.another_instance(move |c| {
                c.notices.smtp_url = url;
                c.notices.instance_id = "instance-b".into();
            })
            .await,
        ),
        Backend::Sqlite => None,
    };
    for _ in 0..300 {
        let sent = sqlx::query_scalar::<Any, i64>(
            "SELECT COUNT(*) FROM deliveries WHERE purpose = 'notice' AND status = 'sent'",
        )
        .fetch_one(&db.pool)
        .await
        .expect("count");
        if sent == 120 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mails = sink.mails();
    // the subscribers' mails: the manager's daily digest may go out meanwhile too (the
    // announced vendor is not ready yet), whenever the worker's day round comes
    let mut per: std::collections::HashMap<String, usize> = Default::default();
    for m in mails.iter().filter(|m| m.to.ends_with("@customer.example")) {
        *per.entry(m.to.clone()).or_default() += 1;
    }
    assert_eq!(per.len(), 120, "every subscriber got the notice");
    assert!(per.values().all(|n| *n == 1), "none twice");
    db.pool.close().await;
    if let Some((_, task)) = second {
        task.abort();
    }
    app.stop().await;
    sink.stop();
}

async fn objections_and_their_answers(backend: Backend) {
    let sink = SmtpSink::start();
    let app = with_sink(backend, &sink).await;
    let manager = app.login("manager@example.test", PASSWORD).await;
    let token = subscribed(&app, &sink, "legal@customer.example", &[]).await;
    let change = announce(&app, &manager).await;
    let notice = sink.wait_for("legal@customer.example", 2, 15).await;
    let link = format!("/changes/{change}/objection?token=");
    let from_mail = notice[1].token_after(&link).expect("objection link");
    let (status, html) = app.get(&format!("{link}{from_mail}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Send objection") && html.contains("Nimbus Relay GmbH"));
    let post = |reason: &'static str| {
        let app = &app;
        let path = format!("{link}{from_mail}");
        async move {
            app.post_form(
                &path,
                &[
                    ("reason", reason),
                    ("organisation", "Customer Ltd"),
                    ("contact", "+49 30 1234"),
                ],
                None,
            )
            .await
        }
    };
    let res = post("Too short").await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains("id=\"o-reason-msg\"") && html.contains("10 characters or more"));
    assert!(html.contains("Too short"), "the reason typed is kept");
    let res = post("We cannot accept customer data in France under our contract.").await;
    assert_eq!(res.status(), 303);
    assert!(res.headers()["location"]
        .to_str()
        .unwrap_or_default()
        .ends_with("&sent=1"));
    let id = scalar(&app, "SELECT MAX(id) FROM objections").await;

    // the managers' list: open, oldest first, with the days left
    let (status, html) = app.get_with("/manage/objections", &manager).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("legal@customer.example") && html.contains("190 days before it takes effect"),
        "{html}"
    );
    let (_, home) = app.get_with("/manage", &manager).await;
    assert!(home.contains("1 open objection"), "the dashboard counts it");
    let (_, vendor) = app
        .get_with(&format!("/manage/vendors/{NIMBUS}"), &manager)
        .await;
    assert!(vendor.contains("Objections from customers"));
    // acknowledge, then resolve: each a step, audited, mailed
    for (step, outcome, response) in [
        ("acknowledged", "", "We have received your objection."),
        (
            "resolved",
            "change_kept",
            "The vendor keeps data in the EU under the SCCs; here is why.",
        ),
    ] {
        let res = app
            .post_form(
                "/api/manage/objection_step",
                &[
                    ("s[id]", &id.to_string()),
                    ("s[step]", step),
                    ("s[outcome]", outcome),
                    ("s[response]", response),
                ],
                Some(&manager),
            )
            .await;
        assert_eq!(
            res.status(),
            200,
            "{}",
            res.text().await.unwrap_or_default()
        );
    }
    let mails = sink.wait_for("legal@customer.example", 4, 15).await;
    let subject = |m: &crate::sinks::Mail| m.header("subject").to_string();
    assert!(mails[2..]
        .iter()
        .any(|m| subject(m).ends_with(": Acknowledged")));
    let resolved = mails[2..]
        .iter()
        .find(|m| subject(m).contains("Resolved: Change kept"))
        .expect("the resolution is mailed");
    assert!(resolved.text.contains("here is why"));
    // a resolved objection takes no more steps
    let res = app
        .post_form(
            "/api/manage/objection_step",
            &[
                ("s[id]", &id.to_string()),
                ("s[step]", "acknowledged"),
                ("s[outcome]", ""),
                ("s[response]", ""),
            ],
            Some(&manager),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'objection'"
        )
        .await,
        2
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM objection_steps").await,
        3
    );
    // append-only
    let db = app.db().await;
    assert!(sqlx::query("DELETE FROM objection_steps")
        .execute(&db.pool)
        .await
        .is_err());
    db.pool.close().await;
    // the public entry counts it, without names or texts
    let (_, changes) = app.get("/changes").await;
    assert!(changes.contains("1 objection resolved"));
    assert!(!changes.contains("legal@customer.example") && !changes.contains("here is why"));
    // the subscriber's page shows the state and our response
    let (_, page) = app.get(&format!("/subscriptions/manage/{token}")).await;
    assert!(page.contains("Resolved: Change kept") && page.contains("here is why"));

    // a change already in effect cannot be objected to: the date says why
    let past = scalar(
        &app,
        &format!(
            "SELECT MIN(id) FROM change_events WHERE kind = 'added' AND effective_on <= '{}'",
            plus(0)
        ),
    )
    .await;
    // (an objection link objects to its own change only: the manage link here)
    let path = format!("/changes/{past}/objection?token={token}");
    let (status, html) = app.get(&path).await;
    assert_eq!(status, 200);
    assert!(html.contains("took effect on"), "{html}");
    let res = app
        .post_form(
            &path,
            &[("reason", "We object to this one as well, strongly.")],
            None,
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res
        .text()
        .await
        .unwrap_or_default()
        .contains("took effect on"));
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM objections").await, 1);
    app.stop().await;
    sink.stop();
}

async fn managers_get_one_digest_a_day(backend: Backend) {
    let sink = SmtpSink::start();
    let url = sink.url();
    let app = spawn_app_with(backend, move |c| {
        c.notices.smtp_url = url;
        c.notices.reminder_days = 90;
    })
    .await;
    app.create_user("manager@example.test", Role::Manager, PASSWORD)
        .await;
    app.create_user("quiet@example.test", Role::Manager, PASSWORD)
        .await;
    app.create_user("auditor@example.test", Role::Auditor, PASSWORD)
        .await;
    let quiet = app.login("quiet@example.test", PASSWORD).await;
    let res = app
        .post_form("/api/account/reminders", &[("on", "false")], Some(&quiet))
        .await;
    assert_eq!(res.status(), 200);
    // the day's digest was taken before anyone had an account: take it again
    exec(&app, "DELETE FROM reminder_digests").await;
    let mails = sink.wait_for("manager@example.test", 1, 15).await;
    assert!(
        mails[0]
            .header("subject")
            .starts_with("Evidence lapsing within 90 days"),
        "{}",
        mails[0].header("subject")
    );
    assert!(
        mails[0].text.contains("/manage/vendors/"),
        "links to the vendors"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sink.mails_to("manager@example.test").len(), 1, "once a day");
    assert!(sink.mails_to("quiet@example.test").is_empty(), "opted out");
    assert!(
        sink.mails_to("auditor@example.test").is_empty(),
        "auditors are not reminded"
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM reminder_digests").await,
        1
    );
    app.stop().await;
    sink.stop();
}

on_both_databases!(
    subscribers_are_told_once_per_matching_change,
    bad_input_and_links_that_are_not_good,
    webhooks_are_signed_retried_and_disabled,
    deliveries_survive_a_restart_and_are_sent_once,
    objections_and_their_answers,
    managers_get_one_digest_a_day,
);
