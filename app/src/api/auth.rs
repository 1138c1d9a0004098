//! Sign-in, sign-out and "who am I". The session rules are in `crate::session`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{domain::account::Role, error::AppError};

#[cfg(feature = "ssr")]
mod ssr;

/// The signed-in person as the browser sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub email: String,
    pub role: Role,
}

/// Where to go after signing in: a local path only (never another site).
pub fn safe_next(next: Option<&str>) -> String {
    let local = |n: &str| {
        let mut chars = n.chars();
        chars.next() == Some('/')
            && !matches!(chars.next(), Some('/' | '\\'))
            && !n
                .chars()
                .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    };
    match next {
        Some(n) if local(n) => n.into(),
        _ => "/manage".into(),
    }
}

#[server(prefix = "/api", endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    ssr::login(&email, password, next.as_deref()).await
}

#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    ssr::logout().await
}

#[server(prefix = "/api", endpoint = "whoami")]
pub async fn whoami() -> Result<Option<Me>, AppError> {
    ssr::whoami().await
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/manage/audit")), "/manage/audit");
        assert_eq!(safe_next(Some("//evil.example")), "/manage");
        assert_eq!(safe_next(Some("https://evil.example")), "/manage");
        assert_eq!(safe_next(Some("/\\evil.example")), "/manage");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/manage");
        assert_eq!(safe_next(Some("/a\nb")), "/manage");
        assert_eq!(safe_next(Some("/")), "/");
        assert_eq!(safe_next(None), "/manage");
    }
}
