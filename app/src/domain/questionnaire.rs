//! The VPAP attestation questionnaire (issue 26): a title, an introduction and statements a
//! vendor's contact answers yes, no or not applicable; a "no" needs an explanation, and a
//! statement marked `evidence` needs a document with a "yes". Questionnaires are versioned:
//! admins edit a draft (this JSON) and publish it, and a published version is frozen, so an
//! answer always points at the exact text answered. The contact signs by typing their name.
//! The product ships version 1 (`questionnaire/vpap-1.json`), derived from the obligations the
//! registry knows. The format is documented in `docs/GUIDE.md`.

use std::collections::BTreeMap;
#[cfg(feature = "ssr")]
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::vocabulary::vocabulary;

#[cfg(feature = "ssr")]
/// The questionnaire the product ships, published as version 1 on first start.
pub const SHIPPED: &str = include_str!("questionnaire/vpap-1.json");

/// Most statements a questionnaire holds, and the longest texts.
pub const MAX_QUESTIONS: usize = 100;
#[cfg(feature = "ssr")]
const MAX_TEXT: usize = 2_000;
#[cfg(feature = "ssr")]
const MAX_KEY: usize = 60;
/// The longest explanation of an answer, and of a typed signature.
pub const MAX_EXPLANATION: usize = 4_000;
const MAX_SIGNATURE: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Questionnaire {
    pub title: String,
    #[serde(default)]
    pub introduction: String,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Stable name of the statement (lower-case letters, digits, `_`): answers name it.
    pub key: String,
    /// The obligation it rests on (an obligation code), if any: shown beside it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub obligation: Option<String>,
    pub text: String,
    /// Whether a "yes" needs a document (PDF, PNG or JPEG).
    #[serde(default)]
    pub evidence: bool,
}

vocabulary!(Answer, "answer", {
    Yes => ("yes", "Yes"),
    No => ("no", "No"),
    NotApplicable => ("not_applicable", "Not applicable"),
});

#[cfg(feature = "ssr")]
fn clean(what: &str, s: &str, max: usize, errors: &mut Vec<String>) {
    if s.trim().is_empty() {
        errors.push(format!("{what} is empty."));
    } else if s.chars().count() > max {
        errors.push(format!("{what} is longer than {max} characters."));
    } else if s.chars().any(|c| c.is_control() && c != '\n') {
        errors.push(format!("{what} holds control characters."));
    }
}

#[cfg(feature = "ssr")]
/// Read a questionnaire from its JSON, with every reason it is not one.
pub fn parse(body: &str) -> Result<Questionnaire, Vec<String>> {
    let q: Questionnaire = serde_json::from_str(body).map_err(|e| {
        vec![format!(
            "This is not a questionnaire in the documented JSON format: {e}."
        )]
    })?;
    let mut errors = Vec::new();
    clean("The title", &q.title, 200, &mut errors);
    if q.introduction.chars().count() > MAX_TEXT {
        errors.push(format!(
            "The introduction is longer than {MAX_TEXT} characters."
        ));
    }
    if q.questions.is_empty() {
        errors.push("A questionnaire needs at least one statement.".into());
    }
    if q.questions.len() > MAX_QUESTIONS {
        errors.push(format!("At most {MAX_QUESTIONS} statements."));
    }
    let mut keys = BTreeSet::new();
    for (n, question) in q.questions.iter().enumerate() {
        let n = n + 1;
        let k = &question.key;
        if k.is_empty()
            || k.len() > MAX_KEY
            || !k
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            errors.push(format!(
                "Statement {n}: the key \"{k}\" must be 1 to {MAX_KEY} lower-case letters, digits or _."
            ));
        } else if !keys.insert(k.as_str()) {
            errors.push(format!("Statement {n}: the key \"{k}\" is used twice."));
        }
        clean(
            &format!("Statement {n}'s text"),
            &question.text,
            MAX_TEXT,
            &mut errors,
        );
        if let Some(o) = &question.obligation {
            if super::assurance::Obligation::parse(o).is_err() {
                errors.push(format!("Statement {n}: \"{o}\" is not an obligation code."));
            }
        }
    }
    if errors.is_empty() {
        Ok(q)
    } else {
        Err(errors)
    }
}

#[cfg(feature = "ssr")]
impl Questionnaire {
    /// The text stored and hashed: the same questionnaire always gives the same bytes.
    pub fn canonical(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// One answer as the form sent it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnswerDraft {
    pub answer: String,
    pub explanation: String,
    /// Whether a document goes with it (sent now, or kept from the last submission).
    pub has_document: bool,
}

/// A refusal of a form's answers: (field, reason) pairs.
pub type AnswerErrors = Vec<(String, String)>;

/// One checked answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    pub key: String,
    pub answer: Answer,
    pub explanation: String,
}

