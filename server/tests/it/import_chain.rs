//! The chain sheet of a workbook imports (issue 29): a vendor's links matched by its slug, a
//! new link or a wider scope under the notice rule (refused at `scope_effective_on`, named by
//! its cell, without a day; announced with one), the export imports back unchanged, and in
//! whole-list mode the links the sheet leaves out are removed.

use super::import::{count, import, import_with, imports_back_unchanged, manager, plus, scalar};
use crate::support::{Backend, TestApp};
use app::domain::columns::LINK_COLUMNS;

const VENDOR: &str = "brightwater-hosting";

/// The vendor's links as the JSON API lists them.
async fn links(app: &TestApp) -> Vec<serde_json::Value> {
    let (_, api) = app.get("/api/v1/subprocessors?q=Brightwater").await;
    let api: serde_json::Value = serde_json::from_str(&api).expect("json");
    api["subprocessors"]
        .as_array()
        .and_then(|a| a.iter().find(|v| v["slug"] == VENDOR))
        .and_then(|v| v["sub_processors"].as_array())
        .cloned()
        .unwrap_or_default()
}

/// A chain-sheet row of the link `l` (the export's columns, then `scope_effective_on`).
fn row(l: &serde_json::Value, scope_effective_on: &str) -> Vec<String> {
    let text = |k: &str| l[k].as_str().unwrap_or_default().to_string();
    let categories: Vec<&str> = l["categories"]
        .as_array()
        .map(|a| a.iter().filter_map(|c| c.as_str()).collect())
        .unwrap_or_default();
    vec![
        VENDOR.into(),
        "Brightwater Hosting".into(),
        text("legal_name"),
        text("country"),
        text("purpose"),
        categories.join("; "),
        text("since"),
        text("list_url"),
        scope_effective_on.into(),
    ]
}

/// A workbook: a vendor sheet of `slugs` (when given), then the chain sheet of `rows`.
fn book(slugs: Option<&[String]>, rows: &[Vec<String>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    if let Some(slugs) = slugs {
        let sheet = book.add_worksheet();
        sheet.set_name("Subprocessors").expect("name");
        sheet.write_string(0, 0, "slug").expect("header");
        for (r, s) in (1u32..).zip(slugs) {
            sheet.write_string(r, 0, s).expect("slug");
        }
    }
    let sheet = book.add_worksheet();
    sheet.set_name("Sub-processors").expect("name");
    let header = LINK_COLUMNS.iter().copied().chain(["scope_effective_on"]);
    for (c, h) in (0u16..).zip(header) {
        sheet.write_string(0, c, h).expect("header");
    }
    for (r, cells) in (1u32..).zip(rows) {
        for (c, v) in (0u16..).zip(cells) {
            sheet.write_string(r, c, v).expect("cell");
        }
    }
    book.save_to_buffer().expect("xlsx")
}

async fn a_chain_sheet_imports(backend: Backend) {
    let (app, cookie) = manager(backend).await;
    let stored = links(&app).await;
    assert!(!stored.is_empty(), "the demo vendor has a chain");
    // every link as it is, the first now processing in Finland, and a new one
    let mut rows: Vec<Vec<String>> = stored.iter().map(|l| row(l, "")).collect();
    let moved = rows[0][2].clone();
    rows[0][3] = "Finland".into();
    let mut new = row(&stored[0], "");
    new[2] = "Glacier Vault Oy".into();
    new[3] = "FI".into();
    rows.push(new);
    let events = scalar(&app, "SELECT COUNT(*) FROM change_events").await;
    let report = import(
        &app,
        &cookie,
        ("chain.xlsx", book(None, &rows)),
        (true, false),
    )
    .await
    .expect("runs");
    assert_eq!(count(&report, "refused"), 1, "{report:#}");
    assert_eq!(report["applied"], false, "{report:#}");
    let error = &report["rows"][0]["errors"][0];
    assert_eq!(error["column"], "scope_effective_on", "{report:#}");
    assert_eq!(error["cell"], "Sub-processors!I2", "{report:#}");
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("at the earliest"),
        "{report:#}"
    );
    // with its day (on one row: the vendor's links are one change), it is announced
    let day = plus(200);
    let last = rows.len() - 1;
    rows[last][8] = day.clone();
    let report = import(
        &app,
        &cookie,
        ("chain.xlsx", book(None, &rows)),
        (true, false),
    )
    .await
    .expect("runs");
    assert_eq!(
        (count(&report, "changed"), count(&report, "refused")),
        (1, 0),
        "{report:#}"
    );
    assert_eq!(report["rows"][0]["changes"][0]["column"], "sub_processors");
    assert!(scalar(&app, "SELECT COUNT(*) FROM change_events").await > events);
    let (_, changes) = app.get(&format!("/api/v1/changes?vendor={VENDOR}")).await;
    assert!(
        changes.contains("adds subprocessor Glacier Vault Oy (FI)") && changes.contains(&day),
        "{changes}"
    );
    let now = links(&app).await;
    assert_eq!(now.len(), stored.len() + 1);
    assert!(now
        .iter()
        .any(|l| l["legal_name"] == moved.as_str() && l["country"] == "FI"));
    // the export, both sheets, imports back unchanged
    let xlsx = app
        .get_raw("/subprocessors.xlsx")
        .await
        .bytes()
        .await
        .expect("xlsx");
    imports_back_unchanged(&app, &cookie, ("registry.xlsx", xlsx.to_vec())).await;

    // the whole list: every listed vendor named, one link in all
    let db = app.db().await;
    let slugs: Vec<String> = sqlx::query_scalar::<sqlx::Any, String>(
        "SELECT slug FROM vendors WHERE announced_on IS NOT NULL AND removed_on IS NULL",
    )
    .fetch_all(&db.pool)
    .await
    .expect("slugs");
    db.pool.close().await;
    let chained = "SELECT COUNT(*) FROM vendors WHERE sub_processors LIKE '%legal_name%' \
                   AND announced_on IS NOT NULL AND removed_on IS NULL";
    let with_chains = scalar(&app, chained).await;
    assert!(with_chains > 1, "the demo has several chains");
    let one = vec![rows[last].clone()];
    let file = ("whole.xlsx", book(Some(&slugs), &one));
    let report = import_with(&app, &cookie, file.clone(), &[("whole_list", "on")])
        .await
        .expect("runs");
    assert_eq!(
        (count(&report, "changed"), count(&report, "refused")),
        (with_chains as u64, 0),
        "each vendor with a chain loses links: {report:#}"
    );
    assert_eq!(scalar(&app, chained).await, with_chains, "a dry run");
    let report = import_with(
        &app,
        &cookie,
        file,
        &[("whole_list", "on"), ("apply", "on")],
    )
    .await
    .expect("runs");
    assert_eq!(report["applied"], true, "{report:#}");
    assert_eq!(scalar(&app, chained).await, 1);
    let now = links(&app).await;
    assert_eq!(now.len(), 1);
    assert_eq!(now[0]["legal_name"], "Glacier Vault Oy");
    app.stop().await;
}

on_both_databases!(a_chain_sheet_imports);
