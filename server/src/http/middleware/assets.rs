//! The site's built assets under `/pkg/` (the wasm bundle and its split chunks, JavaScript,
//! CSS), sent precompressed. They are exempt from the rate limit (a 429 on a lazy chunk broke
//! hydration), so compressing a multi-megabyte wasm file on every request was work anyone
//! could ask for without limit. Each file is read and compressed once per encoding (`br` at
//! the best quality, `gzip`), kept in memory, and made again only when the file on disk
//! changes (a rebuild). Compression starts in the background at start-up; a request that
//! comes first waits for the same single run. Every answer carries `Vary: Accept-Encoding`
//! and a strong `ETag` per encoding, and `If-None-Match` gets `304`.

use std::{
    collections::HashMap,
    io::Write,
    path::{Component, Path, PathBuf},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::SystemTime,
};

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::Response,
};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use super::cache::{accepted, Encoding};

/// Brotli quality of assets: the slowest and smallest, paid once per file.
const BROTLI_QUALITY: u32 = 11;
/// Brotli window (log2): large enough for a wasm bundle's repeats.
const BROTLI_WINDOW: u32 = 24;
/// Largest file kept in memory; a larger one is left to the plain file handler.
const MAX_FILE: u64 = 64 * 1024 * 1024;

/// One file as last read: its bytes, its tag, and its compressed forms, each made once.
struct Asset {
    stamp: (u64, Option<SystemTime>),
    content_type: &'static str,
    body: Bytes,
    /// The first 16 hex digits of the file's SHA-256.
    tag: String,
    br: OnceCell<Bytes>,
    gzip: OnceCell<Bytes>,
}

struct Inner {
    /// `{site_root}/{pkg_dir}`.
    dir: PathBuf,
    /// `/{pkg_dir}/`.
    prefix: String,
    files: Mutex<HashMap<String, Arc<Asset>>>,
    compressions: AtomicU64,
}

/// The assets of one site, shared by every request.
#[derive(Clone)]
pub struct Assets(Arc<Inner>);

/// The content type of a file that is sent precompressed; others are left to the file handler.
fn content_type(rel: &str) -> Option<&'static str> {
    let ext = rel.rsplit_once('.').map(|(_, e)| e)?;
    Some(match ext {
        "wasm" => "application/wasm",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        _ => return None,
    })
}

/// `rel` as a path under the assets folder: plain names only (no `..`, no root, no empty
/// segment), so a request cannot reach outside it.
fn safe_relative(rel: &str) -> Option<PathBuf> {
    if rel.is_empty() || rel.contains('\\') || rel.split('/').any(str::is_empty) {
        return None;
    }
    let p = Path::new(rel);
    p.components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then(|| p.to_path_buf())
}

/// A compressor: the compressed bytes, or none when it failed.
type Encoder = fn(&[u8]) -> Bytes;

fn brotli(body: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(body.len() / 4);
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, BROTLI_QUALITY, BROTLI_WINDOW);
        if w.write_all(body).is_err() {
            return Bytes::new();
        }
    }
    Bytes::from(out)
}

fn gzip(body: &[u8]) -> Bytes {
    let mut w = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4),
        flate2::Compression::best(),
    );
    match w.write_all(body).and_then(|()| w.finish()) {
        Ok(out) => Bytes::from(out),
        Err(_) => Bytes::new(),
    }
}

impl Assets {
    /// The assets in `{site_root}/{pkg_dir}`, served under `/{pkg_dir}/`.
    pub fn new(site_root: &str, pkg_dir: &str) -> Self {
        let pkg = pkg_dir.trim_matches('/');
        Assets(Arc::new(Inner {
            dir: Path::new(site_root).join(pkg),
            prefix: format!("/{pkg}/"),
            files: Mutex::default(),
            compressions: AtomicU64::new(0),
        }))
    }

    /// How many times a file was compressed since start-up (once per file and encoding
    /// unless the file changed).
    pub fn compressions(&self) -> u64 {
        self.0.compressions.load(Ordering::Relaxed)
    }

    /// The file `rel` as it is on disk now (read again only when its size or time changed);
    /// `None` when it is not a file this serves.
    async fn file(&self, rel: &str) -> Option<Arc<Asset>> {
        let content_type = content_type(rel)?;
        let path = self.0.dir.join(safe_relative(rel)?);
        let meta = tokio::fs::metadata(&path).await.ok()?;
        if !meta.is_file() || meta.len() > MAX_FILE {
            return None;
        }
        let stamp = (meta.len(), meta.modified().ok());
        if let Some(a) = self
            .0
            .files
            .lock()
            .ok()
            .and_then(|f| f.get(rel).cloned())
            .filter(|a| a.stamp == stamp)
        {
            return Some(a);
        }
        let body = Bytes::from(tokio::fs::read(&path).await.ok()?);
        let tag = hex::encode(&Sha256::digest(&body)[..8]);
        let asset = Arc::new(Asset {
            stamp,
            content_type,
            body,
            tag,
            br: OnceCell::new(),
            gzip: OnceCell::new(),
        });
        let mut files = self.0.files.lock().ok()?;
        // two first requests may both read the file: the one kept is the one compressed
        let kept = files
            .entry(rel.to_string())
            .and_modify(|a| {
                if a.stamp != stamp {
                    *a = asset.clone();
                }
            })
            .or_insert(asset)
            .clone();
        Some(kept)
    }

