//! What a delivery is before it is queued: its kind (the mail payload the worker renders when
//! it sends) and one constructor per kind of message, each with its de-duplication key.

use chrono::{DateTime, NaiveDate, Utc};

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    /// `mail` or `webhook`.
    pub channel: &'static str,
    /// `notice`, `confirm`, `objection` or `digest`.
    pub purpose: &'static str,
    /// The same key is queued once: a repeated fan-out or request adds nothing.
    pub dedup_key: String,
    pub change_event_id: Option<i64>,
    pub subscription_id: Option<i64>,
    pub endpoint_id: Option<i64>,
    /// An e-mail address or a webhook URL.
    pub recipient: String,
    /// What to send (JSON), read by the worker that renders it.
    pub payload: String,
    /// Standard Webhooks `webhook-id` (and the mail's Message-ID): the same on every retry.
    pub message_id: String,
}

/// What a mail delivery carries in its payload (a webhook's payload is its body).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MailPayload {
    /// The notice of the delivery's change to its subscription.
    Notice,
    /// The double opt-in mail of the delivery's subscription.
    Confirm,
    /// A confirmed address asked to subscribe again: its manage link.
    Manage,
    /// A manager's step on an objection, mailed to the objector.
    Objection { objection: i64, step: i64 },
    /// A sign-in link of the vendor portal, for the delivery's contact (the token is made
    /// when the mail is sent).
    ContactLink { contact: i64 },
    /// A trust document request's link (`confirm`, or `approved` after a manager's
    /// approval): the token is made when the mail is sent.
    TrustLink { request: i64 },
    /// A trust document request waits for approval (to a manager).
    TrustWaiting { request: i64 },
    /// A manager denied a trust document request (to the requester, with the reason).
    TrustDenied { request: i64 },
    /// The managers' digest, written when it was queued.
    Digest {
        subject: String,
        text: String,
        html: String,
    },
}

/// A fresh message id (`msg_` and 32 hex digits), kept on every retry.
pub fn message_id() -> String {
    let (token, _) = crate::store::sessions::new_token();
    format!("msg_{}", &token[..32])
}

fn payload(p: &MailPayload) -> String {
    serde_json::to_string(p).unwrap_or_else(|_| "{}".into())
}

impl NewDelivery {
    /// The confirmation mail of a subscription; `n` tells one day's requests apart.
    pub fn confirmation(subscription_id: i64, email: &str, day: NaiveDate, n: i64) -> Self {
        NewDelivery {
            channel: "mail",
            purpose: "confirm",
            dedup_key: format!("confirm:{subscription_id}:{day}:{n}"),
            change_event_id: None,
            subscription_id: Some(subscription_id),
            endpoint_id: None,
            recipient: email.to_string(),
            payload: payload(&MailPayload::Confirm),
            message_id: message_id(),
        }
    }

    /// The manage link of a confirmed subscription that asked to subscribe again.
    pub fn manage_link(subscription_id: i64, email: &str, day: NaiveDate, n: i64) -> Self {
        NewDelivery {
            purpose: "manage",
            dedup_key: format!("manage:{subscription_id}:{day}:{n}"),
            payload: payload(&MailPayload::Manage),
            ..Self::confirmation(subscription_id, email, day, n)
        }
    }

    /// The mail telling an objector of a manager's step.
    pub fn objection_step(
        (objection, step): (i64, i64),
        subscription_id: i64,
        email: &str,
    ) -> Self {
        NewDelivery {
            channel: "mail",
            purpose: "objection",
            dedup_key: format!("objection:{objection}:{step}"),
            change_event_id: None,
            subscription_id: Some(subscription_id),
            endpoint_id: None,
            recipient: email.to_string(),
            payload: payload(&MailPayload::Objection { objection, step }),
            message_id: message_id(),
        }
    }

    /// The mail telling a vendor contact of a decision on what they submitted (written now,
    /// sent as written). One per submission (`assessment:12`, `roster:3`) and state: a
    /// decision is made once.
    pub fn review_decided(
        submission: &str,
        state: &str,
        email: &str,
        (subject, text, html): (String, String, String),
    ) -> Self {
        NewDelivery {
            channel: "mail",
            purpose: "review",
            dedup_key: format!("review:{submission}:{state}"),
            change_event_id: None,
            subscription_id: None,
            endpoint_id: None,
            recipient: email.to_string(),
            payload: payload(&MailPayload::Digest {
                subject,
                text,
                html,
            }),
            message_id: message_id(),
        }
    }

    /// A vendor contact's sign-in link, sent because of `why` (`invite` or `ask`). Keyed by
    /// the minute: a double click sends one mail.
    pub fn contact_link(contact_id: i64, email: &str, why: &str, now: DateTime<Utc>) -> Self {
        NewDelivery {
            channel: "mail",
            purpose: "contact_link",
            dedup_key: format!(
                "contact-link:{contact_id}:{why}:{}",
                now.format("%Y-%m-%dT%H:%M")
            ),
            change_event_id: None,
            subscription_id: None,
            endpoint_id: None,
            recipient: email.to_string(),
            payload: payload(&MailPayload::ContactLink {
                contact: contact_id,
            }),
            message_id: message_id(),
        }
    }

    /// A trust document request's link, sent because of `why` (`confirm` or `approved`):
    /// once per request and reason.
    pub fn trust_link(request: i64, email: &str, why: &str) -> Self {
        NewDelivery {
            channel: "mail",
            purpose: "trust",
            dedup_key: format!("trust:{request}:{why}"),
            change_event_id: None,
            subscription_id: None,
            endpoint_id: None,
            recipient: email.to_string(),
            payload: payload(&MailPayload::TrustLink { request }),
            message_id: message_id(),
        }
    }

    /// A manager (`user`) told that the request waits for approval.
    pub fn trust_waiting(request: i64, user: i64, email: &str) -> Self {
        NewDelivery {
            dedup_key: format!("trust:{request}:waiting:{user}"),
            payload: payload(&MailPayload::TrustWaiting { request }),
            ..Self::trust_link(request, email, "")
        }
    }

    /// The requester told that a manager denied the request.
    pub fn trust_denied(request: i64, email: &str) -> Self {
        NewDelivery {
            payload: payload(&MailPayload::TrustDenied { request }),
            ..Self::trust_link(request, email, "denied")
        }
    }

    /// A notice payload (the mail is written when sent).
    pub fn notice_payload() -> String {
        payload(&MailPayload::Notice)
    }
}
