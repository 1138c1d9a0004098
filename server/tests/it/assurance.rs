//! Stored compliance (derived data) on both databases: it equals the one rule computed live,
//! on the demo data and on generated data, today and on later days; every table the rule
//! reads marks it stale when written; a result raced by a change is not kept; the compliance
//! filter of the public API reads it and agrees with the rule. And the other derived data: a
//! past day's registry kept in memory equals the replay, and a new event is seen.

use crate::support::{fresh_db, spawn_app, Backend};
use app::{
    domain::compliance::{public_assurance, PublicAssurance},
    registry::{compute_assurance, refresh_assurance},
    store::{assurance, vendors, Db},
};
use chrono::{Days, NaiveDate};
use sqlx::Any;

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Bring the stored compliance up to `day` and check every vendor's against the rule.
async fn stored_equals_live(db: &Db, day: NaiveDate) {
    assert!(
        refresh_assurance(db, day).await.expect("refresh"),
        "all kept for {day}"
    );
    assert_eq!(assurance::count_stale(db, day).await.expect("count"), 0);
    let stored = assurance::stored_all(db).await.expect("stored");
    let live = vendors::list_all(db, day).await.expect("vendors");
    assert_eq!(stored.len(), live.len(), "one stored row per vendor");
    let mut standings = std::collections::BTreeSet::new();
    for s in &stored {
        let row = live
            .iter()
            .find(|r| r.id == s.vendor_id)
            .expect("the vendor");
        let want = public_assurance(&row.evidence().expect("evidence"), day, false);
        let got: PublicAssurance =
            serde_json::from_str(s.assurance.as_deref().expect("computed")).expect("json");
        assert_eq!(got, want, "{} on {day}", s.slug);
        assert_eq!(s.standing.as_deref(), Some(want.compliance.standing.code()));
        // computed for this day or an earlier one it still holds on
        let computed: NaiveDate = s
            .computed_on
            .as_deref()
            .expect("computed")
            .parse()
            .expect("day");
        assert!(computed <= day, "{} computed for {computed}", s.slug);
        if let Some(until) = s.steady_until.as_deref() {
            assert!(
                until.parse::<NaiveDate>().expect("day") > day,
                "{} until {until}",
                s.slug
            );
        }
        assert_eq!(s.stale, 0);
        standings.insert(want.compliance.standing.code());
    }
    assert!(
        standings.len() >= 2,
        "the data has more than one standing: {standings:?}"
    );
}

async fn stored_compliance_equals_the_rule(backend: Backend) {
    let (demo, _g1) = fresh_db(backend).await;
    server::cli::seed::seed_demo(&demo, today())
        .await
        .expect("demo");
    let (generated, _g2) = fresh_db(backend).await;
    server::cli::seed::seed_synthetic(&generated, today(), 300)
        .await
        .expect("synthetic");
    for db in [&demo, &generated] {
        // today, tomorrow, and far enough ahead that attestations and training lapse
        for ahead in [0, 1, 45, 400] {
            stored_equals_live(db, today() + Days::new(ahead)).await;
        }
        // nothing is stale now, so a refresh writes nothing
        assert_eq!(
            assurance::stale_rows(db, today() + Days::new(400), 0, 10)
                .await
                .expect("stale")
                .len(),
            0
        );
    }
}

