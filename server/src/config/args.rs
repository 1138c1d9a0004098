//! The command line and its environment variables (clap): `Cli`, its subcommands and the
//! flags of `serve`, every one also an environment variable (docs/OPERATIONS.md lists them).

use std::{net::SocketAddr, path::PathBuf};

use app::store::secrets::Keyring;
use clap::{Args, Parser, Subcommand};

use super::TrustArgs;

/// Default database: a SQLite file in the working folder, created on first use.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://registry.db";

#[derive(Debug, Parser)]
#[command(name = "server", version, about = "Subprocessor Registry server")]
pub struct Cli {
    /// Database URL: `sqlite://FILE` (default) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,

    /// `text` (default) or `json`: one JSON object per log line, for a log collector.
    #[arg(long, env = "LOG_FORMAT", default_value = "text", value_parser = ["text", "json"], global = true)]
    pub log_format: String,

    /// The key that seals TOTP and webhook signing secrets at rest (XChaCha20-Poly1305):
    /// 32 bytes as 64 hex digits or base64 (`openssl rand -base64 32`). Unset: they are
    /// stored in the clear, with a warning at start. Give it through the environment.
    #[arg(
        long,
        env = "SECRETS_KEY",
        default_value = "",
        hide_env_values = true,
        hide_default_value = true,
        global = true
    )]
    pub secrets_key: KeyText,

    /// The key being rotated away from: secrets sealed with it still open, and are sealed
    /// again with `SECRETS_KEY` (`server secrets rotate`, or at start).
    #[arg(
        long,
        env = "SECRETS_KEY_PREVIOUS",
        default_value = "",
        hide_env_values = true,
        hide_default_value = true,
        global = true
    )]
    pub secrets_key_previous: KeyText,

    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run migrations, then serve the web app (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Fill an empty database with a realistic demo registry (fictional companies).
    SeedDemo,
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// Show the notice periods customers get per data category, or set one (with both flags).
    Notice {
        /// Data category: customer, personal or support.
        #[arg(long, requires = "days")]
        category: Option<String>,
        /// Days of notice before a new vendor or a wider scope may take effect (0 to 3650).
        #[arg(long, requires = "category")]
        days: Option<u32>,
    },
    /// Import vendors (the export's columns) or training records from a CSV or XLSX file: every
    /// row checked, then all written in one transaction (or, with --dry-run, nothing).
    Import {
        /// The CSV or XLSX file.
        file: PathBuf,
        /// Show what would happen, row by row; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write the accepted rows even if some are refused (they are listed).
        #[arg(long)]
        skip_refused: bool,
        /// The file is the whole list: the registry's vendors it does not name are removed as
        /// of today (announced, subscribers told), listed first by --dry-run.
        #[arg(long)]
        whole_list: bool,
        /// Confirm this many removals of --whole-list (needed when it removes more than a
        /// fifth of the registry; the number must match).
        #[arg(long, value_name = "N", requires = "whole_list")]
        confirm_removals: Option<usize>,
        /// Who the audit trail names (an admin's or manager's e-mail); default: the command line.
        #[arg(long)]
        actor: Option<String>,
    },
    /// List the outbox: what was sent, pending, retrying, failed or skipped, newest first.
    Deliveries {
        /// all, sent, pending, retrying, failed or skipped.
        #[arg(long, default_value = "all")]
        state: String,
        /// Most rows listed.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Send a failed delivery again (by id); audited as the command line.
        #[arg(long, conflicts_with_all = ["state", "limit"])]
        retry: Option<i64>,
    },
    /// Rebuild every vendor's stored compliance from its evidence for today (derived data:
    /// pages and filters read it; a change of evidence or of the day updates it on its own).
    Recompute,
    /// Write a consistent copy of the database to FILE while the server runs (SQLite;
    /// for PostgreSQL use pg_dump).
    Backup {
        /// Where the copy goes (must not exist yet).
        file: PathBuf,
    },
    /// Restore a copy made by `server backup` into the database (SQLite; stop the
    /// instances first). Refuses a database that holds data, unless --force, and a copy
    /// whose log would roll back below a checkpoint already signed, unless
    /// --force-log-rollback.
    Restore {
        /// A copy made by `server backup`.
        file: PathBuf,
        /// Replace a database that holds data.
        #[arg(long)]
        force: bool,
        /// Restore a copy whose log is shorter than (or differs from) the signed checkpoints
        /// the database has published: customers holding those checkpoints will see a fork.
        #[arg(long)]
        force_log_rollback: bool,
    },
    /// The sealed secrets (TOTP, webhook signing): seal those stored in the clear, rotate
    /// the key, or show their state.
    Secrets {
        #[command(subcommand)]
        action: SecretsCommand,
    },
    /// The verifiable log: make a signing key, check the whole log, or sign its head now.
    Log {
        #[command(subcommand)]
        action: LogCommand,
    },
    /// Fill an empty database with COUNT generated vendors, for benchmarks.
    #[command(hide = true)]
    SeedSynthetic {
        #[arg(long)]
        count: usize,
    },
    /// Record COUNT past scope changes of the seeded vendors, for the log's benchmark.
    #[command(hide = true)]
    SeedHistory {
        #[arg(long)]
        count: usize,
    },
}

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Print a new signing key for LOG_SIGNING_KEY (keep it secret) and its public key.
    Keygen {
        /// The key's name, also the checkpoints' origin: the registry's host and a path,
        /// e.g. `registry.example.com/subprocessors`.
        #[arg(long)]
        name: String,
    },
    /// Recompute the whole log from the stored change events and check every checkpoint's
    /// root and signature; exit 1 with the first thing that differs.
    Verify,
    /// Sign a checkpoint of the log as it stands now (the server does so on its own).
    Sign,
    /// Time what appending one change event to the log adds to a save (bench/log.sh).
    #[command(hide = true)]
    BenchAppend {
        #[arg(long, default_value_t = 200)]
        samples: usize,
    },
}

