//! Trust documents (issue 27): our audit reports and certificates, shared with customers by
//! access level. Pure rules: what a manager's document form and a customer's request mean,
//! when a version is current, what an access opens, the stamp's words.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{
    account::Email,
    dates::{optional_date, required_date},
    fields::{FieldError, Fields},
    text::{optional_text, required_text, Slug},
    vocabulary::vocabulary,
};

vocabulary!(
    /// Who may download a document.
    AccessLevel, "access level (public, agreement or approval)", {
    Public => ("public", "Public"),
    Agreement => ("agreement", "After accepting the agreement"),
    Approval => ("approval", "After a manager approves"),
});

vocabulary!(
    /// What a document is.
    TrustKind, "kind of document", {
    Soc2 => ("soc2", "SOC 2 Type II report"),
    Iso27001 => ("iso27001", "ISO/IEC 27001 certificate"),
    Iso27701 => ("iso27701", "ISO/IEC 27701 certificate"),
    Vpap => ("vpap", "VPAP program assessment"),
    Pentest => ("pentest", "Penetration test summary"),
    Dpa => ("dpa", "Data processing agreement and SCCs"),
    BridgeLetter => ("bridge_letter", "Bridge letter"),
    Other => ("other", "Other"),
});

/// Days an access lasts unless `TRUST_ACCESS_DAYS` says otherwise.
pub const ACCESS_DAYS: u32 = 30;
/// Days a requester's personal data is kept unless `TRUST_RETENTION_DAYS` says otherwise.
pub const RETENTION_DAYS: u32 = 730;
/// Hours a mailed link works.
pub const LINK_HOURS: i64 = 48;
/// Days before a document's end of validity that the dashboard lists it.
pub const EXPIRING_DAYS: i64 = 90;

/// The operator's settings for trust documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustSettings {
    /// `TRUST_ACCESS_DAYS`.
    pub access_days: u32,
    /// `TRUST_RETENTION_DAYS`.
    pub retention_days: u32,
    /// `TRUST_APPROVED_DOMAINS`: e-mail domains whose approval-level requests are approved
    /// when their mailed link is confirmed (exact match, lower case).
    pub approved_domains: Vec<String>,
}

impl Default for TrustSettings {
    fn default() -> Self {
        TrustSettings {
            access_days: ACCESS_DAYS,
            retention_days: RETENTION_DAYS,
            approved_domains: Vec::new(),
        }
    }
}

impl TrustSettings {
    /// `TRUST_APPROVED_DOMAINS` as written (`customer.example, other.example`).
    pub fn parse_domains(s: &str) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        for d in s.split(',').map(str::trim).filter(|d| !d.is_empty()) {
            let ascii = idna::domain_to_ascii(d).map_err(|_| format!("{d}: not a domain"))?;
            if !ascii.contains('.') || ascii.starts_with('.') || ascii.contains('@') {
                return Err(format!("{d}: not a domain (write example.com)"));
            }
            out.push(ascii);
        }
        Ok(out)
    }

    /// Whether requests from `email`'s domain are approved without a manager (exact domain:
    /// `sub.customer.example` is not `customer.example`).
    pub fn approves(&self, email: &Email) -> bool {
        self.approved_domains.iter().any(|d| d == email.domain())
    }
}

/// Where a version stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Validity {
    Current,
    /// Ends within [`EXPIRING_DAYS`]: the days left.
    Expiring(i64),
    Expired,
}

pub fn validity(valid_until: Option<NaiveDate>, today: NaiveDate) -> Validity {
    match valid_until {
        None => Validity::Current,
        Some(end) if end < today => Validity::Expired,
        Some(end) if (end - today).num_days() <= EXPIRING_DAYS => {
            Validity::Expiring((end - today).num_days())
        }
        Some(_) => Validity::Current,
    }
}

/// A manager's document form (a multipart upload's text fields).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DocumentForm {
    pub title: String,
    pub kind: String,
    pub covers: String,
    pub issuer: String,
    pub access: String,
    pub period_start: String,
    pub period_end: String,
    pub issued_on: String,
    pub valid_until: String,
    /// The slug of the report a bridge letter extends.
    pub bridges: String,
}

