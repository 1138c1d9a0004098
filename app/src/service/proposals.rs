//! Proposals (issue 26): a vendor's contact proposes a change to its record (a new
//! sub-processor); a manager accepts it, asks for changes or declines it. Accepted, it goes
//! through the editor's own save (`vendors::save_sub_processor_in`) in the decision's
//! transaction, with the notice rule and the subscribers' notices exactly as when a manager
//! types it, against the record's version it was proposed on.

use chrono::NaiveDate;

use super::{decisions::tell_the_contact, rosters::minute, vendors::save_sub_processor_in};
use crate::{
    domain::{
        proposal::ProposalForm,
        review::{days_waiting, decide, Decision, ReviewState},
    },
    error::AppError,
    model::proposals::{ProposalReview, SubmittedProposal},
    request::{db, internal, today},
    session::{any_role, editor, require, require_contact},
    store::{
        audit, begin_write,
        proposals::{self as store, NewProposal, ProposalRow},
        vendors, Db,
    },
    write::{write, Written},
};

fn form_of(r: &ProposalRow) -> Result<ProposalForm, AppError> {
    serde_json::from_str(&r.payload)
        .map_err(|e| internal(format!("proposal {} does not parse: {e}", r.id)))
}

fn submitted(r: ProposalRow, day: NaiveDate) -> SubmittedProposal {
    let on = r
        .submitted_at
        .get(..10)
        .and_then(|d| d.parse().ok())
        .unwrap_or(day);
    let summary = form_of(&r)
        .map(|f| f.summary())
        .unwrap_or_else(|_| "A change to the record".into());
    SubmittedProposal {
        id: r.id,
        version: r.version,
        conflict: r.vendor_version != r.record_version,
        vendor_slug: r.vendor_slug,
        vendor_name: r.vendor_name,
        summary,
        effective_on: r.effective_on.unwrap_or_default(),
        state: ReviewState::parse(&r.review_state).unwrap_or(ReviewState::Pending),
        submitted_by: r.submitted_by,
        submitted_at: minute(&r.submitted_at),
        days_waiting: days_waiting(on, day),
        reviewed_by: r.reviewed_by.unwrap_or_default(),
        reviewed_at: minute(r.reviewed_at.as_deref().unwrap_or("")),
        comment: r.review_comment,
    }
}

