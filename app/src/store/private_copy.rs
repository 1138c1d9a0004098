//! A private copy of a SQLite database, for work that writes to see what would happen but
//! must not take the real database's write lock (the import's dry run, and its apply before
//! [`super::staged`] publishes what it wrote). `VACUUM INTO` copies
//! the database as one read transaction (a consistent snapshot; writers go on meanwhile)
//! into a file of a fresh directory only this process's user can open (the copy holds
//! everything the database holds, sessions and secrets included); the directory is removed
//! when the copy is dropped.

use std::{path::Path, time::Duration};

use super::{Backend, Db, StoreError, StoreResult};

/// The name every private copy's directory starts with.
const PREFIX: &str = "registry-dry-run-";

/// The copy and the directory it lives in.
pub struct PrivateCopy {
    pub db: Db,
    path: String,
    // removed (with the copy) on drop; after `db`, which is closed first
    _dir: tempfile::TempDir,
}

impl PrivateCopy {
    /// Copy `db` (SQLite only) and open the copy.
    pub async fn of(db: &Db) -> StoreResult<PrivateCopy> {
        if db.backend != Backend::Sqlite {
            return Err(StoreError::Corrupt(
                "a private copy is made of a SQLite database only".into(),
            ));
        }
        // tempfile creates the directory readable by its owner only (0700)
        let dir = tempfile::Builder::new()
            .prefix(PREFIX)
            .tempdir()
            .map_err(|e| StoreError::Corrupt(format!("cannot create a private directory: {e}")))?;
        let path = dir.path().join("copy.db");
        let path = path
            .to_str()
            .ok_or_else(|| StoreError::Corrupt("the temporary directory is not UTF-8".into()))?
            .to_string();
        sqlx::query("VACUUM INTO $1")
            .bind(path.clone())
            .execute(&db.pool)
            .await?;
        // the run holds one connection at a time, and a short read may need a second
        let copy = Db::connect_sized(&format!("sqlite://{path}"), Some(2)).await?;
        Ok(PrivateCopy {
            db: copy,
            path,
            _dir: dir,
        })
    }

    /// The copy's file.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Close the copy's connections and remove it.
    pub async fn close(self) {
        self.db.close().await;
    }
}

/// Remove the private copies in `dir` (the system's temporary folder) older than `age`: a dry
/// run cut short by a kill or a crash leaves its copy behind (its directory is removed only
/// when the copy is dropped), and the copy holds everything the database holds. A live dry
/// run's copy is younger than any `age` the pruning round passes. Returns how many were removed.
pub fn sweep_leftovers(dir: &Path, age: Duration) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let now = std::time::SystemTime::now();
    entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(PREFIX))
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| {
            e.metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|m| now.duration_since(m).ok())
                .is_some_and(|old| old > age)
        })
        .filter(|e| std::fs::remove_dir_all(e.path()).is_ok())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_old_copies_are_swept() {
        let tmp = tempfile::tempdir().expect("dir");
        std::fs::create_dir(tmp.path().join("registry-dry-run-abc")).expect("copy dir");
        std::fs::write(tmp.path().join("registry-dry-run-abc/copy.db"), b"x").expect("copy");
        std::fs::create_dir(tmp.path().join("something-else")).expect("other dir");
        // nothing is old enough yet
        assert_eq!(sweep_leftovers(tmp.path(), Duration::from_secs(3600)), 0);
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(sweep_leftovers(tmp.path(), Duration::from_millis(1)), 1);
        assert!(!tmp.path().join("registry-dry-run-abc").exists());
        assert!(tmp.path().join("something-else").exists(), "not ours: kept");
    }
}
