//! Editing vendors: reading the editing row (`super::row`), inserting and updating a vendor
//! with its links. Updates check the row's version (optimistic locking) and
//! run in the caller's transaction, beside their audit row.

use std::collections::HashMap;

use sqlx::{Any, AnyConnection, FromRow, Row};

use super::{
    row::{date, VendorEditRow},
    FIELDS, SCOPE_LISTS,
};
use crate::{
    domain::vendor::NewVendor,
    store::{backend_of, now_utc, Backend, StoreError, StoreResult},
};

fn edit_select(where_sql: &str) -> String {
    format!("SELECT {FIELDS}, {SCOPE_LISTS} FROM vendors v WHERE {where_sql}")
}

/// A vendor's editing row by slug.
pub async fn edit_row(conn: &mut AnyConnection, slug: &str) -> StoreResult<Option<VendorEditRow>> {
    Ok(
        sqlx::query_as::<Any, VendorEditRow>(&edit_select("v.slug = $1"))
            .bind(slug.to_string())
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// The editing rows of the vendors with these slugs (those that exist), by slug: a few
/// hundred slugs per query, for an import that would otherwise read them one by one.
pub async fn edit_rows(
    conn: &mut AnyConnection,
    slugs: &[String],
) -> StoreResult<HashMap<String, VendorEditRow>> {
    const PER_QUERY: usize = 500;
    let mut rows = HashMap::new();
    for chunk in slugs.chunks(PER_QUERY) {
        let marks = (1..=chunk.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = edit_select(&format!("v.slug IN ({marks})"));
        let mut q = sqlx::query_as::<Any, VendorEditRow>(&sql);
        for slug in chunk {
            q = q.bind(slug.clone());
        }
        for row in q.fetch_all(&mut *conn).await? {
            rows.insert(row.slug.clone(), row);
        }
    }
    Ok(rows)
}

/// Announced vendors that have no change event yet (data from before change events existed).
pub async fn announced_without_history(
    conn: &mut AnyConnection,
) -> StoreResult<Vec<VendorEditRow>> {
    Ok(sqlx::query_as::<Any, VendorEditRow>(&edit_select(
        "v.announced_on IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM change_events c WHERE c.vendor_id = v.id) ORDER BY v.id",
    ))
    .fetch_all(&mut *conn)
    .await?)
}

/// Insert a vendor and its links on an open connection or transaction; returns its id.
pub async fn insert_vendor(conn: &mut AnyConnection, v: &NewVendor) -> StoreResult<i64> {
    Ok(insert(conn, v, false).await?.0)
}

/// Insert a vendor and its links, and read back its editing row (what a save records as
/// "after"), in one round trip (which an import of thousands of rows feels): on PostgreSQL
/// one statement, on SQLite one string of statements its worker thread runs in turn.
pub async fn insert_vendor_row(
    conn: &mut AnyConnection,
    v: &NewVendor,
) -> StoreResult<VendorEditRow> {
    if backend_of(conn) == Backend::Sqlite {
        return insert_sqlite_row(conn, v).await;
    }
    match insert(conn, v, true).await? {
        (_, Some(row)) => Ok(row),
        (_, None) => edit_row(conn, v.slug.as_str())
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("vendor {} vanished", v.slug.as_str()))),
    }
}

/// SQLite's [`insert_vendor_row`]: the vendor, one statement per link table and the editing
/// row, as one string (sqlx binds `$n` by number in every statement of it). Each link
/// finds the vendor by its slug (`$1`, unique), as the read at the end does.
async fn insert_sqlite_row(conn: &mut AnyConnection, v: &NewVendor) -> StoreResult<VendorEditRow> {
    let services: Vec<String> = v.services.iter().map(|s| s.as_str().to_string()).collect();
    let (ns, nc) = (services.len(), v.countries.len());
    let marks = |from: usize, n: usize| {
        (from..from + n)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let rows = |from: usize, n: usize| {
        (from..from + n)
            .map(|i| format!("((SELECT id FROM vendors WHERE slug = $1), ${i})"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut sql = format!("{INSERT_VENDOR};");
    if ns > 0 {
        sql += &format!(
            " INSERT INTO vendor_services (vendor_id, service_id) SELECT v.id, s.id \
             FROM vendors v, services s WHERE v.slug = $1 AND s.slug IN ({});",
            marks(18, ns)
        );
    }
    if nc > 0 {
        sql += &format!(
            " INSERT INTO vendor_countries (vendor_id, country_code) VALUES {};",
            rows(18 + ns, nc)
        );
    }
    if !v.categories.is_empty() {
        sql += &format!(
            " INSERT INTO vendor_data_categories (vendor_id, category_code) VALUES {};",
            rows(18 + ns + nc, v.categories.len())
        );
    }
    sql += &format!(
        " SELECT {FIELDS}, {SCOPE_LISTS}, (SELECT count(*) FROM vendor_services vs \
         WHERE vs.vendor_id = v.id) AS linked FROM vendors v WHERE v.slug = $1"
    );
    let q = bind_fields(sqlx::query(&sql).bind(v.slug.as_str().to_string()), v).bind(now_utc());
    let q = bind_links(q, &services, v);
    // every statement runs (fetch_all reads to the end); the editing row is the only row
    let found = q
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| StoreError::taken_as(e, "slug"))?;
    let row = found
        .last()
        .ok_or_else(|| StoreError::Corrupt(format!("vendor {} vanished", v.slug.as_str())))?;
    check_services_linked(row.try_get("linked")?, &services)?;
    Ok(VendorEditRow::from_row(row)?)
}

/// The vendor's own columns as an insert returns them (the names of [`FIELDS`]).
const RETURNED: &str = "id, version, slug, legal_name, trading_name, parent_company, \
    registration_country, website, privacy_contact, kind, work_location, purpose_category, \
    purpose, transfer_mechanism, announced_on, effective_on, removed_on, sub_processors";

/// The insert: its id, and on PostgreSQL when `with_row` the editing row read back by the
/// same statement.
async fn insert(
    conn: &mut AnyConnection,
    v: &NewVendor,
    with_row: bool,
) -> StoreResult<(i64, Option<VendorEditRow>)> {
    let now = now_utc();
    let services: Vec<String> = v.services.iter().map(|s| s.as_str().to_string()).collect();
    let postgres = backend_of(conn) == Backend::Postgres;
    let sql = if postgres {
        // after the vendor's 17: services, then countries, then categories
        let marks = |from: usize, n: usize, each: &dyn Fn(usize) -> String| {
            (from..from + n).map(each).collect::<Vec<_>>().join(", ")
        };
        let (ns, nc, nd) = (services.len(), v.countries.len(), v.categories.len());
        let countries = marks(18 + ns, nc, &|i| format!("(${i}::text)"));
        let categories = marks(18 + ns + nc, nd, &|i| format!("(${i}::text)"));
        let mut sql = format!("WITH v AS ({INSERT_VENDOR} RETURNING {RETURNED})");
        if ns > 0 {
            sql += &format!(
                ", s AS (INSERT INTO vendor_services (vendor_id, service_id) \
                 SELECT v.id, s.id FROM v, services s WHERE s.slug IN ({}) \
                 RETURNING service_id)",
                marks(18, ns, &|i| format!("${i}"))
            );
        }
        if nc > 0 {
            sql += &format!(
                ", c AS (INSERT INTO vendor_countries (vendor_id, country_code) \
                 SELECT v.id, l.x FROM v, (VALUES {countries}) AS l(x))"
            );
        }
        if nd > 0 {
            sql += &format!(
                ", d AS (INSERT INTO vendor_data_categories (vendor_id, category_code) \
                 SELECT v.id, l.x FROM v, (VALUES {categories}) AS l(x))"
            );
        }
        let null = "CAST(NULL AS TEXT)".to_string();
        // the lists as the editing row's subqueries aggregate them (same order, same NULL)
        let listed = |n: usize, values: &str| {
            if n == 0 {
                null.clone()
            } else {
                format!("(SELECT string_agg(l.x, ' ' ORDER BY l.x) FROM (VALUES {values}) AS l(x))")
            }
        };
        let (linked, service_slugs) = if ns > 0 {
            (
                "(SELECT count(*) FROM s)".to_string(),
                "(SELECT string_agg(sv.slug, ' ' ORDER BY sv.slug) FROM s \
                 JOIN services sv ON sv.id = s.service_id)"
                    .to_string(),
            )
        } else {
            ("CAST(0 AS BIGINT)".to_string(), null.clone())
        };
        if with_row {
            sql + &format!(
                " SELECT {FIELDS}, {service_slugs} AS services, {} AS countries, \
                 {} AS categories, {linked} AS linked FROM v",
                listed(nc, &countries),
                listed(nd, &categories)
            )
        } else {
            sql + &format!(" SELECT v.id AS id, {linked} AS linked FROM v")
        }
    } else {
        format!("{INSERT_VENDOR} RETURNING id AS id, CAST(0 AS BIGINT) AS linked")
    };
    let mut q = bind_fields(sqlx::query(&sql).bind(v.slug.as_str().to_string()), v).bind(now);
    if postgres {
        q = bind_links(q, &services, v);
    }
    let row = q
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| StoreError::taken_as(e, "slug"))?;
    let id: i64 = row.try_get("id")?;
    if !postgres {
        insert_links(conn, id, v).await?;
        return Ok((id, None));
    }
    check_services_linked(row.try_get("linked")?, &services)?;
    let edit = if with_row {
        Some(VendorEditRow::from_row(&row)?)
    } else {
        None
    };
    Ok((id, edit))
}

const INSERT_VENDOR: &str = "INSERT INTO vendors (slug, legal_name, trading_name, \
    parent_company, registration_country, website, privacy_contact, kind, work_location, \
    purpose_category, purpose, transfer_mechanism, announced_on, effective_on, removed_on, \
    search_text, version, created_at, updated_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1, $17, $17)";

/// Bind a vendor's own fields, `legal_name` to `search_text`, in the order the insert and the
/// update name them.
fn bind_fields<'q>(
    q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    v: &NewVendor,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    q.bind(v.legal_name.clone())
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
        .bind(v.search_text())
}

/// Bind a new vendor's links after its fields and timestamp, in the order both inserts number
/// them: its services (slugs), then its processing countries, then its data categories.
fn bind_links<'q>(
    mut q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    services: &[String],
    v: &NewVendor,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    for s in services {
        q = q.bind(s.clone());
    }
    for c in &v.countries {
        q = q.bind(c.as_str().to_string());
    }
    for c in &v.categories {
        q = q.bind(c.code());
    }
    q
}

/// Every service a vendor names exists (the form checked them against the list; a service
/// removed meanwhile is a store error, not a silent drop).
fn check_services_linked(linked: i64, services: &[String]) -> StoreResult<()> {
    let mut wanted = services.to_vec();
    wanted.sort();
    wanted.dedup();
    if usize::try_from(linked).ok() != Some(wanted.len()) {
        return Err(StoreError::Corrupt(format!(
            "not every service of {wanted:?} exists"
        )));
    }
    Ok(())
}

/// `($1, $2), ($1, $3), ...`: `n` rows of `$1` and one more value each.
fn rows_after_first(n: usize) -> String {
    (2..n + 2)
        .map(|i| format!("($1, ${i})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Link a vendor to its services (by slug), processing countries and data categories: one
/// statement per table.
async fn insert_links(conn: &mut AnyConnection, id: i64, v: &NewVendor) -> StoreResult<()> {
    if !v.services.is_empty() {
        let services: Vec<String> = v.services.iter().map(|s| s.as_str().to_string()).collect();
        let marks = (2..services.len() + 2)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO vendor_services (vendor_id, service_id) \
             SELECT $1, id FROM services WHERE slug IN ({marks})"
        );
        let mut q = sqlx::query(&sql).bind(id);
        for s in &services {
            q = q.bind(s.clone());
        }
        let linked = q.execute(&mut *conn).await?.rows_affected();
        check_services_linked(i64::try_from(linked).unwrap_or(-1), &services)?;
    }
    if !v.countries.is_empty() {
        let sql = format!(
            "INSERT INTO vendor_countries (vendor_id, country_code) VALUES {}",
            rows_after_first(v.countries.len())
        );
        let mut q = sqlx::query(&sql).bind(id);
        for c in &v.countries {
            q = q.bind(c.as_str().to_string());
        }
        q.execute(&mut *conn).await?;
    }
    if !v.categories.is_empty() {
        let sql = format!(
            "INSERT INTO vendor_data_categories (vendor_id, category_code) VALUES {}",
            rows_after_first(v.categories.len())
        );
        let mut q = sqlx::query(&sql).bind(id);
        for c in &v.categories {
            q = q.bind(c.code());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Replace a vendor's fields and links if it is still at `version`; returns whether it was.
pub async fn update_vendor(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    v: &NewVendor,
) -> StoreResult<bool> {
    let update = sqlx::query(
        "UPDATE vendors SET legal_name = $1, trading_name = $2, parent_company = $3, \
         registration_country = $4, website = $5, privacy_contact = $6, kind = $7, \
         work_location = $8, purpose_category = $9, purpose = $10, transfer_mechanism = $11, \
         announced_on = $12, effective_on = $13, removed_on = $14, search_text = $15, \
         version = version + 1, updated_at = $16 WHERE id = $17 AND version = $18",
    );
    let res = bind_fields(update, v)
        .bind(now_utc())
        .bind(id)
        .bind(version)
        .execute(&mut *conn)
        .await?;
    if res.rows_affected() != 1 {
        return Ok(false);
    }
    for table in [
        "vendor_services",
        "vendor_countries",
        "vendor_data_categories",
    ] {
        sqlx::query(&format!("DELETE FROM {table} WHERE vendor_id = $1"))
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    insert_links(conn, id, v).await?;
    Ok(true)
}

/// The vendors on the registry's list, today's or announced for later (announced, not
/// removed): (slug, legal name), by name. A whole-list import removes those its file lacks.
pub async fn listed(conn: &mut AnyConnection) -> StoreResult<Vec<(String, String)>> {
    Ok(sqlx::query_as::<Any, (String, String)>(
        "SELECT slug, legal_name FROM vendors WHERE announced_on IS NOT NULL \
         AND removed_on IS NULL ORDER BY legal_name, id",
    )
    .fetch_all(conn)
    .await?)
}
