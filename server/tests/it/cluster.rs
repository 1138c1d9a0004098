//! Three `server serve` processes on one PostgreSQL database behind a real HAProxy
//! (`deploy/haproxy.cfg`): nothing in one instance's memory is authoritative. One cluster
//! goes through every phase in turn: migrations run once when all three start at once on an
//! empty database; sessions, sign-in throttling, edits, optimistic locking and the outbox
//! are shared; concurrent edits on every instance make one log, signed alike by all; a
//! rolling restart under load fails no request; kill -9 under write load loses
//! no answered save.

use std::{
    collections::{BTreeSet, HashMap},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use app::store::Db;
use sqlx::{Any, Connection};

use crate::support::{cli, fresh_database_url, postgres_admin_url, vendor_form_at, Backend};

const PASSWORD: &str = "cluster manager passphrase long";
const HAPROXY_CFG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/haproxy.cfg");

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn server() -> Command {
    Command::new(env!("CARGO_BIN_EXE_server"))
}

struct Instance {
    id: String,
    port: u16,
    mail: PathBuf,
    child: Child,
}

impl Instance {
    fn start(url: &str, id: &str, port: u16, mail: &Path) -> Instance {
        let child = server()
            .args([
                "--database-url",
                url,
                "--addr",
                &format!("127.0.0.1:{port}"),
                "serve",
            ])
            .env("RUST_LOG", "warn")
            .env("INSTANCE_ID", id)
            .env("EXPOSE_INSTANCE_ID", "true")
            .env("TRUSTED_PROXIES", "127.0.0.1")
            .env("INSECURE_COOKIES", "true")
            .env("RATE_LIMIT_PER_MINUTE", "0")
            .env("MAIL_DIR", mail)
            .env("LOG_SIGNING_KEY", server::config::test_log_key().encode())
            .env("LEPTOS_SITE_ROOT", "target/site")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("an instance starts");
        Instance {
            id: id.to_string(),
            port,
            mail: mail.to_path_buf(),
            child,
        }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// SIGTERM, and wait until it has finished what it was doing and exited.
    fn terminate(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(40);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("{} did not stop within 40 s of SIGTERM", self.id);
    }
}

async fn wait_ready(client: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while Instant::now() < deadline {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await {
            if r.status() == 200 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{base} not ready in 90 s");
}

fn instance_of(res: &reqwest::Response) -> String {
    res.headers()
        .get("x-instance-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

fn session_cookie(res: &reqwest::Response) -> String {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|c| c.starts_with("registry_session=") && c.len() > "registry_session=".len())
        .expect("a session cookie")
        .to_string()
}

async fn scalar(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar::<Any, i64>(sql)
        .fetch_one(&db.pool)
        .await
        .expect(sql)
}

struct Cluster {
    url: String,
    db_name: String,
    lb: String,
    instances: Vec<Instance>,
    haproxy: Child,
    client: reqwest::Client,
    _mail: tempfile::TempDir,
}

/// A failing phase panics: its processes must not outlive the test.
impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.haproxy.kill();
        let _ = self.haproxy.wait();
        for i in &mut self.instances {
            let _ = i.child.kill();
            let _ = i.child.wait();
        }
    }
}

impl Cluster {
    async fn stop(mut self) {
        let _ = self.haproxy.kill();
        let _ = self.haproxy.wait();
        for i in &mut self.instances {
            let _ = i.child.kill();
            let _ = i.child.wait();
        }
        if let Ok(mut admin) = sqlx::PgConnection::connect(&postgres_admin_url()).await {
            let _ = sqlx::query(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.db_name
            ))
            .execute(&mut admin)
            .await;
        }
    }

    async fn db(&self) -> Db {
        Db::connect(&self.url).await.expect("connect")
    }

    async fn sign_in(&self, base: &str, email: &str) -> String {
        let res = self
            .client
            .post(format!("{base}/api/login"))
            .form(&[("email", email), ("password", PASSWORD)])
            .send()
            .await
            .expect("sign-in");
        assert_eq!(res.status(), 200, "{email} signs in");
        session_cookie(&res)
    }

    async fn post(
        &self,
        base: &str,
        path: &str,
        form: &[(String, String)],
        cookie: &str,
    ) -> reqwest::Response {
        self.client
            .post(format!("{base}{path}"))
            .header("cookie", cookie)
            .header("accept", "application/json")
            .form(form)
            .send()
            .await
            .expect("post")
    }
}

/// Phase 1: three instances at once on an empty database, and the balancer.
async fn start_cluster() -> Cluster {
    assert!(
        Command::new("haproxy").arg("-v").output().is_ok(),
        "HAProxy is missing: scripts/setup.sh --test installs it"
    );
    let (url, _, db_name) = fresh_database_url(Backend::Postgres).await;
    let db_name = db_name.expect("a PostgreSQL database");
    let mail = tempfile::tempdir().expect("mail dir");
    let mut instances = Vec::new();
    for i in 1..=3 {
        let dir = mail.path().join(format!("web-{i}"));
        instances.push(Instance::start(
            &url,
            &format!("web-{i}"),
            free_port(),
            &dir,
        ));
    }
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    for i in &instances {
        wait_ready(&client, &i.base()).await;
    }
    let lb_port = free_port();
    let haproxy = Command::new("haproxy")
        .args(["-f", HAPROXY_CFG, "-db"])
        .env("REGISTRY_BIND", format!("127.0.0.1:{lb_port}"))
        .env("REGISTRY_WEB1", format!("127.0.0.1:{}", instances[0].port))
        .env("REGISTRY_WEB2", format!("127.0.0.1:{}", instances[1].port))
        .env("REGISTRY_WEB3", format!("127.0.0.1:{}", instances[2].port))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("haproxy starts");
    let cluster = Cluster {
        lb: format!("http://127.0.0.1:{lb_port}"),
        url,
        db_name,
        instances,
        haproxy,
        client,
        _mail: mail,
    };
    // every instance is in the balancer's rotation once its checks passed
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = BTreeSet::new();
    while seen.len() < 3 && Instant::now() < deadline {
        if let Ok(r) = cluster
            .client
            .get(format!("{}/healthz", cluster.lb))
            .send()
            .await
        {
            seen.insert(instance_of(&r));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen.len(), 3, "the balancer reaches all three: {seen:?}");
    cluster
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_behind_haproxy() {
    let c = start_cluster().await;
    {
        let db = c.db().await;
        let twice = scalar(
            &db,
            "SELECT COUNT(*) FROM (SELECT version FROM _sqlx_migrations GROUP BY version HAVING COUNT(*) > 1) t",
        )
        .await;
        assert_eq!(twice, 0, "each migration ran once");
        assert!(db.migrations_current().await.expect("reads"));
        db.pool.close().await;
    }
    cli(&c.url, &["seed-demo"], None).await;
    for who in ["manager", "second", "third"] {
        cli(
            &c.url,
            &[
                "user",
                "create",
                "--email",
                &format!("{who}@example.test"),
                "--role",
                "manager",
            ],
            Some(PASSWORD),
        )
        .await;
    }
    sessions_are_shared(&c).await;
    throttling_counts_across_instances(&c).await;
    edits_reach_every_instance(&c).await;
    one_of_two_stale_saves_wins(&c).await;
    every_notice_is_sent_once(&c).await;
    one_log_under_concurrent_edits(&c).await;
    let mut c = c;
    rolling_restart_fails_no_request(&mut c).await;
    kill_9_loses_no_answered_save(&mut c).await;
    c.stop().await;
}

/// Signed in through the balancer: every instance knows the session; signing out on one
/// ends it on all.
async fn sessions_are_shared(c: &Cluster) {
    let cookie = c.sign_in(&c.lb, "manager@example.test").await;
    let mut seen = BTreeSet::new();
    for _ in 0..30 {
        let res = c
            .client
            .get(format!("{}/manage", c.lb))
            .header("cookie", &cookie)
            .header("accept", "text/html")
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 200, "signed in on {}", instance_of(&res));
        seen.insert(instance_of(&res));
    }
    assert_eq!(seen.len(), 3, "30 requests reach all three: {seen:?}");
    let res = c
        .client
        .post(format!("{}/api/logout", c.lb))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("sign-out");
    assert!(res.status().is_success() || res.status().is_redirection());
    for i in &c.instances {
        let res = c
            .client
            .get(format!("{}/manage", i.base()))
            .header("cookie", &cookie)
            .header("accept", "text/html")
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 302, "signed out on {}", i.id);
    }
}

/// Five failures spread over the instances lock the next attempt everywhere.
async fn throttling_counts_across_instances(c: &Cluster) {
    let mut seen = BTreeSet::new();
    for _ in 0..5 {
        let res = c
            .client
            .post(format!("{}/api/login", c.lb))
            .form(&[
                ("email", "second@example.test"),
                ("password", "not the password at all"),
            ])
            .send()
            .await
            .expect("sign-in");
        assert_eq!(res.status(), 401);
        seen.insert(instance_of(&res));
    }
    assert!(seen.len() >= 2, "the failures were spread: {seen:?}");
    for i in &c.instances {
        let res = c
            .client
            .post(format!("{}/api/login", i.base()))
            .form(&[("email", "second@example.test"), ("password", PASSWORD)])
            .send()
            .await
            .expect("sign-in");
        assert_eq!(res.status(), 429, "throttled on {}", i.id);
    }
}

/// An edit through the balancer is on every instance's public page within the page cache's
/// lifetime, and the JSON API's ETag moves on all.
async fn edits_reach_every_instance(c: &Cluster) {
    let slug = "brightwater-hosting";
    let mut etags = HashMap::new();
    for i in &c.instances {
        let res = c
            .client
            .get(format!("{}/api/v1/subprocessors", i.base()))
            .send()
            .await
            .expect("json");
        etags.insert(
            i.id.clone(),
            res.headers()["etag"].to_str().unwrap_or("").to_string(),
        );
        // and the page is in each instance's cache now
        assert_eq!(
            c.client
                .get(format!("{}/subprocessors/{slug}", i.base()))
                .send()
                .await
                .expect("page")
                .status(),
            200
        );
    }
    let db = c.db().await;
    let version = scalar(
        &db,
        &format!("SELECT version FROM vendors WHERE slug = '{slug}'"),
    )
    .await;
    db.pool.close().await;
    let purpose = format!(
        "Keeps backups in two regions (edited {}).",
        chrono::Utc::now().timestamp_millis()
    );
    let mut form = vendor_form_at(&c.url, slug, version, "Brightwater Hosting GmbH").await;
    for (k, v) in &mut form {
        if k == "vendor[purpose]" {
            *v = purpose.clone();
        }
    }
    let cookie = c.sign_in(&c.lb, "manager@example.test").await;
    let res = c
        .post(&c.lb, "/api/manage/save_vendor", &form, &cookie)
        .await;
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let saved = Instant::now();
    for i in &c.instances {
        loop {
            let page = c
                .client
                .get(format!("{}/subprocessors/{slug}", i.base()))
                .send()
                .await
                .expect("page")
                .text()
                .await
                .unwrap_or_default();
            if page.contains(&purpose) {
                break;
            }
            assert!(
                saved.elapsed() < Duration::from_millis(2600),
                "{} shows the edit within 2 s",
                i.id
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let res = c
            .client
            .get(format!("{}/api/v1/subprocessors", i.base()))
            .send()
            .await
            .expect("json");
        assert_ne!(
            res.headers()["etag"].to_str().unwrap_or(""),
            etags[&i.id],
            "the ETag moved on {}",
            i.id
        );
    }
}

/// Twelve edits at once, four through each instance: every change event is one leaf of one
/// log (no fork: indexes 0..n without a gap or a repeat), every instance signs the same
/// checkpoint and serves the same proofs, and `server log verify` passes.
async fn one_log_under_concurrent_edits(c: &Cluster) {
    let db = c.db().await;
    let vendors = sqlx::query_as::<Any, (String, i64, String)>(
        "SELECT slug, version, legal_name FROM vendors WHERE removed_on IS NULL \
         AND slug NOT IN ('brightwater-hosting', 'ember-analytics') ORDER BY id DESC LIMIT 12",
    )
    .fetch_all(&db.pool)
    .await
    .expect("vendors");
    assert_eq!(vendors.len(), 12);
    let before = scalar(&db, "SELECT COUNT(*) FROM change_events").await;
    // one session, known to every instance
    let cookie = c.sign_in(&c.lb, "manager@example.test").await;
    let mut saves = Vec::new();
    for (n, (slug, version, name)) in vendors.iter().enumerate() {
        let at = n % 3;
        let mut form = vendor_form_at(&c.url, slug, *version, name).await;
        for (k, v) in &mut form {
            if k == "vendor[purpose]" {
                *v = format!("Processes data for the concurrent edit {n}.");
            }
        }
        let base = c.instances[at].base();
        let cookie = cookie.clone();
        saves.push(async move {
            let res = c
                .post(&base, "/api/manage/save_vendor", &form, &cookie)
                .await;
            (res.status().as_u16(), res.text().await.unwrap_or_default())
        });
    }
    for (status, body) in futures::future::join_all(saves).await {
        assert_eq!(status, 200, "{body}");
    }
    let events = scalar(&db, "SELECT COUNT(*) FROM change_events").await;
    assert_eq!(events, before + 12, "each edit recorded its change");
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM log_leaves").await, events);
    assert_eq!(
        scalar(&db, "SELECT COUNT(DISTINCT idx) FROM log_leaves").await,
        events
    );
    assert_eq!(
        scalar(&db, "SELECT MAX(idx) FROM log_leaves").await,
        events - 1
    );
    assert_eq!(scalar(&db, "SELECT size FROM log_head").await, events);
    // a checkpoint of the whole log, the same from every instance
    let deadline = Instant::now() + Duration::from_secs(30);
    while scalar(&db, "SELECT COALESCE(MAX(size), 0) FROM log_checkpoints").await < events {
        assert!(
            Instant::now() < deadline,
            "no checkpoint of {events} leaves was signed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let newest = scalar(&db, "SELECT MAX(change_event_id) FROM log_leaves").await;
    let mut answers = BTreeSet::new();
    for i in &c.instances {
        let proof = c
            .client
            .get(format!("{}/api/v1/log/events/{newest}/proof", i.base()))
            .send()
            .await
            .expect("proof");
        assert_eq!(proof.status(), 200);
        answers.insert(proof.text().await.unwrap_or_default());
    }
    assert_eq!(
        answers.len(),
        1,
        "every instance proves the same: {answers:?}"
    );
    db.pool.close().await;
    let out = server()
        .args(["--database-url", &c.url, "log", "verify"])
        .env("RUST_LOG", "error")
        .output()
        .expect("server runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Two managers save the same version through two instances at once: one wins, one is told.
async fn one_of_two_stale_saves_wins(c: &Cluster) {
    let slug = "ember-analytics";
    let db = c.db().await;
    let version = scalar(
        &db,
        &format!("SELECT version FROM vendors WHERE slug = '{slug}'"),
    )
    .await;
    db.pool.close().await;
    let base = vendor_form_at(&c.url, slug, version, "Ember Analytics Ltd").await;
    let (a, b) = (c.instances[0].base(), c.instances[1].base());
    let first = c.sign_in(&a, "manager@example.test").await;
    let second = c.sign_in(&b, "third@example.test").await;
    let edit = |name: &str| {
        let mut f = base.clone();
        for (k, v) in &mut f {
            if k == "vendor[purpose]" {
                *v = format!("Analytics, saved by {name}.");
            }
        }
        f
    };
    let (fa, fb) = (edit("the first"), edit("the second"));
    let (ra, rb) = tokio::join!(
        c.post(&a, "/api/manage/save_vendor", &fa, &first),
        c.post(&b, "/api/manage/save_vendor", &fb, &second)
    );
    let mut statuses = vec![ra.status().as_u16(), rb.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, vec![200, 409], "exactly one save wins");
}

/// With three workers, each notice of an announcement is sent exactly once.
async fn every_notice_is_sent_once(c: &Cluster) {
    const N: usize = 30;
    let db = c.db().await;
    let stamp = app::store::now_utc();
    for i in 0..N {
        sqlx::query(
            "INSERT INTO subscriptions (email, services, categories, status, created_at, confirmed_at) \
             VALUES ($1, '', '', 'confirmed', $2, $2)",
        )
        .bind(format!("s{i:03}@cluster.example"))
        .bind(stamp.clone())
        .execute(&db.pool)
        .await
        .expect("subscriber");
    }
    let today = chrono::Utc::now().date_naive();
    let mut form = vendor_form_at(&c.url, "", 0, "Cluster Relay GmbH").await;
    form.push(("vendor[announced_on]".into(), today.to_string()));
    form.push((
        "vendor[effective_on]".into(),
        (today + chrono::Days::new(200)).to_string(),
    ));
    let cookie = c.sign_in(&c.lb, "manager@example.test").await;
    let res = c
        .post(&c.lb, "/api/manage/save_vendor", &form, &cookie)
        .await;
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    // the announcement's change event
    let event = scalar(&db, "SELECT MAX(id) FROM change_events").await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let sent = scalar(
            &db,
            &format!(
                "SELECT COUNT(*) FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id \
                 WHERE d.change_event_id = {event} AND d.status = 'sent' \
                 AND s.email LIKE '%@cluster.example'"
            ),
        )
        .await;
        if sent as usize == N {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{sent} of {N} notices sent in 60 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    db.pool.close().await;
    // the mails themselves, over the three instances' mail folders: one per subscriber
    let mut per_address: HashMap<String, usize> = HashMap::new();
    let mut senders = BTreeSet::new();
    for i in &c.instances {
        let Ok(entries) = std::fs::read_dir(&i.mail) else {
            continue;
        };
        for e in entries.flatten() {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            if let Some(to) = text
                .lines()
                .find_map(|l| l.strip_prefix("To: "))
                .filter(|t| t.contains("@cluster.example"))
            {
                if text.contains("Cluster Relay GmbH") {
                    *per_address.entry(to.trim().to_string()).or_default() += 1;
                    senders.insert(i.id.clone());
                }
            }
        }
    }
    assert_eq!(per_address.len(), N, "every subscriber got the notice");
    assert!(
        per_address.values().all(|n| *n == 1),
        "none twice: {per_address:?}"
    );
    eprintln!("notices sent by {senders:?}");
}

/// Clients hammering `/` and the JSON API through the balancer while each instance in turn
/// gets SIGTERM and starts again: no request fails.
async fn rolling_restart_fails_no_request(c: &mut Cluster) {
    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut tasks = Vec::new();
    for t in 0..6 {
        let (stop, ok, failures, lb) = (stop.clone(), ok.clone(), failures.clone(), c.lb.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client");
            let mut n = 0usize;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let path = if (n + t).is_multiple_of(2) {
                    "/"
                } else {
                    "/api/v1/subprocessors?country=DE"
                };
                match client.get(format!("{lb}{path}")).send().await {
                    Ok(r) if r.status().is_success() => match r.bytes().await {
                        Ok(_) => {
                            ok.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => failures
                            .lock()
                            .expect("lock")
                            .push(format!("{path}: body {e}")),
                    },
                    Ok(r) => failures
                        .lock()
                        .expect("lock")
                        .push(format!("{path}: {}", r.status())),
                    Err(e) => failures.lock().expect("lock").push(format!("{path}: {e}")),
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    for k in 0..c.instances.len() {
        let (id, port, mail) = {
            let i = &mut c.instances[k];
            let started = Instant::now();
            tokio::task::block_in_place(|| i.terminate());
            eprintln!("{} stopped in {:?}", i.id, started.elapsed());
            (i.id.clone(), i.port, i.mail.clone())
        };
        c.instances[k] = Instance::start(&c.url, &id, port, &mail);
        wait_ready(&c.client, &c.instances[k].base()).await;
        // the balancer's next check (every 500 ms) takes it back
        tokio::time::sleep(Duration::from_millis(1500)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    let failures = failures.lock().expect("lock").clone();
    let ok = ok.load(Ordering::Relaxed);
    assert!(ok > 100, "the load ran: {ok} answers");
    assert!(
        failures.is_empty(),
        "{} of {} requests failed: {:?}",
        failures.len(),
        ok + failures.len(),
        &failures[..failures.len().min(10)]
    );
    eprintln!("rolling restart: {ok} requests, none failed");
}

/// Saves through the balancer while one instance is killed with SIGKILL: every save that was
/// answered 200 is in the database; the only failures were in flight on the killed one, and
/// the balancer routes around it.
async fn kill_9_loses_no_answered_save(c: &mut Cluster) {
    let cookie = c.sign_in(&c.lb, "manager@example.test").await;
    let today = chrono::Utc::now().date_naive().to_string();
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(Mutex::new(Vec::<String>::new()));
    let failed = Arc::new(Mutex::new(Vec::<(Instant, String)>::new()));
    const WRITERS: usize = 4;
    let mut tasks = Vec::new();
    for t in 0..WRITERS {
        let (stop, answered, failed, lb, cookie, today) = (
            stop.clone(),
            answered.clone(),
            failed.clone(),
            c.lb.clone(),
            cookie.clone(),
            today.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client");
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let email = format!("w{t}-{n}@kill.example");
                let res = client
                    .post(format!("{lb}/api/manage/add_training"))
                    .header("cookie", &cookie)
                    .header("accept", "application/json")
                    .form(&[
                        ("t[vendor]", "brightwater-hosting"),
                        ("t[person_name]", "Kill Test"),
                        ("t[person_email]", email.as_str()),
                        ("t[course]", "Privacy essentials for vendors"),
                        ("t[completed_on]", today.as_str()),
                    ])
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status() == 200 => answered.lock().expect("lock").push(email),
                    Ok(r) => failed
                        .lock()
                        .expect("lock")
                        .push((Instant::now(), format!("{}", r.status()))),
                    Err(e) => failed
                        .lock()
                        .expect("lock")
                        .push((Instant::now(), e.to_string())),
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let victim = &mut c.instances[0];
    let _ = victim.child.kill();
    let _ = victim.child.wait();
    let killed = Instant::now();
    tokio::time::sleep(Duration::from_secs(4)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    let answered = answered.lock().expect("lock").clone();
    let failed = failed.lock().expect("lock").clone();
    assert!(answered.len() > 20, "the writes ran: {}", answered.len());
    assert!(
        failed.len() <= WRITERS,
        "only requests in flight on the killed instance fail: {failed:?}"
    );
    assert!(
        failed
            .iter()
            .all(|(at, _)| at.duration_since(killed) < Duration::from_secs(2)),
        "after the balancer's check the killed instance gets nothing: {failed:?}"
    );
    let db = c.db().await;
    let stored: BTreeSet<String> = sqlx::query_scalar::<Any, String>(
        "SELECT person_email FROM training_records WHERE person_email LIKE '%@kill.example'",
    )
    .fetch_all(&db.pool)
    .await
    .expect("stored")
    .into_iter()
    .collect();
    db.pool.close().await;
    let lost: Vec<&String> = answered.iter().filter(|e| !stored.contains(*e)).collect();
    assert!(lost.is_empty(), "answered 200 but not stored: {lost:?}");
    eprintln!(
        "kill -9: {} saves answered, {} failed in flight",
        answered.len(),
        failed.len()
    );
}
