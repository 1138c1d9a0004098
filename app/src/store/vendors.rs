//! Vendors (subprocessors) and their links to services, countries and data categories.

use chrono::NaiveDate;
use sqlx::{Any, AnyConnection, FromRow};

use super::{assurance::PackedEvidence, now_utc, Db, StoreError, StoreResult};
use crate::domain::{
    vendor::{PurposeCategory, TransferMechanism, VendorKind, WorkLocation},
    CountryCode, DataCategory, Lifecycle, RegistryFilter, Slug, Status,
};

/// SQL twin of [`Lifecycle::status_on`], with the day bound as `$1`.
pub const STATUS_SQL: &str = "CASE \
    WHEN v.announced_on IS NULL OR v.announced_on > $1 THEN 'proposed' \
    WHEN v.removed_on IS NOT NULL AND v.removed_on <= $1 THEN 'removed' \
    WHEN v.effective_on IS NOT NULL AND v.effective_on <= $1 THEN 'active' \
    ELSE 'announced' END";

/// One vendor as the public registry shows it, multi-valued fields joined with "; ".
#[derive(Debug, Clone, FromRow)]
pub struct VendorRow {
    pub id: i64,
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
    pub status: String,
    pub services: Option<String>,
    pub countries: Option<String>,
    pub categories: Option<String>,
    #[sqlx(flatten)]
    pub evidence: PackedEvidence,
}

impl VendorRow {
    pub fn service_list(&self) -> Vec<String> {
        split_joined(self.services.as_deref())
    }
    pub fn country_list(&self) -> Vec<String> {
        split_joined(self.countries.as_deref())
    }
    pub fn category_list(&self) -> Vec<String> {
        split_joined(self.categories.as_deref())
    }
    pub fn status(&self) -> StoreResult<Status> {
        Status::parse(&self.status).map_err(|e| StoreError::Corrupt(e.0))
    }
}

