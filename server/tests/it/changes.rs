//! Change history end to end: a manager announces, widens and removes vendors through the
//! real server functions; customers see it on `/changes`, in the Atom feed, in the JSON API
//! and in the registry as of a past day. SQLite and PostgreSQL alike.

use crate::support::{borrow, spawn_app, spawn_app_synthetic, Backend, TestApp};
use app::domain::Role;
use chrono::{Days, NaiveDate, Utc};
use sqlx::Any;

const PASSWORD: &str = "correct horse battery staple";

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn plus(days: u64) -> String {
    today()
        .checked_add_days(Days::new(days))
        .expect("date")
        .to_string()
}

fn yesterday() -> String {
    today().pred_opt().expect("date").to_string()
}

fn set(form: &mut Vec<(String, String)>, key: &str, value: &str) {
    form.retain(|(k, _)| k != key);
    form.push((key.to_string(), value.to_string()));
}

async fn version(app: &TestApp, slug: &str) -> i64 {
    let db = app.db().await;
    let v = sqlx::query_scalar::<Any, i64>("SELECT version FROM vendors WHERE slug = $1")
        .bind(slug.to_string())
        .fetch_one(&db.pool)
        .await
        .expect("version");
    db.pool.close().await;
    v
}

/// Slugs of vendors active today, from the public API.
async fn active_slugs(app: &TestApp) -> Vec<String> {
    let (_, body) = app.get("/api/v1/subprocessors?status=active").await;
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    json["subprocessors"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|v| v["slug"].as_str().map(str::to_string))
        .collect()
}

async fn save(app: &TestApp, form: &[(String, String)], cookie: &str) -> (u16, String) {
    let res = app
        .post_form("/api/manage/save_vendor", &borrow(form), Some(cookie))
        .await;
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

/// `(kind, state)` of each change in a `/api/v1/changes` answer.
fn kinds_and_states(json: &serde_json::Value) -> Vec<(&str, &str)> {
    json["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap_or(""),
                c["state"].as_str().unwrap_or(""),
            )
        })
        .collect()
}

fn csv_slugs(csv: &str) -> Vec<String> {
    crate::support::parse_csv(csv)
        .into_iter()
        .map(|r| r["slug"].clone())
        .collect()
}

