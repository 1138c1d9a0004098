//! A subscriber's links and the mails they ask for: what each kind of token may do and for
//! how long, and the caps on mails sent on request (per mailbox, per domain, per hour).
//! Pure rules; the store keeps the tokens (hashed) and the counts, callers pass the time in.

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};

/// A confirmation link is good this long.
pub const CONFIRM_FOR: Duration = Duration::days(7);
/// A manage link (the subscriber's page, its forms, objections to any upcoming change) is
/// good this long; `/subscribe` with the same address mails a fresh one.
pub const MANAGE_FOR: Duration = Duration::days(30);
/// An unsubscribe link (`List-Unsubscribe` and the footer of every mail) is good this long:
/// long, because people unsubscribe from old mails, and harmless, because it can do nothing
/// else. A manage link unsubscribes for as long too.
pub const UNSUBSCRIBE_FOR: Duration = Duration::days(365);

/// Whether `path` is a one-click unsubscribe address (`/subscriptions/unsubscribe/{token}`,
/// RFC 8058): one path segment of a token's 64 hex digits, nothing after it. Only such a POST
/// skips the per-address rate limit and the cross-site check (its handler counts bad tokens);
/// any longer or other path is counted like every request, so the exemption cannot be used to
/// make the server render pages without limit.
pub fn is_one_click_path(path: &str) -> bool {
    path.strip_prefix("/subscriptions/unsubscribe/")
        .is_some_and(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The kinds of subscriber token, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// The double opt-in link.
    Confirm,
    /// The manage link: the subscriber's page and everything on it.
    Access,
    /// The unsubscribe link: unsubscribes, nothing else.
    Unsubscribe,
    /// An objection link: objects to its one change until that change takes effect.
    Objection,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Confirm => "confirm",
            LinkKind::Access => "access",
            LinkKind::Unsubscribe => "unsubscribe",
            LinkKind::Objection => "objection",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            LinkKind::Confirm,
            LinkKind::Access,
            LinkKind::Unsubscribe,
            LinkKind::Objection,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// What a request wants to do with a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Power {
    Confirm,
    Manage,
    /// Object to (and see the objection form of) this change.
    Object(i64),
    Unsubscribe,
}

/// A stored token as the rules need it: its kind, the change an objection link is for, when
/// its main power ends and when its power to unsubscribe ends (`None`: with the main one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub kind: LinkKind,
    pub change: Option<i64>,
    pub expires_at: Option<DateTime<Utc>>,
    pub unsubscribe_until: Option<DateTime<Utc>>,
}

/// Whether `link` may do `power` at `now`. An access link manages, objects to any change and
/// unsubscribes; every other kind does its one thing. A missing end never ends.
pub fn allows(link: &Link, power: Power, now: DateTime<Utc>) -> bool {
    let kind_allows = match (link.kind, power) {
        (LinkKind::Confirm, Power::Confirm) => true,
        (LinkKind::Access, Power::Manage | Power::Object(_) | Power::Unsubscribe) => true,
        (LinkKind::Unsubscribe, Power::Unsubscribe) => true,
        (LinkKind::Objection, Power::Object(c)) => link.change == Some(c),
        _ => false,
    };
    let until = match power {
        Power::Unsubscribe => link.unsubscribe_until.or(link.expires_at),
        _ => link.expires_at,
    };
    kind_allows && until.is_none_or(|t| now < t)
}

/// When a new token of `kind` ends (its main power, then its power to unsubscribe). An
/// objection link ends when its change takes effect (`effective_on`, 00:00 UTC): objections
/// close then.
pub fn lifetime(
    kind: LinkKind,
    now: DateTime<Utc>,
    effective_on: Option<NaiveDate>,
) -> (DateTime<Utc>, Option<DateTime<Utc>>) {
    match kind {
        LinkKind::Confirm => (now + CONFIRM_FOR, None),
        LinkKind::Access => (now + MANAGE_FOR, Some(now + UNSUBSCRIBE_FOR)),
        LinkKind::Unsubscribe => (now + UNSUBSCRIBE_FOR, None),
        LinkKind::Objection => {
            let end = effective_on
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
                .unwrap_or(now);
            (end, None)
        }
    }
}

/// Mails sent on request (a confirmation link, or the manage link of an address subscribed
/// already): at most `per_mailbox_day` a UTC day to one mailbox (`Email::mailbox`),
/// `per_domain_hour` an hour to one domain and `per_hour` an hour in all (every instance
/// together: the counts are in the database). 0 turns a cap off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailCaps {
    pub per_mailbox_day: u32,
    pub per_domain_hour: u32,
    pub per_hour: u32,
}

impl Default for MailCaps {
    fn default() -> Self {
        MailCaps {
            per_mailbox_day: 3,
            per_domain_hour: 20,
            per_hour: 500,
        }
    }
}

/// Which cap held a mail back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailCap {
    Mailbox,
    Domain,
    Global,
}

impl MailCap {
    /// Its label in the metric.
    pub fn as_str(self) -> &'static str {
        match self {
            MailCap::Mailbox => "mailbox",
            MailCap::Domain => "domain",
            MailCap::Global => "global",
        }
    }
}

