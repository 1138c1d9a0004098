//! The delivery worker's lanes and webhook endpoints, on both databases with the real SMTP
//! server and the real HTTP receiver: a slow endpoint does not hold up mail, one call at a
//! time per endpoint, a failing endpoint is backed off, the five-endpoint cap holds when adds
//! race, and the client ignores proxy settings.

use std::time::{Duration, Instant};

use crate::{
    notices::{add_endpoint, subscribe, subscribed, with_sink},
    sinks::{Receiver, SmtpSink},
    support::{Backend, TestApp},
};
use app::store::{
    begin_write,
    outbox::{self, NewDelivery},
};
use chrono::Utc;
use sqlx::Any;

/// Queue `n` webhook calls to the endpoint whose URL ends in `path`, as a fan-out would.
async fn queue_calls(app: &TestApp, path: &str, n: usize) {
    let db = app.db().await;
    let (endpoint, subscription, url) = sqlx::query_as::<Any, (i64, i64, String)>(
        "SELECT id, subscription_id, url FROM webhook_endpoints WHERE url LIKE $1",
    )
    .bind(format!("%{path}"))
    .fetch_one(&db.pool)
    .await
    .expect("the endpoint");
    let rows: Vec<NewDelivery> = (0..n)
        .map(|i| NewDelivery {
            channel: "webhook",
            purpose: "notice",
            dedup_key: format!("test:{path}:{i}"),
            change_event_id: None,
            subscription_id: Some(subscription),
            endpoint_id: Some(endpoint),
            recipient: url.clone(),
            payload: format!("{{\"n\":{i}}}"),
            message_id: outbox::message_id(),
        })
        .collect();
    let mut tx = begin_write(&db).await.expect("begin");
    outbox::queue(&mut tx, &rows, Utc::now())
        .await
        .expect("queue");
    tx.commit().await.expect("commit");
    db.pool.close().await;
}

async fn a_slow_endpoint_does_not_hold_up_mail(backend: Backend) {
    let sink = SmtpSink::start();
    let hooks = Receiver::start().await;
    let app = with_sink(backend, &sink).await;
    let token = subscribed(&app, &sink, "ops@customer.example", &[]).await;
    add_endpoint(&app, &token, &format!("{}/slow", hooks.base)).await;
    queue_calls(&app, "/slow", 1).await;
    // the call is under way, and will be for the whole timeout (15 s)
    hooks.wait_for("/slow", 1, 15).await;
    let asked = Instant::now();
    let (status, _) = subscribe(&app, &[("email", "late@customer.example")], false).await;
    assert_eq!(status, 303);
    sink.wait_for("late@customer.example", 1, 12).await;
    let took = asked.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "the confirmation mail waited {took:?} behind a slow endpoint"
    );
    app.stop().await;
    sink.stop();
}

async fn one_call_at_a_time_per_endpoint_and_a_failing_one_backs_off(backend: Backend) {
    let sink = SmtpSink::start();
    let hooks = Receiver::start().await;
    let app = with_sink(backend, &sink).await;
    let token = subscribed(&app, &sink, "ops@customer.example", &[]).await;
    add_endpoint(&app, &token, &format!("{}/sleep", hooks.base)).await;
    add_endpoint(&app, &token, &format!("{}/down", hooks.base)).await;
    queue_calls(&app, "/sleep", 3).await;
    queue_calls(&app, "/down", 3).await;

    hooks.wait_for("/sleep", 3, 20).await;
    assert_eq!(
        hooks.most_at_once("/sleep"),
        1,
        "one call at a time to one endpoint"
    );

    hooks.wait_for("/down", 1, 15).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        hooks.calls_to("/down").len(),
        1,
        "after a failure the endpoint's other deliveries wait"
    );
    let db = app.db().await;
    let rows = sqlx::query_as::<Any, (String, i64, String)>(
        "SELECT status, attempts, next_attempt_at FROM deliveries \
         WHERE recipient LIKE '%/down' ORDER BY attempts DESC, id",
    )
    .fetch_all(&db.pool)
    .await
    .expect("deliveries");
    db.pool.close().await;
    assert_eq!(rows.len(), 3);
    let (status, attempts, retry_at) = &rows[0];
    assert_eq!((status.as_str(), *attempts), ("pending", 1));
    let in_a_minute = outbox::stamp(Utc::now() + chrono::Duration::seconds(40));
    assert!(retry_at.as_str() > in_a_minute.as_str(), "{retry_at}");
    for (status, attempts, next) in &rows[1..] {
        assert_eq!((status.as_str(), *attempts), ("pending", 0), "not tried");
        assert!(next >= retry_at, "backed off with the failed one: {next}");
    }
    app.stop().await;
    sink.stop();
}

