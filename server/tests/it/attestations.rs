//! The VPAP attestation (issue 26), end to end on both databases: the shipped questionnaire is
//! version 1 and frozen; a vendor's contact answers it and signs by typing their name (kept
//! with time, address and the questionnaire's SHA-256); refusals say why at the field; the
//! signed attestation counts nowhere while it waits; a manager asks for a change on one answer
//! and the contact is told; the contact signs again (the evidence document kept) and the
//! approval makes the vendor authorized; admins publish a new version, and nobody else can.
//! A refused form comes back as it was typed, with the documents it carried (a draft).

use reqwest::multipart::{Form, Part};

use crate::{
    notices::{exec, scalar, PASSWORD},
    portal::contact_session,
    reviews::{authorized, pdf, sent_back},
    sinks::SmtpSink,
    support::{spawn_app_with, Backend, TestApp},
};

const VENDOR: &str = "driftwood-labs";
const OTHER: &str = "ember-analytics";

/// The shipped questionnaire's statements; `audit_cooperation` needs evidence with a yes.
const KEYS: [&str; 10] = [
    "purpose_limitation",
    "confidentiality",
    "privacy_standards",
    "vpap_membership",
    "privacy_training",
    "breach_notice",
    "deletion_or_return",
    "flow_down",
    "audit_cooperation",
    "data_demands_redirect",
];

/// A form answering every statement yes, except those in `no` (answered no with `why`).
fn answers(questionnaire: i64, no: &[(&str, &str)], name: &str, file: bool) -> Form {
    let mut f = Form::new().text("questionnaire", questionnaire.to_string());
    for k in KEYS {
        let why = no.iter().find(|(n, _)| *n == k).map(|(_, w)| *w);
        f = f
            .text(
                format!("answer.{k}"),
                if why.is_some() { "no" } else { "yes" },
            )
            .text(format!("explanation.{k}"), why.unwrap_or("").to_string());
        if k == "audit_cooperation" && file {
            f = f.part(
                format!("file.{k}"),
                Part::bytes(pdf()).file_name("soc2-bridge-letter.pdf"),
            );
        }
    }
    f.text("signed_name", name.to_string())
}

async fn sign(app: &TestApp, cookie: Option<&str>, form: Form) -> reqwest::Response {
    let mut req = app
        .client
        .post(format!("{}/api/vendor/sign_attestation", app.base))
        .header("origin", &app.base)
        .header("accept", "text/html")
        .multipart(form);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send().await.expect("sign")
}

async fn call(app: &TestApp, path: &str, form: &[(&str, &str)], cookie: &str) -> serde_json::Value {
    let res = app.post_form(path, form, Some(cookie)).await;
    let status = res.status();
    let body = res.text().await.expect("body");
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap_or(serde_json::Value::Null)
}

