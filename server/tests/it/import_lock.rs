//! An import's hold on the database (issue 24): a dry run on SQLite never takes the write
//! lock and still shows what the apply does; one import runs at a time per database, a
//! second is refused on the web and by `server import` with the reason, and a lock whose
//! holder died is taken over once it expires; an apply whose process is killed half-way
//! leaves nothing; stored files are pruned after their retention while the reports stay.

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use crate::{
    import::{count, fingerprint, import, manager, plus, scalar, PASSWORD},
    support::{Backend, TestApp},
};
use app::{
    domain::{
        import::{Row, Sheet},
        Role,
    },
    service::import::{lock::ImportLock, run, Mode},
};

/// A CSV file of `n` new vendors (the columns of the bench's file), effective in 200 days.
fn vendors_csv(n: usize) -> String {
    let countries = ["DE", "FR", "IE", "NL", "SE", "US", "GB", "ES"];
    let mut out = String::from(
        "legal_name,registration_country,kind,work_location,purpose_category,purpose,services,\
         processing_countries,data_categories,transfer_mechanism,effective_on\n",
    );
    let effective = plus(200);
    for i in 0..n {
        let c = countries[i % countries.len()];
        out.push_str(&format!(
            "Lock Test {i:05} Ltd,{c},Third party,own_facilities,Infrastructure,Processes batch {i},\
             Backup,{c},Customer data,SCCs,{effective}\n"
        ));
    }
    out
}

/// The CSV above as the sheet the readers make of it (no cell holds a comma or a quote).
fn sheet_of(csv: &str) -> Sheet {
    let mut lines = csv.lines();
    let split = |l: &str| l.split(',').map(str::to_string).collect::<Vec<_>>();
    Sheet {
        name: "CSV".into(),
        header: split(lines.next().unwrap_or("")),
        rows: lines
            .enumerate()
            .map(|(i, l)| Row {
                line: i + 2,
                cells: split(l),
            })
            .collect(),
        first_column: None,
    }
}

