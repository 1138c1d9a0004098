use super::*;

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn event() -> ChangeEvent {
    ChangeEvent {
        id: 7,
        slug: "nimbus-relay".into(),
        kind: ChangeKind::Added,
        announced_on: d("2026-11-27"),
        effective_on: d("2027-05-27"),
        before: None,
        after: Some(PublicScope {
            legal_name: "Nimbus Relay GmbH".into(),
            purpose: "Mail <relay> & delivery".into(),
            services: vec!["Mail".into()],
            countries: vec!["DE".into()],
            categories: vec!["customer".into()],
            sub_processors: Vec::new(),
        }),
    }
}

fn links() -> Links {
    Links {
        base: "https://subprocessors.example.com".into(),
        manage: "cd".repeat(32),
        unsubscribe: "ab".repeat(32),
        objection: Some("ef".repeat(32)),
    }
}

#[test]
fn a_notice_says_what_changes_when_with_every_link() {
    let m = notice(
        "kim@example.com",
        &event(),
        &links(),
        d("2026-12-01"),
        false,
        None,
    );
    assert!(!m.text.contains("Receipt"));
    assert_eq!(
        m.subject,
        "New subprocessor: Nimbus Relay GmbH (effective 2027-05-27)"
    );
    assert!(m
        .text
        .contains("Takes effect on: 2027-05-27 (181 days of notice)"));
    assert!(m.text.contains("Germany (DE)"));
    assert!(m.text.contains("Customer data"));
    assert!(m
        .text
        .contains("https://subprocessors.example.com/subprocessors/nimbus-relay"));
    assert!(m
        .text
        .contains(&format!("/changes/7/objection?token={}", "ef".repeat(32))));
    assert!(m
        .text
        .contains(&format!("/subscriptions/manage/{}", "cd".repeat(32))));
    assert!(m.html.contains("Mail &lt;relay&gt; &amp; delivery"));
    assert_eq!(
        m.unsubscribe.as_deref(),
        Some(
            format!(
                "https://subprocessors.example.com/subscriptions/unsubscribe/{}",
                "ab".repeat(32)
            )
            .as_str()
        )
    );
}

#[test]
fn no_objection_link_once_in_effect_or_for_a_removal() {
    let late = notice(
        "k@example.com",
        &event(),
        &links(),
        d("2027-05-27"),
        false,
        None,
    );
    assert!(!late.text.contains("/objection"));
    let mut removal = event();
    removal.kind = ChangeKind::Removed;
    removal.before = removal.after.take();
    let m = notice(
        "k@example.com",
        &removal,
        &links(),
        d("2026-12-01"),
        false,
        None,
    );
    assert!(m
        .subject
        .starts_with("Subprocessor removed: Nimbus Relay GmbH"));
    assert!(!m.text.contains("/objection"));
    assert!(m.text.contains("Before the change:"));
}

#[test]
fn a_receipt_names_the_leaf_the_proof_and_the_checkpoint_verbatim() {
    let note = "example.com/log\n3\nAAAA\n\n\u{2014} example.com/log abcd\n";
    let r = Receipt {
        leaf_index: 2,
        leaf_hash: "q1+/w==".into(),
        proof: "https://subprocessors.example.com/api/v1/log/events/7/proof".into(),
        checkpoint: Some(note.into()),
    };
    let m = notice(
        "kim@example.com",
        &event(),
        &links(),
        d("2026-12-01"),
        false,
        Some(&r),
    );
    assert!(m
        .text
        .contains("entry 2 of our signed log of changes, leaf hash q1+/w=="));
    assert!(m.text.contains("/api/v1/log/events/7/proof"));
    // the note is kept byte for byte, so a customer can check its signature from the mail
    assert!(m.text.contains(&format!("\n\n{note}")));
    assert!(m
        .text
        .contains("https://subprocessors.example.com/.well-known/subprocessors-log-key"));
    assert!(m
        .html
        .contains("<pre style=\"font-size:.8rem\">example.com/log\n3\nAAAA"));
}

#[test]
fn webhook_bodies_carry_type_timestamp_and_data() {
    let body = webhook_body(
        ChangeKind::ScopeChanged,
        "2026-12-01T10:00:00.000Z",
        &serde_json::json!({"id": 7}),
    )
    .expect("json");
    assert_eq!(
        body,
        r#"{"type":"subprocessor.scope_changed","timestamp":"2026-12-01T10:00:00.000Z","data":{"id":7}}"#
    );
}
