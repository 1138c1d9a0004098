//! Evidence documents and their review (issue 26), end to end on both databases and both
//! document stores (SQLite with the local directory, PostgreSQL with the S3-compatible server
//! the test starts): a vendor's contact submits an assessment with its PDF; it does not count
//! (the vendor stays not compliant in the JSON and the CSV) until a manager approves it;
//! a change request needs a comment and reaches the contact; documents download only to
//! people signed in internally and to the vendor's own contacts, as attachments, each download
//! recorded; hostile files are refused with the reason and leave nothing behind.

use reqwest::multipart::{Form, Part};
use sqlx::Any;

use crate::{
    notices::{scalar, PASSWORD},
    portal::contact_session,
    sinks::{S3Sink, SmtpSink},
    support::{spawn_app_with, Backend, TestApp},
};

/// The vendor made not compliant for want of an assessment, and another vendor.
const VENDOR: &str = "driftwood-labs";
const OTHER: &str = "ember-analytics";

/// A small but real PDF (its bytes are what the store keeps and hands back).
pub(crate) fn pdf() -> Vec<u8> {
    let mut b = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n".to_vec();
    b.extend(std::iter::repeat_n(b'.', 100_000));
    b.extend_from_slice(b"\n%%EOF\n");
    b
}

/// The assessment's fields, `valid_until` as given.
fn fields(valid_until: &str) -> Form {
    Form::new()
        .text("kind", "soc2_type2")
        .text("assessor", "Northbridge Assurance LLP")
        .text("period_start", "2025-10-01")
        .text("period_end", "2026-09-30")
        .text("issued_on", "2026-11-15")
        .text("valid_until", valid_until.to_string())
}

fn form(file: Vec<u8>, name: &str) -> Form {
    fields("2027-11-14").part("file", Part::bytes(file).file_name(name.to_string()))
}

async fn submit(app: &TestApp, cookie: Option<&str>, form: Form) -> reqwest::Response {
    let mut req = app
        .client
        .post(format!("{}/api/vendor/submit_assessment", app.base))
        .header("origin", &app.base)
        // as a browser's form post: answered with a redirect
        .header("accept", "text/html")
        .multipart(form);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send().await.expect("submit")
}

/// Where a refused form post is sent back to, decoded.
pub(crate) fn sent_back(res: &reqwest::Response) -> String {
    let to = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    url_decode(to)
}

fn url_decode(s: &str) -> String {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap_or(b'?'));
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).to_string()
}

/// Whether `slug` is listed as authorized in the JSON API and in the CSV.
pub(crate) async fn authorized(app: &TestApp, slug: &str) -> (bool, bool) {
    let (status, body) = app.get("/api/v1/subprocessors?compliance=authorized").await;
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    let in_json = json["subprocessors"]
        .as_array()
        .expect("list")
        .iter()
        .any(|s| s["slug"] == slug);
    let (status, csv) = app.get("/subprocessors.csv?compliance=authorized").await;
    assert_eq!(status, 200);
    let in_csv = csv.lines().any(|l| l.split(',').any(|f| f == slug));
    (in_json, in_csv)
}

async fn exec(app: &TestApp, sql: &str) {
    let db = app.db().await;
    sqlx::query::<Any>(sql)
        .execute(&db.pool)
        .await
        .expect("sql");
    db.pool.close().await;
}

async fn submissions(app: &TestApp, cookie: &str) -> serde_json::Value {
    let res = app
        .post_form("/api/vendor/submissions", &[], Some(cookie))
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.expect("json")
}

