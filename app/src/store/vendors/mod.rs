//! Vendors (subprocessors) and their links to services, countries and data categories: the
//! public rows with their evidence packed in (see `evidence`) and the registry's queries here;
//! the editing rows and the writes in `edit`.

mod edit;
mod export;
mod row;

pub use edit::{
    announced_without_history, edit_row, edit_rows, insert_vendor, insert_vendor_row, listed,
    update_vendor,
};
pub use export::{stream_public, EXPORT_DEADLINE};
pub use row::VendorEditRow;

use chrono::NaiveDate;
use sqlx::{Any, FromRow};

use super::{
    evidence::{self, PackedEvidence},
    Backend, Db, StoreError, StoreResult,
};
use crate::domain::{
    assurance::{Evidence, EvidenceKeys},
    vendor::WorkLocation,
    DataCategory, Lifecycle, RegistryFilter, Slug, Status,
};

/// SQL twin of [`Lifecycle::status_on`], with the day bound as `$1`.
pub const STATUS_SQL: &str = "CASE \
    WHEN v.announced_on IS NULL OR v.announced_on > $1 THEN 'proposed' \
    WHEN v.removed_on IS NOT NULL AND v.removed_on <= $1 THEN 'removed' \
    WHEN v.effective_on IS NOT NULL AND v.effective_on <= $1 THEN 'active' \
    ELSE 'announced' END";

/// The scope of vendor `v`, one subquery per list: `services` (slugs) `countries` (ISO
/// codes) and `categories` (codes) joined with " ", and `service_names` joined with "; ".
/// Every vendor query reads its scope through this one fragment (the public lists through
/// [`PUBLIC_SCOPE_LISTS`], which is the same without the slugs).
pub(super) const SCOPE_LISTS: &str = "\
    (SELECT string_agg(s.slug, ' ' ORDER BY s.slug) FROM vendor_services vs \
       JOIN services s ON s.id = vs.service_id WHERE vs.vendor_id = v.id) AS services, \
    (SELECT string_agg(s.name, '; ' ORDER BY s.name) FROM vendor_services vs \
       JOIN services s ON s.id = vs.service_id WHERE vs.vendor_id = v.id) AS service_names, \
    (SELECT string_agg(vc.country_code, ' ' ORDER BY vc.country_code) \
       FROM vendor_countries vc WHERE vc.vendor_id = v.id) AS countries, \
    (SELECT string_agg(vd.category_code, ' ' ORDER BY vd.category_code) \
       FROM vendor_data_categories vd WHERE vd.vendor_id = v.id) AS categories";

/// [`SCOPE_LISTS`] for the public lists and exports, which show service names and never the
/// slugs: `services` is NULL, a subquery less per row (about a tenth of SQLite's work for a
/// 100,000-row CSV).
fn public_scope_lists() -> &'static str {
    SCOPE_LISTS
        .split_once("AS services,")
        .map_or(SCOPE_LISTS, |(_, rest)| rest)
}

/// The vendor's own columns (`v`), the same for both row types.
pub(super) const FIELDS: &str =
    "v.id, v.version, v.slug, v.legal_name, v.trading_name, v.parent_company, \
    v.registration_country, v.website, v.privacy_contact, v.kind, v.work_location, \
    v.purpose_category, v.purpose, v.transfer_mechanism, v.announced_on, v.effective_on, \
    v.removed_on, v.sub_processors";

/// A stored list of subprocessors (JSON).
pub fn sub_processors(json: &str) -> StoreResult<Vec<crate::domain::chain::SubProcessor>> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("sub_processors: {e}")))
}