async fn attestations_count_once_approved(backend: Backend) {
    let sink = SmtpSink::start();
    let smtp = sink.url();
    let app = spawn_app_with(backend, |c| c.notices.smtp_url = smtp).await;
    app.create_user("manager@example.test", app::domain::Role::Manager, PASSWORD)
        .await;
    app.create_user("admin@example.test", app::domain::Role::Admin, PASSWORD)
        .await;
    let manager = app.login("manager@example.test", PASSWORD).await;
    let admin = app.login("admin@example.test", PASSWORD).await;

    // the vendor lacks nothing but its attestation
    assert_eq!(authorized(&app, VENDOR).await, (true, true));
    exec(
        &app,
        &format!("DELETE FROM attestations WHERE vendor_id = (SELECT id FROM vendors WHERE slug = '{VENDOR}')"),
    )
    .await;
    assert_eq!(authorized(&app, VENDOR).await, (false, false));

    let ada = contact_session(&app, VENDOR, "ada@driftwood.example").await;
    let eve = contact_session(&app, OTHER, "eve@ember.example").await;

    // the shipped questionnaire is version 1, published
    let form = call(&app, "/api/vendor/attestation", &[], &ada).await;
    assert_eq!(form["number"], 1, "{form}");
    assert_eq!(form["lines"].as_array().map(Vec::len), Some(10));
    assert_eq!(form["last"], serde_json::Value::Null);
    let q = form["questionnaire_id"].as_i64().expect("id");
    let sha = form["sha256"].as_str().expect("sha").to_string();
    assert_eq!(sha.len(), 64);
    // and frozen: the database itself refuses to change it
    let db = app.db().await;
    let changed = sqlx::query::<sqlx::Any>("UPDATE questionnaires SET body = 'x' WHERE number = 1")
        .execute(&db.pool)
        .await;
    assert!(changed.is_err(), "a published questionnaire is frozen");
    db.pool.close().await;

    // not a contact: refused; refusals come back by field, nothing stored
    assert_eq!(
        sign(&app, None, answers(q, &[], "Ada", true))
            .await
            .status(),
        401
    );
    assert_eq!(
        sign(&app, Some(&manager), answers(q, &[], "Ada", true))
            .await
            .status(),
        401
    );
    let res = sign(
        &app,
        Some(&ada),
        answers(q, &[("breach_notice", "")], " ", false),
    )
    .await;
    assert_eq!(res.status(), 302);
    let back = sent_back(&res);
    assert!(back.starts_with("/vendor/attestation?"), "{back}");
    assert!(
        back.contains("explanation.breach_notice=Statement 6: say why"),
        "{back}"
    );
    assert!(
        back.contains("file.audit_cooperation=Statement 9: attach"),
        "{back}"
    );
    assert!(back.contains("signed_name=Sign by typing"), "{back}");
    let html = answers(q, &[], "Ada", false).part(
        "file.audit_cooperation",
        Part::bytes(b"<html>hi</html>".to_vec()).file_name("x.pdf"),
    );
    let back = sent_back(&sign(&app, Some(&ada), html).await);
    assert!(
        back.contains("file.audit_cooperation=") && back.contains("HTML"),
        "{back}"
    );
    let back = sent_back(&sign(&app, Some(&ada), answers(q + 1000, &[], "Ada", true)).await);
    assert!(
        back.contains("questionnaire=The questionnaire changed"),
        "{back}"
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM attestations WHERE questionnaire_id IS NOT NULL"
        )
        .await,
        0
    );

    // signed: waiting, it counts nowhere
    let res = sign(
        &app,
        Some(&ada),
        answers(
            q,
            &[(
                "flow_down",
                "Our hosting provider's contract is being renewed.",
            )],
            "Ada Lovelace",
            true,
        ),
    )
    .await;
    assert_eq!(res.status(), 302);
    assert!(
        sent_back(&res).starts_with("/vendor?attested=1"),
        "{}",
        sent_back(&res)
    );
    assert_eq!(authorized(&app, VENDOR).await, (false, false), "pending");
    let home = call(&app, "/api/vendor/home", &[], &ada).await;
    let a = &home["attestations"][0];
    assert_eq!(a["state"], "Pending");
    assert_eq!(a["signed_name"], "Ada Lovelace");
    assert_eq!(a["questionnaire_sha256"], sha.as_str());
    assert_eq!(a["signed_from"], "127.0.0.1");
    let id = a["id"].as_i64().expect("id");
    let other = call(&app, "/api/vendor/home", &[], &eve).await;
    assert_eq!(other["attestations"], serde_json::json!([]));
    // while it waits, no second one
    let back = sent_back(&sign(&app, Some(&ada), answers(q, &[], "Ada", true)).await);
    assert!(back.contains("waits for our review"), "{back}");

    // the manager sees it in the queue and asks for a change on one answer
    let queue = call(&app, "/api/manage/reviews", &[], &manager).await;
    assert_eq!(queue["attestations"][0]["id"], id);
    let review = call(
        &app,
        "/api/manage/attestation",
        &[("id", &id.to_string())],
        &manager,
    )
    .await;
    let lines = review["lines"].as_array().expect("lines");
    assert_eq!(lines[7]["answer"], "No");
    assert_eq!(lines[8]["document"]["file_name"], "soc2-bridge-letter.pdf");
    let sid = id.to_string();
    let res = app
        .post_form(
            "/api/manage/decide_attestation",
            &[
                ("id", &sid),
                ("version", "1"),
                ("decision", "approve"),
                ("comment", ""),
            ],
            Some(&ada),
        )
        .await;
    assert_eq!(res.status(), 403, "a contact decides nothing");
    call(
        &app,
        "/api/manage/decide_attestation",
        &[
            ("id", &sid),
            ("version", "1"),
            ("decision", "request_changes"),
            ("comment", ""),
            (
                "notes[flow_down]",
                "Answer yes once the renewed contract is signed, and attach nothing.",
            ),
        ],
        &manager,
    )
    .await;
    let mails = sink.wait_for("ada@driftwood.example", 1, 20).await;
    assert!(
        mails[0].text.contains("renewed contract"),
        "{}",
        mails[0].text
    );
    let form = call(&app, "/api/vendor/attestation", &[], &ada).await;
    assert_eq!(form["last"]["state"], "ChangesRequested");
    assert_eq!(
        form["lines"][7]["comment"],
        "Answer yes once the renewed contract is signed, and attach nothing."
    );
    assert_eq!(form["lines"][7]["answer"], "No", "answered as last time");

    // signed again: the document of last time is kept without sending it again
    let res = sign(&app, Some(&ada), answers(q, &[], "Ada Lovelace", false)).await;
    assert_eq!(res.status(), 302, "{}", sent_back(&res));
    assert!(
        sent_back(&res).starts_with("/vendor?attested=1"),
        "{}",
        sent_back(&res)
    );
    let home = call(&app, "/api/vendor/home", &[], &ada).await;
    let second = home["attestations"][0]["id"].as_i64().expect("id");
    assert_ne!(second, id);
    let review = call(
        &app,
        "/api/manage/attestation",
        &[("id", &second.to_string())],
        &manager,
    )
    .await;
    assert_eq!(
        review["lines"][8]["document"]["file_name"],
        "soc2-bridge-letter.pdf"
    );
    assert_eq!(
        authorized(&app, VENDOR).await,
        (false, false),
        "still pending"
    );
    call(
        &app,
        "/api/manage/decide_attestation",
        &[
            ("id", &second.to_string()),
            ("version", "1"),
            ("decision", "approve"),
            ("comment", ""),
        ],
        &manager,
    )
    .await;
    assert_eq!(
        authorized(&app, VENDOR).await,
        (true, true),
        "approved: it counts"
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM audit_log WHERE entity = 'attestation' AND actor = 'ada@driftwood.example'").await,
        2,
        "the contact is the actor of each signature"
    );

    // the questionnaire's versions: admins only
    let res = app
        .post_form("/api/manage/new_questionnaire", &[], Some(&manager))
        .await;
    assert_eq!(res.status(), 403);
    call(&app, "/api/manage/new_questionnaire", &[], &admin).await;
    let versions = call(&app, "/api/manage/questionnaires", &[], &admin).await;
    let draft = &versions["versions"][0];
    assert_eq!(draft["number"], 2);
    assert_eq!(draft["published"], false);
    let (did, dv) = (
        draft["id"].as_i64().expect("id").to_string(),
        draft["version"].to_string(),
    );
    let res = app
        .post_form(
            "/api/manage/save_questionnaire",
            &[
                ("id", &did),
                ("version", &dv),
                ("body", "{\"title\": \"x\", \"questions\": []}"),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res
        .text()
        .await
        .expect("body")
        .contains("at least one statement"));
    let body = r#"{"title": "VPAP attestation 2027", "questions": [{"key": "purpose_limitation", "text": "You use our customers' data only to deliver our services.", "obligation": "purpose_limitation"}]}"#;
    call(
        &app,
        "/api/manage/save_questionnaire",
        &[("id", &did), ("version", &dv), ("body", body)],
        &admin,
    )
    .await;
    let res = app
        .post_form(
            "/api/manage/publish_questionnaire",
            &[("id", &did), ("version", "2")],
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 422, "publishing needs confirming");
    call(
        &app,
        "/api/manage/publish_questionnaire",
        &[("id", &did), ("version", "2"), ("confirm", "yes")],
        &admin,
    )
    .await;
    let form = call(&app, "/api/vendor/attestation", &[], &ada).await;
    assert_eq!(form["number"], 2);
    assert_eq!(form["lines"].as_array().map(Vec::len), Some(1));
    // a form drawn from version 1 is refused now
    let back = sent_back(&sign(&app, Some(&ada), answers(q, &[], "Ada", true)).await);
    assert!(
        back.contains("questionnaire=The questionnaire changed"),
        "{back}"
    );
    app.stop().await;
}

