//! Mail abuse and subscriber links (issue 24), end to end on both databases with the real
//! SMTP sink: one mailbox gets at most its cap whatever the spelling of its address; per
//! domain and in all (shared by instances) mails on request are capped with a 429; opening a
//! confirmation link (GET, HEAD) confirms nothing; one-click unsubscribes from one provider
//! are never throttled; each link does its own thing for its own time, ends on unsubscribing
//! or revocation and is pruned; rows of one mailbox stored before are merged by migration
//! 0017.

use std::time::Duration;

use app::{
    domain::notices::SubscribeForm,
    store::{subscriptions, Db},
};
use chrono::Utc;
use sqlx::Any;

use crate::{
    notices::{announce, exec, scalar, subscribe, subscribed, with_sink, PASSWORD},
    sinks::SmtpSink,
    support::{fresh_database_url_for, spawn_app_with, Backend},
};

/// Mails the sink received for the mailbox `victim@example.org`, however addressed.
fn to_victim(sink: &SmtpSink) -> usize {
    sink.mails()
        .iter()
        .filter(|m| {
            let to = m.to.to_lowercase();
            to.starts_with("victim") && to.ends_with("@example.org")
        })
        .count()
}

async fn one_mailbox_gets_at_most_its_cap(backend: Backend) {
    let sink = SmtpSink::start();
    let app = with_sink(backend, &sink).await;
    // a display name without a space is no address: refused, nothing stored, nothing sent
    for i in 1..=6 {
        let addr = format!("{i}<victim@example.org>");
        let (status, _) = subscribe(&app, &[("email", &addr)], false).await;
        assert_eq!(status, 422, "{addr}");
    }
    for addr in ["Victim <victim@example.org>", "\"victim\"@example.org"] {
        assert_eq!(subscribe(&app, &[("email", addr)], false).await.0, 422);
    }
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM subscriptions").await, 0);
    // case and +tag variants are one mailbox: one subscription, at most three mails a day
    for addr in [
        "victim+a@example.org",
        "Victim@example.org",
        "victim+b@Example.org",
        "victim@example.org",
        "VICTIM+c@example.org",
        "victim+d@example.org",
    ] {
        let (status, location) = subscribe(&app, &[("email", addr)], false).await;
        assert_eq!((status, location.as_str()), (303, "/subscribe?sent=1"));
    }
    for _ in 0..75 {
        if to_victim(&sink) >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        to_victim(&sink),
        3,
        "the mailbox's cap, whatever the spelling"
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM subscriptions").await, 1);
    app.stop().await;
    sink.stop();
}

async fn domain_and_hourly_caps_answer_429(backend: Backend) {
    let sink = SmtpSink::start();
    let url = sink.url();
    let app = spawn_app_with(backend, move |c| {
        c.notices.smtp_url = url;
        c.notices.caps.per_domain_hour = 2;
        c.notices.caps.per_hour = 4;
        c.ops.metrics_token = Some("metrics-token".into());
    })
    .await;
    for addr in ["a@one.example", "b@one.example"] {
        assert_eq!(subscribe(&app, &[("email", addr)], false).await.0, 303);
    }
    // a third mailbox at the same domain within the hour
    let res = app
        .post_form("/subscribe", &[("email", "c@one.example")], None)
        .await;
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap_or_default()
        .parse()
        .expect("Retry-After in seconds");
    assert!((1..=3600).contains(&wait));
    let html = res.text().await.unwrap_or_default();
    assert!(html.contains("this address&#x27;s domain") || html.contains("this address's domain"));
    let (status, json) = subscribe(&app, &[("email", "c@one.example")], true).await;
    assert_eq!(status, 429, "{json}");
    // the hourly cap in all
    for addr in ["d@two.example", "e@three.example"] {
        assert_eq!(subscribe(&app, &[("email", addr)], false).await.0, 303);
    }
    let (status, html) = subscribe(&app, &[("email", "f@four.example")], false).await;
    assert_eq!(status, 429);
    assert!(
        html.contains("too many confirmation mails right now"),
        "{html}"
    );
    // counted in the database: another instance refuses too
    let url = sink.url();
    let (other, task) = app
        .another_instance(move |c| {
            c.notices.smtp_url = url;
            // no delivery worker: aborted below, it would leave a claimed mail unsent
            c.notices.worker = false;
            c.notices.caps.per_domain_hour = 2;
            c.notices.caps.per_hour = 4;
        })
        .await;
    let res = app
        .client
        .post(format!("{other}/subscribe"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("email=g%40five.example")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 429);
    task.abort();
    for to in [
        "a@one.example",
        "b@one.example",
        "d@two.example",
        "e@three.example",
    ] {
        sink.wait_for(to, 1, 15).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sink.mails().len(), 4, "only what the caps let through");
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM subscriptions").await,
        4,
        "a refused request records nothing"
    );
    // the metric says which cap tripped
    let metrics = app
        .client
        .get(format!("{}/metrics", app.base))
        .header("authorization", "Bearer metrics-token")
        .send()
        .await
        .expect("request")
        .text()
        .await
        .unwrap_or_default();
    assert!(
        metrics.contains("registry_confirmation_mails_capped_total{cap=\"global\"}")
            && metrics.contains("registry_confirmation_mails_capped_total{cap=\"domain\"}"),
        "{metrics}"
    );
    app.stop().await;
    sink.stop();
}

async fn opening_a_confirmation_link_confirms_nothing(backend: Backend) {
    let sink = SmtpSink::start();
    let app = with_sink(backend, &sink).await;
    assert_eq!(
        subscribe(&app, &[("email", "kim@customer.example")], false)
            .await
            .0,
        303
    );
    let mail = sink.wait_for("kim@customer.example", 1, 15).await;
    let token = mail[0]
        .token_after("/subscriptions/confirm/")
        .expect("a confirmation link");
    let path = format!("/subscriptions/confirm/{token}");
    // what a mail scanner does: HEAD, then GET (twice)
    let head = app
        .client
        .head(format!("{}{path}", app.base))
        .send()
        .await
        .expect("request");
    assert_eq!(head.status(), 200);
    for _ in 0..2 {
        let (status, html) = app.get(&path).await;
        assert_eq!(status, 200);
        assert!(html.contains("Confirm subscription"), "{html}");
    }
    let confirmed = "SELECT COUNT(*) FROM subscriptions WHERE status = 'confirmed'";
    assert_eq!(scalar(&app, confirmed).await, 0, "opening confirms nothing");
    // the button's post does
    let res = app.post_form(&path, &[], None).await;
    assert_eq!(res.status(), 303);
    let manage = res.headers()["location"]
        .to_str()
        .unwrap_or_default()
        .to_string();
    assert!(manage.starts_with("/subscriptions/manage/"), "{manage}");
    assert_eq!(scalar(&app, confirmed).await, 1);
    // the manage page is never stored by a cache
    let res = app.get_raw(&manage).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    // a used link is gone
    assert_eq!(app.get(&path).await.0, 404);
    app.stop().await;
    sink.stop();
}

async fn one_click_unsubscribes_from_one_provider_all_succeed(backend: Backend) {
    let sink = SmtpSink::start();
    let app = with_sink(backend, &sink).await;
    let manager = app.login("manager@example.test", PASSWORD).await;
    let people: Vec<String> = (0..15).map(|i| format!("p{i}@customer.example")).collect();
    for p in &people {
        subscribed(&app, &sink, p, &[]).await;
    }
    announce(&app, &manager).await;
    let mut tokens = Vec::new();
    for p in &people {
        let mails = sink.wait_for(p, 2, 30).await;
        tokens.push(
            mails[1]
                .token_after("/subscriptions/unsubscribe/")
                .expect("unsubscribe link"),
        );
    }
    // now the subscribers' limit as in production: 10 posts a minute per address
    let app = app
        .restart_with(|c| {
            c.submit_limit_per_minute = Some(10);
            c.rate_limit_per_minute = Some(600);
        })
        .await;
    for t in &tokens {
        let res = app
            .client
            .post(format!("{}/subscriptions/unsubscribe/{t}", app.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", "https://mail.provider.example")
            .header("sec-fetch-site", "cross-site")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 200, "every valid one-click post is answered");
    }
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM subscriptions WHERE status = 'unsubscribed'"
        )
        .await,
        15
    );
    // unsubscribing ended every link, and posts of tokens that are not good are throttled
    let mut statuses = Vec::new();
    for t in tokens.iter().take(12) {
        let res = app
            .client
            .post(format!("{}/subscriptions/unsubscribe/{t}", app.base))
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .expect("request");
        statuses.push(res.status().as_u16());
    }
    assert!(statuses[..10].iter().all(|s| *s == 404), "{statuses:?}");
    assert_eq!(statuses[11], 429, "{statuses:?}");
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM subscription_tokens").await,
        0
    );
    app.stop().await;
    sink.stop();
}

