//! Our services, which vendors support.

use sqlx::{Any, AnyConnection, FromRow};

use super::{Db, StoreResult};

#[derive(Debug, Clone, FromRow)]
pub struct ServiceRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
}

pub async fn list_services(db: &Db) -> StoreResult<Vec<ServiceRow>> {
    Ok(
        sqlx::query_as::<Any, ServiceRow>("SELECT id, slug, name FROM services ORDER BY name")
            .fetch_all(&db.pool)
            .await?,
    )
}

/// Service names by slug.
pub async fn service_names(
    conn: &mut AnyConnection,
) -> StoreResult<std::collections::HashMap<String, String>> {
    Ok(
        sqlx::query_as::<Any, (String, String)>("SELECT slug, name FROM services")
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect(),
    )
}

/// Insert a service, or return the id of the one with this slug.
pub async fn upsert_service(
    conn: &mut AnyConnection,
    slug: &str,
    name: &str,
    description: &str,
) -> StoreResult<i64> {
    let existing = sqlx::query_scalar::<Any, i64>("SELECT id FROM services WHERE slug = $1")
        .bind(slug.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(id) = existing {
        return Ok(id);
    }
    Ok(sqlx::query_scalar::<Any, i64>(
        "INSERT INTO services (slug, name, description) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(slug.to_string())
    .bind(name.to_string())
    .bind(description.to_string())
    .fetch_one(&mut *conn)
    .await?)
}
