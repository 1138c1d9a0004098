//! What the registry's messages say: the notice of a change (mail and webhook body), the
//! confirmation mail, an objection's response and the managers' digest. Pure functions of
//! the data, the public origin and the links' token; the worker sends what they return.

use app::domain::{
    changes::{days_left, describe, ChangeEvent, ChangeKind, PublicScope},
    country::country_name,
    dashboard::Digest,
    notices::objectionable,
    text::escape_markup as esc,
    DataCategory,
};
use app::registry::change::Receipt;
use chrono::NaiveDate;
use serde::Serialize;

/// A mail ready to send: both parts, and the one-click unsubscribe URL when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// `{PUBLIC_URL}/subscriptions/unsubscribe/{token}`: the `List-Unsubscribe` header.
    pub unsubscribe: Option<String>,
}

/// A page of the HTML part: a heading, paragraphs (already escaped) and a footer.
fn html_page(title: &str, body: &str, footer: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title></head>\
         <body style=\"font-family:system-ui,sans-serif;line-height:1.5;max-width:40rem\">\
         <h1 style=\"font-size:1.25rem\">{t}</h1>{body}\
         <hr><p style=\"font-size:.875rem;color:#555\">{footer}</p></body></html>",
        t = esc(title)
    )
}

fn link(href: &str, text: &str) -> String {
    format!("<a href=\"{}\">{}</a>", esc(href), esc(text))
}

/// The vendor's name in an event.
pub fn vendor_name(e: &ChangeEvent) -> String {
    e.after
        .as_ref()
        .or(e.before.as_ref())
        .map(|s| s.legal_name.clone())
        .unwrap_or_else(|| e.slug.clone())
}

/// `New subprocessor: Nimbus Relay GmbH (effective 2027-05-27)`.
pub fn subject(e: &ChangeEvent) -> String {
    let what = match e.kind {
        ChangeKind::Added => "New subprocessor",
        ChangeKind::ScopeChanged => "Subprocessor scope change",
        ChangeKind::Removed => "Subprocessor removed",
    };
    format!("{what}: {} (effective {})", vendor_name(e), e.effective_on)
}

fn category_label(code: &str) -> String {
    DataCategory::parse(code)
        .map(|c| c.label().to_string())
        .unwrap_or_else(|_| code.to_string())
}

/// A scope in one line per aspect.
fn scope_lines(s: &PublicScope) -> Vec<(String, String)> {
    let join = |v: Vec<String>| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    vec![
        ("Purpose".into(), s.purpose.clone()),
        ("Services".into(), join(s.services.clone())),
        (
            "Processing countries".into(),
            join(
                s.countries
                    .iter()
                    .map(|c| format!("{} ({c})", country_name(c).unwrap_or(c)))
                    .collect(),
            ),
        ),
        (
            "Data categories".into(),
            join(s.categories.iter().map(|c| category_label(c)).collect()),
        ),
    ]
}

/// The links of a subscriber's mail, each with a token of its own kind: the manage page's,
/// the unsubscribe link's (it can do nothing else) and the objection link's (one change).
pub struct Links {
    pub base: String,
    pub manage: String,
    pub unsubscribe: String,
    /// Only in the notice of a change that can still be objected to.
    pub objection: Option<String>,
}

impl Links {
    pub fn manage(&self) -> String {
        format!("{}/subscriptions/manage/{}", self.base, self.manage)
    }
    pub fn unsubscribe(&self) -> String {
        format!(
            "{}/subscriptions/unsubscribe/{}",
            self.base, self.unsubscribe
        )
    }
    /// The objection link of `change`: its own token, or (none issued) the manage token.
    pub fn objection(&self, change: i64) -> String {
        format!(
            "{}/changes/{change}/objection?token={}",
            self.base,
            self.objection.as_deref().unwrap_or(&self.manage)
        )
    }
    fn footer_text(&self) -> String {
        format!(
            "You receive this because you subscribed to subprocessor changes.\n\
             Change what you hear about: {}\nUnsubscribe: {}\n",
            self.manage(),
            self.unsubscribe()
        )
    }
    fn footer_html(&self) -> String {
        format!(
            "You receive this because you subscribed to subprocessor changes. {} · {}",
            link(&self.manage(), "Change what you hear about"),
            link(&self.unsubscribe(), "Unsubscribe")
        )
    }
}

