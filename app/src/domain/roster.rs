//! A vendor's training roster (issue 26): the people with access to customer data, the course
//! each completed and when. An approved roster is the vendor's current list: compared with the
//! training records in force, each person and course is added, changed (a newer completion or
//! another name), unchanged, or no longer listed (their records end on approval).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{
    assurance::TrainingRecord,
    forms::{Courses, TrainingForm},
    import::Sheet,
};

/// The columns of a roster file (any order; `vendor_slug`, if present, must name the vendor).
pub const ROSTER_COLUMNS: [&str; 4] = ["person_name", "person_email", "course", "completed_on"];

/// Most people one roster may list.
pub const MAX_PEOPLE: usize = 10_000;

/// The people of a roster file's sheet (the first whose header has `person_email`), each row
/// read as the training form reads it, for the vendor `slug`; or every refusal, as
/// "Line N, column: why" (the first [`super::MAX_MESSAGES`], then a count).
pub fn read_roster(
    sheets: &[Sheet],
    slug: &str,
    courses: &Courses,
    today: NaiveDate,
) -> Result<Vec<TrainingRecord>, Vec<String>> {
    let normal = |h: &str| {
        h.trim()
            .trim_start_matches('\u{feff}')
            .to_ascii_lowercase()
            .replace([' ', '-'], "_")
    };
    let Some(sheet) = sheets
        .iter()
        .find(|s| s.header.iter().any(|h| normal(h) == "person_email"))
    else {
        return Err(vec![format!(
            "The file has no sheet with the columns {}.",
            ROSTER_COLUMNS.join(", ")
        )]);
    };
    let at = |name: &str| sheet.header.iter().position(|h| normal(h) == name);
    let missing: Vec<&str> = ROSTER_COLUMNS
        .iter()
        .copied()
        .filter(|c| at(c).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(vec![format!(
            "The header lacks the column{} {}.",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        )]);
    }
    if sheet.rows.is_empty() {
        return Err(vec![
            "The roster lists nobody. If nobody has access any more, tell your contact at \
             our vendor management team."
                .into(),
        ]);
    }
    if sheet.rows.len() > MAX_PEOPLE {
        return Err(vec![format!(
            "The roster lists {} people; one roster lists at most {MAX_PEOPLE}.",
            sheet.rows.len()
        )]);
    }
    let vendor_at = at("vendor_slug");
    let mut people = Vec::with_capacity(sheet.rows.len());
    let mut errors = Vec::new();
    for row in &sheet.rows {
        let cell = |name: &str| {
            at(name)
                .and_then(|i| row.cells.get(i))
                .map(|c| c.trim().to_string())
                .unwrap_or_default()
        };
        if let Some(other) = vendor_at
            .and_then(|i| row.cells.get(i))
            .map(|c| c.trim())
            .filter(|c| !c.is_empty() && *c != slug)
        {
            errors.push(format!(
                "Line {}, vendor_slug: \"{other}\" is another vendor; a roster lists your own people only.",
                row.line
            ));
            continue;
        }
        let form = TrainingForm {
            vendor: slug.to_string(),
            id: 0,
            version: 0,
            person_name: cell("person_name"),
            person_email: cell("person_email"),
            course: cell("course"),
            completed_on: cell("completed_on"),
        };
        match form.parse(courses, today) {
            Ok(r) => people.push(r),
            Err(fields) => errors.extend(
                fields
                    .into_iter()
                    .map(|f| format!("Line {}, {}: {}", row.line, f.field, f.message)),
            ),
        }
    }
    if errors.is_empty() {
        Ok(people)
    } else {
        Err(super::cap_messages(errors))
    }
}

/// How a roster differs from the records in force.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterDiff {
    pub added: Vec<TrainingRecord>,
    /// (the record in force, the roster's).
    pub changed: Vec<(TrainingRecord, TrainingRecord)>,
    pub unchanged: usize,
    /// Records in force of people and courses the roster no longer lists.
    pub removed: Vec<TrainingRecord>,
}

