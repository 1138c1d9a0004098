//! Telling customers (GDPR Art. 28(2): inform, and give the chance to object): what a
//! subscription hears about, the schedule on which a delivery is retried, and which changes
//! can be objected to and how an objection ends. Pure rules; callers pass the dates in.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{
    changes::{widening, ChangeEvent, ChangeKind},
    fields::{FieldError, Fields},
    text::optional_text,
    vocabulary::vocabulary,
    DataCategory, Email, Slug,
};

/// The subscription form as posted: `email`, `organisation`, and `service` and `category`
/// (both repeatable; none means everything).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubscribeForm {
    pub email: String,
    pub organisation: String,
    pub service: Vec<String>,
    pub category: Vec<String>,
}

/// What a subscriber hears about: changes touching any of `services` (slugs) and any of
/// `categories`; an empty list does not narrow.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interests {
    pub services: Vec<Slug>,
    pub categories: Vec<DataCategory>,
}

/// A parsed subscription request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSubscription {
    pub email: Email,
    pub organisation: Option<String>,
    pub interests: Interests,
}

/// Most interests one subscription keeps (a service list is short).
const MAX_INTERESTS: usize = 50;

impl SubscribeForm {
    /// The request this form makes; `services` are the slugs of our services.
    pub fn parse(&self, services: &[String]) -> Result<NewSubscription, Vec<FieldError>> {
        let mut f = Fields::default();
        let email = f.take("email", Email::parse(&self.email));
        let organisation = f.take(
            "organisation",
            optional_text("Organisation", &self.organisation, 200),
        );
        let interests = parse_interests(&mut f, &self.service, &self.category, services);
        let parsed = (|| {
            Some(NewSubscription {
                email: email?,
                organisation: organisation?,
                interests,
            })
        })();
        f.into_result(parsed)
    }
}

/// Services and categories from their form values, unknown ones refused by field.
pub fn parse_interests(
    f: &mut Fields,
    service: &[String],
    category: &[String],
    known: &[String],
) -> Interests {
    let mut interests = Interests::default();
    if service.len() + category.len() > MAX_INTERESTS {
        f.push(
            "service",
            format!("Choose at most {MAX_INTERESTS} services and categories."),
        );
        return interests;
    }
    for s in service.iter().filter(|s| !s.trim().is_empty()) {
        match Slug::parse(s) {
            Ok(slug) if known.iter().any(|k| k == slug.as_str()) => {
                if !interests.services.contains(&slug) {
                    interests.services.push(slug)
                }
            }
            _ => {
                let m = "One of the chosen services is not one of ours; choose from the list.";
                if !f.has("service", m) {
                    f.push("service", m);
                }
            }
        }
    }
    for c in category.iter().filter(|c| !c.trim().is_empty()) {
        if let Some(c) = f.take("category", DataCategory::parse(c)) {
            if !interests.categories.contains(&c) {
                interests.categories.push(c);
            }
        }
    }
    interests
}

impl Interests {
    /// Whether a change concerns this subscriber: `services` are the slugs of the services
    /// in the scope before and after it (`change_events.services`).
    pub fn matches(&self, e: &ChangeEvent, services: &[String]) -> bool {
        let service_ok = self.services.is_empty()
            || self
                .services
                .iter()
                .any(|s| services.iter().any(|x| x == s.as_str()));
        let categories: Vec<&String> = [&e.before, &e.after]
            .into_iter()
            .flatten()
            .flat_map(|s| s.categories.iter())
            .collect();
        let category_ok = self.categories.is_empty()
            || self
                .categories
                .iter()
                .any(|c| categories.iter().any(|x| *x == c.code()));
        service_ok && category_ok
    }

    /// Stored form: slugs and category codes, space-separated.
    pub fn to_stored(&self) -> (String, String) {
        (
            self.services
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            self.categories
                .iter()
                .map(|c| c.code())
                .collect::<Vec<_>>()
                .join(" "),
        )
    }

    /// From the stored form; values no longer known are dropped.
    pub fn from_stored(services: &str, categories: &str) -> Self {
        Interests {
            services: services
                .split_whitespace()
                .filter_map(|s| Slug::parse(s).ok())
                .collect(),
            categories: categories
                .split_whitespace()
                .filter_map(|c| DataCategory::parse(c).ok())
                .collect(),
        }
    }
}

/// How long a delivery is retried before it is marked failed.
pub const RETRY_FOR: Duration = Duration::days(3);

/// The wait before retry number `attempt` (1 after the first failure): about 1 minute, 5
/// minutes, 30 minutes, 2 hours, 12 hours, then every 24 hours.
pub fn retry_delay(attempt: u32) -> Duration {
    match attempt {
        0 | 1 => Duration::minutes(1),
        2 => Duration::minutes(5),
        3 => Duration::minutes(30),
        4 => Duration::hours(2),
        5 => Duration::hours(12),
        _ => Duration::hours(24),
    }
}

