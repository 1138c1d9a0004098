//! The open list (issue 28), on both databases: `/.well-known/subprocessors.json` lists today's
//! registry as the JSON API does (one pipeline), with each upcoming change's notice period,
//! objection deadline and proof, and the newest signed checkpoint; it validates against its
//! published JSON Schema with an implementation no one here wrote (Python's `jsonschema`),
//! and every page and the feed point at it.

use crate::{
    notices::{announce, plus, scalar, with_sink, PASSWORD},
    sinks::SmtpSink,
    support::{off_thread, Backend},
};

async fn the_open_list_is_the_registry_in_a_published_format(backend: Backend) {
    let sink = SmtpSink::start();
    let app = with_sink(backend, &sink).await;
    let manager = app.login("manager@example.test", PASSWORD).await;
    let id = announce(&app, &manager).await;
    // the worker signs the head: the list names the newest checkpoint
    let events = scalar(&app, "SELECT COUNT(*) FROM change_events").await;
    for _ in 0..300 {
        if scalar(&app, "SELECT COALESCE(MAX(size), 0) FROM log_checkpoints").await >= events {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    let res = app.get_raw("/.well-known/subprocessors.json").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    let link = res.headers()["link"]
        .to_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        link.ends_with("/schemas/subprocessors/v1.json>; rel=\"describedby\""),
        "{link}"
    );
    let text = res.text().await.expect("body");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(doc["format"], "subprocessors/v1");
    let list = doc["subprocessors"].as_array().expect("a list");
    assert_eq!(doc["count"].as_u64(), Some(list.len() as u64));
    // the same vendors as the JSON API, in the same order
    let (_, api) = app.get("/api/v1/subprocessors").await;
    let api: serde_json::Value = serde_json::from_str(&api).expect("json");
    let slugs = |v: &serde_json::Value, key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .expect("list")
            .iter()
            .map(|e| e["slug"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(slugs(&doc, "subprocessors"), slugs(&api, "subprocessors"));
    // the announced vendor: its addition, notice and last day to object
    let nimbus = list
        .iter()
        .find(|v| v["slug"] == "nimbus-relay-gmbh")
        .expect("the announced vendor is listed");
    assert_eq!(nimbus["status"], "announced");
    let change = &nimbus["upcoming_changes"][0];
    assert_eq!(change["change_id"], id);
    assert_eq!(change["kind"], "added");
    assert_eq!(change["notice_days"], 190);
    let effective: chrono::NaiveDate = plus(190).parse().expect("date");
    assert_eq!(
        change["objection_deadline"],
        (effective - chrono::Duration::days(1)).to_string()
    );
    assert!(change["proof"]
        .as_str()
        .unwrap_or_default()
        .ends_with(&format!("/api/v1/log/events/{id}/proof")));
    assert!(doc["checkpoint"]["size"].as_i64().unwrap_or_default() >= events);
    assert!(doc["checkpoint"]["note"]
        .as_str()
        .unwrap_or_default()
        .contains("\n\u{2014} "));

    // the schema is published with this registry's address, and the list validates against it
    let (status, schema) = app.get("/schemas/subprocessors/v1.json").await;
    assert_eq!(status, 200);
    let parsed: serde_json::Value = serde_json::from_str(&schema).expect("json");
    assert_eq!(
        parsed["$id"],
        format!("{}/schemas/subprocessors/v1.json", app.base)
    );
    let dir = tempfile::tempdir().expect("dir");
    let (schema_file, doc_file) = (dir.path().join("schema.json"), dir.path().join("doc.json"));
    std::fs::write(&schema_file, &schema).expect("write");
    std::fs::write(&doc_file, &text).expect("write");
    let check = |doc: std::path::PathBuf| {
        let schema_file = schema_file.clone();
        async move {
            off_thread(move || {
                std::process::Command::new("python3")
                    .args([
                        "-c",
                        "import json, sys, jsonschema\n\
                         schema = json.load(open(sys.argv[1]))\n\
                         jsonschema.validators.Draft202012Validator.check_schema(schema)\n\
                         v = jsonschema.validators.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())\n\
                         v.validate(json.load(open(sys.argv[2])))",
                    ])
                    .arg(&schema_file)
                    .arg(&doc)
                    .output()
                    .expect("python3 runs")
            })
            .await
        }
    };
    let out = check(doc_file.clone()).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // and the schema is not a rubber stamp: a list missing a vendor's countries fails it
    let mut broken = doc.clone();
    broken["subprocessors"][0]
        .as_object_mut()
        .expect("object")
        .remove("processing_countries");
    let broken_file = dir.path().join("broken.json");
    std::fs::write(&broken_file, broken.to_string()).expect("write");
    let out = check(broken_file).await;
    assert!(!out.status.success(), "a list without countries must fail");
    assert!(String::from_utf8_lossy(&out.stderr).contains("processing_countries"));

    // discoverable from every page and from the feed
    let (_, page) = app.get("/").await;
    assert!(page.contains("href=\"/.well-known/subprocessors.json\""));
    let (_, feed) = app.get("/changes.atom").await;
    assert!(feed.contains("/.well-known/subprocessors.json"));
    app.stop().await;
    sink.stop();
}

on_both_databases!(the_open_list_is_the_registry_in_a_published_format);
