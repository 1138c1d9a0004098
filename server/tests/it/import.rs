//! Bulk import and the chain, end to end on both databases: an export imports back with no
//! change (CSV and XLSX), a dry run writes nothing and says what each row would do, a refused
//! row names its line and column and stops the whole apply (unless told to skip it), the
//! notice rule refuses an early effective date as the editor does, bad files are refused
//! whole, training records come in from a sheet of their own; and a vendor's own
//! subprocessors are announced with notice and shown on its page, in the CSV, the JSON API and
//! the XLSX.

use std::time::Duration;

use crate::support::{spawn_app, Backend, TestApp};
use app::domain::Role;
use chrono::{Days, Utc};
use sqlx::Any;

pub(super) const PASSWORD: &str = "correct horse battery staple";

pub(super) fn plus(days: u64) -> String {
    Utc::now()
        .date_naive()
        .checked_add_days(Days::new(days))
        .expect("date")
        .to_string()
}

pub(super) async fn scalar(app: &TestApp, sql: &str) -> i64 {
    let db = app.db().await;
    let v = sqlx::query_scalar::<Any, i64>(sql)
        .fetch_one(&db.pool)
        .await
        .expect(sql);
    db.pool.close().await;
    v
}

/// What an import could change: counts and version sums.
pub(super) async fn fingerprint(app: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM vendors",
        "SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM vendors",
        "SELECT COUNT(*) FROM change_events",
        "SELECT COUNT(*) FROM audit_log",
        "SELECT COUNT(*) FROM training_records",
    ] {
        out.push(scalar(app, sql).await);
    }
    out
}

pub(super) async fn manager(backend: Backend) -> (TestApp, String) {
    let app = spawn_app(backend).await;
    app.create_user("manager@example.test", Role::Manager, PASSWORD)
        .await;
    let cookie = app.login("manager@example.test", PASSWORD).await;
    (app, cookie)
}

/// Upload a file as the manager; the run's report once it is over (or the refusal).
pub(super) async fn import(
    app: &TestApp,
    cookie: &str,
    file: (&str, Vec<u8>),
    (apply, skip): (bool, bool),
) -> Result<serde_json::Value, String> {
    let mut fields = Vec::new();
    if apply {
        fields.push(("apply", "on"));
    }
    if skip {
        fields.push(("skip_refused", "on"));
    }
    import_with(app, cookie, file, &fields).await
}

