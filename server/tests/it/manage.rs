//! Vendor managers over real HTTP on both databases: sign-in, sessions, throttling, the
//! authorization of every mutating server function, optimistic locking and the audit trail.

use crate::notices::exec;
use crate::support::{borrow, session_cookie, spawn_app, Backend, TestApp};
use app::domain::Role;
use sqlx::Any;

const PASSWORD: &str = "correct horse battery staple";
const VENDOR: &str = "brightwater-hosting";

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    let db = app.db().await;
    let v = sqlx::query_scalar::<Any, i64>(sql)
        .fetch_one(&db.pool)
        .await
        .expect(sql);
    db.pool.close().await;
    v
}

/// A fingerprint of everything a server function could change.
async fn fingerprint(app: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for t in [
        "vendors",
        "vendor_services",
        "vendor_countries",
        "vpap_enrollments",
        "attestations",
        "assessments",
        "training_records",
        "contracts",
        "users",
        "audit_log",
        "change_events",
        "objection_steps",
        "subscriptions",
        // (not deliveries: the outbox's own rounds queue them, e.g. the daily digest)
        "vendor_contacts",
        "documents",
        "roster_submissions",
        "attestation_answers",
        "questionnaires",
        "proposals",
    ] {
        out.push(scalar(app, &format!("SELECT COUNT(*) FROM {t}")).await);
    }
    for t in [
        "vendors",
        "training_records",
        "users",
        "vendor_contacts",
        "assessments",
        "roster_submissions",
        "attestations",
        "questionnaires",
        "proposals",
    ] {
        out.push(
            scalar(
                app,
                &format!("SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM {t}"),
            )
            .await,
        );
    }
    out
}

async fn with_accounts(backend: Backend) -> TestApp {
    let app = spawn_app(backend).await;
    app.create_user("admin@example.test", Role::Admin, PASSWORD)
        .await;
    app.create_user("manager@example.test", Role::Manager, PASSWORD)
        .await;
    app.create_user("auditor@example.test", Role::Auditor, PASSWORD)
        .await;
    app.create_user("other@example.test", Role::Auditor, PASSWORD)
        .await;
    app
}

async fn vendor_version(app: &TestApp, slug: &str) -> i64 {
    scalar(
        app,
        &format!("SELECT version FROM vendors WHERE slug = '{slug}'"),
    )
    .await
}

async fn user_key(app: &TestApp, email: &str) -> (String, String) {
    let db = app.db().await;
    let (id, version) = sqlx::query_as::<Any, (i64, i64)>(&format!(
        "SELECT id, version FROM users WHERE email = '{email}'"
    ))
    .fetch_one(&db.pool)
    .await
    .expect("a user");
    db.pool.close().await;
    (id.to_string(), version.to_string())
}

async fn record_key(app: &TestApp, table: &str) -> (String, String) {
    let db = app.db().await;
    let (id, version) = sqlx::query_as::<Any, (i64, i64)>(&format!(
        "SELECT r.id, r.version FROM {table} r JOIN vendors v ON v.id = r.vendor_id \
         WHERE v.slug = '{VENDOR}' ORDER BY r.id LIMIT 1"
    ))
    .fetch_one(&db.pool)
    .await
    .expect("a record");
    db.pool.close().await;
    (id.to_string(), version.to_string())
}

async fn training_key(app: &TestApp) -> (String, String) {
    let db = app.db().await;
    let (id, version) = sqlx::query_as::<Any, (i64, i64)>(&format!(
        "SELECT t.id, t.version FROM training_records t JOIN vendors v ON v.id = t.vendor_id \
         WHERE v.slug = '{VENDOR}' ORDER BY t.id LIMIT 1"
    ))
    .fetch_one(&db.pool)
    .await
    .expect("a training record");
    db.pool.close().await;
    (id.to_string(), version.to_string())
}

/// Every mutating server function, with a valid body built against the current database.
/// Who may call a mutating server function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Allowed {
    /// Admins and managers.
    Editors,
    Admins,
    /// Anyone signed in, for their own account.
    SignedIn,
}