fn split_joined(s: Option<&str>) -> Vec<String> {
    s.map(|s| s.split("; ").map(str::to_string).collect())
        .unwrap_or_default()
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

    fn for_filter(filter: &RegistryFilter, day: NaiveDate) -> Self {
        let mut w = Where::new(day);
        w.and_in(
            &format!("({STATUS_SQL}) IN ({{}})"),
            filter
                .effective_statuses()
                .iter()
                .map(|s| s.code().to_string()),
        );
        if let Some(q) = &filter.q {
            w.and_in(
                "v.search_text LIKE {} ESCAPE '\\'",
                [format!("%{}%", escape_like(q))],
            );
        }
        if !filter.services.is_empty() {
            w.and_in(
                "EXISTS (SELECT 1 FROM vendor_services vs JOIN services s ON s.id = vs.service_id \
                 WHERE vs.vendor_id = v.id AND s.slug IN ({}))",
                filter.services.iter().map(|s| s.as_str().to_string()),
            );
        }
        if !filter.countries.is_empty() {
            w.and_in(
                "EXISTS (SELECT 1 FROM vendor_countries vc \
                 WHERE vc.vendor_id = v.id AND vc.country_code IN ({}))",
                filter.countries.iter().map(|c| c.as_str().to_string()),
            );
        }
        if !filter.categories.is_empty() {
            w.and_in(
                "EXISTS (SELECT 1 FROM vendor_data_categories vd \
                 WHERE vd.vendor_id = v.id AND vd.category_code IN ({}))",
                filter.categories.iter().map(|c| c.code().to_string()),
            );
        }
        w
    }
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

fn select_sql(where_sql: &str, tail: &str) -> String {
    format!(
        "SELECT v.id, v.slug, v.legal_name, v.trading_name, v.parent_company, \
         v.registration_country, v.website, v.privacy_contact, v.kind, v.work_location, \
         v.purpose_category, v.purpose, v.transfer_mechanism, v.announced_on, v.effective_on, \
         v.removed_on, {STATUS_SQL} AS status, \
         (SELECT string_agg(s.name, '; ' ORDER BY s.name) FROM vendor_services vs \
            JOIN services s ON s.id = vs.service_id WHERE vs.vendor_id = v.id) AS services, \
         (SELECT string_agg(vc.country_code, '; ' ORDER BY vc.country_code) \
            FROM vendor_countries vc WHERE vc.vendor_id = v.id) AS countries, \
         (SELECT string_agg(vd.category_code, '; ' ORDER BY vd.category_code) \
            FROM vendor_data_categories vd WHERE vd.vendor_id = v.id) AS categories, \
         {evidence} \
         FROM vendors v WHERE {where_sql} {tail}",
        evidence = super::assurance::evidence_columns_sql()
    )
}

const ORDER: &str = "ORDER BY v.legal_name, v.id";

/// One page (`(limit, offset)`, or every row) of the public registry, and the total number of
/// matching vendors.
pub async fn list_public(
    db: &Db,
    filter: &RegistryFilter,
    day: NaiveDate,
    page: Option<(u32, u64)>,
) -> StoreResult<(Vec<VendorRow>, i64)> {
    let w = Where::for_filter(filter, day);
    let sql = match page {
        // Pick the page's ids first, so the per-vendor subqueries run for that page only
        // (SQLite would otherwise compute them for every match before sorting).
        Some((limit, offset)) => select_sql(
            &format!(
                "v.id IN (SELECT v.id FROM vendors v WHERE {} {ORDER} LIMIT {limit} OFFSET {offset})",
                w.sql
            ),
            ORDER,
        ),
        None => select_sql(&w.sql, ORDER),
    };
    let mut q = sqlx::query_as::<Any, VendorRow>(&sql);
    for b in &w.binds {
        q = q.bind(b.clone());
    }
    let rows = q.fetch_all(&db.pool).await?;
    let count_sql = format!("SELECT COUNT(*) FROM vendors v WHERE {}", w.sql);
    let mut c = sqlx::query_scalar::<Any, i64>(&count_sql);
    for b in &w.binds {
        c = c.bind(b.clone());
    }
    let total = c.fetch_one(&db.pool).await?;
    Ok((rows, total))
}

/// How long an export waits for a client that has stopped reading.
const EXPORT_STALL: std::time::Duration = std::time::Duration::from_secs(30);

/// Every public vendor matching `filter`, streamed in registry order through a bounded channel
/// so an export of any size holds only a few rows in memory.
pub fn stream_public(
    db: &Db,
    filter: &RegistryFilter,
    day: NaiveDate,
) -> tokio::sync::mpsc::Receiver<StoreResult<VendorRow>> {
    use futures::TryStreamExt;
    let (tx, rx) = tokio::sync::mpsc::channel(512);
    let w = Where::for_filter(filter, day);
    let sql = select_sql(&w.sql, ORDER);
    let pool = db.pool.clone();
    let exports = db.exports.clone();
    tokio::spawn(async move {
        // hold a connection only while an export slot is free
        let Ok(_slot) = exports.acquire_owned().await else {
            return;
        };
        let mut q = sqlx::query_as::<Any, VendorRow>(&sql);
        for b in w.binds {
            q = q.bind(b);
        }
        let mut rows = q.fetch(&pool);
        loop {
            let item = match rows.try_next().await {
                Ok(Some(row)) => Ok(row),
                Ok(None) => return,
                Err(e) => Err(e.into()),
            };
            let failed = item.is_err();
            // a client that stops reading must not keep the connection forever
            match tokio::time::timeout(EXPORT_STALL, tx.send(item)).await {
                Ok(Ok(())) if !failed => {}
                Ok(_) => return, // finished with an error, or the client went away
                Err(_) => {
                    tracing::warn!("export stopped: the client read nothing for {EXPORT_STALL:?}");
                    return;
                }
            }
        }
    });
    rx
}

/// A public vendor by slug (announced, active or removed on `day`).
pub async fn get_public(db: &Db, slug: &Slug, day: NaiveDate) -> StoreResult<Option<VendorRow>> {
    let row = get_any(db, slug, day).await?;
    Ok(row.filter(|r| r.status().is_ok_and(|s| Status::PUBLIC.contains(&s))))
}

/// A vendor by slug whatever its status (internal views).
pub async fn get_any(db: &Db, slug: &Slug, day: NaiveDate) -> StoreResult<Option<VendorRow>> {
    let mut w = Where::new(day);
    w.and_in("v.slug = {}", [slug.as_str().to_string()]);
    let sql = select_sql(&w.sql, "");
    let mut q = sqlx::query_as::<Any, VendorRow>(&sql);
    for b in &w.binds {
        q = q.bind(b.clone());
    }
    Ok(q.fetch_optional(&db.pool).await?)
}

/// Processing countries of vendors that are public on `day`, for the country filter.
pub async fn public_countries(db: &Db, day: NaiveDate) -> StoreResult<Vec<String>> {
    let sql = "SELECT DISTINCT vc.country_code FROM vendor_countries vc \
               JOIN vendors v ON v.id = vc.vendor_id \
               WHERE v.announced_on IS NOT NULL AND v.announced_on <= $1 \
               ORDER BY vc.country_code";
    Ok(sqlx::query_scalar::<Any, String>(sql)
        .bind(day.to_string())
        .fetch_all(&db.pool)
        .await?)
}

/// A validated vendor record ready to insert.
#[derive(Debug, Clone)]
pub struct NewVendor {
    pub slug: Slug,
    pub legal_name: String,
    pub trading_name: Option<String>,
    pub parent_company: Option<String>,
    pub registration_country: CountryCode,
    pub website: Option<String>,
    pub privacy_contact: Option<String>,
    pub kind: VendorKind,
    pub work_location: WorkLocation,
    pub purpose_category: PurposeCategory,
    pub purpose: String,
    pub transfer_mechanism: TransferMechanism,
    pub lifecycle: Lifecycle,
    pub service_ids: Vec<i64>,
    pub countries: Vec<CountryCode>,
    pub categories: Vec<DataCategory>,
}

/// Insert a vendor and its links on an open connection or transaction; returns its id.
pub async fn insert_vendor(conn: &mut AnyConnection, v: &NewVendor) -> StoreResult<i64> {
    let now = now_utc();
    let search_text = format!(
        "{} {}",
        v.legal_name.to_lowercase(),
        v.trading_name.as_deref().unwrap_or("").to_lowercase()
    );
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string());
    let id: i64 = sqlx::query_scalar::<Any, i64>(
        "INSERT INTO vendors (slug, legal_name, trading_name, parent_company, \
         registration_country, website, privacy_contact, kind, work_location, purpose_category, \
         purpose, transfer_mechanism, announced_on, effective_on, removed_on, search_text, \
         version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1, $17, $17) \
         RETURNING id",
    )
    .bind(v.slug.as_str().to_string())
    .bind(v.legal_name.clone())
    .bind(v.trading_name.clone())
    .bind(v.parent_company.clone())
    .bind(v.registration_country.as_str().to_string())
    .bind(v.website.clone())
    .bind(v.privacy_contact.clone())
    .bind(v.kind.code())
    .bind(v.work_location.code())
    .bind(v.purpose_category.code())
    .bind(v.purpose.clone())
    .bind(v.transfer_mechanism.code())
    .bind(date(v.lifecycle.announced_on))
    .bind(date(v.lifecycle.effective_on))
    .bind(date(v.lifecycle.removed_on))
    .bind(search_text)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    insert_links(conn, id, v).await?;
    Ok(id)
}