/// The three tokens of the notice mail `m`: manage, unsubscribe, objection.
fn links_of(m: &crate::sinks::Mail, change: i64) -> (String, String, String) {
    (
        m.token_after("/subscriptions/manage/").expect("manage"),
        m.token_after("/subscriptions/unsubscribe/")
            .expect("unsubscribe"),
        m.token_after(&format!("/changes/{change}/objection?token="))
            .expect("objection"),
    )
}

async fn each_link_does_its_own_thing_for_its_own_time(backend: Backend) {
    let sink = SmtpSink::start();
    let app = with_sink(backend, &sink).await;
    let manager = app.login("manager@example.test", PASSWORD).await;
    let who = "legal@customer.example";
    subscribed(&app, &sink, who, &[]).await;
    let change = announce(&app, &manager).await;
    let mails = sink.wait_for(who, 2, 15).await;
    let (manage, unsub, objection) = links_of(&mails[1], change);
    assert!(manage != unsub && unsub != objection && manage != objection);
    assert_eq!(
        mails[1].header("list-unsubscribe"),
        format!("<{}/subscriptions/unsubscribe/{unsub}>", app.base)
    );
    // the unsubscribe link opens its own page only
    let (status, html) = app
        .get(&format!("/subscriptions/unsubscribe/{unsub}"))
        .await;
    assert_eq!(status, 200);
    assert!(html.contains(who));
    assert_eq!(
        app.get(&format!("/subscriptions/manage/{unsub}")).await.0,
        404
    );
    let object = |token: &str, change: i64| format!("/changes/{change}/objection?token={token}");
    assert_eq!(app.get(&object(&unsub, change)).await.0, 404);
    let res = app
        .post_form(
            &format!("/subscriptions/manage/{unsub}"),
            &[("action", "revoke")],
            None,
        )
        .await;
    assert_eq!(res.status(), 404, "an unsubscribe link revokes nothing");
    // the objection link objects to its change only, until it takes effect
    assert_eq!(app.get(&object(&objection, change)).await.0, 200);
    assert_eq!(app.get(&object(&objection, change + 1000)).await.0, 404);
    assert_eq!(
        app.get(&format!("/subscriptions/manage/{objection}"))
            .await
            .0,
        404
    );
    let db = app.db().await;
    let ends = sqlx::query_scalar::<Any, String>(
        "SELECT expires_at FROM subscription_tokens WHERE kind = 'objection'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("objection link");
    db.pool.close().await;
    assert!(
        ends.starts_with(&format!("{}T00:00:00", crate::notices::plus(190))),
        "{ends}"
    );
    // the manage link: 30 days
    let res = app
        .get_raw(&format!("/subscriptions/manage/{manage}"))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let days = scalar(
        &app,
        "SELECT COUNT(*) FROM subscription_tokens WHERE kind = 'access' \
         AND expires_at > created_at AND substr(expires_at, 1, 10) = substr(unsubscribe_until, 1, 10)",
    )
    .await;
    assert_eq!(
        days, 0,
        "an access link manages for less time than it unsubscribes"
    );
    exec(
        &app,
        "UPDATE subscription_tokens SET expires_at = '2000-01-01T00:00:00.000Z' WHERE kind = 'access'",
    )
    .await;
    assert_eq!(
        app.get(&format!("/subscriptions/manage/{manage}")).await.0,
        404,
        "an expired manage link opens nothing"
    );
    // subscribing again with the address mails a fresh manage link
    assert_eq!(subscribe(&app, &[("email", who)], false).await.0, 303);
    let mails = sink.wait_for(who, 3, 15).await;
    let fresh = mails[2]
        .token_after("/subscriptions/manage/")
        .expect("a fresh manage link");
    assert_eq!(
        app.get(&format!("/subscriptions/manage/{fresh}")).await.0,
        200
    );
    // revoking every link from the page: none works, the subscription stays on
    let res = app
        .post_form(
            &format!("/subscriptions/manage/{fresh}"),
            &[("action", "revoke")],
            None,
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/subscribe?revoked=1");
    for path in [
        format!("/subscriptions/manage/{fresh}"),
        format!("/subscriptions/unsubscribe/{unsub}"),
        object(&objection, change),
    ] {
        assert_eq!(app.get(&path).await.0, 404, "{path}");
    }
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM subscriptions WHERE status = 'confirmed'"
        )
        .await,
        1
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM subscription_tokens").await,
        0
    );
    app.stop().await;
    sink.stop();
}

