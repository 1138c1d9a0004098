//! The store: every SQL statement of the app lives under this module, one file per aggregate.
//!
//! One API serves SQLite (default) and PostgreSQL through sqlx's `Any` driver. To keep the SQL
//! portable, queries use `$1` placeholders, dates are ISO `YYYY-MM-DD` text (they sort as dates),
//! timestamps are RFC 3339 UTC text and flags are integers; only the DDL differs per database.

pub mod assurance;
pub mod attestation_drafts;
pub mod attestations;
pub mod audit;
pub mod changes;
pub mod contacts;
pub mod documents;
pub mod evidence;
pub mod import_lock;
pub mod imports;
pub mod log;
pub mod objections;
pub mod outbox;
pub mod private_copy;
pub mod proposals;
pub mod rosters;
pub mod second_step;
pub mod secrets;
pub mod services;
pub mod sessions;
pub mod staged;
pub mod subscriber_links;
pub mod subscriptions;
pub mod trust;
pub mod users;
pub mod vendors;
pub mod watch;

use std::{str::FromStr, time::Duration};

use sqlx::{
    any::{AnyConnectOptions, AnyPoolOptions},
    migrate::Migrator,
    AnyPool, Executor,
};

pub use sqlx::AnyConnection;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

/// A store failure. Its text is for logs only: callers show people a plain sentence instead.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// A unique value (a vendor's slug, an account's e-mail) is taken already.
    #[error("{0} is taken")]
    Taken(&'static str),
    #[error("unsupported database URL (use sqlite:// or postgres://): {0}")]
    UnsupportedUrl(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    /// A database error of a unique constraint as `Taken(what)`, any other as itself: two
    /// saves of the same new value at once end in a field error, not a failure.
    pub fn taken_as(e: sqlx::Error, what: &'static str) -> Self {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Taken(what),
            _ => StoreError::Database(e),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The backend of an open connection, for the few statements written differently for each.
pub fn backend_of(conn: &AnyConnection) -> Backend {
    if conn.backend_name().eq_ignore_ascii_case("postgresql") {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// A handle to the database: cheap to clone, shared by every request.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// Long exports running at once; kept below the pool size so pages always get a
    /// connection however many downloads are under way.
    pub exports: std::sync::Arc<tokio::sync::Semaphore>,
    /// How many export slots there are.
    pub export_slots: usize,
    /// Heavy reads running at once (a past day's registry, the difference between two days,
    /// every vendor's compliance, the whole registry as JSON): about one per core, and well
    /// below the pool size, so cheap pages and the health check always get a connection.
    pub heavy: std::sync::Arc<tokio::sync::Semaphore>,
    /// Held while this process brings the stored compliance up to date (`registry`), so
    /// requests that find it stale wait for one computation instead of each starting one.
    pub assurance_refresh: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// SQLite: the sign-in counters' writes queue here, in arrival order
    /// (`sessions::update_failures`).
    pub sign_in_writes: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// SQLite only (a file, not `:memory:`): a few connections to the same file through
    /// sqlx's own SQLite driver, for the exports, whose rows then skip `Any`'s conversion of
    /// every value (a fifth of a 100,000-row CSV's work). Opened on first use.
    pub sqlite_exports: Option<sqlx::SqlitePool>,
    /// The key TOTP and webhook secrets are sealed with (`secrets`); empty on a handle
    /// opened without one, which then reads and writes them as they are stored.
    pub secrets: secrets::Keyring,
}

/// How long a request waits for an export slot or a heavy-work permit before it is answered
/// "busy, try again" (503 with `Retry-After`).
pub const SLOT_WAIT: Duration = Duration::from_secs(2);

/// A permit that holds a place among `slots` while it lives, waited for at most
/// [`SLOT_WAIT`]; `None` when every place stayed taken.
async fn slot(
    slots: &std::sync::Arc<tokio::sync::Semaphore>,
) -> Option<tokio::sync::OwnedSemaphorePermit> {
    tokio::time::timeout(SLOT_WAIT, slots.clone().acquire_owned())
        .await
        .ok()?
        .ok()
}

impl Db {
    /// A place among the exports running at once, or `None` when all stayed taken.
    pub async fn export_slot(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        slot(&self.exports).await
    }

    /// A permit for heavy work, or `None` when all stayed taken.
    pub async fn heavy_slot(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        slot(&self.heavy).await
    }
}

impl Db {
    /// Open (and for SQLite, create if missing) the database named by `url`.
    ///
    /// SQLite is opened durable: WAL journal, `synchronous = FULL`, foreign keys enforced and a
    /// busy timeout so concurrent writers wait instead of failing.
    pub async fn connect(url: &str) -> StoreResult<Db> {
        Db::connect_sized(url, None).await
    }

    /// [`Db::connect`] with at most `connections` connections (for one task's private
    /// database: each SQLite connection is a thread of its own, whose memory the allocator
    /// keeps after the connection is gone).
    pub async fn connect_sized(url: &str, connections: Option<u32>) -> StoreResult<Db> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(redact(url)));
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let max_connections: u32 = match backend {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        };
        let max_connections = connections.unwrap_or(max_connections).max(2);
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // the busy timeout first: setting the journal mode takes a lock, and
                        // without the timeout a connection opened while another process (a
                        // server beside a command) holds one failed at once, "database is
                        // locked"
                        conn.execute(
                            "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                             PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let export_slots = max_connections as usize / 2;
        let sqlite_exports = match backend {
            Backend::Sqlite if !url.contains(":memory:") => {
                Some(sqlite_export_pool(&url, export_slots)?)
            }
            _ => None,
        };
        let exports = std::sync::Arc::new(tokio::sync::Semaphore::new(export_slots));
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let heavy = std::sync::Arc::new(tokio::sync::Semaphore::new(cores.clamp(1, 4)));
        Ok(Db {
            pool,
            backend,
            exports,
            export_slots,
            heavy,
            assurance_refresh: Default::default(),
            sign_in_writes: Default::default(),
            sqlite_exports,
            secrets: Default::default(),
        })
    }

    /// This handle with the keyring that seals and opens the stored secrets.
    pub fn with_secrets(mut self, keys: secrets::Keyring) -> Db {
        self.secrets = keys;
        self
    }

    /// Apply the embedded migrations of this database kind.
    pub async fn migrate(&self) -> StoreResult<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        // the history recorded before the log (or restored from before it) enters it once
        let entered = log::catch_up(self).await?;
        if entered > 0 {
            tracing::info!("{entered} change events entered the log");
        }
        Ok(())
    }

    /// Apply the embedded migrations up to and including `version` only: upgrade tests
    /// start from an older schema with data in it, then `migrate` the rest.
    pub async fn migrate_until(&self, version: i64) -> StoreResult<()> {
        let all = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let older = Migrator {
            migrations: all
                .iter()
                .filter(|m| m.version <= version)
                .cloned()
                .collect::<Vec<_>>()
                .into(),
            ..Migrator::DEFAULT
        };
        older.run(&self.pool).await?;
        Ok(())
    }

    /// Close every connection, waiting for those in use. On SQLite the last connection to
    /// close folds the write-ahead log into the database file and removes it: a command that
    /// wrote much (a seed, an import, a recompute) would otherwise leave a log of hundreds of
    /// megabytes that every later read looks through until the next checkpoint.
    pub async fn close(&self) {
        if self.backend == Backend::Sqlite {
            // the close itself would checkpoint too, but on sqlx's worker thread, which a
            // process exiting right after may cut short
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await
            {
                tracing::debug!("checkpoint at close: {e}");
            }
        }
        if let Some(exports) = &self.sqlite_exports {
            exports.close().await;
        }
        self.pool.close().await;
    }

    /// A cheap round trip, for health checks.
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Whether every migration this build embeds is applied (an instance of a newer build
    /// on an older schema is not ready; `server migrate` first).
    pub async fn migrations_current(&self) -> StoreResult<bool> {
        let all = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let newest = all.iter().map(|m| m.version).max().unwrap_or(0);
        let applied = sqlx::query_scalar::<sqlx::Any, i64>(
            "SELECT COUNT(*) FROM _sqlx_migrations WHERE success AND version <= $1",
        )
        .bind(newest)
        .fetch_one(&self.pool)
        .await?;
        Ok(applied == all.iter().count() as i64)
    }

    /// Export slots taken now (a download under way holds one).
    pub fn exports_in_use(&self) -> usize {
        self.export_slots
            .saturating_sub(self.exports.available_permits())
    }
}

/// The exports' typed pool of a SQLite file (see `Db::sqlite_exports`): the same file and
/// settings as the main pool, connected lazily, never more connections than export slots.
fn sqlite_export_pool(url: &str, slots: usize) -> StoreResult<sqlx::SqlitePool> {
    use sqlx::sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
    };
    let options = SqliteConnectOptions::from_str(url)?
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        // the worker thread runs further ahead of the export before it waits for its reader
        .row_buffer_size(1024);
    Ok(SqlitePoolOptions::new()
        .max_connections(slots.max(1) as u32)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(10))
        .connect_lazy_with(options))
}

/// Start a write transaction. SQLite takes its write lock at once (`BEGIN IMMEDIATE`), so two
/// editors queue instead of one failing with "database is locked" half-way through.
pub async fn begin_write(db: &Db) -> StoreResult<sqlx::Transaction<'static, sqlx::Any>> {
    let tx = match db.backend {
        Backend::Sqlite => db.pool.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => db.pool.begin().await?,
    };
    Ok(tx)
}

/// The URL without its password, safe to print.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..scheme_end], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// Current UTC time as stored in timestamp columns.
pub fn now_utc() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_passwords_only() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(redact("sqlite://registry.db"), "sqlite://registry.db");
    }
}
