//! The wire types of auth: what the browser receives and posts (see `crate::api::auth`).

use crate::domain::account::Role;
use serde::{Deserialize, Serialize};

/// The signed-in person as the browser sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub email: String,
    pub role: Role,
}

/// Setting up two-step sign-in: the secret as text and as a QR code (SVG), and recovery codes
/// to write down (they count once the setup is confirmed with a code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoStepSetup {
    pub account: String,
    pub secret: String,
    pub qr_svg: String,
    pub recovery_codes: Vec<String>,
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