/// What a document is (the version's own dates in [`VersionDates`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentInfo {
    pub slug: Slug,
    pub title: String,
    pub kind: TrustKind,
    pub covers: String,
    pub issuer: String,
    pub access: AccessLevel,
    pub bridges: Option<Slug>,
}

/// A version's period and validity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionDates {
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub issued_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
}

impl DocumentForm {
    /// The document and its version's dates, or each field's error.
    pub fn parse(&self) -> Result<(DocumentInfo, VersionDates), Vec<FieldError>> {
        let mut f = Fields::default();
        let title = f.take("title", required_text("The title", &self.title, 200));
        let slug = title
            .as_deref()
            .and_then(|t| f.take("title", Slug::from_name(t)));
        let kind = f.take("kind", TrustKind::parse(&self.kind));
        let covers = f.take("covers", optional_text("What it covers", &self.covers, 500));
        let issuer = f.take("issuer", optional_text("The issuer", &self.issuer, 200));
        let access = f.take("access", AccessLevel::parse(&self.access));
        let bridges = if self.bridges.trim().is_empty() {
            Some(None)
        } else {
            f.take("bridges", Slug::parse(self.bridges.trim()))
                .map(Some)
        };
        let dates = self.dates(&mut f);
        if kind == Some(TrustKind::BridgeLetter) && bridges == Some(None) {
            f.push("bridges", "Name the report this bridge letter extends.");
        }
        let parsed = (|| {
            Some((
                DocumentInfo {
                    slug: slug?,
                    title: title?,
                    kind: kind?,
                    covers: covers?.unwrap_or_default(),
                    issuer: issuer?.unwrap_or_default(),
                    access: access?,
                    bridges: bridges?,
                },
                dates?,
            ))
        })();
        f.into_result(parsed)
    }

    /// A new version's dates alone (the document's other fields stay as they are).
    pub fn parse_dates(&self) -> Result<VersionDates, Vec<FieldError>> {
        let mut f = Fields::default();
        let dates = self.dates(&mut f);
        f.into_result(dates)
    }

    fn dates(&self, f: &mut Fields) -> Option<VersionDates> {
        let start = f.take(
            "period_start",
            optional_date("the period's start", &self.period_start),
        );
        let end = f.take(
            "period_end",
            optional_date("the period's end", &self.period_end),
        );
        let issued = f.take(
            "issued_on",
            required_date("the issue date", &self.issued_on),
        );
        let until = f.take(
            "valid_until",
            optional_date("the end of validity", &self.valid_until),
        );
        if let (Some(Some(s)), Some(Some(e))) = (start, end) {
            if e < s {
                f.push("period_end", "The period ends before it starts.");
            }
        }
        if let (Some(i), Some(Some(u))) = (issued, until) {
            if u < i {
                f.push(
                    "valid_until",
                    "The document is valid until a day before it was issued.",
                );
            }
        }
        Some(VersionDates {
            period_start: start?,
            period_end: end?,
            issued_on: issued?,
            valid_until: until?,
        })
    }
}

/// A customer's request form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RequestForm {
    pub name: String,
    pub email: String,
    pub organisation: String,
    /// The documents wanted: `r[document][slug]=on`.
    pub document: std::collections::BTreeMap<String, String>,
    /// `yes` when the agreement's box is ticked.
    pub accept: String,
    /// The agreement version shown on the page (a newer one since: asked again).
    pub agreement: String,
}

/// A parsed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    pub name: String,
    pub email: Email,
    pub organisation: String,
    pub documents: Vec<Slug>,
    pub agreement_version: i64,
}

/// Most documents one request names.
pub const MAX_REQUESTED: usize = 50;

