//! Accounts: roles, e-mail addresses and the password policy.

use super::{vocabulary::vocabulary, ParseError};

vocabulary!(
    /// What a signed-in person may do.
    Role, "role (admin, manager or auditor)", {
    Admin => ("admin", "Admin"),
    Manager => ("manager", "Vendor manager"),
    Auditor => ("auditor", "Auditor"),
});

impl Role {
    /// Admins and managers change records; auditors only read.
    pub fn can_edit(self) -> bool {
        matches!(self, Role::Admin | Role::Manager)
    }
}

/// A normalised e-mail address: an RFC 5322 addr-spec only (`local@domain`, checked by
/// lettre's parser), trimmed and lower-cased, its domain in ASCII (IDNA). Refused: a display
/// name or angle brackets (`1<victim@x.org>` is not an address but a mailbox with a name, and
/// each name made one more subscription for one inbox), comments, quoted local parts
/// (`"victim"@x.org` is `victim@x.org`), a non-ASCII local part, an IP literal or a domain
/// without a dot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim().to_lowercase();
        let bad = || ParseError(format!("\"{}\" is not an e-mail address.", input.trim()));
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let address: lettre::Address = s.parse().map_err(|_| bad())?;
        let local = address.user();
        // dot-atom only: a quoted local part names the same mailbox as the unquoted one, and
        // non-ASCII local parts need SMTPUTF8 and bring look-alike letters
        const ATEXT: &[u8] = b"!#$%&'*+-/=?^_`{|}~.";
        if local.is_empty()
            || !local
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || ATEXT.contains(&b))
        {
            return Err(bad());
        }
        let domain = idna::domain_to_ascii(address.domain()).map_err(|_| bad())?;
        if domain.is_empty()
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.starts_with('[')
            || domain.parse::<std::net::IpAddr>().is_ok()
            || !domain
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        {
            return Err(bad());
        }
        let email = format!("{local}@{domain}");
        if email.len() > 254 {
            return Err(bad());
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address's domain (ASCII, lower case).
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or_default()
    }

    /// The mailbox this address reaches, for caps and for one subscription per inbox: a
    /// `+tag` is dropped (`victim+a@x.org` is `victim@x.org`), and at Gmail dots in the local
    /// part too (`vic.tim@gmail.com`, `victim@googlemail.com`). Migration 0017 computes the
    /// same key in SQL for the rows stored before it: change both together.
    pub fn mailbox(&self) -> String {
        let (local, domain) = self.0.rsplit_once('@').unwrap_or((self.0.as_str(), ""));
        let local = match local.find('+') {
            Some(i) if i > 0 => &local[..i],
            _ => local,
        };
        if domain == "gmail.com" || domain == "googlemail.com" {
            format!("{}@gmail.com", local.replace('.', ""))
        } else {
            format!("{local}@{domain}")
        }
    }
}

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted (hashing cost stays bounded).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Decides whether a new password is good enough for an account (the server's policy:
/// length and a strength estimate, see `passwords::check_new_password`). Forms take it as an
/// argument so their rules stay pure.
pub type PasswordPolicy = fn(&str, &Email) -> Result<(), ParseError>;

/// A new password's length: 12 to 256 characters (characters, not bytes; hashing cost stays
/// bounded).
pub fn check_length(password: &str) -> Result<(), ParseError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(ParseError(format!(
            "The password must have at least {MIN_PASSWORD_CHARS} characters."
        )));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(ParseError(format!(
            "The password must have at most {MAX_PASSWORD_CHARS} characters."
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email() -> Email {
        Email::parse("Priya.Raman@Example.com").expect("email")
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(email().as_str(), "priya.raman@example.com");
        for bad in [
            "",
            "priya",
            "@example.com",
            "priya@",
            "priya@example",
            "a b@example.com",
            "a@b@c.com",
            "a@.com",
            // display names, angle brackets, comments, quotes, literals: not an addr-spec
            "1<victim@example.org>",
            "<victim@example.org>",
            "Victim <victim@example.org>",
            "victim@example.org (Victim)",
            "(c)victim@example.org",
            "\"victim\"@example.org",
            "\"vic tim\"@example.org",
            "victim@[192.0.2.1]",
            "victim@192.0.2.1",
            "vïctim@example.org",
            "victim@example.org.",
            "victim@exa_mple.org",
            "victim@example.org,other@example.org",
            "victim@example.org\nbcc: other@example.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn unicode_domains_are_kept_in_their_ascii_form() {
        let e = Email::parse("Kim@Bücher.Example").expect("idn");
        assert_eq!(e.as_str(), "kim@xn--bcher-kva.example");
        assert_eq!(e.domain(), "xn--bcher-kva.example");
    }

    #[test]
    fn one_mailbox_whatever_the_tag_case_or_gmail_dots() {
        let key = |s: &str| Email::parse(s).expect(s).mailbox();
        assert_eq!(key("Victim+a@X.org"), "victim@x.org");
        assert_eq!(key("victim@x.org"), "victim@x.org");
        assert_eq!(key("victim+@x.org"), "victim@x.org");
        assert_eq!(
            key("+only@x.org"),
            "+only@x.org",
            "no local part left: kept"
        );
        assert_eq!(key("Vic.Tim+news@googlemail.com"), "victim@gmail.com");
        assert_eq!(
            key("vic.tim@x.org"),
            "vic.tim@x.org",
            "dots count elsewhere"
        );
        assert_eq!(
            Email::parse("a+b@x.org").expect("tag").as_str(),
            "a+b@x.org"
        );
    }

    #[test]
    fn password_length_boundaries() {
        assert!(check_length(&"x".repeat(12)).is_ok(), "12 characters pass");
        assert!(check_length(&"x".repeat(11)).is_err(), "11 characters fail");
        assert!(check_length(&"x".repeat(256)).is_ok());
        assert!(check_length(&"x".repeat(257)).is_err());
        assert!(
            check_length("ünïcödé-pass").is_ok(),
            "characters, not bytes"
        );
    }

    #[test]
    fn roles_parse_and_permissions() {
        assert_eq!(Role::parse("manager"), Ok(Role::Manager));
        assert!(Role::parse("root").is_err());
        assert!(Role::Admin.can_edit() && Role::Manager.can_edit() && !Role::Auditor.can_edit());
    }

    mod mutated {
        //! Generated addresses, mutated the ways a cap could be dodged: each mutation is
        //! either refused or parses to the same mailbox.
        use super::super::Email;
        use proptest::prelude::*;

        fn local() -> impl Strategy<Value = String> {
            "[a-z0-9][a-z0-9_-]{0,10}(\\.[a-z0-9_-]{1,8})?"
        }

        fn domain() -> impl Strategy<Value = String> {
            "[a-z0-9]{1,10}(-[a-z0-9]{1,5})?\\.(org|com|example|co\\.uk)"
        }

        fn case(s: &str, mask: u64) -> String {
            s.chars()
                .enumerate()
                .map(|(i, c)| {
                    if mask >> (i % 64) & 1 == 1 {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    }
                })
                .collect()
        }

        proptest! {
            #[test]
            fn names_brackets_comments_quotes_and_inner_space_are_refused(
                l in local(),
                d in domain(),
                name in "[A-Za-z0-9 .]{0,8}",
                comment in "[a-z ]{0,6}",
                pick in 0usize..9,
            ) {
                let addr = format!("{l}@{d}");
                let mutated = match pick {
                    0 => format!("{name}<{addr}>"),
                    1 => format!("<{addr}>"),
                    2 => format!("\"{name}\" <{addr}>"),
                    3 => format!("{addr}({comment})"),
                    4 => format!("({comment}){addr}"),
                    5 => format!("\"{l}\"@{d}"),
                    6 => format!("{l} @{d}"),
                    7 => format!("{l}@{d}>"),
                    _ => format!("{l}\u{ff20}{d}"),
                };
                prop_assert!(Email::parse(&mutated).is_err(), "{:?} was accepted", mutated);
            }

            #[test]
            fn case_tags_and_outer_space_reach_one_mailbox(
                l in local(),
                d in domain(),
                tag in "[a-z0-9]{0,6}",
                mask in any::<u64>(),
                pad in "[ \t]{0,3}",
            ) {
                let plain = Email::parse(&format!("{l}@{d}")).expect("plain");
                let variant = format!("{pad}{}{pad}", case(&format!("{l}+{tag}@{d}"), mask));
                let v = Email::parse(&variant).expect("a tagged, cased variant is an address");
                prop_assert_eq!(v.mailbox(), plain.mailbox());
                prop_assert_eq!(v.as_str(), format!("{l}+{tag}@{d}"), "lower-cased, tag kept");
            }

            #[test]
            fn unicode_in_the_local_part_is_refused(
                l in local(),
                d in domain(),
                c in "[\u{e0}-\u{ff}\u{430}-\u{44f}]",
            ) {
                let addr = format!("{l}{c}@{d}");
                prop_assert!(Email::parse(&addr).is_err(), "{:?} was accepted", addr);
            }

            #[test]
            fn whatever_is_accepted_is_a_plain_lower_case_addr_spec(s in "\\PC{0,40}") {
                if let Ok(e) = Email::parse(&s) {
                    let a = e.as_str();
                    prop_assert_eq!(a.matches('@').count(), 1);
                    prop_assert!(a.is_ascii() && a == a.to_lowercase());
                    prop_assert!(!a.contains(['<', '>', '(', ')', '"', ' ', ',', '[']));
                    prop_assert_eq!(Email::parse(a), Ok(e.clone()), "parsing is idempotent");
                }
            }
        }
    }
}