/// How many vendors' stored compliance is stale on `day`, after running `sql`.
async fn stale_after(db: &Db, day: NaiveDate, sql: &str) -> i64 {
    sqlx::query::<Any>(sql)
        .execute(&db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    assurance::count_stale(db, day).await.expect("count")
}

async fn every_evidence_write_marks_it_stale(backend: Backend) {
    let (db, _g) = fresh_db(backend).await;
    server::cli::seed::seed_demo(&db, today())
        .await
        .expect("demo");
    let day = today();
    assert!(refresh_assurance(&db, day).await.expect("refresh"));
    // a vendor with every kind of evidence
    let id: i64 = sqlx::query_scalar::<Any, i64>(
        "SELECT v.id FROM vendors v WHERE EXISTS (SELECT 1 FROM contracts c \
         JOIN contract_obligations co ON co.contract_id = c.id WHERE c.vendor_id = v.id) \
         AND EXISTS (SELECT 1 FROM training_records t WHERE t.vendor_id = v.id) \
         AND EXISTS (SELECT 1 FROM assessments s WHERE s.vendor_id = v.id) \
         AND EXISTS (SELECT 1 FROM attestations a WHERE a.vendor_id = v.id) \
         AND EXISTS (SELECT 1 FROM vpap_enrollments e WHERE e.vendor_id = v.id) \
         AND EXISTS (SELECT 1 FROM vendor_data_categories d WHERE d.vendor_id = v.id) \
         ORDER BY v.id LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .expect("a vendor with every kind of evidence");
    let writes = [
        format!("UPDATE vpap_enrollments SET version = version WHERE vendor_id = {id}"),
        format!("UPDATE attestations SET version = version WHERE vendor_id = {id}"),
        format!("UPDATE assessments SET version = version WHERE vendor_id = {id}"),
        format!("UPDATE training_records SET version = version WHERE vendor_id = {id}"),
        format!("UPDATE contracts SET version = version WHERE vendor_id = {id}"),
        format!(
            "UPDATE contract_obligations SET hours = hours WHERE contract_id IN \
             (SELECT id FROM contracts WHERE vendor_id = {id})"
        ),
        format!("DELETE FROM training_records WHERE vendor_id = {id}"),
        format!("DELETE FROM vendor_data_categories WHERE vendor_id = {id}"),
        format!(
            "INSERT INTO vendor_data_categories (vendor_id, category_code) VALUES ({id}, 'support')"
        ),
        format!("UPDATE vendors SET effective_on = effective_on WHERE id = {id}"),
        format!("UPDATE vendors SET sub_processors = sub_processors WHERE id = {id}"),
        format!(
            "INSERT INTO vpap_enrollments (vendor_id, enrolled_on, status, created_at) \
             VALUES ({id}, '{day}', 'withdrawn', '{day}T00:00:00Z')"
        ),
        format!("DELETE FROM contracts WHERE vendor_id = {id}"),
    ];
    for sql in &writes {
        assert_eq!(
            stale_after(&db, day, sql).await,
            1,
            "{sql} marks one vendor stale"
        );
        assert!(refresh_assurance(&db, day).await.expect("refresh"));
        assert_eq!(assurance::count_stale(&db, day).await.expect("count"), 0);
    }
    // a change the rule does not read leaves it alone
    assert_eq!(
        stale_after(
            &db,
            day,
            &format!("UPDATE vendors SET purpose = 'Other' WHERE id = {id}")
        )
        .await,
        0
    );
    // what the vendor is now is what is stored
    stored_equals_live(&db, day).await;
    // a new vendor starts stale
    assert_eq!(
        stale_after(
            &db,
            day,
            &format!(
                "INSERT INTO vendors (slug, legal_name, registration_country, kind, work_location, \
                 purpose_category, purpose, transfer_mechanism, search_text, created_at, updated_at) \
                 VALUES ('added', 'Added', 'DE', 'third_party', 'own_facilities', 'infrastructure', \
                 'Hosting', 'not_applicable', 'added', '{day}T00:00:00Z', '{day}T00:00:00Z')"
            )
        )
        .await,
        1
    );
    stored_equals_live(&db, day).await;
}

async fn a_result_raced_by_a_change_is_not_kept(backend: Backend) {
    let (db, _g) = fresh_db(backend).await;
    server::cli::seed::seed_demo(&db, today())
        .await
        .expect("demo");
    let day = today();
    let rows = assurance::stale_rows(&db, day, 0, 5).await.expect("stale");
    assert_eq!(rows.len(), 5);
    let raced = rows[0].row.id;
    let computed = compute_assurance(rows, day).expect("compute");
    // the evidence of one of them changes after it was read
    sqlx::query::<Any>("UPDATE attestations SET version = version + 1 WHERE vendor_id = $1")
        .bind(raced)
        .execute(&db.pool)
        .await
        .expect("update");
    let kept = assurance::store(&db, &computed).await.expect("store");
    assert_eq!(kept, Some(4), "the raced result is dropped");
    let stored = assurance::stored_all(&db).await.expect("stored");
    let row = stored.iter().find(|s| s.vendor_id == raced).expect("row");
    assert_eq!((row.stale, row.assurance.as_deref()), (1, None));
    stored_equals_live(&db, day).await;
}

/// The JSON API's and the registry page's compliance filters (the page's reads the stored
/// verdicts) list exactly the vendors the rule finds, before and after evidence changes
/// through the store.
async fn the_compliance_filter_agrees_with_the_rule(backend: Backend) {
    let app = spawn_app(backend).await;
    let db = app.db().await;
    server::cli::seed::seed_demo(&db, today())
        .await
        .expect("demo");
    let check = async |db: &Db| {
        let day = today();
        for (param, code) in [
            ("not_compliant", "not_compliant"),
            ("authorized", "authorized"),
        ] {
            let mut want: Vec<String> = vendors::list_all(db, day)
                .await
                .expect("vendors")
                .iter()
                .filter(|r| {
                    r.status()
                        .is_ok_and(|s| app::domain::Status::PUBLIC.contains(&s))
                })
                .filter(|r| {
                    public_assurance(&r.evidence().expect("evidence"), day, false)
                        .compliance
                        .standing
                        .code()
                        == code
                })
                .map(|r| r.slug.clone())
                .collect();
            want.sort();
            let (status, body) = app
                .get(&format!("/api/v1/subprocessors?compliance={param}"))
                .await;
            assert_eq!(status, 200, "{body}");
            let v: serde_json::Value = serde_json::from_str(&body).expect("json");
            let mut got: Vec<String> = v["subprocessors"]
                .as_array()
                .expect("list")
                .iter()
                .map(|s| s["slug"].as_str().expect("slug").to_string())
                .collect();
            got.sort();
            assert_eq!(got, want, "compliance={param}");
            assert!(!got.is_empty(), "compliance={param} finds someone");
            // the registry page filters on the stored verdicts in SQL: the request brings
            // every one up to date first (the fallback, assessing every vendor, is taken only
            // when that fails), and lists the same vendors (the JSON API streams and judges
            // each row as it goes, stored where it holds, else by its evidence); a cookie
            // skips the 2 s page cache, as the second check asks for the same page
            let (status, html) = app
                .get_with(&format!("/?compliance={param}"), "visitor=1")
                .await;
            assert_eq!(status, 200, "{html}");
            let mut listed: Vec<String> = html
                .split("href=\"/subprocessors/")
                .skip(1)
                .filter_map(|s| s.split('"').next())
                .map(str::to_string)
                .collect();
            listed.sort();
            listed.dedup();
            assert_eq!(listed, want, "the page's compliance={param}");
            assert_eq!(assurance::count_stale(db, day).await.expect("count"), 0);
        }
    };
    check(&db).await;
    // every authorized vendor's training lapses: they turn not compliant
    sqlx::query::<Any>(
        "DELETE FROM training_records WHERE vendor_id IN (SELECT MIN(id) FROM vendors)",
    )
    .execute(&db.pool)
    .await
    .expect("delete");
    sqlx::query::<Any>(
        "UPDATE attestations SET outcome = 'rejected' WHERE vendor_id IN \
         (SELECT vendor_id FROM vendor_assurance WHERE standing = 'authorized' \
          ORDER BY vendor_id LIMIT 3)",
    )
    .execute(&db.pool)
    .await
    .expect("update");
    assert!(assurance::count_stale(&db, today()).await.expect("count") > 0);
    check(&db).await;
    app.stop().await;
}

/// The public list of `day` (default filter), with each row's assurance as the lists judge it,
/// and how many rows came with their stored assurance instead of their evidence.
async fn listed(db: &Db, day: NaiveDate) -> (Vec<(String, PublicAssurance)>, usize) {
    let filter = app::domain::RegistryFilter::default();
    let (rows, total) = vendors::list_public(db, &filter, day, None, &[])
        .await
        .expect("list");
    assert_eq!(usize::try_from(total).expect("total"), rows.len());
    let stored = rows.iter().filter(|r| r.stored_assurance.is_some()).count();
    let judged = app::registry::with_assurance(rows, day, false).expect("assurance");
    (
        judged.into_iter().map(|(r, a)| (r.slug, a)).collect(),
        stored,
    )
}

/// What the rule says of every public vendor on `day`, by slug, from evidence read anew.
async fn ruled(db: &Db, day: NaiveDate, slugs: &[String]) -> Vec<(String, PublicAssurance)> {
    let mut out = Vec::new();
    for slug in slugs {
        let slug_ = app::domain::Slug::parse(slug).expect("slug");
        let row = vendors::get_any(&db.pool, &slug_, day)
            .await
            .expect("get")
            .expect("the vendor");
        assert!(
            row.stored_assurance.is_none(),
            "a single vendor reads its evidence"
        );
        let a = public_assurance(&row.evidence().expect("evidence"), day, false);
        out.push((slug.clone(), a));
    }
    out
}

/// The public lists and exports read a vendor's stored assurance where it holds on the day
/// and its evidence where it does not (changed since, or past its steady day): either way
/// the rule's answer.
async fn the_lists_read_stored_assurance_only_where_it_holds(backend: Backend) {
    let (db, _g) = fresh_db(backend).await;
    server::cli::seed::seed_demo(&db, today())
        .await
        .expect("demo");
    let day = today();
    // nothing computed yet: every row is judged from its evidence
    let (before, stored) = listed(&db, day).await;
    assert_eq!(stored, 0);
    let slugs: Vec<String> = before.iter().map(|(s, _)| s.clone()).collect();
    assert!(slugs.len() > 10);
    assert_eq!(before, ruled(&db, day, &slugs).await);
    // computed: every row comes with its stored assurance, and it is the same
    assert!(refresh_assurance(&db, day).await.expect("refresh"));
    let (after, stored) = listed(&db, day).await;
    assert_eq!(stored, slugs.len());
    assert_eq!(after, before);
    // one vendor's evidence changes: that one row is judged from its new evidence
    let changed: i64 = sqlx::query_scalar::<Any, i64>(
        "SELECT vendor_id FROM vendor_assurance WHERE standing = 'authorized'          ORDER BY vendor_id LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .expect("an authorized vendor");
    sqlx::query::<Any>("UPDATE attestations SET outcome = 'rejected' WHERE vendor_id = $1")
        .bind(changed)
        .execute(&db.pool)
        .await
        .expect("update");
    let (now, stored) = listed(&db, day).await;
    assert_eq!(stored, slugs.len() - 1);
    assert_eq!(now, ruled(&db, day, &slugs).await);
    assert_ne!(now, before, "the change shows at once");
    // a later day: rows past their steady day are judged from evidence, the rest stored
    let later = day + Days::new(400);
    let (far, stored) = listed(&db, later).await;
    assert!(
        stored < slugs.len() - 1,
        "some verdicts change within 400 days"
    );
    assert_eq!(far, ruled(&db, later, &slugs).await);
}

async fn a_kept_day_equals_its_replay(backend: Backend) {
    use app::{
        domain::changes::{diff_of, registry_as_of},
        registry::{diff_between, replayed, replayed_pair},
        store::changes,
    };
    let (db, _g) = fresh_db(backend).await;
    let memory = app::registry::Kept::default();
    server::cli::seed::seed_demo(&db, today())
        .await
        .expect("demo");
    let day = today() - Days::new(1);
    let replay =
        async |db: &Db| registry_as_of(&changes::events_until(db, day).await.expect("events"), day);
    let first = replayed(&db, &memory, day).await.expect("replayed");
    assert!(first.len() > 10);
    assert_eq!(*first, replay(&db).await);
    let again = replayed(&db, &memory, day).await.expect("replayed");
    assert!(
        std::sync::Arc::ptr_eq(&first, &again),
        "the second ask is the kept copy"
    );
    // another day is kept beside it
    let older = replayed(&db, &memory, day - Days::new(30))
        .await
        .expect("older");
    assert!(std::sync::Arc::ptr_eq(
        &first,
        &replayed(&db, &memory, day).await.expect("kept")
    ));
    assert_ne!(*older, *first, "the demo's history moves in 30 days");
    // a new event (a removal in effect on the day) is in the next answer
    let gone = first[0].slug.clone();
    sqlx::query::<Any>(
        "INSERT INTO change_events (vendor_id, slug, legal_name, kind, announced_on, \
         effective_on, services, before_json, after_json, recorded_at, recorded_by) \
         SELECT id, slug, legal_name, 'removed', $1, $1, ' ', NULL, NULL, $2, 'test' \
         FROM vendors WHERE slug = $3",
    )
    .bind(day.to_string())
    .bind(format!("{day}T12:00:00Z"))
    .bind(&gone)
    .execute(&db.pool)
    .await
    .expect("insert event");
    let after = replayed(&db, &memory, day).await.expect("replayed");
    assert_eq!(*after, replay(&db).await);
    assert!(!after.iter().any(|e| e.slug == gone), "{gone} is removed");
    assert_eq!(after.len() + 1, first.len());
    // two days replayed from one read of the events (the changes page's difference) equal
    // each day's own replay, and are kept as such
    let (from, to) = (day - Days::new(60), today());
    let (old, new) = replayed_pair(&db, &memory, from, to).await.expect("pair");
    let shared = &db;
    let alone = |d| async move {
        registry_as_of(&changes::events_until(shared, d).await.expect("events"), d)
    };
    assert_eq!(*old, alone(from).await);
    assert_eq!(*new, alone(to).await);
    assert_ne!(*old, *new, "the demo's history moves in 60 days");
    assert!(std::sync::Arc::ptr_eq(
        &new,
        &replayed(&db, &memory, to).await.expect("kept")
    ));
    // with one of the two days kept, only the other is replayed
    let earlier = from - Days::new(30);
    let (third, kept) = replayed_pair(&db, &memory, earlier, to)
        .await
        .expect("pair");
    assert!(
        std::sync::Arc::ptr_eq(&kept, &new),
        "the kept day is reused"
    );
    assert_eq!(*third, alone(earlier).await);
    // the difference of two days: each group cut to its first lines, with its size; the
    // second ask is the kept one
    let whole = diff_of(&third, &new);
    let head = diff_between(&db, &memory, earlier, to, 2)
        .await
        .expect("diff");
    assert_eq!(
        (head.added, head.removed, head.changed),
        (whole.added.len(), whole.removed.len(), whole.changed.len())
    );
    assert!(head.added > 2, "the demo adds vendors in 90 days");
    assert_eq!(head.diff.added, whole.added[..2]);
    assert!(std::sync::Arc::ptr_eq(
        &head,
        &diff_between(&db, &memory, earlier, to, 2)
            .await
            .expect("kept")
    ));
}

on_both_databases!(
    a_kept_day_equals_its_replay,
    stored_compliance_equals_the_rule,
    every_evidence_write_marks_it_stale,
    a_result_raced_by_a_change_is_not_kept,
    the_compliance_filter_agrees_with_the_rule,
    the_lists_read_stored_assurance_only_where_it_holds,
);