/// A contact proposes a new sub-processor of its vendor. It is checked as the editor's save
/// checks it, notice rule included (run and rolled back), then kept for review; nothing in
/// the record changes until a manager accepts it.
pub async fn propose(p: ProposalForm) -> Result<i64, AppError> {
    let contact = require_contact().await?;
    let db = db()?;
    let mut tx = begin_write(&db).await?;
    let before = vendors::edit_row(&mut tx, &contact.vendor_slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = p.sub_processor_form(&before.slug, before.version);
    // the editor's own save, rolled back: refused here exactly as it would be on acceptance
    let checked = save_sub_processor_in(&mut tx, &form, &contact.email).await;
    tx.rollback()
        .await
        .map_err(crate::store::StoreError::from)?;
    if let Written::Stale { .. } = checked? {
        return Err(AppError::invalid(
            "legal_name",
            "Your company's record changed at this moment: send the proposal again.",
        ));
    }
    let payload = serde_json::to_string(&p).map_err(|e| internal(e.to_string()))?;
    let effective_on = Some(p.effective_on.trim().to_string()).filter(|d| !d.is_empty());
    let (vendor_id, record_version, slug) = (before.id, before.version, before.slug.clone());
    write(&db, &contact.email, async |tx| {
        let id = store::insert(
            tx,
            NewProposal {
                vendor_id,
                kind: "sub_processor",
                payload: &payload,
                effective_on: effective_on.clone(),
                record_version,
                submitted_by: &contact.email,
            },
        )
        .await?;
        Ok(Written::done(
            id,
            audit::Entry {
                action: "propose",
                entity: "proposal",
                entity_id: format!("{slug}/proposal/{id}"),
                before: None,
                after: Some(serde_json::json!({
                    "kind": "sub_processor",
                    "change": p,
                    "record_version": record_version,
                })),
            },
        ))
    })
    .await
}

/// What the vendor `vendor_id`'s contacts proposed, newest first (the caller checked the
/// session).
pub async fn proposals_of(
    db: &Db,
    vendor_id: i64,
    day: NaiveDate,
) -> Result<Vec<SubmittedProposal>, AppError> {
    Ok(store::for_vendor(db, vendor_id)
        .await?
        .into_iter()
        .map(|r| submitted(r, day))
        .collect())
}

/// Proposals waiting, oldest first (the caller checked the session).
pub async fn waiting(db: &Db, day: NaiveDate) -> Result<Vec<SubmittedProposal>, AppError> {
    Ok(store::waiting(db)
        .await?
        .into_iter()
        .map(|r| submitted(r, day))
        .collect())
}

/// `/manage/proposals/{id}`: the proposal, the vendor's sub-processors now and with it
/// (anyone signed in).
pub async fn review(id: i64) -> Result<ProposalReview, AppError> {
    let who = require(any_role).await?;
    let db = db()?;
    let mut conn = db.pool.acquire().await?;
    let row = store::get(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let current = vendors::edit_row(&mut conn, &row.vendor_slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = current.sub_processor_list()?;
    let form = form_of(&row)?.sub_processor_form(&row.vendor_slug, row.record_version);
    let mut after = before.clone();
    // the proposed one as the editor's parser reads it (it parsed when proposed)
    let vendor_categories = vendors::words(current.categories.as_deref());
    if let Ok((crate::domain::chain::ChainEdit::Add(s), _)) =
        form.parse(&vendor_categories, before.len())
    {
        after.push(s);
    }
    Ok(ProposalReview {
        proposal: submitted(row, today()),
        before,
        after,
        can_decide: who.role.can_edit(),
    })
}

/// Decide on the waiting proposal `id` at `version` (admins and managers). Accepting saves
/// the change through the editor's save in this transaction: refused when the record changed
/// since it was proposed, or when its day is now earlier than the notice rule allows.
pub async fn decide_proposal(
    id: i64,
    version: i64,
    decision: &str,
    comment: &str,
) -> Result<(), AppError> {
    let who = require(editor).await?;
    let decision = Decision::parse(decision).map_err(|e| AppError::invalid("decision", e.0))?;
    let db = db()?;
    write(&db, &who.email, async |tx| {
        let row = store::get(tx, id).await?.ok_or(AppError::NotFound)?;
        let state = ReviewState::parse(&row.review_state).map_err(|e| internal(e.0))?;
        let (next, comment) =
            decide(state, decision, comment).map_err(|e| AppError::invalid("comment", e.0))?;
        let mut entries = Vec::new();
        if next == ReviewState::Approved {
            let conflict = || {
                AppError::invalid(
                    "decision",
                    "The vendor's record changed since this was proposed: accepting it could \
                     undo that change. Ask for changes (the vendor proposes it again against \
                     the record as it is) or reject it.",
                )
            };
            if row.vendor_version != row.record_version {
                return Err(conflict());
            }
            let form = form_of(&row)?.sub_processor_form(&row.vendor_slug, row.record_version);
            match save_sub_processor_in(tx, &form, &who.email).await? {
                Written::Done { audit, .. } => entries.extend(audit),
                Written::Stale { .. } => return Err(conflict()),
            }
        }
        if !store::decide(tx, id, version, next, &who.email, &comment).await? {
            return Ok(Written::Stale {
                entity_id: format!("{}/proposal/{id}", row.vendor_slug),
                current: vec![("State".into(), state.label().into())],
                version: Some(row.version),
            });
        }
        let summary = form_of(&row)?.summary();
        tell_the_contact(
            tx,
            (row.vendor_id, &row.submitted_by),
            (&format!("proposal:{id}"), &summary),
            next,
            &comment,
        )
        .await?;
        entries.push(audit::Entry {
            action: decision.action(),
            entity: "proposal",
            entity_id: format!("{}/proposal/{id}", row.vendor_slug),
            before: Some(serde_json::json!({ "review": state.code() })),
            after: Some(serde_json::json!({ "review": next.code(), "comment": comment })),
        });
        Ok(Written::Done {
            value: (),
            audit: entries,
        })
    })
    .await
}