impl RequestForm {
    /// The request, given the slugs that may be requested and the current agreement version.
    pub fn parse(
        &self,
        requestable: &[String],
        agreement: i64,
    ) -> Result<NewRequest, Vec<FieldError>> {
        let mut f = Fields::default();
        let name = f.take("name", required_text("Your name", &self.name, 120));
        let email = f.take("email", Email::parse(&self.email));
        let organisation = f.take(
            "organisation",
            required_text("Your organisation", &self.organisation, 120),
        );
        let mut documents: Vec<Slug> = Vec::new();
        let wanted = self
            .document
            .iter()
            .filter(|(_, on)| on.as_str() == "on")
            .map(|(d, _)| d);
        for d in wanted.take(MAX_REQUESTED + 1) {
            match Slug::parse(d.trim()) {
                Ok(s) if requestable.iter().any(|r| r == s.as_str()) => {
                    if !documents.contains(&s) {
                        documents.push(s)
                    }
                }
                _ => f.push(
                    "document",
                    "One of the chosen documents is not offered; choose from the list.",
                ),
            }
        }
        if documents.is_empty() && !f.has_field("document") {
            f.push("document", "Choose at least one document.");
        }
        if documents.len() > MAX_REQUESTED {
            f.push(
                "document",
                format!("Choose at most {MAX_REQUESTED} documents."),
            );
        }
        if self.accept.trim() != "yes" {
            f.push("accept", "Accept the agreement to request access.");
        } else if self.agreement.trim() != agreement.to_string() {
            f.push(
                "accept",
                "The agreement changed while you were reading it; read the new text and accept it.",
            );
        }
        let parsed = (|| {
            Some(NewRequest {
                name: name?,
                email: email?,
                organisation: organisation?,
                documents,
                agreement_version: agreement,
            })
        })();
        f.into_result(parsed)
    }
}

/// What confirming a request's mailed link opens: the documents of agreement level (and
/// those of approval level when the requester's domain is approved), and what still waits
/// for a manager.
pub fn opens_on_confirm(
    asked: &[(i64, AccessLevel)],
    domain_approved: bool,
) -> (Vec<i64>, Vec<i64>) {
    let mut open = Vec::new();
    let mut waiting = Vec::new();
    for (id, level) in asked {
        match level {
            AccessLevel::Approval if !domain_approved => waiting.push(*id),
            _ => open.push(*id),
        }
    }
    (open, waiting)
}

/// The line stamped on every page of a PDF served through an access.
pub fn stamp_text(name: &str, organisation: &str, day: NaiveDate, code: &str) -> String {
    format!("Provided to {name}, {organisation} on {day}; confidential; access {code}")
}

/// A fresh access code, short enough to read off a page (`AB12-CD34`): 40 random bits in
/// Crockford's base-32 (no I, L, O, U).
pub fn access_code(random: [u8; 5]) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut n = random.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b));
    let mut chars = [0u8; 8];
    for c in chars.iter_mut().rev() {
        *c = ALPHABET[(n & 31) as usize];
        n >>= 5;
    }
    let s = String::from_utf8_lossy(&chars).to_string();
    format!("{}-{}", &s[..4], &s[4..])
}

/// When an access opened at `now` ends.
pub fn access_ends(now: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    now + chrono::Duration::days(i64::from(days.max(1)))
}

/// The SHA-256 (hex) of an agreement's text, as accepted.
#[cfg(feature = "ssr")]
pub fn agreement_sha256(body: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(body.as_bytes()))
}

