//! The review of what a vendor's contact submits (issue 26): a submission waits (`pending`)
//! until a manager approves it, asks for changes or rejects it; only approved evidence counts.
//! What a manager enters is approved when entered. Attestations keep their own outcome
//! (pending, approved, rejected); the same words mean the same here.

use serde::{Deserialize, Serialize};

use super::ParseError;

/// Where a submission stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReviewState {
    Pending,
    Approved,
    ChangesRequested,
    Rejected,
}

impl ReviewState {
    pub const ALL: [ReviewState; 4] = [
        ReviewState::Pending,
        ReviewState::Approved,
        ReviewState::ChangesRequested,
        ReviewState::Rejected,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ReviewState::Pending => "pending",
            ReviewState::Approved => "approved",
            ReviewState::ChangesRequested => "changes_requested",
            ReviewState::Rejected => "rejected",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReviewState::Pending => "Waiting for review",
            ReviewState::Approved => "Approved",
            ReviewState::ChangesRequested => "Changes requested",
            ReviewState::Rejected => "Rejected",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| ParseError(format!("\"{s}\" is not a review state")))
    }
}

/// What a reviewer decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    Approve,
    RequestChanges,
    Reject,
}

/// Longest reviewer's comment.
pub const MAX_COMMENT: usize = 2_000;

impl Decision {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        match s {
            "approve" => Ok(Decision::Approve),
            "request_changes" => Ok(Decision::RequestChanges),
            "reject" => Ok(Decision::Reject),
            _ => Err(ParseError(
                "Choose approve, request changes or reject.".into(),
            )),
        }
    }

    /// The state it leads to.
    pub fn state(self) -> ReviewState {
        match self {
            Decision::Approve => ReviewState::Approved,
            Decision::RequestChanges => ReviewState::ChangesRequested,
            Decision::Reject => ReviewState::Rejected,
        }
    }

    /// The audit trail's verb.
    pub fn action(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::RequestChanges => "request changes",
            Decision::Reject => "reject",
        }
    }
}

/// Decide on a submission in `state` with `comment`: only a waiting one is decided, and asking
/// for changes or rejecting says why (the vendor reads it). The comment, trimmed.
pub fn decide(
    state: ReviewState,
    decision: Decision,
    comment: &str,
) -> Result<(ReviewState, String), ParseError> {
    if state != ReviewState::Pending {
        return Err(ParseError(format!(
            "This submission was already decided ({}).",
            state.label().to_lowercase()
        )));
    }
    let comment = comment.trim();
    if comment.chars().count() > MAX_COMMENT {
        return Err(ParseError(format!(
            "The comment is longer than {MAX_COMMENT} characters."
        )));
    }
    if comment
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(ParseError("The comment holds control characters.".into()));
    }
    if decision != Decision::Approve && comment.is_empty() {
        return Err(ParseError(
            "Say what needs to change, or why it is rejected: the vendor reads this.".into(),
        ));
    }
    Ok((decision.state(), comment.replace("\r\n", "\n")))
}

/// Whole days a submission made at `submitted` has waited on `today`.
pub fn days_waiting(submitted: chrono::NaiveDate, today: chrono::NaiveDate) -> i64 {
    (today - submitted).num_days().max(0)
}

