//! The evidence forms of a vendor's internal page (enrollment, attestation, assessment,
//! training, contract, removal) and the records they become. Pure: the course list and today's
//! date are passed in.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::{
    assurance::{
        Assessment, AssessmentKind, Attestation, AttestationOutcome, Contract, ContractKind,
        Enrollment, EnrollmentStatus, Obligation, ObligationTerm, RecordKind, TrainingRecord,
    },
    dates::{optional_date, required_date},
    fields::{refuse, FieldError, Fields},
    text::{optional_text, required_text},
    Email, ParseError,
};

/// Training courses offered, with how many months their training holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Courses(pub Vec<(String, u32)>);

impl Courses {
    pub fn validity(&self, name: &str) -> Option<u32> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, m)| *m)
    }

    pub fn names(&self) -> Vec<String> {
        self.0.iter().map(|(n, _)| n.clone()).collect()
    }
}

/// One training record (or, with `id`, a change to one).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainingForm {
    pub vendor: String,
    pub id: i64,
    pub version: i64,
    pub person_name: String,
    pub person_email: String,
    pub course: String,
    pub completed_on: String,
}

/// Several people who completed one course on one day: one `Name <email>` per line.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BulkTrainingForm {
    pub vendor: String,
    pub people: String,
    pub course: String,
    pub completed_on: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EnrollmentForm {
    pub vendor: String,
    pub enrolled_on: String,
    pub status: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AttestationForm {
    pub vendor: String,
    /// Set when changing a stored attestation.
    pub id: i64,
    pub version: i64,
    pub submitted_on: String,
    pub outcome: String,
    pub approved_on: String,
    pub approved_by: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AssessmentForm {
    pub vendor: String,
    pub kind: String,
    pub assessor: String,
    pub period_start: String,
    pub period_end: String,
    pub issued_on: String,
    pub valid_until: String,
}

/// A contract with the obligations it carries (`c[obligations][code]=on`) and the
/// breach-notice hours.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ContractForm {
    pub vendor: String,
    pub kind: String,
    pub reference: String,
    pub signed_on: String,
    pub in_force_from: String,
    pub ends_on: String,
    pub auto_renew: String,
    pub notice_days: String,
    pub obligations: BTreeMap<String, String>,
    pub breach_hours: String,
}

/// Remove one evidence record, at the version the manager saw.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RemoveForm {
    pub vendor: String,
    pub kind: String,
    pub id: i64,
    pub version: i64,
}

impl RemoveForm {
    pub fn kind(&self) -> Result<RecordKind, Vec<FieldError>> {
        RecordKind::parse(&self.kind).map_err(|e| refuse("kind", e.0))
    }
}

/// One person's training from its fields: the course sets the expiry, and training cannot
/// be completed in the future. Field errors are noted under `person_name`, `person_email`,
/// `course` and `completed_on`.
fn training(
    f: &mut Fields,
    (name, email): (&str, &str),
    course: &str,
    completed: &str,
    courses: &Courses,
    today: NaiveDate,
) -> Option<TrainingRecord> {
    let person_name = f.take("person_name", required_text("Name", name, 200));
    let person_email = f.take("person_email", Email::parse(email));
    let months = courses.validity(course.trim());
    if months.is_none() {
        f.push("course", "Choose a course from the list.");
    }
    let completed_on = f.take(
        "completed_on",
        required_date("the completion date", completed),
    );
    if completed_on.is_some_and(|d| d > today) {
        f.push(
            "completed_on",
            "The completion date cannot be in the future.",
        );
    }
    let (person_name, person_email, months, completed_on) =
        (person_name?, person_email?, months?, completed_on?);
    let Some(expires_on) = TrainingRecord::expiry_for(completed_on, Some(months)) else {
        f.push("completed_on", "The expiry date is out of range.");
        return None;
    };
    Some(TrainingRecord {
        person_name,
        person_email: person_email.as_str().to_string(),
        course: course.trim().to_string(),
        completed_on,
        expires_on,
    })
}

