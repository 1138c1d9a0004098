//! The whole list, kept: today's unfiltered CSV, workbook and JSON are written once per
//! registry version and day to files on this instance's disk, compressed once (`br`, `gzip`),
//! and served from there as static files (`tower_http::services::ServeFile`, which picks the
//! encoding the client accepts and answers ranges and `If-Modified-Since`). The first request
//! after a change starts one build in the background and is streamed fresh, as every request
//! is until the copy is done; the server's memory does not grow with the copy (it is written
//! and compressed batch by batch, file to file). Each instance keeps its own copies (nothing
//! is shared but the database). A copy whose registry moved while it was built is dropped.

use std::{
    collections::{HashMap, HashSet},
    io::{BufReader, BufWriter, Write},
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use app::{
    domain::RegistryFilter,
    error::AppError,
    registry::{
        export::{last_changed, PublicVendors, Weight},
        Kept,
    },
    store::Db,
};
use axum::{
    body::Body,
    http::{header, HeaderMap, Request, StatusCode},
    response::Response,
};
use chrono::NaiveDate;
use futures::StreamExt;
use tokio::io::AsyncWriteExt;
use tower::ServiceExt;

/// Brotli quality of a kept copy: the 66 MB CSV in about half a second, to 2.0 MB (the streamed
/// answers' on-the-fly compression makes 3.8 MB).
const BROTLI_QUALITY: u32 = 5;
const BROTLI_WINDOW: u32 = 22;

/// The downloads kept whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Csv,
    Xlsx,
    Json,
}

impl Format {
    /// The file extension, also the format's label in metrics.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Json => "json",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => super::csv::CONTENT_TYPE,
            Format::Xlsx => super::xlsx::CONTENT_TYPE,
            Format::Json => super::json::CONTENT_TYPE,
        }
    }
}

/// A copy on disk: the plain file and its `.br` and `.gz` beside it.
#[derive(Debug, Clone)]
struct Copy {
    version: i64,
    day: NaiveDate,
    path: PathBuf,
}

#[derive(Debug)]
struct Inner {
    dir: PathBuf,
    /// Set when the copies live in a folder of their own made at start: removed at exit.
    _temp: Option<tempfile::TempDir>,
    latest: Mutex<HashMap<Format, Copy>>,
    building: Mutex<HashSet<Format>>,
}

/// This instance's kept copies (cheap to clone).
#[derive(Debug, Clone)]
pub struct KeptCopies(Arc<Inner>);

impl KeptCopies {
    /// Copies kept in `dir` (`EXPORT_COPIES_DIR`), or in a new temporary folder.
    pub fn new(dir: Option<&Path>) -> std::io::Result<Self> {
        let (dir, temp) = match dir {
            Some(d) => {
                std::fs::create_dir_all(d)?;
                remove_left_over(d)?;
                (d.to_path_buf(), None)
            }
            None => {
                let t = tempfile::Builder::new()
                    .prefix("subprocessor-exports-")
                    .tempdir()?;
                (t.path().to_path_buf(), Some(t))
            }
        };
        Ok(KeptCopies(Arc::new(Inner {
            dir,
            _temp: temp,
            latest: Mutex::default(),
            building: Mutex::default(),
        })))
    }

    /// Whether `filter` asks for the whole of today's list (what is kept).
    pub fn keeps(filter: &RegistryFilter) -> bool {
        filter.as_of.is_none() && filter.to_query(false).is_empty()
    }