/// A file name as shown and given to a download: its last path part, printable characters
/// only, at most 120 characters, `document` when nothing is left.
pub fn clean_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let kept: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | ';' | '<' | '>'))
        .take(120)
        .collect();
    let kept = kept.trim().trim_start_matches('.').to_string();
    if kept.is_empty() {
        "document".into()
    } else {
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_waiting_submission_is_decided() {
        for s in [
            ReviewState::Approved,
            ReviewState::ChangesRequested,
            ReviewState::Rejected,
        ] {
            assert!(decide(s, Decision::Approve, "").is_err(), "{s:?}");
        }
        assert_eq!(
            decide(ReviewState::Pending, Decision::Approve, "  fine "),
            Ok((ReviewState::Approved, "fine".into()))
        );
    }

    #[test]
    fn changes_and_rejections_say_why() {
        assert!(decide(ReviewState::Pending, Decision::RequestChanges, " ").is_err());
        assert!(decide(ReviewState::Pending, Decision::Reject, "").is_err());
        assert_eq!(
            decide(ReviewState::Pending, Decision::Reject, "wrong\r\nreport"),
            Ok((ReviewState::Rejected, "wrong\nreport".into()))
        );
        assert!(decide(ReviewState::Pending, Decision::Reject, "a\u{7}b").is_err());
        let long = "x".repeat(MAX_COMMENT + 1);
        assert!(decide(ReviewState::Pending, Decision::Approve, &long).is_err());
    }

    #[test]
    fn states_and_decisions_read_back() {
        for s in ReviewState::ALL {
            assert_eq!(ReviewState::parse(s.code()), Ok(s));
        }
        assert!(ReviewState::parse("done").is_err());
        assert_eq!(
            Decision::parse("request_changes"),
            Ok(Decision::RequestChanges)
        );
        assert!(Decision::parse("approve ").is_err());
    }

    #[test]
    fn days_waiting_count_whole_days_never_below_zero() {
        let d = |s: &str| s.parse::<chrono::NaiveDate>().expect("date");
        assert_eq!(days_waiting(d("2026-12-01"), d("2026-12-06")), 5);
        assert_eq!(days_waiting(d("2026-12-07"), d("2026-12-06")), 0);
    }

    #[test]
    fn file_names_lose_paths_and_what_breaks_a_header() {
        assert_eq!(clean_file_name("C:\\Users\\x\\SOC 2.pdf"), "SOC 2.pdf");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("a\"b;c\r\n.pdf"), "abc.pdf");
        assert_eq!(clean_file_name("..."), "document");
        assert_eq!(clean_file_name(""), "document");
    }
}

/// The mail telling a contact of a decision on what they submitted: subject, text and HTML.
/// `what` names the submission ("SOC 2 Type II by Keel & Partners Audit"); `portal` is the
/// portal's address.
pub fn decision_mail(
    what: &str,
    state: ReviewState,
    comment: &str,
    portal: &str,
) -> (String, String, String) {
    use super::text::escape_markup as esc;
    let (subject, said) = match state {
        ReviewState::Approved => (
            format!("Approved: {what}"),
            "We reviewed it and approved it: it now counts towards your assurance with us.",
        ),
        ReviewState::ChangesRequested => (
            format!("Changes requested: {what}"),
            "We reviewed it and need changes before we can approve it. Please submit a \
             corrected version in the vendor portal.",
        ),
        ReviewState::Rejected => (
            format!("Rejected: {what}"),
            "We reviewed it and could not accept it.",
        ),
        ReviewState::Pending => (format!("Received: {what}"), "It waits for our review."),
    };
    let comment = comment.trim();
    let mut text = format!("You submitted {what} through our vendor portal.\n\n{said}\n");
    if !comment.is_empty() {
        text.push_str(&format!("\nOur reviewer's comment:\n{comment}\n"));
    }
    text.push_str(&format!(
        "\nSee it in the vendor portal: {portal}\n(Ask for a sign-in link there if your \
         session has ended.)\n"
    ));
    let comment_html = if comment.is_empty() {
        String::new()
    } else {
        format!(
            "<p>Our reviewer's comment:</p><blockquote style=\"white-space:pre-wrap\">{}</blockquote>",
            esc(comment)
        )
    };
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{s}</title></head>\
         <body style=\"font-family:system-ui,sans-serif;line-height:1.5;max-width:40rem\">\
         <h1 style=\"font-size:1.25rem\">{s}</h1><p>You submitted {w} through our vendor \
         portal.</p><p>{said}</p>{comment_html}<p><a href=\"{p}\">See it in the vendor \
         portal</a> (ask for a sign-in link there if your session has ended).</p></body></html>",
        s = esc(&subject),
        w = esc(what),
        p = esc(portal),
    );
    (subject, text, html)
}

#[cfg(test)]
mod mail_tests {
    use super::*;