async fn announce_widen_remove_and_look_back(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user("manager@example.test", Role::Manager, PASSWORD)
        .await;
    let manager = app.login("manager@example.test", PASSWORD).await;

    // the demo's history was recorded when it was seeded
    let (_, json) = app.get("/api/v1/changes").await;
    let before: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert!(before["count"].as_u64().unwrap_or(0) > 10, "{json}");
    let kinds = kinds_and_states(&before);
    for kind in [
        ("added", "in_effect"),
        ("added", "upcoming"),
        ("removed", "in_effect"),
    ] {
        assert!(kinds.contains(&kind), "the demo history has {kind:?}");
    }
    assert!(
        kinds.contains(&("scope_changed", "upcoming")),
        "and an announced widening"
    );

    // announce a vendor touching personal data: 30 days' notice, no earlier
    let mut form = app.vendor_form("", 0, "Nimbus Relay GmbH").await;
    form.retain(|(k, _)| k != "vendor[categories][customer]");
    set(&mut form, "vendor[categories][personal]", "on");
    set(&mut form, "vendor[announced_on]", &today().to_string());
    set(&mut form, "vendor[effective_on]", &plus(29));
    let (status, body) = save(&app, &form, &manager).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains("effective_on") && body.contains(&plus(30)),
        "{body}"
    );
    set(&mut form, "vendor[announced_on]", &yesterday());
    set(&mut form, "vendor[effective_on]", &plus(40));
    let (status, body) = save(&app, &form, &manager).await;
    assert_eq!(status, 422, "an announcement cannot be backdated: {body}");
    assert!(body.contains("announced_on"), "{body}");
    set(&mut form, "vendor[announced_on]", &today().to_string());
    set(&mut form, "vendor[effective_on]", &plus(30));
    let (status, body) = save(&app, &form, &manager).await;
    assert_eq!(status, 200, "{body}");
    let nimbus = "nimbus-relay-gmbh";

    // /changes lists it as upcoming, 30 days left; the filters apply
    let (status, html) = app.get("/changes").await;
    assert_eq!(status, 200);
    let upcoming = html.split("id=\"past-h\"").next().unwrap_or_default();
    assert!(upcoming.contains("Nimbus Relay GmbH"), "upcoming lists it");
    assert!(upcoming.contains(">30<"), "days left shown");
    let (_, html) = app.get("/changes?service=backup&kind=added").await;
    assert!(html.contains("Nimbus Relay GmbH"));
    let (status, html) = app.get("/changes?service=compute&kind=added").await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"past-h\"") && html.contains("class=\"registry changes\""));
    assert!(!html.contains("Nimbus Relay GmbH"), "other service");
    let (status, html) = app.get("/changes?kind=removed").await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"past-h\"") && html.contains("stops processing data"));
    assert!(!html.contains("Nimbus Relay GmbH"), "other kind");
    let (_, html) = app.get(&format!("/subprocessors/{nimbus}")).await;
    assert!(
        html.contains(&format!("/changes?vendor={nimbus}")),
        "linked"
    );
    let (status, html) = app.get("/changes?page=999").await;
    assert_eq!(status, 200);
    assert!(html.contains("showing the last one") && html.contains("becomes a subprocessor"));

    // the JSON API: the event, then 304 on a repeat with the ETag
    let res = app.get_raw("/api/v1/changes?kind=added").await;
    assert_eq!(res.status(), 200);
    let etag = res.headers()["etag"]
        .to_str()
        .unwrap_or_default()
        .to_string();
    assert!(res.headers().contains_key("last-modified"));
    let json: serde_json::Value = res.json().await.expect("json");
    let event = json["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["vendor_slug"] == nimbus)
        .expect("nimbus announced")
        .clone();
    assert_eq!(event["kind"], "added");
    assert_eq!(event["state"], "upcoming");
    assert_eq!(event["days_left"], 30);
    assert_eq!(event["effective_on"], plus(30));
    assert_eq!(event["after"]["countries"], serde_json::json!(["DE", "FR"]));
    let res = app
        .client
        .get(format!("{}/api/v1/changes?kind=added", app.base))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 304);

    // the Atom feed parses, ids are stable, dates are set
    let res = app.get_raw("/changes.atom").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap_or_default()
        .starts_with("application/atom+xml"));
    let feed = atom_syndication::Feed::read_from(&res.bytes().await.expect("body")[..])
        .expect("valid Atom");
    let entry = feed
        .entries()
        .iter()
        .find(|e| e.title().as_str().contains("Nimbus Relay GmbH"))
        .expect("entry");
    assert_eq!(
        entry.id(),
        format!("tag:subprocessor-registry,2026:change-{}", event["id"])
    );
    let link = entry
        .links()
        .iter()
        .find(|l| l.rel() == "alternate")
        .expect("link");
    assert_eq!(
        link.href(),
        format!("{}/changes#change-{}", app.base, event["id"])
    );
    assert_eq!(entry.updated().date_naive(), today());
    assert!(entry.published().is_some());
    let (_, html) = app.get("/").await;
    assert!(
        html.contains(r#"rel="alternate" type="application/atom+xml""#),
        "autodiscovery"
    );
    // the same id when read through another host name
    let other = app
        .client
        .get(format!("{}/changes.atom?kind=added", app.base))
        .header("host", "registry.example.com")
        .send()
        .await
        .expect("request");
    let again = atom_syndication::Feed::read_from(&other.bytes().await.expect("body")[..])
        .expect("valid Atom");
    let same = again
        .entries()
        .iter()
        .find(|e| e.id() == entry.id())
        .expect("same id through another host and filter");
    assert!(same.links()[0]
        .href()
        .starts_with("http://registry.example.com/"));

    // widening an active vendor's scope needs notice from today
    let active = active_slugs(&app).await;
    let (widened, removed) = (&active[0], &active[1]);
    let mut form = app
        .vendor_form(widened, version(&app, widened).await, "Widened Vendor Ltd")
        .await;
    let countries = form
        .iter()
        .find(|(k, _)| k == "vendor[countries]")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let new_country = if countries.contains("JP") { "KR" } else { "JP" };
    set(
        &mut form,
        "vendor[countries]",
        &format!("{countries} {new_country}"),
    );
    let (status, body) = save(&app, &form, &manager).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("scope_effective_on"), "{body}");
    set(&mut form, "vendor[scope_effective_on]", &plus(1));
    let (status, body) = save(&app, &form, &manager).await;
    assert_eq!(status, 422, "too early: {body}");
    set(&mut form, "vendor[scope_effective_on]", &plus(180));
    let (status, body) = save(&app, &form, &manager).await;
    assert_eq!(status, 200, "{body}");
    let (_, html) = app.get("/changes?kind=scope_changed").await;
    assert!(
        html.contains(&format!("adds country {new_country}")),
        "scope change listed"
    );
    let (_, html) = app.get(&format!("/subprocessors/{widened}")).await;
    assert!(
        html.contains("Announced, not yet in effect")
            && html.contains(&format!("adds country {new_country}"))
            && html.contains(&format!("<strong>{}</strong>", plus(180))),
        "the vendor's page shows the pending widening"
    );

    // a removal takes effect today; the dates on record cannot move
    let mut form = app
        .vendor_form(removed, version(&app, removed).await, "Removed Vendor Ltd")
        .await;
    set(&mut form, "vendor[removed_on]", &yesterday());
    let (status, body) = save(&app, &form, &manager).await;
    assert_eq!(status, 422, "a removal cannot be backdated: {body}");
    set(&mut form, "vendor[removed_on]", &today().to_string());
    set(&mut form, "vendor[effective_on]", &plus(1));
    let (status, body) = save(&app, &form, &manager).await;
    assert_eq!(status, 422, "the effective date is on record: {body}");
    assert!(body.contains("effective_on"), "{body}");
    let mut form = app
        .vendor_form(removed, version(&app, removed).await, "Removed Vendor Ltd")
        .await;
    set(&mut form, "vendor[removed_on]", &today().to_string());
    let (status, body) = save(&app, &form, &manager).await;
    assert_eq!(status, 200, "{body}");

    // the CSV of yesterday: the removed vendor active, Nimbus not yet announced
    let res = app
        .get_raw(&format!("/subprocessors.csv?as_of={}", yesterday()))
        .await;
    assert_eq!(res.status(), 200);
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        disposition.contains(&format!("subprocessors-as-of-{}.csv", yesterday())),
        "{disposition}"
    );
    let past = csv_slugs(&res.text().await.expect("csv"));
    let (_, now) = app.get("/subprocessors.csv").await;
    let now = csv_slugs(&now);
    assert!(past.contains(removed) && !now.contains(removed));
    assert!(!past.contains(&nimbus.to_string()) && now.contains(&nimbus.to_string()));
    // yesterday's registry page and JSON agree with yesterday's CSV
    let (_, html) = app.get(&format!("/?as_of={}", yesterday())).await;
    assert!(html.contains(&format!("The registry as it stood on {}", yesterday())));
    assert_eq!(crate::support::table_names(&html).len(), past.len());
    let (_, json) = app
        .get(&format!("/api/v1/subprocessors?as_of={}", yesterday()))
        .await;
    let json: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(json["count"].as_u64(), Some(past.len() as u64));
    // a future as_of is today's registry, with a message
    let (_, html) = app.get(&format!("/?as_of={}", plus(3))).await;
    assert!(html.contains("is not a past date"));

    // the difference between yesterday and today
    let (_, html) = app
        .get(&format!("/changes?from={}&to={}", yesterday(), today()))
        .await;
    let removed_part = html
        .split("Removed (")
        .nth(1)
        .and_then(|s| s.split("Changed (").next())
        .unwrap_or_default();
    assert!(
        removed_part.contains(&format!("/subprocessors/{removed}")),
        "{removed_part}"
    );

    // a vendor only announced so far is withdrawn at once
    let mut form = app
        .vendor_form(nimbus, version(&app, nimbus).await, "Nimbus Relay GmbH")
        .await;
    set(&mut form, "vendor[removed_on]", &today().to_string());
    let (status, body) = save(&app, &form, &manager).await;
    assert_eq!(status, 200, "{body}");
    let (_, json) = app.get(&format!("/api/v1/changes?vendor={nimbus}")).await;
    let json: serde_json::Value = serde_json::from_str(&json).expect("json");
    let states = kinds_and_states(&json);
    assert_eq!(states, [("removed", "in_effect"), ("added", "withdrawn")]);
    let (_, csv) = app.get("/subprocessors.csv").await;
    assert!(
        !csv_slugs(&csv).contains(&nimbus.to_string()),
        "no longer listed"
    );
    let (_, html) = app.get(&format!("/changes?vendor={nimbus}")).await;
    assert!(
        html.contains(">Withdrawn<"),
        "the upcoming addition is marked withdrawn"
    );

    // refused saves wrote no event; events cannot be rewritten
    let db = app.db().await;
    let nimbus_events =
        sqlx::query_scalar::<Any, i64>("SELECT COUNT(*) FROM change_events WHERE slug = $1")
            .bind(nimbus)
            .fetch_one(&db.pool)
            .await
            .expect("count");
    assert_eq!(
        nimbus_events, 2,
        "an announcement and a withdrawal; refused tries left nothing"
    );
    assert!(
        sqlx::query("UPDATE change_events SET effective_on = '2000-01-01'")
            .execute(&db.pool)
            .await
            .is_err()
    );
    assert!(sqlx::query("DELETE FROM change_events")
        .execute(&db.pool)
        .await
        .is_err());
    db.pool.close().await;
    app.stop().await;
}

