//! Store tests on both databases: the SQL status rule agrees with the domain rule.

use crate::support::{fresh_db, Backend};
use app::{
    domain::{
        vendor::{NewVendor, PurposeCategory, TransferMechanism, VendorKind, WorkLocation},
        CountryCode, Lifecycle, RegistryFilter, Slug, Status,
    },
    store::vendors::{insert_vendor, list_public},
};
use chrono::NaiveDate;

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn vendor(i: usize, lifecycle: Lifecycle) -> NewVendor {
    NewVendor {
        slug: Slug::parse(&format!("vendor-{i}")).expect("slug"),
        legal_name: format!("Vendor {i:02}"),
        trading_name: None,
        parent_company: None,
        registration_country: CountryCode::parse("DE").expect("country"),
        website: None,
        privacy_contact: None,
        kind: VendorKind::ThirdParty,
        work_location: WorkLocation::OwnFacilities,
        purpose_category: PurposeCategory::Infrastructure,
        purpose: "Hosting".into(),
        transfer_mechanism: TransferMechanism::NotApplicable,
        lifecycle,
        services: vec![],
        countries: vec![],
        categories: vec![],
    }
}

async fn sql_status_matches_domain_rule(backend: Backend) {
    let (db, guard) = fresh_db(backend).await;
    let lifecycles = [
        Lifecycle::default(),
        // dropped before it was ever announced: never public
        Lifecycle {
            announced_on: None,
            effective_on: None,
            removed_on: Some(d("2026-03-15")),
        },
        Lifecycle {
            announced_on: Some(d("2026-03-01")),
            effective_on: None,
            removed_on: None,
        },
        Lifecycle {
            announced_on: Some(d("2026-03-01")),
            effective_on: Some(d("2026-04-01")),
            removed_on: None,
        },
        Lifecycle {
            announced_on: Some(d("2026-03-01")),
            effective_on: Some(d("2026-04-01")),
            removed_on: Some(d("2026-05-01")),
        },
    ];
    // as the store writes: SQLite takes its write lock at once (a deferred transaction that
    // upgrades fails at once with "database is locked" if a connection of the pool is busy)
    let mut tx = app::store::begin_write(&db).await.expect("tx");
    for (i, l) in lifecycles.iter().enumerate() {
        insert_vendor(&mut tx, &vendor(i, *l))
            .await
            .expect("insert");
    }
    tx.commit().await.expect("commit");
    let every_status = RegistryFilter {
        statuses: vec![Status::Announced, Status::Active, Status::Removed],
        page: 1,
        ..Default::default()
    };
    for day in [
        "2026-02-28",
        "2026-03-01",
        "2026-03-31",
        "2026-04-01",
        "2026-04-30",
        "2026-05-01",
    ] {
        let day = d(day);
        let (rows, total) = list_public(&db, &every_status, day, None, &[])
            .await
            .expect("list");
        let expected: Vec<(String, Status)> = lifecycles
            .iter()
            .enumerate()
            .map(|(i, l)| (format!("Vendor {i:02}"), l.status_on(day)))
            .filter(|(_, s)| *s != Status::Proposed)
            .collect();
        let got: Vec<(String, Status)> = rows
            .iter()
            .map(|r| (r.legal_name.clone(), r.status().expect("status")))
            .collect();
        assert_eq!(got, expected, "on {day}");
        assert_eq!(total as usize, expected.len());
    }
    guard.drop_database().await;
}