/// Store a vendor's subprocessors if it is still at `version` (optimistic locking); whether
/// it was.
pub async fn set_sub_processors(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    version: i64,
    list: &[crate::domain::chain::SubProcessor],
) -> StoreResult<bool> {
    let json = row::sub_processors_json(list)?;
    let res = sqlx::query(
        "UPDATE vendors SET sub_processors = $1, version = version + 1, updated_at = $2 \
         WHERE id = $3 AND version = $4",
    )
    .bind(json)
    .bind(super::now_utc())
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// The items of a list column of [`SCOPE_LISTS`] joined with " ".
pub fn words(list: Option<&str>) -> Vec<String> {
    list.unwrap_or("")
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

pub(super) fn day(s: Option<&str>) -> StoreResult<Option<NaiveDate>> {
    s.map(|s| {
        s.parse()
            .map_err(|e| StoreError::Corrupt(format!("bad date {s:?}: {e}")))
    })
    .transpose()
}

/// One vendor as the public registry and the internal pages read it: its fields, its status
/// on the day asked for, its scope and its evidence. Read by column name, or, by the SQLite
/// export, from one JSON array of every field in this order (`export::PACKED_ROW`).
#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub struct VendorRow {
    pub id: i64,
    pub version: i64,
    pub slug: String,
    pub legal_name: String,
    pub trading_name: Option<String>,
    pub parent_company: Option<String>,
    pub registration_country: String,
    pub website: Option<String>,
    pub privacy_contact: Option<String>,
    pub kind: String,
    pub work_location: String,
    pub purpose_category: String,
    pub purpose: String,
    pub transfer_mechanism: String,
    pub announced_on: Option<String>,
    pub effective_on: Option<String>,
    pub removed_on: Option<String>,
    /// The vendor's subprocessors, JSON (see `domain::chain`).
    pub sub_processors: String,
    pub status: String,
    pub services: Option<String>,
    pub service_names: Option<String>,
    pub countries: Option<String>,
    pub categories: Option<String>,
    #[sqlx(flatten)]
    pub evidence: PackedEvidence,
    /// The stored public assurance for the day asked for (`store::assurance`, JSON), when it
    /// holds on that day: only the public lists read it, and their evidence columns are then
    /// left unread (NULL), so [`VendorRow::evidence`] refuses such a row.
    #[sqlx(default)]
    pub stored_assurance: Option<String>,
    /// When the vendor's announced wider scope takes effect, if that is after the day asked
    /// for (the public lists only).
    #[sqlx(default)]
    #[serde(default)]
    pub scope_effective_on: Option<String>,
}

impl VendorRow {
    /// Service names, as customers read them.
    pub fn service_list(&self) -> Vec<String> {
        self.service_names
            .as_deref()
            .map(|s| s.split("; ").map(str::to_string).collect())
            .unwrap_or_default()
    }
    pub fn country_list(&self) -> Vec<String> {
        words(self.countries.as_deref())
    }
    pub fn category_list(&self) -> Vec<String> {
        words(self.categories.as_deref())
    }
    pub fn status(&self) -> StoreResult<Status> {
        Status::parse(&self.status).map_err(|e| StoreError::Corrupt(e.0))
    }
    pub fn scope_effective_on(&self) -> StoreResult<Option<NaiveDate>> {
        day(self.scope_effective_on.as_deref())
    }
    pub fn lifecycle(&self) -> StoreResult<Lifecycle> {
        Ok(Lifecycle {
            announced_on: day(self.announced_on.as_deref())?,
            effective_on: day(self.effective_on.as_deref())?,
            removed_on: day(self.removed_on.as_deref())?,
        })
    }

    /// Everything the compliance rules read about this vendor, from its row alone.
    pub fn evidence(&self) -> StoreResult<Evidence> {
        self.evidence_with_keys().map(|(e, _)| e)
    }

    /// The evidence and the stored keys of its records (for editing forms).
    pub fn evidence_with_keys(&self) -> StoreResult<(Evidence, EvidenceKeys)> {
        if self.stored_assurance.is_some() {
            return Err(StoreError::Corrupt(format!(
                "vendor {}: its evidence was not read (its stored assurance was)",
                self.slug
            )));
        }
        let records = self.evidence.unpack()?;
        let categories = self
            .category_list()
            .iter()
            .map(|c| DataCategory::parse(c).map_err(|e| StoreError::Corrupt(e.0)))
            .collect::<StoreResult<_>>()?;
        let e = Evidence {
            lifecycle: self.lifecycle()?,
            work_location: WorkLocation::parse(&self.work_location).ok(),
            categories,
            enrollments: records.enrollments,
            attestations: records.attestations,
            assessments: records.assessments,
            contracts: records.contracts,
            training: records.training,
            sub_processors: sub_processors(&self.sub_processors)?.len(),
        };
        Ok((e, records.keys))
    }
}

/// A `WHERE` clause and its bind values (all text), built from a filter. `$1` is always the day.
struct Where {
    sql: String,
    binds: Vec<String>,
}

impl Where {
    fn new(day: NaiveDate) -> Self {
        Where {
            sql: String::from("1 = 1"),
            binds: vec![day.to_string()],
        }
    }

    /// Append `AND <clause>` where `clause` holds `{}` for a list of fresh placeholders.
    fn and_in(&mut self, clause: &str, values: impl IntoIterator<Item = String>) {
        let start = self.binds.len() + 1;
        self.binds.extend(values);
        let marks: Vec<String> = (start..=self.binds.len())
            .map(|i| format!("${i}"))
            .collect();
        self.sql.push_str(" AND ");
        self.sql.push_str(&clause.replace("{}", &marks.join(", ")));
    }

    fn for_filter(filter: &RegistryFilter, day: NaiveDate, backend: Backend) -> Self {
        let mut w = Where::new(day);
        w.and_in(
            &format!("({STATUS_SQL}) IN ({{}})"),
            filter
                .effective_statuses()
                .iter()
                .map(|s| s.code().to_string()),
        );
        if let Some(q) = &filter.q {
            // SQLite: the trigram index (migration 0014) narrows to the vendors holding every
            // three-letter piece of `q`; the LIKE below decides. PostgreSQL's trigram index
            // serves the LIKE itself.
            if backend == Backend::Sqlite && q.chars().count() >= 3 {
                w.and_in(
                    "v.id IN (SELECT rowid FROM vendor_search WHERE vendor_search MATCH {})",
                    [fts_phrase(q)],
                );
            }
            w.and_in(
                "v.search_text LIKE {} ESCAPE '\\'",
                [format!("%{}%", escape_like(q))],
            );
        }
        // the link filters as `v.id IN (subquery)`: SQLite then starts from the link table's
        // index (a few thousand rows) instead of probing it for every vendor
        if !filter.services.is_empty() {
            w.and_in(
                "v.id IN (SELECT vs.vendor_id FROM vendor_services vs \
                 JOIN services s ON s.id = vs.service_id WHERE s.slug IN ({}))",
                filter.services.iter().map(|s| s.as_str().to_string()),
            );
        }
        if !filter.countries.is_empty() {
            w.and_in(
                "v.id IN (SELECT vc.vendor_id FROM vendor_countries vc \
                 WHERE vc.country_code IN ({}))",
                filter.countries.iter().map(|c| c.as_str().to_string()),
            );
        }
        if !filter.categories.is_empty() {
            w.and_in(
                "v.id IN (SELECT vd.vendor_id FROM vendor_data_categories vd \
                 WHERE vd.category_code IN ({}))",
                filter.categories.iter().map(|c| c.code().to_string()),
            );
        }
        w
    }

    fn bind_all<'q, O>(
        &self,
        mut q: sqlx::query::QueryAs<'q, Any, O, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::QueryAs<'q, Any, O, sqlx::any::AnyArguments<'q>> {
        for b in &self.binds {
            q = q.bind(b.clone());
        }
        q
    }
}