/// [`import`] with the upload form's `fields` as given.
pub(super) async fn import_with(
    app: &TestApp,
    cookie: &str,
    (name, bytes): (&str, Vec<u8>),
    fields: &[(&str, &str)],
) -> Result<serde_json::Value, String> {
    let mut form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
    );
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    let res = app
        .client
        .post(format!("{}/api/manage/import_upload", app.base))
        .header("cookie", cookie)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    if let Some(q) = location.strip_prefix("/manage/import?") {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q).unwrap_or_default();
        return Err(pairs
            .into_iter()
            .map(|(_, v)| v)
            .collect::<Vec<_>>()
            .join(" "));
    }
    let id = location
        .strip_prefix("/manage/import/")
        .unwrap_or_else(|| panic!("the run's page: {} {location:?}", res.status()))
        .to_string();
    for _ in 0..600 {
        let res = app
            .post_form("/api/manage/import", &[("id", &id)], Some(cookie))
            .await;
        let v: serde_json::Value = res.json().await.expect("json");
        match v["state"].as_str() {
            Some("done") => return Ok(v["report"].clone()),
            Some("failed") => return Err(v["error"].as_str().unwrap_or_default().to_string()),
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("the import did not finish");
}

/// The page data of the newest import run.
async fn latest_view(app: &TestApp, cookie: &str) -> serde_json::Value {
    let id = scalar(app, "SELECT MAX(id) FROM imports").await.to_string();
    app.post_form("/api/manage/import", &[("id", &id)], Some(cookie))
        .await
        .json()
        .await
        .expect("json")
}

pub(super) fn count(r: &serde_json::Value, what: &str) -> u64 {
    r[what].as_u64().unwrap_or(u64::MAX)
}

/// Apply `file` and check it changed nothing: no row new, changed or refused, nothing written.
/// The report.
pub(super) async fn imports_back_unchanged(
    app: &TestApp,
    cookie: &str,
    file: (&str, Vec<u8>),
) -> serde_json::Value {
    let before = fingerprint(app).await;
    let report = import(app, cookie, file, (true, false))
        .await
        .expect("runs");
    assert_eq!(count(&report, "refused"), 0, "{report:#}");
    assert_eq!(
        (count(&report, "new"), count(&report, "changed")),
        (0, 0),
        "{report:#}"
    );
    assert_eq!(fingerprint(app).await, before, "nothing changed");
    report
}

async fn an_export_imports_back_with_no_change(backend: Backend) {
    let (app, cookie) = manager(backend).await;
    let (_, csv) = app
        .get("/subprocessors.csv?status=announced&status=active")
        .await;
    let report = imports_back_unchanged(&app, &cookie, ("registry.csv", csv.into_bytes())).await;
    assert!(count(&report, "unchanged") > 30);
    let xlsx = app
        .get_raw("/subprocessors.xlsx")
        .await
        .bytes()
        .await
        .expect("xlsx");
    imports_back_unchanged(&app, &cookie, ("registry.xlsx", xlsx.to_vec())).await;
    app.stop().await;
}

async fn dry_runs_refusals_and_all_or_nothing(backend: Backend) {
    let (app, cookie) = manager(backend).await;
    let before = fingerprint(&app).await;
    let file = format!(
        "legal_name,kind,work_location,purpose_category,purpose,registration_country,transfer_mechanism,services,processing_countries,data_categories,effective_on,colour\n\
         Nimbus Relay GmbH,Third party,own_facilities,Infrastructure,Relays mail,Germany,SCCs,Backup,DE; France,Customer data,{},blue\n\
         Broken Ltd,Friend,own_facilities,Infrastructure,Nothing,GB,sccs,Backup,GB,Support data,,red\n\
         Hasty Ltd,third_party,own_facilities,infrastructure,Too soon,GB,sccs,backup,GB,customer,{},\n",
        plus(200),
        plus(10)
    );
    let report = import(
        &app,
        &cookie,
        ("vendors.csv", file.clone().into_bytes()),
        (false, false),
    )
    .await
    .expect("runs");
    assert_eq!(report["dry_run"], true);
    assert_eq!(
        (count(&report, "new"), count(&report, "refused")),
        (1, 2),
        "{report:#}"
    );
    let rows = report["rows"].as_array().expect("rows");
    assert_eq!(rows[0]["outcome"], "new");
    assert_eq!(rows[0]["line"], 2);
    assert_eq!(rows[1]["outcome"], "refused");
    assert_eq!(rows[1]["errors"][0]["line"], 3);
    assert_eq!(rows[1]["errors"][0]["column"], "kind");
    // the notice rule, as in the editor: 180 days for customer data
    assert_eq!(rows[2]["errors"][0]["column"], "effective_on");
    assert!(
        rows[2]["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("180 days"),
        "{report:#}"
    );
    assert!(
        report["notes"].to_string().contains("colour"),
        "unknown columns are named"
    );
    assert_eq!(fingerprint(&app).await, before, "a dry run writes nothing");
    assert_eq!(
        latest_view(&app, &cookie).await["can_apply"],
        true,
        "a dry run with a row to write offers the apply"
    );
    // a dry run of refused rows only has nothing to apply: no button, a sentence instead
    let refused_only = file
        .lines()
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(_, l)| format!("{l}\n"))
        .collect::<String>();
    let report = import(
        &app,
        &cookie,
        ("refused.csv", refused_only.into_bytes()),
        (false, false),
    )
    .await
    .expect("runs");
    assert_eq!(
        (count(&report, "new"), count(&report, "refused")),
        (0, 2),
        "{report:#}"
    );
    let view = latest_view(&app, &cookie).await;
    assert_eq!(view["can_apply"], false, "{view:#}");
    let id = view["id"].to_string();
    let (status, page) = app.get_with(&format!("/manage/import/{id}"), &cookie).await;
    assert_eq!(status, 200);
    assert!(page.contains("Nothing to apply"), "{page}");
    assert!(!page.contains("Apply this import"), "{page}");
    // an apply with refused rows writes nothing either
    let report = import(
        &app,
        &cookie,
        ("vendors.csv", file.clone().into_bytes()),
        (true, false),
    )
    .await
    .expect("runs");
    assert_eq!(report["applied"], false);
    assert_eq!(fingerprint(&app).await, before, "all or nothing");
    // told to skip them, it writes the good row: audited, announced today with its event
    let report = import(
        &app,
        &cookie,
        ("vendors.csv", file.into_bytes()),
        (true, true),
    )
    .await
    .expect("runs");
    assert_eq!(report["applied"], true, "{report:#}");
    // the list of runs names each with its summary (kept apart from the report)
    let list: serde_json::Value = app
        .post_form("/api/manage/imports", &[], Some(&cookie))
        .await
        .json()
        .await
        .expect("json");
    assert!(
        list[0]["summary"]
            .as_str()
            .unwrap_or("")
            .starts_with("Imported: 1 new"),
        "{list:#}"
    );
    assert!(
        list[1]["summary"]
            .as_str()
            .unwrap_or("")
            .starts_with("Nothing written"),
        "{list:#}"
    );
    let after = fingerprint(&app).await;
    assert_eq!(after[0], before[0] + 1);
    assert_eq!(after[2], before[2] + 1, "its change event");
    assert_eq!(after[3], before[3] + 1, "its audit row");
    let (status, page) = app.get("/subprocessors/nimbus-relay-gmbh").await;
    assert_eq!(status, 200);
    assert!(page.contains("Relays mail"));
    assert_eq!(
        scalar(&app, &format!("SELECT COUNT(*) FROM vendors WHERE slug = 'nimbus-relay-gmbh' AND announced_on = '{}'", plus(0))).await,
        1
    );
    // a changed row reads back field by field
    let file = "slug,purpose\nnimbus-relay-gmbh,Relays and archives mail\n";
    let report = import(
        &app,
        &cookie,
        ("change.csv", file.as_bytes().to_vec()),
        (false, false),
    )
    .await
    .expect("runs");
    assert_eq!(report["rows"][0]["outcome"], "changed", "{report:#}");
    assert_eq!(report["rows"][0]["changes"][0]["column"], "purpose");
    assert_eq!(report["rows"][0]["changes"][0]["before"], "Relays mail");
    // a file naming one vendor twice: the second row sees what the first wrote (the stored
    // rows are read once, before the rows; a vendor written by the run is read again)
    let before = fingerprint(&app).await;
    let file = format!(
        "legal_name,kind,work_location,purpose_category,purpose,registration_country,transfer_mechanism,services,processing_countries,data_categories,effective_on\n\
         Twice Ltd,Third party,own_facilities,Infrastructure,First purpose,GB,SCCs,Backup,GB,Customer data,{0}\n\
         Twice Ltd,Third party,own_facilities,Infrastructure,Second purpose,GB,SCCs,Backup,GB,Customer data,{0}\n",
        plus(200)
    );
    let report = import(
        &app,
        &cookie,
        ("twice.csv", file.into_bytes()),
        (true, false),
    )
    .await
    .expect("runs");
    assert_eq!(report["applied"], true, "{report:#}");
    assert_eq!(report["rows"][0]["outcome"], "new", "{report:#}");
    assert_eq!(report["rows"][1]["outcome"], "changed", "{report:#}");
    assert_eq!(report["rows"][1]["changes"][0]["before"], "First purpose");
    let after = fingerprint(&app).await;
    assert_eq!(after[0], before[0] + 1, "one vendor");
    assert_eq!(after[3], before[3] + 2, "an audit row per accepted row");
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM vendors WHERE slug = 'twice-ltd' AND purpose = 'Second purpose' AND version = 2").await,
        1
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM fanouts f JOIN change_events c ON c.id = f.change_event_id WHERE c.slug = 'twice-ltd'").await,
        scalar(&app, "SELECT COUNT(*) FROM change_events WHERE slug = 'twice-ltd'").await,
        "every event of the import is queued for the subscribers"
    );
    app.stop().await;
}

