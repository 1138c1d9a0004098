//! Creating and editing vendors. Updates check the row's version (optimistic locking) and run
//! in the caller's transaction, beside their audit row.

use sqlx::{Any, AnyConnection, FromRow};

use super::{now_utc, vendors::NewVendor, StoreResult};

/// A vendor's stored fields as an editing form shows them (codes, not labels).
#[derive(Debug, Clone, FromRow)]
pub struct VendorEditRow {
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
    /// Service slugs, processing countries and data category codes, joined with " ".
    pub services: Option<String>,
    pub countries: Option<String>,
    pub categories: Option<String>,
}

/// A vendor `v`'s service slugs, processing countries and data category codes, each list
/// joined with " " (columns `services`, `countries`, `categories`).
pub const SCOPE_LISTS: &str = "\
    (SELECT string_agg(s.slug, ' ' ORDER BY s.slug) FROM vendor_services vs \
       JOIN services s ON s.id = vs.service_id WHERE vs.vendor_id = v.id) AS services, \
    (SELECT string_agg(vc.country_code, ' ' ORDER BY vc.country_code) \
       FROM vendor_countries vc WHERE vc.vendor_id = v.id) AS countries, \
    (SELECT string_agg(vd.category_code, ' ' ORDER BY vd.category_code) \
       FROM vendor_data_categories vd WHERE vd.vendor_id = v.id) AS categories";

/// The items of a list column of [`SCOPE_LISTS`].
pub fn words(list: Option<&str>) -> Vec<String> {
    list.unwrap_or("")
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

impl VendorEditRow {
    /// What customers see of this vendor's scope, service slugs given as names.
    pub fn public_scope(
        &self,
        service_names: &std::collections::HashMap<String, String>,
    ) -> crate::domain::changes::PublicScope {
        crate::domain::changes::PublicScope {
            legal_name: self.legal_name.clone(),
            purpose: self.purpose.clone(),
            services: words(self.services.as_deref())
                .into_iter()
                .map(|s| service_names.get(&s).cloned().unwrap_or(s))
                .collect(),
            countries: words(self.countries.as_deref()),
            categories: words(self.categories.as_deref()),
        }
        .normalized()
    }
}

pub async fn edit_row(conn: &mut AnyConnection, slug: &str) -> StoreResult<Option<VendorEditRow>> {
    Ok(sqlx::query_as::<Any, VendorEditRow>(&format!(
        "SELECT v.id, v.version, v.slug, v.legal_name, v.trading_name, v.parent_company, \
         v.registration_country, v.website, v.privacy_contact, v.kind, v.work_location, \
         v.purpose_category, v.purpose, v.transfer_mechanism, v.announced_on, v.effective_on, \
         v.removed_on, {SCOPE_LISTS} FROM vendors v WHERE v.slug = $1"
    ))
    .bind(slug.to_string())
    .fetch_optional(&mut *conn)
    .await?)
}

/// Service ids by slug (unknown slugs are left out; the caller checks the count).
pub async fn service_ids(conn: &mut AnyConnection, slugs: &[String]) -> StoreResult<Vec<i64>> {
    let mut ids = Vec::new();
    for slug in slugs {
        if let Some(id) = sqlx::query_scalar::<Any, i64>("SELECT id FROM services WHERE slug = $1")
            .bind(slug.clone())
            .fetch_optional(&mut *conn)
            .await?
        {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Replace a vendor's fields and links if it is still at `version`; returns whether it was.
pub async fn update_vendor(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    v: &NewVendor,
) -> StoreResult<bool> {
    let search_text = format!(
        "{} {}",
        v.legal_name.to_lowercase(),
        v.trading_name.as_deref().unwrap_or("").to_lowercase()
    );
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
    let res = sqlx::query(
        "UPDATE vendors SET legal_name = $1, trading_name = $2, parent_company = $3, \
         registration_country = $4, website = $5, privacy_contact = $6, kind = $7, \
         work_location = $8, purpose_category = $9, purpose = $10, transfer_mechanism = $11, \
         announced_on = $12, effective_on = $13, removed_on = $14, search_text = $15, \
         version = version + 1, updated_at = $16 WHERE id = $17 AND version = $18",
    )
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
    super::vendors::insert_links(conn, id, v).await?;
    Ok(true)
}
