//! A vendor's own contacts (the vendor portal, issue 26): the invite form and its rules, what
//! a contact answers for, and how long a mailed sign-in link lasts. Pure: no clock, no store.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{
    fields::{FieldError, Fields},
    text::required_text,
    vocabulary::vocabulary,
    Email,
};

vocabulary!(
    /// What a contact answers for at its vendor.
    ContactRole, "contact role", {
    Privacy => ("privacy", "Privacy"),
    Security => ("security", "Security"),
    Training => ("training", "Training"),
});

/// How long a mailed sign-in link can be used (once).
pub const LINK_LIFETIME: Duration = Duration::days(7);

/// When a link issued at `now` stops working.
pub fn link_expires(now: DateTime<Utc>) -> DateTime<Utc> {
    now + LINK_LIFETIME
}

/// The invite form as posted: `c[vendor]`, `c[name]`, `c[email]`, and a checkbox per role
/// (`c[answers_for][privacy]=on`). Missing fields are empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContactForm {
    /// The vendor's slug.
    pub vendor: String,
    pub name: String,
    pub email: String,
    pub answers_for: BTreeMap<String, String>,
}

/// A contact to invite, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContact {
    pub name: String,
    pub email: Email,
    pub answers_for: Vec<ContactRole>,
}

impl NewContact {
    /// The roles as stored: codes separated by spaces.
    pub fn answers_for_text(&self) -> String {
        roles_text(&self.answers_for)
    }
}

/// Roles as stored: their codes in the list's order, separated by spaces.
pub fn roles_text(roles: &[ContactRole]) -> String {
    roles.iter().map(|r| r.code()).collect::<Vec<_>>().join(" ")
}

/// Stored roles back as labels ("Privacy, Training"); an unknown code is shown as it is.
pub fn roles_label(stored: &str) -> String {
    stored
        .split_whitespace()
        .map(|c| ContactRole::parse(c).map_or_else(|_| c.to_string(), |r| r.label().into()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl ContactForm {
    /// The contact this form describes, every refused field named. At least one role: a
    /// contact is invited to answer for something.
    pub fn parse(&self) -> Result<NewContact, Vec<FieldError>> {
        let mut f = Fields::default();
        let name = f.take("name", required_text("Name", &self.name, 200));
        let email = f.take("email", Email::parse(&self.email));
        let mut answers_for = Vec::new();
        for (code, on) in &self.answers_for {
            if on.is_empty() || on == "off" {
                continue;
            }
            if let Some(role) = f.take("answers_for", ContactRole::parse(code)) {
                answers_for.push(role);
            }
        }
        answers_for.sort();
        answers_for.dedup();
        if answers_for.is_empty() && !f.has_field("answers_for") {
            f.push(
                "answers_for",
                "Choose what the contact answers for: privacy, security or training.",
            );
        }
        let contact = match (name, email) {
            (Some(name), Some(email)) => Some(NewContact {
                name,
                email,
                answers_for,
            }),
            _ => None,
        };
        f.into_result(contact)
    }
}

/// A mailed link's state, as its page shows it before anything is done with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkState {
    /// Unused and in time: the page shows Continue.
    Good,
    /// Used already, expired, replaced, or never issued: one answer for all (nobody learns
    /// which), with the form to ask for a new link.
    NotValid,
}

/// The sentence for a link that does not work (one for every reason).
pub const LINK_NOT_VALID: &str = "This sign-in link does not work: it was used already, has \
     expired or is not known. Ask for a new one below.";

/// The one answer to a request for a link, whatever the address.
pub const LINK_ASKED: &str = "If this address belongs to a vendor contact, a sign-in link is \
     on its way. It works once, within 7 days.";

#[cfg(test)]
mod tests {
    use super::*;

    fn form(name: &str, email: &str, roles: &[&str]) -> ContactForm {
        ContactForm {
            vendor: "acme".into(),
            name: name.into(),
            email: email.into(),
            answers_for: roles.iter().map(|r| (r.to_string(), "on".into())).collect(),
        }
    }

    #[test]
    fn a_good_invite_parses_with_its_roles_in_order() {
        let c = form(
            " Ada Lovelace ",
            "Ada@Vendor.example",
            &["training", "privacy"],
        )
        .parse()
        .expect("valid");
        assert_eq!(c.name, "Ada Lovelace");
        assert_eq!(c.email.mailbox(), "ada@vendor.example");
        assert_eq!(
            c.answers_for,
            vec![ContactRole::Privacy, ContactRole::Training]
        );
        assert_eq!(c.answers_for_text(), "privacy training");
        assert_eq!(roles_label("privacy training"), "Privacy, Training");
    }

    #[test]
    fn every_refused_field_is_named() {
        let errors = form("", "not an address", &[])
            .parse()
            .expect_err("refused");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["name", "email", "answers_for"]);
        let errors = form("Ada", "ada@vendor.example", &[])
            .parse()
            .expect_err("no role");
        assert_eq!(errors[0].field, "answers_for");
        let errors = form("Ada", "ada@vendor.example", &["root"])
            .parse()
            .expect_err("unknown role");
        assert_eq!(errors[0].field, "answers_for");
        assert!(errors[0].message.contains("root"), "{errors:?}");
    }

    #[test]
    fn an_unchecked_box_is_not_a_role() {
        let mut f = form("Ada", "ada@vendor.example", &["security"]);
        f.answers_for.insert("privacy".into(), "off".into());
        let c = f.parse().expect("valid");
        assert_eq!(c.answers_for, vec![ContactRole::Security]);
    }

    #[test]
    fn a_link_lasts_seven_days() {
        let now: DateTime<Utc> = "2026-12-06T10:00:00Z".parse().expect("time");
        assert_eq!(
            link_expires(now),
            "2026-12-13T10:00:00Z"
                .parse::<DateTime<Utc>>()
                .expect("time")
        );
    }
}
