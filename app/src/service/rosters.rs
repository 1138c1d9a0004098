//! Training rosters (issue 26): a vendor's contact uploads the list of its people with access
//! (CSV or XLSX, read by the import's one reader under its limits); a manager reviews how it
//! differs from the training records in force and approves it, asks for changes or rejects
//! it. On approval the roster becomes the vendor's list: people added or with a newer
//! completion get a training record, and the records of people no longer listed end.

use chrono::NaiveDate;
use leptos::server_fn::codec::MultipartData;
use sha2::{Digest, Sha256};

use super::decisions::tell_the_contact;
use crate::{
    domain::{
        review::{clean_file_name, days_waiting, decide, Decision, ReviewState},
        roster::{diff, read_roster},
        Slug,
    },
    error::AppError,
    files::{self, limits::MAX_FILE_BYTES},
    model::reviews::{RosterReview, SubmittedRoster},
    request::{db, internal, today},
    session::{any_role, editor, require, require_contact},
    store::{audit, evidence, rosters, rosters::RosterRow, vendors},
    write::{write, Written},
};

/// `2026-12-06T10:11:12.000Z` -> `2026-12-06 10:11`.
pub(crate) fn minute(ts: &str) -> String {
    ts.get(..16).unwrap_or(ts).replace('T', " ")
}

pub(crate) fn submitted(r: RosterRow, day: NaiveDate) -> SubmittedRoster {
    let on = r
        .submitted_at
        .get(..10)
        .and_then(|d| d.parse().ok())
        .unwrap_or(day);
    SubmittedRoster {
        id: r.id,
        version: r.version,
        vendor_slug: r.vendor_slug,
        vendor_name: r.vendor_name,
        file_name: r.file_name,
        sha256: r.sha256,
        people: r.people,
        state: ReviewState::parse(&r.review_state).unwrap_or(ReviewState::Pending),
        submitted_by: r.submitted_by,
        submitted_at: minute(&r.submitted_at),
        days_waiting: days_waiting(on, day),
        reviewed_by: r.reviewed_by.unwrap_or_default(),
        reviewed_at: minute(r.reviewed_at.as_deref().unwrap_or("")),
        comment: r.review_comment,
    }
}

fn cut_short(e: impl std::fmt::Display) -> AppError {
    tracing::info!("a roster upload was refused: {e}");
    AppError::invalid(
        "file",
        "The upload did not arrive whole (the connection was cut or the form data is \
         malformed); nothing was kept. Send the file again.",
    )
}