impl TrainingForm {
    pub fn parse(
        &self,
        courses: &Courses,
        today: NaiveDate,
    ) -> Result<TrainingRecord, Vec<FieldError>> {
        let mut f = Fields::default();
        let record = training(
            &mut f,
            (&self.person_name, &self.person_email),
            &self.course,
            &self.completed_on,
            courses,
            today,
        );
        f.into_result(record)
    }
}

/// One person per line: `Name <email>` or `Name, email`.
pub fn parse_people(lines: &str) -> Result<Vec<(String, String)>, String> {
    let mut people = Vec::new();
    for (n, line) in lines
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let line = line.trim();
        let split = if let (Some(open), true) = (line.find('<'), line.ends_with('>')) {
            Some((&line[..open], &line[open + 1..line.len() - 1]))
        } else {
            line.rsplit_once(',')
        };
        match split {
            Some((name, email)) if !name.trim().is_empty() => {
                people.push((name.trim().to_string(), email.trim().to_string()))
            }
            _ => {
                return Err(format!(
                    "Line {}: write each person as \"Name <email>\" or \"Name, email\".",
                    n + 1
                ))
            }
        }
    }
    if people.is_empty() {
        return Err("Enter at least one person, one per line.".into());
    }
    Ok(people)
}

impl BulkTrainingForm {
    /// One record per person. A person's own errors are reported under `people` with the
    /// line number; course and date errors once, under their own fields.
    pub fn parse(
        &self,
        courses: &Courses,
        today: NaiveDate,
    ) -> Result<Vec<TrainingRecord>, Vec<FieldError>> {
        let people = parse_people(&self.people).map_err(|m| refuse("people", m))?;
        let mut f = Fields::default();
        let mut records = Vec::new();
        for (i, (name, email)) in people.iter().enumerate() {
            let mut line = Fields::default();
            let r = training(
                &mut line,
                (name, email),
                &self.course,
                &self.completed_on,
                courses,
                today,
            );
            if let Err(errors) = line.finish() {
                for e in errors {
                    let (field, msg) = match e.field.as_str() {
                        "course" | "completed_on" => (e.field.clone(), e.message),
                        _ => (
                            "people".to_string(),
                            format!("Line {}: {}", i + 1, e.message),
                        ),
                    };
                    if !f.has(&field, &msg) {
                        f.push(&field, msg);
                    }
                }
            }
            records.extend(r);
        }
        f.finish()?;
        Ok(records)
    }
}

impl EnrollmentForm {
    pub fn parse(&self) -> Result<Enrollment, Vec<FieldError>> {
        let mut f = Fields::default();
        let enrolled_on = f.take("enrolled_on", required_date("the date", &self.enrolled_on));
        let status = f.take("status", EnrollmentStatus::parse(&self.status));
        let record = (|| {
            Some(Enrollment {
                enrolled_on: enrolled_on?,
                status: status?,
            })
        })();
        f.into_result(record)
    }
}

impl AttestationForm {
    /// Approval needs a date and a name, and cannot come before submission.
    pub fn parse(&self) -> Result<Attestation, Vec<FieldError>> {
        let mut f = Fields::default();
        let submitted_on = f.take(
            "submitted_on",
            required_date("the submission date", &self.submitted_on),
        );
        let outcome = f.take("outcome", AttestationOutcome::parse(&self.outcome));
        let approved_on = f.take(
            "approved_on",
            optional_date("the approval date", &self.approved_on),
        );
        let approved_by = f.take(
            "approved_by",
            optional_text("Approved by", &self.approved_by, 200),
        );
        if outcome == Some(AttestationOutcome::Approved) {
            if approved_on == Some(None) {
                f.push(
                    "approved_on",
                    "An approved attestation needs its approval date.",
                );
            }
            if approved_by == Some(None) {
                f.push("approved_by", "Name who approved it.");
            }
        }
        if let (Some(s), Some(Some(ap))) = (submitted_on, approved_on) {
            if ap < s {
                f.push(
                    "approved_on",
                    "It cannot be approved before it was submitted.",
                );
            }
        }
        let record = (|| {
            Some(Attestation {
                submitted_on: submitted_on?,
                approved_on: approved_on?,
                approved_by: approved_by?,
                outcome: outcome?,
            })
        })();
        f.into_result(record)
    }
}