async fn bad_files_are_refused_whole(backend: Backend) {
    let (app, cookie) = manager(backend).await;
    let before = fingerprint(&app).await;
    let binary = import(
        &app,
        &cookie,
        ("image.csv", vec![0x89, b'P', b'N', b'G', 0, 0, 1, 2]),
        (true, false),
    )
    .await;
    assert!(binary
        .expect_err("refused")
        .contains("neither a CSV nor an XLSX"));
    let wide = format!(
        "legal_name,{}\nAcme,{}\n",
        (0..10_000)
            .map(|i| format!("c{i}"))
            .collect::<Vec<_>>()
            .join(","),
        "x,".repeat(9_999)
    );
    let wide = import(
        &app,
        &cookie,
        ("wide.csv", wide.into_bytes()),
        (true, false),
    )
    .await;
    assert!(
        wide.expect_err("refused").contains("at most 200"),
        "10,000 columns"
    );
    let formula = "slug,purpose\nbrightwater-hosting,=HYPERLINK(\"http://evil.example\")\n";
    let report = import(
        &app,
        &cookie,
        ("f.csv", formula.as_bytes().to_vec()),
        (true, false),
    )
    .await
    .expect("runs");
    assert!(report["rows"][0]["errors"][0]["message"]
        .as_str()
        .unwrap_or("")
        .contains("formula"));
    // Latin-1 is read as such, and said
    let mut latin = b"slug,purpose\nbrightwater-hosting,Stockage s".to_vec();
    latin.push(0xfb); // û
    latin.extend_from_slice(b"r\n");
    let report = import(&app, &cookie, ("latin.csv", latin), (false, false))
        .await
        .expect("runs");
    assert!(report["notes"].to_string().contains("Latin-1"));
    assert_eq!(report["rows"][0]["changes"][0]["after"], "Stockage sûr");
    // 11 MB: refused before it is read
    let big = vec![b'a'; 11 * 1024 * 1024];
    let res = app
        .client
        .post(format!("{}/api/manage/import_upload", app.base))
        .header("cookie", &cookie)
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(big).file_name("big.csv"),
        ))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 413);
    assert_eq!(fingerprint(&app).await, before, "nothing stored");
    // only editors import
    app.create_user("auditor@example.test", Role::Auditor, PASSWORD)
        .await;
    let auditor = app.login("auditor@example.test", PASSWORD).await;
    let res = app
        .client
        .post(format!("{}/api/manage/import_upload", app.base))
        .header("cookie", &auditor)
        .header("accept", "application/json")
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(b"legal_name\nX\n".to_vec()).file_name("x.csv"),
        ))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 403);
    // a body that is not multipart never reaches the upload's decoder
    let res = app
        .post_form("/api/manage/import_upload", &[("file", "x")], Some(&cookie))
        .await;
    assert_eq!(res.status(), 415);
    assert_eq!(app.get("/healthz").await.0, 200, "the server is still up");
    let before = fingerprint(&app).await;
    for (path, body) in [
        ("/api/manage/import_apply", vec![("id", "1")]),
        ("/api/manage/imports", vec![]),
        ("/api/manage/import", vec![("id", "1")]),
    ] {
        let res = app.post_form(path, &body, Some(&auditor)).await;
        assert_eq!(res.status(), 403, "{path} refuses an auditor");
    }
    assert_eq!(fingerprint(&app).await, before, "nothing stored");
    app.stop().await;
}