    #[test]
    fn the_decision_mail_says_what_and_why_with_markup_escaped() {
        let (subject, text, html) = decision_mail(
            "SOC 2 Type II by Keel & Partners",
            ReviewState::ChangesRequested,
            "Page 2 <missing>",
            "https://registry.example/vendor",
        );
        assert_eq!(
            subject,
            "Changes requested: SOC 2 Type II by Keel & Partners"
        );
        assert!(
            text.contains("Page 2 <missing>") && text.contains("https://registry.example/vendor")
        );
        assert!(html.contains("Page 2 &lt;missing&gt;") && html.contains("Keel &amp; Partners"));
        assert!(!html.contains("<missing>"));
        let (_, text, html) = decision_mail("X", ReviewState::Approved, "", "https://r/vendor");
        assert!(!text.contains("comment") && !html.contains("blockquote"));
    }
}

/// The weekly reminder to a vendor's contact of what of its vendor's evidence lapses within
/// `within` days (`lapses`, soonest first): subject, text and HTML. Contracts are ours to renew,
/// so they are left out; an empty list sends nothing (`None`).
pub fn reminder_mail(
    vendor: &str,
    lapses: &[super::dashboard::Lapse],
    within: u32,
    portal: &str,
) -> Option<(String, String, String)> {
    use super::{dashboard::LapseKind, text::escape_markup as esc};
    let theirs: Vec<_> = lapses
        .iter()
        .filter(|l| l.kind != LapseKind::Contract)
        .collect();
    if theirs.is_empty() {
        return None;
    }
    let subject = format!(
        "{vendor}: {} item(s) of evidence lapse within {within} days",
        theirs.len()
    );
    let mut text = format!(
        "What {vendor} holds with us lapses soon. Please send the renewed evidence through our \
         vendor portal before the last valid day:\n\n"
    );
    let mut items = String::new();
    for l in &theirs {
        text.push_str(&format!(
            "- {} (last valid day {}): {}\n",
            l.kind.label(),
            l.on,
            l.what
        ));
        items.push_str(&format!(
            "<li>{} (last valid day {}): {}</li>",
            esc(l.kind.label()),
            l.on,
            esc(&l.what)
        ));
    }
    text.push_str(&format!(
        "\nVendor portal: {portal}\n(Ask for a sign-in link there if your session has ended.) \
         You get this reminder at most once a week while something lapses.\n"
    ));
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{s}</title></head>\
         <body style=\"font-family:system-ui,sans-serif;line-height:1.5;max-width:40rem\">\
         <h1 style=\"font-size:1.25rem\">{s}</h1><p>What {v} holds with us lapses soon. Please \
         send the renewed evidence through our <a href=\"{p}\">vendor portal</a> before the last \
         valid day:</p><ul>{items}</ul><p>You get this reminder at most once a week while \
         something lapses.</p></body></html>",
        s = esc(&subject),
        v = esc(vendor),
        p = esc(portal),
    );
    Some((subject, text, html))
}

#[cfg(test)]
mod reminder_tests {
    use super::*;
    use crate::domain::dashboard::{Lapse, LapseKind};

    fn lapse(kind: LapseKind, what: &str) -> Lapse {
        Lapse {
            slug: "v".into(),
            name: "V & Co".into(),
            kind,
            what: what.into(),
            on: "2026-12-20".parse().expect("day"),
            window: 30,
        }
    }

    #[test]
    fn a_reminder_lists_the_vendors_own_evidence_and_not_our_contracts() {
        let (subject, text, html) = reminder_mail(
            "V & Co",
            &[
                lapse(
                    LapseKind::Attestation,
                    "VPAP attestation approved 2025-12-20",
                ),
                lapse(LapseKind::Contract, "DPA REF-1"),
            ],
            30,
            "https://r.example/vendor",
        )
        .expect("a mail");
        assert_eq!(
            subject,
            "V & Co: 1 item(s) of evidence lapse within 30 days"
        );
        assert!(text.contains("Attestation (last valid day 2026-12-20)"));
        assert!(!text.contains("DPA REF-1") && !html.contains("DPA REF-1"));
        assert!(html.contains("V &amp; Co") && text.contains("https://r.example/vendor"));
        assert!(reminder_mail("V", &[lapse(LapseKind::Contract, "x")], 30, "p").is_none());
    }
}
