//! `server backup FILE` and `server restore FILE [--force]` for SQLite. A backup is
//! `VACUUM INTO`: one read transaction, so the copy is consistent while the server keeps
//! writing, and compact; it is written readable by its owner only (`0600`). A restore takes
//! the database's lock alone (`db_lock`: refused while a server or a command runs), checks
//! the copy, refuses to replace a database holding data unless forced, keeps the replaced
//! file beside it as `<file>.pre-restore-<UTC time>` (with its write-ahead log), and swaps
//! the copy in whole (then migrates it, so a copy from an older build comes up to date).
//! PostgreSQL has its own tools (`pg_dump`, `pg_restore`).
//!
//! The TOTP and webhook signing secrets in a copy are sealed with `SECRETS_KEY` when one is
//! set (`app::store::secrets`): a copy is of no use without its key.

use std::path::{Path, PathBuf};

use app::store::{redact, Backend, Db};
use sqlx::{Any, AnyConnection};

use super::backup_documents as documents;
use crate::db_lock::{self, sqlite_file};

const POSTGRES: &str = "PostgreSQL is backed up with its own tools: \
     pg_dump --format=custom --file=FILE \"$DATABASE_URL\", and restored with \
     pg_restore --clean --if-exists --dbname=\"$DATABASE_URL\" FILE (see README)";

/// Create `file`, empty and readable by its owner only, for `VACUUM INTO` to fill (SQLite
/// takes an empty file; it would create a missing one with the process's umask, `0644`).
/// Fails if it exists: a backup never overwrites a file.
fn create_private(file: &Path) -> Result<(), String> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(file) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(format!(
            "{} exists; a backup never overwrites a file",
            file.display()
        )),
        Err(e) => Err(format!("cannot create {}: {e}", file.display())),
    }
}

/// Make `file` readable by its owner only.
fn make_private(file: &Path) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("cannot make {} private: {e}", file.display()))?;
    }
    Ok(())
}

/// `<file><suffix>`, e.g. the `-wal` beside a database.
fn beside(file: &Path, suffix: &str) -> PathBuf {
    let mut p = file.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// What a database holds: (vendors, accounts, audit entries), or zeros before migrations.
async fn holdings(conn: &mut AnyConnection, schema: &str) -> Result<(i64, i64, i64), String> {
    let tables: i64 = sqlx::query_scalar::<Any, i64>(&format!(
        "SELECT COUNT(*) FROM {schema}.sqlite_master WHERE type = 'table' \
         AND name IN ('vendors', 'users', 'audit_log')"
    ))
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| e.to_string())?;
    if tables < 3 {
        return Ok((0, 0, 0));
    }
    let mut out = [0i64; 3];
    for (i, table) in ["vendors", "users", "audit_log"].iter().enumerate() {
        out[i] = sqlx::query_scalar::<Any, i64>(&format!("SELECT COUNT(*) FROM {schema}.{table}"))
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok((out[0], out[1], out[2]))
}

/// The copy attached as `schema` is sound and is a registry database.
async fn check_copy(conn: &mut AnyConnection, schema: &str, file: &Path) -> Result<(), String> {
    let integrity = sqlx::query_scalar::<Any, String>(&format!("PRAGMA {schema}.integrity_check"))
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| format!("{} cannot be read as a database: {e}", file.display()))?;
    if integrity != "ok" {
        return Err(format!(
            "{} is damaged (integrity check: {integrity})",
            file.display()
        ));
    }
    let migrations: i64 = sqlx::query_scalar::<Any, i64>(&format!(
        "SELECT COUNT(*) FROM {schema}.sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
    ))
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| e.to_string())?;
    if migrations == 0 {
        return Err(format!(
            "{} is not a copy of a registry database",
            file.display()
        ));
    }
    Ok(())
}

fn text(path: &Path) -> Result<&str, String> {
    path.to_str()
        .ok_or_else(|| format!("{} is not a UTF-8 path", path.display()))
}

async fn connect(url: &str) -> Result<Db, String> {
    Db::connect(url)
        .await
        .map_err(|e| format!("cannot open database {}: {e}", redact(url)))
}