/// A customer's objection to a change and a failed delivery, for the calls on them: their
/// ids. Written as a subscriber and the worker would have written them.
async fn notice_fixtures(app: &TestApp) -> (i64, i64) {
    let db = app.db().await;
    let now = app::store::now_utc();
    let change: i64 = sqlx::query_scalar::<Any, i64>("SELECT MIN(id) FROM change_events")
        .fetch_one(&db.pool)
        .await
        .expect("a change event");
    let sub: i64 = sqlx::query_scalar::<Any, i64>(
        "INSERT INTO subscriptions (email, services, categories, status, created_at, confirmed_at) \
         VALUES ('customer@example.test', '', '', 'confirmed', $1, $1) RETURNING id",
    )
    .bind(now.clone())
    .fetch_one(&db.pool)
    .await
    .expect("subscription");
    let mut tx = db.pool.begin().await.expect("tx");
    let objection = app::store::objections::add(
        &mut tx,
        (change, sub, "customer@example.test"),
        &app::domain::notices::NewObjection {
            reason: "We cannot accept processing in this country.".into(),
            organisation: None,
            contact: None,
        },
    )
    .await
    .expect("objection");
    tx.commit().await.expect("commit");
    let delivery: i64 = sqlx::query_scalar::<Any, i64>(
        "INSERT INTO deliveries (channel, purpose, dedup_key, subscription_id, recipient, payload, \
         message_id, status, attempts, first_due_at, next_attempt_at, last_error, created_at) \
         VALUES ('mail', 'confirm', 'fixture:1', $1, 'customer@example.test', '{\"kind\":\"confirm\"}', \
         'msg_fixture', 'failed', 9, $2, $2, 'relay refused', $2) RETURNING id",
    )
    .bind(sub)
    .bind(now)
    .fetch_one(&db.pool)
    .await
    .expect("delivery");
    // a vendor contact's assessment with its document, and a roster, waiting for review
    let vendor: i64 =
        sqlx::query_scalar::<Any, i64>(&format!("SELECT id FROM vendors WHERE slug = '{VENDOR}'"))
            .fetch_one(&db.pool)
            .await
            .expect("vendor");
    let mut tx = db.pool.begin().await.expect("tx");
    let doc = app::store::documents::insert(
        &mut tx,
        app::store::documents::NewDocument {
            vendor_id: Some(vendor),
            sha256: "00",
            size_bytes: 9,
            media_type: "application/pdf",
            file_name: "report.pdf",
            uploaded_by: "pending@vendor.example",
        },
    )
    .await
    .expect("document");
    let day = |s: &str| s.parse::<chrono::NaiveDate>().expect("day");
    let assessment = app::domain::assurance::Assessment {
        kind: app::domain::assurance::AssessmentKind::Iso27001,
        assessor: "Fixture Certification".into(),
        period_start: day("2026-01-01"),
        period_end: day("2026-06-30"),
        issued_on: day("2026-07-15"),
        valid_until: day("2029-07-14"),
    };
    app::store::documents::insert_submitted_assessment(
        &mut tx,
        vendor,
        &assessment,
        doc,
        "pending@vendor.example",
    )
    .await
    .expect("submission");
    let person = app::domain::assurance::TrainingRecord {
        person_name: "Fixture Person".into(),
        person_email: "fixture@vendor.example".into(),
        course: "Security awareness".into(),
        completed_on: day("2026-11-01"),
        expires_on: day("2028-11-01"),
    };
    app::store::rosters::insert(
        &mut tx,
        vendor,
        ("roster.csv", "00"),
        &[person],
        "pending@vendor.example",
    )
    .await
    .expect("roster");
    // a signed attestation waiting for review, and a draft of the questionnaire's next version
    let questionnaire = app::store::attestations::published(&mut tx)
        .await
        .expect("questionnaire")
        .expect("the shipped one");
    let answered = app::domain::questionnaire::Answered {
        key: "purpose_limitation".into(),
        answer: app::domain::questionnaire::Answer::Yes,
        explanation: String::new(),
    };
    app::store::attestations::insert_signed(
        &mut tx,
        &app::store::attestations::Signature {
            vendor_id: vendor,
            questionnaire_id: questionnaire.id,
            questionnaire_sha256: questionnaire.sha256.as_deref().unwrap_or(""),
            signed_name: "Pending Person",
            signed_from: "192.0.2.1",
            submitted_by: "pending@vendor.example",
            submitted_on: "2026-12-01".into(),
        },
        &[(answered, None)],
    )
    .await
    .expect("attestation");
    app::store::attestations::insert_draft(&mut tx, &questionnaire.body, "fixture")
        .await
        .expect("draft");
    // a proposed sub-processor waiting for review
    app::store::proposals::insert(
        &mut tx,
        app::store::proposals::NewProposal {
            vendor_id: vendor,
            kind: "sub_processor",
            payload: r#"{"legal_name":"Fixture Archive AB","country":"SE","purpose":"Backups","categories":{},"effective_on":""}"#,
            effective_on: None,
            record_version: 1,
            submitted_by: "pending@vendor.example",
        },
    )
    .await
    .expect("proposal");
    tx.commit().await.expect("commit");
    db.pool.close().await;
    (objection, delivery)
}