/// Check a contact's answers to `q` and their typed name: every statement answered, a "no"
/// explained, evidence where a "yes" needs it, a name typed. The errors name the form's
/// fields (`answer.<key>`, `explanation.<key>`, `file.<key>`, `signed_name`).
pub fn check(
    q: &Questionnaire,
    answers: &BTreeMap<String, AnswerDraft>,
    signed_name: &str,
) -> Result<(Vec<Answered>, String), AnswerErrors> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for (n, question) in q.questions.iter().enumerate() {
        let n = n + 1;
        let key = &question.key;
        let draft = answers.get(key).cloned().unwrap_or_default();
        let explanation = draft.explanation.trim().to_string();
        if explanation.chars().count() > MAX_EXPLANATION {
            errors.push((
                format!("explanation.{key}"),
                format!(
                    "Statement {n}: the explanation is longer than {MAX_EXPLANATION} characters."
                ),
            ));
        }
        let Ok(answer) = Answer::parse(&draft.answer) else {
            errors.push((
                format!("answer.{key}"),
                format!("Statement {n}: answer yes, no or not applicable."),
            ));
            continue;
        };
        if answer == Answer::No && explanation.is_empty() {
            errors.push((
                format!("explanation.{key}"),
                format!("Statement {n}: say why the answer is no."),
            ));
        }
        if answer == Answer::Yes && question.evidence && !draft.has_document {
            errors.push((
                format!("file.{key}"),
                format!("Statement {n}: attach the document that shows it (PDF, PNG or JPEG)."),
            ));
        }
        out.push(Answered {
            key: key.clone(),
            answer,
            explanation,
        });
    }
    let name = signed_name.trim();
    if name.is_empty() {
        errors.push((
            "signed_name".into(),
            "Sign by typing your full name.".into(),
        ));
    } else if name.chars().count() > MAX_SIGNATURE || name.chars().any(char::is_control) {
        errors.push((
            "signed_name".into(),
            format!("Type your name on one line, at most {MAX_SIGNATURE} characters."),
        ));
    }
    if errors.is_empty() {
        Ok((out, name.to_string()))
    } else {
        Err(errors)
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_questionnaire_is_valid_and_covers_the_obligations() {
        let q = parse(SHIPPED).expect("shipped questionnaire");
        assert_eq!(q.questions.len(), 10);
        assert!(q.questions.iter().any(|x| x.evidence));
        // canonical text is stable: parsing it again gives the same bytes
        let c = q.canonical();
        assert_eq!(parse(&c).expect("parses").canonical(), c);
    }

    #[test]
    fn bad_questionnaires_say_why() {
        assert!(parse("{").expect_err("refused")[0].contains("documented JSON"));
        assert!(parse(r#"{"title":"t","questions":[],"extra":1}"#).is_err());
        let e = parse(
            r#"{"title":" ","questions":[{"key":"A b","text":"x"},{"key":"a","text":""},{"key":"a","text":"y","obligation":"nope"}]}"#,
        )
        .expect_err("refused");
        let all = e.join("\n");
        assert!(all.contains("The title is empty"), "{all}");
        assert!(all.contains("Statement 1: the key \"A b\""), "{all}");
        assert!(all.contains("Statement 2's text is empty"), "{all}");
        assert!(
            all.contains("Statement 3: the key \"a\" is used twice"),
            "{all}"
        );
        assert!(all.contains("\"nope\" is not an obligation code"), "{all}");
    }

    fn draft(answer: &str, explanation: &str, has_document: bool) -> AnswerDraft {
        AnswerDraft {
            answer: answer.into(),
            explanation: explanation.into(),
            has_document,
        }
    }

    #[test]
    fn answers_need_every_statement_a_reason_for_no_evidence_and_a_name() {
        let q = parse(
            r#"{"title":"t","questions":[{"key":"a","text":"A"},{"key":"b","text":"B","evidence":true},{"key":"c","text":"C"}]}"#,
        )
        .expect("parses");
        let mut answers = BTreeMap::new();
        answers.insert("a".to_string(), draft("no", "  ", false));
        answers.insert("b".to_string(), draft("yes", "", false));
        let e = check(&q, &answers, " ").expect_err("refused");
        let fields: Vec<&str> = e.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            ["explanation.a", "file.b", "answer.c", "signed_name"]
        );
        answers.insert("a".to_string(), draft("no", " We are moving. ", false));
        answers.insert("b".to_string(), draft("yes", "", true));
        answers.insert("c".to_string(), draft("not_applicable", "", false));
        let (ok, name) = check(&q, &answers, " Ada Lovelace ").expect("parses");
        assert_eq!(name, "Ada Lovelace");
        assert_eq!(ok[0].explanation, "We are moving.");
        assert_eq!(ok[2].answer, Answer::NotApplicable);
        // evidence is needed only with a yes
        answers.insert("b".to_string(), draft("not_applicable", "", false));
        assert!(check(&q, &answers, "Ada").is_ok());
        assert!(check(&q, &answers, "Ada\u{7}").is_err());
    }
}