/// Run `server import FILE ARGS` on `app`'s database; its exit status and what it said.
/// (Run off the test's runtime thread, where the test's own server runs.)
async fn cli_import(app: &TestApp, file: &std::path::Path, args: &[&str]) -> (bool, String) {
    let (url, file) = (app.database_url.clone(), file.to_path_buf());
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let out = crate::support::off_thread(move || {
        Command::new(env!("CARGO_BIN_EXE_server"))
            .args(["--database-url", &url, "import"])
            .arg(&file)
            .args(&args)
            .env("RUST_LOG", "off")
            .stdin(Stdio::null())
            .output()
            .expect("server runs")
    })
    .await;
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

async fn exec(app: &TestApp, sql: &str) {
    let db = app.db().await;
    sqlx::query(sql).execute(&db.pool).await.expect(sql);
    db.pool.close().await;
}

/// Old: the dry run was the apply rolled back inside `BEGIN IMMEDIATE`, so it waited for any
/// writer and failed after the busy timeout (5 s). Now it runs on a private copy.
#[tokio::test]
async fn a_dry_run_on_sqlite_never_takes_the_write_lock() {
    let (app, _cookie) = manager(Backend::Sqlite).await;
    let csv = vendors_csv(5);
    // a row the notice rule refuses: the copy checks it as the apply would
    let csv = format!(
        "{csv}Hasty Ltd,GB,Third party,own_facilities,Infrastructure,Too soon,Backup,GB,Customer data,SCCs,{}\n",
        plus(10)
    );
    let sheets = [sheet_of(&csv)];
    let db = app.db().await;
    let before = fingerprint(&app).await;
    // another writer holds SQLite's write lock for the whole dry run
    let mut writer = db.pool.acquire().await.expect("a connection");
    sqlx::Executor::execute(&mut *writer, "BEGIN IMMEDIATE")
        .await
        .expect("the write lock");
    let started = Instant::now();
    let dry = run(
        &db,
        ("vendors.csv", &sheets, Vec::new()),
        "test",
        Mode {
            apply: false,
            skip_refused: false,
            ..Default::default()
        },
        &|_, _| {},
    )
    .await
    .expect("the dry run does not wait for the writer");
    let took = started.elapsed();
    sqlx::Executor::execute(&mut *writer, "ROLLBACK")
        .await
        .expect("rollback");
    drop(writer);
    assert!(took < Duration::from_secs(4), "took {took:?}");
    assert_eq!((dry.new, dry.refused), (5, 1), "{:?}", dry.summary);
    assert!(
        serde_json::to_string(&dry.rows)
            .unwrap_or_default()
            .contains("180 days"),
        "the notice rule's refusal: {:?}",
        dry.rows.last()
    );
    assert_eq!(fingerprint(&app).await, before, "a dry run writes nothing");
    // the apply does what the dry run showed, row by row
    let applied = run(
        &db,
        ("vendors.csv", &sheets, Vec::new()),
        "test",
        Mode {
            apply: true,
            skip_refused: true,
            ..Default::default()
        },
        &|_, _| {},
    )
    .await
    .expect("the apply runs");
    assert!(applied.applied);
    assert_eq!(applied.rows, dry.rows);
    assert_eq!(fingerprint(&app).await[0], before[0] + 5);
    db.close().await;
    app.stop().await;
}

async fn one_import_at_a_time_per_database(backend: Backend) {
    let (app, cookie) = manager(backend).await;
    let file = ("v.csv", vendors_csv(2).into_bytes());
    // another instance (its own handle on the database) is importing
    let other = app.db().await;
    let held = ImportLock::take(&other, "other@example.test", "other.csv")
        .await
        .expect("the lock is free");
    let refused = import(&app, &cookie, file.clone(), (false, false))
        .await
        .expect_err("a second import is refused");
    assert!(
        refused.contains("Another import is running (other.csv, started by other@example.test"),
        "{refused}"
    );
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("v.csv");
    std::fs::write(&path, &file.1).expect("write");
    let (ok, said) = cli_import(&app, &path, &["--dry-run"]).await;
    assert!(!ok, "server import exits non-zero: {said}");
    assert!(said.contains("Another import is running"), "{said}");
    assert!(
        ImportLock::take(&other, "third@example.test", "third.csv")
            .await
            .is_err(),
        "taken once only"
    );
    held.release().await;
    // free again: the web's run takes it, and gives it back when it is over
    let report = import(&app, &cookie, file.clone(), (false, false))
        .await
        .expect("runs");
    assert_eq!(count(&report, "new"), 2);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM import_lock").await, 0);
    let (ok, said) = cli_import(&app, &path, &["--dry-run"]).await;
    assert!(ok, "{said}");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM import_lock").await, 0);
    // a holder that died stops renewing: refused until its lease runs out, then taken over
    exec(
        &app,
        "INSERT INTO import_lock (id, holder, actor, file_name, taken_at, expires_at) \
         VALUES (1, 'dead', 'gone@example.test', 'dead.csv', '2026-01-01T00:00:00.000Z', '2999-01-01T00:00:00.000Z')",
    )
    .await;
    let refused = import(&app, &cookie, file.clone(), (false, false))
        .await
        .expect_err("held");
    assert!(refused.contains("dead.csv"), "{refused}");
    exec(
        &app,
        "UPDATE import_lock SET expires_at = '2026-01-01T00:02:00.000Z'",
    )
    .await;
    let report = import(&app, &cookie, file, (false, false))
        .await
        .expect("an expired lock is taken over");
    assert_eq!(count(&report, "new"), 2);
    other.close().await;
    app.stop().await;
}

/// A failure half-way through an apply: `server import` killed (SIGKILL) while it writes.
/// Nothing of it is in the database; its lock expires and the next import takes it over.
async fn an_apply_killed_half_way_leaves_nothing(backend: Backend) {
    let (app, cookie) = manager(backend).await;
    let before = fingerprint(&app).await;
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("big.csv");
    std::fs::write(&path, vendors_csv(10_000)).expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["--database-url", &app.database_url, "import"])
        .arg(&path)
        .env("RUST_LOG", "off")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("server import starts");
    // wait until it holds the import lock, then let it write for a while
    let mut locked = false;
    for _ in 0..600 {
        if scalar(&app, "SELECT COUNT(*) FROM import_lock").await == 1 {
            locked = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(locked, "the import started");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        child.try_wait().expect("status").is_none(),
        "still writing when killed (else this test proves nothing)"
    );
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    assert_eq!(fingerprint(&app).await, before, "nothing half-applied");
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM vendors WHERE legal_name LIKE 'Lock Test %'"
        )
        .await,
        0
    );
    // its lock outlives it until the lease runs out
    let file = ("v.csv", vendors_csv(1).into_bytes());
    let refused = import(&app, &cookie, file.clone(), (false, false))
        .await
        .expect_err("held by the killed run");
    assert!(refused.contains("big.csv"), "{refused}");
    exec(
        &app,
        "UPDATE import_lock SET expires_at = '2026-01-01T00:00:00.000Z'",
    )
    .await;
    let report = import(&app, &cookie, file, (true, false))
        .await
        .expect("taken over");
    assert_eq!(report["applied"], true, "{report:#}");
    app.stop().await;
}

