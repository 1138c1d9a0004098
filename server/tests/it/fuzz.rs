//! HTTP fuzzing: generated requests (methods, paths, query strings, form bodies, headers,
//! cookies, raw bytes) against a running server. Not one answer may be a 500, the server must
//! still answer afterwards, and nothing stored may change (the requests carry no valid
//! session). `FUZZ_REQUESTS` sets how many (default 4000 here; `bench/fuzz.sh` sends 100,000
//! to the release build, naming it with `FUZZ_BASE` and its database with
//! `FUZZ_DATABASE_URL`); `FUZZ_SEED` the generator's seed.

use std::time::Duration;

use futures::StreamExt;
use rand::{rngs::StdRng, Rng, SeedableRng};
use sqlx::Any;

use crate::support::{spawn_app, Backend};

const PATHS: &[&str] = &[
    "/",
    "/subprocessors/brightwater-hosting",
    "/subprocessors/",
    "/subprocessors.csv",
    "/subprocessors.xlsx",
    "/changes",
    "/changes.atom",
    "/api/v1/subprocessors",
    "/api/v1/changes",
    "/healthz",
    "/login",
    "/login/verify",
    "/login/setup",
    "/manage",
    "/manage/audit",
    "/manage/vendors/new",
    "/manage/vendors/brightwater-hosting",
    "/manage/account",
    "/api/registry",
    "/api/vendor",
    "/api/changes",
    "/api/login",
    "/api/login/verify",
    "/api/logout",
    "/api/manage/save_vendor",
    "/api/manage/add_training",
    "/api/manage/remove_record",
    "/api/admin/add_user",
    "/api/account/password",
    "/api/account/end_session",
    "/pkg/registry.css",
    "/favicon.svg",
];
const KEYS: &[&str] = &[
    "q",
    "service",
    "country",
    "category",
    "status",
    "compliance",
    "page",
    "as_of",
    "from",
    "to",
    "kind",
    "vendor",
    "next",
    "slug",
    "query",
    "email",
    "password",
    "code",
    "vendor[slug]",
    "vendor[legal_name]",
    "vendor[services][x]",
    "t[vendor]",
    "t[id]",
    "r[kind]",
    "r[id]",
    "u[role]",
    "p[new]",
    "s[id]",
];

fn junk(rng: &mut StdRng) -> String {
    const PIECES: &[&str] = &[
        "",
        "0",
        "-1",
        "99999999999999999999",
        "2026-02-30",
        "2026-01-01",
        "1989-12-31",
        "DE",
        "xx",
        "customer",
        "active",
        "not_compliant",
        "%",
        "%zz",
        "%00",
        "%E0%A4%A",
        "../../etc/passwd",
        "<script>alert(1)</script>",
        "'; DROP TABLE vendors; --",
        "\u{0}",
        "é",
        "🦀",
        "\u{202e}",
        "a b",
        "brightwater-hosting",
        "[]",
        "{}",
        "=",
        "&",
    ];
    match rng.random_range(0..4) {
        0 => PIECES[rng.random_range(0..PIECES.len())].to_string(),
        1 => "A".repeat(rng.random_range(0..3000)),
        2 => (0..rng.random_range(1..40))
            .map(|_| char::from(rng.random_range(0x20u8..0x7f)))
            .collect(),
        _ => format!(
            "{}{}",
            PIECES[rng.random_range(0..PIECES.len())],
            rng.random::<u32>()
        ),
    }
}

fn enc(s: &str) -> String {
    serde_urlencoded::to_string([("k", s)])
        .unwrap_or_default()
        .trim_start_matches("k=")
        .to_string()
}

