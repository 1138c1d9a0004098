//! The digest's part on vendors' published lists the watcher keeps failing to read.

use app::domain::dashboard::Digest;

use super::{esc, link};

/// What the digest's subject says of them (nothing when none fails).
pub(super) fn in_subject(d: &Digest) -> String {
    match d.failing_lists.len() {
        0 => String::new(),
        n => format!(", {n} published list(s) failing"),
    }
}

/// Append the failing lists of `d` to the digest's text and HTML.
pub(super) fn failing_lists(d: &Digest, base: &str, (text, html): (&mut String, &mut String)) {
    if d.failing_lists.is_empty() {
        return;
    }
    text.push_str("\nPublished sub-processor lists that could not be read 3 times in a row:\n");
    html.push_str(
        "<h2 style=\"font-size:1rem\">Published sub-processor lists that could not be read 3 times in a row</h2><ul>",
    );
    for (slug, name, url, failures, error) in &d.failing_lists {
        text.push_str(&format!(
            "- {name}: {url} failed {failures} times; last: {error} ({base}/manage/vendors/{slug})\n"
        ));
        html.push_str(&format!(
            "<li>{}: {} failed {failures} times; last: {}</li>",
            link(&format!("{base}/manage/vendors/{slug}"), name),
            esc(url),
            esc(error)
        ));
    }
    html.push_str("</ul>");
}
