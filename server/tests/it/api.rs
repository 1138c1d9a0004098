//! Integration tests: the real server on port 0 against a fresh database (a SQLite file, and a
//! PostgreSQL database created and dropped per test), spoken to over real HTTP.

use crate::support::{spawn_app, Backend};

async fn registry_page_lists_public_vendors(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, html) = app.get("/").await;
    assert_eq!(status, 200);
    assert!(html.contains("<h1>Subprocessors</h1>"));
    let names = crate::support::table_names(&html);
    let (_, csv) = app.get("/subprocessors.csv").await;
    let rows = crate::support::parse_csv(&csv);
    assert_eq!(
        names.len(),
        rows.len(),
        "page and CSV show the same vendors"
    );
    assert!(html.contains(&format!("{} subprocessors", rows.len())));
    assert!(rows
        .iter()
        .all(|r| r["status"] == "Active" || r["status"] == "Announced"));
    assert!(
        rows.iter().any(|r| r["status"] == "Announced"),
        "demo has announced vendors"
    );
    app.stop().await;
}

async fn filtered_csv_matches_filtered_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let query = "country=DE&country=fr&category=personal&status=active&status=announced";
    let (_, html) = app.get(&format!("/?{query}")).await;
    let names = crate::support::table_names(&html);
    assert!(!names.is_empty(), "the demo has such vendors");

    let res = app.get_raw(&format!("/subprocessors.csv?{query}")).await;
    assert_eq!(res.status(), 200);
    let headers = res.headers().clone();
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    let disposition = headers["content-disposition"].to_str().unwrap_or_default();
    assert!(
        disposition.starts_with("attachment; filename=\"subprocessors-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let body = res.bytes().await.expect("csv body");
    assert!(body.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM");
    let text = std::str::from_utf8(&body[3..]).expect("utf-8");
    let first_line = text.split("\r\n").next().unwrap_or_default();
    assert_eq!(
        first_line,
        server::http::routes::export::csv::COLUMNS.join(",")
    );

    let rows = crate::support::parse_csv(text);
    let csv_names: Vec<&str> = rows.iter().map(|r| r["legal_name"].as_str()).collect();
    assert_eq!(csv_names, names, "CSV rows are exactly the rows on screen");
    for r in &rows {
        let countries = &r["processing_countries"];
        assert!(
            countries.contains("DE") || countries.contains("FR"),
            "{countries}"
        );
        assert!(r["data_categories"].contains("Personal data"));
    }
    app.stop().await;
}

async fn vendor_page_and_not_found(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, csv) = app.get("/subprocessors.csv").await;
    let rows = crate::support::parse_csv(&csv);
    let first = &rows[0];
    let (status, html) = app.get(&format!("/subprocessors/{}", first["slug"])).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("<h1>{}</h1>", first["legal_name"])));
    assert!(html.contains("Country of registration"));

    let (status, html) = app.get("/subprocessors/no-such-vendor").await;
    assert_eq!(status, 404);
    assert!(html.contains("Page not found"));
    let (status, _) = app.get("/subprocessors/Not%20A%20Slug").await;
    assert_eq!(status, 404);
    let (status, _) = app.get("/no/such/page").await;
    assert_eq!(status, 404);
    app.stop().await;
}

async fn health_and_bad_input(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, body) = app.get("/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok\n"));

    let long = "q".repeat(5000);
    for path in [
        format!("/?q={long}"),
        "/?country=XX&category=health&status=zzz&page=abc".to_string(),
        "/?q=%ZZ%&&=&service=%00".to_string(),
        "/subprocessors.csv?q=%ZZ&country=XX".to_string(),
        "/?q=100%25_off%5C".to_string(),
    ] {
        let (status, _) = app.get(&path).await;
        assert_eq!(status, 200, "{path}");
    }
    let (_, html) = app.get("/?country=XX&status=zzz").await;
    assert!(html.contains("is not an assigned country code"));
    assert!(html.contains("is not a status"));
    app.stop().await;
}