async fn submissions_count_only_once_approved(backend: Backend) {
    // PostgreSQL keeps its documents in the S3-compatible server, SQLite in its directory
    let s3 = matches!(backend, Backend::Postgres).then(|| S3Sink::start("registry-docs"));
    let sink = SmtpSink::start();
    let smtp = sink.url();
    let app = spawn_app_with(backend, |c| {
        c.notices.smtp_url = smtp;
        if let Some(s3) = &s3 {
            c.document_store = "s3://registry-docs/evidence".into();
            c.document_store_options = s3.options();
        }
    })
    .await;
    app.create_user("manager@example.test", app::domain::Role::Manager, PASSWORD)
        .await;
    app.create_user("auditor@example.test", app::domain::Role::Auditor, PASSWORD)
        .await;
    let manager = app.login("manager@example.test", PASSWORD).await;
    let auditor = app.login("auditor@example.test", PASSWORD).await;
    // the vendor lacks nothing but an independent assessment
    assert_eq!(
        authorized(&app, VENDOR).await,
        (true, true),
        "authorized first"
    );
    exec(
        &app,
        &format!("DELETE FROM assessments WHERE vendor_id = (SELECT id FROM vendors WHERE slug = '{VENDOR}')"),
    )
    .await;
    assert_eq!(authorized(&app, VENDOR).await, (false, false));

    let ada = contact_session(&app, VENDOR, "ada@driftwood.example").await;
    let eve = contact_session(&app, OTHER, "eve@ember.example").await;

    // not signed in, or signed in internally: not a contact's to submit
    let res = submit(&app, None, form(pdf(), "soc2.pdf")).await;
    assert_eq!(res.status(), 401);
    let res = submit(&app, Some(&manager), form(pdf(), "soc2.pdf")).await;
    assert_eq!(
        res.status(),
        401,
        "the portal's: managers enter assessments on the vendor's page"
    );

    // hostile or wrong files: the reason comes back, nothing is kept
    let html = b"<html><script>alert(1)</script></html>".to_vec();
    let res = submit(&app, Some(&ada), form(html, "report.pdf")).await;
    assert!(res.status().is_redirection(), "{}", res.status());
    assert!(
        sent_back(&res).contains("text (HTML"),
        "{}",
        sent_back(&res)
    );
    let res = submit(
        &app,
        Some(&ada),
        form(b"PK\x03\x04zipzipzip".to_vec(), "report.docx"),
    )
    .await;
    assert!(
        sent_back(&res).contains("zip archive"),
        "{}",
        sent_back(&res)
    );
    let res = submit(&app, Some(&ada), fields("2027-11-14")).await;
    assert!(
        sent_back(&res).contains("Attach the report"),
        "{}",
        sent_back(&res)
    );
    // a bad date is refused before the file is read: nothing stored
    let bad = fields("someday").part("file", Part::bytes(pdf()).file_name("soc2.pdf"));
    let res = submit(&app, Some(&ada), bad).await;
    assert!(res.status().is_redirection());
    assert!(
        sent_back(&res).contains("valid-until"),
        "{}",
        sent_back(&res)
    );
    if let Some(s3) = &s3 {
        assert_eq!(s3.objects("registry-docs"), 0, "nothing stored");
    }
    // more than 25 MB, declared: 413 before the body is read
    let res = app
        .client
        .post(format!("{}/api/vendor/submit_assessment", app.base))
        .header("origin", &app.base)
        .header("cookie", &ada)
        .header("content-type", "multipart/form-data; boundary=x")
        .header("content-length", (30 * 1024 * 1024).to_string())
        .body("--x--")
        .send()
        .await;
    match res {
        Ok(r) => assert_eq!(r.status(), 413),
        // the server may answer and close before the (missing) body is sent
        Err(e) => assert!(e.is_request() || e.is_body(), "{e}"),
    }
    // not multipart at all
    let res = app
        .post_form(
            "/api/vendor/submit_assessment",
            &[("kind", "x")],
            Some(&ada),
        )
        .await;
    assert_eq!(res.status(), 415);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM documents").await, 0);
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM assessments WHERE review_state <> 'approved'"
        )
        .await,
        0
    );

    // the real submission
    let res = submit(&app, Some(&ada), form(pdf(), "../SOC 2 Type II.pdf")).await;
    assert_eq!(res.status(), 302, "{:?}", res.text().await);
    let mine = submissions(&app, &ada).await;
    assert_eq!(mine.as_array().map(Vec::len), Some(1), "{mine}");
    let s = &mine[0];
    assert_eq!(s["state"], "Pending");
    assert_eq!(s["document"]["file_name"], "SOC 2 Type II.pdf");
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(pdf()))
    };
    assert_eq!(s["document"]["sha256"], sha.as_str());
    let id = s["id"].as_i64().expect("id");
    let doc = s["document"]["id"].as_i64().expect("document id");
    // another vendor's contact sees none of it
    assert_eq!(submissions(&app, &eve).await, serde_json::json!([]));

    // waiting: it counts nowhere
    assert_eq!(authorized(&app, VENDOR).await, (false, false), "pending");
    let res = app
        .post_form("/api/manage/reviews", &[], Some(&auditor))
        .await;
    let queue: serde_json::Value = res.json().await.expect("json");
    assert_eq!(queue["waiting"][0]["id"], id);
    assert_eq!(queue["waiting"][0]["days_waiting"], 0);
    assert_eq!(queue["can_decide"], false);

    // the document: to the vendor's contacts and people signed in, as an attachment
    let path = format!("{}/documents/{doc}", app.base);
    let get = |cookie: Option<String>| {
        let mut req = app.client.get(&path);
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        req.send()
    };
    assert_eq!(get(None).await.expect("get").status(), 401);
    assert_eq!(get(Some(eve.clone())).await.expect("get").status(), 404);
    let res = app
        .client
        .get(format!("{}/documents/999999", app.base))
        .header("cookie", &ada)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 404);
    for who in [&ada, &auditor] {
        let res = get(Some(who.clone())).await.expect("get");
        assert_eq!(res.status(), 200);
        let h = res.headers().clone();
        assert_eq!(h["content-type"], "application/pdf");
        assert!(h["content-disposition"]
            .to_str()
            .expect("ascii")
            .starts_with("attachment; filename=\"SOC 2 Type II.pdf\""));
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert!(h["content-security-policy"]
            .to_str()
            .expect("ascii")
            .contains("sandbox"));
        assert_eq!(res.bytes().await.expect("body").as_ref(), pdf().as_slice());
    }
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM document_downloads").await,
        2,
        "each download recorded, refusals not"
    );

    // deciding is a manager's; a change request says why
    let decide = |cookie: String, decision: &'static str, comment: &'static str, version: i64| {
        let (id, version) = (id.to_string(), version.to_string());
        let app = &app;
        async move {
            app.post_form(
                "/api/manage/decide_review",
                &[
                    ("id", id.as_str()),
                    ("version", version.as_str()),
                    ("decision", decision),
                    ("comment", comment),
                ],
                Some(&cookie),
            )
            .await
        }
    };
    assert_eq!(
        decide(auditor.clone(), "approve", "", 1).await.status(),
        403
    );
    assert_eq!(decide(ada.clone(), "approve", "", 1).await.status(), 403);
    assert_eq!(
        decide(manager.clone(), "request_changes", " ", 1)
            .await
            .status(),
        422
    );
    assert_eq!(
        decide(manager.clone(), "approve", "", 7).await.status(),
        409,
        "stale"
    );
    let res = decide(
        manager.clone(),
        "request_changes",
        "The period is cut off on page 2.",
        1,
    )
    .await;
    assert_eq!(res.status(), 200);
    let mine = submissions(&app, &ada).await;
    assert_eq!(mine[0]["state"], "ChangesRequested");
    assert_eq!(mine[0]["comment"], "The period is cut off on page 2.");
    assert_eq!(
        decide(manager.clone(), "approve", "", 2).await.status(),
        422,
        "decided"
    );
    assert_eq!(authorized(&app, VENDOR).await, (false, false));

    // the contact sends it again (the same bytes: stored once), the manager approves
    let res = submit(&app, Some(&ada), form(pdf(), "SOC 2 Type II v2.pdf")).await;
    assert_eq!(res.status(), 302);
    let mine = submissions(&app, &ada).await;
    let again = mine[0]["id"].as_i64().expect("id");
    let res = app
        .post_form(
            "/api/manage/decide_review",
            &[
                ("id", &again.to_string()),
                ("version", "1"),
                ("decision", "approve"),
                ("comment", ""),
            ],
            Some(&manager),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        authorized(&app, VENDOR).await,
        (true, true),
        "approved: it counts"
    );
    let res = app
        .post_form("/api/manage/reviews", &[], Some(&manager))
        .await;
    let queue: serde_json::Value = res.json().await.expect("json");
    assert_eq!(queue["waiting"], serde_json::json!([]));
    if let Some(s3) = &s3 {
        assert_eq!(
            s3.objects("registry-docs"),
            1,
            "one object for the same bytes"
        );
    }
    // all of it in the audit trail, the contact as the actor of the submissions
    let actors = scalar(
        &app,
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'assessment' \
         AND ((actor = 'ada@driftwood.example' AND action = 'submit for review') \
           OR (actor = 'manager@example.test' AND action IN ('request changes', 'approve')))",
    )
    .await;
    assert_eq!(actors, 4);
    app.stop().await;
}

