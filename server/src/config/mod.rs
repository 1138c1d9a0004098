//! Configuration, parsed once at start-up from flags and environment variables.

use std::{net::SocketAddr, path::PathBuf};

use app::{
    domain::{network::parse_networks, subscriber_links::MailCaps, Role},
    store::secrets::Keyring,
};
use ipnet::IpNet;
use leptos::config::{Env, LeptosOptions};

mod args;
mod trust;

pub use crate::outbox::NoticeConfig;
pub use args::*;
pub use trust::TrustArgs;

/// Everything `serve` needs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub database_url: String,
    pub addr: SocketAddr,
    pub site_root: PathBuf,
    pub site_pkg_dir: String,
    pub production: bool,
    pub trust_forwarded_for: bool,
    pub trusted_proxies: Vec<IpNet>,
    pub insecure_cookies: bool,
    pub require_mfa_for: Vec<Role>,
    /// Requests per minute per address; `None` is no limit.
    pub rate_limit_per_minute: Option<u32>,
    pub rate_limit_exempt: Vec<IpNet>,
    /// What one address may submit as a subscriber a minute (subscribe, objections,
    /// webhooks); `None` is no limit.
    pub submit_limit_per_minute: Option<u32>,
    pub notices: NoticeConfig,
    pub ops: OpsConfig,
    /// `IMPORT_FILE_RETENTION_DAYS`: how long an import's uploaded file is kept.
    pub import_file_retention_days: u32,
    /// `ROSTER_RETENTION_DAYS`: how long a removed vendor's staff names and addresses are kept.
    pub roster_retention_days: u32,
    /// `EXPORT_COPIES_DIR`: where the whole-list downloads are kept (`None`: a temporary folder).
    pub export_copies_dir: Option<std::path::PathBuf>,
    /// `SECRETS_KEY` and `SECRETS_KEY_PREVIOUS` (its `Debug` shows key ids only).
    pub secrets: Keyring,
    /// `DOCUMENT_STORE` (see `app::documents::Documents::from_setting`).
    pub document_store: String,
    /// Settings of an S3 document store beside the `AWS_*` variables (the tests' endpoint).
    pub document_store_options: Vec<(String, String)>,
}

/// The log key of tests and tools (its seed is public: never for a real registry).
pub fn test_log_key() -> app::domain::tlog::note::SignerKey {
    match app::domain::tlog::note::SignerKey::from_seed("registry.test/subprocessors", [42; 32]) {
        Ok(key) => key,
        Err(e) => unreachable!("a fixed, well-formed key name: {e}"),
    }
}

impl ServeArgs {
    /// `LOG_SIGNING_KEY` read: the key itself, or the file holding it; `None` when unset.
    pub fn log_key(&self) -> Result<Option<app::domain::tlog::note::SignerKey>, String> {
        use app::domain::tlog::note::SignerKey;
        let given = self.log_signing_key.trim();
        if given.is_empty() {
            return Ok(None);
        }
        let text = if given.starts_with("PRIVATE+KEY+") {
            given.to_string()
        } else {
            std::fs::read_to_string(given)
                .map_err(|e| format!("LOG_SIGNING_KEY: cannot read the key file {given}: {e}"))?
        };
        SignerKey::parse(&text)
            .map(Some)
            .map_err(|e| format!("LOG_SIGNING_KEY: {e}"))
    }
}

/// What an operator turns on: `/metrics` and the instance header.
#[derive(Debug, Clone, Default)]
pub struct OpsConfig {
    /// `METRICS_TOKEN`; `None`: `/metrics` answers 404.
    pub metrics_token: Option<String>,
    /// `EXPOSE_INSTANCE_ID`.
    pub expose_instance_id: bool,
}

/// `INSTANCE_ID`, or the host name and the port.
pub fn instance_id(given: &str, addr: SocketAddr) -> String {
    if !given.trim().is_empty() {
        return given.trim().to_string();
    }
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    format!("{host}:{}", addr.port())
}

/// `PUBLIC_URL`: an `http(s)://` origin, without a trailing slash.
fn public_url(s: &str, addr: SocketAddr) -> Result<String, String> {
    let s = s.trim().trim_end_matches('/');
    if s.is_empty() {
        return Ok(format!("http://{addr}"));
    }
    match reqwest::Url::parse(s) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(s.to_string()),
        _ => Err(format!("\"{s}\" is not an http:// or https:// origin")),
    }
}

/// `REQUIRE_MFA_FOR`: roles, or `none`.
fn roles(s: &str) -> Result<Vec<Role>, String> {
    if s.trim().eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    s.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|r| !r.is_empty())
        .map(|r| Role::parse(r).map_err(|e| e.0))
        .collect()
}

