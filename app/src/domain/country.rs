//! Countries as ISO 3166-1 alpha-2 codes.

use super::{iso3166::COUNTRIES, ParseError};
use serde::{Deserialize, Serialize};

/// An assigned ISO 3166-1 alpha-2 code, stored upper case ("DE").
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CountryCode(String);

impl CountryCode {
    /// Accepts any case and surrounding blanks; refuses codes ISO has not assigned.
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let code = input.trim().to_ascii_uppercase();
        if code.len() != 2 || !code.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(ParseError(format!(
                "\"{}\" is not a two-letter country code (ISO 3166-1 alpha-2).",
                input.trim()
            )));
        }
        if COUNTRIES
            .binary_search_by(|(c, _)| (*c).cmp(code.as_str()))
            .is_err()
        {
            return Err(ParseError(format!(
                "\"{code}\" is not an assigned country code."
            )));
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn name(&self) -> &'static str {
        country_name(&self.0).unwrap_or("Unknown country")
    }
}

/// The ISO code of a country given by its code or its English name (any case).
pub fn country_code(input: &str) -> Option<&'static str> {
    let s = input.trim();
    COUNTRIES
        .iter()
        .find(|(c, n)| c.eq_ignore_ascii_case(s) || n.eq_ignore_ascii_case(s))
        .map(|(c, _)| *c)
}

/// The English name of a code, if it is assigned.
pub fn country_name(code: &str) -> Option<&'static str> {
    COUNTRIES
        .binary_search_by(|(c, _)| (*c).cmp(code))
        .ok()
        .map(|i| COUNTRIES[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_for_binary_search() {
        assert!(COUNTRIES.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn parses_any_case() {
        assert_eq!(CountryCode::parse(" de ").map(|c| c.0), Ok("DE".into()));
        assert_eq!(CountryCode::parse("ie").map(|c| c.name()), Ok("Ireland"));
    }

    #[test]
    fn refuses_unassigned_and_malformed() {
        for bad in ["", "D", "DEU", "XX", "1A", "ÄB"] {
            assert!(
                CountryCode::parse(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
    }
}