async fn submit_roster(app: &TestApp, cookie: &str, csv: String) -> reqwest::Response {
    let form = Form::new().part(
        "file",
        Part::bytes(csv.into_bytes()).file_name("roster.csv".to_string()),
    );
    app.client
        .post(format!("{}/api/vendor/submit_roster", app.base))
        .header("origin", &app.base)
        .header("accept", "text/html")
        .header("cookie", cookie)
        .multipart(form)
        .send()
        .await
        .expect("submit")
}

/// The vendor's training records in force today: (name, address, course, completed on).
async fn in_force(app: &TestApp, slug: &str) -> Vec<(String, String, String, String)> {
    let db = app.db().await;
    let today = chrono::Utc::now().date_naive().to_string();
    let rows = sqlx::query_as::<Any, (String, String, String, String)>(
        "SELECT t.person_name, t.person_email, c.name, t.completed_on FROM training_records t \
         JOIN training_courses c ON c.id = t.course_id JOIN vendors v ON v.id = t.vendor_id \
         WHERE v.slug = $1 AND t.expires_on >= $2 ORDER BY t.person_email, c.name",
    )
    .bind(slug.to_string())
    .bind(today)
    .fetch_all(&db.pool)
    .await
    .expect("records");
    db.pool.close().await;
    rows
}

