//! Stored documents (vendors' evidence; later our own trust documents): bytes in an object
//! store through the `object_store` crate, metadata in the database (`store::documents`).
//! A local directory by default (beside the SQLite file), an S3-compatible bucket when
//! `DOCUMENT_STORE=s3://bucket/prefix` (several instances share it). A document is addressed
//! by its SHA-256 (`sha256/ab/abcd…`) and never overwritten: the same bytes land on the same
//! key. An upload is streamed: its type is decided from its first bytes, then it is written
//! part by part to a temporary key while hashed, and moved to its address when whole; memory
//! holds at most one part. Server-only.

use std::sync::Arc;

use axum::body::Bytes;
use futures::StreamExt;
use object_store::{
    aws::AmazonS3Builder, local::LocalFileSystem, path::Path, prefix::PrefixStore, ObjectStore,
    WriteMultipart,
};
use sha2::{Digest, Sha256};

use crate::files::{
    limits::MAX_DOCUMENT_BYTES,
    sniff::{sniff, DocumentType, SNIFF_BYTES},
};

/// The document store of this server.
#[derive(Clone)]
pub struct Documents {
    store: Arc<dyn ObjectStore>,
    /// Bytes written per part: small for a directory, S3's minimum for a bucket.
    part_bytes: usize,
    /// What the store is, for the log and the readiness check (no secrets).
    pub described: String,
}

impl std::fmt::Debug for Documents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.described)
    }
}

/// Why a document was not stored.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// Larger than [`MAX_DOCUMENT_BYTES`]: nothing kept.
    #[error("The file is larger than {} MB, the most a document may be.", MAX_DOCUMENT_BYTES / (1024 * 1024))]
    TooLarge,
    /// Not a kind of document the store keeps (the sentence says what it seems to be).
    #[error("{0}")]
    Refused(String),
    /// The store failed.
    #[error("the document store failed: {0}")]
    Store(#[from] object_store::Error),
}

/// A document written to the store: what the database records of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub sha256: String,
    pub size: u64,
    pub kind: DocumentType,
}

impl Documents {
    /// The store `DOCUMENT_STORE` names: `s3://bucket[/prefix]` (the `AWS_*` variables and
    /// `options` configure it), `file:///dir` or a directory; empty: a directory beside the
    /// SQLite file of `database_url` (`registry.db` keeps its documents in
    /// `registry.db-documents/`), or `./documents` for PostgreSQL.
    pub fn from_setting(
        setting: &str,
        database_url: &str,
        options: &[(String, String)],
    ) -> Result<Self, String> {
        let setting = setting.trim();
        if let Some(rest) = setting.strip_prefix("s3://") {
            return Self::s3(rest, options);
        }
        match local_dir(setting, database_url)? {
            Some(dir) => Self::local(&dir),
            None => Err("DOCUMENT_STORE: not a directory".into()),
        }
    }

