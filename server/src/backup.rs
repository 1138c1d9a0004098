//! `server backup FILE` and `server restore FILE [--force]` for SQLite. A backup is
//! `VACUUM INTO`: one read transaction, so the copy is consistent while the server keeps
//! writing, and compact. A restore checks the copy, refuses to replace a database holding
//! data unless forced, and swaps the file in whole (then migrates it, so a copy from an older
//! build comes up to date). PostgreSQL has its own tools (`pg_dump`, `pg_restore`).

use std::path::{Path, PathBuf};

use app::store::{redact, Backend, Db};
use sqlx::{Any, AnyConnection};

const POSTGRES: &str = "PostgreSQL is backed up with its own tools: \
     pg_dump --format=custom --file=FILE \"$DATABASE_URL\", and restored with \
     pg_restore --clean --if-exists --dbname=\"$DATABASE_URL\" FILE (see README)";

/// The file of a `sqlite://` URL.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
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

/// Write a consistent copy of the database to `file`.
pub async fn backup(url: &str, file: &Path) -> Result<(), String> {
    if !url.starts_with("sqlite:") {
        return Err(POSTGRES.into());
    }
    let source = sqlite_file(url).ok_or("backup needs a database file")?;
    if !source.exists() {
        return Err(format!("there is no database at {}", source.display()));
    }
    if file.exists() {
        return Err(format!(
            "{} exists; a backup never overwrites a file",
            file.display()
        ));
    }
    let db = connect(url).await?;
    let mut conn = db.pool.acquire().await.map_err(|e| e.to_string())?;
    let (vendors, users, audit) = holdings(&mut conn, "main").await?;
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
    checked?;
    let (v, u, a) = held?;
    drop(conn);
    db.pool.close().await;
    let bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    println!(
        "Backed up {} to {}: {v} vendors, {u} accounts, {a} audit entries, {bytes} bytes \
         (the database had {vendors}, {users} and {audit} when the copy began).",
        source.display(),
        file.display()
    );
    Ok(())
}

/// Restore `file` (a copy made by [`backup`]) into the database of `url`.
pub async fn restore(url: &str, file: &Path, force: bool) -> Result<(), String> {
    if !url.starts_with("sqlite:") {
        return Err(POSTGRES.into());
    }
    let target = sqlite_file(url).ok_or("restore needs a database file")?;
    if !file.is_file() {
        return Err(format!("there is no backup at {}", file.display()));
    }
    let db = connect(url).await?;
    if db.backend != Backend::Sqlite {
        return Err(POSTGRES.into());
    }
    let mut conn = db.pool.acquire().await.map_err(|e| e.to_string())?;
    let (vendors, users, audit) = holdings(&mut conn, "main").await?;
    if vendors + users + audit > 0 && !force {
        return Err(format!(
            "{} holds {vendors} vendors, {users} accounts and {audit} audit entries; \
             restore replaces a database only with --force (stop every instance first)",
            target.display()
        ));
    }
    sqlx::query("ATTACH DATABASE $1 AS copy")
        .bind(text(file)?.to_string())
        .execute(&mut *conn)
        .await
        .map_err(|e| format!("{} cannot be read as a database: {e}", file.display()))?;
    let staged = target.with_extension("restore-tmp");
    let _ = std::fs::remove_file(&staged);
    let copied = match check_copy(&mut conn, "copy", file).await {
        Ok(()) => sqlx::query("VACUUM copy INTO $1")
            .bind(text(&staged)?.to_string())
            .execute(&mut *conn)
            .await
            .map(|_| ())
            .map_err(|e| format!("cannot stage the copy: {e}")),
        Err(e) => Err(e),
    };
    let _ = sqlx::query("DETACH DATABASE copy")
        .execute(&mut *conn)
        .await;
    let _ = conn.close().await;
    db.pool.close().await;
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&staged);
        return Err(e);
    }
    // the old database's write-ahead log must not be replayed into the restored file
    for suffix in ["-wal", "-shm"] {
        let mut side = target.clone().into_os_string();
        side.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(side));
    }
    std::fs::rename(&staged, &target).map_err(|e| format!("cannot put the copy in place: {e}"))?;
    let db = connect(url).await?;
    db.migrate()
        .await
        .map_err(|e| format!("cannot migrate the restored database: {e}"))?;
    let mut conn = db.pool.acquire().await.map_err(|e| e.to_string())?;
    let (v, u, a) = holdings(&mut conn, "main").await?;
    drop(conn);
    db.pool.close().await;
    println!(
        "Restored {} into {}: {v} vendors, {u} accounts, {a} audit entries.",
        file.display(),
        target.display()
    );
    Ok(())
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
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://x@y/z"), None);
    }
}
