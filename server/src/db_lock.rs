//! The lock file beside a SQLite database (`<file>.lock`): every `server serve` and every
//! command that opens the database holds it shared while it runs; `server restore` takes it
//! exclusive, so it refuses to swap the file under a running server. SQLite's own locks do
//! not do this: an idle connection holds none, and a file renamed under an open connection
//! goes on being read and written by it, its writes lost.
//!
//! The lock is the operating system's advisory file lock (`flock` on Linux, through the
//! standard library's `File::try_lock*`): it goes with the process, however it ends, so a
//! crashed server never leaves a stale lock behind.

use std::{
    fs::{File, OpenOptions, TryLockError},
    path::{Path, PathBuf},
};

/// A held lock; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct DbLock {
    _file: File,
    path: PathBuf,
}

impl DbLock {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The file of a `sqlite://` URL (`None` for PostgreSQL and `:memory:`), percent-decoded as
/// sqlx decodes it: `my%20data` and `my data` are one file, so they take one lock.
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    let path = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .map(|p| p.into_owned())
        .unwrap_or_else(|_| path.to_string());
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// `<database file>.lock`.
pub fn lock_path(database: &Path) -> PathBuf {
    let mut p = database.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

fn open(path: &Path) -> Result<File, String> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .map_err(|e| format!("cannot open the lock file {}: {e}", path.display()))
}

/// Hold the database's lock shared (servers and commands, any number at once); `None` when
/// the database is not a SQLite file. Fails while a restore holds it.
pub fn shared(url: &str) -> Result<Option<DbLock>, String> {
    let Some(database) = sqlite_file(url) else {
        return Ok(None);
    };
    let path = lock_path(&database);
    if database
        .parent()
        .is_some_and(|d| !d.as_os_str().is_empty() && !d.is_dir())
    {
        // no folder, no database: opening it fails with its own message
        return Ok(None);
    }
    let file = open(&path)?;
    match file.try_lock_shared() {
        Ok(()) => Ok(Some(DbLock { _file: file, path })),
        Err(TryLockError::WouldBlock) => Err(format!(
            "{} is being restored (its lock {} is held): wait until the restore has finished",
            database.display(),
            path.display()
        )),
        Err(TryLockError::Error(e)) => Err(format!("cannot lock {}: {e}", path.display())),
    }
}

/// Hold the database's lock alone, for a restore; refused while any server or command holds
/// it (never waits).
pub fn exclusive(database: &Path) -> Result<DbLock, String> {
    let path = lock_path(database);
    let file = open(&path)?;
    match file.try_lock() {
        Ok(()) => Ok(DbLock { _file: file, path }),
        Err(TryLockError::WouldBlock) => Err(format!(
            "{} is in use: a server or another command holds its lock {}; stop every \
             instance (and wait for running commands) before a restore",
            database.display(),
            path.display()
        )),
        Err(TryLockError::Error(e)) => Err(format!("cannot lock {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_file("sqlite://data/registry.db?mode=rwc"),
            Some(PathBuf::from("data/registry.db"))
        );
        assert_eq!(
            sqlite_file("sqlite:///var/lib/r.db"),
            Some(PathBuf::from("/var/lib/r.db"))
        );
        assert_eq!(
            sqlite_file("sqlite:///srv/my%20data/r.db"),
            sqlite_file("sqlite:///srv/my data/r.db"),
            "two spellings of one file take one lock"
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://x@y/z"), None);
        assert_eq!(
            lock_path(Path::new("/var/lib/r.db")),
            PathBuf::from("/var/lib/r.db.lock")
        );
    }

    #[test]
    fn shared_holders_keep_a_restore_out_and_a_restore_keeps_them_out() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("r.db");
        let url = format!("sqlite://{}", db.display());
        let a = shared(&url).expect("first").expect("a file");
        let b = shared(&url).expect("second shared").expect("a file");
        assert!(exclusive(&db).is_err());
        drop(a);
        assert!(exclusive(&db).is_err());
        drop(b);
        let alone = exclusive(&db).expect("nobody else");
        assert!(shared(&url).is_err());
        assert!(exclusive(&db).is_err());
        drop(alone);
        assert!(shared(&url).is_ok());
        assert_eq!(
            shared("postgres://x@y/z").ok().map(|l| l.is_none()),
            Some(true)
        );
    }
}