#[tokio::test]
async fn sqlite_sql_status_matches_domain_rule() {
    sql_status_matches_domain_rule(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_sql_status_matches_domain_rule() {
    sql_status_matches_domain_rule(Backend::Postgres).await;
}

async fn obligation_catalogue_matches_the_domain(backend: Backend) {
    use app::domain::assurance::Obligation;
    use sqlx::Any;
    let (db, guard) = fresh_db(backend).await;
    let stored: Vec<String> =
        sqlx::query_scalar::<Any, String>("SELECT code FROM obligations ORDER BY code")
            .fetch_all(&db.pool)
            .await
            .expect("catalogue");
    let mut known: Vec<String> = Obligation::ALL
        .iter()
        .map(|o| o.code().to_string())
        .collect();
    known.sort();
    assert_eq!(stored, known);
    guard.drop_database().await;
}

#[tokio::test]
async fn sqlite_obligation_catalogue_matches_the_domain() {
    obligation_catalogue_matches_the_domain(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_obligation_catalogue_matches_the_domain() {
    obligation_catalogue_matches_the_domain(Backend::Postgres).await;
}

/// The editing row an insert reads back (on PostgreSQL from the insert's own statement), and
/// the row an update is known to leave, are the rows a later read finds: same lists in the
/// same order, same empty lists.
async fn an_inserted_row_reads_back_the_same(backend: Backend) {
    use app::{
        domain::DataCategory,
        store::{begin_write, services::upsert_service, vendors},
    };
    let (db, guard) = fresh_db(backend).await;
    let mut tx = begin_write(&db).await.expect("begin");
    for slug in ["zeta-mail", "alpha-store", "mid-way"] {
        upsert_service(&mut tx, slug, slug, "")
            .await
            .expect("service");
    }
    let mut full = vendor(1, Lifecycle::default());
    full.services = ["zeta-mail", "alpha-store", "mid-way"]
        .iter()
        .map(|s| Slug::parse(s).expect("slug"))
        .collect();
    full.countries = ["US", "DE", "FR"]
        .iter()
        .map(|c| CountryCode::parse(c).expect("country"))
        .collect();
    full.categories = vec![DataCategory::SupportData, DataCategory::CustomerData];
    let bare = vendor(2, Lifecycle::default());
    for v in [&full, &bare] {
        let inserted = vendors::insert_vendor_row(&mut tx, v)
            .await
            .expect("insert");
        let read = vendors::edit_row(&mut tx, v.slug.as_str())
            .await
            .expect("read")
            .expect("there");
        assert_eq!(format!("{inserted:?}"), format!("{read:?}"));
        // an update's row, as the save builds it without reading again, is the row a read
        // finds: lists changed, emptied and filled, dates set, the version one on
        let mut changed = v.clone();
        changed.legal_name = format!("{} Renamed", v.legal_name);
        changed.trading_name = Some("Trade-Name".into());
        changed.lifecycle = Lifecycle {
            announced_on: Some(d("2026-01-02")),
            effective_on: Some(d("2026-03-04")),
            removed_on: None,
        };
        changed.services = if v.services.is_empty() {
            vec![Slug::parse("mid-way").expect("slug")]
        } else {
            Vec::new()
        };
        changed.countries = ["JP", "BR"]
            .iter()
            .map(|c| CountryCode::parse(c).expect("country"))
            .collect();
        changed.categories = vec![DataCategory::CustomerData];
        assert!(
            vendors::update_vendor(&mut tx, read.id, read.version, &changed)
                .await
                .expect("update")
        );
        let built = read.updated(&changed);
        let reread = vendors::edit_row(&mut tx, v.slug.as_str())
            .await
            .expect("read")
            .expect("there");
        assert_eq!(format!("{built:?}"), format!("{reread:?}"));
        let list = vec![app::domain::chain::SubProcessor {
            legal_name: "Mail Relay \"Ltd\"".into(),
            country: "IE".into(),
            purpose: "Sends notices".into(),
            categories: vec!["customer".into()],
            since: Some(d("2026-02-01")),
            list_url: None,
            vendor_slug: None,
        }];
        assert!(
            vendors::set_sub_processors(&mut tx, reread.id, reread.version, &list)
                .await
                .expect("sub-processors")
        );
        let built = reread.with_sub_processors(&list).expect("json");
        let reread = vendors::edit_row(&mut tx, v.slug.as_str())
            .await
            .expect("read")
            .expect("there");
        assert_eq!(format!("{built:?}"), format!("{reread:?}"));
    }
    let taken = vendors::insert_vendor_row(&mut tx, &bare).await;
    assert!(
        matches!(taken, Err(app::store::StoreError::Taken(_))),
        "{taken:?}"
    );
    drop(tx);
    guard.drop_database().await;
}

#[tokio::test]
async fn sqlite_an_inserted_row_reads_back_the_same() {
    an_inserted_row_reads_back_the_same(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_an_inserted_row_reads_back_the_same() {
    an_inserted_row_reads_back_the_same(Backend::Postgres).await;
}

/// Search through the trigram index (SQLite's FTS5 table, PostgreSQL's pg_trgm) finds exactly
/// the vendors whose names hold the text, after inserts, renames and deletes, for searches
/// shorter than three letters (no index) and with characters LIKE and FTS5 treat specially.
async fn search_finds_exactly_the_names_holding_the_text(backend: Backend) {
    let (db, guard) = fresh_db(backend).await;
    let names = [
        "Vendor 00",
        "100% Cloud",
        "a_b Data",
        "The \"Quoted\" Firm",
        "Zürich Versicherung",
        "Back\\slash Ltd",
        "Renamed Later",
        "Deleted Later",
    ];
    let announced = Lifecycle {
        announced_on: Some(d("2026-01-01")),
        effective_on: Some(d("2026-02-01")),
        removed_on: None,
    };
    // as the store writes: SQLite takes its write lock at once (a deferred transaction that
    // upgrades fails at once with "database is locked" if a connection of the pool is busy)
    let mut tx = app::store::begin_write(&db).await.expect("tx");
    for (i, name) in names.iter().enumerate() {
        let mut v = vendor(i, announced);
        v.legal_name = name.to_string();
        insert_vendor(&mut tx, &v).await.expect("insert");
    }
    tx.commit().await.expect("commit");
    // the app's editor writes `search_text` with the name; the index follows the table
    sqlx::query(
        "UPDATE vendors SET legal_name = 'Quill Works', search_text = 'quill works ' \
         WHERE legal_name = 'Renamed Later'",
    )
    .execute(&db.pool)
    .await
    .expect("rename");
    sqlx::query("DELETE FROM vendors WHERE legal_name = 'Deleted Later'")
        .execute(&db.pool)
        .await
        .expect("delete");
    let now: Vec<&str> = names[..6].iter().copied().chain(["Quill Works"]).collect();
    let day = d("2026-03-01");
    for q in [
        "ve",
        "vendor",
        "NDOR 0",
        "100%",
        "0%",
        "a_b",
        "_",
        "\"quoted\"",
        "\"",
        "zür",
        "ZÜRICH",
        "h v",
        "k\\s",
        "renamed",
        "quill",
        "ill wo",
        "deleted",
        "later",
        "xyz",
    ] {
        let (filter, msgs) = RegistryFilter::from_query(&format!("q={}", urlencode(q)));
        assert!(msgs.is_empty(), "{q}: {msgs:?}");
        let (rows, total) = list_public(&db, &filter, day, None, &[])
            .await
            .expect("list");
        let mut got: Vec<String> = rows.into_iter().map(|r| r.legal_name).collect();
        got.sort();
        let needle = q.to_lowercase();
        let mut expected: Vec<String> = now
            .iter()
            .filter(|n| n.to_lowercase().contains(&needle))
            .map(|n| n.to_string())
            .collect();
        expected.sort();
        assert_eq!(got, expected, "q={q}");
        assert_eq!(total as usize, expected.len(), "count for q={q}");
    }
    guard.drop_database().await;
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn sqlite_search_finds_exactly_the_names_holding_the_text() {
    search_finds_exactly_the_names_holding_the_text(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_search_finds_exactly_the_names_holding_the_text() {
    search_finds_exactly_the_names_holding_the_text(Backend::Postgres).await;
}

/// The exports' stream (on SQLite through the typed export pool, one JSON array per row, on
/// PostgreSQL through `Any`) yields exactly the rows of the public list, in the same order:
/// with every vendor's evidence (stored compliance stale after the seed), then with the
/// stored compliance brought up to date (the evidence left unread).
async fn the_export_stream_is_the_public_list(backend: Backend) {
    let (db, guard) = fresh_db(backend).await;
    let day = chrono::Utc::now().date_naive();
    server::cli::seed::seed_demo(&db, day).await.expect("demo");
    server::cli::seed::seed_synthetic(&db, day, 120)
        .await
        .expect("synthetic");
    assert_eq!(
        db.sqlite_exports.is_some(),
        matches!(backend, Backend::Sqlite),
        "a SQLite file gets the typed export pool"
    );
    let queries = [
        "",
        "q=kestrel",
        "country=DE",
        "status=announced&status=active&status=removed",
    ];
    let stored = |rows: &[app::store::vendors::VendorRow]| {
        rows.iter().filter(|r| r.stored_assurance.is_some()).count()
    };
    for (round, query) in queries.iter().chain(queries.iter()).enumerate() {
        if round == queries.len() {
            assert!(app::registry::refresh_assurance(&db, day)
                .await
                .expect("refresh"));
        }
        let (filter, _) = RegistryFilter::from_query(query);
        let (listed, _) = list_public(&db, &filter, day, None, &[])
            .await
            .expect("list");
        let slot = db.export_slot().await.expect("slot");
        let mut rx = app::store::vendors::stream_public(&db, &filter, day, slot);
        let mut streamed = Vec::new();
        while let Some(row) = rx.recv().await {
            streamed.extend(row.expect("rows"));
        }
        assert!(!listed.is_empty(), "{query:?} lists vendors");
        if round >= queries.len() {
            assert_eq!(stored(&listed), listed.len(), "{query:?}: every row stored");
        }
        assert_eq!(
            format!("{streamed:?}"),
            format!("{listed:?}"),
            "{query:?}: the stream's rows are the list's"
        );
    }
    guard.drop_database().await;
}

#[tokio::test]
async fn sqlite_the_export_stream_is_the_public_list() {
    the_export_stream_is_the_public_list(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_the_export_stream_is_the_public_list() {
    the_export_stream_is_the_public_list(Backend::Postgres).await;
}
