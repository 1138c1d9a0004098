//! Reading one file: the size cap, then CSV or XLSX told by the content, on a blocking
//! thread behind a semaphore of [`limits::READERS`] permits.

use tokio::sync::Semaphore;

use super::{csv, limits, xlsx};
use crate::domain::import::Sheet;

/// A file read: its sheets and notes on how it was read (encoding, separator, sheets).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Contents {
    pub sheets: Vec<Sheet>,
    pub notes: Vec<String>,
}

static READERS: Semaphore = Semaphore::const_new(limits::READERS);

/// Read a file on a blocking thread once a reader's permit is free; or why it cannot be
/// read. The permit is held until the reading ends, also when the caller stops waiting.
pub async fn read(file_name: &str, bytes: &[u8]) -> Result<Contents, String> {
    precheck(bytes)?;
    let permit = READERS
        .acquire()
        .await
        .map_err(|_| "The server is shutting down; try again.".to_string())?;
    let (file_name, bytes) = (file_name.to_string(), bytes.to_vec());
    let reading = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        read_blocking(&file_name, &bytes)
    });
    match reading.await {
        Ok(read) => read,
        Err(e) => {
            // a reader's bug must not take the process with it; the file is refused
            tracing::error!("reading an uploaded file failed: {e}");
            Err("The file could not be read.".into())
        }
    }
}

/// Checks that need no reading: an empty or too large file.
fn precheck(bytes: &[u8]) -> Result<(), String> {
    if bytes.is_empty() {
        return Err("The file is empty.".into());
    }
    if bytes.len() > limits::MAX_FILE_BYTES {
        return Err(format!(
            "The file is {:.1} MB; an import is at most {} MB.",
            bytes.len() as f64 / 1e6,
            limits::MAX_FILE_BYTES / (1024 * 1024)
        ));
    }
    Ok(())
}

/// Read a file on this thread: what [`read`] runs on its blocking thread (and the tests
/// call directly).
pub fn read_blocking(file_name: &str, bytes: &[u8]) -> Result<Contents, String> {
    precheck(bytes)?;
    if bytes.starts_with(b"PK\x03\x04") {
        return xlsx::read(bytes);
    }
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return Err(format!(
            "{file_name} is neither a CSV nor an XLSX file (it holds binary data)."
        ));
    }
    csv::read(bytes)
}
