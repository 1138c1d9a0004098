//! The store: every SQL statement of the app lives under this module, one file per aggregate.
//!
//! One API serves SQLite (default) and PostgreSQL through sqlx's `Any` driver. To keep the SQL
//! portable, queries use `$1` placeholders, dates are ISO `YYYY-MM-DD` text (they sort as dates),
//! timestamps are RFC 3339 UTC text and flags are integers; only the DDL differs per database.

pub mod audit;
pub mod changes;
pub mod evidence;
pub mod services;
pub mod sessions;
pub mod users;
pub mod vendors;

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
    #[error("unsupported database URL (use sqlite:// or postgres://): {0}")]
    UnsupportedUrl(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle to the database: cheap to clone, shared by every request.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// Long exports running at once; kept below the pool size so pages always get a
    /// connection however many downloads are under way.
    pub exports: std::sync::Arc<tokio::sync::Semaphore>,
}

impl Db {
    /// Open (and for SQLite, create if missing) the database named by `url`.
    ///
    /// SQLite is opened durable: WAL journal, `synchronous = FULL`, foreign keys enforced and a
    /// busy timeout so concurrent writers wait instead of failing.
    pub async fn connect(url: &str) -> StoreResult<Db> {
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
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let exports =
            std::sync::Arc::new(tokio::sync::Semaphore::new(max_connections as usize / 2));
        Ok(Db {
            pool,
            backend,
            exports,
        })
    }

    /// Apply the embedded migrations of this database kind.
    pub async fn migrate(&self) -> StoreResult<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// A cheap round trip, for health checks.
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
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
