//! The account forms: an admin adds or changes an account, a person changes their password.

use serde::{Deserialize, Serialize};

use crate::domain::{
    account::{PasswordPolicy, Role},
    fields::{FieldError, Fields},
    Email,
};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NewUserForm {
    pub email: String,
    pub role: String,
    pub password: String,
}

/// A change to one account at the version shown; an empty password keeps the current one.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct UserForm {
    pub id: i64,
    pub version: i64,
    pub role: String,
    pub disabled: String,
    pub password: String,
}

/// A signed-in person changes their own password; their other sessions end.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    pub current: String,
    pub new: String,
}

/// What an admin's change to an account asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountChange {
    pub role: Role,
    pub disabled: bool,
    /// A new password to set, checked against the policy.
    pub password: Option<String>,
}

impl NewUserForm {
    pub fn parse(&self, policy: PasswordPolicy) -> Result<(Email, Role), Vec<FieldError>> {
        let mut f = Fields::default();
        let email = f.take("email", Email::parse(&self.email));
        let role = f.take("role", Role::parse(&self.role));
        if let Some(e) = &email {
            f.take("password", policy(&self.password, e));
        }
        let parsed = (|| Some((email?, role?)))();
        f.into_result(parsed)
    }
}

impl UserForm {
    /// `email` is the account's own address (a password may not equal it); `is_me` says the
    /// admin is changing their own account, which may not lose its admin role or be disabled.
    pub fn parse(
        &self,
        email: &Email,
        is_me: bool,
        policy: PasswordPolicy,
    ) -> Result<AccountChange, Vec<FieldError>> {
        let mut f = Fields::default();
        let role = f.take("role", Role::parse(&self.role));
        let disabled = !self.disabled.is_empty();
        if is_me && (disabled || role.is_some_and(|r| r != Role::Admin)) {
            f.push(
                "role",
                "You cannot disable your own account or remove your own admin role.",
            );
        }
        let password = (!self.password.is_empty()).then(|| self.password.clone());
        if let Some(p) = &password {
            f.take("password", policy(p, email));
        }
        let change = role.map(|role| AccountChange {
            role,
            disabled,
            password,
        });
        f.into_result(change)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fields::refused as fields;

    fn email() -> Email {
        Email::parse("kim@example.test").expect("email")
    }

    /// A stand-in policy for the tests: long enough, and not the e-mail.
    fn policy(p: &str, e: &Email) -> Result<(), crate::domain::ParseError> {
        crate::domain::account::check_length(p)?;
        if p == e.as_str() {
            return Err(crate::domain::ParseError("the e-mail".into()));
        }
        Ok(())
    }

    #[test]
    fn new_accounts_need_an_address_a_role_and_a_good_password() {
        let ok = NewUserForm {
            email: " Kim@Example.test ".into(),
            role: "auditor".into(),
            password: "a long enough passphrase".into(),
        };
        assert_eq!(ok.parse(policy), Ok((email(), Role::Auditor)));
        let bad = NewUserForm {
            email: "kim".into(),
            role: "root".into(),
            password: "short".into(),
        };
        assert_eq!(fields(bad.parse(policy)), ["email", "role"]);
        let weak = NewUserForm {
            password: "short".into(),
            ..ok
        };
        assert_eq!(fields(weak.parse(policy)), ["password"]);
    }

    #[test]
    fn admins_keep_their_own_admin_role() {
        let own = UserForm {
            role: "manager".into(),
            ..Default::default()
        };
        assert_eq!(fields(own.parse(&email(), true, policy)), ["role"]);
        let disable_self = UserForm {
            role: "admin".into(),
            disabled: "on".into(),
            ..Default::default()
        };
        assert_eq!(fields(disable_self.parse(&email(), true, policy)), ["role"]);
        let other = UserForm {
            role: "manager".into(),
            disabled: "on".into(),
            password: "kim@example.test".into(),
            ..Default::default()
        };
        assert_eq!(fields(other.parse(&email(), false, policy)), ["password"]);
        let reset = UserForm {
            password: "another long passphrase".into(),
            ..other
        };
        assert_eq!(
            reset.parse(&email(), false, policy),
            Ok(AccountChange {
                role: Role::Manager,
                disabled: true,
                password: Some("another long passphrase".into())
            })
        );
    }
}