/// Write a consistent copy of the database to `file`, then (a directory store, named by
/// `document_store` as `DOCUMENT_STORE` names it) the documents `FILE-documents/` lacks.
pub async fn backup(url: &str, file: &Path, document_store: &str) -> Result<(), String> {
    if !url.starts_with("sqlite:") {
        return Err(POSTGRES.into());
    }
    let source = sqlite_file(url).ok_or("backup needs a database file")?;
    if !source.exists() {
        return Err(format!("there is no database at {}", source.display()));
    }
    let _lock = db_lock::shared(url)?;
    create_private(file)?;
    let written = copy_to(url, file).await;
    if written.is_err() {
        let _ = std::fs::remove_file(file);
    }
    let ((vendors, users, audit), (v, u, a)) = written?;
    let bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    println!(
        "Backed up {} to {}: {v} vendors, {u} accounts, {a} audit entries, {bytes} bytes \
         (the database had {vendors}, {users} and {audit} when the copy began).",
        source.display(),
        file.display()
    );
    // the documents after the database: every one the copy names is in the store already
    match app::documents::local_dir(document_store, url)? {
        Some(store) => {
            let to = documents::beside(file);
            let done = documents::copy_missing(&store, &to)?;
            println!(
                "Documents: {} copied to {}, {} there already.",
                done.copied,
                to.display(),
                done.present
            );
        }
        None => println!(
            "Documents are in the bucket {document_store}: back them up with its own tools \
             (versioning, replication or a sync), after this copy."
        ),
    }
    Ok(())
}

type Held = (i64, i64, i64);

/// `VACUUM INTO` the empty `file`, checked; what the database and the copy hold.
async fn copy_to(url: &str, file: &Path) -> Result<(Held, Held), String> {
    let db = connect(url).await?;
    let mut conn = db.pool.acquire().await.map_err(|e| e.to_string())?;
    let before = holdings(&mut conn, "main").await?;
    sqlx::query("VACUUM INTO $1")
        .bind(text(file)?.to_string())
        .execute(&mut *conn)
        .await
        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    sqlx::query("ATTACH DATABASE $1 AS copy")
        .bind(text(file)?.to_string())
        .execute(&mut *conn)
        .await
        .map_err(|e| e.to_string())?;
    let checked = check_copy(&mut conn, "copy", file).await;
    let held = holdings(&mut conn, "copy").await;
    let _ = sqlx::query("DETACH DATABASE copy")
        .execute(&mut *conn)
        .await;
    drop(conn);
    db.pool.close().await;
    checked?;
    Ok((before, held?))
}

/// Move the database `target` (and its write-ahead log) aside to
/// `<target>.pre-restore-<UTC time>`, readable by its owner only; returns where. Its shared
/// memory index goes: SQLite rebuilds it, and the log beside the kept file is replayed when
/// that file is opened, so nothing committed is lost.
fn keep_aside(target: &Path) -> Result<PathBuf, String> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let kept = beside(target, &format!(".pre-restore-{stamp}"));
    if kept.exists() || beside(&kept, "-wal").exists() {
        return Err(format!("{} exists already; try again", kept.display()));
    }
    std::fs::rename(target, &kept).map_err(|e| {
        format!(
            "cannot keep the replaced database as {}: {e}",
            kept.display()
        )
    })?;
    make_private(&kept)?;
    let wal = beside(target, "-wal");
    if wal.exists() {
        let kept_wal = beside(&kept, "-wal");
        std::fs::rename(&wal, &kept_wal).map_err(|e| {
            format!(
                "cannot keep the replaced database's log as {}: {e}",
                kept_wal.display()
            )
        })?;
        make_private(&kept_wal)?;
    }
    let _ = std::fs::remove_file(beside(target, "-shm"));
    Ok(kept)
}

/// Restore `file` (a copy made by [`backup`]) into the database of `url`, after putting
/// back the documents a directory store lacks from `FILE-documents/`.
/// What a restore may replace: a database holding data, a log with signed checkpoints.
#[derive(Debug, Clone, Copy, Default)]
pub struct Force {
    pub data: bool,
    pub log_rollback: bool,
}

async fn has_table(conn: &mut AnyConnection, schema: &str, table: &str) -> Result<bool, String> {
    sqlx::query_scalar::<Any, i64>(&format!(
        "SELECT COUNT(*) FROM {schema}.sqlite_master WHERE type = 'table' AND name = $1"
    ))
    .bind(table.to_string())
    .fetch_one(&mut *conn)
    .await
    .map(|n| n > 0)
    .map_err(|e| e.to_string())
}