/// When to try a delivery again after `attempts` failed tries, or `None` to give up (past
/// [`RETRY_FOR`] since it was first due). `jitter` in 0..1 spreads retries by up to a tenth
/// of the wait, so failures of one moment do not retry in one burst.
pub fn next_attempt(
    first_due: DateTime<Utc>,
    attempts: u32,
    now: DateTime<Utc>,
    jitter: f64,
) -> Option<DateTime<Utc>> {
    let wait = retry_delay(attempts);
    let spread = Duration::milliseconds((wait.num_milliseconds() as f64 * 0.1 * jitter) as i64);
    let at = now + wait + spread;
    (at <= first_due + RETRY_FOR).then_some(at)
}

/// Whether customers can still object to `e` on `today`: an addition or a widening of scope
/// not yet in effect (and not withdrawn). A refusal says why, with the date.
pub fn objectionable(e: &ChangeEvent, today: NaiveDate, withdrawn: bool) -> Result<(), String> {
    let widens = match (e.kind, &e.before, &e.after) {
        (ChangeKind::Added, _, _) => true,
        (ChangeKind::ScopeChanged, Some(b), Some(a)) => !widening(b, a).is_empty(),
        _ => false,
    };
    if !widens {
        return Err("Only a new subprocessor or a wider scope can be objected to.".into());
    }
    if withdrawn {
        return Err("This change was withdrawn: there is nothing to object to.".into());
    }
    if e.effective_on <= today {
        return Err(format!(
            "This change took effect on {}; objections were open until the day before.",
            e.effective_on
        ));
    }
    Ok(())
}

vocabulary!(
    /// How an objection was resolved.
    Outcome, "outcome", {
    Withdrawn => ("change_withdrawn", "Change withdrawn"),
    Kept => ("change_kept", "Change kept, with an explanation"),
    Terminates => ("customer_terminates", "Customer chose to terminate"),
});

vocabulary!(
    /// The steps of an objection's life, recorded one after another, never changed.
    Step, "objection step", {
    Received => ("received", "Received"),
    Acknowledged => ("acknowledged", "Acknowledged"),
    Resolved => ("resolved", "Resolved"),
});

/// An objection as a subscriber posts it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ObjectionForm {
    /// The subscription's token (from the notice's link or the manage page).
    pub token: String,
    pub change: i64,
    pub reason: String,
    pub organisation: String,
    pub contact: String,
}

/// A parsed objection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewObjection {
    pub reason: String,
    pub organisation: Option<String>,
    pub contact: Option<String>,
}

/// Shortest and longest reason accepted.
pub const REASON_CHARS: (usize, usize) = (10, 5000);

impl ObjectionForm {
    pub fn parse(&self) -> Result<NewObjection, Vec<FieldError>> {
        let mut f = Fields::default();
        let reason = self.reason.trim();
        let n = reason.chars().count();
        if n < REASON_CHARS.0 {
            f.push(
                "reason",
                format!(
                    "Say why you object, in {} characters or more.",
                    REASON_CHARS.0
                ),
            );
        } else if n > REASON_CHARS.1 {
            f.push(
                "reason",
                format!("The reason is at most {} characters.", REASON_CHARS.1),
            );
        } else if reason
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        {
            f.push("reason", "The reason cannot contain control characters.");
        }
        let organisation = f.take(
            "organisation",
            optional_text("Organisation", &self.organisation, 200),
        );
        let contact = f.take("contact", optional_text("Contact", &self.contact, 300));
        let parsed = (|| {
            Some(NewObjection {
                reason: reason.to_string(),
                organisation: organisation?,
                contact: contact?,
            })
        })();
        f.into_result(parsed)
    }
}

/// A manager's step on an objection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ObjectionStepForm {
    pub id: i64,
    /// `acknowledged` or `resolved`.
    pub step: String,
    /// With `resolved`: the outcome's code.
    pub outcome: String,
    /// The response mailed to the objector.
    pub response: String,
}

/// A parsed step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStep {
    pub step: Step,
    pub outcome: Option<Outcome>,
    pub response: String,
}

impl ObjectionStepForm {
    /// `current` is the objection's latest step: steps only move forward.
    pub fn parse(&self, current: Step) -> Result<NewStep, Vec<FieldError>> {
        let mut f = Fields::default();
        let step = f.take("step", Step::parse(&self.step));
        if step == Some(Step::Received) {
            f.push("step", "An objection is received once, when it is made.");
        }
        if current == Step::Resolved {
            f.push("step", "This objection is resolved already.");
        } else if step == Some(Step::Acknowledged) && current == Step::Acknowledged {
            f.push("step", "This objection is acknowledged already.");
        }
        let outcome = if step == Some(Step::Resolved) {
            f.take("outcome", Outcome::parse(&self.outcome))
        } else {
            None
        };
        let response = self.response.trim().to_string();
        if response.chars().count() < 10 && step == Some(Step::Resolved) {
            f.push(
                "response",
                "Write the response the customer receives (10 characters or more).",
            );
        }
        if response.chars().count() > 5000 {
            f.push("response", "The response is at most 5000 characters.");
        }
        let parsed = step.map(|step| NewStep {
            step,
            outcome,
            response,
        });
        f.into_result(parsed)
    }
}

#[cfg(test)]
mod tests;