async fn training_records_come_in_from_their_own_sheet(backend: Backend) {
    let (app, cookie) = manager(backend).await;
    let course = {
        let db = app.db().await;
        let c = sqlx::query_scalar::<Any, String>("SELECT MIN(name) FROM training_courses")
            .fetch_one(&db.pool)
            .await
            .expect("a course");
        db.pool.close().await;
        c
    };
    let before = scalar(&app, "SELECT COUNT(*) FROM training_records").await;
    let file = format!(
        "vendor_slug,person_name,person_email,course,completed_on\n\
         brightwater-hosting,Ada Lovelace,ada@vendor.example,{course},2026-11-02\n\
         brightwater-hosting,Grace Hopper,grace@vendor.example,{course},2026-11-03\n\
         no-such-vendor,Alan Turing,alan@vendor.example,{course},2026-11-03\n"
    );
    let report = import(
        &app,
        &cookie,
        ("training.csv", file.clone().into_bytes()),
        (true, true),
    )
    .await
    .expect("runs");
    assert_eq!(
        (count(&report, "training"), count(&report, "refused")),
        (2, 1),
        "{report:#}"
    );
    assert_eq!(report["rows"][2]["errors"][0]["column"], "vendor_slug");
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM training_records").await,
        before + 2
    );
    // the same file again adds nothing
    let report = import(
        &app,
        &cookie,
        ("training.csv", file.into_bytes()),
        (true, true),
    )
    .await
    .expect("runs");
    assert_eq!(count(&report, "training"), 0);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM training_records").await,
        before + 2
    );
    app.stop().await;
}

