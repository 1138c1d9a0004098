//! The documents of a backup (vendors' evidence in a local `DOCUMENT_STORE` directory): `server
//! backup FILE` copies them to `FILE-documents/` after the database, `server restore FILE`
//! puts them back before the database. Each document is a file named by its SHA-256, written
//! once and never changed, so a copy only adds the files missing on the other side (an
//! existing file is the same document) and an incremental backup into the same folder is
//! complete. Copies are private to their owner (folders `0700`, files `0600`), written to a
//! temporary name and renamed, so a cut copy never leaves a half file under a document's name.

use std::path::{Path, PathBuf};

/// Where the documents of the backup `file` go: `<file>-documents` beside it.
pub fn beside(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push("-documents");
    PathBuf::from(name)
}

fn private_dir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| format!("cannot protect {}: {e}", dir.display()))?;
    }
    Ok(())
}

/// Copy `from` to `to` through a temporary name beside it.
fn copy_file(from: &Path, to: &Path) -> Result<(), String> {
    let fail =
        |e: std::io::Error| format!("cannot copy {} to {}: {e}", from.display(), to.display());
    let mut partial = to.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = (|| {
        let mut source = std::fs::File::open(from)?;
        let mut target = options.open(&partial)?;
        std::io::copy(&mut source, &mut target)?;
        target.sync_all()?;
        std::fs::rename(&partial, to)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result.map_err(fail)
}

/// What a copy did: files copied, and files the other side had already.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Copied {
    pub copied: u64,
    pub present: u64,
}

/// Copy every regular file under `from` that `to` lacks (same relative path). A missing
/// `from` copies nothing. Links and anything else that is not a file or a folder are skipped,
/// as are files left half-written (`*.partial`).
pub fn copy_missing(from: &Path, to: &Path) -> Result<Copied, String> {
    let mut done = Copied::default();
    if !from.is_dir() {
        return Ok(done);
    }
    private_dir(to)?;
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let dir = from.join(&relative);
        let entries =
            std::fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
            let kind = entry
                .file_type()
                .map_err(|e| format!("cannot read {}: {e}", entry.path().display()))?;
            let name = relative.join(entry.file_name());
            if kind.is_dir() {
                private_dir(&to.join(&name))?;
                pending.push(name);
            } else if kind.is_file() && !name.to_string_lossy().ends_with(".partial") {
                let target = to.join(&name);
                if target.exists() {
                    done.present += 1;
                } else {
                    copy_file(&entry.path(), &target)?;
                    done.copied += 1;
                }
            }
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_missing_files_are_copied_and_private() {
        let root = tempfile::tempdir().expect("temp");
        let (from, to) = (root.path().join("store"), root.path().join("copy"));
        std::fs::create_dir_all(from.join("sha256/ab")).expect("dirs");
        std::fs::write(from.join("sha256/ab/abc"), b"one").expect("write");
        std::fs::write(from.join("sha256/ab/abd.partial"), b"half").expect("write");
        assert_eq!(
            copy_missing(&from, &to).expect("copy"),
            Copied {
                copied: 1,
                present: 0
            }
        );
        assert_eq!(
            std::fs::read(to.join("sha256/ab/abc")).expect("read"),
            b"one"
        );
        assert!(!to.join("sha256/ab/abd.partial").exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(to.join("sha256/ab/abc"))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::create_dir_all(from.join("sha256/cd")).expect("dirs");
        std::fs::write(from.join("sha256/cd/cde"), b"two").expect("write");
        assert_eq!(
            copy_missing(&from, &to).expect("again"),
            Copied {
                copied: 1,
                present: 1
            }
        );
        assert_eq!(
            copy_missing(&root.path().join("none"), &to).expect("nothing"),
            Copied::default()
        );
        assert_eq!(
            beside(Path::new("/b/r.db")),
            PathBuf::from("/b/r.db-documents")
        );
    }
}