/// Old: an import's file was kept for ever. Now the instance's round empties files older
/// than the retention; the run's report stays, and its apply is refused with the reason.
async fn stored_files_are_pruned_after_their_retention(backend: Backend) {
    let (app, cookie) = manager(backend).await;
    let file = ("v.csv", vendors_csv(2).into_bytes());
    import(&app, &cookie, file.clone(), (false, false))
        .await
        .expect("runs");
    let old = scalar(&app, "SELECT MAX(id) FROM imports").await;
    exec(
        &app,
        &format!("UPDATE imports SET created_at = '2026-01-01T00:00:00.000Z' WHERE id = {old}"),
    )
    .await;
    import(&app, &cookie, file, (false, false))
        .await
        .expect("runs");
    let recent = scalar(&app, "SELECT MAX(id) FROM imports").await;
    let db = app.db().await;
    let pruned = server::prune::prune_once(&db, chrono::Utc::now(), 30)
        .await
        .expect("prunes");
    assert_eq!(pruned, 1);
    let size =
        |id: i64| format!("SELECT CAST(LENGTH(content) AS BIGINT) FROM imports WHERE id = {id}");
    assert_eq!(scalar(&app, &size(old)).await, 0, "the old file is gone");
    assert!(
        scalar(&app, &size(recent)).await > 0,
        "a recent one is kept"
    );
    assert_eq!(
        scalar(
            &app,
            &format!("SELECT COUNT(*) FROM imports WHERE id = {old} AND report IS NOT NULL AND summary LIKE 'Dry run%'")
        )
        .await,
        1,
        "its report stays"
    );
    // a second round finds nothing more
    assert_eq!(
        server::prune::prune_once(&db, chrono::Utc::now(), 30)
            .await
            .expect("prunes"),
        0
    );
    db.close().await;
    let before = fingerprint(&app).await;
    let old = old.to_string();
    let view: serde_json::Value = app
        .post_form("/api/manage/import", &[("id", &old)], Some(&cookie))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(view["can_apply"], false, "{view:#}");
    let res = app
        .post_form("/api/manage/import_apply", &[("id", &old)], Some(&cookie))
        .await;
    assert_eq!(res.status(), 422);
    assert!(res
        .text()
        .await
        .unwrap_or_default()
        .contains("no longer kept"));
    assert_eq!(fingerprint(&app).await, before);
    app.stop().await;
}

on_both_databases!(
    one_import_at_a_time_per_database,
    sign_in_and_subscribe_answer_during_a_large_apply,
    an_apply_killed_half_way_leaves_nothing,
    stored_files_are_pruned_after_their_retention,
);

