//! What every answer carries and what no request can make the server do: cookies that only
//! this host over HTTPS keeps, the security headers, compression that keeps the bytes, a rate
//! limit, a body limit, request ids, "busy" instead of unbounded waiting, and names that look
//! like markup staying text in every output.

use std::io::Read;

use app::domain::Role;
use sqlx::Any;

use crate::support::{spawn_app, spawn_app_with, Backend, TestApp};

const PASSWORD: &str = "correct horse battery staple";
const VENDOR: &str = "brightwater-hosting";

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

async fn get_with(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = app.client.get(format!("{}{path}", app.base));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.expect("request")
}

#[tokio::test]
async fn production_cookies_are_host_only_and_secure() {
    let app = spawn_app_with(Backend::Sqlite, |c| c.insecure_cookies = false).await;
    app.create_user("manager@example.test", Role::Manager, PASSWORD)
        .await;
    let res = app
        .post_form(
            "/api/login",
            &[("email", "manager@example.test"), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let set = header(&res, "set-cookie");
    assert!(set.starts_with("__Host-registry_session="), "{set}");
    for part in ["; Path=/", "; HttpOnly", "; SameSite=Lax", "; Secure"] {
        assert!(set.contains(part), "{part} in {set}");
    }
    assert!(!set.to_lowercase().contains("domain="), "{set}");
    let cookie = set.split(';').next().unwrap_or_default().to_string();
    let res = get_with(
        &app,
        "/manage",
        &[("cookie", &cookie), ("accept", "text/html")],
    )
    .await;
    assert_eq!(res.status(), 200, "the __Host- cookie signs in");
    assert_eq!(header(&res, "cache-control"), "no-store");
    // the plain-HTTP name is not accepted in production
    let plain = cookie.replace("__Host-", "");
    let res = get_with(
        &app,
        "/manage",
        &[("cookie", &plain), ("accept", "text/html")],
    )
    .await;
    assert_eq!(res.status(), 302);
    // two session cookies: refused, whichever is real
    let both = format!("{cookie}; registry_session=0000");
    let res = get_with(&app, "/manage", &[("cookie", &both)]).await;
    assert_eq!(res.status(), 400);
    app.stop().await;
}

#[tokio::test]
async fn security_headers_csp_nonce_and_hsts() {
    let app = spawn_app_with(Backend::Sqlite, |c| {
        c.trusted_proxies = app::domain::network::parse_networks("127.0.0.1").expect("net")
    })
    .await;
    let res = app.get_raw("/").await;
    assert_eq!(res.status(), 200);
    assert!(!header(&res, "x-request-id").is_empty(), "a request id");
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");
    assert_eq!(header(&res, "x-frame-options"), "DENY");
    assert!(
        header(&res, "strict-transport-security").is_empty(),
        "no HSTS over HTTP"
    );
    let csp = header(&res, "content-security-policy");
    let html = res.text().await.expect("body");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|r| r.split('\'').next())
        .expect("a nonce in the policy")
        .to_string();
    assert!(nonce.len() >= 16, "{csp}");
    for part in [
        "default-src 'self'",
        "'strict-dynamic'",
        "'wasm-unsafe-eval'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "{part} in {csp}");
    }
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "the scripts carry it"
    );
    // each fresh render has its own (a cookie skips the page cache)
    let other = get_with(&app, "/", &[("cookie", "x=1")]).await;
    assert_ne!(header(&other, "content-security-policy"), csp);
    // behind a trusted proxy that says HTTPS
    let res = get_with(&app, "/", &[("x-forwarded-proto", "https")]).await;
    assert!(header(&res, "strict-transport-security").starts_with("max-age="));
    // server function answers are never stored
    let res = app.post_form("/api/whoami", &[], None).await;
    assert_eq!(header(&res, "cache-control"), "no-store");
    app.stop().await;
}

