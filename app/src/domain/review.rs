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