/// The uploaded file's name and bytes (at most [`MAX_FILE_BYTES`]).
async fn the_file(data: MultipartData) -> Result<(String, Vec<u8>), AppError> {
    let Some(mut form) = data.into_inner() else {
        return Err(AppError::Request("No file was sent.".into()));
    };
    let mut file = None;
    while let Some(mut field) = form.next_field().await.map_err(cut_short)? {
        if field.name() != Some("file") {
            continue;
        }
        let name = clean_file_name(field.file_name().unwrap_or("roster"));
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(cut_short)? {
            if bytes.len() + chunk.len() > MAX_FILE_BYTES {
                return Err(AppError::TooLarge(format!(
                    "The file is larger than {} MB, the most a roster may be.",
                    MAX_FILE_BYTES / (1024 * 1024)
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        file = Some((name, bytes));
    }
    file.filter(|(_, b)| !b.is_empty())
        .ok_or_else(|| AppError::invalid("file", "Choose the roster's CSV or XLSX file."))
}

/// A contact submits its vendor's roster (a multipart form with `file`). The session is
/// checked before the file is read.
pub async fn submit_roster(data: MultipartData) -> Result<i64, AppError> {
    let contact = require_contact().await?;
    let db = db()?;
    let (name, bytes) = the_file(data).await?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let contents = files::read(&name, &bytes)
        .await
        .map_err(|e| AppError::invalid("file", e))?;
    let courses = evidence::list_courses(&db).await?;
    let people = read_roster(&contents.sheets, &contact.vendor_slug, &courses, today())
        .map_err(|e| AppError::invalid("file", e.join(" ")))?;
    let (vendor_id, slug) = (contact.vendor_id, contact.vendor_slug.clone());
    write(&db, &contact.email, async |tx| {
        let id = rosters::insert(tx, vendor_id, (&name, &sha256), &people, &contact.email).await?;
        Ok(Written::done(
            id,
            audit::Entry {
                action: "submit for review",
                entity: "roster",
                entity_id: format!("{slug}/roster/{id}"),
                before: None,
                after: Some(serde_json::json!({
                    "file": name, "sha256": sha256, "people": people.len()
                })),
            },
        ))
    })
    .await
}

/// The signed-in contact's vendor's rosters, newest first.
pub async fn my_rosters() -> Result<Vec<SubmittedRoster>, AppError> {
    let contact = require_contact().await?;
    rosters_of(&db()?, contact.vendor_id, today()).await
}

/// The rosters of the vendor `vendor_id`, newest first (the caller checked the session).
pub async fn rosters_of(
    db: &crate::store::Db,
    vendor_id: i64,
    day: NaiveDate,
) -> Result<Vec<SubmittedRoster>, AppError> {
    Ok(rosters::for_vendor(db, vendor_id)
        .await?
        .into_iter()
        .map(|r| submitted(r, day))
        .collect())
}

/// Rosters waiting for review, oldest first (for the review queue).
pub async fn waiting(
    db: &crate::store::Db,
    day: NaiveDate,
) -> Result<Vec<SubmittedRoster>, AppError> {
    Ok(rosters::waiting(db)
        .await?
        .into_iter()
        .map(|r| submitted(r, day))
        .collect())
}

/// One roster and how it differs from the training records in force today (anyone signed in).
pub async fn roster_review(id: i64) -> Result<RosterReview, AppError> {
    require(any_role).await?;
    let db = db()?;
    let day = today();
    let mut conn = db.pool.acquire().await?;
    let row = rosters::get(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let people = rosters::rows(&mut conn, id).await?;
    let slug = Slug::parse(&row.vendor_slug).map_err(|e| internal(e.0))?;
    let vendor = vendors::get_any(&mut *conn, &slug, day)
        .await?
        .ok_or(AppError::NotFound)?;
    let records = vendor.evidence()?.training;
    Ok(RosterReview {
        diff: diff(&records, &people, day),
        roster: submitted(row, day),
    })
}

/// Approve, ask for changes or reject the waiting roster `id` at `version` (admins and
/// managers); approval writes the training records in the same transaction, each audited.
pub async fn decide_roster(
    id: i64,
    version: i64,
    decision: &str,
    comment: &str,
) -> Result<(), AppError> {
    let who = require(editor).await?;
    let decision = Decision::parse(decision).map_err(|e| AppError::invalid("decision", e.0))?;
    let db = db()?;
    let day = today();
    write(&db, &who.email, async |tx| {
        let row = rosters::get(tx, id).await?.ok_or(AppError::NotFound)?;
        let state = ReviewState::parse(&row.review_state).map_err(|e| internal(e.0))?;
        let (next, comment) =
            decide(state, decision, comment).map_err(|e| AppError::invalid("comment", e.0))?;
        let entity_id = format!("{}/roster/{id}", row.vendor_slug);
        if !rosters::decide(tx, id, version, next, &who.email, &comment).await? {
            return Ok(Written::Stale {
                entity_id,
                current: vec![("State".into(), state.label().into())],
                version: Some(row.version),
            });
        }
        let mut entries = vec![audit::Entry {
            action: decision.action(),
            entity: "roster",
            entity_id,
            before: Some(serde_json::json!({ "review": state.code() })),
            after: Some(serde_json::json!({ "review": next.code(), "comment": comment })),
        }];
        if next == ReviewState::Approved {
            entries.extend(apply(tx, &row, day).await?);
        }
        tell_the_contact(
            tx,
            (row.vendor_id, &row.submitted_by),
            (
                &format!("roster:{id}"),
                &format!("the training roster {}", row.file_name),
            ),
            next,
            &comment,
        )
        .await?;
        Ok(Written::Done {
            value: (),
            audit: entries,
        })
    })
    .await
}

/// Make the approved roster `row` the vendor's list of people with access, as of `day`.
async fn apply(
    tx: &mut crate::store::AnyConnection,
    row: &RosterRow,
    day: NaiveDate,
) -> Result<Vec<audit::Entry>, AppError> {
    let people = rosters::rows(tx, row.id).await?;
    let slug = Slug::parse(&row.vendor_slug).map_err(|e| internal(e.0))?;
    let vendor = vendors::get_any(&mut *tx, &slug, day)
        .await?
        .ok_or(AppError::NotFound)?;
    let d = diff(&vendor.evidence()?.training, &people, day);
    let mut entries = Vec::new();
    for r in d
        .added
        .iter()
        .chain(d.changed.iter().map(|(_, after)| after))
    {
        let id = evidence::insert_training(tx, row.vendor_id, r).await?;
        entries.push(audit::Entry {
            action: "create",
            entity: "training",
            entity_id: format!("{}/training/{id}", row.vendor_slug),
            before: None,
            after: Some(audit::json(r)?),
        });
    }
    for r in &d.removed {
        rosters::end_training(tx, row.vendor_id, (&r.person_email, &r.course), day).await?;
        entries.push(audit::Entry {
            action: "end (no longer on the roster)",
            entity: "training",
            entity_id: format!("{}/training/{}", row.vendor_slug, r.person_email),
            before: Some(audit::json(r)?),
            after: None,
        });
    }
    Ok(entries)
}