async fn mutating_calls(app: &TestApp) -> Vec<(&'static str, Allowed, Vec<(String, String)>)> {
    let v = vendor_version(app, VENDOR).await;
    let objection = scalar(app, "SELECT COALESCE(MIN(id), 0) FROM objections")
        .await
        .to_string();
    let delivery = scalar(
        app,
        "SELECT COALESCE(MIN(id), 0) FROM deliveries WHERE dedup_key = 'fixture:1'",
    )
    .await
    .to_string();
    let far = (chrono::Utc::now().date_naive() + chrono::Duration::days(200)).to_string();
    let category = {
        let db = app.db().await;
        let c = sqlx::query_scalar::<Any, String>(&format!(
            "SELECT MIN(d.category_code) FROM vendor_data_categories d JOIN vendors v ON v.id = d.vendor_id \
             WHERE v.slug = '{VENDOR}'"
        ))
        .fetch_one(&db.pool)
        .await
        .expect("a category");
        db.pool.close().await;
        format!("s[categories][{c}]")
    };
    let (tid, tver) = training_key(app).await;
    let other = user_key(app, "other@example.test").await;
    let (aid, aver) = record_key(app, "attestations").await;
    let today = chrono::Utc::now().date_naive().to_string();
    let trust_request = scalar(app, "SELECT COALESCE(MAX(id), 0) FROM trust_requests")
        .await
        .to_string();
    let trust_access = scalar(app, "SELECT COALESCE(MAX(id), 0) FROM trust_accesses")
        .await
        .to_string();
    let cid = scalar(
        app,
        "SELECT COALESCE(MIN(id), 0) FROM vendor_contacts WHERE email = 'grace@vendor.example'",
    )
    .await
    .to_string();
    let cver = scalar(
        app,
        &format!("SELECT COALESCE(MIN(version), 0) FROM vendor_contacts WHERE id = {cid}"),
    )
    .await
    .to_string();
    let pending = |table: &str, column: &str| {
        let sql = format!(
            "SELECT COALESCE(MIN({column}), 0) FROM {table} WHERE review_state = 'pending'"
        );
        async move { scalar(app, &sql).await.to_string() }
    };
    let (sid, sver) = (
        pending("assessments", "id").await,
        pending("assessments", "version").await,
    );
    let (rid, rver) = (
        pending("roster_submissions", "id").await,
        pending("roster_submissions", "version").await,
    );
    let signed = |column: &str| {
        let sql = format!(
            "SELECT COALESCE(MIN({column}), 0) FROM attestations \
             WHERE outcome = 'pending' AND questionnaire_id IS NOT NULL"
        );
        async move { scalar(app, &sql).await.to_string() }
    };
    let (signed_id, signed_version) = (signed("id").await, signed("version").await);
    let draft = |column: &str| {
        let sql =
            format!("SELECT COALESCE(MIN({column}), 0) FROM questionnaires WHERE state = 'draft'");
        async move { scalar(app, &sql).await.to_string() }
    };
    let (qid, qver) = (draft("id").await, draft("version").await);
    let (pid, pver) = (
        pending("proposals", "id").await,
        pending("proposals", "version").await,
    );
    let shipped = app::domain::questionnaire::SHIPPED;
    let s = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    vec![
        (
            "/api/manage/save_vendor",
            Allowed::Editors,
            app.vendor_form(VENDOR, v, "Brightwater Hosting GmbH").await,
        ),
        (
            "/api/manage/save_vendor",
            Allowed::Editors,
            app.vendor_form("", 0, "Fresh Vendor Ltd").await,
        ),
        (
            "/api/manage/add_training",
            Allowed::Editors,
            s(&[
                ("t[vendor]", VENDOR),
                ("t[person_name]", "Ada Lovelace"),
                ("t[person_email]", "ada@vendor.example"),
                ("t[course]", "Privacy essentials for vendors"),
                ("t[completed_on]", &today),
            ]),
        ),
        (
            "/api/manage/edit_training",
            Allowed::Editors,
            s(&[
                ("t[vendor]", VENDOR),
                ("t[id]", &tid),
                ("t[version]", &tver),
                ("t[person_name]", "Renamed Person"),
                ("t[person_email]", "renamed@vendor.example"),
                ("t[course]", "Privacy essentials for vendors"),
                ("t[completed_on]", &today),
            ]),
        ),
        (
            "/api/manage/bulk_training",
            Allowed::Editors,
            s(&[
                ("b[vendor]", VENDOR),
                (
                    "b[people]",
                    "Ann One <ann@vendor.example>\nBob Two, bob@vendor.example",
                ),
                ("b[course]", "Privacy essentials for vendors"),
                ("b[completed_on]", &today),
            ]),
        ),
        (
            "/api/manage/add_enrollment",
            Allowed::Editors,
            s(&[
                ("e[vendor]", VENDOR),
                ("e[enrolled_on]", &today),
                ("e[status]", "active"),
            ]),
        ),
        (
            "/api/manage/add_attestation",
            Allowed::Editors,
            s(&[
                ("a[vendor]", VENDOR),
                ("a[submitted_on]", &today),
                ("a[outcome]", "approved"),
                ("a[approved_on]", &today),
                ("a[approved_by]", "Reviewer"),
            ]),
        ),
        (
            "/api/manage/add_assessment",
            Allowed::Editors,
            s(&[
                ("a[vendor]", VENDOR),
                ("a[kind]", "iso27001"),
                ("a[assessor]", "Cert Body"),
                ("a[period_start]", "2025-01-01"),
                ("a[period_end]", "2025-12-31"),
                ("a[issued_on]", "2026-01-15"),
                ("a[valid_until]", "2029-01-14"),
            ]),
        ),
        (
            "/api/manage/add_contract",
            Allowed::Editors,
            s(&[
                ("c[vendor]", VENDOR),
                ("c[kind]", "dpa"),
                ("c[reference]", "DPA-NEW"),
                ("c[signed_on]", "2026-01-01"),
                ("c[in_force_from]", "2026-01-01"),
                ("c[obligations][confidentiality]", "on"),
                ("c[obligations][breach_notice]", "on"),
                ("c[breach_hours]", "48"),
            ]),
        ),
        (
            "/api/manage/remove_record",
            Allowed::Editors,
            s(&[
                ("r[vendor]", VENDOR),
                ("r[kind]", "training"),
                ("r[id]", &tid),
                ("r[version]", &tver),
            ]),
        ),
        (
            "/api/admin/add_user",
            Allowed::Admins,
            s(&[
                ("u[email]", "new.person@example.test"),
                ("u[role]", "auditor"),
                ("u[password]", "a brand new long passphrase"),
            ]),
        ),
        (
            "/api/admin/set_up_link",
            Allowed::Admins,
            s(&[("id", &other.0)]),
        ),
        (
            "/api/admin/clear_second_step_lock",
            Allowed::Admins,
            s(&[("id", &other.0)]),
        ),
        (
            "/api/manage/edit_attestation",
            Allowed::Editors,
            s(&[
                ("a[vendor]", VENDOR),
                ("a[id]", &aid),
                ("a[version]", &aver),
                ("a[submitted_on]", "2026-01-02"),
                ("a[outcome]", "approved"),
                ("a[approved_on]", "2026-01-05"),
                ("a[approved_by]", "Second Reviewer"),
            ]),
        ),
        (
            "/api/admin/update_user",
            Allowed::Admins,
            s(&[
                ("u[id]", &other.0),
                ("u[version]", &other.1),
                ("u[role]", "manager"),
                ("u[password]", "another long passphrase here"),
            ]),
        ),
        (
            "/api/manage/save_sub_processor",
            Allowed::Editors,
            s(&[
                ("s[vendor]", VENDOR),
                ("s[version]", &v.to_string()),
                ("s[legal_name]", "Deep Archive AB"),
                ("s[country]", "SE"),
                ("s[purpose]", "Cold storage of backups"),
                (&category, "on"),
                ("s[scope_effective_on]", &far),
            ]),
        ),
        (
            "/api/manage/save_watched_list",
            Allowed::Editors,
            s(&[
                ("w[vendor]", VENDOR),
                (
                    "w[subprocessor_list_url]",
                    "https://vendor.example/subprocessors.csv",
                ),
                ("w[every_hours]", "24"),
            ]),
        ),
        (
            "/api/manage/retry_delivery",
            Allowed::Editors,
            s(&[("id", &delivery)]),
        ),
        (
            "/api/manage/objection_step",
            Allowed::Editors,
            s(&[
                ("s[id]", &objection),
                ("s[step]", "acknowledged"),
                ("s[outcome]", ""),
                ("s[response]", "We are looking into it."),
            ]),
        ),
        (
            "/api/account/reminders",
            Allowed::Editors,
            s(&[("on", "false")]),
        ),
        (
            "/api/manage/invite_contact",
            Allowed::Editors,
            s(&[
                ("c[vendor]", VENDOR),
                ("c[name]", "Grace Hopper"),
                ("c[email]", "grace@vendor.example"),
                ("c[answers_for][privacy]", "on"),
            ]),
        ),
        (
            "/api/manage/contact_access",
            Allowed::Editors,
            s(&[("id", &cid), ("version", &cver), ("disabled", "true")]),
        ),
        (
            "/api/manage/decide_review",
            Allowed::Editors,
            s(&[
                ("id", &sid),
                ("version", &sver),
                ("decision", "approve"),
                ("comment", ""),
            ]),
        ),
        (
            "/api/manage/decide_roster",
            Allowed::Editors,
            s(&[
                ("id", &rid),
                ("version", &rver),
                ("decision", "approve"),
                ("comment", ""),
            ]),
        ),
        (
            "/api/manage/decide_attestation",
            Allowed::Editors,
            s(&[
                ("id", &signed_id),
                ("version", &signed_version),
                ("decision", "request_changes"),
                ("comment", ""),
                ("notes[purpose_limitation]", "Say which services."),
            ]),
        ),
        (
            "/api/manage/decide_proposal",
            Allowed::Editors,
            s(&[
                ("id", &pid),
                ("version", &pver),
                ("decision", "reject"),
                (
                    "comment",
                    "We do not take on new sub-processors this quarter.",
                ),
            ]),
        ),
        // the draft is saved, then published; then a new one can be started
        (
            "/api/manage/save_questionnaire",
            Allowed::Admins,
            s(&[("id", &qid), ("version", &qver), ("body", shipped)]),
        ),
        (
            "/api/manage/publish_questionnaire",
            Allowed::Admins,
            s(&[("id", &qid), ("version", &qver), ("confirm", "yes")]),
        ),
        ("/api/manage/new_questionnaire", Allowed::Admins, s(&[])),
        (
            "/api/manage/trust_withdraw",
            Allowed::Editors,
            s(&[("slug", "matrix-report"), ("withdraw", "true")]),
        ),
        (
            "/api/manage/trust_agreement",
            Allowed::Editors,
            s(&[("body", "A new agreement text, long enough to be one.")]),
        ),
        (
            "/api/manage/trust_decide",
            Allowed::Editors,
            s(&[
                ("id", &trust_request),
                ("decision", "approve"),
                ("reason", ""),
            ]),
        ),
        (
            "/api/manage/trust_revoke",
            Allowed::Editors,
            s(&[("id", &trust_access)]),
        ),
        (
            "/api/account/password",
            Allowed::SignedIn,
            s(&[
                ("p[current]", PASSWORD),
                ("p[new]", "an auditor's own new passphrase"),
            ]),
        ),
    ]
}