/// Old: the apply was one write transaction of SQLite for its whole run (2.7 s for 10,000
/// rows on the release build; 12 s on this debug build, where sign-in and subscribe waited
/// out the 5 s busy timeout and answered 500). Now its rows run on a private copy and are
/// published in one short transaction; on PostgreSQL other writers never waited. Every
/// sign-in and subscription sent all through the apply succeeds, and none comes near the
/// busy timeout. The budget itself (each within a second, on the release build) is measured
/// by `bench/import.sh`; this debug build runs beside the other tests: its slowest sign-in
/// measured 0.4-0.9 s alone, and 3.2 s once in the whole suite before the publish copied its
/// log into the database itself (the sign-in's commit did it).
async fn sign_in_and_subscribe_answer_during_a_large_apply(backend: Backend) {
    let (app, cookie) = manager(backend).await;
    app.create_user("reader@example.test", Role::Auditor, PASSWORD)
        .await;
    let file = ("big.csv", vendors_csv(10_000).into_bytes());
    let apply = {
        let (app, cookie) = (&app, &cookie);
        async move {
            let started = Instant::now();
            let r = import(app, cookie, file, (true, false)).await;
            (r, started.elapsed())
        }
    };
    let probe = async {
        let mut worst = (Duration::ZERO, Duration::ZERO);
        let mut failures = Vec::new();
        let mut seen_running = false;
        for i in 0..100_000 {
            let t = Instant::now();
            let res = app
                .post_form(
                    "/api/login",
                    &[("email", "reader@example.test"), ("password", PASSWORD)],
                    None,
                )
                .await;
            worst.0 = worst.0.max(t.elapsed());
            if res.status() != 200 {
                failures.push(format!("sign-in {}", res.status()));
            }
            let t = Instant::now();
            let email = format!("probe{i}@customer{i}.example");
            let res = app
                .client
                .post(format!("{}/subscribe", app.base))
                .form(&[("email", email.as_str())])
                .send()
                .await
                .expect("subscribe");
            worst.1 = worst.1.max(t.elapsed());
            if !(res.status().is_success() || res.status().is_redirection()) {
                failures.push(format!("subscribe {}", res.status()));
            }
            // the apply holds the import lock from its start to its end
            let running = scalar(&app, "SELECT COUNT(*) FROM import_lock").await == 1;
            if seen_running && !running {
                break;
            }
            seen_running |= running;
        }
        (worst, failures)
    };
    let ((report, took), ((sign_in, subscribe), failures)) = tokio::join!(apply, probe);
    let report = report.expect("applied");
    eprintln!(
        "apply: {took:?}; slowest sign-in {sign_in:?}, subscribe {subscribe:?}; {failures:?}"
    );
    assert_eq!(report["applied"], true);
    assert!(failures.is_empty(), "{failures:?}");
    let bound = Duration::from_millis(4000);
    assert!(sign_in < bound, "sign-in took {sign_in:?}");
    assert!(subscribe < bound, "subscribe took {subscribe:?}");
    app.stop().await;
}

/// Run `sql` on `app`'s database from inside a run's progress report (a plain callback):
/// another writer acting while the import's rows run.
fn write_meanwhile(app: &TestApp, sql: &str) {
    tokio::task::block_in_place(|| {
        tokio::runtime::Handle::current().block_on(exec(app, sql));
    });
}

/// A CSV of `n` vendors of [`vendors_csv`], their purpose changed to `purpose`.
fn changed_csv(n: usize, purpose: &str) -> String {
    vendors_csv(n)
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                l.to_string()
            } else {
                l.replace(&format!("Processes batch {}", i - 1), purpose)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn apply_mode() -> Mode {
    Mode {
        apply: true,
        skip_refused: false,
        ..Default::default()
    }
}

/// On SQLite an apply's rows run on a private copy and are published in one short
/// transaction. Another manager's save of a vendor the file changes, made while the rows run,
/// is not overwritten: the publish sees the vendor's version moved, writes nothing, and the
/// run goes again on a fresh copy, so both changes are kept and every row is written once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_apply_outrun_by_another_save_runs_again_and_keeps_both() {
    let (app, _cookie) = manager(Backend::Sqlite).await;
    let db = app.db().await;
    let first = [sheet_of(&vendors_csv(5))];
    let report = run(
        &db,
        ("v.csv", &first, Vec::new()),
        "test",
        apply_mode(),
        &|_, _| {},
    )
    .await
    .expect("the first import");
    assert_eq!(report.new, 5, "{}", report.summary);
    let before = fingerprint(&app).await;
    let audit_before = scalar(&app, "SELECT COUNT(*) FROM audit_log").await;

    let second = [sheet_of(&changed_csv(5, "Reworked purpose"))];
    let once = std::sync::atomic::AtomicUsize::new(0);
    let report = run(
        &db,
        ("v2.csv", &second, Vec::new()),
        "test",
        apply_mode(),
        &|_, _| {
            if once.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                write_meanwhile(
                    &app,
                    "UPDATE vendors SET website = 'https://saved.meanwhile.example', \
                     version = version + 1 WHERE legal_name = 'Lock Test 00002 Ltd'",
                );
            }
        },
    )
    .await
    .expect("the apply goes through on its second run");
    assert!(report.applied, "{}", report.summary);
    assert_eq!(report.changed, 5, "{}", report.summary);
    assert!(
        once.load(std::sync::atomic::Ordering::SeqCst) >= 2,
        "the rows ran again"
    );
    // both the other save and the import's change are there
    let db2 = app.db().await;
    let (website, purpose): (String, String) = sqlx::query_as::<sqlx::Any, (String, String)>(
        "SELECT website, purpose FROM vendors WHERE legal_name = 'Lock Test 00002 Ltd'",
    )
    .fetch_one(&db2.pool)
    .await
    .expect("the vendor");
    db2.close().await;
    assert_eq!(website, "https://saved.meanwhile.example");
    assert_eq!(purpose, "Reworked purpose");
    // five changed vendors: one audit row each, written once; their children came along
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM audit_log").await,
        audit_before + 5
    );
    assert_eq!(fingerprint(&app).await[0], before[0], "no vendor added");
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM vendors v WHERE legal_name LIKE 'Lock Test %' AND \
             EXISTS (SELECT 1 FROM vendor_services s WHERE s.vendor_id = v.id) AND \
             EXISTS (SELECT 1 FROM vendor_countries c WHERE c.vendor_id = v.id)"
        )
        .await,
        5
    );
    // the imports' events came into the log from the copy with them, and it verifies
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM log_leaves").await,
        scalar(&app, "SELECT COUNT(*) FROM change_events").await
    );
    let (ok, said) = crate::log::log_verify(&app).await;
    assert!(ok, "{said}");
    db.close().await;
    app.stop().await;
}