/// Each compliance state the demo seeds, checked through the public page, the CSV and the
/// internal records view.
async fn demo_compliance_states(backend: Backend) {
    let app = spawn_app(backend).await;
    let slugs = |rows: &[std::collections::HashMap<String, String>]| -> Vec<String> {
        rows.iter().map(|r| r["slug"].clone()).collect()
    };
    let (_, csv) = app.get("/subprocessors.csv?compliance=not_compliant").await;
    let not_compliant = slugs(&crate::support::parse_csv(&csv));
    let (_, csv) = app.get("/subprocessors.csv?compliance=authorized").await;
    let authorized_rows = crate::support::parse_csv(&csv);
    let authorized = slugs(&authorized_rows);
    for s in ["brightwater-hosting", "ember-analytics", "fernhill-mail"] {
        assert!(
            not_compliant.contains(&s.to_string()),
            "{s} should be not compliant"
        );
    }
    for s in ["alder-data-services", "granite-payments", "cobalt-networks"] {
        assert!(
            authorized.contains(&s.to_string()),
            "{s} should be authorized"
        );
    }
    assert!(authorized_rows
        .iter()
        .all(|r| r["compliance"] == "Authorized"));
    // "not compliant" and "authorized" judge active vendors only: an announced vendor is
    // ready or not by its effective date, a removed one no longer a subprocessor
    let (_, csv) = app.get("/subprocessors.csv").await;
    let all = crate::support::parse_csv(&csv);
    let active = all.iter().filter(|r| r["status"] == "Active").count();
    assert_eq!(not_compliant.len() + authorized.len(), active);
    for r in &all {
        let c = r["compliance"].as_str();
        match r["status"].as_str() {
            "Active" => assert!(c == "Authorized" || c == "Not compliant", "{c}"),
            "Announced" => assert!(
                c == format!("Ready for {}", r["effective_on"])
                    || c == format!("Not ready by {}", r["effective_on"]),
                "{} {c}",
                r["slug"]
            ),
            _ => assert_eq!(c, "No longer a subprocessor", "{}", r["slug"]),
        }
    }
    assert!(authorized_rows
        .iter()
        .all(|r| !r["vpap_enrolled_since"].is_empty()));
    let (_, html) = app.get("/?compliance=authorized").await;
    assert_eq!(crate::support::table_names(&html).len(), authorized.len());

    let cases = [
        (
            "brightwater-hosting",
            "person with access has no valid privacy training",
        ),
        (
            "ember-analytics",
            "Contracts in force do not bind it to: Breach notice",
        ),
        ("fernhill-mail", "No contract in force on"),
        (
            "alder-data-services",
            "Our privacy standards (work in our facilities)",
        ),
        ("granite-payments", "Equivalent privacy standards"),
    ];
    for (slug, expected) in cases {
        let (status, html) = app.get(&format!("/subprocessors/{slug}")).await;
        assert_eq!(status, 200, "{slug}");
        assert!(html.contains(expected), "{slug}: expected {expected:?}");
    }
    // personnel names stay internal
    let (_, public) = app.get("/subprocessors/brightwater-hosting").await;
    app.create_user(
        "auditor@example.test",
        app::domain::Role::Auditor,
        "a long auditor passphrase",
    )
    .await;
    let auditor = app
        .login("auditor@example.test", "a long auditor passphrase")
        .await;
    let (_, internal) = app
        .get_with("/manage/vendors/brightwater-hosting", &auditor)
        .await;
    assert!(
        internal.contains("Bruno Lindqvist (expired"),
        "internal view names the person"
    );
    assert!(
        !public.contains("Bruno Lindqvist"),
        "public page must not name training personnel"
    );
    assert!(
        !public.contains("DPA-1001"),
        "contract references stay internal"
    );
    let (_, lapsing) = app
        .get_with("/manage/vendors/cobalt-networks", &auditor)
        .await;
    assert!(lapsing.contains("Lapses within 30 days"));
    app.stop().await;
}