    /// `asset` in `encoding`: made on a blocking thread the first time, by one caller (the
    /// others wait for it). An encoder that failed gives an empty body (sent uncompressed).
    async fn encoded(&self, asset: &Arc<Asset>, encoding: Encoding) -> Bytes {
        let (cell, f): (&OnceCell<Bytes>, Encoder) = match encoding {
            Encoding::Brotli => (&asset.br, brotli),
            Encoding::Gzip => (&asset.gzip, gzip),
            Encoding::Identity => return asset.body.clone(),
        };
        cell.get_or_init(|| async {
            let body = asset.body.clone();
            self.0.compressions.fetch_add(1, Ordering::Relaxed);
            metrics::counter!("registry_asset_compressions_total").increment(1);
            tokio::task::spawn_blocking(move || f(&body))
                .await
                .unwrap_or_default()
        })
        .await
        .clone()
    }

    /// Read and compress every asset once, in the background at start-up, so that the first
    /// visitors do not wait for it.
    pub async fn warm(self) {
        let mut folders = vec![PathBuf::new()];
        let mut done = 0u32;
        while let Some(rel_dir) = folders.pop() {
            let Ok(mut entries) = tokio::fs::read_dir(self.0.dir.join(&rel_dir)).await else {
                continue;
            };
            while let Ok(Some(e)) = entries.next_entry().await {
                let rel = rel_dir.join(e.file_name());
                match e.file_type().await {
                    Ok(t) if t.is_dir() => folders.push(rel),
                    Ok(t) if t.is_file() => {
                        let Some(name) = rel.to_str().map(|s| s.replace('\\', "/")) else {
                            continue;
                        };
                        if let Some(a) = self.file(&name).await {
                            self.encoded(&a, Encoding::Brotli).await;
                            self.encoded(&a, Encoding::Gzip).await;
                            done += 1;
                        }
                    }
                    _ => {}
                }
            }
        }
        if done > 0 {
            tracing::info!(files = done, "built assets compressed");
        }
    }
}

fn etag(tag: &str, encoding: Encoding) -> String {
    match encoding {
        Encoding::Brotli => format!("\"{tag}-br\""),
        Encoding::Gzip => format!("\"{tag}-gz\""),
        Encoding::Identity => format!("\"{tag}\""),
    }
}

/// Whether `If-None-Match` names `tag` (or is `*`).
fn not_modified(headers: &HeaderMap, tag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == tag || t == "*")
}