async fn ended_links_and_old_counts_are_pruned(backend: Backend) {
    let sink = SmtpSink::start();
    let app = with_sink(backend, &sink).await;
    subscribed(&app, &sink, "kim@customer.example", &[]).await;
    // one ended link, one whose manage power ended but that still unsubscribes, one alive;
    // and a mail count of last week
    exec(
        &app,
        "UPDATE subscription_tokens SET expires_at = '2000-01-01T00:00:00.000Z', \
         unsubscribe_until = '2000-01-02T00:00:00.000Z'",
    )
    .await;
    let db = app.db().await;
    let mut conn = db.pool.acquire().await.expect("conn");
    let id = scalar(&app, "SELECT id FROM subscriptions").await;
    let now = Utc::now();
    app::store::subscriber_links::issue(
        &mut conn,
        id,
        app::domain::subscriber_links::LinkKind::Access,
        now - chrono::Duration::days(40),
        None,
    )
    .await
    .expect("old access link");
    app::store::subscriber_links::issue(
        &mut conn,
        id,
        app::domain::subscriber_links::LinkKind::Unsubscribe,
        now,
        None,
    )
    .await
    .expect("live link");
    drop(conn);
    db.pool.close().await;
    exec(
        &app,
        "INSERT INTO mail_counts (scope, window_start, sent) VALUES ('global', '2000-01-01T10', 3)",
    )
    .await;
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM subscription_tokens").await,
        3
    );
    // the worker of a (re)started instance prunes in its first round
    let app = app.restart_with(|_| {}).await;
    let mut left = 0;
    for _ in 0..50 {
        left = scalar(&app, "SELECT COUNT(*) FROM subscription_tokens").await;
        if left == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(left, 2, "only the ended link is pruned");
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM mail_counts WHERE window_start < '2001'"
        )
        .await,
        0
    );
    app.stop().await;
    sink.stop();
}