/// Server functions that are not editing calls: the public ones, signing in and out, the
/// internal reads, the sign-in steps and a person's own account settings (these refuse a
/// caller with no session or sign-in challenge, checked below; their own flows are tested in
/// `two_step_sign_in` and `your_sessions`). Every other registered server function must have
/// a case in `mutating_calls`. The import's upload and apply are here too: they take a
/// multipart file and run in the background, so `import.rs` tests them as an auditor and a
/// manager; here they must refuse an anonymous caller like every internal call.
/// Each with whether it refuses anonymous callers and the body of a call.
type Call = (&'static str, bool, &'static [(&'static str, &'static str)]);
const READ_ONLY: [Call; 59] = [
    // trust documents: the public side is tested in `trust.rs`
    ("/api/trust/page", false, &[]),
    (
        "/api/trust/request",
        false,
        &[("r[email]", "x@example.org")],
    ),
    ("/api/trust/link", false, &[("token", "0000")]),
    ("/api/trust/confirm", false, &[("token", "0000")]),
    ("/api/manage/trust", true, &[]),
    ("/api/manage/trust_log", true, &[("slug", "matrix-report")]),
    (
        "/api/manage/trust_document",
        true,
        &[("slug", "matrix-report")],
    ),
    ("/api/manage/trust_upload", true, &[("file", "x")]),
    ("/api/manage/imports", true, &[]),
    ("/api/manage/import", true, &[("id", "1")]),
    ("/api/manage/import_upload", true, &[("file", "x")]),
    ("/api/manage/import_apply", true, &[("id", "1")]),
    ("/api/registry", false, &[("query", "")]),
    ("/api/subscriptions/options", false, &[]),
    ("/api/subscriptions/view", false, &[("token", "0000")]),
    (
        "/api/subscriptions/unsubscribe-view",
        false,
        &[("token", "0000")],
    ),
    (
        "/api/subscriptions/objection-form",
        false,
        &[("change", "1"), ("token", "0000")],
    ),
    ("/api/manage/deliveries", true, &[("query", "")]),
    ("/api/manage/objections", true, &[("query", "")]),
    ("/api/vendor", false, &[("slug", VENDOR)]),
    ("/api/changes", false, &[("query", "")]),
    ("/api/whoami", false, &[]),
    ("/api/login", false, &[]),
    ("/api/logout", false, &[]),
    ("/api/manage/home", true, &[]),
    ("/api/manage/audit", true, &[("query", "")]),
    ("/api/manage/vendor_assurance", true, &[("slug", VENDOR)]),
    ("/api/manage/vendor_editor", true, &[("slug", VENDOR)]),
    ("/api/manage/watched_list", true, &[("slug", VENDOR)]),
    ("/api/admin/users", true, &[]),
    ("/api/manage/vendor_contacts", true, &[("slug", VENDOR)]),
    ("/api/manage/reviews", true, &[]),
    ("/api/manage/review", true, &[("id", "1")]),
    ("/api/manage/roster", true, &[("id", "1")]),
    ("/api/manage/attestation", true, &[("id", "1")]),
    ("/api/manage/questionnaires", true, &[]),
    ("/api/manage/proposal", true, &[("id", "1")]),
    ("/api/vendor/propose", true, &[("p[legal_name]", "X")]),
    ("/api/vendor/attestation", true, &[]),
    ("/api/vendor/sign_attestation", true, &[("file", "x")]),
    // the portal's submissions (multipart uploads, like the import's)
    ("/api/vendor/submissions", true, &[]),
    ("/api/vendor/rosters", true, &[]),
    ("/api/vendor/submit_assessment", true, &[("file", "x")]),
    ("/api/vendor/submit_roster", true, &[("file", "x")]),
    // the vendor portal: its own flows are tested in `portal.rs`
    ("/api/vendor/home", true, &[]),
    ("/api/vendor/link", false, &[("token", "0000")]),
    ("/api/vendor/continue", false, &[("token", "0000")]),
    ("/api/vendor/ask", false, &[("email", "x@example.org")]),
    ("/api/vendor/sign_out", false, &[]),
    ("/api/login/verify", true, &[("code", "123456")]),
    ("/api/login/setup_info", true, &[]),
    // public: a set-up link's token and the password (tested in `second_step.rs`)
    ("/api/login/enrol", false, &[]),
    ("/api/login/setup", true, &[("code", "123456")]),
    ("/api/account/overview", true, &[]),
    (
        "/api/account/end_session",
        true,
        &[("s[id]", "0123456789abcdef")],
    ),
    ("/api/account/two_step_setup", true, &[]),
    ("/api/account/new_recovery_codes", true, &[]),
    ("/api/account/two_step_confirm", true, &[("code", "123456")]),
    (
        "/api/account/two_step_off",
        true,
        &[("t[password]", PASSWORD)],
    ),
];

