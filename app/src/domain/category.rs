//! The categories of data a vendor may touch.

use super::ParseError;
use serde::{Deserialize, Serialize};

/// Fixed list of data categories; the code is what URLs, CSV and the database use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DataCategory {
    CustomerData,
    PersonalData,
    SupportData,
}

impl DataCategory {
    pub const ALL: [DataCategory; 3] = [Self::CustomerData, Self::PersonalData, Self::SupportData];

    pub fn code(self) -> &'static str {
        match self {
            Self::CustomerData => "customer",
            Self::PersonalData => "personal",
            Self::SupportData => "support",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::CustomerData => "Customer data",
            Self::PersonalData => "Personal data",
            Self::SupportData => "Support data",
        }
    }

    /// The code or the label (any case), as a spreadsheet may hold either.
    pub fn parse_code_or_label(input: &str) -> Result<Self, ParseError> {
        let s = input.trim();
        Self::ALL
            .into_iter()
            .find(|c| c.label().eq_ignore_ascii_case(s))
            .map_or_else(|| Self::parse(s), Ok)
    }

    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|c| c.code() == s)
            .ok_or_else(|| {
                ParseError(format!(
                    "\"{}\" is not a data category (customer, personal or support).",
                    input.trim()
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for c in DataCategory::ALL {
            assert_eq!(DataCategory::parse(c.code()), Ok(c));
        }
        assert_eq!(
            DataCategory::parse(" Customer "),
            Ok(DataCategory::CustomerData)
        );
        assert!(DataCategory::parse("health").is_err());
    }
}