async fn a_refused_attestation_comes_back_as_typed(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let ada = contact_session(&app, VENDOR, "ada@driftwood.example").await;
    let form = call(&app, "/api/vendor/attestation", &[], &ada).await;
    let q = form["questionnaire_id"].as_i64().expect("id");
    let documents = scalar(&app, "SELECT COUNT(*) FROM documents").await;

    // a "no" without its reason: refused, but the answers and the document sent are kept
    let res = sign(
        &app,
        Some(&ada),
        answers(q, &[("breach_notice", "")], "Ada Lovelace", true),
    )
    .await;
    assert!(sent_back(&res).contains("explanation.breach_notice="));
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM attestations WHERE questionnaire_id IS NOT NULL"
        )
        .await,
        0
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM attestation_drafts").await,
        1
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM documents").await,
        documents + 1,
        "the document sent is recorded, not left unreferenced"
    );
    let form = call(&app, "/api/vendor/attestation", &[], &ada).await;
    assert_eq!(form["lines"][5]["key"], "breach_notice");
    assert_eq!(form["lines"][5]["answer"], "No");
    assert_eq!(form["lines"][0]["answer"], "Yes");
    assert_eq!(
        form["lines"][8]["document"]["file_name"], "soc2-bridge-letter.pdf",
        "{form}"
    );

    // a file that is not what it says: refused at its field, the typed answers still kept
    let mut bad = Form::new().text("questionnaire", q.to_string());
    for k in KEYS {
        bad = bad.text(
            format!("answer.{k}"),
            if k == "flow_down" {
                "not_applicable"
            } else {
                "yes"
            },
        );
    }
    bad = bad
        .part(
            "file.audit_cooperation",
            Part::bytes(b"<html><body>not a report</body></html>".to_vec()).file_name("report.pdf"),
        )
        .text("signed_name", "Ada Lovelace");
    let back = sent_back(&sign(&app, Some(&ada), bad).await);
    assert!(back.contains("file.audit_cooperation="), "{back}");
    let form = call(&app, "/api/vendor/attestation", &[], &ada).await;
    assert_eq!(form["lines"][7]["answer"], "NotApplicable");
    assert_eq!(
        form["lines"][8]["document"]["file_name"], "soc2-bridge-letter.pdf",
        "the document of the first try is still there"
    );

    // signed without sending the document again: the draft's counts, and the draft is gone
    let res = sign(
        &app,
        Some(&ada),
        answers(
            q,
            &[("breach_notice", "Within 48 hours, by contract.")],
            "Ada Lovelace",
            false,
        ),
    )
    .await;
    assert_eq!(sent_back(&res), "/vendor?attested=1#attestation-h");
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM attestation_drafts").await,
        0
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM attestation_answers WHERE question_key = 'audit_cooperation' \
             AND document_id IS NOT NULL"
        )
        .await,
        1
    );
    app.stop().await;
}

on_both_databases!(
    attestations_count_once_approved,
    a_refused_attestation_comes_back_as_typed,
);
