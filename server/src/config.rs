//! Configuration, parsed once at start-up from flags and environment variables.

use std::{net::SocketAddr, path::PathBuf};

use clap::{Args, Parser, Subcommand};
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
    /// Behind a reverse proxy or load balancer: take the client address for sign-in
    /// throttling from the last `X-Forwarded-For` entry instead of the TCP peer.
    #[arg(
        long,
        env = "TRUST_X_FORWARDED_FOR",
        default_value_t = false,
        global = true
    )]
    pub trust_forwarded_for: bool,
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
}

impl ServeConfig {
    pub fn from_cli(cli: &Cli) -> Self {
        ServeConfig {
            database_url: cli.database_url.clone(),
            addr: cli.serve.addr,
            site_root: cli.serve.site_root.clone(),
            site_pkg_dir: cli.serve.site_pkg_dir.clone(),
            production: !cli.serve.leptos_env.eq_ignore_ascii_case("dev"),
            trust_forwarded_for: cli.serve.trust_forwarded_for,
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
