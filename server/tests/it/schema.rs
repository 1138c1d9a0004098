//! The SQLite and PostgreSQL migrations describe one schema: the same tables, columns,
//! nullability, indexes (by name, table and columns) and append-only guards. Only the DDL
//! differs per database, so a migration written for one and forgotten for the other fails here.

use std::collections::BTreeSet;

use app::store::Db;
use sqlx::Any;

use crate::support::{fresh_db, Backend};

#[derive(Debug, Default, PartialEq, Eq)]
struct Schema {
    /// (table, column, not null)
    columns: BTreeSet<(String, String, bool)>,
    /// (index, table, columns in order)
    indexes: BTreeSet<(String, String, String)>,
    /// (table, statement refused): UPDATE and DELETE of append-only tables
    guards: BTreeSet<(String, String)>,
}

/// Tables the app owns (not the migration bookkeeping or the databases' own).
fn ours(table: &str) -> bool {
    !table.starts_with("_sqlx") && !table.starts_with("sqlite_") && !search_index(table)
}

/// The one part written differently on purpose (migration 0014): the search's trigram index
/// is an FTS5 table on SQLite (`vendor_search` and its `vendor_search_*` shadow tables) and a
/// pg_trgm index on PostgreSQL. `store::*_search_finds_exactly_the_names_holding_the_text` tests what both find.
fn search_index(name: &str) -> bool {
    name == "vendor_search" || name.starts_with("vendor_search_") || name == "vendors_search_trgm"
}

async fn sqlite_schema(db: &Db) -> Schema {
    let mut s = Schema::default();
    let tables: Vec<String> = sqlx::query_scalar::<Any, String>(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
    )
    .fetch_all(&db.pool)
    .await
    .expect("tables");
    for t in tables.into_iter().filter(|t| ours(t)) {
        let cols = sqlx::query_as::<Any, (String, i64, i64)>(&format!(
            "SELECT name, \"notnull\", pk FROM pragma_table_info('{t}')"
        ))
        .fetch_all(&db.pool)
        .await
        .expect("columns");
        for (name, not_null, pk) in cols {
            // a primary key column is never null, whatever the pragma says of rowid aliases
            s.columns
                .insert((t.clone(), name, not_null != 0 || pk != 0));
        }
    }
    let indexes = sqlx::query_as::<Any, (String, String)>(
        "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
    )
    .fetch_all(&db.pool)
    .await
    .expect("indexes");
    for (name, table) in indexes.into_iter().filter(|(_, t)| ours(t)) {
        let cols: Vec<String> = sqlx::query_scalar::<Any, String>(&format!(
            "SELECT name FROM pragma_index_info('{name}') ORDER BY seqno"
        ))
        .fetch_all(&db.pool)
        .await
        .expect("index columns");
        s.indexes.insert((name, table, cols.join(",")));
    }
    let triggers = sqlx::query_as::<Any, (String, String)>(
        "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'",
    )
    .fetch_all(&db.pool)
    .await
    .expect("triggers");
    for (table, sql) in triggers {
        let sql = sql.to_uppercase();
        for event in ["UPDATE", "DELETE"] {
            if sql.contains(&format!("BEFORE {event} ON")) && sql.contains("RAISE(ABORT") {
                s.guards.insert((table.clone(), event.to_string()));
            }
        }
    }
    s
}

async fn postgres_schema(db: &Db) -> Schema {
    let mut s = Schema::default();
    let cols = sqlx::query_as::<Any, (String, String, String)>(
        "SELECT table_name::text, column_name::text, is_nullable::text \
         FROM information_schema.columns WHERE table_schema = 'public'",
    )
    .fetch_all(&db.pool)
    .await
    .expect("columns");
    for (table, column, nullable) in cols.into_iter().filter(|(t, _, _)| ours(t)) {
        s.columns.insert((table, column, nullable == "NO"));
    }
    // indexes made with CREATE INDEX (those of primary keys and UNIQUE constraints are the
    // database's own, as SQLite's autoindexes are)
    let indexes = sqlx::query_as::<Any, (String, String, String)>(
        "SELECT i.relname::text, t.relname::text, \
                string_agg(a.attname::text, ',' ORDER BY k.n) \
         FROM pg_index x \
         JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_class t ON t.oid = x.indrelid \
         JOIN pg_namespace ns ON ns.oid = t.relnamespace AND ns.nspname = 'public' \
         CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, n) \
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
         WHERE NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) \
         GROUP BY i.relname, t.relname",
    )
    .fetch_all(&db.pool)
    .await
    .expect("indexes");
    for (name, table, cols) in indexes
        .into_iter()
        .filter(|(n, t, _)| ours(t) && !search_index(n))
    {
        s.indexes.insert((name, table, cols));
    }
    let triggers = sqlx::query_as::<Any, (String, String)>(
        "SELECT event_object_table::text, event_manipulation::text \
         FROM information_schema.triggers WHERE trigger_schema = 'public' \
         AND action_timing = 'BEFORE'",
    )
    .fetch_all(&db.pool)
    .await
    .expect("triggers");
    for (table, event) in triggers {
        if event == "UPDATE" || event == "DELETE" {
            s.guards.insert((table, event));
        }
    }
    s
}

#[tokio::test]
async fn sqlite_and_postgres_schemas_agree() {
    let (lite, lite_guard) = fresh_db(Backend::Sqlite).await;
    let (pg, pg_guard) = fresh_db(Backend::Postgres).await;
    let a = sqlite_schema(&lite).await;
    let b = postgres_schema(&pg).await;
    assert!(
        a.columns.len() > 50 && a.indexes.len() > 10,
        "the schema was read: {a:?}"
    );
    fn only<T: Ord + std::fmt::Debug>(x: &BTreeSet<T>, y: &BTreeSet<T>) -> Vec<String> {
        x.difference(y).map(|v| format!("{v:?}")).collect()
    }
    assert_eq!(
        (only(&a.columns, &b.columns), only(&b.columns, &a.columns)),
        (vec![], vec![]),
        "columns only in SQLite, only in PostgreSQL"
    );
    assert_eq!(
        (only(&a.indexes, &b.indexes), only(&b.indexes, &a.indexes)),
        (vec![], vec![]),
        "indexes only in SQLite, only in PostgreSQL"
    );
    assert_eq!(a.guards, b.guards, "append-only guards");
    assert!(a.guards.contains(&("audit_log".into(), "DELETE".into())));
    assert!(a
        .guards
        .contains(&("change_events".into(), "UPDATE".into())));
    lite.pool.close().await;
    pg.pool.close().await;
    drop(lite_guard);
    pg_guard.drop_database().await;
}
