//! Trust documents (issue 27), end to end on both databases (PostgreSQL with the S3-compatible
//! store): managers publish documents of each access level (an encrypted PDF refused with the
//! reason); anyone downloads a public one; a customer requests the others, confirms the mailed
//! link (its GET changes nothing, its POST works once), and downloads PDFs stamped on every
//! page with their non-ASCII name, read back by Debian's `pdftotext` from PDFs with a classic
//! cross-reference table and rotated pages, and with object and cross-reference streams; an
//! approval-level document waits for a manager (mailed), or opens at once for an approved
//! domain; a denial is mailed with its reason; a revoked access downloads nothing; every
//! download is logged with the SHA-256 of what was served (CSV); a new version replaces the
//! old one on the page; personal data past its retention is replaced by a hash.

use reqwest::multipart::{Form, Part};
use sha2::{Digest, Sha256};

use crate::{
    notices::{scalar, PASSWORD},
    sinks::{S3Sink, SmtpSink},
    support::{spawn_app_with, Backend, TestApp},
};

const NAME: &str = "Zoë Łukasiewicz-Ångström";
const ORGANISATION: &str = "Müller & Søn GmbH";

/// A 1x1 PNG.
fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
    b.extend_from_slice(&[0u8; 64]);
    b
}

fn document(title: &str, kind: &str, access: &str, file: Vec<u8>, name: &str) -> Form {
    Form::new()
        .text("title", title.to_string())
        .text("kind", kind.to_string())
        .text("covers", "Cloud Storage, Cloud Compute")
        .text("issuer", "Northbridge Assurance LLP")
        .text("access", access.to_string())
        .text("period_start", "2025-10-01")
        .text("period_end", "2026-09-30")
        .text("issued_on", "2026-11-15")
        .text("valid_until", "2027-11-14")
        .part("file", Part::bytes(file).file_name(name.to_string()))
}

async fn upload(app: &TestApp, cookie: &str, form: Form) -> String {
    let res = app
        .client
        .post(format!("{}/api/manage/trust_upload", app.base))
        .header("origin", &app.base)
        .header("accept", "text/html")
        .header("cookie", cookie)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    crate::reviews::sent_back(&res)
}

async fn post(
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
    cookie: Option<&str>,
) -> reqwest::Response {
    let body = serde_urlencoded::to_string(form).expect("form");
    let mut req = app
        .client
        .post(format!("{}{path}", app.base))
        .header("origin", &app.base)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("user-agent", "Mozilla/5.0 (trust test)")
        .body(body);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send().await.expect("post")
}

/// Ask for `documents` as `email`; the link mailed for it (the `n`th mail to the address).
async fn request(
    app: &TestApp,
    sink: &SmtpSink,
    email: &str,
    documents: &[&str],
    n: usize,
) -> String {
    let mut form: Vec<(String, String)> = vec![
        ("r[name]".into(), NAME.into()),
        ("r[email]".into(), email.into()),
        ("r[organisation]".into(), ORGANISATION.into()),
        ("r[accept]".into(), "yes".into()),
        (
            "r[agreement]".into(),
            agreement_shown(app).await.to_string(),
        ),
    ];
    for d in documents {
        form.push((format!("r[document][{d}]"), "on".into()));
    }
    let pairs: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let res = post(app, "/api/trust/request", &pairs, None).await;
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "{}",
        res.status()
    );
    let mails = sink.wait_for(email, n, 20).await;
    let mail = &mails[n - 1];
    assert!(
        !mail.text.contains("Łukasiewicz"),
        "the requester's words are not mailed: {}",
        mail.text
    );
    mail.token_after("/trust/confirm/").expect("link")
}

/// The agreement version `/trust` shows now.
async fn agreement_shown(app: &TestApp) -> i64 {
    let res = post(app, "/api/trust/page", &[], None).await;
    let page: serde_json::Value = res.json().await.expect("json");
    page["agreement_version"].as_i64().expect("version")
}

/// Press the link's button: the access cookie.
async fn confirm(app: &TestApp, token: &str) -> Option<String> {
    let res = post(app, "/api/trust/confirm", &[("token", token)], None).await;
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "{}",
        res.status()
    );
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("registry_trust_access="))
        .and_then(|c| c.split(';').next())
        .map(str::to_string)
}