/// A restore must not roll the log back below what was signed (customers hold those
/// checkpoints: a shorter or different log is a fork they can prove). The copy, attached as
/// `copy`, must hold at least as many leaves as the newest checkpoint of `main`, and where
/// the copy has a checkpoint of that size, the same root. A copy from before the log (no
/// log tables) counts its change events: the log is rebuilt from them in order.
async fn log_rollback(conn: &mut AnyConnection) -> Result<(), String> {
    if !has_table(conn, "main", "log_checkpoints").await? {
        return Ok(());
    }
    let Some((signed, root)) = sqlx::query_as::<Any, (i64, String)>(
        "SELECT size, root FROM main.log_checkpoints ORDER BY size DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await
    .map_err(|e| e.to_string())?
    else {
        return Ok(());
    };
    let (size, theirs) = if has_table(conn, "copy", "log_head").await? {
        let size = sqlx::query_scalar::<Any, i64>("SELECT size FROM copy.log_head")
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| e.to_string())?;
        let theirs = sqlx::query_scalar::<Any, String>(
            "SELECT root FROM copy.log_checkpoints WHERE size = $1",
        )
        .bind(signed)
        .fetch_optional(&mut *conn)
        .await
        .map_err(|e| e.to_string())?;
        (size, theirs)
    } else {
        let events = sqlx::query_scalar::<Any, i64>("SELECT COUNT(*) FROM copy.change_events")
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| e.to_string())?;
        (events, None)
    };
    if size < signed {
        return Err(format!(
            "the database's log has a signed checkpoint of {signed} changes, published to \
             customers; the backup's log holds {size}: restoring it would roll the registry's \
             history back below what customers can prove was announced (a fork). Restore a \
             newer backup, or pass --force-log-rollback and tell customers why \
             (docs/OPERATIONS.md, \"The log's key\")"
        ));
    }
    if theirs.is_some_and(|r| r != root) {
        return Err(format!(
            "the backup's checkpoint of {signed} changes has a different root from the one \
             this database signed: its history differs from what customers hold (a fork). \
             Pass --force-log-rollback only if you mean it (docs/OPERATIONS.md)"
        ));
    }
    Ok(())
}

pub async fn restore(
    url: &str,
    file: &Path,
    force: Force,
    document_store: &str,
) -> Result<(), String> {
    if !url.starts_with("sqlite:") {
        return Err(POSTGRES.into());
    }
    let target = sqlite_file(url).ok_or("restore needs a database file")?;
    if !file.is_file() {
        return Err(format!("there is no backup at {}", file.display()));
    }
    // held until the restored file is migrated: no server may open the database meanwhile
    let _lock = db_lock::exclusive(&target)?;
    let existed = target.exists();
    let db = connect(url).await?;
    if db.backend != Backend::Sqlite {
        return Err(POSTGRES.into());
    }
    let mut conn = db.pool.acquire().await.map_err(|e| e.to_string())?;
    let (vendors, users, audit) = holdings(&mut conn, "main").await?;
    if vendors + users + audit > 0 && !force.data {
        return Err(format!(
            "{} holds {vendors} vendors, {users} accounts and {audit} audit entries; \
             restore replaces a database only with --force (it is kept beside it)",
            target.display()
        ));
    }
    sqlx::query("ATTACH DATABASE $1 AS copy")
        .bind(text(file)?.to_string())
        .execute(&mut *conn)
        .await
        .map_err(|e| format!("{} cannot be read as a database: {e}", file.display()))?;
    // the documents before the database: the restored rows never name a missing one
    let from = documents::beside(file);
    if let (Some(store), true) = (
        app::documents::local_dir(document_store, url)?,
        from.is_dir(),
    ) {
        let done = documents::copy_missing(&from, &store)?;
        println!(
            "Documents: {} put back into {}, {} there already.",
            done.copied,
            store.display(),
            done.present
        );
    }
    let staged = target.with_extension("restore-tmp");
    let _ = std::fs::remove_file(&staged);
    let checked = match check_copy(&mut conn, "copy", file).await {
        Ok(()) if !force.log_rollback => log_rollback(&mut conn).await,
        other => other,
    };
    let copied = match checked {
        Ok(()) => match create_private(&staged) {
            Ok(()) => sqlx::query("VACUUM copy INTO $1")
                .bind(text(&staged)?.to_string())
                .execute(&mut *conn)
                .await
                .map(|_| ())
                .map_err(|e| format!("cannot stage the copy: {e}")),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    let _ = sqlx::query("DETACH DATABASE copy")
        .execute(&mut *conn)
        .await;
    let _ = conn.close().await;
    db.close().await;
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&staged);
        return Err(e);
    }
    // the replaced database is kept, never deleted; an empty one this command made is not
    let kept = if existed {
        Some(keep_aside(&target).inspect_err(|_| {
            let _ = std::fs::remove_file(&staged);
        })?)
    } else {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(beside(&target, suffix));
        }
        None
    };
    std::fs::rename(&staged, &target).map_err(|e| format!("cannot put the copy in place: {e}"))?;
    let db = connect(url).await?;
    db.migrate()
        .await
        .map_err(|e| format!("cannot migrate the restored database: {e}"))?;
    let mut conn = db.pool.acquire().await.map_err(|e| e.to_string())?;
    let (v, u, a) = holdings(&mut conn, "main").await?;
    drop(conn);
    db.close().await;
    println!(
        "Restored {} into {}: {v} vendors, {u} accounts, {a} audit entries.",
        file.display(),
        target.display()
    );
    if let Some(kept) = kept {
        println!(
            "The database it replaced is kept as {} (delete it once the restore is checked).",
            kept.display()
        );
    }
    Ok(())
}