/// Server functions are public POST endpoints: a browser on another site is refused.
async fn cross_site_posts_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let url = format!("{}/api/registry", app.base);
    let post = |headers: &[(&'static str, &'static str)]| {
        let mut req = app.client.post(&url).form(&[("query", "")]);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send()
    };
    let cross = post(&[("sec-fetch-site", "cross-site")])
        .await
        .expect("request");
    assert_eq!(cross.status(), 403);
    let evil = post(&[("origin", "https://evil.example")])
        .await
        .expect("request");
    assert_eq!(evil.status(), 403);
    let own = post(&[("sec-fetch-site", "same-origin")])
        .await
        .expect("request");
    assert_eq!(own.status(), 200);
    let script = post(&[]).await.expect("request");
    assert_eq!(script.status(), 200);
    app.stop().await;
}

/// The rows of the first worksheet of an xlsx file, as text cells.
fn xlsx_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an xlsx is a zip");
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .expect("first worksheet")
        .read_to_string(&mut xml)
        .expect("utf-8 xml");
    // cells are placed by their reference (`r="T2"`): empty cells are not written at all
    let column = |cell: &str| -> Option<usize> {
        let r = cell.split("r=\"").nth(1)?;
        let letters: String = r.chars().take_while(|c| c.is_ascii_uppercase()).collect();
        letters
            .bytes()
            .try_fold(0usize, |n, b| Some(n * 26 + usize::from(b - b'A') + 1))
            .map(|n| n - 1)
    };
    xml.split("<row ")
        .skip(1)
        .map(|row| {
            let mut cells = vec![String::new(); server::http::routes::export::csv::COLUMNS.len()];
            for cell in row.split("<c ").skip(1) {
                let (Some(i), Some(start), Some(end)) =
                    (column(cell), cell.find("<t"), cell.find("</t>"))
                else {
                    continue;
                };
                let text = &cell[start..end];
                let text = &text[text.find('>').map_or(0, |p| p + 1)..];
                if let Some(slot) = cells.get_mut(i) {
                    *slot = crate::support::unescape(text);
                }
            }
            cells
        })
        .collect()
}