/// A trust document, a request waiting for approval and an open access to it.
async fn trust_fixtures(app: &TestApp) {
    let t = "'2026-01-01T00:00:00.000Z'";
    for sql in [
        format!("INSERT INTO documents (vendor_id, sha256, size_bytes, media_type, file_name, uploaded_by, uploaded_at) VALUES (NULL, '{}', 1, 'application/pdf', 'm.pdf', 'fixture', {t})", "a".repeat(64)),
        format!("INSERT INTO trust_documents (slug, title, kind, access, created_at, created_by) VALUES ('matrix-report', 'Matrix report', 'soc2', 'approval', {t}, 'fixture')"),
        format!("INSERT INTO trust_versions (document_id, version, stored_id, issued_on, published_at, published_by) VALUES ((SELECT id FROM trust_documents WHERE slug = 'matrix-report'), 1, (SELECT MAX(id) FROM documents), '2026-01-01', {t}, 'fixture')"),
        format!("INSERT INTO trust_agreements (version, body, sha256, created_at, created_by) VALUES (1, 'The fixture agreement text.', '{}', {t}, 'fixture')", "b".repeat(64)),
        format!("INSERT INTO trust_requests (name, email, organisation, documents, agreement_version, state, created_at) VALUES ('A', 'a@customer.example', 'O', '[1]', 1, 'waiting', {t})"),
        format!("INSERT INTO trust_accesses (code, request_id, name, email, organisation, cookie_hash, documents, created_at, expires_at) VALUES ('AAAA-BBBB', (SELECT MAX(id) FROM trust_requests), 'A', 'a@customer.example', 'O', '{}', '[1]', {t}, '2099-01-01T00:00:00.000Z')", "c".repeat(64)),
    ] {
        exec(app, &sql).await;
    }
}