/// The notice of one change to one subscriber.
/// With its `receipt` in the signed log, when the event is in it.
pub fn notice(
    to: &str,
    e: &ChangeEvent,
    links: &Links,
    today: NaiveDate,
    withdrawn: bool,
    receipt: Option<&Receipt>,
) -> Mail {
    let name = vendor_name(e);
    let notice_days = days_left(e.announced_on, e.effective_on).max(0);
    let vendor_url = format!("{}/subprocessors/{}", links.base, e.slug);
    let can_object = objectionable(e, today, withdrawn).is_ok();
    let mut facts: Vec<(String, String)> = vec![
        ("Vendor".into(), name.clone()),
        ("Change".into(), e.kind.label().to_string()),
        ("Announced on".into(), e.announced_on.to_string()),
        (
            "Takes effect on".into(),
            format!("{} ({notice_days} days of notice)", e.effective_on),
        ),
    ];
    let mut text = format!("{}\n\n", describe(e));
    let mut html = format!("<p>{}</p>", esc(&describe(e)));
    let mut table = String::from("<table style=\"border-collapse:collapse\">");
    let row = |k: &str, v: &str, text: &mut String, table: &mut String| {
        text.push_str(&format!("{k}: {v}\n"));
        table.push_str(&format!(
            "<tr><th style=\"text-align:left;padding-right:1rem\">{}</th><td>{}</td></tr>",
            esc(k),
            esc(v)
        ));
    };
    for (k, v) in facts.drain(..) {
        row(&k, &v, &mut text, &mut table);
    }
    for (label, scope) in [("Before", &e.before), ("After", &e.after)] {
        if let Some(s) = scope {
            text.push_str(&format!("\n{label} the change:\n"));
            table.push_str(&format!(
                "<tr><th colspan=\"2\" style=\"text-align:left;padding-top:.5rem\">{label} the change</th></tr>"
            ));
            for (k, v) in scope_lines(s) {
                row(&format!("  {k}"), &v, &mut text, &mut table);
            }
        }
    }
    table.push_str("</table>");
    html.push_str(&table);
    text.push_str(&format!("\nVendor page: {vendor_url}\n"));
    html.push_str(&format!(
        "<p>{}</p>",
        link(&vendor_url, "The vendor's page")
    ));
    if can_object {
        let url = links.objection(e.id);
        text.push_str(&format!(
            "Object to this change before {}: {url}\n",
            e.effective_on
        ));
        html.push_str(&format!(
            "<p>{} (open until the day before {}).</p>",
            link(&url, "Object to this change"),
            e.effective_on
        ));
    }
    if let Some(r) = receipt {
        let (t, h) = receipt_part(r, &links.base);
        text.push_str(&t);
        html.push_str(&h);
    }
    text.push_str(&format!("\n--\n{}", links.footer_text()));
    Mail {
        to: to.to_string(),
        subject: subject(e),
        text,
        html: html_page(&subject(e), &html, &links.footer_html()),
        unsubscribe: Some(links.unsubscribe()),
    }
}

/// A notice's receipt, text and HTML: the leaf, the proof's address and, when signed, the
/// checkpoint verbatim (a signed note is verified byte for byte, so it is not indented).
fn receipt_part(r: &Receipt, base: &str) -> (String, String) {
    let key = format!("{base}/.well-known/subprocessors-log-key");
    let mut text = format!(
        "\nReceipt: this change is entry {} of our signed log of changes, leaf hash {}.\n\
         Keep this mail: with the proof ({}) it shows what we announced, and when.\n",
        r.leaf_index, r.leaf_hash, r.proof
    );
    let mut html = format!(
        "<h2 style=\"font-size:1rem\">Receipt</h2><p>This change is entry {} of our signed log \
         of changes, leaf hash <code>{}</code>. Keep this mail: with {} it shows what we \
         announced, and when.</p>",
        r.leaf_index,
        esc(&r.leaf_hash),
        link(&r.proof, "the inclusion proof")
    );
    if let Some(note) = &r.checkpoint {
        text.push_str(&format!(
            "The signed checkpoint that includes it (check the signature with the key at {key}):\n\n{note}\n"
        ));
        html.push_str(&format!(
            "<p>The signed checkpoint that includes it (check the signature with {}):</p>\
             <pre style=\"font-size:.8rem\">{}</pre>",
            link(&key, "our published key"),
            esc(note)
        ));
    }
    (text, html)
}

