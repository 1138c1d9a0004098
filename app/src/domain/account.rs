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

const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// Check a new password against the policy: 12 to 256 characters, not a well-known password,
/// not the account's own e-mail. Returns the reason it is refused.
pub fn check_new_password(password: &str, email: &Email) -> Result<(), ParseError> {
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
    let lower = password.to_lowercase();
    if COMMON_PASSWORDS.lines().any(|p| p.trim() == lower) {
        return Err(ParseError(
            "This password is too common; choose another.".into(),
        ));
    }
    let local = email.as_str().split('@').next().unwrap_or_default();
    if lower == email.as_str() || lower == local {
        return Err(ParseError(
            "The password cannot be your e-mail address.".into(),
        ));
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
    fn password_policy_boundaries() {
        assert!(
            check_new_password("eleven chars", &email()).is_ok(),
            "12 characters pass"
        );
        assert!(
            check_new_password("elevenchars", &email()).is_err(),
            "11 characters fail"
        );
        assert!(check_new_password(&"x".repeat(256), &email()).is_ok());
        assert!(check_new_password(&"x".repeat(257), &email()).is_err());
        assert!(
            check_new_password("Password1234", &email()).is_err(),
            "common, any case"
        );
        assert!(check_new_password("priya.raman@example.com", &email()).is_err());
        assert!(
            check_new_password("ünïcödé-pässwörd", &email()).is_ok(),
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