async fn authorization_matrix(backend: Backend) {
    let app = with_accounts(backend).await;
    notice_fixtures(&app).await;
    trust_fixtures(&app).await;
    let auditor = app.login("auditor@example.test", PASSWORD).await;
    let manager = app.login("manager@example.test", PASSWORD).await;
    let admin = app.login("admin@example.test", PASSWORD).await;
    // a vendor contact signed in to the portal: nothing internal is theirs
    let contact = crate::portal::contact_session(&app, VENDOR, "matrix@vendor.example").await;
    // the matrix covers every server function the app registers
    let registered: std::collections::BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_string())
        .collect();
    let mut covered: std::collections::BTreeSet<String> = mutating_calls(&app)
        .await
        .into_iter()
        .map(|(path, _, _)| path.to_string())
        .collect();
    covered.extend(READ_ONLY.iter().map(|(p, _, _)| p.to_string()));
    assert_eq!(
        registered, covered,
        "a server function is missing from the authorization matrix (or one is gone)"
    );
    for (path, _, body) in READ_ONLY.iter().filter(|(_, internal, _)| *internal) {
        let before = fingerprint(&app).await;
        let uploads = [
            "/api/manage/import_upload",
            "/api/vendor/submit_assessment",
            "/api/vendor/submit_roster",
            "/api/vendor/sign_attestation",
            "/api/manage/trust_upload",
        ];
        let res = if uploads.contains(path) {
            // a file upload (any other body is refused with 415 before it is decoded)
            app.client
                .post(format!("{}{path}", app.base))
                .multipart(reqwest::multipart::Form::new().part(
                    "file",
                    reqwest::multipart::Part::bytes(b"legal_name\nX\n".to_vec()).file_name("x.csv"),
                ))
                .send()
                .await
                .expect("request")
        } else {
            app.post_form(path, body, None).await
        };
        assert_eq!(res.status(), 401, "{path} refuses anonymous callers");
        assert_eq!(fingerprint(&app).await, before);
        // a contact's session is refused too (the sign-in steps answer 401: they want their
        // own challenge cookie; the portal's home is the contact's own)
        let own = [
            "/api/login/verify",
            "/api/login/setup_info",
            "/api/login/setup",
            "/api/vendor/home",
            "/api/vendor/submissions",
            "/api/vendor/rosters",
            "/api/vendor/submit_assessment",
            "/api/vendor/submit_roster",
            "/api/vendor/attestation",
            "/api/vendor/sign_attestation",
            "/api/vendor/propose",
            "/api/manage/import_upload",
            "/api/manage/trust_upload",
        ];
        if !own.contains(path) {
            let res = app.post_form(path, body, Some(&contact)).await;
            assert_eq!(res.status(), 403, "{path} refuses a vendor contact");
            assert_eq!(fingerprint(&app).await, before);
        }
    }
    let count = mutating_calls(&app).await.len();
    for i in 0..count {
        // rebuilt each time: versions move as allowed calls succeed
        let (path, allowed, form) = mutating_calls(&app).await.swap_remove(i);
        let form = borrow(&form);
        let refused: Vec<(&str, Option<&String>, u16)> = match allowed {
            Allowed::Admins => vec![
                ("anonymous", None, 401),
                ("auditor", Some(&auditor), 403),
                ("manager", Some(&manager), 403),
            ],
            Allowed::Editors => vec![("anonymous", None, 401), ("auditor", Some(&auditor), 403)],
            Allowed::SignedIn => vec![("anonymous", None, 401)],
        }
        .into_iter()
        .chain([("vendor contact", Some(&contact), 403)])
        .collect();
        for (who, cookie, status) in refused {
            let before = fingerprint(&app).await;
            let res = app.post_form(path, &form, cookie.map(String::as_str)).await;
            assert_eq!(res.status(), status, "{path} as {who}");
            assert_eq!(
                fingerprint(&app).await,
                before,
                "{path} as {who} changed nothing"
            );
        }
        let allowed = match allowed {
            Allowed::Admins => &admin,
            Allowed::Editors => &manager,
            Allowed::SignedIn => &auditor,
        };
        let before = fingerprint(&app).await;
        let res = app.post_form(path, &form, Some(allowed)).await;
        let status = res.status();
        assert_eq!(
            status,
            200,
            "{path} is allowed: {}",
            res.text().await.unwrap_or_default()
        );
        let after = fingerprint(&app).await;
        assert_ne!(after, before, "{path} changed something");
        assert!(after[9] > before[9], "{path} wrote an audit row");
    }
    // and the internal pages answer a signed-out visitor with the sign-in page
    let res = app
        .client
        .get(format!("{}/manage", app.base))
        .header("accept", "text/html")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/login?next=%2Fmanage");
    app.stop().await;
}

