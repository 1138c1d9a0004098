//! Sending mail: over SMTP with lettre's pooled async transport (`SMTP_URL`), or, with no
//! relay configured (the demo), as `.eml` files in `MAIL_DIR`.

use std::path::PathBuf;

use lettre::{
    message::{header::HeaderName, header::HeaderValue, Mailbox, MultiPart},
    transport::smtp::PoolConfig,
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

use super::compose::Mail;

/// Where mail goes.
#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Smtp(_) => f.write_str("Mailer::Smtp"),
            Mailer::Files(_, dir) => write!(f, "Mailer::Files({})", dir.display()),
        }
    }
}

/// Connections kept open to the relay, and so mails sent at once.
pub const POOL_SIZE: u32 = 8;

impl Mailer {
    /// `smtp_url` (`smtp://host:port`, `smtps://user:pass@host`), or files in `dir` when it
    /// is empty. A malformed URL or a folder that cannot be made is refused with the reason.
    pub fn new(smtp_url: &str, dir: &std::path::Path) -> Result<Self, String> {
        if smtp_url.trim().is_empty() {
            std::fs::create_dir_all(dir).map_err(|e| format!("MAIL_DIR {}: {e}", dir.display()))?;
            return Ok(Mailer::Files(
                AsyncFileTransport::new(dir),
                dir.to_path_buf(),
            ));
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url.trim())
            .map_err(|e| format!("SMTP_URL: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(15)))
            .pool_config(PoolConfig::new().max_size(POOL_SIZE))
            .build();
        Ok(Mailer::Smtp(transport))
    }

    pub async fn send(&self, m: Message) -> Result<(), String> {
        match self {
            Mailer::Smtp(t) => t.send(m).await.map(|_| ()).map_err(|e| e.to_string()),
            Mailer::Files(t, _) => t.send(m).await.map(|_| ()).map_err(|e| e.to_string()),
        }
    }
}

/// The message for `mail` from `from`, with `message_id` (`<id@host>`), both parts, and the
/// RFC 8058 one-click unsubscribe headers when the mail has an unsubscribe link.
pub fn message(mail: &Mail, from: &Mailbox, message_id: &str) -> Result<Message, String> {
    let to: Mailbox = mail
        .to
        .parse()
        .map_err(|e| format!("recipient {}: {e}", mail.to))?;
    let mut b = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .message_id(Some(message_id.to_string()));
    if let Some(url) = &mail.unsubscribe {
        b = b
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{url}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_string(),
            ));
    }
    b.multipart(MultiPart::alternative_plain_html(
        mail.text.clone(),
        mail.html.clone(),
    ))
    .map_err(|e| e.to_string())
}
