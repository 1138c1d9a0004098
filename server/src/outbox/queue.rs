//! Queueing: a change's notices fanned out to the subscriptions, and the managers' daily
//! digest (methods of [`Outbox`]).

use app::{
    domain::dashboard::{digest, Digest, VendorFacts},
    store::{
        self, begin_write, changes,
        outbox::{self, message_id, MailPayload, NewDelivery},
        subscriptions, StoreError,
    },
};
use chrono::{DateTime, Utc};

use super::*;

impl Outbox {
    /// One batch of the oldest unfinished fan-out: the next confirmed subscriptions, the
    /// notices (mail and webhooks) of those whose filters match, and the cursor, in one
    /// transaction. Returns the subscriptions read (0: nothing to fan out).
    pub async fn fan_out_batch(&self, now: DateTime<Utc>) -> Result<u64, OutboxError> {
        let mut tx = begin_write(&self.db).await?;
        let Some(f) = outbox::next_fanout(&mut tx, self.db.backend, now.date_naive()).await? else {
            // the write lock is let go at once, not when the dropped transaction's rollback
            // reaches its connection
            tx.rollback().await?;
            return Ok(0);
        };
        let row = changes::get(&mut tx, f.change_event_id)
            .await?
            .ok_or_else(|| {
                OutboxError::Other(format!("fan-out of unknown event {}", f.change_event_id))
            })?;
        let event = row.event()?;
        let services: Vec<String> = changes::services_of(&mut tx, f.change_event_id).await?;
        let subs =
            subscriptions::confirmed_after(&mut tx, f.next_subscription_id, FANOUT_BATCH).await?;
        let read = subs.len() as u64;
        let last = subs.last().map(|s| s.id).unwrap_or(f.next_subscription_id);
        let matching: Vec<&subscriptions::SubscriptionRow> = subs
            .iter()
            .filter(|s| s.interests().matches(&event, &services))
            .collect();
        let ids: Vec<i64> = matching.iter().map(|s| s.id).collect();
        let endpoints =
            subscriptions::enabled_endpoints_of(&mut tx, &self.db.secrets, &ids).await?;
        let mut rows = Vec::with_capacity(matching.len() + endpoints.len());
        for s in &matching {
            rows.push(NewDelivery {
                channel: "mail",
                purpose: "notice",
                dedup_key: format!("notice:{}:{}", event.id, s.id),
                change_event_id: Some(event.id),
                subscription_id: Some(s.id),
                endpoint_id: None,
                recipient: s.email.clone(),
                payload: NewDelivery::notice_payload(),
                message_id: message_id(),
            });
        }
        if !endpoints.is_empty() {
            // the receipt with the checkpoint signed at the start of this round
            let receipt = app::service::log::receipt(&self.db, &self.cfg.public_url, event.id)
                .await
                .map_err(|e| OutboxError::Other(e.to_string()))?;
            let data = app::registry::change::PublicChange::new(
                event.clone(),
                row.recorded_at.clone(),
                now.date_naive(),
                false,
            )
            .with_receipt(receipt);
            let body = compose::webhook_body(event.kind, &row.recorded_at, &data)
                .map_err(|e| OutboxError::Other(e.to_string()))?;
            for ep in &endpoints {
                rows.push(NewDelivery {
                    channel: "webhook",
                    purpose: "notice",
                    dedup_key: format!("webhook:{}:{}", event.id, ep.id),
                    change_event_id: Some(event.id),
                    subscription_id: Some(ep.subscription_id),
                    endpoint_id: Some(ep.id),
                    recipient: ep.url.clone(),
                    payload: body.clone(),
                    message_id: message_id(),
                });
            }
        }
        outbox::queue(&mut tx, &rows, now).await?;
        let finished = read < u64::from(FANOUT_BATCH);
        outbox::advance_fanout(&mut tx, event.id, last, finished).await?;
        tx.commit().await?;
        if !rows.is_empty() {
            tracing::info!(
                change = event.id,
                queued = rows.len(),
                finished,
                "notices queued"
            );
        }
        // a finished fan-out with no subscribers read still counts as work done once
        Ok(read.max(u64::from(finished && read == 0)))
    }