async fn an_approved_roster_becomes_the_list(backend: Backend) {
    let sink = SmtpSink::start();
    let smtp = sink.url();
    let app = spawn_app_with(backend, |c| c.notices.smtp_url = smtp).await;
    app.create_user("manager@example.test", app::domain::Role::Manager, PASSWORD)
        .await;
    let manager = app.login("manager@example.test", PASSWORD).await;
    let ada = contact_session(&app, VENDOR, "ada@driftwood.example").await;
    let eve = contact_session(&app, OTHER, "eve@ember.example").await;
    // two more people in force: one the roster keeps, one it drops
    for (name, email) in [
        ("Keeper", "keeper@driftwood.example"),
        ("Leaver", "leaver@driftwood.example"),
    ] {
        exec(
            &app,
            &format!(
                "INSERT INTO training_records (vendor_id, person_name, person_email, course_id, \
                 completed_on, expires_on, created_at) SELECT v.id, '{name}', '{email}', c.id, \
                 '2026-06-01', '2099-06-01', '2026-06-01T00:00:00.000Z' FROM vendors v, \
                 training_courses c WHERE v.slug = '{VENDOR}' AND c.name = 'Security awareness'"
            ),
        )
        .await;
    }
    let before = in_force(&app, VENDOR).await;
    assert!(before.len() >= 3, "{before:?}");
    let yesterday = (chrono::Utc::now().date_naive() - chrono::Days::new(1)).to_string();

    // refused rows come back with their lines; nothing is kept
    let bad = "person_name,person_email,course,completed_on\n\
               Ana,not-an-address,Privacy essentials for vendors,2026-11-01\n\
               Bo,bo@driftwood.example,No such course,2026-11-01\n"
        .to_string();
    let res = submit_roster(&app, &ada, bad).await;
    let back = sent_back(&res);
    assert!(
        back.contains("Line 2, person_email") && back.contains("Line 3, course"),
        "{back}"
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM roster_submissions").await,
        0
    );

    // kept as it is, one newer completion, one newcomer; the others are no longer listed
    let (keep, newer) = (&before[0], &before[1]);
    let csv = format!(
        "person_name,person_email,course,completed_on\n{},{},{},{}\n{},{},{},{yesterday}\n\
         Grace Hopper,grace@driftwood.example,Security awareness,{yesterday}\n",
        keep.0, keep.1, keep.2, keep.3, newer.0, newer.1, newer.2
    );
    let res = submit_roster(&app, &ada, csv).await;
    assert_eq!(res.status(), 302, "{}", sent_back(&res));
    let mine: serde_json::Value = app
        .post_form("/api/vendor/rosters", &[], Some(&ada))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(mine[0]["people"], 3);
    assert_eq!(mine[0]["state"], "Pending");
    let id = mine[0]["id"].as_i64().expect("id").to_string();
    let theirs: serde_json::Value = app
        .post_form("/api/vendor/rosters", &[], Some(&eve))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(theirs, serde_json::json!([]));
    assert_eq!(
        in_force(&app, VENDOR).await,
        before,
        "nothing changes while it waits"
    );

    // the review shows who is added, changed and dropped
    let review: serde_json::Value = app
        .post_form("/api/manage/roster", &[("id", &id)], Some(&manager))
        .await
        .json()
        .await
        .expect("json");
    let d = &review["diff"];
    assert_eq!(d["added"][0]["person_email"], "grace@driftwood.example");
    assert_eq!(d["changed"][0][1]["person_email"], newer.1.as_str());
    assert_eq!(d["unchanged"], 1);
    assert_eq!(
        d["removed"].as_array().map(Vec::len),
        Some(before.len() - 2),
        "{d}"
    );

    let res = app
        .post_form(
            "/api/manage/decide_roster",
            &[
                ("id", &id),
                ("version", "1"),
                ("decision", "approve"),
                ("comment", ""),
            ],
            Some(&manager),
        )
        .await;
    assert_eq!(res.status(), 200);
    let after = in_force(&app, VENDOR).await;
    let mut emails: Vec<&str> = after.iter().map(|r| r.1.as_str()).collect();
    emails.dedup();
    assert_eq!(emails.len(), 3, "three people in force: {after:?}");
    assert!(emails.contains(&"grace@driftwood.example"));
    assert!(emails.contains(&keep.1.as_str()) && emails.contains(&newer.1.as_str()));
    assert!(after.iter().any(|r| r.1 == newer.1 && r.3 == yesterday));
    let mails = sink.wait_for("ada@driftwood.example", 1, 20).await;
    assert!(mails[0]
        .header("subject")
        .starts_with("Approved: the training roster"));
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'training' \
             AND action = 'end (no longer on the roster)'"
        )
        .await,
        i64::try_from(before.len() - 2).expect("count")
    );
    // decided once
    let res = app
        .post_form(
            "/api/manage/decide_roster",
            &[
                ("id", &id),
                ("version", "2"),
                ("decision", "reject"),
                ("comment", "no"),
            ],
            Some(&manager),
        )
        .await;
    assert_eq!(res.status(), 422);
    app.stop().await;
}