async fn xlsx_has_the_rows_and_columns_of_the_csv(backend: Backend) {
    let app = spawn_app(backend).await;
    let query = "country=DE&country=FR&status=active&status=announced";
    let res = app.get_raw(&format!("/subprocessors.xlsx?{query}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap_or_default()
        .to_string();
    assert!(disposition.ends_with(".xlsx\""), "{disposition}");
    let bytes = res.bytes().await.expect("body");
    let rows = xlsx_rows(&bytes);
    let (_, csv) = app.get(&format!("/subprocessors.csv?{query}")).await;
    let csv_rows = crate::support::parse_csv(&csv);
    assert!(!csv_rows.is_empty());
    assert_eq!(
        rows[0],
        server::http::routes::export::csv::COLUMNS.to_vec(),
        "same columns"
    );
    assert_eq!(rows.len() - 1, csv_rows.len(), "same number of rows");
    for (x, c) in rows[1..].iter().zip(&csv_rows) {
        for (i, col) in server::http::routes::export::csv::COLUMNS
            .iter()
            .enumerate()
        {
            // the CSV neutralises formula-like text; workbook strings need no such prefix
            assert_eq!(
                server::http::routes::export::csv::neutralise(&x[i]),
                c[*col].as_str(),
                "{col}"
            );
        }
    }
    app.stop().await;
}

/// The slugs of a download in each format for `query`: CSV, Excel and JSON.
async fn slugs_in_each_format(app: &crate::support::TestApp, query: &str) -> [Vec<String>; 3] {
    let (status, csv) = app.get(&format!("/subprocessors.csv?{query}")).await;
    assert_eq!(status, 200, "{query}");
    let csv = crate::support::parse_csv(&csv)
        .iter()
        .map(|r| r["slug"].clone())
        .collect();
    let res = app.get_raw(&format!("/subprocessors.xlsx?{query}")).await;
    assert_eq!(res.status(), 200, "{query}");
    let slug = server::http::routes::export::csv::COLUMNS
        .iter()
        .position(|c| *c == "slug")
        .expect("a slug column");
    let xlsx = xlsx_rows(&res.bytes().await.expect("xlsx"))[1..]
        .iter()
        .map(|r| r[slug].clone())
        .collect();
    let (status, json) = app.get(&format!("/api/v1/subprocessors?{query}")).await;
    assert_eq!(status, 200, "{query}");
    let json: serde_json::Value = serde_json::from_str(&json).expect("json");
    let list = json["subprocessors"].as_array().expect("a list");
    assert_eq!(json["count"].as_u64(), Some(list.len() as u64), "{query}");
    let json = list
        .iter()
        .map(|v| v["slug"].as_str().unwrap_or_default().to_string())
        .collect();
    [csv, xlsx, json]
}

async fn the_three_formats_list_the_same_vendors(backend: Backend) {
    let app = spawn_app(backend).await;
    // the demo announces vendors 10 to 29 days ago and removed others 30 to 89 days ago: the
    // registry of 20 days ago is not today's
    let past = chrono::Utc::now()
        .date_naive()
        .checked_sub_days(chrono::Days::new(20))
        .expect("date")
        .to_string();
    let mut sizes = Vec::new();
    for query in [
        String::new(),
        "country=DE&country=FR&status=active&status=announced".into(),
        "compliance=authorized".into(),
        "compliance=not_compliant".into(),
        "category=personal&status=announced".into(),
        "q=cloud".into(),
        format!("as_of={past}"),
        format!("as_of={past}&country=DE"),
    ] {
        let [mut csv, xlsx, json] = slugs_in_each_format(&app, &query).await;
        assert_eq!(
            csv, xlsx,
            "CSV and Excel list the same vendors for {query:?}"
        );
        assert_eq!(
            csv, json,
            "CSV and JSON list the same vendors for {query:?}"
        );
        csv.sort();
        sizes.push((query, csv));
    }
    let sizes: Vec<(String, usize)> = {
        assert_ne!(
            sizes[0].1, sizes[6].1,
            "the registry of {past} is not today's"
        );
        sizes.into_iter().map(|(q, s)| (q, s.len())).collect()
    };
    let all = sizes[0].1;
    assert!(all > 0, "the demo lists vendors: {sizes:?}");
    for (query, n) in &sizes[2..4] {
        assert!(
            *n > 0 && *n < all,
            "{query} picks some of the list: {sizes:?}"
        );
    }
    assert!(
        sizes[6].1 > 0,
        "yesterday's registry lists vendors: {sizes:?}"
    );
    // the past day's page offers its workbook, named for the day as its CSV is
    let (_, html) = app.get(&format!("/?as_of={past}")).await;
    assert!(
        html.contains(&format!("href=\"/subprocessors.xlsx?as_of={past}\"")),
        "the past day's page links its workbook"
    );
    let res = app
        .get_raw(&format!("/subprocessors.xlsx?as_of={past}"))
        .await;
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        disposition.contains(&format!("subprocessors-as-of-{past}.xlsx")),
        "{disposition}"
    );
    app.stop().await;
}

async fn json_api_matches_csv_and_answers_conditional_requests(backend: Backend) {
    let app = spawn_app(backend).await;
    let query = "status=active&status=announced&compliance=not_compliant";
    let res = app.get_raw(&format!("/api/v1/subprocessors?{query}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    let etag = res.headers()["etag"]
        .to_str()
        .unwrap_or_default()
        .to_string();
    let last_modified = res.headers()["last-modified"]
        .to_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        etag.starts_with('"') && last_modified.ends_with(" GMT"),
        "{etag} {last_modified}"
    );
    let json: serde_json::Value = res.json().await.expect("json");
    let (_, csv) = app.get(&format!("/subprocessors.csv?{query}")).await;
    let csv_rows = crate::support::parse_csv(&csv);
    let items = json["subprocessors"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(json["count"], items.len());
    assert_eq!(items.len(), csv_rows.len());
    assert!(!items.is_empty(), "the demo has not-compliant vendors");
    for (j, c) in items.iter().zip(&csv_rows) {
        assert_eq!(j["slug"], c["slug"].as_str());
        assert_eq!(j["compliance"], "not_compliant");
        assert!(j["services"].is_array() && j["processing_countries"].is_array());
    }

    let conditional = |name: &'static str, value: String| {
        let app = &app;
        async move {
            app.client
                .get(format!("{}/api/v1/subprocessors?{query}", app.base))
                .header(name, value)
                .send()
                .await
                .expect("request")
        }
    };
    let res = conditional("if-none-match", etag.clone()).await;
    assert_eq!(res.status(), 304);
    assert_eq!(res.headers()["etag"].to_str().unwrap_or_default(), etag);
    assert!(res.bytes().await.expect("body").is_empty());
    let res = conditional("if-modified-since", last_modified.clone()).await;
    assert_eq!(res.status(), 304);
    let res = conditional("if-none-match", "\"something-else\"".into()).await;
    assert_eq!(res.status(), 200);

    // a change to the data changes the answer
    app.create_user(
        "m@example.test",
        app::domain::Role::Manager,
        "a long manager passphrase",
    )
    .await;
    let manager = app
        .login("m@example.test", "a long manager passphrase")
        .await;
    let slug = items[0]["slug"].as_str().unwrap_or_default().to_string();
    let today = chrono::Utc::now().date_naive().to_string();
    // suspending the enrollment today ends "VPAP enrolled since" in the answer
    let res = app
        .post_form(
            "/api/manage/add_enrollment",
            &[
                ("e[vendor]", slug.as_str()),
                ("e[enrolled_on]", today.as_str()),
                ("e[status]", "suspended"),
            ],
            Some(&manager),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = conditional("if-none-match", etag.clone()).await;
    assert_eq!(res.status(), 200, "a stale ETag gets the new list");
    assert_ne!(res.headers()["etag"].to_str().unwrap_or_default(), etag);
    app.stop().await;
}

/// Starting another server in the same process while one serves must not stall its pages:
/// Leptos holds back resource loads process-wide while it lists an app's routes, which once
/// left about one test run in ten with a page that never arrived (see `server::router`).
#[tokio::test]
async fn starting_a_server_does_not_stall_one_that_serves() {
    let app = spawn_app(Backend::Sqlite).await;
    let starter = std::thread::spawn(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            for _ in 0..10 {
                let dir = tempfile::tempdir().expect("temp dir");
                let config = server::ServeConfig::for_tests(
                    &format!("sqlite://{}", dir.path().join("other.db").display()),
                    "127.0.0.1:0".parse().expect("addr"),
                );
                server::Application::build(config)
                    .await
                    .expect("other app starts");
            }
        });
    });
    for i in 0..30 {
        // a distinct query each time, so the page cache cannot answer
        let path = format!("/subprocessors/ember-analytics?n={i}");
        let res = tokio::time::timeout(std::time::Duration::from_secs(15), app.get(&path))
            .await
            .unwrap_or_else(|_| panic!("{path} got no answer in 15 s"));
        assert_eq!(res.0, 200);
    }
    starter.join().expect("starter thread");
    app.stop().await;
}