/// `s` as one FTS5 phrase: every character literal (a `"` doubled).
fn fts_phrase(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

fn select_sql(where_sql: &str, tail: &str) -> String {
    select_sql_with("", where_sql, tail)
}

/// The vendor query with `extra` columns after the row's own (empty: none).
pub(in crate::store) fn select_sql_with(extra: &str, where_sql: &str, tail: &str) -> String {
    let comma = if extra.is_empty() { "" } else { ", " };
    format!(
        "SELECT {FIELDS}, {STATUS_SQL} AS status, {SCOPE_LISTS}, {evidence}{comma}{extra} \
         FROM vendors v WHERE {where_sql} {tail}",
        evidence = evidence::evidence_columns_sql()
    )
}

/// A vendor's stored assurance (`va`, see `store::assurance`) holds on the day bound as `$1`:
/// computed, unchanged since, for that day or an earlier one, and not past its steady day
/// (the negation of that module's `STALE` for a computed row).
const HOLDS: &str = "va.stale = 0 AND va.assurance IS NOT NULL AND va.computed_on <= $1 \
    AND (va.steady_until IS NULL OR va.steady_until > $1)";

/// The vendor query of the public lists and exports: a vendor whose stored assurance holds
/// on the day (`$1`) comes with it and without its evidence, any other with its evidence;
/// with the day its announced wider scope takes effect, when that is after `$1` (the
/// upcoming scope changes are few: read once through the kind index, not per vendor).
fn select_public_sql(where_sql: &str, tail: &str) -> String {
    format!(
        "SELECT {FIELDS}, {STATUS_SQL} AS status, NULL AS services, {scope}, {evidence}, \
         va.assurance AS stored_assurance, up.upcoming AS scope_effective_on \
         FROM vendors v LEFT JOIN vendor_assurance va ON va.vendor_id = v.id AND {holds} \
         LEFT JOIN (SELECT vendor_id, MAX(effective_on) AS upcoming FROM change_events \
         WHERE kind = 'scope_changed' AND effective_on > $1 GROUP BY vendor_id) up \
         ON up.vendor_id = v.id \
         WHERE {where_sql} {tail}",
        scope = public_scope_lists(),
        evidence = evidence::evidence_columns_sql_unless(Some("va.vendor_id IS NOT NULL")),
        holds = HOLDS,
    )
}

const ORDER: &str = "ORDER BY v.legal_name, v.id";

/// One page (`(limit, offset)`, or every row) of the public registry, and the total number of
/// matching vendors. `standings` (codes; empty: any) filters on the stored compliance
/// (`store::assurance`), which the caller has brought up to `day`.
pub async fn list_public(
    db: &Db,
    filter: &RegistryFilter,
    day: NaiveDate,
    page: Option<(u32, u64)>,
    standings: &[&str],
) -> StoreResult<(Vec<VendorRow>, i64)> {
    let mut w = Where::for_filter(filter, day, db.backend);
    if !standings.is_empty() {
        // the stored standing (`store::assurance`)
        w.and_in(
            "v.id IN (SELECT va.vendor_id FROM vendor_assurance va WHERE va.standing IN ({}))",
            standings.iter().map(|s| s.to_string()),
        );
    }
    let sql = match page {
        // Pick the page's ids first, so the per-vendor subqueries run for that page only
        // (SQLite would otherwise compute them for every match before sorting).
        Some((limit, offset)) => select_public_sql(
            &format!(
                "v.id IN (SELECT v.id FROM vendors v WHERE {} {ORDER} LIMIT {limit} OFFSET {offset})",
                w.sql
            ),
            ORDER,
        ),
        None => select_public_sql(&w.sql, ORDER),
    };
    let rows = w
        .bind_all(sqlx::query_as::<Any, VendorRow>(&sql))
        .fetch_all(&db.pool);
    let count_sql = format!("SELECT COUNT(*) FROM vendors v WHERE {}", w.sql);
    let mut c = sqlx::query_scalar::<Any, i64>(&count_sql);
    for b in &w.binds {
        c = c.bind(b.clone());
    }
    // the page and its count on two connections at once: at 100,000 vendors each is a few
    // milliseconds of reading, and a visitor waits for the slower one only
    let (rows, total) = futures::try_join!(rows, c.fetch_one(&db.pool))?;
    Ok((rows, total))
}

/// A public vendor by slug (announced, active or removed on `day`).
pub async fn get_public(db: &Db, slug: &Slug, day: NaiveDate) -> StoreResult<Option<VendorRow>> {
    let row = get_any(&db.pool, slug, day).await?;
    Ok(row.filter(|r| r.status().is_ok_and(|s| Status::PUBLIC.contains(&s))))
}

/// A vendor by slug whatever its status (internal views), on the pool or in a transaction.
pub async fn get_any<'c, E>(e: E, slug: &Slug, day: NaiveDate) -> StoreResult<Option<VendorRow>>
where
    E: sqlx::Executor<'c, Database = Any>,
{
    let mut w = Where::new(day);
    w.and_in("v.slug = {}", [slug.as_str().to_string()]);
    let sql = select_sql(&w.sql, "");
    Ok(w.bind_all(sqlx::query_as::<Any, VendorRow>(&sql))
        .fetch_optional(e)
        .await?)
}

/// Every vendor whatever its status, with its evidence (the managers' dashboard).
pub async fn list_all(db: &Db, day: NaiveDate) -> StoreResult<Vec<VendorRow>> {
    let sql = select_sql("1 = 1 OR $1 = ''", ORDER);
    Ok(sqlx::query_as::<Any, VendorRow>(&sql)
        .bind(day.to_string())
        .fetch_all(&db.pool)
        .await?)
}

/// The next `limit` vendors after id `after` (in id order) whatever their status, with their
/// evidence: a pass over every vendor a round at a time (the managers' digest).
pub async fn list_all_after(
    db: &Db,
    day: NaiveDate,
    after: i64,
    limit: u32,
) -> StoreResult<Vec<VendorRow>> {
    let sql = select_sql("v.id > $2", &format!("ORDER BY v.id LIMIT {limit}"));
    Ok(sqlx::query_as::<Any, VendorRow>(&sql)
        .bind(day.to_string())
        .bind(after)
        .fetch_all(&db.pool)
        .await?)
}

/// Processing countries of vendors that are public on `day`, for the country filter.
pub async fn public_countries(db: &Db, day: NaiveDate) -> StoreResult<Vec<String>> {
    // each country in the index once, then the first public vendor there: ~10 ms at
    // 100,000 vendors where joining every link first took ~300 ms
    let sql = "SELECT c.code FROM (SELECT DISTINCT country_code AS code FROM vendor_countries) c \
               WHERE EXISTS (SELECT 1 FROM vendor_countries vc JOIN vendors v ON v.id = vc.vendor_id \
                 WHERE vc.country_code = c.code AND v.announced_on IS NOT NULL AND v.announced_on <= $1) \
               ORDER BY c.code";
    Ok(sqlx::query_scalar::<Any, String>(sql)
        .bind(day.to_string())
        .fetch_all(&db.pool)
        .await?)
}

/// The registry's version (migration 0015): it moves with every committed change to what the
/// registry page shows, so a page's data kept under it is good while it is unchanged.
pub async fn registry_version(db: &Db) -> StoreResult<i64> {
    Ok(
        sqlx::query_scalar::<Any, i64>("SELECT n FROM registry_version WHERE id = 1")
            .fetch_one(&db.pool)
            .await?,
    )
}

/// How many vendors exist at all (any status).
pub async fn count_all(db: &Db) -> StoreResult<i64> {
    Ok(
        sqlx::query_scalar::<Any, i64>("SELECT COUNT(*) FROM vendors")
            .fetch_one(&db.pool)
            .await?,
    )
}

/// When the registry's data last changed (RFC 3339), for `Last-Modified`: the newest vendor
/// update, evidence record or audit row.
pub async fn last_change(db: &Db) -> StoreResult<Option<String>> {
    Ok(sqlx::query_scalar::<Any, Option<String>>(
        "SELECT MAX(t) FROM (\
           SELECT MAX(updated_at) AS t FROM vendors \
           UNION ALL SELECT MAX(occurred_at) FROM audit_log \
           UNION ALL SELECT MAX(created_at) FROM vpap_enrollments \
           UNION ALL SELECT MAX(created_at) FROM attestations \
           UNION ALL SELECT MAX(created_at) FROM assessments \
           UNION ALL SELECT MAX(created_at) FROM training_records \
           UNION ALL SELECT MAX(created_at) FROM contracts) AS changes",
    )
    .fetch_one(&db.pool)
    .await?)
}

#[cfg(test)]
mod tests;
