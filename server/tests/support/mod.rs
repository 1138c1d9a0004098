//! Starting the real app for a test, and reading what it serves.

use std::collections::HashMap;

use app::store::{seed, Db};
use server::{Application, ServeConfig};
use sqlx::Connection;

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// PostgreSQL server used for tests; each test gets a database of its own on it.
fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    server: tokio::task::JoinHandle<()>,
    guard: DbGuard,
}

/// A fresh database of the given kind; drop it with [`DbGuard::drop_database`].
pub struct DbGuard {
    _dir: Option<tempfile::TempDir>,
    pg_database: Option<String>,
}

impl DbGuard {
    pub async fn drop_database(self) {
        if let Some(name) = self.pg_database {
            if let Ok(mut admin) = sqlx::PgConnection::connect(&postgres_admin_url()).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await;
            }
        }
    }
}

/// A migrated, empty database of the given kind.
#[allow(dead_code)] // each test binary uses part of this module
pub async fn fresh_db(backend: Backend) -> (Db, DbGuard) {
    let (url, dir, pg_database) = fresh_database_url(backend).await;
    let db = Db::connect(&url).await.expect("connect");
    db.migrate().await.expect("migrate");
    (
        db,
        DbGuard {
            _dir: dir,
            pg_database,
        },
    )
}

async fn fresh_database_url(
    backend: Backend,
) -> (String, Option<tempfile::TempDir>, Option<String>) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("registry.db").display());
            (url, Some(dir), None)
        }
        Backend::Postgres => {
            let name = format!(
                "registry_test_{}_{}",
                std::process::id(),
                chrono::Utc::now()
                    .timestamp_nanos_opt()
                    .unwrap_or_default()
                    .unsigned_abs()
            );
            let mut admin = sqlx::PgConnection::connect(&postgres_admin_url())
                .await
                .expect("PostgreSQL must run on 127.0.0.1:5432 (or set TEST_POSTGRES_URL)");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .await
                .expect("create test database");
            let base = postgres_admin_url();
            let url = match base.rfind('/') {
                Some(i) => format!("{}/{name}", &base[..i]),
                None => panic!("bad TEST_POSTGRES_URL"),
            };
            (url, None, Some(name))
        }
    }
}

/// Start the server on port 0 against a fresh, demo-seeded database.
#[allow(dead_code)]
pub async fn spawn_app(backend: Backend) -> TestApp {
    let (database_url, dir, pg_database) = fresh_database_url(backend).await;
    let config = ServeConfig {
        database_url: database_url.clone(),
        addr: "127.0.0.1:0".parse().expect("addr"),
        site_root: "target/site".into(),
        site_pkg_dir: "pkg".into(),
        production: true,
    };
    let app = Application::build(config).await.expect("app starts");
    let db = Db::connect(&database_url).await.expect("connect");
    let today = chrono::Utc::now().date_naive();
    seed::seed_demo(&db, today).await.expect("seed demo");
    db.pool.close().await;
    let base = format!("http://{}", app.addr());
    let server = tokio::spawn(async move {
        let _ = app.run().await;
    });
    TestApp {
        base,
        client: reqwest::Client::new(),
        server,
        guard: DbGuard {
            _dir: dir,
            pg_database,
        },
    }
}

#[allow(dead_code)]
impl TestApp {
    pub async fn get_raw(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{}", self.base, path))
            .send()
            .await
            .expect("request")
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let res = self.get_raw(path).await;
        let status = res.status().as_u16();
        (status, res.text().await.expect("body"))
    }

    /// Stop the server and drop a PostgreSQL test database.
    pub async fn stop(self) {
        self.server.abort();
        let _ = self.server.await;
        self.guard.drop_database().await;
    }
}

/// Legal names in the registry table, in order.
#[allow(dead_code)]
pub fn table_names(html: &str) -> Vec<String> {
    html.split("<th scope=\"row\"")
        .skip(1)
        .filter_map(|cell| {
            let a = cell.find("<a href=\"/subprocessors/")?;
            let rest = &cell[a..];
            let start = rest.find('>')? + 1;
            let end = rest.find("</a>")?;
            Some(unescape(&rest[start..end]))
        })
        .collect()
}

fn unescape(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

/// CSV rows as maps from column name to cell (BOM stripped).
#[allow(dead_code)]
pub fn parse_csv(text: &str) -> Vec<HashMap<String, String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("header row").clone();
    reader
        .records()
        .map(|r| {
            let r = r.expect("valid CSV row");
            headers
                .iter()
                .map(str::to_string)
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect()
}