async fn the_chain_is_announced_and_shown(backend: Backend) {
    let (app, cookie) = manager(backend).await;
    let vendor = "brightwater-hosting";
    let version = scalar(
        &app,
        &format!("SELECT version FROM vendors WHERE slug = '{vendor}'"),
    )
    .await;
    let category = {
        let db = app.db().await;
        let c = sqlx::query_scalar::<Any, String>(&format!(
            "SELECT MIN(d.category_code) FROM vendor_data_categories d JOIN vendors v ON v.id = d.vendor_id WHERE v.slug = '{vendor}'"
        ))
        .fetch_one(&db.pool)
        .await
        .expect("category");
        db.pool.close().await;
        c
    };
    let save = |effective: String| {
        let (app, cookie, category) = (&app, &cookie, category.clone());
        async move {
            let cat = format!("s[categories][{category}]");
            let version = version.to_string();
            app.post_form(
                "/api/manage/save_sub_processor",
                &[
                    ("s[vendor]", vendor),
                    ("s[version]", &version),
                    ("s[legal_name]", "Deep Archive AB"),
                    ("s[country]", "SE"),
                    ("s[purpose]", "Cold storage of backups"),
                    (&cat, "on"),
                    ("s[scope_effective_on]", &effective),
                ],
                Some(cookie),
            )
            .await
        }
    };
    // a new link widens the scope: its date is required, with notice
    let res = save(String::new()).await;
    assert_eq!(res.status(), 422);
    assert!(res
        .text()
        .await
        .unwrap_or_default()
        .contains("scope_effective_on"));
    let res = save(plus(1)).await;
    assert_eq!(res.status(), 422);
    let events = scalar(&app, "SELECT COUNT(*) FROM change_events").await;
    let res = save(plus(200)).await;
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM change_events").await,
        events + 1
    );
    let (_, json) = app.get(&format!("/api/v1/changes?vendor={vendor}")).await;
    assert!(
        json.contains("adds subprocessor Deep Archive AB (SE)"),
        "{json}"
    );
    // shown on the page, in the CSV's last column, the JSON API and the XLSX's second sheet
    let (_, page) = app.get(&format!("/subprocessors/{vendor}")).await;
    assert!(
        page.contains("Deep Archive AB") && page.contains("Sweden (SE)"),
        "the chain on the page"
    );
    let (_, csv) = app.get("/subprocessors.csv?q=Brightwater").await;
    let rows = crate::support::parse_csv(&csv);
    let row = rows.iter().find(|r| r["slug"] == vendor).expect("row");
    assert!(
        row["sub_processors"]
            .split("; ")
            .any(|l| l == "Deep Archive AB (SE)"),
        "{}",
        row["sub_processors"]
    );
    // the chain's column, then (issue 29) when a wider scope takes effect
    assert!(csv
        .lines()
        .next()
        .unwrap_or("")
        .ends_with(",sub_processors,scope_effective_on"));
    let (_, api) = app.get("/api/v1/subprocessors?q=Brightwater").await;
    let api: serde_json::Value = serde_json::from_str(&api).expect("json");
    let v = api["subprocessors"]
        .as_array()
        .and_then(|a| a.iter().find(|v| v["slug"] == vendor))
        .expect("vendor");
    let link = v["sub_processors"]
        .as_array()
        .and_then(|a| a.iter().find(|l| l["legal_name"] == "Deep Archive AB"))
        .expect("the new link in the JSON");
    assert_eq!(link["country"], "SE");
    let xlsx = app
        .get_raw("/subprocessors.xlsx")
        .await
        .bytes()
        .await
        .expect("xlsx");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx.to_vec())).expect("zip");
    let mut sheet2 = String::new();
    std::io::Read::read_to_string(
        &mut zip
            .by_name("xl/worksheets/sheet2.xml")
            .expect("a second sheet"),
        &mut sheet2,
    )
    .expect("read");
    let mut strings = String::new();
    if let Ok(mut s) = zip.by_name("xl/sharedStrings.xml") {
        std::io::Read::read_to_string(&mut s, &mut strings).expect("read");
    }
    assert!(
        sheet2.contains("Deep Archive AB") || strings.contains("Deep Archive AB"),
        "the link on the second sheet"
    );
    // the demo has a chain two levels deep
    let linked = scalar(
        &app,
        "SELECT COUNT(*) FROM vendors WHERE sub_processors LIKE '%vendor_slug\":\"%'",
    )
    .await;
    assert!(
        linked > 0,
        "a demo vendor links to another vendor of the registry"
    );
    app.stop().await;
}