/// Link a vendor to its services, processing countries and data categories.
pub async fn insert_links(conn: &mut AnyConnection, id: i64, v: &NewVendor) -> StoreResult<()> {
    for sid in &v.service_ids {
        sqlx::query("INSERT INTO vendor_services (vendor_id, service_id) VALUES ($1, $2)")
            .bind(id)
            .bind(*sid)
            .execute(&mut *conn)
            .await?;
    }
    for c in &v.countries {
        sqlx::query("INSERT INTO vendor_countries (vendor_id, country_code) VALUES ($1, $2)")
            .bind(id)
            .bind(c.as_str().to_string())
            .execute(&mut *conn)
            .await?;
    }
    for c in &v.categories {
        sqlx::query(
            "INSERT INTO vendor_data_categories (vendor_id, category_code) VALUES ($1, $2)",
        )
        .bind(id)
        .bind(c.code())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// How many vendors exist at all (any status).
pub async fn count_all(db: &Db) -> StoreResult<i64> {
    Ok(
        sqlx::query_scalar::<Any, i64>("SELECT COUNT(*) FROM vendors")
            .fetch_one(&db.pool)
            .await?,
    )
}

/// Every vendor whatever its status, with its evidence (the managers' dashboard).
pub async fn list_all(db: &Db, day: NaiveDate) -> StoreResult<Vec<VendorRow>> {
    let sql = select_sql("1 = 1 OR $1 = ''", ORDER);
    Ok(sqlx::query_as::<Any, VendorRow>(&sql)
        .bind(day.to_string())
        .fetch_all(&db.pool)
        .await?)
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
