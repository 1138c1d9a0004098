//! Validated text: URL slugs and required names; text escaped for markup.

use super::ParseError;
use serde::{Deserialize, Serialize};

/// A URL-safe identifier for a vendor page: 1 to 80 characters of `a-z`, `0-9` and single `-`
/// between them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Slug(String);

impl Slug {
    pub const MAX_LEN: usize = 80;

    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(ParseError("A slug is required.".into()));
        }
        if s.len() > Self::MAX_LEN {
            return Err(ParseError(format!(
                "A slug is at most {} characters.",
                Self::MAX_LEN
            )));
        }
        let valid_chars = s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid_chars || s.starts_with('-') || s.ends_with('-') || s.contains("--") {
            return Err(ParseError(
                "A slug uses lowercase letters, digits and single hyphens between them.".into(),
            ));
        }
        Ok(Self(s.to_string()))
    }

    /// Derive a slug from a name: lowercase ASCII letters and digits, everything else becomes `-`.
    pub fn from_name(name: &str) -> Result<Self, ParseError> {
        let mut out = String::new();
        for c in name.chars().flat_map(fold_accent) {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
        }
        let trimmed: String = out
            .trim_end_matches('-')
            .chars()
            .take(Self::MAX_LEN)
            .collect();
        Self::parse(trimmed.trim_end_matches('-'))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Fold the common Latin accents so "Société Générale" gives "societe-generale".
fn fold_accent(c: char) -> Vec<char> {
    let base = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'a',
        'ç' | 'Ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
        'ñ' | 'Ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
        'ý' | 'ÿ' | 'Ý' => 'y',
        'ß' => return vec!['s', 's'],
        other => other,
    };
    vec![base]
}

/// Text that must be present: trimmed, not empty, at most `max` characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NonEmptyText(String);

impl NonEmptyText {
    pub fn parse(field: &str, input: &str, max: usize) -> Result<Self, ParseError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(ParseError(format!("{field} is required.")));
        }
        if s.chars().count() > max {
            return Err(ParseError(format!("{field} is at most {max} characters.")));
        }
        if s.chars().any(|c| c.is_control()) {
            return Err(ParseError(format!(
                "{field} cannot contain control characters."
            )));
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `s` escaped for HTML or XML content and attribute values (`& < > " '`): the mails' HTML
/// part and the dashboard's SVG, which are written as text rather than through the view.
pub fn escape_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A required text field as stored: trimmed, 1 to `max` characters, no control characters.
pub fn required_text(label: &str, s: &str, max: usize) -> Result<String, ParseError> {
    NonEmptyText::parse(label, s, max).map(|t| t.0)
}

/// An optional text field: empty is `None`, otherwise as [`required_text`].
pub fn optional_text(label: &str, s: &str, max: usize) -> Result<Option<String>, ParseError> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        required_text(label, s, max).map(Some)
    }
}

/// An optional web address: a full `https://` (or `http://`) address without spaces.
pub fn website(s: &str) -> Result<Option<String>, ParseError> {
    let w = optional_text("Website", s, 300)?;
    match &w {
        Some(u) if !(u.starts_with("https://") || u.starts_with("http://")) || u.contains(' ') => {
            Err(ParseError(
                "Enter the website as a full address starting with https://.".into(),
            ))
        }
        _ => Ok(w),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped_in_content_and_attributes() {
        assert_eq!(
            escape_markup(r#"<a href="x">Tom & Jerry's</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
        );
        assert_eq!(escape_markup("Société GmbH"), "Société GmbH");
    }

    #[test]
    fn slug_accepts_lowercase_digits_and_hyphens() {
        assert_eq!(
            Slug::parse("acme-cloud-2").map(|s| s.0),
            Ok("acme-cloud-2".into())
        );
    }

    #[test]
    fn slug_rejects_bad_shapes() {
        for bad in [
            "",
            "  ",
            "Acme",
            "acme cloud",
            "-acme",
            "acme-",
            "ac--me",
            "acmé",
            "a/b",
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(Slug::parse(&"a".repeat(81)).is_err());
        assert!(Slug::parse(&"a".repeat(80)).is_ok());
    }

    #[test]
    fn slug_from_name_folds_accents_and_punctuation() {
        assert_eq!(
            Slug::from_name("Société Générale S.A.").map(|s| s.0),
            Ok("societe-generale-s-a".into())
        );
        assert_eq!(
            Slug::from_name("  Straße & Co. ").map(|s| s.0),
            Ok("strasse-co".into())
        );
        assert!(Slug::from_name("!!!").is_err());
    }

    #[test]
    fn non_empty_text_trims_and_bounds() {
        assert_eq!(
            NonEmptyText::parse("Legal name", "  Acme  ", 10).map(|t| t.0),
            Ok("Acme".into())
        );
        assert_eq!(
            NonEmptyText::parse("Legal name", "   ", 10),
            Err(ParseError("Legal name is required.".into()))
        );
        assert!(NonEmptyText::parse("Legal name", "abcdefghijk", 10).is_err());
        assert!(NonEmptyText::parse("Legal name", "a\u{0}b", 10).is_err());
    }

    #[test]
    fn optional_text_and_websites() {
        assert_eq!(optional_text("Trading name", "  ", 10), Ok(None));
        assert_eq!(
            optional_text("Trading name", " Acme ", 10),
            Ok(Some("Acme".into()))
        );
        assert!(optional_text("Trading name", "a\tb", 10).is_err());
        assert_eq!(website(""), Ok(None));
        assert_eq!(
            website("https://acme.example"),
            Ok(Some("https://acme.example".into()))
        );
        assert!(website("acme.example").is_err());
        assert!(website("https://acme example").is_err());
    }
}