/// A row that widens an announced vendor's scope is refused at `scope_effective_on` (the
/// column that can mend it, with the earliest day), imports with that column filled, and the
/// export then writes the day in that column, so it imports back unchanged (issue 29).
async fn a_wider_scope_imports_with_its_day(backend: Backend) {
    let (app, cookie) = manager(backend).await;
    let (_, list) = app.get("/api/v1/subprocessors?status=active").await;
    let list: serde_json::Value = serde_json::from_str(&list).expect("json");
    // one with no wider scope announced yet (the demo has one)
    let vendor = list["subprocessors"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|v| v["scope_effective_on"].is_null())
        .expect("a vendor with no widening to come");
    let slug = vendor["slug"].as_str().expect("a slug").to_string();
    let mut countries: Vec<String> = vendor["processing_countries"]
        .as_array()
        .expect("countries")
        .iter()
        .filter_map(|c| c.as_str().map(str::to_string))
        .collect();
    let new = ["JP", "BR", "NZ", "CL"]
        .into_iter()
        .find(|c| !countries.iter().any(|x| x == c))
        .expect("a country not listed yet");
    countries.push(new.to_string());
    let countries = countries.join("; ");
    let widen = format!("slug,processing_countries\r\n{slug},{countries}\r\n");
    let report = import(
        &app,
        &cookie,
        ("wider.csv", widen.into_bytes()),
        (false, false),
    )
    .await
    .expect("runs");
    let error = &report["rows"][0]["errors"][0];
    assert_eq!(error["column"], "scope_effective_on", "{report:#}");
    assert_eq!(error["line"], 2, "{report:#}");
    assert!(
        error["message"]
            .as_str()
            .unwrap_or("")
            .contains("at the earliest"),
        "{report:#}"
    );
    let day = plus(365);
    let widen =
        format!("slug,processing_countries,scope_effective_on\r\n{slug},{countries},{day}\r\n");
    let report = import(
        &app,
        &cookie,
        ("wider.csv", widen.into_bytes()),
        (true, false),
    )
    .await
    .expect("runs");
    assert_eq!(count(&report, "changed"), 1, "{report:#}");
    assert_eq!(
        scalar(
            &app,
            &format!(
                "SELECT COUNT(*) FROM change_events WHERE slug = '{slug}' \
                 AND kind = 'scope_changed' AND effective_on = '{day}'"
            )
        )
        .await,
        1
    );
    // the export says when, in the CSV and the JSON, and imports back unchanged
    let (_, csv) = app
        .get("/subprocessors.csv?status=announced&status=active")
        .await;
    let row = csv
        .split("\r\n")
        .find(|l| l.contains(&format!(",{slug},")))
        .expect("the vendor's row");
    assert!(row.ends_with(&format!(",{day}")), "{row}");
    assert!(csv
        .lines()
        .next()
        .unwrap_or("")
        .ends_with(",scope_effective_on"));
    let (_, json) = app.get("/api/v1/subprocessors?status=active").await;
    let json: serde_json::Value = serde_json::from_str(&json).expect("json");
    let listed = json["subprocessors"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|v| v["slug"] == slug.as_str())
        .expect("the vendor");
    assert_eq!(listed["scope_effective_on"], day.as_str());
    imports_back_unchanged(&app, &cookie, ("registry.csv", csv.into_bytes())).await;
    app.stop().await;
}