    /// The managers' digest, once a day across all instances: what lapses within
    /// `REMINDER_DAYS` and who will not be ready, to every manager and admin who wants it.
    pub async fn queue_digest(&self, now: DateTime<Utc>) -> Result<u64, OutboxError> {
        let day = now.date_naive();
        if outbox::digest_written(&self.db, day).await? {
            return Ok(0);
        }
        // a round of vendors at a time: all 100,000 with their evidence took some 380 MB
        let within = self.cfg.reminder_days;
        let mut d = Digest::default();
        let mut after = 0;
        loop {
            let rows = store::vendors::list_all_after(&self.db, day, after, DIGEST_ROUND).await?;
            let Some(last) = rows.last() else {
                break;
            };
            after = last.id;
            let full = rows.len() == DIGEST_ROUND as usize;
            let facts = rows
                .iter()
                .map(|r| {
                    Ok(VendorFacts {
                        slug: r.slug.clone(),
                        name: r.legal_name.clone(),
                        evidence: r.evidence()?,
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            drop(rows);
            let part = tokio::task::spawn_blocking(move || digest(&facts, day, within))
                .await
                .map_err(|e| OutboxError::Other(e.to_string()))?;
            d = d.merge(part);
            if !full {
                break;
            }
        }
        {
            let mut conn = self.db.pool.acquire().await?;
            d.failing_lists =
                store::watch::failing(&mut conn, app::service::watch::FAILURES_TOLD).await?;
        }
        let recipients = store::users::reminder_recipients(&self.db).await?;
        let mut tx = begin_write(&self.db).await?;
        if !outbox::take_digest_day(&mut tx, day).await? {
            tx.rollback().await?;
            return Ok(0);
        }
        let mut queued = Vec::new();
        if !d.is_empty() {
            for (id, email) in &recipients {
                let m = compose::digest(email, &d, &self.cfg.public_url, within, day);
                queued.push(NewDelivery {
                    channel: "mail",
                    purpose: "digest",
                    dedup_key: format!("digest:{day}:{id}"),
                    change_event_id: None,
                    subscription_id: None,
                    endpoint_id: None,
                    recipient: email.clone(),
                    payload: json(&MailPayload::Digest {
                        subject: m.subject,
                        text: m.text,
                        html: m.html,
                    })?,
                    message_id: message_id(),
                });
            }
        }
        queued.extend(self.contact_reminders(&d, day).await?);
        outbox::queue(&mut tx, &queued, now).await?;
        tx.commit().await?;
        Ok(1)
    }

    /// Each enabled vendor contact whose vendor's evidence lapses within `REMINDER_DAYS` is
    /// reminded, at most once a week (the delivery is keyed by the contact and the ISO week).
    async fn contact_reminders(
        &self,
        d: &Digest,
        day: chrono::NaiveDate,
    ) -> Result<Vec<NewDelivery>, OutboxError> {
        use chrono::Datelike;
        let week = day.iso_week();
        let portal = format!("{}/vendor", self.cfg.public_url);
        let mut out = Vec::new();
        for c in store::contacts::enabled(&self.db).await? {
            let lapses: Vec<_> = d
                .lapsing
                .iter()
                .filter(|l| l.slug == c.vendor_slug)
                .cloned()
                .collect();
            let Some((subject, text, html)) = app::domain::review::reminder_mail(
                &c.vendor_name,
                &lapses,
                self.cfg.reminder_days,
                &portal,
            ) else {
                continue;
            };
            out.push(NewDelivery {
                channel: "mail",
                purpose: "contact_reminder",
                dedup_key: format!(
                    "contact-reminder:{}:{}-W{:02}",
                    c.id,
                    week.year(),
                    week.week()
                ),
                change_event_id: None,
                subscription_id: None,
                endpoint_id: None,
                recipient: c.email.clone(),
                payload: json(&MailPayload::Digest {
                    subject,
                    text,
                    html,
                })?,
                message_id: message_id(),
            });
        }
        Ok(out)
    }
}