/// Middleware: a GET or HEAD of a wasm, script or style file under the assets folder is sent
/// from memory, compressed as the client accepts; anything else (other files, ranges, a file
/// not there) goes on to the file handler.
pub async fn serve_precompressed(
    State(assets): State<Assets>,
    req: Request,
    next: Next,
) -> Response {
    let head = *req.method() == Method::HEAD;
    let path = req.uri().path();
    let rel = match path.strip_prefix(assets.0.prefix.as_str()) {
        Some(rel) if head || *req.method() == Method::GET => rel,
        _ => return next.run(req).await,
    };
    if req.headers().contains_key(header::RANGE) {
        return next.run(req).await;
    }
    let Some(asset) = assets.file(rel).await else {
        return next.run(req).await;
    };
    let mut encoding = accepted(req.headers());
    let mut body = assets.encoded(&asset, encoding).await;
    if body.is_empty() && !asset.body.is_empty() {
        encoding = Encoding::Identity;
        body = asset.body.clone();
    }
    let tag = etag(&asset.tag, encoding);
    let mut res = Response::new(Body::empty());
    let h = res.headers_mut();
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Ok(v) = HeaderValue::from_str(&tag) {
        h.insert(header::ETAG, v);
    }
    if not_modified(req.headers(), &tag) {
        *res.status_mut() = StatusCode::NOT_MODIFIED;
        return res;
    }
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    match encoding {
        Encoding::Brotli => {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
        }
        Encoding::Gzip => {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        Encoding::Identity => {}
    }
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    if !head {
        *res.body_mut() = Body::from(body);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// A site folder with `pkg/app.wasm` (compressible, like a real bundle) and `pkg/app.js`,
    /// served by the middleware in front of a handler that answers 404 with a marker.
    async fn serve() -> (tempfile::TempDir, String, Assets, Vec<u8>) {
        let site = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(site.path().join("pkg")).expect("pkg");
        let wasm: Vec<u8> = (0..20_000u32)
            .flat_map(|i| [0, 97, 115, 109, (i % 7) as u8, (i % 251) as u8])
            .collect();
        std::fs::write(site.path().join("pkg/app.wasm"), &wasm).expect("wasm");
        std::fs::write(
            site.path().join("pkg/app.js"),
            "export function start() {}\n".repeat(50),
        )
        .expect("js");
        std::fs::write(site.path().join("pkg/notes.txt"), "plain").expect("txt");
        let assets = Assets::new(&site.path().to_string_lossy(), "pkg");
        let app = axum::Router::new()
            .fallback(|| async { (StatusCode::NOT_FOUND, "file handler") })
            .layer(axum::middleware::from_fn_with_state(
                assets.clone(),
                serve_precompressed,
            ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (site, base, assets, wasm)
    }

    async fn get(url: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        // (this client decompresses nothing: it has no such feature)
        let mut req = reqwest::Client::new().get(url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send().await.expect("request")
    }

    fn header_of(res: &reqwest::Response, name: &str) -> String {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    }

    #[tokio::test]
    async fn assets_are_compressed_once_and_sent_the_same_every_time() {
        let (_site, base, assets, wasm) = serve().await;
        let url = format!("{base}/pkg/app.wasm");
        let first = get(&url, &[("accept-encoding", "gzip, deflate, br")]).await;
        assert_eq!(first.status(), 200);
        assert_eq!(header_of(&first, "content-encoding"), "br");
        assert_eq!(header_of(&first, "content-type"), "application/wasm");
        assert_eq!(header_of(&first, "vary"), "accept-encoding");
        let tag = header_of(&first, "etag");
        assert!(tag.ends_with("-br\""), "{tag}");
        let first = first.bytes().await.expect("body");
        let second = get(&url, &[("accept-encoding", "br")]).await;
        assert_eq!(header_of(&second, "etag"), tag);
        assert_eq!(second.bytes().await.expect("body"), first, "the same bytes");
        assert_eq!(assets.compressions(), 1, "compressed once for two requests");
        let mut plain = Vec::new();
        brotli::Decompressor::new(&first[..], 4096)
            .read_to_end(&mut plain)
            .expect("brotli");
        assert_eq!(plain, wasm);
        assert!(first.len() * 10 < wasm.len());

        // gzip: its own copy, made once
        for _ in 0..2 {
            let res = get(&url, &[("accept-encoding", "gzip")]).await;
            assert_eq!(header_of(&res, "content-encoding"), "gzip");
            let gz = res.bytes().await.expect("body");
            let mut plain = Vec::new();
            flate2::read::GzDecoder::new(&gz[..])
                .read_to_end(&mut plain)
                .expect("gzip");
            assert_eq!(plain, wasm);
        }
        assert_eq!(assets.compressions(), 2);

        // no encoding accepted: the file as it is
        let res = get(&url, &[("accept-encoding", "identity")]).await;
        assert_eq!(header_of(&res, "content-encoding"), "");
        assert_eq!(header_of(&res, "vary"), "accept-encoding");
        assert_eq!(res.bytes().await.expect("body").to_vec(), wasm);

        // a revalidation gets 304 with no body
        let res = get(&url, &[("accept-encoding", "br"), ("if-none-match", &tag)]).await;
        assert_eq!(res.status(), 304);
        assert!(res.bytes().await.expect("body").is_empty());
        assert_eq!(assets.compressions(), 2);
    }

    #[tokio::test]
    async fn a_changed_file_is_compressed_again_and_others_pass_through() {
        let (site, base, assets, _) = serve().await;
        let url = format!("{base}/pkg/app.js");
        let before = get(&url, &[("accept-encoding", "br")]).await;
        let before_tag = header_of(&before, "etag");
        std::fs::write(
            site.path().join("pkg/app.js"),
            "export const x = 1;\n".repeat(80),
        )
        .expect("js");
        let after = get(&url, &[("accept-encoding", "br")]).await;
        assert_ne!(header_of(&after, "etag"), before_tag);
        assert_eq!(assets.compressions(), 2);
        for path in [
            "/pkg/notes.txt",
            "/pkg/missing.wasm",
            "/pkg//app.wasm",
            "/other/app.wasm",
        ] {
            let res = get(&format!("{base}{path}"), &[("accept-encoding", "br")]).await;
            assert_eq!(res.status(), 404, "{path} goes on to the file handler");
        }
    }

    #[test]
    fn only_plain_names_under_the_folder() {
        assert!(safe_relative("app.wasm").is_some());
        assert!(safe_relative("chunks/a1.wasm").is_some());
        for bad in [
            "",
            "../secret.js",
            "a/../../b.js",
            "/etc/x.js",
            "a//b.js",
            "a\\..\\b.js",
            "./a.js",
        ] {
            assert!(safe_relative(bad).is_none(), "{bad}");
        }
    }

    #[tokio::test]
    async fn warming_up_compresses_every_asset_once() {
        let (_site, base, assets, _) = serve().await;
        assets.clone().warm().await;
        assert_eq!(assets.compressions(), 4, "two files, two encodings");
        let res = get(
            &format!("{base}/pkg/app.wasm"),
            &[("accept-encoding", "br")],
        )
        .await;
        assert_eq!(res.status(), 200);
        assert_eq!(assets.compressions(), 4);
    }
}
