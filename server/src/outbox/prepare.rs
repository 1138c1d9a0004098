//! Each claimed delivery made ready to send: its subscription and endpoint checked, a mail
//! composed with fresh link tokens (methods of [`Outbox`]).

use std::collections::HashMap;

use app::{
    domain::{
        changes::ChangeEvent,
        notices::{Outcome, Step},
        subscriber_links::LinkKind,
    },
    registry::change::Receipt,
    store::{
        self, begin_write, changes, contacts, objections,
        outbox::{Attempt, DeliveryRow, MailPayload},
        subscriber_links, subscriptions, trust,
    },
};
use chrono::{DateTime, Utc};

use super::compose::Mail;
use super::*;

/// A change as its notices need it: the event, whether objections were withdrawn, and its
/// receipt in the signed log.
type Known = (ChangeEvent, bool, Option<Receipt>);

impl Outbox {
    /// Each claimed delivery as a message to send, or the result it already has (its
    /// subscription ended, its endpoint was removed). Mails get their links' tokens here,
    /// in one transaction: a token is only ever stored hashed, so it is made when its mail
    /// is sent.
    pub(super) async fn prepare(
        &self,
        batch: &[DeliveryRow],
        now: DateTime<Utc>,
    ) -> Result<Vec<Prepared>, OutboxError> {
        let base = &self.cfg.public_url;
        let mut events: HashMap<i64, Known> = HashMap::new();
        let mut out = Vec::with_capacity(batch.len());
        let mut tx = begin_write(&self.db).await?;
        for d in batch {
            let p: Result<Outgoing, Attempt> = match d.channel.as_str() {
                "webhook" => {
                    let ep = match d.endpoint_id {
                        Some(id) => {
                            subscriptions::endpoint_in(&mut tx, &self.db.secrets, id).await?
                        }
                        None => None,
                    };
                    match ep {
                        Some(ep) if ep.enabled == 1 => Ok(Outgoing::Webhook {
                            url: ep.url,
                            secret: ep.secret,
                            endpoint: ep.id,
                            subscription: ep.subscription_id,
                        }),
                        _ => Err(Attempt::Skipped(
                            "the endpoint was removed or disabled".into(),
                        )),
                    }
                }
                _ => {
                    let payload: MailPayload = serde_json::from_str(&d.payload)
                        .map_err(|e| OutboxError::Other(format!("delivery {}: {e}", d.id)))?;
                    self.mail_for(&mut tx, d, payload, &mut events, base, now)
                        .await?
                }
            };
            out.push((d.clone(), p));
        }
        tx.commit().await?;
        Ok(out)
    }