#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Seal every secret stored in the clear with SECRETS_KEY (one transaction).
    Encrypt,
    /// Seal every secret again with SECRETS_KEY, opening those sealed with
    /// SECRETS_KEY_PREVIOUS (one transaction: all or nothing).
    Rotate,
    /// How many secrets are stored, how many sealed, and whether the key opens them all.
    Status,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is read from standard input (prompted, without echo,
    /// on a terminal): at least 12 characters and not a common password.
    Create {
        /// The person's e-mail address (their sign-in name).
        #[arg(long, env = "USER_EMAIL")]
        email: String,
        /// admin, manager or auditor.
        #[arg(long, env = "USER_ROLE")]
        role: String,
    },
    /// Print a one-time link (valid for a day) that starts the account's first two-step
    /// set-up; any unused earlier link of the account stops working. Audited.
    SetUpLink {
        /// The account's e-mail address.
        #[arg(long, env = "USER_EMAIL")]
        email: String,
    },
    /// Clear the lock (and the count of wrong codes) of the account's second sign-in step.
    /// Audited.
    ClearSecondStepLock {
        /// The account's e-mail address.
        #[arg(long, env = "USER_EMAIL")]
        email: String,
    },
}

#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(
        long = "addr",
        env = "LEPTOS_SITE_ADDR",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub addr: SocketAddr,
    /// Folder with the built site (wasm, js, css, public files).
    #[arg(
        long,
        env = "LEPTOS_SITE_ROOT",
        default_value = "target/site",
        global = true
    )]
    pub site_root: PathBuf,
    /// Sub-folder of the site root holding the wasm bundle.
    #[arg(
        long,
        env = "LEPTOS_SITE_PKG_DIR",
        default_value = "pkg",
        global = true
    )]
    pub site_pkg_dir: String,
    /// `PROD` or `DEV`.
    #[arg(
        long = "leptos-env",
        env = "LEPTOS_ENV",
        default_value = "PROD",
        global = true
    )]
    pub leptos_env: String,
    /// Behind a reverse proxy or load balancer: believe the immediate peer, whatever its
    /// address, about the client it forwards for (the last `X-Forwarded-For` entry). Prefer
    /// `TRUSTED_PROXIES`, which names the proxies.
    #[arg(
        long,
        env = "TRUST_X_FORWARDED_FOR",
        default_value_t = false,
        global = true
    )]
    pub trust_forwarded_for: bool,
    /// Proxies (CIDRs or addresses, comma-separated) whose `X-Forwarded-For` and
    /// `X-Forwarded-Proto` are believed; the client is the first address from the right that
    /// is not one of them.
    #[arg(long, env = "TRUSTED_PROXIES", default_value = "", global = true)]
    pub trusted_proxies: String,
    /// Plain-HTTP development only: cookies without `Secure` (and without the `__Host-`
    /// prefix, which requires it). Never in production.
    #[arg(long, env = "INSECURE_COOKIES", default_value_t = false, global = true)]
    pub insecure_cookies: bool,
    /// Roles that must sign in with two steps (comma-separated: admin, manager, auditor), or
    /// `none`.
    #[arg(long, env = "REQUIRE_MFA_FOR", default_value = "admin", global = true)]
    pub require_mfa_for: String,
    /// Requests per minute one address may make (a burst of a fifth of it at once); 0 turns
    /// the limit off.
    #[arg(
        long,
        env = "RATE_LIMIT_PER_MINUTE",
        default_value_t = 600,
        global = true
    )]
    pub rate_limit_per_minute: u32,
    /// Addresses (CIDRs, comma-separated) the rate limit does not apply to, e.g. a monitor
    /// or the benchmark's own.
    #[arg(long, env = "RATE_LIMIT_EXEMPT", default_value = "", global = true)]
    pub rate_limit_exempt: String,
    /// Subscriber submissions (subscribe, unsubscribe, filters, webhooks, objections) one
    /// address may make a minute; 0 turns the limit off.
    #[arg(
        long,
        env = "SUBMIT_LIMIT_PER_MINUTE",
        default_value_t = 10,
        global = true
    )]
    pub submit_limit_per_minute: u32,
    /// Mails sent on request (a confirmation link, or a subscribed address's manage link) one
    /// mailbox may get a UTC day (case and `+tag` folded); 0 turns the cap off.
    #[arg(
        long,
        env = "CONFIRMATION_MAILS_PER_MAILBOX_PER_DAY",
        default_value_t = 3,
        global = true
    )]
    pub confirmation_mails_per_mailbox_per_day: u32,
    /// Mails sent on request to one recipient domain an hour; 0 turns the cap off.
    #[arg(
        long,
        env = "CONFIRMATION_MAILS_PER_DOMAIN_PER_HOUR",
        default_value_t = 20,
        global = true
    )]
    pub confirmation_mails_per_domain_per_hour: u32,
    /// Mails sent on request an hour in all, every instance together (counted in the
    /// database); past it `POST /subscribe` answers 429. 0 turns the cap off.
    #[arg(
        long,
        env = "CONFIRMATION_MAILS_PER_HOUR",
        default_value_t = 500,
        global = true
    )]
    pub confirmation_mails_per_hour: u32,
    /// The origin used in every link of a mail, feed or webhook, e.g.
    /// `https://subprocessors.example.com` (default: `http://` and the listening address).
    #[arg(long, env = "PUBLIC_URL", default_value = "", global = true)]
    pub public_url: String,
    /// Mail relay: `smtp://host:port`, `smtps://user:pass@host`; empty: mails are written
    /// as `.eml` files to `MAIL_DIR`.
    #[arg(
        long,
        env = "SMTP_URL",
        default_value = "",
        global = true,
        hide_env_values = true
    )]
    pub smtp_url: String,
    /// The sender of every mail.
    #[arg(
        long,
        env = "MAIL_FROM",
        default_value = "Subprocessor Registry <registry@localhost>",
        global = true
    )]
    pub mail_from: String,
    /// The verifiable log's signing key: `PRIVATE+KEY+<name>+<id>+<key>` (from `server log
    /// keygen`), or the path of a file holding it. Never stored in the database. Unset: the
    /// log is kept but no checkpoint is signed (a warning at start).
    #[arg(
        long,
        env = "LOG_SIGNING_KEY",
        default_value = "",
        global = true,
        hide_env_values = true,
        hide_default_value = true
    )]
    pub log_signing_key: String,
    /// Where mails go when there is no `SMTP_URL`.
    #[arg(long, env = "MAIL_DIR", default_value = "mail", global = true)]
    pub mail_dir: PathBuf,
    /// Let webhook endpoints be plain `http://` or private, loopback or link-local addresses
    /// (tests and closed networks only).
    #[arg(
        long,
        env = "WEBHOOK_ALLOW_PRIVATE",
        default_value_t = false,
        global = true
    )]
    pub webhook_allow_private: bool,
    /// Managers are reminded of evidence lapsing within this many days.
    #[arg(long, env = "REMINDER_DAYS", default_value_t = 30, global = true)]
    pub reminder_days: u32,
    /// Run the delivery worker in this process (`false` for an instance that only serves).
    #[arg(
        long,
        env = "OUTBOX_WORKER",
        default_value_t = true,
        action = clap::ArgAction::Set,
        global = true
    )]
    pub outbox_worker: bool,
    /// Follow vendors' published sub-processor lists: the instance that runs the outbox
    /// worker fetches the lists that are due, once a minute.
    #[arg(
        long,
        env = "WATCH_LISTS",
        default_value_t = true,
        action = clap::ArgAction::Set,
        global = true
    )]
    pub watch_lists: bool,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// This instance's name (logs, claims on deliveries); stable across its restarts.
    /// Default: the host name and the port.
    #[arg(long, env = "INSTANCE_ID", default_value = "", global = true)]
    pub instance_id: String,
    /// Name the instance in an `X-Instance-Id` response header (tests of a cluster only).
    #[arg(
        long,
        env = "EXPOSE_INSTANCE_ID",
        default_value_t = false,
        action = clap::ArgAction::Set,
        global = true
    )]
    pub expose_instance_id: bool,
    /// The bearer token `/metrics` asks for; unset, `/metrics` is off (404).
    #[arg(
        long,
        env = "METRICS_TOKEN",
        default_value = "",
        hide_env_values = true,
        global = true
    )]
    pub metrics_token: String,
    /// Days an import's uploaded file is kept (a dry run is applied from it); the instance's
    /// hourly round empties older ones. Their reports stay. At least 1.
    #[arg(
        long,
        env = "IMPORT_FILE_RETENTION_DAYS",
        default_value_t = 30,
        value_parser = clap::value_parser!(u32).range(1..),
        global = true
    )]
    pub import_file_retention_days: u32,
    /// Days the names and addresses of a removed vendor's staff (its rosters and training
    /// records) are kept after its removal date; the instance's hourly round erases them
    /// after that, with an audit row. At least 1.
    #[arg(
        long,
        env = "ROSTER_RETENTION_DAYS",
        default_value_t = 365,
        value_parser = clap::value_parser!(u32).range(1..),
        global = true
    )]
    pub roster_retention_days: u32,
    /// Folder for this instance's kept copies of today's whole-list downloads (CSV, XLSX,
    /// JSON, compressed once); unset: a temporary folder of its own, removed at exit. Each
    /// instance needs its own.
    #[arg(long, env = "EXPORT_COPIES_DIR", global = true)]
    pub export_copies_dir: Option<std::path::PathBuf>,
    /// Where uploaded documents are kept: `s3://bucket/prefix` (an S3-compatible bucket,
    /// configured by the usual `AWS_*` variables: `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT`, `AWS_ALLOW_HTTP`), or a
    /// directory. Unset: a directory beside the SQLite file (`registry.db-documents`), or
    /// `./documents` with PostgreSQL. Several instances must share one bucket.
    #[arg(long, env = "DOCUMENT_STORE", default_value = "", global = true)]
    pub document_store: String,
}

impl Cli {
    /// The keyring of `SECRETS_KEY` and `SECRETS_KEY_PREVIOUS`; a malformed key is refused.
    pub fn keyring(&self) -> Result<Keyring, String> {
        Keyring::new(
            Some(&self.secrets_key.0),
            Some(&self.secrets_key_previous.0),
        )
    }
}

/// A key as given on the command line or in the environment: never printed (`Cli` derives
/// `Debug`).
#[derive(Clone, Default)]
pub struct KeyText(String);

impl std::fmt::Debug for KeyText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() {
            "KeyText(not set)"
        } else {
            "KeyText(<redacted>)"
        })
    }
}

impl std::str::FromStr for KeyText {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(KeyText(s.to_string()))
    }
}