#[tokio::test]
async fn compressed_answers_decompress_to_the_same_bytes() {
    let app = spawn_app(Backend::Sqlite).await;
    for path in [
        "/",
        "/subprocessors.csv",
        "/api/v1/subprocessors",
        "/changes.atom",
    ] {
        let plain = get_with(&app, path, &[("accept-encoding", "identity")]).await;
        assert!(header(&plain, "content-encoding").is_empty());
        let plain = plain.bytes().await.expect("body");
        let br = get_with(&app, path, &[("accept-encoding", "br, gzip")]).await;
        assert_eq!(header(&br, "content-encoding"), "br", "{path}");
        let packed = br.bytes().await.expect("body");
        assert!(packed.len() < plain.len(), "{path} is smaller");
        let mut unpacked = Vec::new();
        brotli::Decompressor::new(&packed[..], 4096)
            .read_to_end(&mut unpacked)
            .expect("brotli");
        if path == "/" {
            // the page cache served both: the very same page
            assert_eq!(unpacked.len(), plain.len(), "{path}");
        } else {
            assert_eq!(unpacked, plain.to_vec(), "{path}");
        }
        let gz = get_with(&app, path, &[("accept-encoding", "gzip")]).await;
        assert_eq!(header(&gz, "content-encoding"), "gzip", "{path}");
        let packed = gz.bytes().await.expect("body");
        let mut unpacked = Vec::new();
        flate2::read::GzDecoder::new(&packed[..])
            .read_to_end(&mut unpacked)
            .expect("gzip");
        assert!(!unpacked.is_empty());
    }
    app.stop().await;
}

#[tokio::test]
async fn one_address_is_rate_limited_and_exempt_ones_are_not() {
    let app = spawn_app_with(Backend::Sqlite, |c| c.rate_limit_per_minute = Some(60)).await;
    let mut statuses = Vec::new();
    for _ in 0..20 {
        statuses.push(app.get_raw("/healthz").await);
    }
    let limited: Vec<&reqwest::Response> = statuses
        .iter()
        .filter(|r| r.status().as_u16() == 429)
        .collect();
    // a burst of a fifth of the minute's allowance (12), then 429
    assert!(
        (7..=8).contains(&limited.len()),
        "{:?}",
        statuses
            .iter()
            .map(|r| r.status().as_u16())
            .collect::<Vec<_>>()
    );
    let wait: u64 = header(limited[0], "retry-after").parse().expect("seconds");
    assert!(wait >= 1);
    app.stop().await;
    let app = spawn_app_with(Backend::Sqlite, |c| {
        c.rate_limit_per_minute = Some(60);
        c.rate_limit_exempt = app::domain::network::parse_networks("127.0.0.0/8").expect("net");
    })
    .await;
    for _ in 0..30 {
        assert_eq!(app.get_raw("/healthz").await.status(), 200);
    }
    app.stop().await;
}

/// A signed-in page loads dozens of lazily split wasm chunks at once: a served asset is not
/// counted (a 429 on one chunk stopped the page's hydration), a missing one is.
#[tokio::test]
async fn served_assets_are_not_rate_limited_and_misses_are() {
    let site = tempfile::tempdir().expect("site root");
    std::fs::create_dir_all(site.path().join("pkg")).expect("pkg dir");
    std::fs::write(site.path().join("pkg/chunk_1.wasm"), b"\0asm").expect("asset");
    let root = site.path().to_path_buf();
    let app = spawn_app_with(Backend::Sqlite, |c| {
        c.rate_limit_per_minute = Some(60);
        c.site_root = root;
        c.site_pkg_dir = "pkg".into();
    })
    .await;
    for _ in 0..40 {
        assert_eq!(app.get_raw("/pkg/chunk_1.wasm").await.status(), 200);
    }
    // the assets took nothing of the burst (12): a page still answers
    assert_eq!(app.get_raw("/healthz").await.status(), 200);
    let mut misses = Vec::new();
    for _ in 0..20 {
        misses.push(
            app.get_raw("/pkg/no-such-chunk.wasm")
                .await
                .status()
                .as_u16(),
        );
    }
    assert!(misses.contains(&404), "{misses:?}");
    assert!(misses.contains(&429), "misses are counted: {misses:?}");
    app.stop().await;
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = spawn_app(Backend::Sqlite).await;
    let big = "x".repeat(2 * 1024 * 1024);
    let res = app
        .post_form(
            "/api/login",
            &[("email", "a@b.example"), ("password", &big)],
            None,
        )
        .await;
    assert_eq!(res.status(), 413);
    app.stop().await;
}

