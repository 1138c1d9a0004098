//! Today's whole-list downloads kept on disk: the first request after a change is streamed
//! fresh and starts one build; later ones are the kept copy, compressed once, byte for byte
//! the fresh answer; a change to the registry makes the next answer fresh again.

use std::io::Read;

use crate::support::{spawn_app_with, Backend, TestApp};

const TOKEN: &str = "metrics-token-for-kept-exports-0123456789";

/// The answer to `path` in `encoding`, decoded: its headers and bytes.
async fn fetch(app: &TestApp, path: &str, encoding: &str) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let res = app
        .client
        .get(format!("{}{path}", app.base))
        .header("accept-encoding", encoding)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200, "{path}");
    let headers = res.headers().clone();
    let body = res.bytes().await.expect("body").to_vec();
    let mut out = Vec::new();
    match headers
        .get("content-encoding")
        .and_then(|v| v.to_str().ok())
    {
        Some("br") => {
            brotli::Decompressor::new(&body[..], 4096)
                .read_to_end(&mut out)
                .expect("brotli");
        }
        Some("gzip") => {
            flate2::read::GzDecoder::new(&body[..])
                .read_to_end(&mut out)
                .expect("gzip");
        }
        None | Some("identity") => out = body,
        Some(other) => panic!("unexpected encoding {other}"),
    }
    (headers, out)
}

/// Whether an answer is the kept copy (served as a file: it offers ranges).
fn is_copy(headers: &reqwest::header::HeaderMap) -> bool {
    headers.contains_key("accept-ranges")
}

/// The kept copy of `path` once it is built (within 20 s), in `encoding`.
async fn kept(app: &TestApp, path: &str, encoding: &str) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (headers, body) = fetch(app, path, encoding).await;
        if is_copy(&headers) {
            return (headers, body);
        }
        assert!(std::time::Instant::now() < until, "{path} was never kept");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn the_whole_list_is_kept_and_served_compressed(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.ops.metrics_token = Some(TOKEN.into())).await;
    for path in [
        "/subprocessors.csv",
        "/subprocessors.xlsx",
        "/api/v1/subprocessors",
    ] {
        let (fresh_headers, fresh) = fetch(&app, path, "identity").await;
        assert!(
            !is_copy(&fresh_headers),
            "{path}: the first answer is fresh"
        );
        let (headers, br) = kept(&app, path, "br").await;
        assert_eq!(headers["content-encoding"], "br", "{path}");
        assert!(
            headers["vary"]
                .to_str()
                .unwrap_or("")
                .to_ascii_lowercase()
                .contains("accept-encoding"),
            "{path}"
        );
        assert_eq!(br, fresh, "{path}: the kept copy is the fresh answer");
        for name in [
            "content-type",
            "content-disposition",
            "cache-control",
            "etag",
        ] {
            assert_eq!(headers.get(name), fresh_headers.get(name), "{path}: {name}");
        }
        let (headers, gz) = fetch(&app, path, "gzip").await;
        assert!(
            is_copy(&headers) && headers["content-encoding"] == "gzip",
            "{path}"
        );
        assert_eq!(gz, fresh, "{path}");
        let (headers, plain) = fetch(&app, path, "identity").await;
        assert!(
            is_copy(&headers) && !headers.contains_key("content-encoding"),
            "{path}"
        );
        assert_eq!(plain, fresh, "{path}");
    }
    // a filtered list is never the kept one
    let (headers, _) = fetch(&app, "/subprocessors.csv?country=DE", "br").await;
    assert!(!is_copy(&headers));

    // a change to what the list shows: the next answer is fresh and shows it, then kept again
    let db = app::store::Db::connect(&app.database_url)
        .await
        .expect("connect");
    sqlx::query(
        "UPDATE vendors SET purpose = 'Kept copies are rebuilt', version = version + 1 \
         WHERE id = (SELECT MIN(id) FROM vendors WHERE removed_on IS NULL)",
    )
    .execute(&db.pool)
    .await
    .expect("change a vendor");
    db.pool.close().await;
    let (headers, fresh) = fetch(&app, "/subprocessors.csv", "identity").await;
    let text = String::from_utf8(fresh.clone()).expect("utf-8");
    assert!(!is_copy(&headers), "a changed registry is answered fresh");
    assert!(text.contains("Kept copies are rebuilt"));
    let (_, again) = kept(&app, "/subprocessors.csv", "br").await;
    assert_eq!(again, fresh);

    let metrics = app
        .client
        .get(format!("{}/metrics", app.base))
        .header("authorization", format!("Bearer {TOKEN}"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    for name in [
        "registry_export_copies_built_total{format=\"csv\"}",
        "registry_export_copy_hits_total{format=\"json\"}",
        "registry_export_copy_bytes{format=\"xlsx\",encoding=\"br\"}",
    ] {
        assert!(metrics.contains(name), "{name} in\n{metrics}");
    }
    app.stop().await;
}

on_both_databases!(the_whole_list_is_kept_and_served_compressed);
