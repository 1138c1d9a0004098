//! A private copy of a SQLite database, for work that writes to see what would happen but
//! must not take the real database's write lock (the import's dry run). `VACUUM INTO` copies
//! the database as one read transaction (a consistent snapshot; writers go on meanwhile)
//! into a file of a fresh directory only this process's user can open (the copy holds
//! everything the database holds, sessions and secrets included); the directory is removed
//! when the copy is dropped.

use super::{Backend, Db, StoreError, StoreResult};

/// The copy and the directory it lives in.
pub struct PrivateCopy {
    pub db: Db,
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
            .prefix("registry-dry-run-")
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
        let copy = Db::connect(&format!("sqlite://{path}")).await?;
        Ok(PrivateCopy {
            db: copy,
            _dir: dir,
        })
    }

    /// Close the copy's connections and remove it.
    pub async fn close(self) {
        self.db.close().await;
    }
}
