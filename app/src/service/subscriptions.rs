//! Server half of subscriptions: the pages' data (server functions) and what the server's
//! plain form routes do (subscribe, confirm, unsubscribe, filters, webhooks, objections).
//! A subscriber is known by a token only; every token is looked up by its hash.

use chrono::{DateTime, Utc};

mod objecting;
pub use objecting::{load_objection_form, object};

use crate::model::subscriptions::{
    Choice, EndpointView, ObjectionLine, SubscribeOptions, SubscriptionView, UnsubscribeView,
    UpcomingChange,
};
use crate::{
    domain::{
        changes::{describe, ChangeEvent},
        fields::Fields,
        notices::{objectionable, parse_interests, Outcome, Step, SubscribeForm},
        subscriber_links::{allows, counters, LinkKind, MailCap, MailCaps, Power},
        text::optional_text,
        DataCategory,
    },
    error::AppError,
    model::types::SelectOption,
    request::{db, today},
    store::{
        begin_write,
        changes::{self, ChangeQuery, When},
        objections::{self, ObjectionQuery, ObjectionRow},
        outbox::{self, NewDelivery},
        services, subscriber_links,
        subscriptions::{self, SubscriptionRow},
        Db,
    },
};

/// Form pairs as posted: every value of `name`.
fn all(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

/// The first value of `name`, or empty.
fn one(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

async fn service_slugs(db: &Db) -> Result<Vec<(String, String)>, AppError> {
    Ok(services::list_services(db)
        .await?
        .into_iter()
        .map(|s| (s.slug, s.name))
        .collect())
}

pub async fn load_subscribe_options() -> Result<SubscribeOptions, AppError> {
    let db = db()?;
    Ok(SubscribeOptions {
        services: service_slugs(&db)
            .await?
            .into_iter()
            .map(|(value, label)| SelectOption { value, label })
            .collect(),
        categories: DataCategory::ALL
            .iter()
            .map(|c| SelectOption {
                value: c.code().to_string(),
                label: c.label().to_string(),
            })
            .collect(),
    })
}

/// What a subscription request did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subscribed {
    /// One mail is queued (the confirmation link, or the manage link of a confirmed address).
    Queued,
    /// A cap held the mail back: per mailbox the answer is the same as `Queued` (nobody
    /// learns what was sent); per domain or in all nothing was recorded and the caller
    /// answers 429.
    Capped(MailCap),
}

/// `POST /subscribe`: record the request and queue one mail, within `caps` (counted in the
/// database, in the request's transaction). The answer is the same whatever the address: a
/// confirmed address is sent a fresh manage link instead, so nobody learns who is subscribed.
pub async fn subscribe(
    db: &Db,
    pairs: &[(String, String)],
    now: DateTime<Utc>,
    caps: &MailCaps,
) -> Result<Subscribed, AppError> {
    let form = SubscribeForm {
        email: one(pairs, "email"),
        organisation: one(pairs, "organisation"),
        service: all(pairs, "service"),
        category: all(pairs, "category"),
    };
    let known: Vec<String> = service_slugs(db)
        .await?
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    let new = form.parse(&known).map_err(AppError::Invalid)?;
    let mut tx = begin_write(db).await?;
    let counted = subscriber_links::count_mail(
        &mut tx,
        &counters(caps, &new.email.mailbox(), new.email.domain(), now),
    )
    .await?;
    let n = match counted {
        Ok(n) => n,
        Err(MailCap::Mailbox) => {
            // recorded as asked (as before the cap), no mail
            subscriptions::request(&mut tx, &new, now).await?;
            tx.commit().await?;
            return Ok(Subscribed::Capped(MailCap::Mailbox));
        }
        // dropped: rolled back, nothing counted or recorded
        Err(cap) => return Ok(Subscribed::Capped(cap)),
    };
    let s = subscriptions::request(&mut tx, &new, now).await?;
    let mail = if s.is_confirmed() {
        NewDelivery::manage_link(s.id, &s.email, now.date_naive(), n)
    } else {
        NewDelivery::confirmation(s.id, &s.email, now.date_naive(), n)
    };
    outbox::queue(&mut tx, &[mail], now).await?;
    tx.commit().await?;
    Ok(Subscribed::Queued)
}

/// What a confirmation link is, or what posting it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmed {
    /// A good link, not used yet (`GET`: the page with its Confirm button).
    Good,
    /// Confirmed (or confirmed already); `token` opens its manage page.
    Done { token: String },
    /// The link is older than 7 days.
    Expired,
    /// No such link.
    Unknown,
}