/// A whole-list import (issue 29): the registry's vendors the file leaves out are listed by
/// the dry run and removed by the apply (announced as removed today); without the mode they
/// are only counted; leaving out more than a fifth of the registry is refused unless that
/// number is confirmed, on the web and on the command line.
async fn a_whole_list_removes_what_it_leaves_out(backend: Backend) {
    let sink = crate::sinks::SmtpSink::start();
    let app = crate::notices::with_sink(backend, &sink).await;
    let cookie = app.login("manager@example.test", PASSWORD).await;
    let customer = "dana@customer.example";
    crate::notices::subscribed(&app, &sink, customer, &[]).await;
    let listed =
        "SELECT COUNT(*) FROM vendors WHERE announced_on IS NOT NULL AND removed_on IS NULL";
    let n = scalar(&app, listed).await as usize;
    assert!(n > 10, "the demo lists vendors");
    let db = app.db().await;
    let slugs: Vec<String> = sqlx::query_scalar::<Any, String>(
        "SELECT slug FROM vendors WHERE announced_on IS NOT NULL AND removed_on IS NULL \
         ORDER BY slug",
    )
    .fetch_all(&db.pool)
    .await
    .expect("slugs");
    db.pool.close().await;
    let (left_out, kept) = slugs.split_at(2);
    let file = format!("slug\r\n{}\r\n", kept.join("\r\n"));
    let before = fingerprint(&app).await;
    // without the mode: counted, nothing removed
    let report = import(
        &app,
        &cookie,
        ("list.csv", file.clone().into_bytes()),
        (false, false),
    )
    .await
    .expect("runs");
    assert_eq!(
        report["absent"].as_array().map(Vec::len),
        Some(2),
        "{report:#}"
    );
    assert_eq!(count(&report, "removed"), 0);
    assert!(report["notes"]
        .to_string()
        .contains("2 vendors of the registry are not in this file"));
    // the mode's dry run lists them and writes nothing
    let whole = [("whole_list", "on")];
    let report = import_with(
        &app,
        &cookie,
        ("list.csv", file.clone().into_bytes()),
        &whole,
    )
    .await
    .expect("runs");
    assert_eq!(count(&report, "removed"), 2, "{report:#}");
    assert_eq!(count(&report, "confirm_needed"), 0, "{report:#}");
    assert!(report["rows"]
        .to_string()
        .contains(&format!("\"slug\":\"{}\"", left_out[0])));
    assert_eq!(fingerprint(&app).await, before, "a dry run writes nothing");
    let view = latest_view(&app, &cookie).await;
    assert_eq!(view["can_apply"], true, "{view:#}");
    let id = view["id"].to_string();
    let (_, page) = app.get_with(&format!("/manage/import/{id}"), &cookie).await;
    assert!(
        page.contains("To be removed from the registry (2, not in the file)"),
        "{page}"
    );
    // the apply of that dry run removes them, as of today
    let res = app
        .post_form("/api/manage/import_apply", &[("id", &id)], Some(&cookie))
        .await;
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "{}",
        res.status()
    );
    for _ in 0..300 {
        if scalar(&app, listed).await as usize == n - 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(scalar(&app, listed).await as usize, n - 2);
    // a subscriber is told of each removal once, as when a manager removes one
    let mails = sink.wait_for(customer, 3, 30).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        sink.mails_to(customer).len(),
        3,
        "one notice a removal, none twice"
    );
    for slug in left_out {
        let name =
            sqlx::query_scalar::<Any, String>("SELECT legal_name FROM vendors WHERE slug = $1")
                .bind(slug.clone())
                .fetch_one(&app.db().await.pool)
                .await
                .expect("name");
        assert_eq!(
            mails[1..]
                .iter()
                .filter(|m| m
                    .header("subject")
                    .starts_with(&format!("Subprocessor removed: {name}")))
                .count(),
            1,
            "{name}: {:?}",
            mails
                .iter()
                .map(|m| m.header("subject"))
                .collect::<Vec<_>>()
        );
    }
    for slug in left_out {
        assert_eq!(
            scalar(
                &app,
                &format!(
                    "SELECT COUNT(*) FROM change_events WHERE slug = '{slug}' AND kind = 'removed' \
                     AND effective_on = '{}'",
                    plus(0)
                )
            )
            .await,
            1,
            "{slug} is announced as removed today"
        );
    }
    // a file naming one vendor would remove nearly all: refused unless the number is confirmed
    let one = format!("slug\r\n{}\r\n", kept[0]);
    let gone = n - 3;
    let report = import_with(
        &app,
        &cookie,
        ("one.csv", one.clone().into_bytes()),
        &[
            ("whole_list", "on"),
            ("apply", "on"),
            ("confirm_removals", "3"),
        ],
    )
    .await
    .expect("runs");
    assert_eq!(count(&report, "confirm_needed"), gone as u64, "{report:#}");
    assert_eq!(report["applied"], false);
    assert!(
        report["summary"]
            .as_str()
            .unwrap_or("")
            .contains("more than a fifth"),
        "{report:#}"
    );
    assert_eq!(
        scalar(&app, listed).await as usize,
        n - 2,
        "nothing written"
    );
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("one.csv");
    std::fs::write(&path, &one).expect("write");
    let (url, file) = (app.database_url.clone(), path.to_string_lossy().to_string());
    let cli = move |extra: &[&str]| {
        let mut args = vec![
            "--database-url".to_string(),
            url.clone(),
            "import".to_string(),
            file.clone(),
            "--whole-list".to_string(),
        ];
        args.extend(extra.iter().map(|a| a.to_string()));
        std::process::Command::new(env!("CARGO_BIN_EXE_server"))
            .args(args)
            .env("RUST_LOG", "error")
            .output()
            .expect("server runs")
    };
    let out = crate::support::off_thread({
        let cli = cli.clone();
        move || Ok::<_, std::io::Error>(cli(&[]))
    })
    .await
    .expect("runs");
    let said =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains(&format!("--confirm-removals {gone}")),
        "{said}"
    );
    assert_eq!(
        scalar(&app, listed).await as usize,
        n - 2,
        "nothing written"
    );
    let confirm = gone.to_string();
    let out = crate::support::off_thread(move || {
        Ok::<_, std::io::Error>(cli(&["--confirm-removals", &confirm]))
    })
    .await
    .expect("runs");
    let said =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert_eq!(scalar(&app, listed).await, 1, "{said}");
    app.stop().await;
    sink.stop();
}