async fn sessions_renew_expire_and_end(backend: Backend) {
    let app = with_accounts(backend).await;
    let first = app.login("manager@example.test", PASSWORD).await;
    let (status, html) = app.get_with("/manage", &first).await;
    assert_eq!(status, 200);
    assert!(html.contains("Not compliant today"), "dashboard renders");
    // what needs a manager now: the demo's broken vendors with reasons, the lapsing
    // attestation, and the chart
    for expected in [
        "/manage/vendors/brightwater-hosting",
        "has no valid privacy training",
        "/manage/vendors/ember-analytics",
        "Lapsing within 90 days",
        "VPAP attestation approved",
        "<svg",
    ] {
        assert!(html.contains(expected), "dashboard shows {expected:?}");
    }

    // signing in again with a cookie issues a new id and retires the old one
    let res = app
        .post_form(
            "/api/login",
            &[("email", "manager@example.test"), ("password", PASSWORD)],
            Some(&first),
        )
        .await;
    assert_eq!(res.status(), 200);
    let second = session_cookie(&res).expect("new cookie");
    assert_ne!(second, first);
    let set = res.headers()["set-cookie"]
        .to_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax") && !set.contains("Secure"),
        "{set}"
    );
    assert_eq!(
        app.get_with("/manage", &first).await.0,
        302,
        "old id is dead"
    );

    // sign out, then replay the cookie
    let res = app.post_form("/api/logout", &[], Some(&second)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(session_cookie(&res).as_deref(), Some("registry_session="));
    assert_eq!(
        app.get_with("/manage", &second).await.0,
        302,
        "replayed cookie is refused"
    );
    let res = app
        .post_form(
            "/api/manage/add_enrollment",
            &[
                ("e[vendor]", VENDOR),
                ("e[enrolled_on]", "2026-01-01"),
                ("e[status]", "active"),
            ],
            Some(&second),
        )
        .await;
    assert_eq!(res.status(), 401);

    // idle for 31 minutes: gone
    let third = app.login("manager@example.test", PASSWORD).await;
    let db = app.db().await;
    let stale = (chrono::Utc::now() - chrono::Duration::minutes(31))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    sqlx::query("UPDATE sessions SET last_seen_at = $1")
        .bind(stale)
        .execute(&db.pool)
        .await
        .expect("age");
    assert_eq!(
        app.get_with("/manage", &third).await.0,
        302,
        "idle session ended"
    );
    // older than 12 hours although active: gone
    let fourth = app.login("manager@example.test", PASSWORD).await;
    let old = (chrono::Utc::now() - chrono::Duration::hours(13))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    sqlx::query("UPDATE sessions SET created_at = $1")
        .bind(old)
        .execute(&db.pool)
        .await
        .expect("age");
    assert_eq!(
        app.get_with("/manage", &fourth).await.0,
        302,
        "absolute timeout"
    );

    // an admin disabling the account ends its sessions at once
    let fifth = app.login("manager@example.test", PASSWORD).await;
    let admin = app.login("admin@example.test", PASSWORD).await;
    let (id, version) = sqlx::query_as::<Any, (i64, i64)>(
        "SELECT id, version FROM users WHERE email = 'manager@example.test'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("user");
    let (id, version) = (id.to_string(), version.to_string());
    let res = app
        .post_form(
            "/api/admin/update_user",
            &[
                ("u[id]", &id),
                ("u[version]", &version),
                ("u[role]", "manager"),
                ("u[disabled]", "on"),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.get_with("/manage", &fifth).await.0,
        302,
        "disabled account signed out"
    );
    let res = app
        .post_form(
            "/api/login",
            &[("email", "manager@example.test"), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(res.status(), 401, "disabled account cannot sign in");
    db.pool.close().await;
    app.stop().await;
}

async fn sign_in_errors_are_generic_and_throttled(backend: Backend) {
    let app = with_accounts(backend).await;
    let wrong = app
        .post_form(
            "/api/login",
            &[
                ("email", "manager@example.test"),
                ("password", "not the password at all"),
            ],
            None,
        )
        .await;
    assert_eq!(wrong.status(), 401);
    let wrong = wrong.text().await.unwrap_or_default();
    let unknown = app
        .post_form(
            "/api/login",
            &[
                ("email", "nobody@example.test"),
                ("password", "not the password at all"),
            ],
            None,
        )
        .await;
    assert_eq!(unknown.status(), 401);
    assert_eq!(
        unknown.text().await.unwrap_or_default(),
        wrong,
        "same answer for unknown e-mail"
    );
    assert!(wrong.contains("BadCredentials"), "{wrong}");
    for _ in 0..4 {
        let res = app
            .post_form(
                "/api/login",
                &[
                    ("email", "manager@example.test"),
                    ("password", "still wrong password"),
                ],
                None,
            )
            .await;
        assert_eq!(res.status(), 401);
    }
    // five failures: even the right password waits now
    let res = app
        .post_form(
            "/api/login",
            &[("email", "Manager@Example.test"), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(res.status(), 429);
    let body = res.text().await.unwrap_or_default();
    assert!(body.contains("TooManyAttempts"), "{body}");
    // another account from the same address is not locked by those five
    app.login("auditor@example.test", PASSWORD).await;
    app.stop().await;
}

async fn stale_edit_conflicts_and_audit_is_append_only(backend: Backend) {
    let app = with_accounts(backend).await;
    let manager = app.login("manager@example.test", PASSWORD).await;
    let admin = app.login("admin@example.test", PASSWORD).await;
    let version = vendor_version(&app, VENDOR).await;
    let first = app
        .vendor_form(VENDOR, version, "Brightwater Hosting (first)")
        .await;
    let second = app
        .vendor_form(VENDOR, version, "Brightwater Hosting (second)")
        .await;
    let (first, second) = (borrow(&first), borrow(&second));
    let (a, b) = tokio::join!(
        app.post_form("/api/manage/save_vendor", &first, Some(&manager)),
        app.post_form("/api/manage/save_vendor", &second, Some(&admin)),
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "exactly one save wins");
    let loser = if a.status() == 409 { a } else { b };
    let body = loser.text().await.unwrap_or_default();
    assert!(
        body.contains("Conflict") && body.contains("@example.test"),
        "{body}"
    );
    assert_eq!(vendor_version(&app, VENDOR).await, version + 1);

    // the winner's audit row: who, before and after
    let db = app.db().await;
    let (actor, before, after) = sqlx::query_as::<Any, (String, String, String)>(
        "SELECT actor, before_json, after_json FROM audit_log WHERE entity = 'vendor' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .expect("audit row");
    assert!(actor.ends_with("@example.test"));
    let before: serde_json::Value = serde_json::from_str(&before).expect("json");
    let after: serde_json::Value = serde_json::from_str(&after).expect("json");
    assert!(before["legal_name"]
        .as_str()
        .unwrap_or_default()
        .starts_with("Brightwater Hosting"));
    assert!(after["legal_name"]
        .as_str()
        .unwrap_or_default()
        .starts_with("Brightwater Hosting ("));

    // the public page shows the new name
    let (_, html) = app.get(&format!("/subprocessors/{VENDOR}")).await;
    assert!(
        html.contains("Brightwater Hosting ("),
        "public page changed"
    );

    // the audit trail cannot be rewritten
    assert!(sqlx::query("UPDATE audit_log SET actor = 'someone else'")
        .execute(&db.pool)
        .await
        .is_err());
    assert!(sqlx::query("DELETE FROM audit_log")
        .execute(&db.pool)
        .await
        .is_err());
    let (status, html) = app.get_with("/manage/audit?entity=vendor", &manager).await;
    assert_eq!(status, 200);
    assert!(html.contains(VENDOR) && html.contains("update vendor"));
    let (_, html) = app
        .get_with("/manage/audit?entity=training", &manager)
        .await;
    assert!(!html.contains("update vendor"), "the kind filter applies");
    let (_, html) = app
        .get_with(&format!("/manage/audit?vendor={VENDOR}"), &manager)
        .await;
    assert!(html.contains("update vendor"), "a vendor's own history");
    let (_, html) = app
        .get_with("/manage/audit?vendor=someone-else", &manager)
        .await;
    assert!(
        !html.contains("update vendor"),
        "another vendor's history is empty"
    );

    // bad input: messages per field, nothing stored
    let before = fingerprint(&app).await;
    let mut bad = app.vendor_form(VENDOR, version + 1, "").await;
    bad.retain(|(k, _)| !k.starts_with("vendor[services]"));
    for (k, v) in bad.iter_mut() {
        if k == "vendor[effective_on]" {
            *v = "2024-01-01".into();
        }
    }
    let res = app
        .post_form("/api/manage/save_vendor", &borrow(&bad), Some(&manager))
        .await;
    let status = res.status();
    let body = res.text().await.unwrap_or_default();
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains("legal_name") && body.contains("services"),
        "{body}"
    );
    assert_eq!(fingerprint(&app).await, before);
    db.pool.close().await;
    app.stop().await;
}

async fn changing_a_password_ends_the_other_sessions(backend: Backend) {
    let app = with_accounts(backend).await;
    let here = app.login("manager@example.test", PASSWORD).await;
    let elsewhere = app.login("manager@example.test", PASSWORD).await;
    let res = app
        .post_form(
            "/api/account/password",
            &[
                ("p[current]", PASSWORD),
                ("p[new]", "a fresh long passphrase"),
            ],
            None,
        )
        .await;
    assert_eq!(res.status(), 401, "signed out: refused");
    let res = app
        .post_form(
            "/api/account/password",
            &[
                ("p[current]", "not my password"),
                ("p[new]", "a fresh long passphrase"),
            ],
            Some(&here),
        )
        .await;
    assert_eq!(res.status(), 422, "wrong current password");
    let res = app
        .post_form(
            "/api/account/password",
            &[("p[current]", PASSWORD), ("p[new]", "short")],
            Some(&here),
        )
        .await;
    assert_eq!(res.status(), 422, "weak new password");
    let res = app
        .post_form(
            "/api/account/password",
            &[
                ("p[current]", PASSWORD),
                ("p[new]", "a fresh long passphrase"),
            ],
            Some(&here),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.get_with("/manage", &here).await.0,
        200,
        "this session stays"
    );
    assert_eq!(
        app.get_with("/manage", &elsewhere).await.0,
        302,
        "the other one ended"
    );
    app.login("manager@example.test", "a fresh long passphrase")
        .await;
    app.stop().await;
}

on_both_databases!(
    authorization_matrix,
    sessions_renew_expire_and_end,
    sign_in_errors_are_generic_and_throttled,
    stale_edit_conflicts_and_audit_is_append_only,
    changing_a_password_ends_the_other_sessions,
);