/// Rows appended meanwhile by another writer (a vendor created by hand) would take the ids
/// the copy gave the import's rows: the run goes again, the hand-made vendor keeps its id,
/// and the imported vendors, their change events and fan-outs all arrive, announced to
/// subscribers once. When the registry keeps moving the apply gives up after three runs,
/// with the reason, having written nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_apply_outrun_by_new_rows_runs_again_and_gives_up_with_the_reason() {
    let (app, _cookie) = manager(Backend::Sqlite).await;
    let db = app.db().await;
    let hand_made = |n: usize| {
        format!(
            "INSERT INTO vendors (slug, legal_name, registration_country, kind, work_location, \
             purpose_category, purpose, transfer_mechanism, search_text, created_at, updated_at) \
             VALUES ('by-hand-{n}', 'By Hand {n} Ltd', 'DE', 'third_party', 'own_facilities', \
             'Infrastructure', 'Made by hand', 'SCCs', 'by hand {n} ltd', \
             '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
        )
    };
    let events_before = scalar(&app, "SELECT COUNT(*) FROM change_events").await;
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let sheets = [sheet_of(&vendors_csv(3))];
    let report = run(
        &db,
        ("v.csv", &sheets, Vec::new()),
        "test",
        apply_mode(),
        &|_, _| {
            let n = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if n == 0 {
                write_meanwhile(&app, &hand_made(n));
            }
        },
    )
    .await
    .expect("published on the second run");
    assert_eq!(report.new, 3, "{}", report.summary);
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM vendors WHERE slug = 'by-hand-0'"
        )
        .await,
        1
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM vendors WHERE legal_name LIKE 'Lock Test %'"
        )
        .await,
        3
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM change_events").await,
        events_before + 3
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM fanouts f JOIN change_events e ON e.id = f.change_event_id \
             JOIN vendors v ON v.id = e.vendor_id WHERE v.legal_name LIKE 'Lock Test %'"
        )
        .await,
        3,
        "each announcement is fanned out once, against the published vendor's id"
    );
    // the real database's triggers kept their tables as the published rows arrived
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM vendor_assurance a JOIN vendors v ON v.id = a.vendor_id \
             WHERE v.legal_name LIKE 'Lock Test %'"
        )
        .await,
        3
    );

    let before = fingerprint(&app).await;
    let calls = std::sync::atomic::AtomicUsize::new(100);
    let sheets = [sheet_of(
        &vendors_csv(6).replace("Lock Test", "Outrun Test"),
    )];
    let refused = run(
        &db,
        ("v.csv", &sheets, Vec::new()),
        "test",
        apply_mode(),
        &|_, _| {
            let n = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            write_meanwhile(&app, &hand_made(n));
        },
    )
    .await
    .expect_err("gives up");
    assert!(
        refused
            .to_string()
            .contains("changed 3 times while this import ran"),
        "{refused}"
    );
    let after = fingerprint(&app).await;
    assert_eq!(after[0], before[0] + 3, "only the three hand-made vendors");
    assert_eq!(after[2..], before[2..], "no event, audit or training row");
    db.close().await;
    app.stop().await;
}