/// The agreement a fresh installation offers until a manager writes its own.
pub const DEFAULT_AGREEMENT: &str = "Confidentiality agreement for security documents\n\n\
1. The documents are confidential. You may use them only to assess our services for your \
organisation, and share them only with your employees and advisers who need them for that \
purpose and are bound by confidentiality.\n\
2. You will not publish the documents, or pass them to anyone else, in whole or in part.\n\
3. Each copy is marked with your name, your organisation, the day and an access code; we keep \
a record of each download.\n\
4. This agreement lasts for three years from your acceptance. We may end your access at any \
time; the confidentiality obligations survive it.";

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("a test value")
    }

    #[test]
    fn validity_is_current_expiring_within_90_days_or_expired() {
        let today = day("2026-12-07");
        assert_eq!(validity(None, today), Validity::Current);
        assert_eq!(validity(Some(day("2027-06-01")), today), Validity::Current);
        assert_eq!(
            validity(Some(day("2027-03-07")), today),
            Validity::Expiring(90)
        );
        assert_eq!(
            validity(Some(day("2026-12-07")), today),
            Validity::Expiring(0)
        );
        assert_eq!(validity(Some(day("2026-12-06")), today), Validity::Expired);
    }

    #[test]
    fn a_request_names_offered_documents_and_the_agreement_shown() {
        let offered = vec!["soc-2-report".to_string()];
        let good = RequestForm {
            name: "Zoë Müller".into(),
            email: "Zoe@Customer.Example".into(),
            organisation: "Customer GmbH".into(),
            document: [("soc-2-report".to_string(), "on".to_string())].into(),
            accept: "yes".into(),
            agreement: "3".into(),
        };
        let r = good.parse(&offered, 3).expect("a test value");
        assert_eq!(r.email.as_str(), "zoe@customer.example");
        assert_eq!(r.documents.len(), 1);
        let e = good.parse(&offered, 4).expect_err("refused");
        assert_eq!(e[0].field, "accept");
        let bad = RequestForm {
            document: [("secret-plans".to_string(), "on".to_string())].into(),
            accept: String::new(),
            email: "1<victim@x.org>".into(),
            ..good
        };
        let fields: Vec<_> = bad
            .parse(&offered, 3)
            .expect_err("refused")
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["email", "document", "accept"]);
    }

    #[test]
    fn confirming_opens_agreement_documents_and_approval_ones_only_for_approved_domains() {
        let asked = [(1, AccessLevel::Agreement), (2, AccessLevel::Approval)];
        assert_eq!(opens_on_confirm(&asked, false), (vec![1], vec![2]));
        assert_eq!(opens_on_confirm(&asked, true), (vec![1, 2], vec![]));
        let s = TrustSettings {
            approved_domains: TrustSettings::parse_domains(" customer.example, Bücher.example")
                .expect("a test value"),
            ..TrustSettings::default()
        };
        assert!(s.approves(&Email::parse("a@customer.example").expect("a test value")));
        assert!(!s.approves(&Email::parse("a@sub.customer.example").expect("a test value")));
        assert!(s.approves(&Email::parse("a@xn--bcher-kva.example").expect("a test value")));
        assert!(TrustSettings::parse_domains("a@b.example").is_err());
    }

    #[test]
    fn document_forms_need_a_title_kind_access_and_issue_date() {
        let form = DocumentForm {
            title: "SOC 2 Type II report 2026".into(),
            kind: "soc2".into(),
            access: "agreement".into(),
            issued_on: "2026-11-30".into(),
            period_start: "2025-10-01".into(),
            period_end: "2026-09-30".into(),
            valid_until: "2027-11-30".into(),
            ..DocumentForm::default()
        };
        let (doc, dates) = form.parse().expect("a test value");
        assert_eq!(doc.slug.as_str(), "soc-2-type-ii-report-2026");
        assert_eq!(dates.valid_until, Some(day("2027-11-30")));
        let bad = DocumentForm {
            kind: "bridge_letter".into(),
            period_end: "2024-01-01".into(),
            ..form
        };
        let fields: Vec<_> = bad
            .parse()
            .expect_err("refused")
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["period_end", "bridges"]);
    }

    #[test]
    fn access_codes_are_two_groups_of_four_readable_characters() {
        assert_eq!(access_code([0, 0, 0, 0, 0]), "0000-0000");
        assert_eq!(access_code([255; 5]), "ZZZZ-ZZZZ");
        let c = access_code([1, 2, 3, 4, 5]);
        assert_eq!(c.len(), 9);
        assert!(!c.contains(['I', 'L', 'O', 'U']));
        assert_eq!(
            stamp_text("Zoë", "Customer GmbH", day("2026-12-07"), &c),
            format!("Provided to Zoë, Customer GmbH on 2026-12-07; confidential; access {c}")
        );
    }
}
