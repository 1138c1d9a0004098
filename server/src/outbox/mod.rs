//! The delivery worker inside `server serve`: it turns recorded change events into
//! deliveries (the fan-out), writes the managers' daily digest, and sends what is due, by
//! mail (lettre) or webhook (Standard Webhooks), with retries on the schedule of
//! `domain::notices::next_attempt`. Instances coordinate through the database only: a row is
//! claimed by one worker (`FOR UPDATE SKIP LOCKED` on PostgreSQL), a fan-out batch moves its
//! cursor in the transaction that writes its rows, a digest day is taken once.

pub mod compose;
pub mod mail;
mod prepare;
mod queue;
pub mod webhook;

use std::{collections::HashMap, path::PathBuf, sync::Arc, time::Duration};

use app::{
    domain::{
        notices::next_attempt,
        subscriber_links::{LinkKind, MailCaps},
    },
    store::{
        self, begin_write,
        outbox::{self, Attempt, DeliveryRow, Lane},
        subscriber_links, subscriptions, Db, StoreError,
    },
};
use chrono::{DateTime, Duration as Span, Utc};
use futures::StreamExt;
use lettre::message::Mailbox;
use serde::Serialize;

use compose::{Links, Mail};
use mail::Mailer;

/// How the registry tells people, from `SMTP_URL`, `MAIL_FROM`, `MAIL_DIR`, `PUBLIC_URL`,
/// `WEBHOOK_ALLOW_PRIVATE`, `REMINDER_DAYS`.
#[derive(Debug, Clone)]
pub struct NoticeConfig {
    /// The origin of every link in a mail or webhook (no trailing slash).
    pub public_url: String,
    /// `PUBLIC_URL` as configured (the feed uses the request's host without it).
    pub public_url_given: Option<String>,
    pub smtp_url: String,
    pub mail_from: String,
    pub mail_dir: PathBuf,
    pub webhook_allow_private: bool,
    pub reminder_days: u32,
    /// Run the worker in this process (`OUTBOX_WORKER`, on by default).
    pub worker: bool,
    /// Follow vendors' published lists in this process too (`WATCH_LISTS`, on by default;
    /// only where the worker runs).
    pub watch_lists: bool,
    /// How long the worker sleeps when there is nothing to do.
    pub poll: Duration,
    /// This instance's name in claims (`INSTANCE_ID`): stable across restarts, so a restarted
    /// instance takes back at once what it was sending when it stopped.
    pub instance_id: String,
    /// Caps on mails sent on request (`CONFIRMATION_MAILS_PER_*`).
    pub caps: MailCaps,
    /// `LOG_SIGNING_KEY`: the worker signs each new head of the log before it tells anyone
    /// of the events under it. `None`: nothing is signed.
    pub log_key: Option<app::domain::tlog::note::SignerKey>,
    /// `TRUST_ACCESS_DAYS`, `TRUST_RETENTION_DAYS`, `TRUST_APPROVED_DOMAINS`.
    pub trust: app::domain::trust::TrustSettings,
}

/// Rows a fan-out batch reads; one batch is one transaction.
pub const FANOUT_BATCH: u32 = 2000;
/// Deliveries claimed at once, and how many of them are sent at the same time.
pub const CLAIM_BATCH: u32 = 100;
pub const SEND_AT_ONCE: usize = 16;
/// Vendors read per round of the managers' digest (with their evidence, in memory at once).
const DIGEST_ROUND: u32 = 2_000;
/// How long a claim lasts: well past the time one batch may take (every call timing out).
pub const CLAIM_FOR: Span = Span::minutes(5);
/// How long the webhook lane keeps calling one endpoint, one call after the other, within a
/// batch; the rest of its deliveries are given back untried. Well inside [`CLAIM_FOR`], so
/// a slow endpoint's calls never outlive their claims.
pub const ENDPOINT_BUDGET: Duration = Duration::from_secs(120);
/// How often the periodic round prunes ended links and old mail counts.
pub const PRUNE_EVERY: Span = Span::hours(1);

/// Why a step of the worker failed (it logs and goes on).
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("{0}")]
    Other(String),
}

/// The worker and what it needs.
#[derive(Clone)]
pub struct Outbox {
    db: Db,
    cfg: Arc<NoticeConfig>,
    mailer: Mailer,
    from: Mailbox,
    /// When this instance last pruned (see [`Outbox::prune`]).
    pruned_at: Arc<std::sync::Mutex<Option<DateTime<Utc>>>>,
}