/// A refusal in a workbook names its sheet and cell, as the spreadsheet shows them (issue 29):
/// the header in B1, the bad cell in C7 after blank rows.
async fn a_workbook_refusal_names_its_cell(backend: Backend) {
    let (app, cookie) = manager(backend).await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Sub-processors").expect("name");
    sheet.write_string(0, 1, "legal_name").expect("B1");
    sheet.write_string(0, 2, "kind").expect("C1");
    sheet.write_string(6, 1, "Broken Ltd").expect("B7");
    sheet.write_string(6, 2, "Friend").expect("C7");
    let bytes = book.save_to_buffer().expect("xlsx");
    let report = import(&app, &cookie, ("book.xlsx", bytes), (false, false))
        .await
        .expect("runs");
    let error = &report["rows"][0]["errors"][0];
    assert_eq!(error["column"], "kind", "{report:#}");
    assert_eq!(error["line"], 7, "{report:#}");
    assert_eq!(error["cell"], "Sub-processors!C7", "{report:#}");
    app.stop().await;
}

on_both_databases!(
    an_export_imports_back_with_no_change,
    a_workbook_refusal_names_its_cell,
    a_whole_list_removes_what_it_leaves_out,
    a_wider_scope_imports_with_its_day,
    dry_runs_refusals_and_all_or_nothing,
    bad_files_are_refused_whole,
    training_records_come_in_from_their_own_sheet,
    the_chain_is_announced_and_shown,
);