/// The registry page's data is kept in memory under the registry's version (migration 0015):
/// a page asked for twice is loaded once, and any change to what it shows (a vendor, a
/// service, a link, the evidence behind a compliance verdict) is on the very next page, on
/// this instance and on another one sharing the database.
async fn the_kept_registry_page_shows_every_change_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (other, other_task) = app.another_instance(|_| {}).await;
    let page = |base: String| {
        let client = app.client.clone();
        async move {
            // a cookie keeps the answer out of the 2-second page cache: the kept data is tested
            let res = client
                .get(format!("{base}/"))
                .header("cookie", "kept=1")
                .send()
                .await
                .expect("request");
            assert_eq!(res.status(), 200);
            res.text().await.expect("body")
        }
    };
    let db = app.db().await;
    let version = || async {
        app::store::vendors::registry_version(&db)
            .await
            .expect("version")
    };
    // each instance brings the stored compliance up to date once it starts: let that settle
    let mut v0 = version().await;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let now = version().await;
        if now == v0 {
            break;
        }
        v0 = now;
    }
    let first = page(app.base.clone()).await;
    assert_eq!(
        crate::support::table_names(&page(other.clone()).await),
        crate::support::table_names(&first),
        "both instances agree"
    );
    let today = chrono::Utc::now().date_naive();
    assert!(
        app.server_kept
            .pages
            .get(((String::new(), today), v0))
            .is_some(),
        "the page's data is kept under the version it was read with"
    );
    assert_eq!(version().await, v0, "reading moves nothing");
    // kept per query: another query of the same version gets its own rows
    let (_, germany) = app.get_with("/?country=DE", "kept=1").await;
    let de = crate::support::table_names(&germany);
    assert!(!de.is_empty() && de != crate::support::table_names(&first));
    assert!(germany.contains("<abbr title=\"Germany\">DE</abbr>"));
    let names = crate::support::table_names(&first);
    let name = names[0].clone();

    // a vendor's own row
    sqlx::query("UPDATE vendors SET legal_name = $1 WHERE legal_name = $2")
        .bind("Aaa Renamed Vendor AG")
        .bind(&name)
        .execute(&db.pool)
        .await
        .expect("rename");
    assert!(version().await > v0, "a write moves the version");
    for base in [app.base.clone(), other.clone()] {
        let html = page(base).await;
        assert!(
            html.contains("Aaa Renamed Vendor AG"),
            "renamed vendor shown"
        );
        assert!(!crate::support::table_names(&html).contains(&name));
    }

    // a service's name (the filter form lists them)
    sqlx::query("UPDATE services SET name = $1 WHERE slug = 'compute'")
        .bind("Compute Renamed")
        .execute(&db.pool)
        .await
        .expect("rename service");
    assert!(page(other.clone()).await.contains("Compute Renamed"));

    // a link: every country of the renamed vendor goes
    sqlx::query(
        "DELETE FROM vendor_countries WHERE vendor_id = \
         (SELECT id FROM vendors WHERE legal_name = 'Aaa Renamed Vendor AG')",
    )
    .execute(&db.pool)
    .await
    .expect("unlink countries");
    let (_, csv) = app.get("/subprocessors.csv").await;
    let row = crate::support::parse_csv(&csv)
        .into_iter()
        .find(|r| r["legal_name"] == "Aaa Renamed Vendor AG")
        .expect("renamed vendor in the CSV");
    assert_eq!(row["processing_countries"], "");
    let html = page(app.base.clone()).await;
    let row_html = html
        .split("Aaa Renamed Vendor AG")
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .expect("the renamed vendor's row");
    assert!(!row_html.contains("<abbr"), "no country left: {row_html}");

    // evidence: an authorized vendor loses its contracts and is not compliant any more
    let (_, csv) = app.get("/subprocessors.csv?compliance=authorized").await;
    let authorized = crate::support::parse_csv(&csv);
    // not the vendor renamed above: its search text was left as it was by the bare UPDATE
    let last = authorized.last().expect("an authorized vendor");
    let victim = last["slug"].clone();
    let victim_name = last["legal_name"].clone();
    let query = format!("/?q={}", victim_name.split(' ').next().unwrap_or_default());
    let (_, before) = app.get_with(&query, "kept=1").await;
    assert!(
        before.contains(victim_name.as_str()) && before.contains("Authorized"),
        "{victim_name} shown authorized first"
    );
    sqlx::query("DELETE FROM contract_obligations WHERE contract_id IN \
                 (SELECT c.id FROM contracts c JOIN vendors v ON v.id = c.vendor_id WHERE v.slug = $1)")
        .bind(&victim)
        .execute(&db.pool)
        .await
        .expect("drop obligations");
    let (_, after) = app.get_with(&query, "kept=1").await;
    let row_html = after
        .split(victim_name.as_str())
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .expect("the vendor's row");
    assert!(
        row_html.contains("Not compliant") && !row_html.contains(">Authorized<"),
        "the verdict follows the evidence at once: {row_html}"
    );

    other_task.abort();
    app.stop().await;
}

on_both_databases!(
    registry_page_lists_public_vendors,
    filtered_csv_matches_filtered_page,
    vendor_page_and_not_found,
    health_and_bad_input,
    demo_compliance_states,
    cross_site_posts_are_refused,
    xlsx_has_the_rows_and_columns_of_the_csv,
    the_three_formats_list_the_same_vendors,
    json_api_matches_csv_and_answers_conditional_requests,
    the_kept_registry_page_shows_every_change_at_once,
);