impl AssessmentForm {
    pub fn parse(&self) -> Result<Assessment, Vec<FieldError>> {
        let mut f = Fields::default();
        let kind = f.take("kind", AssessmentKind::parse(&self.kind));
        let assessor = f.take("assessor", required_text("Assessor", &self.assessor, 200));
        let period_start = f.take(
            "period_start",
            required_date("the period start", &self.period_start),
        );
        let period_end = f.take(
            "period_end",
            required_date("the period end", &self.period_end),
        );
        let issued_on = f.take(
            "issued_on",
            required_date("the issue date", &self.issued_on),
        );
        let valid_until = f.take(
            "valid_until",
            required_date("the valid-until date", &self.valid_until),
        );
        if let (Some(s), Some(e)) = (period_start, period_end) {
            if e < s {
                f.push("period_end", "The period cannot end before it starts.");
            }
        }
        if let (Some(i), Some(v)) = (issued_on, valid_until) {
            if v < i {
                f.push("valid_until", "It cannot expire before it was issued.");
            }
        }
        let record = (|| {
            Some(Assessment {
                kind: kind?,
                assessor: assessor?,
                period_start: period_start?,
                period_end: period_end?,
                issued_on: issued_on?,
                valid_until: valid_until?,
            })
        })();
        f.into_result(record)
    }
}

impl ContractForm {
    pub fn parse(&self) -> Result<Contract, Vec<FieldError>> {
        let mut f = Fields::default();
        let kind = f.take("kind", ContractKind::parse(&self.kind));
        let reference = f.take(
            "reference",
            required_text("Reference", &self.reference, 200),
        );
        let signed_on = f.take(
            "signed_on",
            required_date("the signing date", &self.signed_on),
        );
        let in_force_from = f.take(
            "in_force_from",
            required_date("the start date", &self.in_force_from),
        );
        let ends_on = f.take("ends_on", optional_date("the end date", &self.ends_on));
        let notice_days = f.take(
            "notice_days",
            if self.notice_days.trim().is_empty() {
                Ok(0)
            } else {
                self.notice_days.trim().parse::<u32>().map_err(|_| {
                    ParseError("Enter the notice period as a whole number of days.".into())
                })
            },
        );
        if let (Some(s), Some(Some(e))) = (in_force_from, ends_on) {
            if e < s {
                f.push("ends_on", "The contract cannot end before it starts.");
            }
        }
        let mut obligations = Vec::new();
        for code in self.obligations.keys() {
            if let Some(o) = f.take("obligations", Obligation::parse(code)) {
                if !obligations.contains(&o) {
                    obligations.push(o);
                }
            }
        }
        let hours = if obligations.contains(&Obligation::BreachNotice) {
            match self.breach_hours.trim().parse::<u32>() {
                Ok(h) if h > 0 => Some(h),
                _ => {
                    f.push(
                        "breach_hours",
                        "Breach notice needs the number of hours (for example 48).",
                    );
                    None
                }
            }
        } else {
            None
        };
        let record = (|| {
            Some(Contract {
                kind: kind?,
                reference: reference?,
                signed_on: signed_on?,
                in_force_from: in_force_from?,
                ends_on: ends_on?,
                auto_renew: !self.auto_renew.is_empty(),
                notice_days: notice_days?,
                obligations: obligations
                    .iter()
                    .map(|o| ObligationTerm {
                        obligation: *o,
                        hours: (*o == Obligation::BreachNotice).then_some(hours).flatten(),
                    })
                    .collect(),
            })
        })();
        f.into_result(record)
    }
}

#[cfg(test)]
mod tests;