impl ServeConfig {
    /// The configuration from flags and environment; a malformed value is refused with the
    /// name of its setting.
    pub fn from_cli(cli: &Cli) -> Result<Self, String> {
        let s = &cli.serve;
        Ok(ServeConfig {
            database_url: cli.database_url.clone(),
            addr: s.addr,
            site_root: s.site_root.clone(),
            site_pkg_dir: s.site_pkg_dir.clone(),
            production: !s.leptos_env.eq_ignore_ascii_case("dev"),
            trust_forwarded_for: s.trust_forwarded_for,
            trusted_proxies: parse_networks(&s.trusted_proxies)
                .map_err(|e| format!("TRUSTED_PROXIES: {e}"))?,
            insecure_cookies: s.insecure_cookies,
            require_mfa_for: roles(&s.require_mfa_for)
                .map_err(|e| format!("REQUIRE_MFA_FOR: {e}"))?,
            rate_limit_per_minute: (s.rate_limit_per_minute > 0).then_some(s.rate_limit_per_minute),
            rate_limit_exempt: parse_networks(&s.rate_limit_exempt)
                .map_err(|e| format!("RATE_LIMIT_EXEMPT: {e}"))?,
            submit_limit_per_minute: (s.submit_limit_per_minute > 0)
                .then_some(s.submit_limit_per_minute),
            notices: NoticeConfig {
                public_url: public_url(&s.public_url, s.addr)
                    .map_err(|e| format!("PUBLIC_URL: {e}"))?,
                public_url_given: (!s.public_url.trim().is_empty())
                    .then(|| s.public_url.trim().trim_end_matches('/').to_string()),
                smtp_url: s.smtp_url.clone(),
                mail_from: s.mail_from.clone(),
                mail_dir: s.mail_dir.clone(),
                webhook_allow_private: s.webhook_allow_private,
                reminder_days: s.reminder_days,
                worker: s.outbox_worker,
                watch_lists: s.watch_lists,
                poll: std::time::Duration::from_millis(250),
                instance_id: instance_id(&s.instance_id, s.addr),
                caps: MailCaps {
                    per_mailbox_day: s.confirmation_mails_per_mailbox_per_day,
                    per_domain_hour: s.confirmation_mails_per_domain_per_hour,
                    per_hour: s.confirmation_mails_per_hour,
                },
                log_key: s.log_key()?,
                trust: s.trust.settings()?,
            },
            ops: OpsConfig {
                metrics_token: Some(s.metrics_token.trim().to_string()).filter(|t| !t.is_empty()),
                expose_instance_id: s.expose_instance_id,
            },
            import_file_retention_days: s.import_file_retention_days,
            roster_retention_days: s.roster_retention_days,
            export_copies_dir: s.export_copies_dir.clone(),
            secrets: cli.keyring()?,
            document_store: s.document_store.clone(),
            document_store_options: Vec::new(),
        })
    }

    /// A configuration for tests and tools: this database and address, production mode, no
    /// proxies, plain-HTTP cookies, two-step sign-in for admins, no rate limit.
    pub fn for_tests(database_url: &str, addr: SocketAddr) -> Self {
        ServeConfig {
            database_url: database_url.to_string(),
            addr,
            site_root: "target/site".into(),
            site_pkg_dir: "pkg".into(),
            production: true,
            trust_forwarded_for: false,
            trusted_proxies: Vec::new(),
            insecure_cookies: true,
            require_mfa_for: vec![Role::Admin],
            rate_limit_per_minute: None,
            rate_limit_exempt: Vec::new(),
            submit_limit_per_minute: None,
            notices: NoticeConfig {
                public_url: format!("http://{addr}"),
                public_url_given: None,
                smtp_url: String::new(),
                mail_from: "Subprocessor Registry <registry@localhost>".into(),
                mail_dir: std::env::temp_dir().join("registry-test-mail"),
                webhook_allow_private: true,
                reminder_days: 30,
                worker: true,
                // the tests run the watcher's rounds themselves
                watch_lists: false,
                poll: std::time::Duration::from_millis(200),
                instance_id: format!("test-{}", crate::outbox::new_message_id()),
                caps: MailCaps::default(),
                log_key: Some(test_log_key()),
                trust: app::domain::trust::TrustSettings::default(),
            },
            ops: OpsConfig::default(),
            import_file_retention_days: 30,
            roster_retention_days: 365,
            export_copies_dir: None,
            // no key, as on a fresh install: secrets stored as they are (tests set one)
            secrets: Keyring::default(),
            // beside the test's SQLite file; for PostgreSQL one shared temporary folder (a
            // document's address is its hash: tests sharing it cannot collide)
            document_store: if database_url.starts_with("postgres") {
                std::env::temp_dir()
                    .join("registry-test-documents")
                    .to_string_lossy()
                    .to_string()
            } else {
                String::new()
            },
            document_store_options: Vec::new(),
        }
    }

    pub fn leptos_options(&self, addr: SocketAddr) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name(env!("LEPTOS_OUTPUT_NAME"))
            .site_root(self.site_root.to_string_lossy().to_string())
            .site_pkg_dir(self.site_pkg_dir.clone())
            .site_addr(addr)
            .env(if self.production { Env::PROD } else { Env::DEV })
            .build()
    }
}