/// The double opt-in mail: one link that confirms, good until `expires_on`.
pub fn confirmation(to: &str, base: &str, token: &str, expires_on: NaiveDate) -> Mail {
    let url = format!("{base}/subscriptions/confirm/{token}");
    let subject = "Confirm your subscription to subprocessor changes".to_string();
    let text = format!(
        "Someone, probably you, asked to be told of changes to our list of subprocessors at \
         this address.\n\nConfirm the subscription by opening this link (good until {expires_on}):\n{url}\n\n\
         If it was not you, ignore this mail: nothing is sent until the subscription is confirmed.\n"
    );
    let html = html_page(
        &subject,
        &format!(
            "<p>Someone, probably you, asked to be told of changes to our list of subprocessors at this address.</p>\
             <p>{} (good until {expires_on}).</p>\
             <p>If it was not you, ignore this mail: nothing is sent until the subscription is confirmed.</p>",
            link(&url, "Confirm the subscription")
        ),
        "Subprocessor Registry",
    );
    Mail {
        to: to.to_string(),
        subject,
        text,
        html,
        unsubscribe: None,
    }
}

/// A vendor contact's sign-in link to the vendor portal: who asked for it, what it opens,
/// how long it works, and what to do if it was not expected.
pub fn contact_link(
    to: &str,
    (name, vendor): (&str, &str),
    base: &str,
    token: &str,
    expires_on: NaiveDate,
) -> Mail {
    let url = format!("{base}/vendor/sign-in/{token}");
    let subject = format!("Your sign-in link to the vendor portal for {vendor}");
    let text = format!(
        "Hello {name},\n\nYou are a contact of {vendor} in our register of subprocessors. \
         The vendor portal is where you keep {vendor}'s record with us current.\n\n\
         Open this link and press Continue to sign in (it works once, until {expires_on}):\n{url}\n\n\
         If the link has expired, ask for a new one at {base}/vendor/sign-in.\n\
         If you did not expect this mail, ignore it: nothing happens until the link is used.\n"
    );
    let html = html_page(
        &subject,
        &format!(
            "<p>Hello {},</p><p>You are a contact of {} in our register of subprocessors. \
             The vendor portal is where you keep its record with us current.</p>\
             <p>{} and press Continue (it works once, until {expires_on}).</p>\
             <p>If the link has expired, ask for a new one at {}.</p>\
             <p>If you did not expect this mail, ignore it: nothing happens until the link is used.</p>",
            esc(name),
            esc(vendor),
            link(&url, "Open the vendor portal"),
            link(&format!("{base}/vendor/sign-in"), "the portal's sign-in page"),
        ),
        "Subprocessor Registry",
    );
    Mail {
        to: to.to_string(),
        subject,
        text,
        html,
        unsubscribe: None,
    }
}

/// The manage link of a confirmed subscription whose address asked to subscribe again.
pub fn manage_link(to: &str, links: &Links) -> Mail {
    let subject = "Your subscription to subprocessor changes".to_string();
    let text = format!(
        "This address asked to subscribe to changes of our subprocessors; it is subscribed already.\n\n\
         Change what you hear about, add webhooks or object to a change: {}\n\n--\n{}",
        links.manage(),
        links.footer_text()
    );
    let html = html_page(
        &subject,
        &format!(
            "<p>This address asked to subscribe to changes of our subprocessors; it is subscribed already.</p><p>{}</p>",
            link(&links.manage(), "Manage your subscription")
        ),
        &links.footer_html(),
    );
    Mail {
        to: to.to_string(),
        subject,
        text,
        html,
        unsubscribe: Some(links.unsubscribe()),
    }
}

/// What a manager's step on an objection tells the objector.
pub struct StepNotice<'a> {
    pub change_id: i64,
    pub vendor: &'a str,
    pub effective_on: &'a str,
    /// `Acknowledged` or `Resolved: Change withdrawn` etc.
    pub step: String,
    pub response: &'a str,
}

