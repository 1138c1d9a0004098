//! Real published lists (issue 29): GitHub's own sub-processor list, as it stood at four
//! commits of `github/site-policy` (CC0; `tests/data/published-lists/SOURCES.md`), converted
//! by the script kept beside the raw files and imported as two updates, each an older list
//! and then a newer one with one vendor new, one gone and one processing in one more country.
//! The exact outcome of each update is asserted on both databases: without the day a wider
//! scope takes effect the widening is refused at `scope_effective_on`; with it, the whole-list
//! dry run says what the apply then does: the new vendor, the wider one (announced for that
//! day), the removed one (as of today), and every other vendor unchanged.

use super::import::{count, import_with, plus, scalar, PASSWORD};
use crate::support::{off_thread, spawn_app_synthetic, Backend, TestApp};
use app::domain::Role;

/// One update: the older and newer raw files, and what the newer changes.
struct Update {
    older: &'static str,
    newer: &'static str,
    /// Vendors in the older list.
    listed: u64,
    new: &'static str,
    removed: &'static str,
    /// The vendor that now processes in one more country, and that country's code.
    widened: (&'static str, &'static str),
}

const UPDATES: [Update; 2] = [
    Update {
        older: "github-2025-05-12-04834c0.md",
        newer: "github-2025-07-23-652f448.md",
        listed: 22,
        new: "CoreWeave, Inc.",
        removed: "VividCortex",
        widened: ("Google Cloud Platform (GCP)", "SG"),
    },
    Update {
        older: "github-2025-12-08-048581f.md",
        newer: "github-2026-03-11-7e4eebc.md",
        listed: 29,
        new: "Tines Automation Inc.",
        removed: "CoreWeave, Inc.",
        widened: ("Microsoft (Azure)", "CA"),
    },
];

/// The import CSV of a raw list, by the kept script.
async fn convert(file: &str, scope_effective_on: Option<&str>) -> Vec<u8> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/published-lists");
    let mut args = vec![
        format!("{dir}/convert.py"),
        format!("{dir}/{file}"),
        "--effective-on".into(),
        plus(200),
    ];
    if let Some(day) = scope_effective_on {
        args.extend(["--scope-effective-on".into(), day.to_string()]);
    }
    let out = off_thread(move || std::process::Command::new("python3").args(&args).output())
        .await
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The names of the report's rows with `outcome` (a new row's name, a changed row's slug).
fn rows(report: &serde_json::Value, outcome: &str, key: &str) -> Vec<String> {
    report["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["outcome"] == outcome)
        .map(|r| r[key].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn run(app: &TestApp, cookie: &str, u: &Update) {
    let whole = [("whole_list", "on"), ("apply", "on")];
    let older = convert(u.older, None).await;
    let report = import_with(app, cookie, (u.older, older), &whole)
        .await
        .expect("runs");
    assert_eq!(
        (count(&report, "new"), count(&report, "refused")),
        (u.listed, 0),
        "{report:#}"
    );
    assert_eq!(report["applied"], true);
    // the newer list without the day its wider scope takes effect: refused where it can be mended
    let newer = convert(u.newer, None).await;
    let report = import_with(app, cookie, (u.newer, newer), &whole[..1])
        .await
        .expect("runs");
    let refused: Vec<&serde_json::Value> = report["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["outcome"] == "refused")
        .collect();
    assert_eq!(refused.len(), 1, "{report:#}");
    assert_eq!(refused[0]["errors"][0]["column"], "scope_effective_on");
    assert!(refused[0]["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("at the earliest"));
    // with it: the dry run says exactly what the apply does
    let day = plus(200);
    let newer = convert(u.newer, Some(&day)).await;
    let before = scalar(app, "SELECT COUNT(*) FROM change_events").await;
    let dry = import_with(app, cookie, (u.newer, newer.clone()), &whole[..1])
        .await
        .expect("runs");
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM change_events").await,
        before,
        "a dry run writes nothing"
    );
    let applied = import_with(app, cookie, (u.newer, newer), &whole)
        .await
        .expect("runs");
    assert_eq!(applied["applied"], true, "{applied:#}");
    for report in [&dry, &applied] {
        assert_eq!(
            (
                count(report, "new"),
                count(report, "changed"),
                count(report, "removed"),
                count(report, "unchanged"),
                count(report, "refused"),
            ),
            (1, 1, 1, u.listed - 2, 0),
            "{report:#}"
        );
        assert_eq!(rows(report, "new", "name"), [u.new]);
        assert_eq!(rows(report, "removed", "name"), [u.removed]);
        let changed = report["rows"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["outcome"] == "changed"))
            .expect("the widened vendor");
        let change = &changed["changes"][0];
        assert_eq!(change["column"], "processing_countries", "{changed:#}");
        assert!(
            change["after"]
                .as_str()
                .unwrap_or_default()
                .contains(u.widened.1)
                && !change["before"]
                    .as_str()
                    .unwrap_or_default()
                    .contains(u.widened.1),
            "{changed:#}"
        );
    }
    let widened = rows(&applied, "changed", "slug").remove(0);
    let name = scalar(
        app,
        &format!(
            "SELECT COUNT(*) FROM vendors WHERE slug = '{widened}' AND legal_name = '{}'",
            u.widened.0
        ),
    )
    .await;
    assert_eq!(name, 1, "{widened} is {}", u.widened.0);
    // the wider scope is announced for its day
    let (_, changes) = app.get(&format!("/api/v1/changes?vendor={widened}")).await;
    assert!(
        changes.contains(&day) && changes.contains(u.widened.1),
        "{changes}"
    );
    let gone = scalar(
        app,
        &format!(
            "SELECT COUNT(*) FROM vendors WHERE legal_name = '{}' AND removed_on IS NOT NULL",
            u.removed
        ),
    )
    .await;
    assert_eq!(gone, 1, "{} is removed", u.removed);
}

async fn githubs_published_list_imports_as_updates(backend: Backend) {
    for u in &UPDATES {
        let app = spawn_app_synthetic(backend, 0).await;
        app.create_user("manager@example.test", Role::Manager, PASSWORD)
            .await;
        let cookie = app.login("manager@example.test", PASSWORD).await;
        run(&app, &cookie, u).await;
        app.stop().await;
    }
}

on_both_databases!(githubs_published_list_imports_as_updates);