on_both_databases!(
    announce_widen_remove_and_look_back,
    a_long_difference_lists_its_first_lines,
);

/// A difference longer than the page lists: each group shows its first lines and its size,
/// and points to the CSV of each day for the rest.
async fn a_long_difference_lists_its_first_lines(backend: Backend) {
    let app = spawn_app_synthetic(backend, 300).await;
    // before any vendor: every vendor listed today is an addition
    let (status, html) = app.get("/changes?from=2000-01-01").await;
    assert_eq!(status, 200);
    let added = html
        .split("Added (")
        .nth(1)
        .and_then(|s| s.split("Removed (").next())
        .expect("an Added group");
    let total: usize = added
        .split(')')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("its size");
    let shown = app::model::changes::DIFF_SHOWN;
    assert!(total > shown, "{total} additions");
    assert_eq!(added.matches("<li>").count(), shown);
    assert!(
        added.contains(&format!("… and {} more.", total - shown)),
        "{added}"
    );
    assert!(added.contains("href=\"/subprocessors.csv?as_of=2000-01-01\""));
    // the second ask is the kept difference, and says the same
    let (_, again) = app.get("/changes?from=2000-01-01").await;
    assert_eq!(
        again
            .split("Added (")
            .nth(1)
            .map(|s| s.split("Removed (").next()),
        Some(Some(added))
    );
    app.stop().await;
}