async fn the_endpoint_cap_holds_when_adds_race(backend: Backend) {
    let sink = SmtpSink::start();
    let hooks = Receiver::start().await;
    let app = with_sink(backend, &sink).await;
    let token = subscribed(&app, &sink, "ops@customer.example", &[]).await;
    let page = format!("{}/subscriptions/manage/{token}", app.base);
    let posts = (0..12).map(|i| {
        let body = serde_urlencoded::to_string([
            ("action", "webhook".to_string()),
            ("url", format!("{}/ok{i}", hooks.base)),
        ])
        .expect("form");
        app.client
            .post(&page)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(body)
            .send()
    });
    let answers = futures::future::join_all(posts).await;
    let mut created = 0;
    for res in answers {
        let res = res.expect("answer");
        match res.status().as_u16() {
            201 => {
                created += 1;
                assert_eq!(
                    res.headers()
                        .get("cache-control")
                        .and_then(|v| v.to_str().ok()),
                    Some("no-store"),
                    "the answer that shows a secret is not kept by any cache"
                );
                let body: serde_json::Value = res.json().await.expect("json");
                assert!(body["secret"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("whsec_")));
            }
            422 => {}
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(created, 5, "five adds succeed, the others are refused");
    let db = app.db().await;
    let stored: i64 =
        sqlx::query_scalar::<Any, i64>("SELECT COUNT(*) FROM webhook_endpoints WHERE enabled = 1")
            .fetch_one(&db.pool)
            .await
            .expect("count");
    db.pool.close().await;
    assert_eq!(stored, 5);
    app.stop().await;
    sink.stop();
}

on_both_databases!(
    a_slow_endpoint_does_not_hold_up_mail,
    one_call_at_a_time_per_endpoint_and_a_failing_one_backs_off,
    the_endpoint_cap_holds_when_adds_race,
);

/// Set for the child process of [`calls_ignore_proxy_settings`]: the URL to call.
const CHILD_URL: &str = "REGISTRY_TEST_WEBHOOK_URL";

/// The child half of [`calls_ignore_proxy_settings`], run in a process whose proxy variables
/// point at a dead address (they are read per process, so the other tests are not touched).
#[tokio::test]
#[ignore = "run by calls_ignore_proxy_settings in a child process"]
async fn call_with_dead_proxies_set() {
    let Ok(url) = std::env::var(CHILD_URL) else {
        return;
    };
    let secret = server::outbox::webhook::new_secret();
    let answer = server::outbox::webhook::call(&url, &secret, "msg_proxy", "{}", true).await;
    assert_eq!(answer, server::outbox::webhook::Answer::Delivered);
}

#[tokio::test]
async fn calls_ignore_proxy_settings() {
    let hooks = Receiver::start().await;
    // a port nothing listens on any more: a proxy there refuses every connection
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("http://{}", l.local_addr().expect("addr"))
    };
    let url = format!("{}/ok", hooks.base);
    let child = tokio::task::spawn_blocking(move || {
        let mut cmd = std::process::Command::new(std::env::current_exe().expect("test binary"));
        cmd.args([
            "webhooks::call_with_dead_proxies_set",
            "--exact",
            "--include-ignored",
            "--test-threads=1",
        ])
        .env(CHILD_URL, &url)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy");
        for name in [
            "HTTPS_PROXY",
            "HTTP_PROXY",
            "ALL_PROXY",
            "https_proxy",
            "http_proxy",
            "all_proxy",
        ] {
            cmd.env(name, &dead);
        }
        cmd.output().expect("run the child")
    })
    .await
    .expect("child");
    let out = String::from_utf8_lossy(&child.stdout).to_string()
        + &String::from_utf8_lossy(&child.stderr);
    assert!(child.status.success(), "{out}");
    assert!(out.contains("1 passed"), "{out}");
    assert_eq!(
        hooks.calls_to("/ok").len(),
        1,
        "the call reached the receiver"
    );
}
