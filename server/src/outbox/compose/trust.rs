//! The mails of trust document requests. The requester's mails carry no text the request
//! typed (an address anyone can type must not carry their words to someone else's inbox):
//! only our documents' titles, the link and how long it works.

use chrono::NaiveDate;

use super::{esc, html_page, link, Mail};

fn list(titles: &[String]) -> (String, String) {
    let text = titles
        .iter()
        .map(|t| format!("- {t}\n"))
        .collect::<String>();
    let html = titles
        .iter()
        .map(|t| format!("<li>{}</li>", esc(t)))
        .collect::<String>();
    (text, format!("<ul>{html}</ul>"))
}

fn mail(to: &str, subject: String, text: String, body: &str) -> Mail {
    let html = html_page(&subject, body, "Subprocessor Registry");
    Mail {
        to: to.to_string(),
        subject,
        text,
        html,
        unsubscribe: None,
    }
}

/// The link that confirms a request (`approved` false) or opens an approved one.
pub fn trust_link(
    to: &str,
    base: &str,
    token: &str,
    expires_on: NaiveDate,
    approved: bool,
    titles: &[String],
) -> Mail {
    let url = format!("{base}/trust/confirm/{token}");
    let (items, items_html) = list(titles);
    let (subject, why) = if approved {
        (
            "Your access to our security documents was approved".to_string(),
            "Your request for these security documents was approved:",
        )
    } else {
        (
            "Confirm your request for our security documents".to_string(),
            "Someone, probably you, asked for these security documents at this address:",
        )
    };
    let text = format!(
        "{why}\n\n{items}\nOpen this link and press the button to open your access (it works once, until {expires_on}):\n{url}\n\n\
         If it was not you, ignore this mail: nothing is opened until the link is used.\n"
    );
    let body = format!(
        "<p>{why}</p>{items_html}<p>{} and press the button to open your access (it works once, until {expires_on}).</p>\
         <p>If it was not you, ignore this mail: nothing is opened until the link is used.</p>",
        link(&url, "Open the link")
    );
    mail(to, subject, text, &body)
}

/// A manager told that a request waits for approval.
pub fn trust_waiting(
    to: &str,
    base: &str,
    (name, email, organisation): (&str, &str, &str),
    titles: &[String],
) -> Mail {
    let url = format!("{base}/manage/trust#requests-h");
    let (items, items_html) = list(titles);
    let subject = "A request for security documents waits for approval".to_string();
    let text = format!(
        "{name} <{email}> of {organisation} confirmed their address, accepted the agreement and asks for:\n\n{items}\n\
         Approve or deny it: {url}\n"
    );
    let body = format!(
        "<p>{} &lt;{}&gt; of {} confirmed their address, accepted the agreement and asks for:</p>{items_html}<p>{}.</p>",
        esc(name),
        esc(email),
        esc(organisation),
        link(&url, "Approve or deny it")
    );
    mail(to, subject, text, &body)
}

/// The requester told that a manager denied the request, and why.
pub fn trust_denied(to: &str, base: &str, titles: &[String], reason: &str) -> Mail {
    let (items, items_html) = list(titles);
    let subject = "Your request for security documents".to_string();
    let text = format!(
        "Your request for these security documents was not approved:\n\n{items}\nThe reason given: {reason}\n\n\
         The documents we share openly are at {base}/trust.\n"
    );
    let body = format!(
        "<p>Your request for these security documents was not approved:</p>{items_html}\
         <p>The reason given: {}</p><p>The documents we share openly are at {}.</p>",
        esc(reason),
        link(&format!("{base}/trust"), "our trust page")
    );
    mail(to, subject, text, &body)
}