    pub(super) async fn mail_for(
        &self,
        tx: &mut store::AnyConnection,
        d: &DeliveryRow,
        payload: MailPayload,
        events: &mut HashMap<i64, Known>,
        base: &str,
        now: DateTime<Utc>,
    ) -> Result<Result<Outgoing, Attempt>, OutboxError> {
        let skip = |why: &str| Ok(Err(Attempt::Skipped(why.to_string())));
        let sub = match d.subscription_id {
            Some(id) => subscriptions::get_in(tx, id).await?,
            None => None,
        };
        let mail = match payload {
            MailPayload::Digest {
                subject,
                text,
                html,
            } => Mail {
                to: d.recipient.clone(),
                subject,
                text,
                html,
                unsubscribe: None,
            },
            MailPayload::Confirm => {
                let Some(s) = sub.filter(|s| s.status == "pending") else {
                    return skip("the subscription is no longer waiting for confirmation");
                };
                let token = subscriber_links::issue(tx, s.id, LinkKind::Confirm, now, None).await?;
                let expires =
                    app::domain::subscriber_links::lifetime(LinkKind::Confirm, now, None).0;
                compose::confirmation(&s.email, base, &token, expires.date_naive())
            }
            MailPayload::ContactLink { contact } => {
                let Some(c) = contacts::get_in(tx, contact)
                    .await?
                    .filter(|c| c.disabled == 0)
                else {
                    return skip("the contact was disabled before it was sent");
                };
                let token = contacts::issue_link(tx, c.id, now).await?;
                let expires = app::domain::contacts::link_expires(now).date_naive();
                compose::contact_link(&c.email, (&c.name, &c.vendor_name), base, &token, expires)
            }
            MailPayload::TrustLink { request } => {
                let Some(r) = trust::request_in(tx, request)
                    .await?
                    .filter(|r| r.state == "mailed" || r.state == "approved")
                else {
                    return skip("the request was decided or used before it was sent");
                };
                let (token, hash) = store::sessions::new_token();
                let expires = now + chrono::Duration::hours(app::domain::trust::LINK_HOURS);
                trust::set_link(tx, r.id, &hash, expires).await?;
                let titles = self.trust_titles(&r.documents).await?;
                compose::trust_link(
                    &r.email,
                    base,
                    &token,
                    expires.date_naive(),
                    r.state == "approved",
                    &titles,
                )
            }
            MailPayload::TrustWaiting { request } => {
                let Some(r) = trust::request_in(tx, request)
                    .await?
                    .filter(|r| r.state == "waiting")
                else {
                    return skip("the request was decided before it was sent");
                };
                let titles = self.trust_titles(&r.documents).await?;
                compose::trust_waiting(
                    &d.recipient,
                    base,
                    (&r.name, &r.email, &r.organisation),
                    &titles,
                )
            }
            MailPayload::TrustDenied { request } => {
                let Some(r) = trust::request_in(tx, request).await? else {
                    return skip("the request is not known");
                };
                let titles = self.trust_titles(&r.documents).await?;
                compose::trust_denied(&r.email, base, &titles, &r.reason)
            }
            MailPayload::Manage => {
                let Some(s) = sub.filter(|s| s.is_confirmed()) else {
                    return skip("the subscription ended before it was sent");
                };
                let links = issue_links(tx, base, s.id, now, None).await?;
                compose::manage_link(&s.email, &links)
            }
            MailPayload::Notice => {
                let Some(s) = sub.filter(|s| s.is_confirmed()) else {
                    return skip("the subscriber unsubscribed before it was sent");
                };
                let Some(id) = d.change_event_id else {
                    return skip("no change named");
                };
                let (e, withdrawn, receipt) = match events.get(&id) {
                    Some(known) => known.clone(),
                    None => {
                        let Some(row) = changes::get(tx, id).await? else {
                            return skip("the change is not known");
                        };
                        let receipt = app::service::log::receipt(&self.db, base, id)
                            .await
                            .map_err(|e| OutboxError::Other(e.to_string()))?;
                        let known = (row.event()?, objections::withdrawn(tx, id).await?, receipt);
                        events.insert(id, known.clone());
                        known
                    }
                };
                let objection =
                    app::domain::notices::objectionable(&e, now.date_naive(), withdrawn)
                        .is_ok()
                        .then_some((e.id, e.effective_on));
                let links = issue_links(tx, base, s.id, now, objection).await?;
                compose::notice(
                    &s.email,
                    &e,
                    &links,
                    now.date_naive(),
                    withdrawn,
                    receipt.as_ref(),
                )
            }
            MailPayload::Objection { objection, step } => {
                let Some(o) = objections::get(tx, objection).await? else {
                    return skip("the objection is not known");
                };
                let Some(st) = objections::step_in(tx, step).await? else {
                    return skip("the step is not known");
                };
                let links = issue_links(tx, base, o.subscription_id, now, None).await?;
                let label = match (
                    Step::parse(&st.step),
                    st.outcome.as_deref().map(Outcome::parse),
                ) {
                    (Ok(Step::Resolved), Some(Ok(outcome))) => {
                        format!("Resolved: {}", outcome.label())
                    }
                    (Ok(s), _) => s.label().to_string(),
                    (Err(_), _) => st.step.clone(),
                };
                compose::objection_step(
                    &o.email,
                    &compose::StepNotice {
                        change_id: o.change_event_id,
                        vendor: &o.legal_name,
                        effective_on: &o.effective_on,
                        step: label,
                        response: &st.response,
                    },
                    &links,
                )
            }
        };
        Ok(Ok(Outgoing::Mail(Box::new(mail))))
    }

    /// The titles of the trust documents a request names (JSON ids).
    async fn trust_titles(&self, ids: &str) -> Result<Vec<String>, OutboxError> {
        let ids: Vec<i64> = serde_json::from_str(ids).unwrap_or_default();
        Ok(trust::documents(&self.db)
            .await?
            .into_iter()
            .filter(|d| ids.contains(&d.id))
            .map(|d| d.title)
            .collect())
    }
}