/// With every slot of a kind of work taken, a request waits a little and is told to try
/// again (503 with Retry-After), while cheap pages and the health check still answer.
#[tokio::test]
async fn busy_work_is_refused_not_queued() {
    let app = spawn_app(Backend::Sqlite).await;
    let heavy = app.server_db.heavy.clone();
    let held = heavy
        .clone()
        .acquire_many_owned(u32::try_from(heavy.available_permits()).expect("permits"))
        .await
        .expect("permits");
    let yesterday = (chrono::Utc::now().date_naive() - chrono::Days::new(1)).to_string();
    for path in [
        "/api/v1/subprocessors".to_string(),
        format!("/?as_of={yesterday}"),
        "/?compliance=not_compliant".to_string(),
        format!("/changes?from={yesterday}"),
    ] {
        let started = std::time::Instant::now();
        let res = app.get_raw(&path).await;
        assert_eq!(res.status(), 503, "{path}");
        assert_eq!(header(&res, "retry-after"), "5", "{path}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(4),
            "{path}"
        );
    }
    assert_eq!(app.get_raw("/healthz").await.status(), 200);
    assert_eq!(
        app.get_raw(&format!("/subprocessors/{VENDOR}"))
            .await
            .status(),
        200
    );
    drop(held);
    let exports = app.server_db.exports.clone();
    let slots = u32::try_from(exports.available_permits()).expect("permits");
    assert_eq!(app.get_raw("/api/v1/subprocessors").await.status(), 200);
    // every export slot, once the JSON's stream above has given its own back
    let held = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        exports.clone().acquire_many_owned(slots),
    )
    .await
    .expect("the JSON stream gives its export slot back")
    .expect("permits");
    for path in ["/subprocessors.csv", "/subprocessors.xlsx"] {
        let res = app.get_raw(path).await;
        assert_eq!(res.status(), 503, "{path}");
        assert_eq!(header(&res, "retry-after"), "5");
    }
    drop(held);
    assert_eq!(app.get_raw("/subprocessors.csv").await.status(), 200);
    app.stop().await;
}

/// A manager names a vendor like markup; every output shows it as text.
#[tokio::test]
async fn a_name_that_looks_like_markup_stays_text() {
    let app = spawn_app(Backend::Sqlite).await;
    app.create_user("manager@example.test", Role::Manager, PASSWORD)
        .await;
    let manager = app.login("manager@example.test", PASSWORD).await;
    let evil = "</title></script><script>alert(1)</script> Ltd";
    let version = {
        let db = app.db().await;
        let v = sqlx::query_scalar::<Any, i64>(&format!(
            "SELECT version FROM vendors WHERE slug = '{VENDOR}'"
        ))
        .fetch_one(&db.pool)
        .await
        .expect("version");
        db.pool.close().await;
        v
    };
    let form = app.vendor_form(VENDOR, version, evil).await;
    let res = app
        .post_form(
            "/api/manage/save_vendor",
            &crate::support::borrow(&form),
            Some(&manager),
        )
        .await;
    assert_eq!(res.status(), 200);
    let raw = "<script>alert(1)</script>";
    for path in [
        format!("/subprocessors/{VENDOR}"),
        "/?q=alert".to_string(),
        format!("/changes?vendor={VENDOR}"),
    ] {
        let (status, html) = app.get(&path).await;
        assert_eq!(status, 200, "{path}");
        let at = html
            .find(raw)
            .map(|i| &html[i.saturating_sub(300)..(i + 100).min(html.len())]);
        assert_eq!(at, None, "{path} has the raw markup");
        assert!(
            html.contains("&lt;/script&gt;&lt;script&gt;alert(1)"),
            "{path} shows it as text"
        );
    }
    // the internal pages, with their hydration data
    let (_, html) = app
        .get_with(&format!("/manage/vendors/{VENDOR}"), &manager)
        .await;
    assert!(!html.contains(raw), "the manage page has the raw markup");
    // exports: the name itself, as data
    let (_, csv) = app.get("/subprocessors.csv?q=alert").await;
    let rows = crate::support::parse_csv(&csv);
    assert_eq!(rows[0]["legal_name"], evil);
    let (_, json) = app.get("/api/v1/subprocessors?q=alert").await;
    let json: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(json["subprocessors"][0]["legal_name"], evil);
    let (_, feed) = app.get(&format!("/changes.atom?vendor={VENDOR}")).await;
    assert!(!feed.contains(raw), "the feed escapes it");
    let xlsx = app.get_raw("/subprocessors.xlsx?q=alert").await;
    let bytes = xlsx.bytes().await.expect("xlsx");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("zip");
    let mut sheet = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .expect("sheet")
        .read_to_string(&mut sheet)
        .expect("xml");
    assert!(
        !sheet.contains(raw) && sheet.contains("&lt;/script&gt;"),
        "a text cell"
    );
    app.stop().await;
}
