//! Starting the real app for a test, and reading what it serves.

use std::collections::HashMap;

use app::store::Db;
use server::cli::seed;
use server::{Application, ServeConfig};
use sqlx::Connection;

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// `on_both_databases!(a, b)` runs each `async fn a(backend: Backend)` of the test file as
/// `sqlite::a` and `postgres::a`.
#[allow(unused_macros)]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await })*
        }
    };
}

/// PostgreSQL server used for tests; each test gets a database of its own on it.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub struct TestApp {
    pub base: String,
    /// The handle the server itself uses (its export slots and heavy-work permits).
    pub server_db: Db,
    /// What the server's registry keeps in memory (replays, differences, page data).
    pub server_kept: std::sync::Arc<app::registry::Kept>,
    pub database_url: String,
    pub client: reqwest::Client,
    /// TOTP secret and unused recovery codes of accounts that set up two-step sign-in.
    pub second_steps: std::sync::Mutex<HashMap<String, (String, Vec<String>)>>,
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

/// A URL of a fresh, empty database (not migrated), with the folder of a SQLite file and the
/// name of a PostgreSQL database to drop afterwards.
#[allow(dead_code)]
pub async fn fresh_database_url_for(
    backend: Backend,
) -> (String, Option<tempfile::TempDir>, Option<String>) {
    fresh_database_url(backend).await
}

/// Drop a PostgreSQL test database by name.
#[allow(dead_code)]
pub async fn drop_postgres_database(name: &str) {
    DbGuard {
        _dir: None,
        pg_database: Some(name.to_string()),
    }
    .drop_database()
    .await;
}

pub async fn fresh_database_url(
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
    spawn_app_with(backend, |_| {}).await
}

/// [`spawn_app`] with the test configuration changed by `configure` first.
#[allow(dead_code)]
pub async fn spawn_app_with(backend: Backend, configure: impl FnOnce(&mut ServeConfig)) -> TestApp {
    spawn_seeded(backend, configure, None).await
}

/// [`spawn_app`] on `count` generated vendors (`seed-synthetic`) instead of the demo data.
#[allow(dead_code)]
pub async fn spawn_app_synthetic(backend: Backend, count: usize) -> TestApp {
    spawn_seeded(backend, |_| {}, Some(count)).await
}

async fn spawn_seeded(
    backend: Backend,
    configure: impl FnOnce(&mut ServeConfig),
    synthetic: Option<usize>,
) -> TestApp {
    let (database_url, dir, pg_database) = fresh_database_url(backend).await;
    let mut config = ServeConfig::for_tests(&database_url, "127.0.0.1:0".parse().expect("addr"));
    configure(&mut config);
    let app = Application::build(config).await.expect("app starts");
    let server_db = app.db();
    let server_kept = app.kept();
    let db = Db::connect(&database_url).await.expect("connect");
    let today = chrono::Utc::now().date_naive();
    match synthetic {
        Some(count) => seed::seed_synthetic(&db, today, count).await,
        None => seed::seed_demo(&db, today).await,
    }
    .expect("seed");
    db.pool.close().await;
    let base = format!("http://{}", app.addr());
    let server = tokio::spawn(async move {
        let _ = app.run().await;
    });
    TestApp {
        base,
        server_db,
        server_kept,
        database_url: database_url.clone(),
        // redirects are asserted, not followed
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // a hung request fails its test instead of stalling the whole run
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .expect("http client"),
        server,
        second_steps: Default::default(),
        guard: DbGuard {
            _dir: dir,
            pg_database,
        },
    }
}

/// Build and run a server on an existing database.
async fn start_on(
    database_url: &str,
    configure: impl FnOnce(&mut ServeConfig),
) -> (
    String,
    Db,
    std::sync::Arc<app::registry::Kept>,
    tokio::task::JoinHandle<()>,
) {
    let mut config = ServeConfig::for_tests(database_url, "127.0.0.1:0".parse().expect("addr"));
    configure(&mut config);
    let app = Application::build(config).await.expect("app starts");
    let server_db = app.db();
    let server_kept = app.kept();
    let base = format!("http://{}", app.addr());
    let server = tokio::spawn(async move {
        let _ = app.run().await;
    });
    (base, server_db, server_kept, server)
}

