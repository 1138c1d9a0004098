//! Configuration, parsed once at start-up from flags and environment variables.

use std::{net::SocketAddr, path::PathBuf};

use app::domain::{network::parse_networks, Role};
use clap::{Args, Parser, Subcommand};
use ipnet::IpNet;
use leptos::config::{Env, LeptosOptions};

/// Default database: a SQLite file in the working folder, created on first use.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://registry.db";

#[derive(Debug, Parser)]
#[command(name = "server", version, about = "Subprocessor Registry server")]
pub struct Cli {
    /// Database URL: `sqlite://FILE` (default) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,

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
    /// Fill an empty database with COUNT generated vendors, for benchmarks.
    #[command(hide = true)]
    SeedSynthetic {
        #[arg(long)]
        count: usize,
    },
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
}

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