pub fn objection_step(to: &str, s: &StepNotice<'_>, links: &Links) -> Mail {
    let subject = format!("Your objection to {}: {}", s.vendor, s.step);
    let change_url = format!("{}/changes#change-{}", links.base, s.change_id);
    let response = if s.response.trim().is_empty() {
        "(no message)".to_string()
    } else {
        s.response.to_string()
    };
    let text = format!(
        "Your objection to the change of {} (effective {}) is now: {}.\n\nOur response:\n{response}\n\n\
         The change: {change_url}\n\n--\n{}",
        s.vendor,
        s.effective_on,
        s.step,
        links.footer_text()
    );
    let html = html_page(
        &subject,
        &format!(
            "<p>Your objection to the change of {} (effective {}) is now: <strong>{}</strong>.</p>\
             <h2 style=\"font-size:1rem\">Our response</h2><p style=\"white-space:pre-wrap\">{}</p><p>{}</p>",
            esc(s.vendor),
            esc(s.effective_on),
            esc(&s.step),
            esc(&response),
            link(&change_url, "The change")
        ),
        &links.footer_html(),
    );
    Mail {
        to: to.to_string(),
        subject,
        text,
        html,
        unsubscribe: Some(links.unsubscribe()),
    }
}

/// The managers' daily digest.
pub fn digest(to: &str, d: &Digest, base: &str, within: u32, today: NaiveDate) -> Mail {
    let subject = format!(
        "Evidence lapsing within {within} days: {} item(s), {} vendor(s) not ready{} ({today})",
        d.lapsing.len(),
        d.not_ready.len(),
        lists::in_subject(d)
    );
    let mut text = String::new();
    let mut html = String::new();
    if !d.lapsing.is_empty() {
        text.push_str(&format!("Lapsing within {within} days (last valid day):\n"));
        html.push_str(&format!(
            "<h2 style=\"font-size:1rem\">Lapsing within {within} days</h2><ul>"
        ));
        for l in &d.lapsing {
            text.push_str(&format!(
                "- {} · {} · {}: {} ({base}/manage/vendors/{})\n",
                l.on,
                l.name,
                l.kind.label(),
                l.what,
                l.slug
            ));
            html.push_str(&format!(
                "<li>{} · {} · {}: {}</li>",
                l.on,
                link(&format!("{base}/manage/vendors/{}", l.slug), &l.name),
                esc(l.kind.label()),
                esc(&l.what)
            ));
        }
        html.push_str("</ul>");
    }
    if !d.not_ready.is_empty() {
        text.push_str("\nAnnounced vendors not ready by their effective date:\n");
        html.push_str(
            "<h2 style=\"font-size:1rem\">Announced vendors not ready by their effective date</h2><ul>",
        );
        for (slug, name, eff, reasons) in &d.not_ready {
            let why: Vec<String> = reasons.iter().map(|r| r.internal()).collect();
            text.push_str(&format!("- {name}, effective {eff}: {}\n", why.join(" ")));
            html.push_str(&format!(
                "<li>{}, effective {eff}: {}</li>",
                link(&format!("{base}/manage/vendors/{slug}"), name),
                esc(&why.join(" "))
            ));
        }
        html.push_str("</ul>");
    }
    failing_lists(d, base, (&mut text, &mut html));
    let footer =
        format!("Sent once a day to vendor managers and admins. Stop it on {base}/manage/account.");
    text.push_str(&format!("\n--\n{footer}\n"));
    Mail {
        to: to.to_string(),
        subject: subject.clone(),
        text,
        html: html_page(&subject, &html, &esc(&footer)),
        unsubscribe: None,
    }
}

/// The Standard Webhooks `type` of an event.
pub fn event_type(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Added => "subprocessor.added",
        ChangeKind::ScopeChanged => "subprocessor.scope_changed",
        ChangeKind::Removed => "subprocessor.removed",
    }
}

#[derive(Serialize)]
struct WebhookBody<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    timestamp: &'a str,
    data: &'a T,
}

/// The body of a webhook call: `type`, `timestamp` (when the change was recorded) and `data`,
/// the event as `/api/v1/changes` gives it.
pub fn webhook_body<T: Serialize>(
    kind: ChangeKind,
    recorded_at: &str,
    data: &T,
) -> serde_json::Result<String> {
    serde_json::to_string(&WebhookBody {
        kind: event_type(kind),
        timestamp: recorded_at,
        data,
    })
}

mod lists;
mod trust;
use lists::failing_lists;
pub use trust::{trust_denied, trust_link, trust_waiting};

#[cfg(test)]
mod tests;