impl RosterDiff {
    /// Whether approving it would change nothing.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

/// The key a person's training is matched by: their address (case aside) and the course.
fn key(r: &TrainingRecord) -> (String, String) {
    (r.person_email.trim().to_lowercase(), r.course.clone())
}

/// Compare `roster` with the vendor's `records` on `day`: only records in force that day (the
/// latest completion of each person and course) are the current list.
pub fn diff(records: &[TrainingRecord], roster: &[TrainingRecord], day: NaiveDate) -> RosterDiff {
    let mut current: BTreeMap<(String, String), &TrainingRecord> = BTreeMap::new();
    for r in records.iter().filter(|r| r.expires_on >= day) {
        let k = key(r);
        match current.get(&k) {
            Some(kept) if kept.completed_on >= r.completed_on => {}
            _ => {
                current.insert(k, r);
            }
        }
    }
    let mut listed: BTreeMap<(String, String), &TrainingRecord> = BTreeMap::new();
    for r in roster {
        // a person and course listed twice: the latest completion counts
        let k = key(r);
        match listed.get(&k) {
            Some(kept) if kept.completed_on >= r.completed_on => {}
            _ => {
                listed.insert(k, r);
            }
        }
    }
    let mut d = RosterDiff::default();
    for (k, r) in &listed {
        match current.get(k) {
            None => d.added.push((*r).clone()),
            Some(now) if now.completed_on != r.completed_on || now.person_name != r.person_name => {
                d.changed.push(((*now).clone(), (*r).clone()))
            }
            Some(_) => d.unchanged += 1,
        }
    }
    d.removed = current
        .iter()
        .filter(|(k, _)| !listed.contains_key(*k))
        .map(|(_, r)| (*r).clone())
        .collect();
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::import::Row;

    fn sheet(header: &[&str], rows: &[&[&str]]) -> Sheet {
        Sheet {
            name: "Sheet1".into(),
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, r)| Row {
                    line: i + 2,
                    cells: r.iter().map(|c| c.to_string()).collect(),
                })
                .collect(),
            first_column: None,
        }
    }

    #[test]
    fn a_roster_file_is_read_row_by_row_and_refused_with_every_line() {
        let courses = Courses(vec![("Privacy Essentials".into(), 12)]);
        let today = d("2026-12-06");
        let header = ["Person Name", "person_email", "course", "completed_on"];
        let good = sheet(
            &header,
            &[&[
                "Ana Lima",
                "ana@v.example",
                "Privacy Essentials",
                "2026-11-01",
            ]],
        );
        let people = read_roster(&[good], "v", &courses, today).expect("read");
        assert_eq!(people.len(), 1);
        assert_eq!(
            people[0].expires_on,
            d("2027-11-01"),
            "the course's validity"
        );
        let bad = sheet(
            &[
                "person_name",
                "person_email",
                "course",
                "completed_on",
                "vendor_slug",
            ],
            &[
                &[
                    "Ana",
                    "not an address",
                    "Privacy Essentials",
                    "2026-11-01",
                    "",
                ],
                &["Bo", "bo@v.example", "Unknown course", "2026-11-01", "v"],
                &[
                    "Cy",
                    "cy@v.example",
                    "Privacy Essentials",
                    "2026-11-01",
                    "other",
                ],
            ],
        );
        let e = read_roster(&[bad], "v", &courses, today).expect_err("refused");
        assert!(e[0].starts_with("Line 2, person_email"), "{e:?}");
        assert!(e.iter().any(|m| m.starts_with("Line 3, course")), "{e:?}");
        assert!(
            e.iter().any(|m| m.starts_with("Line 4, vendor_slug")),
            "{e:?}"
        );
        let e = read_roster(&[sheet(&["person_email"], &[])], "v", &courses, today)
            .expect_err("refused");
        assert!(
            e[0].contains("lacks the columns person_name, course, completed_on"),
            "{e:?}"
        );
        let e = read_roster(&[sheet(&header, &[])], "v", &courses, today).expect_err("refused");
        assert!(e[0].contains("lists nobody"), "{e:?}");
        let e = read_roster(&[sheet(&["name"], &[])], "v", &courses, today).expect_err("refused");
        assert!(e[0].contains("no sheet"), "{e:?}");
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn rec(name: &str, email: &str, course: &str, done: &str, until: &str) -> TrainingRecord {
        TrainingRecord {
            person_name: name.into(),
            person_email: email.into(),
            course: course.into(),
            completed_on: d(done),
            expires_on: d(until),
        }
    }

    #[test]
    fn a_roster_is_compared_person_by_person_and_course_by_course() {
        let day = d("2026-12-06");
        let records = vec![
            rec(
                "Ana",
                "ana@v.example",
                "Privacy",
                "2026-01-10",
                "2027-01-10",
            ),
            // an older completion of the same course does not count
            rec(
                "Ana",
                "ana@v.example",
                "Privacy",
                "2025-01-10",
                "2026-01-10",
            ),
            rec("Bo", "bo@v.example", "Privacy", "2026-03-01", "2027-03-01"),
            rec("Cy", "cy@v.example", "Privacy", "2026-02-01", "2027-02-01"),
            // expired: not in force, so neither removed nor matched
            rec(
                "Dee",
                "dee@v.example",
                "Privacy",
                "2025-01-01",
                "2026-01-01",
            ),
        ];
        let roster = vec![
            rec(
                "Ana",
                "ANA@v.example",
                "Privacy",
                "2026-01-10",
                "2027-01-10",
            ),
            rec("Bo", "bo@v.example", "Privacy", "2026-11-30", "2027-11-30"),
            rec(
                "Dee",
                "dee@v.example",
                "Privacy",
                "2026-12-01",
                "2027-12-01",
            ),
            rec(
                "Dee",
                "dee@v.example",
                "Privacy",
                "2026-06-01",
                "2027-06-01",
            ),
        ];
        let got = diff(&records, &roster, day);
        assert_eq!(got.unchanged, 1, "Ana");
        assert_eq!(got.changed.len(), 1);
        assert_eq!(
            got.changed[0].1.completed_on,
            d("2026-11-30"),
            "Bo's newer one"
        );
        assert_eq!(got.added.len(), 1);
        assert_eq!(got.added[0].completed_on, d("2026-12-01"), "Dee's latest");
        assert_eq!(got.removed.len(), 1);
        assert_eq!(got.removed[0].person_name, "Cy");
        assert!(!got.is_empty());
        assert!(diff(&records, &records, day).removed.is_empty());
    }

    #[test]
    fn the_same_list_again_changes_nothing() {
        let day = d("2026-12-06");
        let records = vec![rec(
            "Ana",
            "ana@v.example",
            "Privacy",
            "2026-01-10",
            "2027-01-10",
        )];
        let got = diff(&records, &records, day);
        assert!(got.is_empty());
        assert_eq!(got.unchanged, 1);
    }
}