    /// The kept copy of `format` for `version` on `day`, answered as a static file in the
    /// encoding `headers` accept; `None` when there is none (a build is then started).
    pub async fn serve(
        &self,
        format: Format,
        version: i64,
        day: NaiveDate,
        headers: &HeaderMap,
        db: &Db,
        kept: &Arc<Kept>,
    ) -> Option<Response> {
        let copy = self
            .0
            .latest
            .lock()
            .ok()
            .and_then(|l| l.get(&format).cloned())
            .filter(|c| c.version == version && c.day == day);
        let Some(copy) = copy else {
            self.build(format, version, day, db.clone(), kept.clone());
            return None;
        };
        let mut req = Request::new(Body::empty());
        // the route answers conditional requests itself (the JSON's ETag); only the
        // encoding and ranges are the file's to answer
        for name in [header::ACCEPT_ENCODING, header::RANGE, header::IF_RANGE] {
            if let Some(v) = headers.get(&name) {
                req.headers_mut().insert(name, v.clone());
            }
        }
        let served = tower_http::services::ServeFile::new(&copy.path)
            .precompressed_br()
            .precompressed_gzip()
            .oneshot(req)
            .await
            .ok()?;
        if served.status() == StatusCode::NOT_FOUND {
            return None;
        }
        metrics::counter!("registry_export_copy_hits_total", "format" => format.name())
            .increment(1);
        let mut res = served.map(Body::new);
        // the same address answers in three encodings: a cache must keep them apart
        if !res.headers().contains_key(header::VARY) {
            res.headers_mut().insert(
                header::VARY,
                axum::http::HeaderValue::from_static("accept-encoding"),
            );
        }
        Some(res)
    }

    /// Build the copy of `format` for `version` on `day` in the background, unless one is
    /// being built.
    fn build(&self, format: Format, version: i64, day: NaiveDate, db: Db, kept: Arc<Kept>) {
        let started = self.0.building.lock().map(|mut b| b.insert(format));
        if !matches!(started, Ok(true)) {
            return;
        }
        let copies = self.clone();
        tokio::spawn(async move {
            let built = copies.write(format, version, day, &db, &kept).await;
            if let Ok(mut b) = copies.0.building.lock() {
                b.remove(&format);
            }
            if let Err(e) = built {
                tracing::warn!("the kept {} export was not built: {e}", format.name());
            }
        });
    }

    /// Write the copy, compress it, and keep it if the registry did not move meanwhile.
    async fn write(
        &self,
        format: Format,
        version: i64,
        day: NaiveDate,
        db: &Db,
        kept: &Kept,
    ) -> Result<(), AppError> {
        let fail = |e: std::io::Error| app::request::internal(format!("kept export: {e}"));
        let vendors =
            PublicVendors::open(db, kept, &RegistryFilter::default(), day, Weight::Export).await?;
        let path = self.0.dir.join(format!(
            "{}-{version}-{day}.{}",
            format.name(),
            format.name()
        ));
        let part = path.with_extension("part");
        let written = write_part(format, vendors, &part).await;
        if let Err(e) = written {
            let _ = tokio::fs::remove_file(&part).await;
            return Err(e);
        }
        let (plain, br, gz) = (
            path.clone(),
            with_suffix(&path, "br"),
            with_suffix(&path, "gz"),
        );
        let sizes = tokio::task::spawn_blocking(move || compress(&part, &plain, &br, &gz))
            .await
            .map_err(app::request::internal)?;
        let sizes = match sizes {
            Ok(s) => s,
            Err(e) => {
                remove_copy(&path);
                let _ = std::fs::remove_file(path.with_extension("part"));
                return Err(fail(e));
            }
        };
        // a change while the copy was written would be in part of it: not kept
        let (_, now) = last_changed(db, day, day).await?;
        if now != Some(version) {
            remove_copy(&path);
            return Ok(());
        }
        let copy = Copy {
            version,
            day,
            path: path.clone(),
        };
        let old = self
            .0
            .latest
            .lock()
            .ok()
            .and_then(|mut l| l.insert(format, copy));
        if let Some(old) = old.filter(|o| o.path != path) {
            remove_copy(&old.path);
        }
        metrics::counter!("registry_export_copies_built_total", "format" => format.name())
            .increment(1);
        for (encoding, bytes) in [("identity", sizes.0), ("br", sizes.1), ("gzip", sizes.2)] {
            metrics::gauge!("registry_export_copy_bytes", "format" => format.name(), "encoding" => encoding)
                .set(bytes as f64);
        }
        Ok(())
    }
}

