//! Proposals (issue 26), end to end on both databases: a vendor's contact proposes a new
//! sub-processor; the notice rule refuses a day too early at once; the record does not change
//! while the proposal waits; accepted, it goes through the vendor save (the sub-processor is
//! listed, the change is announced for the proposed day, the contact is told); a proposal
//! made against a record that changed since is a conflict and is never applied. A subscriber
//! is told of the accepted sub-processor as of any widening. A new country goes through the
//! vendor save the same way; a new contact, accepted, is invited by mail.

use crate::{
    notices::{exec, scalar, subscribed, PASSWORD},
    portal::contact_session,
    reviews::sent_back,
    sinks::SmtpSink,
    support::{spawn_app_with, Backend, TestApp},
};

const VENDOR: &str = "driftwood-labs";

async fn propose(app: &TestApp, cookie: &str, name: &str, effective_on: &str) -> String {
    // one of the vendor's own data categories (only those can be passed on)
    let db = app.db().await;
    let categories: String = sqlx::query_scalar::<sqlx::Any, String>(&format!(
        "SELECT MIN(c.category_code) FROM vendor_data_categories c \
         JOIN vendors v ON v.id = c.vendor_id WHERE v.slug = '{VENDOR}'"
    ))
    .fetch_one(&db.pool)
    .await
    .expect("categories");
    db.pool.close().await;
    let category = format!(
        "p[categories][{}]",
        categories.split_whitespace().next().unwrap_or("customer")
    );
    let res = app
        .client
        .post(format!("{}/api/vendor/propose", app.base))
        .header("origin", &app.base)
        .header("accept", "text/html")
        .header("cookie", cookie)
        .form(&[
            ("p[legal_name]", name),
            ("p[country]", "se"),
            ("p[purpose]", "Cold storage of backups"),
            ("p[effective_on]", effective_on),
            (category.as_str(), "on"),
        ])
        .send()
        .await
        .expect("propose");
    assert_eq!(res.status(), 302);
    sent_back(&res)
}

async fn json(app: &TestApp, path: &str, form: &[(&str, &str)], cookie: &str) -> serde_json::Value {
    let res = app.post_form(path, form, Some(cookie)).await;
    assert_eq!(res.status(), 200, "{path}");
    res.json().await.expect("json")
}

async fn sub_processors_named(app: &TestApp, name: &str) -> i64 {
    scalar(
        app,
        &format!(
            "SELECT COUNT(*) FROM vendors WHERE slug = '{VENDOR}' AND sub_processors LIKE '%{name}%'"
        ),
    )
    .await
}