async fn download(app: &TestApp, slug: &str, cookie: Option<&str>) -> (u16, Vec<u8>) {
    let mut req = app
        .client
        .get(format!("{}/trust/documents/{slug}", app.base));
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let res = req.send().await.expect("download");
    let status = res.status().as_u16();
    (status, res.bytes().await.expect("body").to_vec())
}

/// The text of page `n` of `pdf`, as Debian's pdftotext reads it.
fn page_text(pdf: &[u8], n: usize) -> String {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("stamped.pdf");
    std::fs::write(&path, pdf).expect("write");
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-f", &n.to_string(), "-l", &n.to_string()])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (Debian's poppler-utils; scripts/setup.sh --test installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// The mail telling `to` that a request waits (other mails, such as the digest, may come first).
async fn waiting_mail(sink: &SmtpSink, to: &str) -> crate::sinks::Mail {
    for _ in 0..100 {
        if let Some(m) = sink
            .mails_to(to)
            .into_iter()
            .find(|m| m.header("subject").contains("waits for approval"))
        {
            return m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!(
        "no mail told {to} of the waiting request: {:?}",
        sink.mails_to(to)
    );
}

fn sha256(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

async fn access_code(app: &TestApp, email: &str) -> String {
    let db = app.db().await;
    let code: String = sqlx::query_scalar::<sqlx::Any, String>(
        "SELECT code FROM trust_accesses WHERE email = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(email)
    .fetch_one(&db.pool)
    .await
    .expect("code");
    db.pool.close().await;
    code
}

/// Every page of `pdf` carries the stamp of `code`.
fn assert_stamped(pdf: &[u8], pages: usize, code: &str) {
    let today = chrono::Utc::now().date_naive();
    let stamp =
        format!("Provided to {NAME}, {ORGANISATION} on {today}; confidential; access {code}");
    for n in 1..=pages {
        let text = page_text(pdf, n);
        let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(one_line.contains(&stamp), "page {n}: {text}");
        assert!(
            one_line.contains(&format!("Sample page {n}")),
            "the page's own text stays: {text}"
        );
    }
}

async fn customers_get_stamped_documents_behind_a_recorded_agreement(backend: Backend) {
    let s3 = matches!(backend, Backend::Postgres).then(|| S3Sink::start("registry-trust"));
    let sink = SmtpSink::start();
    let smtp = sink.url();
    let app = spawn_app_with(backend, |c| {
        c.notices.smtp_url = smtp;
        c.notices.trust.approved_domains = vec!["trusted.example".into()];
        if let Some(s3) = &s3 {
            c.document_store = "s3://registry-trust/docs".into();
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

    // empty at first
    let (status, html) = app.get("/trust").await;
    assert_eq!(status, 200);
    assert!(html.contains("No documents are published yet"), "{html}");

    // an encrypted PDF is refused with the reason; an auditor publishes nothing
    let back = upload(
        &app,
        &manager,
        document(
            "Locked report",
            "soc2",
            "agreement",
            app::files::stamp::sample_encrypted(),
            "locked.pdf",
        ),
    )
    .await;
    assert!(back.contains("encrypted"), "{back}");
    let back = upload(
        &app,
        &auditor,
        document("Auditor's", "other", "public", png(), "a.png"),
    )
    .await;
    assert!(!back.contains("published="), "{back}");
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM trust_documents").await,
        0
    );

    // one of each level, and a picture that is not stamped
    let classic = app::files::stamp::sample(&[0, 90, 180, 270], false);
    let modern = app::files::stamp::sample(&[0, 0], true);
    for (title, kind, access, file, name) in [
        (
            "ISO 27001 certificate",
            "iso27001",
            "public",
            classic.clone(),
            "iso.pdf",
        ),
        (
            "SOC 2 Type II report",
            "soc2",
            "agreement",
            classic.clone(),
            "soc2.pdf",
        ),
        (
            "Penetration test summary",
            "pentest",
            "approval",
            modern.clone(),
            "pentest.pdf",
        ),
        (
            "Data centre diagram",
            "other",
            "agreement",
            png(),
            "diagram.png",
        ),
    ] {
        let back = upload(&app, &manager, document(title, kind, access, file, name)).await;
        assert!(back.contains("published="), "{title}: {back}");
    }
    let back = upload(
        &app,
        &manager,
        document(
            "SOC 2 Type II report",
            "soc2",
            "agreement",
            png(),
            "again.png",
        ),
    )
    .await;
    assert!(back.contains("publish a new version"), "{back}");

    // the public one to anyone, as it is; the others not without an access
    let (status, body) = download(&app, "iso-27001-certificate", None).await;
    assert_eq!(status, 200);
    assert_eq!(body, classic, "public documents are not stamped");
    assert_eq!(download(&app, "soc-2-type-ii-report", None).await.0, 403);
    assert_eq!(download(&app, "no-such-document", None).await.0, 404);

    // a request needs the agreement accepted
    let res = post(
        &app,
        "/api/trust/request",
        &[
            ("r[name]", NAME),
            ("r[email]", "zoe@customer.example"),
            ("r[organisation]", ORGANISATION),
            ("r[document][soc-2-type-ii-report]", "on"),
            ("r[agreement]", "1"),
        ],
        None,
    )
    .await;
    assert_eq!(res.status(), 422);
    assert!(res
        .text()
        .await
        .expect("body")
        .contains("Accept the agreement"));

    let email = "zoe@customer.example";
    let token = request(
        &app,
        &sink,
        email,
        &[
            "soc-2-type-ii-report",
            "penetration-test-summary",
            "data-centre-diagram",
        ],
        1,
    )
    .await;
    // opening the link changes nothing (mail scanners open links)
    for _ in 0..2 {
        let (status, html) = app.get(&format!("/trust/confirm/{token}")).await;
        assert_eq!(status, 200);
        assert!(html.contains("Accept and open my access"), "{html}");
    }
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM trust_acceptances").await,
        0
    );
    let cookie = confirm(&app, &token).await.expect("access cookie");
    // the link works once
    let res = post(&app, "/api/trust/confirm", &[("token", &token)], None).await;
    assert_eq!(res.status(), 410);
    let (status, _) = app.get(&format!("/trust/confirm/{token}")).await;
    assert_eq!(status, 410);

    // the acceptance: who, when, from where, which text
    let db = app.db().await;
    let (a_email, a_version, a_sha, a_address, a_agent): (String, i64, String, String, String) =
        sqlx::query_as("SELECT email, agreement_version, agreement_sha256, address, user_agent FROM trust_acceptances")
            .fetch_one(&db.pool)
            .await
            .expect("acceptance");
    db.pool.close().await;
    assert_eq!((a_email.as_str(), a_version), (email, 1));
    assert_eq!(
        a_sha,
        sha256(app::domain::trust::DEFAULT_AGREEMENT.as_bytes())
    );
    assert_eq!(a_address, "127.0.0.1");
    assert_eq!(a_agent, "Mozilla/5.0 (trust test)");

    // agreement-level ones open; the approval-level one waits, and managers are told
    let code = access_code(&app, email).await;
    let (status, pdf) = download(&app, "soc-2-type-ii-report", Some(&cookie)).await;
    assert_eq!(status, 200);
    assert_stamped(&pdf, 4, &code);
    let logged = scalar(
        &app,
        &format!(
            "SELECT COUNT(*) FROM trust_downloads WHERE served_sha256 = '{}'",
            sha256(&pdf)
        ),
    )
    .await;
    assert_eq!(
        logged, 1,
        "the download is logged with the SHA-256 of the stamped copy"
    );
    let (status, picture) = download(&app, "data-centre-diagram", Some(&cookie)).await;
    assert_eq!(
        (status, picture),
        (200, png()),
        "not a PDF: served as it is"
    );
    assert_eq!(
        download(&app, "penetration-test-summary", Some(&cookie))
            .await
            .0,
        403
    );
    let told = waiting_mail(&sink, "manager@example.test").await;
    assert!(
        told.text.contains("Penetration test summary"),
        "{}",
        told.text
    );
    assert!(
        told.text.contains(NAME),
        "managers see who asks: {}",
        told.text
    );

    // a manager approves: a new link opens it
    let id = scalar(
        &app,
        "SELECT id FROM trust_requests WHERE state = 'waiting'",
    )
    .await
    .to_string();
    let res = post(
        &app,
        "/api/manage/trust_decide",
        &[("id", &id), ("decision", "approve"), ("reason", "")],
        Some(&auditor),
    )
    .await;
    assert_eq!(res.status(), 403, "auditors read only");
    let res = post(
        &app,
        "/api/manage/trust_decide",
        &[("id", &id), ("decision", "approve"), ("reason", "")],
        Some(&manager),
    )
    .await;
    assert!(res.status().is_success(), "{}", res.status());
    let mails = sink.wait_for(email, 2, 20).await;
    let token = mails[1]
        .token_after("/trust/confirm/")
        .expect("approved link");
    let cookie2 = confirm(&app, &token).await.expect("second access");
    let code2 = access_code(&app, email).await;
    let (status, pdf) = download(&app, "penetration-test-summary", Some(&cookie2)).await;
    assert_eq!(status, 200);
    assert_stamped(&pdf, 2, &code2);

    // denied with a reason, which is mailed
    let other = "sam@customer.example";
    let token = request(&app, &sink, other, &["penetration-test-summary"], 1).await;
    // the agreement changes between the request and its confirmation: the acceptance names
    // the text the request was made under
    let res = post(
        &app,
        "/api/manage/trust_agreement",
        &[(
            "body",
            "Version two of our agreement: keep the documents confidential.",
        )],
        Some(&manager),
    )
    .await;
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(agreement_shown(&app).await, 2);
    assert!(confirm(&app, &token).await.is_none(), "nothing opens yet");
    assert_eq!(
        scalar(
            &app,
            &format!("SELECT agreement_version FROM trust_acceptances WHERE email = '{other}'")
        )
        .await,
        1
    );
    let id = scalar(
        &app,
        "SELECT id FROM trust_requests WHERE state = 'waiting'",
    )
    .await
    .to_string();
    let res = post(
        &app,
        "/api/manage/trust_decide",
        &[("id", &id), ("decision", "deny"), ("reason", "")],
        Some(&manager),
    )
    .await;
    assert_eq!(res.status(), 422, "a denial needs its reason");
    post(
        &app,
        "/api/manage/trust_decide",
        &[
            ("id", &id),
            ("decision", "deny"),
            ("reason", "We share it with customers under contract only."),
        ],
        Some(&manager),
    )
    .await;
    let mails = sink.wait_for(other, 2, 20).await;
    assert!(
        mails[1].text.contains("under contract only"),
        "{}",
        mails[1].text
    );

    // an approved domain: open at once, after the link
    let token = request(
        &app,
        &sink,
        "kim@trusted.example",
        &["penetration-test-summary"],
        1,
    )
    .await;
    let cookie3 = confirm(&app, &token).await.expect("opened at once");
    assert_eq!(
        download(&app, "penetration-test-summary", Some(&cookie3))
            .await
            .0,
        200
    );

    // a lapsed access opens nothing
    crate::notices::exec(&app, "UPDATE trust_accesses SET expires_at = '2020-01-01T00:00:00.000Z' WHERE email = 'kim@trusted.example'").await;
    assert_eq!(
        download(&app, "penetration-test-summary", Some(&cookie3))
            .await
            .0,
        403
    );

    // links are kept hashed, and lapse after 48 hours
    let late = "late@customer.example";
    let token = request(&app, &sink, late, &["soc-2-type-ii-report"], 1).await;
    assert_eq!(
        scalar(
            &app,
            &format!(
                "SELECT COUNT(*) FROM trust_requests WHERE token_hash = '{}'",
                sha256(token.as_bytes())
            )
        )
        .await,
        1
    );
    assert_eq!(
        scalar(
            &app,
            &format!("SELECT COUNT(*) FROM trust_requests WHERE token_hash = '{token}'")
        )
        .await,
        0
    );
    crate::notices::exec(&app, &format!("UPDATE trust_requests SET token_expires_at = '2020-01-01T00:00:00.000Z' WHERE email = '{late}'")).await;
    assert_eq!(app.get(&format!("/trust/confirm/{token}")).await.0, 410);
    assert_eq!(
        post(&app, "/api/trust/confirm", &[("token", &token)], None)
            .await
            .status(),
        410
    );

    // revoked at once
    let first = scalar(
        &app,
        &format!("SELECT MIN(id) FROM trust_accesses WHERE email = '{email}'"),
    )
    .await
    .to_string();
    let res = post(
        &app,
        "/api/manage/trust_revoke",
        &[("id", &first)],
        Some(&manager),
    )
    .await;
    assert!(res.status().is_success());
    assert_eq!(
        download(&app, "soc-2-type-ii-report", Some(&cookie))
            .await
            .0,
        403
    );

    // the access log, as CSV, to people signed in
    let (status, csv) = app
        .get_with("/manage/trust/soc-2-type-ii-report/log.csv", &auditor)
        .await;
    assert_eq!(status, 200);
    assert!(
        csv.contains(&code) && csv.contains("served_sha256"),
        "{csv}"
    );
    assert_eq!(
        app.get("/manage/trust/soc-2-type-ii-report/log.csv")
            .await
            .0,
        401
    );

    // a new version replaces the old one on the page; the old one stays for the log
    let next = Form::new()
        .text("document", "soc-2-type-ii-report")
        .text("issued_on", "2027-11-15")
        .text("valid_until", "2028-11-14")
        .part(
            "file",
            Part::bytes(modern.clone()).file_name("soc2-2027.pdf"),
        );
    let back = upload(&app, &manager, next).await;
    assert!(back.contains("published="), "{back}");
    let res = post(&app, "/api/trust/page", &[], None).await;
    let page: serde_json::Value = res.json().await.expect("json");
    let soc2 = page["documents"]
        .as_array()
        .expect("list")
        .iter()
        .find(|d| d["slug"] == "soc-2-type-ii-report")
        .cloned()
        .expect("soc2");
    assert_eq!(
        (soc2["version"].as_i64(), soc2["valid_until"].as_str()),
        (Some(2), Some("2028-11-14"))
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM trust_versions").await, 5);
    // the old version as uploaded, to people signed in, to match a line of the log
    let res = app
        .client
        .get(format!(
            "{}/manage/trust/soc-2-type-ii-report/versions/1",
            app.base
        ))
        .header("cookie", &auditor)
        .send()
        .await
        .expect("version");
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.expect("body").to_vec(), classic);
    assert_eq!(
        app.get("/manage/trust/soc-2-type-ii-report/versions/1")
            .await
            .0,
        401
    );
    assert_eq!(
        app.get_with("/manage/trust/soc-2-type-ii-report/versions/9", &auditor)
            .await
            .0,
        404
    );
    let (status, html) = app
        .get_with("/manage/trust/soc-2-type-ii-report", &auditor)
        .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("soc2-2027.pdf") && html.contains(&code),
        "versions and log: {html}"
    );

    // a bridge letter for the report, valid a month: on the page, and on the dashboard
    let soon = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string();
    let bridge = Form::new()
        .text("title", "Bridge letter Q4")
        .text("kind", "bridge_letter")
        .text("access", "public")
        .text("bridges", "soc-2-type-ii-report")
        .text("issued_on", "2026-11-30")
        .text("valid_until", soon.clone())
        .part("file", Part::bytes(modern.clone()).file_name("bridge.pdf"));
    let back = upload(&app, &manager, bridge).await;
    assert!(back.contains("published="), "{back}");
    let (_, html) = app.get("/trust").await;
    assert!(
        html.contains("Bridge letter for SOC 2 Type II report"),
        "{html}"
    );
    let (_, html) = app.get_with("/manage", &auditor).await;
    assert!(
        html.contains("Trust documents expiring within 90 days") && html.contains(&soon),
        "{html}"
    );

    // withdrawn: gone from the page and from downloads
    post(
        &app,
        "/api/manage/trust_withdraw",
        &[("slug", "iso-27001-certificate"), ("withdraw", "true")],
        Some(&manager),
    )
    .await;
    assert_eq!(download(&app, "iso-27001-certificate", None).await.0, 404);
    let (_, html) = app.get("/trust").await;
    assert!(!html.contains("ISO 27001 certificate") && html.contains("SOC 2 Type II report"));

    // past the retention period the personal data becomes a hash
    let db = app.db().await;
    let later = chrono::Utc::now() + chrono::Duration::days(731);
    let n = app::service::trust::redact(&db, later, 730)
        .await
        .expect("redact");
    assert!(n > 0);
    db.pool.close().await;
    assert_eq!(
        scalar(
            &app,
            &format!("SELECT COUNT(*) FROM trust_acceptances WHERE email = '{email}'")
        )
        .await,
        0
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM trust_acceptances WHERE email LIKE 'sha256:%' AND redacted_at IS NOT NULL").await, 3, "the late request was never confirmed");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM trust_downloads WHERE redacted_at IS NULL OR address NOT LIKE 'sha256:%'").await, 0);
    // the records are only ever added to: no update or delete but the retention's
    let db = app.db().await;
    for sql in [
        "DELETE FROM trust_downloads",
        "UPDATE trust_downloads SET served_sha256 = 'x'",
        "DELETE FROM trust_acceptances",
        "UPDATE trust_acceptances SET agreement_sha256 = 'x'",
        "UPDATE trust_acceptances SET email = 'someone@else.example'",
    ] {
        assert!(
            sqlx::query(sql).execute(&db.pool).await.is_err(),
            "{sql} is refused"
        );
    }
    db.pool.close().await;
    app.stop().await;
}

/// Requests are limited per address (the subscribers' limit) and their mails per mailbox (the
/// confirmation mails' cap, 3 a day by default): a fourth request of one mailbox is answered
/// alike but mailed nothing; past the address's limit, 429.
async fn requests_are_limited_per_address_and_mailbox(backend: Backend) {
    let sink = SmtpSink::start();
    let smtp = sink.url();
    let app = spawn_app_with(backend, |c| {
        c.notices.smtp_url = smtp;
        c.submit_limit_per_minute = Some(5);
    })
    .await;
    app.create_user("manager@example.test", app::domain::Role::Manager, PASSWORD)
        .await;
    let manager = app.login("manager@example.test", PASSWORD).await;
    let back = upload(
        &app,
        &manager,
        document(
            "SOC 2 Type II report",
            "soc2",
            "agreement",
            app::files::stamp::sample(&[0], false),
            "soc2.pdf",
        ),
    )
    .await;
    assert!(back.contains("published="), "{back}");
    let ask = |email: &'static str| {
        let app = &app;
        async move {
            post(
                app,
                "/api/trust/request",
                &[
                    ("r[name]", NAME),
                    ("r[email]", email),
                    ("r[organisation]", ORGANISATION),
                    ("r[document][soc-2-type-ii-report]", "on"),
                    ("r[accept]", "yes"),
                    ("r[agreement]", "1"),
                ],
                None,
            )
            .await
            .status()
            .as_u16()
        }
    };
    for _ in 0..4 {
        assert!(matches!(ask("Zoe+tag@customer.example").await, 200 | 302));
    }
    sink.wait_for("zoe+tag@customer.example", 3, 20).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let to: Vec<String> = sink.mails().into_iter().map(|m| m.to).collect();
    assert_eq!(
        to.iter().filter(|t| t.contains("zoe")).count(),
        3,
        "three mails to one mailbox a day: {to:?}"
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM trust_requests").await,
        3,
        "the capped one is not recorded"
    );
    assert!(
        matches!(ask("other@customer.example").await, 200 | 302),
        "the fifth submission"
    );
    assert_eq!(
        ask("third@customer.example").await,
        429,
        "past the address's limit"
    );
    assert_eq!(
        post(&app, "/api/trust/confirm", &[("token", "00")], None)
            .await
            .status(),
        429
    );
    app.stop().await;
}

on_both_databases!(
    customers_get_stamped_documents_behind_a_recorded_agreement,
    requests_are_limited_per_address_and_mailbox
);
