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

/// A normalised (trimmed, lower-case) e-mail address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim().to_lowercase();
        let bad = || ParseError(format!("\"{}\" is not an e-mail address.", input.trim()));
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = s.split_once('@').ok_or_else(bad)?;
        if local.is_empty()
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
        {
            return Err(bad());
        }
        Ok(Email(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
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
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
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
}