impl Outbox {
    pub fn new(db: Db, cfg: NoticeConfig) -> Result<Self, String> {
        let mailer = Mailer::new(&cfg.smtp_url, &cfg.mail_dir)?;
        let from: Mailbox = cfg
            .mail_from
            .parse()
            .map_err(|e| format!("MAIL_FROM {:?}: {e}", cfg.mail_from))?;
        Ok(Outbox {
            db,
            cfg: Arc::new(cfg),
            mailer,
            from,
            pruned_at: Arc::default(),
        })
    }

    pub fn config(&self) -> &NoticeConfig {
        &self.cfg
    }

    /// Work until `stop` turns true: take back this instance's old claims, then run the two
    /// lanes side by side. The mail lane fans out, writes the digest and sends mails; the
    /// webhook lane calls endpoints. A slow or dead endpoint holds up its own lane only, so
    /// confirmation mails and notices go out whatever the endpoints do. Each lane sleeps
    /// `poll` whenever it had nothing to do.
    pub async fn run(self, stop: tokio::sync::watch::Receiver<bool>) {
        match outbox::release_claims(&self.db, &self.cfg.instance_id).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                released = n,
                "took back deliveries claimed before a restart"
            ),
            Err(e) => tracing::warn!("cannot release old claims: {e}"),
        }
        // both lanes in this one task, so that aborting the worker stops both
        tokio::join!(self.run_mail(stop.clone()), self.run_webhooks(stop));
    }

    async fn run_mail(&self, mut stop: tokio::sync::watch::Receiver<bool>) {
        loop {
            if *stop.borrow() {
                break;
            }
            let worked = match self.tick(Utc::now()).await {
                Ok(n) => n > 0,
                Err(e) => {
                    tracing::warn!("delivery worker: {e}");
                    false
                }
            };
            if !worked {
                tokio::select! {
                    _ = tokio::time::sleep(self.cfg.poll) => {}
                    _ = stop.changed() => {}
                }
            }
        }
    }

    /// The webhook lane. A stop does not wait for calls under way: their claims are taken
    /// back at the next start (or run out), and a repeated call carries the same
    /// `webhook-id`.
    async fn run_webhooks(&self, mut stop: tokio::sync::watch::Receiver<bool>) {
        loop {
            if *stop.borrow() {
                break;
            }
            let worked = tokio::select! {
                r = self.send_due(Utc::now(), Lane::Webhook) => match r {
                    Ok(n) => n > 0,
                    Err(e) => {
                        tracing::warn!("webhook lane: {e}");
                        false
                    }
                },
                r = stop.changed() => {
                    if r.is_err() {
                        break;
                    }
                    continue;
                }
            };
            if !worked {
                tokio::select! {
                    _ = tokio::time::sleep(self.cfg.poll) => {}
                    r = stop.changed() => if r.is_err() { break },
                }
            }
        }
    }

    /// One round of the mail lane: fan out, the digest, one batch of mails. Returns how much
    /// it did.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<u64, OutboxError> {
        let mut done = 0;
        // events a transaction left out of the log enter it (a safety net: none expected)
        match app::store::log::append_leftovers(&self.db).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!("{n} change events entered the log after their transaction"),
            Err(e) => tracing::error!("appending to the log failed: {e}"),
        }
        // the events about to be announced are under a signed checkpoint first
        if let Some(key) = &self.cfg.log_key {
            if let Err(e) = app::service::log::sign_pending(&self.db, key).await {
                tracing::error!("signing the log's checkpoint failed: {e}");
            }
        }
        for _ in 0..50 {
            let n = self.fan_out_batch(now).await?;
            if n == 0 {
                break;
            }
            done += n;
        }
        done += self.queue_digest(now).await?;
        done += self.send_due(now, Lane::Mail).await?;
        self.prune(now).await;
        Ok(done)
    }

    /// At most once per [`PRUNE_EVERY`] per instance: delete subscriber links whose every
    /// power has ended and mail counts of windows over two days old. Pruning is idempotent,
    /// so instances need not agree on who does it. A failure is logged and tried next time.
    async fn prune(&self, now: DateTime<Utc>) {
        {
            let Ok(mut last) = self.pruned_at.lock() else {
                return;
            };
            if last.is_some_and(|t| now - t < PRUNE_EVERY) {
                return;
            }
            *last = Some(now);
        }
        match subscriber_links::prune(&self.db, now).await {
            Ok(p) if p.tokens + p.counts > 0 => tracing::info!(
                tokens = p.tokens,
                mail_counts = p.counts,
                "pruned ended subscriber links and old mail counts"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!("cannot prune subscriber links: {e}"),
        }
        match app::store::contacts::prune_links(&self.db, now).await {
            Ok(n) if n > 0 => tracing::info!(links = n, "pruned ended vendor portal links"),
            Ok(_) => {}
            Err(e) => tracing::warn!("cannot prune vendor portal links: {e}"),
        }
    }

    /// Claim a batch of due deliveries of `lane`, send them and record each result.
    pub async fn send_due(&self, now: DateTime<Utc>, lane: Lane) -> Result<u64, OutboxError> {
        let worker = &self.cfg.instance_id;
        let batch =
            outbox::claim_due(&self.db, worker, now, now + CLAIM_FOR, CLAIM_BATCH, lane).await?;
        if batch.is_empty() {
            return Ok(0);
        }
        let n = batch.len() as u64;
        let prepared = self.prepare(&batch, now).await?;
        match lane {
            Lane::Mail => self.send_mails(prepared).await?,
            Lane::Webhook => self.call_endpoints(prepared).await,
        }
        Ok(n)
    }

    /// Send mails, several at once.
    async fn send_mails(&self, prepared: Vec<Prepared>) -> Result<(), OutboxError> {
        let worker = &self.cfg.instance_id;
        // results are recorded as they come, a few at a time: a kill loses (and so repeats)
        // only the sends of the last few moments, not the whole batch
        let mut results = futures::stream::iter(prepared)
            .map(|(d, p)| async move {
                let attempt = match p {
                    Err(a) => a,
                    Ok(out) => self.send_one(&d, out).await,
                };
                (d.id, attempt)
            })
            .buffer_unordered(SEND_AT_ONCE)
            .chunks(SEND_AT_ONCE);
        while let Some(done) = results.next().await {
            for (id, a) in &done {
                log_attempt(*id, a);
            }
            outbox::record_attempts(&self.db, worker, &done, Utc::now()).await?;
        }
        Ok(())
    }

    /// Call endpoints: several endpoints at once, but one call at a time per endpoint.
    async fn call_endpoints(&self, prepared: Vec<Prepared>) {
        let mut groups: Vec<Vec<Prepared>> = Vec::new();
        let mut index: HashMap<Option<i64>, usize> = HashMap::new();
        for p in prepared {
            let at = *index.entry(p.0.endpoint_id).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[at].push(p);
        }
        let mut calls = futures::stream::iter(groups)
            .map(|g| self.call_endpoint(g))
            .buffer_unordered(SEND_AT_ONCE);
        while let Some(r) = calls.next().await {
            if let Err(e) = r {
                tracing::warn!("webhook lane: {e}");
            }
        }
    }

    /// The deliveries of one endpoint, one after the other, each recorded as it ends. A call
    /// that fails backs the endpoint off until its retry is due (the rest of its deliveries,
    /// here and pending, wait as long); one refused for good, or the budget spent, gives the
    /// rest back untried.
    async fn call_endpoint(&self, group: Vec<Prepared>) -> Result<(), OutboxError> {
        let worker = &self.cfg.instance_id;
        let started = std::time::Instant::now();
        let mut back_off: Option<(i64, DateTime<Utc>)> = None;
        let mut rest = group.into_iter();
        for (d, p) in rest.by_ref() {
            let attempt = match p {
                Err(a) => a,
                Ok(out) => self.send_one(&d, out).await,
            };
            log_attempt(d.id, &attempt);
            let now = Utc::now();
            outbox::record_attempts(&self.db, worker, &[(d.id, attempt.clone())], now).await?;
            let stop = match (&attempt, d.endpoint_id) {
                (Attempt::Retry(at, _), Some(ep)) => Some((ep, *at)),
                (Attempt::Failed(_), Some(ep)) => Some((ep, now)),
                (_, Some(ep)) if started.elapsed() > ENDPOINT_BUDGET => Some((ep, now)),
                _ => None,
            };
            if stop.is_some() {
                back_off = stop;
                break;
            }
        }
        if let Some((endpoint, until)) = back_off {
            let untried = rest.count();
            outbox::back_off_endpoint(&self.db, worker, endpoint, until, Utc::now()).await?;
            if until > Utc::now() {
                metrics::counter!("registry_webhook_backoffs_total").increment(1);
                tracing::info!(endpoint, until = %until, untried, "endpoint backed off");
            }
        }
        Ok(())
    }

    async fn send_one(&self, d: &DeliveryRow, out: Outgoing) -> Attempt {
        let now = Utc::now();
        let retry = |error: String| {
            let first = DateTime::parse_from_rfc3339(&d.first_due_at)
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or(now);
            let attempts = u32::try_from(d.attempts + 1).unwrap_or(u32::MAX);
            match next_attempt(first, attempts, now, rand::random::<f64>()) {
                Some(at) => Attempt::Retry(at, error),
                None => Attempt::Failed(format!("gave up after three days: {error}")),
            }
        };
        match out {
            Outgoing::Mail(mail) => {
                let id = format!("<{}@{}>", d.message_id, self.mail_domain());
                match mail::message(&mail, &self.from, &id) {
                    Err(e) => Attempt::Failed(e),
                    Ok(m) => match self.mailer.send(m).await {
                        Ok(()) => Attempt::Sent,
                        Err(e) => retry(format!("mail relay: {e}")),
                    },
                }
            }
            Outgoing::Webhook {
                url,
                secret,
                endpoint,
                subscription,
            } => match webhook::call(
                &url,
                &secret,
                &d.message_id,
                &d.payload,
                self.cfg.webhook_allow_private,
            )
            .await
            {
                webhook::Answer::Delivered => Attempt::Sent,
                webhook::Answer::Gone => {
                    if let Err(e) = self.disable_endpoint(subscription, endpoint).await {
                        tracing::warn!("cannot disable endpoint {endpoint}: {e}");
                    }
                    Attempt::Failed("the endpoint answered 410 Gone; it is disabled".into())
                }
                webhook::Answer::Refused(e) => Attempt::Failed(e),
                webhook::Answer::Failed(e) => retry(e),
            },
        }
    }

    async fn disable_endpoint(&self, subscription: i64, endpoint: i64) -> Result<(), OutboxError> {
        let mut tx = begin_write(&self.db).await?;
        subscriptions::disable_endpoint(&mut tx, subscription, endpoint, "answered 410 Gone")
            .await?;
        outbox::fail_pending_of_endpoint(&mut tx, endpoint, "the endpoint answered 410 Gone")
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The host of `PUBLIC_URL`, for Message-IDs.
    fn mail_domain(&self) -> String {
        reqwest::Url::parse(&self.cfg.public_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| "localhost".into())
    }
}

/// A claimed delivery with what to send, or the result it has without sending.
type Prepared = (DeliveryRow, Result<Outgoing, Attempt>);

fn log_attempt(id: i64, a: &Attempt) {
    match a {
        Attempt::Sent => tracing::debug!(delivery = id, "sent"),
        Attempt::Retry(at, e) => tracing::info!(delivery = id, retry_at = %at, "not sent: {e}"),
        Attempt::Failed(e) => tracing::warn!(delivery = id, "failed for good: {e}"),
        Attempt::Skipped(e) => tracing::info!(delivery = id, "skipped: {e}"),
    }
}

/// A message ready to go.
enum Outgoing {
    Mail(Box<Mail>),
    Webhook {
        url: String,
        secret: String,
        endpoint: i64,
        subscription: i64,
    },
}

pub use app::store::outbox::message_id as new_message_id;

/// The links of a subscriber's mail, each its own token: the manage link (30 days), the
/// unsubscribe link (`List-Unsubscribe`, which can do nothing else) and, for a change that
/// can still be objected to, its objection link (until it takes effect).
async fn issue_links(
    tx: &mut store::AnyConnection,
    base: &str,
    subscription: i64,
    now: DateTime<Utc>,
    objection: Option<(i64, chrono::NaiveDate)>,
) -> Result<Links, OutboxError> {
    let manage = subscriber_links::issue(tx, subscription, LinkKind::Access, now, None).await?;
    let unsubscribe =
        subscriber_links::issue(tx, subscription, LinkKind::Unsubscribe, now, None).await?;
    let objection = match objection {
        Some(change) => Some(
            subscriber_links::issue(tx, subscription, LinkKind::Objection, now, Some(change))
                .await?,
        ),
        None => None,
    };
    Ok(Links {
        base: base.to_string(),
        manage,
        unsubscribe,
        objection,
    })
}

fn json<T: Serialize>(v: &T) -> Result<String, OutboxError> {
    serde_json::to_string(v).map_err(|e| OutboxError::Other(e.to_string()))
}
