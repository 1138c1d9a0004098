use super::*;

fn req(method: Method, uri: &str, cookie: bool) -> Request {
    let mut b = axum::http::Request::builder().method(method).uri(uri);
    if cookie {
        b = b.header(header::COOKIE, "id=1");
    }
    b.body(Body::empty()).expect("request")
}

#[test]
fn only_anonymous_gets_of_public_pages_are_cached() {
    assert!(cacheable(&req(Method::GET, "/?country=DE", false)));
    assert!(cacheable(&req(Method::GET, "/subprocessors/acme", false)));
    assert!(!cacheable(&req(Method::GET, "/subprocessors.csv", false)));
    assert!(!cacheable(&req(Method::GET, "/manage/vendors/acme", false)));
    assert!(!cacheable(&req(Method::POST, "/", false)));
    assert!(!cacheable(&req(Method::GET, "/", true)));
}

#[test]
fn entries_expire_and_stay_bounded() {
    let cache = PageCache::default();
    let entry = |at| Entry {
        at,
        ..Entry::new(StatusCode::OK, HeaderMap::new(), Bytes::from_static(b"x"))
    };
    cache.put("/a".into(), entry(Instant::now()));
    assert!(cache.get("/a").is_some());
    cache.put("/old".into(), entry(Instant::now() - TTL));
    assert!(cache.get("/old").is_none());
    assert!(
        matches!(cache.find("/old"), Found::Stale(_)),
        "kept to serve while it renders"
    );
    for i in 0..(MAX_ENTRIES + 10) {
        cache.put(format!("/{i}"), entry(Instant::now()));
    }
    assert!(cache.entries.lock().map(|e| e.len()).unwrap_or(usize::MAX) <= MAX_ENTRIES);
}

/// A real server whose only page counts its renders and takes 100 ms, behind the cache.
async fn serve(cache: PageCache) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let renders = Arc::new(AtomicUsize::new(0));
    let counted = renders.clone();
    let app = axum::Router::new()
        .fallback(move |uri: axum::http::Uri| {
            let counted = counted.clone();
            async move {
                let n = counted.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
                let rows = "<tr><td>Vendor row of the registry</td></tr>".repeat(2000);
                (
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    format!("<html><body><h1>{uri}</h1><p>render {n}</p><table>{rows}</table></body></html>"),
                )
            }
        })
        .layer(axum::middleware::from_fn_with_state(cache, serve_cached));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (base, renders)
}

async fn get(
    client: &reqwest::Client,
    url: &str,
    encoding: Option<&str>,
) -> (Option<String>, Vec<u8>) {
    let mut req = client.get(url);
    if let Some(e) = encoding {
        req = req.header(header::ACCEPT_ENCODING, e);
    }
    let res = req.send().await.expect("request");
    let enc = res
        .headers()
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (enc, res.bytes().await.expect("body").to_vec())
}

fn page_of(body: &[u8]) -> String {
    String::from_utf8_lossy(body).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_render_per_expiry_and_the_others_wait_or_get_the_old_copy() {
    use std::sync::atomic::Ordering;
    let (base, renders) = serve(PageCache::with_ttl(Duration::from_millis(300))).await;
    // (this client decompresses nothing: it has no such feature)
    let client = reqwest::Client::new();
    let url = format!("{base}/?q=one");
    let first = futures::future::join_all((0..20).map(|_| get(&client, &url, None))).await;
    assert_eq!(
        renders.load(Ordering::SeqCst),
        1,
        "twenty at once on a cold URL: one render"
    );
    assert!(first.iter().all(|(_, b)| page_of(b).contains("render 1")));
    tokio::time::sleep(Duration::from_millis(400)).await;
    // expired: one request renders, the others get the previous copy meanwhile
    let second = futures::future::join_all((0..20).map(|_| get(&client, &url, None))).await;
    assert_eq!(renders.load(Ordering::SeqCst), 2);
    assert!(second.iter().all(|(_, b)| {
        let p = page_of(b);
        p.contains("render 1") || p.contains("render 2")
    }));
    // another URL is another page, never this one's
    let (_, other) = get(&client, &format!("{base}/?q=two"), None).await;
    assert!(page_of(&other).contains("<h1>/?q=two</h1>"));
    assert_eq!(renders.load(Ordering::SeqCst), 3);
    // a signed-in request is rendered for it, and never cached
    let signed_in = client
        .get(&url)
        .header(header::COOKIE, "registry_session=abc")
        .send()
        .await
        .expect("request");
    assert!(signed_in.text().await.expect("body").contains("render 4"));
    assert_eq!(renders.load(Ordering::SeqCst), 4);
    let (_, again) = get(&client, &url, None).await;
    assert!(
        !page_of(&again).contains("render 4"),
        "the signed-in page is not served to anyone"
    );
}

#[tokio::test]
async fn compressed_copies_decompress_to_the_same_bytes() {
    use std::io::Read;
    let (base, _) = serve(PageCache::default()).await;
    // (this client decompresses nothing: it has no such feature)
    let client = reqwest::Client::new();
    let url = format!("{base}/subprocessors/acme");
    let (enc, plain) = get(&client, &url, None).await;
    assert_eq!(enc, None);
    let (enc, br) = get(&client, &url, Some("gzip, deflate, br")).await;
    assert_eq!(enc.as_deref(), Some("br"));
    let mut unbr = Vec::new();
    brotli::Decompressor::new(&br[..], 4096)
        .read_to_end(&mut unbr)
        .expect("brotli");
    assert_eq!(unbr, plain);
    assert!(
        br.len() * 10 < plain.len(),
        "{} of {} bytes",
        br.len(),
        plain.len()
    );
    let (enc, gz) = get(&client, &url, Some("gzip")).await;
    assert_eq!(enc.as_deref(), Some("gzip"));
    let mut ungz = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut ungz)
        .expect("gzip");
    assert_eq!(ungz, plain);
    let (enc, _) = get(&client, &url, Some("br;q=0, gzip")).await;
    assert_eq!(enc.as_deref(), Some("gzip"), "q=0 refuses an encoding");
}

#[test]
fn accepted_encodings() {
    let h = |v: &str| {
        let mut m = HeaderMap::new();
        m.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(v).expect("value"),
        );
        m
    };
    assert_eq!(accepted(&h("gzip, deflate, br, zstd")), Encoding::Brotli);
    assert_eq!(accepted(&h("gzip")), Encoding::Gzip);
    assert_eq!(accepted(&h("identity")), Encoding::Identity);
    assert_eq!(accepted(&h("br;q=0")), Encoding::Identity);
    assert_eq!(accepted(&HeaderMap::new()), Encoding::Identity);
}