/// The counters a mail on request to `mailbox` at `domain` is counted in, in the order they
/// are checked, each with its key, its window and its cap (0: counted, never refused).
pub fn counters(
    caps: &MailCaps,
    mailbox: &str,
    domain: &str,
    now: DateTime<Utc>,
) -> Vec<(MailCap, String, String, u32)> {
    let day = now.date_naive().to_string();
    let hour = format!("{}T{:02}", now.date_naive(), now.hour());
    [
        (
            MailCap::Mailbox,
            format!("mailbox:{mailbox}"),
            day,
            caps.per_mailbox_day,
        ),
        (
            MailCap::Domain,
            format!("domain:{domain}"),
            hour.clone(),
            caps.per_domain_hour,
        ),
        (MailCap::Global, "global".to_string(), hour, caps.per_hour),
    ]
    .into()
}

/// Seconds until the next hour begins (the `Retry-After` of an hourly cap).
pub fn seconds_to_next_hour(now: DateTime<Utc>) -> u64 {
    u64::from(3600 - (now.minute() * 60 + now.second())).max(1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_a_token_path_is_one_click() {
        let token = "ab".repeat(32);
        assert!(is_one_click_path(&format!(
            "/subscriptions/unsubscribe/{token}"
        )));
        for bad in [
            format!("/subscriptions/unsubscribe/{token}/x"),
            format!("/subscriptions/unsubscribe/{token}0"),
            "/subscriptions/unsubscribe/x/y".to_string(),
            "/subscriptions/unsubscribe/".to_string(),
            format!("/subscriptions/unsubscribe/{}", "zz".repeat(32)),
            format!("/subscriptions/manage/{token}"),
        ] {
            assert!(!is_one_click_path(&bad), "{bad}");
        }
    }

    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&Utc)
    }

    #[test]
    fn each_kind_does_its_own_thing_only() {
        let now = at("2026-12-06T10:00:00Z");
        let link = |kind, change| {
            let (expires_at, unsubscribe_until) = lifetime(kind, now, Some(d("2027-01-01")));
            Link {
                kind,
                change,
                expires_at: Some(expires_at),
                unsubscribe_until,
            }
        };
        let unsub = link(LinkKind::Unsubscribe, None);
        assert!(allows(&unsub, Power::Unsubscribe, now));
        for p in [Power::Manage, Power::Object(7), Power::Confirm] {
            assert!(!allows(&unsub, p, now), "{p:?}");
        }
        let objection = link(LinkKind::Objection, Some(7));
        assert!(allows(&objection, Power::Object(7), now));
        for p in [Power::Object(8), Power::Manage, Power::Unsubscribe] {
            assert!(!allows(&objection, p, now), "{p:?}");
        }
        let access = link(LinkKind::Access, None);
        for p in [Power::Manage, Power::Object(8), Power::Unsubscribe] {
            assert!(allows(&access, p, now), "{p:?}");
        }
        assert!(!allows(&access, Power::Confirm, now));
        assert!(allows(&link(LinkKind::Confirm, None), Power::Confirm, now));
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn lifetimes_end_where_the_docs_say() {
        let now = at("2026-12-06T10:00:00Z");
        let access = Link {
            kind: LinkKind::Access,
            change: None,
            expires_at: Some(now + MANAGE_FOR),
            unsubscribe_until: Some(now + UNSUBSCRIBE_FOR),
        };
        let later = now + Duration::days(30);
        assert!(allows(&access, Power::Manage, later - Duration::seconds(1)));
        assert!(!allows(&access, Power::Manage, later), "30 days");
        assert!(
            allows(&access, Power::Unsubscribe, later),
            "still unsubscribes"
        );
        assert!(!allows(
            &access,
            Power::Unsubscribe,
            now + Duration::days(365)
        ));
        let (end, _) = lifetime(LinkKind::Objection, now, Some(d("2027-01-01")));
        assert_eq!(end, at("2027-01-01T00:00:00Z"), "until the effective date");
        assert_eq!(lifetime(LinkKind::Confirm, now, None).0, now + CONFIRM_FOR);
    }

    #[test]
    fn counters_are_per_mailbox_day_domain_hour_and_hour() {
        let now = at("2026-12-06T07:59:30Z");
        let c = counters(&MailCaps::default(), "victim@x.org", "x.org", now);
        assert_eq!(
            c,
            vec![
                (
                    MailCap::Mailbox,
                    "mailbox:victim@x.org".into(),
                    "2026-12-06".into(),
                    3
                ),
                (
                    MailCap::Domain,
                    "domain:x.org".into(),
                    "2026-12-06T07".into(),
                    20
                ),
                (
                    MailCap::Global,
                    "global".into(),
                    "2026-12-06T07".into(),
                    500
                ),
            ]
        );
        let off = MailCaps {
            per_domain_hour: 0,
            ..MailCaps::default()
        };
        assert_eq!(
            counters(&off, "a@x.org", "x.org", now)[1].3,
            0,
            "off: counted only"
        );
        assert_eq!(seconds_to_next_hour(now), 30);
    }
}
