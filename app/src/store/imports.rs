//! Bulk imports: the uploaded file and, once its run is over, the report. The file is kept
//! for a while (a dry run is applied from it) and then emptied (`prune_files`); the report
//! stays, as the record of what the import did.

use sqlx::{Any, AnyConnection, FromRow};

use super::{now_utc, Db, StoreResult};

/// An import as listed (without its file).
#[derive(Debug, Clone, FromRow)]
pub struct ImportRow {
    pub id: i64,
    pub actor: String,
    pub file_name: String,
    pub apply: i64,
    pub skip_refused: i64,
    pub whole_list: i64,
    pub state: String,
    pub report: Option<String>,
    pub summary: Option<String>,
    pub created_at: String,
    pub finished_at: Option<String>,
    /// 1 while the uploaded file is kept, 0 once it was pruned.
    pub has_file: i64,
}

const COLUMNS: &str =
    "id, actor, file_name, apply, skip_refused, whole_list, state, report, summary, created_at, finished_at, \
     CAST(CASE WHEN LENGTH(content) > 0 THEN 1 ELSE 0 END AS BIGINT) AS has_file";
/// The same without the report: what a list of runs needs.
const LISTED: &str =
    "id, actor, file_name, apply, skip_refused, whole_list, state, CAST(NULL AS TEXT) AS report, \
     summary, created_at, finished_at, \
     CAST(CASE WHEN LENGTH(content) > 0 THEN 1 ELSE 0 END AS BIGINT) AS has_file";

/// Record a run about to start on `content`; returns its id.
pub async fn start(
    conn: &mut AnyConnection,
    actor: &str,
    file_name: &str,
    content: &[u8],
    (apply, skip_refused, whole_list): (bool, bool, bool),
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "INSERT INTO imports (actor, file_name, content, apply, skip_refused, whole_list, state, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, 'running', $7) RETURNING id",
    )
    .bind(actor.to_string())
    .bind(file_name.to_string())
    .bind(content.to_vec())
    .bind(i64::from(apply))
    .bind(i64::from(skip_refused))
    .bind(i64::from(whole_list))
    .bind(now_utc())
    .fetch_one(&mut *conn)
    .await?)
}

/// The run is over: `done` (with its report) or `failed` (with the reason as its report),
/// and its one-line summary.
pub async fn finish(
    db: &Db,
    id: i64,
    state: &str,
    (report, summary): (&str, &str),
) -> StoreResult<()> {
    let mut tx = super::begin_write(db).await?;
    sqlx::query(
        "UPDATE imports SET state = $1, report = $2, summary = $3, finished_at = $4 WHERE id = $5",
    )
    .bind(state.to_string())
    .bind(report.to_string())
    .bind(summary.to_string())
    .bind(now_utc())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Option<ImportRow>> {
    Ok(
        sqlx::query_as::<Any, ImportRow>(&format!("SELECT {COLUMNS} FROM imports WHERE id = $1"))
            .bind(id)
            .fetch_optional(&db.pool)
            .await?,
    )
}

/// The uploaded file of an import.
pub async fn content(db: &Db, id: i64) -> StoreResult<Option<Vec<u8>>> {
    Ok(
        sqlx::query_scalar::<Any, Vec<u8>>("SELECT content FROM imports WHERE id = $1")
            .bind(id)
            .fetch_optional(&db.pool)
            .await?,
    )
}

/// The latest imports, newest first, without their reports.
pub async fn recent(db: &Db, limit: u32) -> StoreResult<Vec<ImportRow>> {
    Ok(sqlx::query_as::<Any, ImportRow>(&format!(
        "SELECT {LISTED} FROM imports ORDER BY id DESC LIMIT {limit}"
    ))
    .fetch_all(&db.pool)
    .await?)
}

/// Empty the stored file of every run started before `before` (RFC 3339 UTC): the upload is
/// personal data of the vendors' contacts, kept only so a dry run can be applied as checked.
/// A run still marked running is pruned too (a running run holds its rows in memory and never
/// reads the file again; one cut short by a crash stays marked running for ever). The run's
/// row, report and summary stay. Returns how many files were pruned.
pub async fn prune_files(db: &Db, before: &str) -> StoreResult<u64> {
    let done = sqlx::query(
        "UPDATE imports SET content = $1 \
         WHERE created_at < $2 AND LENGTH(content) > 0",
    )
    .bind(Vec::<u8>::new())
    .bind(before.to_string())
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected())
}