    /// A local directory (created, private to this user).
    pub fn local(dir: &std::path::Path) -> Result<Self, String> {
        let fail = |e: &dyn std::fmt::Display| format!("document store {}: {e}", dir.display());
        std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| fail(&e))?;
        }
        let store = LocalFileSystem::new_with_prefix(dir).map_err(|e| fail(&e))?;
        Ok(Documents {
            store: Arc::new(store),
            part_bytes: 1024 * 1024,
            described: format!("directory {}", dir.display()),
        })
    }

    /// An S3-compatible bucket, `bucket[/prefix]`.
    fn s3(rest: &str, options: &[(String, String)]) -> Result<Self, String> {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let prefix = prefix.trim_matches('/');
        if bucket.is_empty() {
            return Err("DOCUMENT_STORE: s3:// needs a bucket name (s3://bucket/prefix)".into());
        }
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        for (key, value) in options {
            let key = key
                .to_ascii_lowercase()
                .parse()
                .map_err(|e| format!("DOCUMENT_STORE option {key}: {e}"))?;
            builder = builder.with_config(key, value);
        }
        let s3 = builder
            .build()
            .map_err(|e| format!("DOCUMENT_STORE s3://{rest}: {e}"))?;
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(s3)
        } else {
            Arc::new(PrefixStore::new(s3, prefix))
        };
        Ok(Documents {
            store,
            // S3's smallest part but the last
            part_bytes: 5 * 1024 * 1024,
            described: format!("s3://{bucket}/{prefix}"),
        })
    }

    /// Start receiving a document.
    pub fn receive(&self) -> Incoming {
        Incoming {
            store: self.store.clone(),
            part_bytes: self.part_bytes,
            temp: Path::from(format!("incoming/{}", uuid::Uuid::new_v4())),
            head: Vec::with_capacity(SNIFF_BYTES),
            upload: None,
            hasher: Sha256::new(),
            size: 0,
            kind: None,
        }
    }

    /// The bytes of the document `sha256`, as a stream (never read whole into memory).
    pub async fn open(
        &self,
        sha256: &str,
    ) -> Result<
        futures::stream::BoxStream<'static, Result<Bytes, object_store::Error>>,
        DocumentError,
    > {
        let got = self.store.get(&address(sha256)).await?;
        Ok(got.into_stream())
    }

    /// The whole of the stored document `sha256` in memory (at most `max` bytes: a larger
    /// one is refused as too large). For stamping, which needs the whole file.
    pub async fn read_all(&self, sha256: &str, max: usize) -> Result<Vec<u8>, DocumentError> {
        let mut stream = self.open(sha256).await?;
        let mut out = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            if out.len() + chunk.len() > max {
                return Err(DocumentError::TooLarge);
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    /// Keep `bytes` whole as they are, their type not decided (a fetched published list may
    /// be HTML or CSV; the watcher caps its size): their SHA-256, which is their address.
    pub async fn put_bytes(&self, bytes: Bytes) -> Result<String, DocumentError> {
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let to = address(&sha256);
        match self.store.head(&to).await {
            Ok(_) => {}
            Err(object_store::Error::NotFound { .. }) => {
                self.store.put(&to, bytes.into()).await?;
            }
            Err(e) => return Err(e.into()),
        }
        Ok(sha256)
    }

    /// Whether the store answers (the readiness check): a listing of one key.
    pub async fn check(&self) -> Result<(), DocumentError> {
        let mut listing = self.store.list(Some(&Path::from("sha256")));
        match listing.next().await {
            None | Some(Ok(_)) => Ok(()),
            Some(Err(e)) => Err(e.into()),
        }
    }
}

/// `registry.db` -> `registry.db-documents/`; PostgreSQL -> `./documents`.
/// The directory the setting `DOCUMENT_STORE` names for `database_url` (as
/// [`Documents::from_setting`] reads it); `None` for a bucket.
pub fn local_dir(setting: &str, database_url: &str) -> Result<Option<std::path::PathBuf>, String> {
    let setting = setting.trim();
    if setting.starts_with("s3://") {
        return Ok(None);
    }
    Ok(Some(match setting.strip_prefix("file://") {
        Some(dir) => std::path::PathBuf::from(dir),
        None if !setting.is_empty() => std::path::PathBuf::from(setting),
        None => beside_database(database_url)?,
    }))
}

fn beside_database(database_url: &str) -> Result<std::path::PathBuf, String> {
    let Some(rest) = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
    else {
        return Ok("documents".into());
    };
    let file = rest.split('?').next().unwrap_or("");
    if file.is_empty() || file == ":memory:" {
        return Err(
            "DOCUMENT_STORE: a database in memory has no directory beside it; set DOCUMENT_STORE"
                .into(),
        );
    }
    Ok(format!("{file}-documents").into())
}

/// Where the document of `sha256` lives.
fn address(sha256: &str) -> Path {
    let fan = sha256.get(..2).unwrap_or("00");
    Path::from(format!("sha256/{fan}/{sha256}"))
}

/// A document being received: its first bytes decide its type before anything is written.
pub struct Incoming {
    store: Arc<dyn ObjectStore>,
    part_bytes: usize,
    temp: Path,
    head: Vec<u8>,
    upload: Option<WriteMultipart>,
    hasher: Sha256,
    size: u64,
    kind: Option<DocumentType>,
}

impl Incoming {
    /// Take the next bytes of the file. Past [`MAX_DOCUMENT_BYTES`], or once its first bytes
    /// say it is no document, the upload is refused (and what was written removed).
    pub async fn write(&mut self, chunk: Bytes) -> Result<(), DocumentError> {
        self.size += chunk.len() as u64;
        if self.size > MAX_DOCUMENT_BYTES as u64 {
            return Err(DocumentError::TooLarge);
        }
        self.hasher.update(&chunk);
        if self.kind.is_none() {
            let need = SNIFF_BYTES - self.head.len();
            self.head.extend_from_slice(&chunk[..chunk.len().min(need)]);
            if self.head.len() < SNIFF_BYTES {
                return Ok(());
            }
            self.kind = Some(sniff(&self.head).map_err(DocumentError::Refused)?);
            let started = self.store.put_multipart(&self.temp).await?;
            let mut upload = WriteMultipart::new_with_chunk_size(started, self.part_bytes);
            upload.write(&std::mem::take(&mut self.head));
            self.upload = Some(upload);
            let rest = chunk.slice(chunk.len().min(need)..);
            return self.put(rest).await;
        }
        self.put(chunk).await
    }

    async fn put(&mut self, bytes: Bytes) -> Result<(), DocumentError> {
        if let Some(upload) = self.upload.as_mut() {
            // one part in flight at most: memory holds this part and the one being sent
            upload.wait_for_capacity(1).await?;
            upload.put(bytes);
        }
        Ok(())
    }

    /// The whole file has arrived: finish writing it and move it to its address.
    pub async fn finish(mut self) -> Result<Stored, DocumentError> {
        let kind = match self.kind {
            Some(kind) => kind,
            // shorter than a signature: decided now, from all there is
            None => {
                let kind = sniff(&self.head).map_err(DocumentError::Refused)?;
                let started = self.store.put_multipart(&self.temp).await?;
                let mut upload = WriteMultipart::new_with_chunk_size(started, self.part_bytes);
                upload.write(&std::mem::take(&mut self.head));
                self.upload = Some(upload);
                kind
            }
        };
        if let Some(upload) = self.upload.take() {
            upload.finish().await?;
        }
        let sha256 = hex::encode(self.hasher.finalize_reset());
        let to = address(&sha256);
        let moved = match self.store.head(&to).await {
            // the same bytes are stored already: they stay as they are
            Ok(_) => self.store.delete(&self.temp).await,
            Err(object_store::Error::NotFound { .. }) => self.store.rename(&self.temp, &to).await,
            Err(e) => Err(e),
        };
        if let Err(e) = moved {
            let _ = self.store.delete(&self.temp).await;
            return Err(e.into());
        }
        Ok(Stored {
            sha256,
            size: self.size,
            kind,
        })
    }

    /// Give up on the file: what was written of it is removed.
    pub async fn abort(mut self) {
        if let Some(upload) = self.upload.take() {
            if let Err(e) = upload.abort().await {
                tracing::warn!("an unfinished document upload could not be aborted: {e}");
            }
        }
        let _ = self.store.delete(&self.temp).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_directory_is_beside_the_sqlite_file() {
        assert_eq!(
            beside_database("sqlite:///var/lib/registry/registry.db?mode=rwc").ok(),
            Some("/var/lib/registry/registry.db-documents".into())
        );
        assert_eq!(
            beside_database("sqlite://registry.db").ok(),
            Some("registry.db-documents".into())
        );
        assert_eq!(
            beside_database("postgres://db/registry").ok(),
            Some("documents".into())
        );
        assert!(beside_database("sqlite::memory:").is_err());
    }

    #[test]
    fn addresses_fan_out_by_the_first_two_hex_digits() {
        assert_eq!(address("abcdef").as_ref(), "sha256/ab/abcdef");
    }

    async fn store(dir: &std::path::Path, parts: &[&[u8]]) -> Result<Stored, DocumentError> {
        let docs = Documents::local(dir).map_err(DocumentError::Refused)?;
        let mut incoming = docs.receive();
        for p in parts {
            if let Err(e) = incoming.write(Bytes::copy_from_slice(p)).await {
                incoming.abort().await;
                return Err(e);
            }
        }
        incoming.finish().await
    }

    fn files_under(dir: &std::path::Path) -> Vec<String> {
        let mut found = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                if e.path().is_dir() {
                    stack.push(e.path());
                } else {
                    found.push(
                        e.path()
                            .strip_prefix(dir)
                            .map(|p| p.to_string_lossy().to_string())
                            .unwrap_or_default(),
                    );
                }
            }
        }
        found
    }

    #[tokio::test]
    async fn a_document_in_pieces_is_stored_once_under_its_hash() {
        let dir = tempfile::tempdir().expect("dir");
        // the signature itself arrives split over two pieces
        let pieces: [&[u8]; 3] = [b"%PD", b"F-1.7\nbody ", b"and the rest"];
        let whole: Vec<u8> = pieces.concat();
        let stored = store(dir.path(), &pieces).await.expect("stored");
        assert_eq!(stored.kind, DocumentType::Pdf);
        assert_eq!(stored.size, whole.len() as u64);
        assert_eq!(stored.sha256, hex::encode(Sha256::digest(&whole)));
        let again = store(dir.path(), &[&whole]).await.expect("stored again");
        assert_eq!(again, stored);
        assert_eq!(
            files_under(dir.path()),
            vec![format!("sha256/{}/{}", &stored.sha256[..2], stored.sha256)],
            "one file, nothing left in incoming/"
        );
        let docs = Documents::local(dir.path()).expect("store");
        let mut read = Vec::new();
        let mut s = docs.open(&stored.sha256).await.expect("opens");
        while let Some(b) = s.next().await {
            read.extend_from_slice(&b.expect("bytes"));
        }
        assert_eq!(read, whole);
    }

    #[tokio::test]
    async fn refused_files_leave_nothing_behind() {
        let dir = tempfile::tempdir().expect("dir");
        let e = store(dir.path(), &[b"<html><body>", b"more"]).await;
        assert!(matches!(e, Err(DocumentError::Refused(_))), "{e:?}");
        let big = vec![b'x'; 1024 * 1024];
        let mut parts: Vec<&[u8]> = vec![b"%PDF-1.7\n"];
        parts.extend(std::iter::repeat_n(big.as_slice(), 26));
        let e = store(dir.path(), &parts).await;
        assert!(matches!(e, Err(DocumentError::TooLarge)), "{e:?}");
        let e = store(dir.path(), &[b"%P"]).await;
        assert!(matches!(e, Err(DocumentError::Refused(_))), "{e:?}");
        assert_eq!(files_under(dir.path()), Vec::<String>::new());
    }
}