async fn proposals_go_through_the_vendor_save(backend: Backend) {
    let sink = SmtpSink::start();
    let smtp = sink.url();
    let app = spawn_app_with(backend, |c| c.notices.smtp_url = smtp).await;
    app.create_user("manager@example.test", app::domain::Role::Manager, PASSWORD)
        .await;
    let manager = app.login("manager@example.test", PASSWORD).await;
    let ada = contact_session(&app, VENDOR, "ada@driftwood.example").await;
    let today = chrono::Utc::now().date_naive();
    let later = (today + chrono::Days::new(200)).to_string();
    let customer = "privacy@customer.example";
    subscribed(&app, &sink, customer, &[]).await;

    // anonymous: refused; too early: the notice rule says the earliest day, nothing kept
    let res = app
        .post_form("/api/vendor/propose", &[("p[legal_name]", "X")], None)
        .await;
    assert_eq!(res.status(), 401);
    let back = propose(&app, &ada, "Fjordvault Cold Storage AS", &today.to_string()).await;
    assert!(
        back.contains("proposal_error=") && back.contains("earliest"),
        "{back}"
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM proposals").await, 0);
    let events = scalar(&app, "SELECT COUNT(*) FROM change_events").await;

    // proposed: waiting, the record unchanged
    let back = propose(&app, &ada, "Fjordvault Cold Storage AS", &later).await;
    assert!(back.starts_with("/vendor?proposed=1"), "{back}");
    assert_eq!(
        sub_processors_named(&app, "Fjordvault Cold Storage AS").await,
        0
    );
    let home = json(&app, "/api/vendor/home", &[], &ada).await;
    let p = &home["proposals"][0];
    assert_eq!(
        p["summary"],
        "New sub-processor: Fjordvault Cold Storage AS (SE), Cold storage of backups"
    );
    assert_eq!(p["state"], "Pending");
    let id = p["id"].as_i64().expect("id").to_string();
    let queue = json(&app, "/api/manage/reviews", &[], &manager).await;
    assert_eq!(queue["proposals"][0]["id"].to_string(), id);
    let review = json(&app, "/api/manage/proposal", &[("id", &id)], &manager).await;
    let before = review["before"].as_array().map(Vec::len).unwrap_or(0);
    assert_eq!(review["after"].as_array().map(Vec::len), Some(before + 1));
    assert_eq!(review["proposal"]["conflict"], false);

    // accepted: saved through the vendor save, announced for the proposed day
    json(
        &app,
        "/api/manage/decide_proposal",
        &[
            ("id", &id),
            ("version", "1"),
            ("decision", "approve"),
            ("comment", ""),
        ],
        &manager,
    )
    .await;
    assert_eq!(
        sub_processors_named(&app, "Fjordvault Cold Storage AS").await,
        1
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM change_events").await,
        events + 1,
        "the widening is announced"
    );
    assert_eq!(
        scalar(
            &app,
            &format!("SELECT COUNT(*) FROM change_events WHERE effective_on = '{later}'")
        )
        .await,
        1
    );
    let mails = sink.wait_for("ada@driftwood.example", 1, 20).await;
    assert!(
        mails[0].text.contains("Fjordvault Cold Storage AS"),
        "{}",
        mails[0].text
    );
    // the subscriber is told of the widening, as when a manager types it
    let notices = sink.wait_for(customer, 2, 20).await;
    assert!(
        notices[1].text.contains("Fjordvault Cold Storage AS"),
        "{}",
        notices[1].text
    );

    // a proposal on a record that changed since: a conflict, never applied
    let back = propose(&app, &ada, "Second Vault GmbH", &later).await;
    assert!(back.starts_with("/vendor?proposed=1"), "{back}");
    exec(
        &app,
        &format!("UPDATE vendors SET version = version + 1 WHERE slug = '{VENDOR}'"),
    )
    .await;
    let home = json(&app, "/api/vendor/home", &[], &ada).await;
    let id = home["proposals"][0]["id"].as_i64().expect("id").to_string();
    let review = json(&app, "/api/manage/proposal", &[("id", &id)], &manager).await;
    assert_eq!(review["proposal"]["conflict"], true);
    let res = app
        .post_form(
            "/api/manage/decide_proposal",
            &[
                ("id", &id),
                ("version", "1"),
                ("decision", "approve"),
                ("comment", ""),
            ],
            Some(&manager),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res
        .text()
        .await
        .expect("body")
        .contains("record changed since"));
    assert_eq!(sub_processors_named(&app, "Second Vault GmbH").await, 0);
    json(
        &app,
        "/api/manage/decide_proposal",
        &[
            ("id", &id),
            ("version", "1"),
            ("decision", "request_changes"),
            ("comment", "Propose it again: the record changed."),
        ],
        &manager,
    )
    .await;
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'proposal'"
        )
        .await,
        4,
        "two proposals, two decisions"
    );
    app.stop().await;
}

async fn propose_form(app: &TestApp, cookie: &str, form: &[(&str, &str)]) -> String {
    let res = app
        .client
        .post(format!("{}/api/vendor/propose", app.base))
        .header("origin", &app.base)
        .header("accept", "text/html")
        .header("cookie", cookie)
        .form(form)
        .send()
        .await
        .expect("propose");
    assert_eq!(res.status(), 302);
    sent_back(&res)
}

async fn accept(app: &TestApp, manager: &str, id: &str) {
    json(
        app,
        "/api/manage/decide_proposal",
        &[
            ("id", id),
            ("version", "1"),
            ("decision", "approve"),
            ("comment", ""),
        ],
        manager,
    )
    .await;
}