/// Remove the copies an earlier run of this instance left in `dir` (a copy is only ever
/// served by the process that built it): files named as copies are, nothing else.
fn remove_left_over(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ours = ["csv-", "xlsx-", "json-"]
            .iter()
            .any(|p| name.starts_with(p))
            && [".csv", ".xlsx", ".json", ".br", ".gz", ".part"]
                .iter()
                .any(|e| name.ends_with(e));
        if ours && entry.file_type()?.is_file() {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// The export of `vendors` in `format`, written to `part` as it is made.
async fn write_part(format: Format, vendors: PublicVendors, part: &Path) -> Result<(), AppError> {
    let fail = |e: std::io::Error| app::request::internal(format!("kept export: {e}"));
    let mut file = tokio::fs::File::create(part).await.map_err(fail)?;
    match format {
        Format::Xlsx => {
            let bytes = super::xlsx::workbook(vendors).await?;
            file.write_all(&bytes).await.map_err(fail)?;
        }
        Format::Csv | Format::Json => {
            let body = match format {
                Format::Csv => super::csv::body(vendors)?,
                _ => super::json::body(vendors),
            };
            let mut chunks = body.into_data_stream();
            while let Some(chunk) = chunks.next().await {
                let chunk = chunk.map_err(|e| fail(std::io::Error::other(e)))?;
                file.write_all(&chunk).await.map_err(fail)?;
            }
        }
    }
    file.flush().await.map_err(fail)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".");
    p.push(suffix);
    PathBuf::from(p)
}

fn remove_copy(path: &Path) {
    for p in [
        path.to_path_buf(),
        with_suffix(path, "br"),
        with_suffix(path, "gz"),
    ] {
        let _ = std::fs::remove_file(p);
    }
}

/// `part` compressed into `br` and `gz`, then moved to `plain` (last, so a copy whose plain
/// file exists is whole); the three sizes.
fn compress(part: &Path, plain: &Path, br: &Path, gz: &Path) -> std::io::Result<(u64, u64, u64)> {
    {
        let mut input = BufReader::new(std::fs::File::open(part)?);
        // the size told first: without it the streaming encoder picks the tables of a small
        // input (6.7 MB instead of 2.0 MB for the 66 MB CSV, in the same time)
        let params = brotli::enc::BrotliEncoderParams {
            quality: BROTLI_QUALITY as i32,
            lgwin: BROTLI_WINDOW as i32,
            size_hint: usize::try_from(std::fs::metadata(part)?.len()).unwrap_or(usize::MAX),
            ..Default::default()
        };
        let mut w = brotli::CompressorWriter::with_params(
            BufWriter::new(std::fs::File::create(br)?),
            64 * 1024,
            &params,
        );
        std::io::copy(&mut input, &mut w)?;
        w.flush()?;
        w.into_inner().flush()?;
    }
    {
        let mut input = BufReader::new(std::fs::File::open(part)?);
        let mut w = flate2::write::GzEncoder::new(
            BufWriter::new(std::fs::File::create(gz)?),
            flate2::Compression::default(),
        );
        std::io::copy(&mut input, &mut w)?;
        w.finish()?.flush()?;
    }
    std::fs::rename(part, plain)?;
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len());
    Ok((size(plain)?, size(br)?, size(gz)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_given_folder_loses_only_the_copies_left_in_it() {
        let dir = tempfile::tempdir().expect("dir");
        let left = [
            "csv-3-2026-12-05.csv",
            "csv-3-2026-12-05.csv.br",
            "json-9-2026-12-05.part",
        ];
        for name in left.iter().chain(&["notes.txt", "csv-report.pdf"]) {
            std::fs::write(dir.path().join(name), b"x").expect("write");
        }
        let copies = KeptCopies::new(Some(dir.path())).expect("copies");
        for name in left {
            assert!(!dir.path().join(name).exists(), "{name} removed");
        }
        for name in ["notes.txt", "csv-report.pdf"] {
            assert!(dir.path().join(name).exists(), "{name} kept");
        }
        drop(copies);
        assert!(dir.path().exists(), "a given folder is not removed");
        let own = KeptCopies::new(None).expect("copies");
        let path = own.0.dir.clone();
        assert!(path.is_dir());
        drop(own);
        assert!(!path.exists(), "a folder of its own is removed with it");
    }
}