/// One generated request.
fn request(rng: &mut StdRng, client: &reqwest::Client, base: &str) -> reqwest::RequestBuilder {
    let mut path = PATHS[rng.random_range(0..PATHS.len())].to_string();
    if rng.random_bool(0.15) {
        path.push_str(&enc(&junk(rng)));
    }
    let pairs: Vec<String> = (0..rng.random_range(0..12))
        .map(|_| {
            let key = if rng.random_bool(0.9) {
                KEYS[rng.random_range(0..KEYS.len())].to_string()
            } else {
                junk(rng)
            };
            if rng.random_bool(0.05) {
                key // no '=' at all
            } else {
                format!("{}={}", enc(&key), enc(&junk(rng)))
            }
        })
        .collect();
    let query = pairs.join("&");
    let url = if query.is_empty() || rng.random_bool(0.3) {
        format!("{base}{path}")
    } else {
        format!("{base}{path}?{query}")
    };
    let method = match rng.random_range(0..10) {
        0..=4 => reqwest::Method::GET,
        5..=7 => reqwest::Method::POST,
        8 => reqwest::Method::HEAD,
        _ => [
            reqwest::Method::PUT,
            reqwest::Method::DELETE,
            reqwest::Method::OPTIONS,
            reqwest::Method::PATCH,
        ][rng.random_range(0..4)]
        .clone(),
    };
    let mut req = client.request(method, url);
    if rng.random_bool(0.5) {
        req = req.header(
            "content-type",
            [
                "application/x-www-form-urlencoded",
                "application/json",
                "text/plain",
                "garbage/;;",
            ][rng.random_range(0..4)],
        );
        req = if rng.random_bool(0.8) {
            req.body(query.clone())
        } else {
            req.body(
                (0..rng.random_range(0..2000))
                    .map(|_| rng.random::<u8>())
                    .collect::<Vec<_>>(),
            )
        };
    }
    if rng.random_bool(0.3) {
        let token: String = (0..64)
            .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
            .collect();
        let cookie = match rng.random_range(0..4) {
            0 => format!("registry_session={token}"),
            1 => format!("registry_session={token}; registry_session={token}"),
            2 => format!("registry_challenge={token}"),
            _ => junk(rng),
        };
        req = req.header("cookie", cookie);
    }
    for (name, values) in [
        ("accept", &["text/html", "*/*", "application/json", ""][..]),
        ("accept-encoding", &["br", "gzip, br", "identity", "zz"][..]),
        (
            "sec-fetch-site",
            &["cross-site", "same-origin", "none", "weird"][..],
        ),
        ("origin", &["http://evil.example", "null", ""][..]),
        (
            "x-forwarded-for",
            &["1.2.3.4", "garbage", "::1, 10.0.0.1", ""][..],
        ),
        ("if-none-match", &["\"abc\"", "*", "W/\"x\""][..]),
        (
            "if-modified-since",
            &["Mon, 01 Jan 2024 00:00:00 GMT", "yesterday"][..],
        ),
    ] {
        if rng.random_bool(0.2) {
            req = req.header(name, values[rng.random_range(0..values.len())]);
        }
    }
    req
}

/// Counts of everything a server function or a route could change.
async fn fingerprint(url: &str) -> Vec<i64> {
    let db = app::store::Db::connect(url).await.expect("connect");
    let mut out = Vec::new();
    for t in [
        "vendors",
        "vendor_countries",
        "training_records",
        "contracts",
        "users",
        "sessions",
        "audit_log",
        "change_events",
    ] {
        out.push(
            sqlx::query_scalar::<Any, i64>(&format!("SELECT COUNT(*) FROM {t}"))
                .fetch_one(&db.pool)
                .await
                .expect("count"),
        );
    }
    out.push(
        sqlx::query_scalar::<Any, i64>(
            "SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM vendors",
        )
        .fetch_one(&db.pool)
        .await
        .expect("versions"),
    );
    db.pool.close().await;
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_requests_never_fail_the_server() {
    let count: usize = std::env::var("FUZZ_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4000);
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2026);
    let (app, base, url) = match std::env::var("FUZZ_BASE") {
        Ok(base) => (None, base, std::env::var("FUZZ_DATABASE_URL").ok()),
        Err(_) => {
            let app = spawn_app(Backend::Sqlite).await;
            let (base, url) = (app.base.clone(), app.database_url.clone());
            (Some(app), base, Some(url))
        }
    };
    let before = match &url {
        Some(u) => Some(fingerprint(u).await),
        None => None,
    };
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client");
    let mut rng = StdRng::seed_from_u64(seed);
    // requests HTTP itself cannot carry (a header value with a NUL) are not sent
    let mut requests: Vec<reqwest::Request> = Vec::with_capacity(count);
    while requests.len() < count {
        if let Ok(r) = request(&mut rng, &client, &base).build() {
            requests.push(r);
        }
    }
    let started = std::time::Instant::now();
    let statuses: Vec<Result<u16, String>> = futures::stream::iter(requests)
        .map(|r| async {
            let desc = format!("{} {}", r.method(), r.url());
            match client.execute(r).await {
                Ok(res) => {
                    let status = res.status().as_u16();
                    let _ = res.bytes().await;
                    Ok(status)
                }
                Err(e) => Err(format!("{e} for {}", &desc[..desc.len().min(300)])),
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let elapsed = started.elapsed();
    let failed: Vec<&String> = statuses.iter().filter_map(|s| s.as_ref().err()).collect();
    assert!(failed.is_empty(), "requests without an answer: {failed:?}");
    let mut by_status = std::collections::BTreeMap::new();
    for s in statuses.iter().flatten() {
        *by_status.entry(*s).or_insert(0usize) += 1;
    }
    eprintln!(
        "fuzz: {count} requests in {:.1} s, answers by status: {by_status:?}",
        elapsed.as_secs_f64()
    );
    let errors: usize = by_status
        .iter()
        .filter(|(s, _)| **s >= 500 && **s != 503)
        .map(|(_, n)| n)
        .sum();
    assert_eq!(errors, 0, "server errors: {by_status:?}");
    let health = client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("still answers");
    assert_eq!(health.status(), 200);
    if let (Some(before), Some(u)) = (before, &url) {
        assert_eq!(fingerprint(u).await, before, "nothing stored changed");
    }
    if let Some(app) = app {
        app.stop().await;
    }
}
