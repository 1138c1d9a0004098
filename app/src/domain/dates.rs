//! Dates as people type them: `YYYY-MM-DD` with a year from 1990 to 2200. Stored dates are
//! text and must sort as dates, which signed or five-digit years would not.

use chrono::{Datelike, NaiveDate};

use super::ParseError;

/// A `YYYY-MM-DD` day from 1990 to 2200, or `None`.
pub fn parse_day(s: &str) -> Option<NaiveDate> {
    shaped_day(s).filter(|d| (1990..=2200).contains(&d.year()))
}

/// A `YYYY-MM-DD` day of any four-digit year.
fn shaped_day(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let shaped = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    s.parse().ok().filter(|_| shaped)
}

/// What a value `parse_day` refused should have been, for a message ("... is not {}"):
/// a well-written day outside the years is told so, rather than how to write a date.
pub fn expected_day(s: &str) -> &'static str {
    if shaped_day(s).is_some() {
        "a date from 1990 to 2200"
    } else {
        "a date (YYYY-MM-DD)"
    }
}

/// A required date field; `label` names it in the message ("the completion date").
pub fn required_date(label: &str, s: &str) -> Result<NaiveDate, ParseError> {
    if s.trim().is_empty() {
        return Err(ParseError(format!("{label} is required.")));
    }
    parse_day(s).ok_or_else(|| {
        ParseError(format!(
            "Enter {label} as a date, YYYY-MM-DD, between 1990 and 2200."
        ))
    })
}

/// An optional date field: empty is `None`.
pub fn optional_date(label: &str, s: &str) -> Result<Option<NaiveDate>, ParseError> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        required_date(label, s).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_iso_and_bounded() {
        assert_eq!(parse_day(" 2026-03-01 "), "2026-03-01".parse().ok());
        for bad in [
            "2026-3-1",
            "yesterday",
            "1989-12-31",
            "2201-01-01",
            "2026-02-30",
            "+2026-01-01",
        ] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_refused_day_is_told_what_was_wrong() {
        assert_eq!(expected_day("2999-01-01"), "a date from 1990 to 2200");
        assert_eq!(expected_day("1989-12-31"), "a date from 1990 to 2200");
        for bad in ["2026-3-1", "yesterday", "2026-02-30", "01/02/2026"] {
            assert_eq!(expected_day(bad), "a date (YYYY-MM-DD)", "{bad}");
        }
    }

    #[test]
    fn fields_say_what_is_wrong() {
        assert_eq!(
            required_date("the date", " "),
            Err(ParseError("the date is required.".into()))
        );
        assert!(required_date("the date", "01/02/2026").is_err_and(|e| e.0.contains("YYYY-MM-DD")));
        assert_eq!(optional_date("the date", ""), Ok(None));
        assert!(optional_date("the date", "2026-01-01").is_ok_and(|d| d.is_some()));
    }
}