/// A removed vendor's staff names and addresses (its rosters and training records) are erased
/// once its removal is older than `ROSTER_RETENTION_DAYS`, once, with an audit row; a vendor
/// removed more recently keeps them.
async fn removed_vendors_staff_are_erased_after_retention(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let db = app.db().await;
    let day = |n: u64| (chrono::Utc::now().date_naive() - chrono::Days::new(n)).to_string();
    let mut tx = app::store::begin_write(&db).await.expect("tx");
    for (slug, removed) in [(VENDOR, day(400)), (OTHER, day(100))] {
        let id: i64 = sqlx::query_scalar::<Any, i64>("SELECT id FROM vendors WHERE slug = $1")
            .bind(slug.to_string())
            .fetch_one(&mut *tx)
            .await
            .expect("vendor");
        let person = app::domain::assurance::TrainingRecord {
            person_name: "Ana Lima".into(),
            person_email: format!("ana@{slug}.example"),
            course: "Security awareness".into(),
            completed_on: day(500).parse().expect("day"),
            expires_on: day(10).parse().expect("day"),
        };
        app::store::rosters::insert(&mut tx, id, ("roster.csv", "00"), &[person], "x@y.example")
            .await
            .expect("roster");
        sqlx::query::<Any>("UPDATE vendors SET removed_on = $1 WHERE id = $2")
            .bind(removed)
            .bind(id)
            .execute(&mut *tx)
            .await
            .expect("removed");
    }
    tx.commit().await.expect("commit");
    let names = |slug: &'static str| {
        let db = &db;
        async move {
            sqlx::query_scalar::<Any, i64>(
                "SELECT (SELECT COUNT(*) FROM training_records t JOIN vendors v ON v.id = t.vendor_id \
                   WHERE v.slug = $1 AND t.person_email <> '(erased)') + \
                 (SELECT COUNT(*) FROM roster_rows x JOIN roster_submissions r ON r.id = x.submission_id \
                   JOIN vendors v ON v.id = r.vendor_id WHERE v.slug = $1 AND x.person_email <> '(erased)')",
            )
            .bind(slug)
            .fetch_one(&db.pool)
            .await
            .expect("count")
        }
    };
    let (kept_before, other_before) = (names(VENDOR).await, names(OTHER).await);
    assert!(kept_before > 1 && other_before > 1);
    let now = chrono::Utc::now();
    // (the server's own round may have erased them first: it runs at start, in the background)
    let erased = server::prune::erase_rosters(&db, now, 365)
        .await
        .expect("erase");
    assert!(
        erased == 0 || erased == u64::try_from(kept_before).expect("count"),
        "{erased}"
    );
    assert_eq!(names(VENDOR).await, 0, "erased past the retention");
    assert_eq!(
        names(OTHER).await,
        other_before,
        "removed 100 days ago: kept"
    );
    assert_eq!(
        server::prune::erase_rosters(&db, now, 365)
            .await
            .expect("erase"),
        0,
        "once"
    );
    let audited = scalar(
        &app,
        &format!(
            "SELECT COUNT(*) FROM audit_log WHERE entity_id = '{VENDOR}' \
             AND action = 'erase staff names and addresses of'"
        ),
    )
    .await;
    assert_eq!(audited, 1);
    db.pool.close().await;
    app.stop().await;
}