/// The code an authenticator app shows now for `secret` (base32).
#[allow(dead_code)]
pub fn totp_now(secret: &str) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret).expect("base32 secret");
    totp_rs::Builder::new()
        .with_secret(secret)
        .build()
        .expect("totp")
        .generate_current()
        .to_string()
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

    /// POST a form (as a server function call or a plain form), with a session cookie.
    pub async fn post_form(
        &self,
        path: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> reqwest::Response {
        let body = serde_urlencoded::to_string(form).expect("form");
        let mut req = self
            .client
            .post(format!("{}{}", self.base, path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        req.send().await.expect("request")
    }

    /// GET with a session cookie.
    pub async fn get_with(&self, path: &str, cookie: &str) -> (u16, String) {
        let res = self
            .client
            .get(format!("{}{}", self.base, path))
            .header("cookie", cookie)
            .header("accept", "text/html")
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        (status, res.text().await.expect("body"))
    }

    /// Create an account directly in the database.
    pub async fn create_user(&self, email: &str, role: app::domain::Role, password: &str) {
        let db = Db::connect(&self.database_url).await.expect("connect");
        let hash = app::passwords::hash_password(password.into())
            .await
            .expect("hash");
        let email = app::domain::Email::parse(email).expect("email");
        app::write::write(&db, "test setup", async |tx| {
            app::store::users::insert_user(tx, &email, role, &hash)
                .await
                .map_err(|e| app::error::AppError::Request(e.to_string()))?;
            Ok(app::write::Written::done(
                (),
                app::store::users::created_entry(&email, role),
            ))
        })
        .await
        .expect("create user");
        db.pool.close().await;
    }

    /// A set-up link for the account's first two-step set-up, issued as an admin would (the
    /// same function the accounts page and the command line call); its path.
    pub async fn set_up_link(&self, email: &str) -> String {
        let db = Db::connect(&self.database_url).await.expect("connect");
        let user = app::store::users::find_by_email(
            &db,
            &app::domain::Email::parse(email).expect("email"),
        )
        .await
        .expect("read")
        .expect("the account exists");
        let mut tx = app::store::begin_write(&db).await.expect("begin");
        let path = app::session::issue_set_up_link(&mut tx, "test setup", user.id, email)
            .await
            .expect("issue a set-up link");
        tx.commit().await.expect("commit");
        db.pool.close().await;
        path
    }

    /// Start the first set-up from a set-up link's `path` with the account's password; the
    /// answer (a redirect to `/login/setup` with a challenge cookie when it works).
    pub async fn enrol(&self, path: &str, password: &str) -> reqwest::Response {
        let token = path.rsplit('/').next().unwrap_or_default();
        self.post_form(
            "/api/login/enrol",
            &[("token", token), ("password", password)],
            None,
        )
        .await
    }

    /// Sign in and return the `name=value` session cookie. An account that owes two-step
    /// sign-in (admins) sets it up the first time, as a person would: an admin issues a set-up
    /// link, the person starts the set-up from it with the password and confirms it with a code
    /// computed from the secret the setup shows; later sign-ins give one of its recovery codes.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let res = self
            .post_form(
                "/api/login",
                &[("email", email), ("password", password)],
                None,
            )
            .await;
        if res.status() == 400 {
            let body = res.text().await.unwrap_or_default();
            assert!(body.contains("set-up link"), "sign-in of {email}: {body}");
            let res = self.enrol(&self.set_up_link(email).await, password).await;
            assert_eq!(res.status(), 200, "set-up link of {email}");
            assert_eq!(res.headers()["location"], "/login/setup");
            let challenge = challenge_cookie(&res).expect("a challenge cookie");
            return self.finish_set_up(email, &challenge).await;
        }
        assert_eq!(res.status(), 200, "sign-in of {email} succeeds");
        if let Some(cookie) = session_cookie(&res) {
            return cookie;
        }
        let challenge = challenge_cookie(&res).expect("a session or a challenge cookie is set");
        let next = res.headers()["location"]
            .to_str()
            .unwrap_or_default()
            .to_string();
        let res = match next.as_str() {
            "/login/verify" => {
                let code = self
                    .second_steps
                    .lock()
                    .expect("lock")
                    .get_mut(email)
                    .and_then(|(_, codes)| codes.pop())
                    .expect("a recovery code of this account");
                self.post_form("/api/login/verify", &[("code", &code)], Some(&challenge))
                    .await
            }
            other => panic!("sign-in of {email} went to {other}"),
        };
        assert_eq!(res.status(), 200, "second step of {email}");
        session_cookie(&res).expect("a session cookie once the second step is done")
    }

    /// The set-up a sign-in `challenge` owes, confirmed with a code computed from the secret it
    /// shows (kept in `second_steps` with its recovery codes); the session cookie.
    pub async fn finish_set_up(&self, email: &str, challenge: &str) -> String {
        let setup = self
            .post_form("/api/login/setup_info", &[], Some(challenge))
            .await;
        assert_eq!(setup.status(), 200);
        let setup: serde_json::Value = setup.json().await.expect("setup json");
        let secret = setup["secret"].as_str().expect("secret").to_string();
        let codes: Vec<String> = setup["recovery_codes"]
            .as_array()
            .expect("codes")
            .iter()
            .filter_map(|c| c.as_str().map(str::to_string))
            .collect();
        self.second_steps
            .lock()
            .expect("lock")
            .insert(email.to_string(), (secret.clone(), codes));
        let code = totp_now(&secret);
        let res = self
            .post_form("/api/login/setup", &[("code", &code)], Some(challenge))
            .await;
        assert_eq!(res.status(), 200, "set-up of {email}");
        session_cookie(&res).expect("a session cookie once the set-up is done")
    }

    /// The vendor form renamed to `name`. An existing vendor keeps its stored dates and scope, so
    /// the save announces nothing new (the notice rule is tested in `changes.rs`); a new one is a
    /// draft without dates.
    pub async fn vendor_form(&self, slug: &str, version: i64, name: &str) -> Vec<(String, String)> {
        vendor_form_at(&self.database_url, slug, version, name).await
    }
}

/// [`TestApp::vendor_form`] for the database at `database_url` (a cluster's).
#[allow(dead_code)]
pub async fn vendor_form_at(
    database_url: &str,
    slug: &str,
    version: i64,
    name: &str,
) -> Vec<(String, String)> {
    {
        let mut form: Vec<(String, String)> = [
            ("vendor[slug]", slug.to_string()),
            ("vendor[version]", version.to_string()),
            ("vendor[legal_name]", name.to_string()),
            ("vendor[registration_country]", "DE".into()),
            ("vendor[kind]", "third_party".into()),
            ("vendor[work_location]", "own_facilities".into()),
            ("vendor[purpose_category]", "infrastructure".into()),
            ("vendor[purpose]", "Hosts storage for backups.".into()),
            ("vendor[transfer_mechanism]", "sccs".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        if slug.is_empty() {
            form.push(("vendor[countries]".into(), "DE FR".into()));
            form.push(("vendor[services][backup]".into(), "on".into()));
            form.push(("vendor[categories][customer]".into(), "on".into()));
            return form;
        }
        let db = Db::connect(database_url).await.expect("connect");
        let (announced, effective, removed) = sqlx::query_as::<sqlx::Any, (String, String, String)>(
            "SELECT COALESCE(announced_on, ''), COALESCE(effective_on, ''), COALESCE(removed_on, '') \
             FROM vendors WHERE slug = $1",
        )
        .bind(slug.to_string())
        .fetch_one(&db.pool)
        .await
        .expect("vendor dates");
        let list = |sql: &str| {
            let sql = sql.to_string();
            let pool = db.pool.clone();
            async move {
                sqlx::query_scalar::<sqlx::Any, String>(&sql)
                    .bind(slug.to_string())
                    .fetch_all(&pool)
                    .await
                    .expect("vendor scope")
            }
        };
        let countries = list(
            "SELECT vc.country_code FROM vendor_countries vc JOIN vendors v ON v.id = vc.vendor_id \
             WHERE v.slug = $1",
        )
        .await;
        let services = list(
            "SELECT s.slug FROM vendor_services vs JOIN services s ON s.id = vs.service_id \
             JOIN vendors v ON v.id = vs.vendor_id WHERE v.slug = $1",
        )
        .await;
        let categories = list(
            "SELECT vd.category_code FROM vendor_data_categories vd \
             JOIN vendors v ON v.id = vd.vendor_id WHERE v.slug = $1",
        )
        .await;
        db.pool.close().await;
        form.push(("vendor[announced_on]".into(), announced));
        form.push(("vendor[effective_on]".into(), effective));
        form.push(("vendor[removed_on]".into(), removed));
        form.push(("vendor[countries]".into(), countries.join(" ")));
        for s in services {
            form.push((format!("vendor[services][{s}]"), "on".into()));
        }
        for c in categories {
            form.push((format!("vendor[categories][{c}]"), "on".into()));
        }
        form
    }
}

#[allow(dead_code)]
impl TestApp {
    /// A database handle on the app's database, for assertions.
    pub async fn db(&self) -> Db {
        Db::connect(&self.database_url).await.expect("connect")
    }

    /// Stop the server (as if killed: nothing finishes) and start it again on the same
    /// database with `configure` applied to the test configuration.
    pub async fn restart_with(self, configure: impl FnOnce(&mut ServeConfig)) -> TestApp {
        self.server.abort();
        let _ = self.server.await;
        // the stopped server's connections go before the next one migrates: one still
        // rolling back an aborted write held SQLite's lock past the migration's busy timeout
        self.server_db.pool.close().await;
        let (base, server_db, server_kept, server) = start_on(&self.database_url, configure).await;
        TestApp {
            base,
            server_db,
            server_kept,
            server,
            ..self
        }
    }

    /// Another instance on the same database (a second server behind a load balancer): its
    /// base URL and its task (abort it to stop it).
    pub async fn another_instance(
        &self,
        configure: impl FnOnce(&mut ServeConfig),
    ) -> (String, tokio::task::JoinHandle<()>) {
        let (base, _, _, server) = start_on(&self.database_url, configure).await;
        (base, server)
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

/// Undo HTML/XML escaping of text.
#[allow(dead_code)]
pub fn unescape(s: &str) -> String {
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

/// The `name=value` of the cookie `name` a response sets (empty value when it clears it).
fn set_cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
}

/// The `name=value` of the session cookie a response sets (empty value when it clears it).
#[allow(dead_code)]
pub fn session_cookie(res: &reqwest::Response) -> Option<String> {
    set_cookie(res, "registry_session")
}

/// The `name=value` of the vendor portal's session cookie a response sets.
#[allow(dead_code)]
pub fn vendor_cookie(res: &reqwest::Response) -> Option<String> {
    set_cookie(res, "registry_vendor_session").filter(|c| c != "registry_vendor_session=")
}

/// The `name=value` of the sign-in challenge cookie a response sets.
#[allow(dead_code)]
pub fn challenge_cookie(res: &reqwest::Response) -> Option<String> {
    set_cookie(res, "registry_challenge").filter(|c| c.len() > "registry_challenge=".len())
}

/// A form of owned pairs as the borrowed pairs `post_form` takes.
#[allow(dead_code)]
pub fn borrow(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Run a CLI command of the `server` binary on `url` and insist it succeeds. The command runs
/// off the test's runtime: the test's own server shares that thread, and a command that waits
/// for a lock the server holds must not stop the server from letting it go.
#[allow(dead_code)]
pub async fn cli(url: &str, args: &[&str], stdin: Option<&str>) {
    let url = url.to_string();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let stdin = stdin.map(str::to_string);
    tokio::task::spawn_blocking(move || cli_blocking(&url, &args, stdin.as_deref()))
        .await
        .expect("the command's thread finishes");
}

/// Run `work` (a command that may wait on the database) off the test's runtime thread, where
/// the test's own server runs: see [`cli`].
#[allow(dead_code)]
pub async fn off_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work)
        .await
        .expect("the command's thread finishes")
}

fn cli_blocking(url: &str, args: &[String], stdin: Option<&str>) {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["--database-url", url])
        .args(args)
        // errors only: shown with the refusal when the command fails (its cause and reference;
        // the log goes to standard output, the refusal to standard error)
        .env("RUST_LOG", "error")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("server runs");
    if let (Some(mut s), Some(text)) = (child.stdin.take(), stdin) {
        let _ = writeln!(s, "{text}");
    }
    let out = child.wait_with_output().expect("finishes");
    assert!(
        out.status.success(),
        "{args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
}