async fn countries_and_contacts_are_proposed_too(backend: Backend) {
    let sink = SmtpSink::start();
    let smtp = sink.url();
    let app = spawn_app_with(backend, |c| c.notices.smtp_url = smtp).await;
    app.create_user("manager@example.test", app::domain::Role::Manager, PASSWORD)
        .await;
    let manager = app.login("manager@example.test", PASSWORD).await;
    let ada = contact_session(&app, VENDOR, "ada@driftwood.example").await;
    let later = (chrono::Utc::now().date_naive() + chrono::Days::new(200)).to_string();
    let db = app.db().await;
    let listed: Vec<String> = sqlx::query_scalar::<sqlx::Any, String>(&format!(
        "SELECT c.country_code FROM vendor_countries c JOIN vendors v ON v.id = c.vendor_id \
         WHERE v.slug = '{VENDOR}'"
    ))
    .fetch_all(&db.pool)
    .await
    .expect("countries");
    db.pool.close().await;
    let new = ["PT", "IS", "MT", "LU", "EE"]
        .into_iter()
        .find(|c| !listed.iter().any(|l| l == c))
        .expect("a country the vendor does not list");

    // refused at once: a listed country, an unknown kind, a contact already there
    let back = propose_form(
        &app,
        &ada,
        &[
            ("p[kind]", "country"),
            ("p[country]", &listed[0]),
            ("p[effective_on]", &later),
        ],
    )
    .await;
    assert!(
        back.contains("listed already") && back.contains("proposal_kind=country"),
        "{back}"
    );
    // the refused form comes back filled in as it was typed
    let (status, page) = app.get_with(&back, &ada).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!(r#"value="{}""#, listed[0]))
            && page.contains(&format!(r#"value="{later}""#)),
        "{page}"
    );
    let back = propose_form(&app, &ada, &[("p[kind]", "vendor")]).await;
    assert!(back.contains("not something you can propose"), "{back}");
    let back = propose_form(
        &app,
        &ada,
        &[
            ("p[kind]", "contact"),
            ("p[name]", "Ada Again"),
            ("p[email]", "ADA@driftwood.example"),
            ("p[answers_for][privacy]", "on"),
        ],
    )
    .await;
    assert!(back.contains("contact of your company already"), "{back}");
    assert!(
        !back.contains("pv_") && !back.to_lowercase().contains("driftwood"),
        "a person's details stay out of the address: {back}"
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM proposals").await, 0);

    // a new country: waiting, then accepted through the vendor save with its notice
    let back = propose_form(
        &app,
        &ada,
        &[
            ("p[kind]", "country"),
            ("p[country]", &new.to_lowercase()),
            ("p[effective_on]", &later),
        ],
    )
    .await;
    assert!(back.starts_with("/vendor?proposed=1"), "{back}");
    let has_new = format!(
        "SELECT COUNT(*) FROM vendor_countries c JOIN vendors v ON v.id = c.vendor_id \
         WHERE v.slug = '{VENDOR}' AND c.country_code = '{new}'"
    );
    assert_eq!(
        scalar(&app, &has_new).await,
        0,
        "nothing changes while it waits"
    );
    let home = json(&app, "/api/vendor/home", &[], &ada).await;
    assert_eq!(
        home["proposals"][0]["summary"],
        format!("New country: {new}")
    );
    let id = home["proposals"][0]["id"].as_i64().expect("id").to_string();
    let review = json(&app, "/api/manage/proposal", &[("id", &id)], &manager).await;
    assert_eq!(review["kind"], "country");
    let after = review["lines_after"].as_array().expect("lines");
    assert_eq!(after.len(), listed.len() + 1);
    assert_eq!(after.last().and_then(|c| c.as_str()), Some(new));
    let events = scalar(&app, "SELECT COUNT(*) FROM change_events").await;
    accept(&app, &manager, &id).await;
    assert_eq!(scalar(&app, &has_new).await, 1);
    assert_eq!(
        scalar(
            &app,
            &format!(
                "SELECT COUNT(*) FROM change_events WHERE slug = '{VENDOR}' AND effective_on = '{later}'"
            )
        )
        .await,
        1,
        "the new country is announced for its day"
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM change_events").await,
        events + 1
    );

    // a new contact: accepted, invited by mail (the invitation's sign-in link)
    let back = propose_form(
        &app,
        &ada,
        &[
            ("p[kind]", "contact"),
            ("p[name]", "Bruno Keller"),
            ("p[email]", "bruno@driftwood.example"),
            ("p[answers_for][training]", "on"),
        ],
    )
    .await;
    assert!(back.starts_with("/vendor?proposed=1"), "{back}");
    let home = json(&app, "/api/vendor/home", &[], &ada).await;
    assert_eq!(
        home["proposals"][0]["summary"],
        "New contact: Bruno Keller <bruno@driftwood.example>"
    );
    let id = home["proposals"][0]["id"].as_i64().expect("id").to_string();
    let review = json(&app, "/api/manage/proposal", &[("id", &id)], &manager).await;
    assert_eq!(review["kind"], "contact");
    let last = review["lines_after"]
        .as_array()
        .and_then(|l| l.last())
        .cloned();
    assert_eq!(
        last.and_then(|l| l.as_str().map(String::from)).as_deref(),
        Some("Bruno Keller <bruno@driftwood.example>: Training")
    );
    accept(&app, &manager, &id).await;
    let mails = sink.wait_for("bruno@driftwood.example", 1, 20).await;
    assert!(
        mails[0].token_after("/vendor/sign-in/").is_some(),
        "{}",
        mails[0].text
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM vendor_contacts WHERE email = 'bruno@driftwood.example' \
             AND answers_for = 'training' AND created_by = 'manager@example.test'"
        )
        .await,
        1
    );
    app.stop().await;
}

on_both_databases!(
    proposals_go_through_the_vendor_save,
    countries_and_contacts_are_proposed_too
);