/// A vendor's contacts are reminded of what of their evidence lapses soon, at most once a
/// week, with the way to the portal; our own contracts are not theirs to renew.
async fn contacts_are_reminded_once_a_week(backend: Backend) {
    let sink = SmtpSink::start();
    let smtp = sink.url();
    let app = spawn_app_with(backend, |c| {
        c.notices.smtp_url = smtp;
        c.notices.reminder_days = 30;
    })
    .await;
    let _ = contact_session(&app, VENDOR, "ada@driftwood.example").await;
    let _ = contact_session(&app, OTHER, "eve@ember.example").await;
    // the day's first round (at start) is over before the data changes: a round that read the
    // vendors before the change could otherwise take the day again after it
    for _ in 0..300 {
        if scalar(&app, "SELECT COUNT(*) FROM reminder_digests").await == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // the vendor's attestation lapses in about two weeks
    let approved = (chrono::Utc::now().date_naive() - chrono::Days::new(350)).to_string();
    exec(
        &app,
        &format!(
            "UPDATE attestations SET submitted_on = '{approved}', approved_on = '{approved}' \
             WHERE vendor_id = (SELECT id FROM vendors WHERE slug = '{VENDOR}')"
        ),
    )
    .await;
    // the day's digest was taken before the contacts existed: take it again
    exec(&app, "DELETE FROM reminder_digests").await;
    let mails = sink.wait_for("ada@driftwood.example", 1, 20).await;
    let subject = mails[0].header("subject");
    assert!(
        subject.contains("of evidence lapse within 30 days"),
        "{subject}"
    );
    assert!(mails[0].text.contains("Attestation (last valid day"));
    assert!(mails[0].text.contains(&format!("{}/vendor", app.base)));
    // the next day's round (taken again here) sends nothing more this week
    exec(&app, "DELETE FROM reminder_digests").await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM reminder_digests").await,
        1,
        "the round ran again"
    );
    assert_eq!(
        sink.mails_to("ada@driftwood.example").len(),
        1,
        "once a week"
    );
    app.stop().await;
}

on_both_databases!(
    contacts_are_reminded_once_a_week,
    submissions_count_only_once_approved,
    an_approved_roster_becomes_the_list,
    removed_vendors_staff_are_erased_after_retention
);