/// Insert a subscription row as the schema before 0017 had it.
async fn old_row(db: &Db, email: &str, status: &str, created: &str) -> i64 {
    sqlx::query_scalar::<Any, i64>(
        "INSERT INTO subscriptions (email, services, categories, status, created_at, confirmed_at) \
         VALUES ($1, '', '', $2, $3, $3) RETURNING id",
    )
    .bind(email.to_string())
    .bind(status.to_string())
    .bind(created.to_string())
    .fetch_one(&db.pool)
    .await
    .expect(email)
}

async fn rows_of_one_mailbox_are_merged_by_the_migration(backend: Backend) {
    let (url, _dir, pg) = fresh_database_url_for(backend).await;
    let db = Db::connect(&url).await.expect("connect");
    db.migrate_until(15).await.expect("the schema before 0017");
    let t = |d: u32| format!("2026-01-{d:02}T10:00:00.000Z");
    let tagged = old_row(&db, "victim+a@x.org", "pending", &t(1)).await;
    let named = old_row(&db, "1<victim@x.org>", "confirmed", &t(2)).await;
    let plain = old_row(&db, "victim@x.org", "confirmed", &t(3)).await;
    let dotted = old_row(&db, "vic.tim@googlemail.com", "unsubscribed", &t(4)).await;
    let gmail = old_row(&db, "victim@gmail.com", "confirmed", &t(5)).await;
    let solo = old_row(&db, "2<solo@y.org>", "confirmed", &t(6)).await;
    let exec = |sql: String| {
        let db = &db;
        async move {
            sqlx::query(&sql).execute(&db.pool).await.expect(&sql);
        }
    };
    exec(format!(
        "INSERT INTO subscription_tokens (token_hash, subscription_id, kind, created_at) \
         VALUES ('{}', {plain}, 'access', '{}')",
        "a".repeat(64),
        t(3)
    ))
    .await;
    exec(format!(
        "INSERT INTO webhook_endpoints (subscription_id, url, secret, created_at) \
         VALUES ({plain}, 'https://hooks.example/x', 'whsec_x', '{}')",
        t(3)
    ))
    .await;
    exec(format!(
        "INSERT INTO deliveries (channel, purpose, dedup_key, subscription_id, recipient, payload, \
         message_id, status, first_due_at, next_attempt_at, created_at) \
         VALUES ('mail', 'confirm', 'old', {plain}, 'victim@x.org', '\"Confirm\"', 'msg_x', 'sent', \
         '{0}', '{0}', '{0}')",
        t(3)
    ))
    .await;
    db.migrate().await.expect("migrate 0017");

    type Row = (i64, String, String, Option<String>, Option<i64>);
    let rows: Vec<Row> = sqlx::query_as::<Any, Row>(
        "SELECT id, email, status, mailbox, merged_into FROM subscriptions ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await
    .expect("rows");
    let row = |id: i64| rows.iter().find(|r| r.0 == id).expect("row").clone();
    // the oldest confirmed row of a mailbox is kept, with the plain address
    assert_eq!(
        row(named),
        (
            named,
            "victim@x.org".into(),
            "confirmed".into(),
            Some("victim@x.org".into()),
            None
        )
    );
    for merged in [tagged, plain] {
        let r = row(merged);
        assert_eq!((r.2.as_str(), r.4), ("unsubscribed", Some(named)), "{r:?}");
        assert!(r.1.contains(" #merged into "), "{r:?}");
    }
    assert_eq!(row(gmail).4, None, "confirmed beats older unsubscribed");
    assert_eq!(row(gmail).3.as_deref(), Some("victim@gmail.com"));
    assert_eq!(row(dotted).4, Some(gmail));
    assert_eq!(row(solo).1, "solo@y.org");
    // links and endpoints move to the kept row; deliveries stay where they were
    let moved = |sql: &str| {
        let db = &db;
        let sql = sql.to_string();
        async move {
            sqlx::query_scalar::<Any, i64>(&sql)
                .fetch_one(&db.pool)
                .await
                .expect(&sql)
        }
    };
    assert_eq!(
        moved("SELECT subscription_id FROM subscription_tokens").await,
        named
    );
    assert_eq!(
        moved("SELECT COUNT(*) FROM subscription_tokens WHERE expires_at IS NOT NULL AND unsubscribe_until IS NOT NULL").await,
        1,
        "the old link gets the new lifetimes, not revoked"
    );
    assert_eq!(
        moved("SELECT subscription_id FROM webhook_endpoints").await,
        named
    );
    assert_eq!(moved("SELECT subscription_id FROM deliveries").await, plain);
    // a new request for any spelling finds the kept row
    let form = SubscribeForm {
        email: "Victim+new@X.org".into(),
        ..Default::default()
    };
    let new = form.parse(&[]).expect("form");
    let mut conn = db.pool.acquire().await.expect("conn");
    let found = subscriptions::request(&mut conn, &new, Utc::now())
        .await
        .expect("request");
    assert_eq!(found.id, named);
    drop(conn);
    db.pool.close().await;
    if let Some(name) = pg {
        crate::support::drop_postgres_database(&name).await;
    }
}

on_both_databases!(
    one_mailbox_gets_at_most_its_cap,
    domain_and_hourly_caps_answer_429,
    opening_a_confirmation_link_confirms_nothing,
    one_click_unsubscribes_from_one_provider_all_succeed,
    each_link_does_its_own_thing_for_its_own_time,
    ended_links_and_old_counts_are_pruned,
    rows_of_one_mailbox_are_merged_by_the_migration,
);