/// Whether a confirmation token is good, changing nothing (`GET` and `HEAD` of the link: mail
/// scanners open every link, so opening it must not confirm).
pub async fn check_confirm(
    db: &Db,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Confirmed, AppError> {
    let Some((_, link)) = subscriber_links::find(db, token).await? else {
        return Ok(Confirmed::Unknown);
    };
    if link.kind != LinkKind::Confirm {
        return Ok(Confirmed::Unknown);
    }
    if !allows(&link, Power::Confirm, now) {
        return Ok(Confirmed::Expired);
    }
    Ok(Confirmed::Good)
}

/// `POST /subscriptions/confirm/{token}`: the Confirm button of the link's page.
pub async fn confirm(db: &Db, token: &str, now: DateTime<Utc>) -> Result<Confirmed, AppError> {
    let found = check_confirm(db, token, now).await?;
    if found != Confirmed::Good {
        return Ok(found);
    }
    let Some((s, _)) = subscriber_links::find(db, token).await? else {
        return Ok(Confirmed::Unknown);
    };
    let mut tx = begin_write(db).await?;
    // the token was checked before the write lock: a confirmation that raced an unsubscribe
    // (or another click of the button) confirms nothing and issues no manage link
    if !subscriptions::confirm(&mut tx, s.id).await? {
        tx.rollback().await?;
        return Ok(Confirmed::Unknown);
    }
    let token = subscriber_links::issue(&mut tx, s.id, LinkKind::Access, now, None).await?;
    tx.commit().await?;
    Ok(Confirmed::Done { token })
}

/// The subscription whose token may do `power` now, or 404 (unknown, ended, or a token of
/// another kind: an unsubscribe link opens no page but its own).
async fn with_power(db: &Db, token: &str, power: Power) -> Result<SubscriptionRow, AppError> {
    match subscriber_links::find(db, token).await? {
        Some((s, link)) if allows(&link, power, Utc::now()) => Ok(s),
        _ => Err(AppError::NotFound),
    }
}

/// The subscription of a manage link, or 404.
async fn by_token(db: &Db, token: &str) -> Result<SubscriptionRow, AppError> {
    with_power(db, token, Power::Manage).await
}

/// The subscription of a manage link, if it is still on.
async fn confirmed(db: &Db, token: &str) -> Result<SubscriptionRow, AppError> {
    let s = by_token(db, token).await?;
    if !s.is_confirmed() {
        return Err(AppError::Request(
            "This subscription has ended. Subscribe again to hear of changes.".into(),
        ));
    }
    Ok(s)
}

/// Whether `token` may unsubscribe now (an unsubscribe link, or a manage link): such a post
/// is never throttled.
pub async fn may_unsubscribe(db: &Db, token: &str) -> Result<bool, AppError> {
    Ok(with_power(db, token, Power::Unsubscribe).await.is_ok())
}

/// `POST /subscriptions/unsubscribe/{token}` (RFC 8058 one-click): ends the subscription at
/// once, and with it every link. `false` for a token that may not unsubscribe.
pub async fn unsubscribe(db: &Db, token: &str) -> Result<bool, AppError> {
    let Ok(s) = with_power(db, token, Power::Unsubscribe).await else {
        return Ok(false);
    };
    let mut tx = begin_write(db).await?;
    subscriptions::unsubscribe(&mut tx, s.id).await?;
    tx.commit().await?;
    Ok(true)
}

/// The unsubscribe page of an unsubscribe (or manage) link.
pub async fn load_unsubscribe(token: &str) -> Result<UnsubscribeView, AppError> {
    let s = with_power(&db()?, token, Power::Unsubscribe).await?;
    Ok(UnsubscribeView {
        email: s.email,
        status: s.status,
    })
}

/// The manage page's "revoke every link": every token of the subscription ends, this one
/// too. `/subscribe` with the address mails a new manage link.
pub async fn revoke_links(db: &Db, token: &str) -> Result<u64, AppError> {
    let s = by_token(db, token).await?;
    let mut tx = begin_write(db).await?;
    let n = subscriber_links::revoke_all(&mut tx, s.id).await?;
    tx.commit().await?;
    Ok(n)
}

/// `POST /subscriptions/manage/{token}/filters`: organisation, `service` and `category`,
/// against the version the form showed.
pub async fn update_filters(
    db: &Db,
    token: &str,
    pairs: &[(String, String)],
) -> Result<(), AppError> {
    let s = confirmed(db, token).await?;
    let known: Vec<String> = service_slugs(db)
        .await?
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    let mut f = Fields::default();
    let organisation = f.take(
        "organisation",
        optional_text("Organisation", &one(pairs, "organisation"), 200),
    );
    let interests = parse_interests(
        &mut f,
        &all(pairs, "service"),
        &all(pairs, "category"),
        &known,
    );
    let version = one(pairs, "version").parse::<i64>().unwrap_or(s.version);
    let organisation = f.into_result(organisation).map_err(AppError::Invalid)?;
    let mut tx = begin_write(db).await?;
    let saved = subscriptions::update_interests(
        &mut tx,
        s.id,
        version,
        organisation.as_deref(),
        &interests,
    )
    .await?;
    if !saved {
        return Err(AppError::Request(
            "These filters were changed in another window since this page was opened; reload it and choose again."
                .into(),
        ));
    }
    tx.commit().await?;
    Ok(())
}

/// Most endpoints one subscription keeps.
pub const MAX_ENDPOINTS: usize = 5;

/// `POST /subscriptions/manage/{token}/webhooks`: add an endpoint (the URL checked by the
/// caller) with its signing secret. The cap is counted inside the adding transaction: two
/// adds at once cannot make six.
pub async fn add_webhook(db: &Db, token: &str, url: &str, secret: &str) -> Result<(), AppError> {
    let s = confirmed(db, token).await?;
    let mut tx = begin_write(db).await?;
    let added =
        subscriptions::add_endpoint(&mut tx, &db.secrets, s.id, url, secret, MAX_ENDPOINTS).await?;
    match added {
        subscriptions::EndpointAdded::Added(_) => {
            tx.commit().await?;
            Ok(())
        }
        subscriptions::EndpointAdded::Duplicate => Err(AppError::invalid(
            "url",
            "This endpoint is on the list already.",
        )),
        subscriptions::EndpointAdded::Full => Err(AppError::invalid(
            "url",
            format!("A subscription has at most {MAX_ENDPOINTS} endpoints; remove one first."),
        )),
    }
}

/// `POST /subscriptions/manage/{token}/webhooks/{id}/remove`.
pub async fn remove_webhook(db: &Db, token: &str, id: i64) -> Result<bool, AppError> {
    let s = by_token(db, token).await?;
    let mut tx = begin_write(db).await?;
    let removed =
        subscriptions::disable_endpoint(&mut tx, s.id, id, "removed by the subscriber").await?;
    tx.commit().await?;
    Ok(removed)
}

fn state_of(o: &ObjectionRow) -> String {
    match (o.step(), o.outcome.as_deref().map(Outcome::parse)) {
        (Step::Resolved, Some(Ok(outcome))) => format!("Resolved: {}", outcome.label()),
        (step, _) => step.label().to_string(),
    }
}

async fn lines(db: &Db, q: &ObjectionQuery) -> Result<Vec<ObjectionLine>, AppError> {
    let rows = objections::list(db, q, 200).await?;
    let mut out = Vec::with_capacity(rows.len());
    for o in rows {
        let response = objections::steps(db, o.id)
            .await?
            .into_iter()
            .rev()
            .find(|s| !s.response.trim().is_empty())
            .map(|s| s.response);
        out.push(ObjectionLine {
            id: o.id,
            change_id: o.change_event_id,
            vendor: o.legal_name.clone(),
            effective_on: o.effective_on.clone(),
            received_at: o.received_at.clone(),
            state: state_of(&o),
            response,
        });
    }
    Ok(out)
}

fn vendor_name(e: &ChangeEvent) -> String {
    e.after
        .as_ref()
        .or(e.before.as_ref())
        .map(|s| s.legal_name.clone())
        .unwrap_or_else(|| e.slug.clone())
}

fn upcoming(e: &ChangeEvent) -> UpcomingChange {
    UpcomingChange {
        id: e.id,
        vendor: vendor_name(e),
        summary: describe(e),
        effective_on: e.effective_on,
    }
}

pub async fn load_subscription(token: &str) -> Result<SubscriptionView, AppError> {
    let db = db()?;
    let s = by_token(&db, token).await?;
    let interests = s.interests();
    let services = service_slugs(&db)
        .await?
        .into_iter()
        .map(|(value, label)| Choice {
            chosen: interests.services.iter().any(|x| x.as_str() == value),
            option: SelectOption { value, label },
        })
        .collect();
    let categories = DataCategory::ALL
        .iter()
        .map(|c| Choice {
            chosen: interests.categories.contains(c),
            option: SelectOption {
                value: c.code().to_string(),
                label: c.label().to_string(),
            },
        })
        .collect();
    let endpoints = subscriptions::endpoints(&db, s.id)
        .await?
        .into_iter()
        .map(|e| EndpointView {
            id: e.id,
            url: e.url,
            enabled: e.enabled == 1,
            note: e.disabled_reason,
        })
        .collect();
    let objections = lines(
        &db,
        &ObjectionQuery {
            subscription: Some(s.id),
            ..Default::default()
        },
    )
    .await?;
    // upcoming changes this subscriber hears about and can still object to
    let day = today();
    let rows =
        changes::list_rows(&db, &ChangeQuery::default(), day, When::Upcoming, 100, 0).await?;
    let mut up = Vec::new();
    let mut conn = db.pool.acquire().await?;
    for r in rows {
        let e = r.event()?;
        let slugs = changes::services_of(&mut conn, e.id).await?;
        let withdrawn = objections::withdrawn(&mut conn, e.id).await?;
        if interests.matches(&e, &slugs) && objectionable(&e, day, withdrawn).is_ok() {
            up.push(upcoming(&e));
        }
    }
    Ok(SubscriptionView {
        email: s.email.clone(),
        organisation: s.organisation.clone().unwrap_or_default(),
        status: s.status.clone(),
        version: s.version,
        services,
        categories,
        endpoints,
        objections,
        upcoming: up,
    })
}
