//! Proposals (issue 26): a vendor's contact proposes a change to its record (a new
//! sub-processor, a new country, a new contact); a manager accepts it, asks for changes or
//! declines it. Accepted, a sub-processor or country goes through the editor's own save
//! (`vendors::save_sub_processor_in`, `vendors::save_in`) in the decision's transaction, with
//! the notice rule and the subscribers' notices exactly as when a manager types it, against
//! the record's version it was proposed on; a contact is invited as a manager invites one
//! (`invitations::invite_in`).

use chrono::{NaiveDate, Utc};
use sqlx::AnyConnection;

use super::{
    decisions::tell_the_contact,
    invitations::invite_in,
    rosters::minute,
    vendors::{form_of as vendor_form, save_chain_in, save_in, save_sub_processor_in},
};
use crate::{
    domain::{
        contacts::roles_label,
        proposal::{ProposalForm, ProposalKind},
        review::{days_waiting, decide, Decision, ReviewState},
        watch::{self, ListProposal},
    },
    error::AppError,
    model::proposals::{ProposalReview, SubmittedProposal},
    request::{db, internal, today},
    session::{any_role, editor, require, require_contact},
    store::{
        audit, begin_write, changes, contacts,
        proposals::{self as store, NewProposal, ProposalRow},
        services, vendors, Db,
    },
    write::{write, Written},
};

fn form_of(r: &ProposalRow) -> Result<ProposalForm, AppError> {
    serde_json::from_str(&r.payload)
        .map_err(|e| internal(format!("proposal {} does not parse: {e}", r.id)))
}

/// Whether the record changed since the proposal was made, so accepting it could undo that
/// change (a contact changes no part of the record: never).
fn conflicts(r: &ProposalRow) -> bool {
    r.kind != ProposalKind::Contact.code() && r.vendor_version != r.record_version
}

/// A proposal of the watcher's: what the vendor's published list says.
fn list_of(r: &ProposalRow) -> Result<ListProposal, AppError> {
    serde_json::from_str(&r.payload)
        .map_err(|e| internal(format!("proposal {} does not parse: {e}", r.id)))
}

/// What a proposal changes, in one line.
fn summary_of(r: &ProposalRow) -> String {
    let summary = if r.kind == ProposalKind::PublishedList.code() {
        list_of(r).map(|p| p.summary())
    } else {
        form_of(r).map(|f| f.summary())
    };
    summary.unwrap_or_else(|_| "A change to the record".into())
}

fn submitted(r: ProposalRow, day: NaiveDate) -> SubmittedProposal {
    let on = r
        .submitted_at
        .get(..10)
        .and_then(|d| d.parse().ok())
        .unwrap_or(day);
    let summary = summary_of(&r);
    SubmittedProposal {
        id: r.id,
        version: r.version,
        conflict: conflicts(&r),
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

/// Make the proposed change in `tx` as `actor`: the editor's save of a sub-processor or of
/// the vendor with the country added (notice rule included), or the contact's invitation.
/// The vendor `slug` must still be at `record_version`, else `Stale`.
async fn apply(
    tx: &mut AnyConnection,
    (kind, p): (ProposalKind, &ProposalForm),
    (slug, record_version): (&str, i64),
    actor: &str,
) -> Result<Written<()>, AppError> {
    match kind {
        ProposalKind::SubProcessor => {
            save_sub_processor_in(tx, &p.sub_processor_form(slug, record_version), actor).await
        }
        ProposalKind::Country => {
            let row = vendors::edit_row(tx, slug)
                .await?
                .ok_or(AppError::NotFound)?;
            let mut base = vendor_form(&row);
            base.version = record_version;
            let form = p.country_form(base)?;
            let names = services::service_names(tx).await?;
            let known: Vec<String> = names.keys().cloned().collect();
            let draft = form.parse(&known)?;
            let notice = changes::notice_periods(tx).await?;
            Ok(
                match save_in(tx, &form, &draft, actor, (&names, &notice)).await? {
                    Written::Done { audit, .. } => Written::Done { value: (), audit },
                    Written::Stale {
                        entity_id,
                        current,
                        version,
                    } => Written::Stale {
                        entity_id,
                        current,
                        version,
                    },
                },
            )
        }
        ProposalKind::Contact => {
            let new = p.contact_form(slug).parse()?;
            invite_in(tx, slug, &new, actor, Utc::now()).await
        }
        // applied from its own payload ([`apply_list`]), never from a form
        ProposalKind::PublishedList => Err(internal("a published list's proposal has no form")),
    }
}

/// Accept the watcher's proposal `row` in `tx` as `actor`: the vendor's chain as its
/// published list says, through the chain's save with its notice rule (a wider chain on the
/// proposal's day, checked again now). A page that changed is acknowledged: nothing is
/// read from it, so the manager edits the chain by hand.
async fn apply_list(
    tx: &mut AnyConnection,
    row: &ProposalRow,
    actor: &str,
) -> Result<Written<()>, AppError> {
    let p = list_of(row)?;
    if p.page.is_some() {
        return Ok(Written::Done {
            value: (),
            audit: Vec::new(),
        });
    }
    let before = vendors::edit_row(tx, &row.vendor_slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let categories = vendors::words(before.categories.as_deref());
    let after = watch::applied(&before.sub_processor_list()?, &p.diff, &categories, today())
        .map_err(|e| AppError::invalid("decision", e))?;
    let effective = row.effective_on.as_deref().and_then(|d| d.parse().ok());
    let names = services::service_names(tx).await?;
    let notice = changes::notice_periods(tx).await?;
    save_chain_in(tx, (&before, &after), effective, actor, (&names, &notice)).await
}

/// A contact proposes a change to its vendor's record. It is checked as the editor's save
/// checks it, notice rule included (run and rolled back), then kept for review; nothing in
/// the record changes until a manager accepts it. A contact already listed is refused.
pub async fn propose(mut p: ProposalForm) -> Result<i64, AppError> {
    let contact = require_contact().await?;
    let kind = p.kind()?;
    p.kind = kind.code().into();
    let db = db()?;
    let mut tx = begin_write(&db).await?;
    let before = vendors::edit_row(&mut tx, &contact.vendor_slug)
        .await?
        .ok_or(AppError::NotFound)?;
    if kind == ProposalKind::Contact {
        let new = p.contact_form(&before.slug).parse()?;
        if contacts::by_mailbox_in(&mut tx, before.id, &new.email.mailbox())
            .await?
            .is_some()
        {
            // the address is not repeated: a refusal goes back to the form in its address
            return Err(AppError::invalid(
                "email",
                "This address is a contact of your company already.",
            ));
        }
    }
    // the change itself, rolled back: refused here exactly as it would be on acceptance
    let checked = apply(
        &mut tx,
        (kind, &p),
        (&before.slug, before.version),
        &contact.email,
    )
    .await;
    tx.rollback()
        .await
        .map_err(crate::store::StoreError::from)?;
    if let Written::Stale { .. } = checked? {
        return Err(AppError::invalid(
            "form",
            "Your company's record changed at this moment: send the proposal again.",
        ));
    }
    let payload = serde_json::to_string(&p).map_err(|e| internal(e.to_string()))?;
    let effective_on = Some(p.effective_on.trim().to_string())
        .filter(|d| !d.is_empty() && kind != ProposalKind::Contact);
    let (vendor_id, record_version, slug) = (before.id, before.version, before.slug.clone());
    write(&db, &contact.email, async |tx| {
        let id = store::insert(
            tx,
            NewProposal {
                vendor_id,
                kind: kind.code(),
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
                    "kind": kind.code(),
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
        // the watcher's proposals are the managers' own review, not the vendor's
        .filter(|r| r.kind != ProposalKind::PublishedList.code())
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
    drop(conn);
    let kind = ProposalKind::from_code(&row.kind).map_err(|e| internal(e.message))?;
    let change = if kind == ProposalKind::PublishedList {
        ProposalForm::default()
    } else {
        form_of(&row)?
    };
    let (mut before, mut after) = (Vec::new(), Vec::new());
    let (mut lines_before, mut lines_after) = (Vec::new(), Vec::new());
    let mut versions = Vec::new();
    match kind {
        ProposalKind::PublishedList => {
            let p = list_of(&row)?;
            before = current.sub_processor_list()?;
            after = before.clone();
            match &p.page {
                Some((was, now)) => {
                    lines_before = vec![format!("{} (SHA-256 {was})", p.url)];
                    lines_after = vec![format!("{} (SHA-256 {now})", p.url)];
                    let at = |sha: &str| format!("/published-lists/{}/{sha}", row.vendor_slug);
                    versions = vec![
                        ("The page as it was".into(), at(was)),
                        ("The page now".into(), at(now)),
                    ];
                }
                None => {
                    let categories = vendors::words(current.categories.as_deref());
                    // a list that cannot be applied as it stands says why, instead of
                    // showing a chain that accepting would not make
                    match watch::applied(&before, &p.diff, &categories, today()) {
                        Ok(list) => after = list,
                        Err(why) => lines_after = vec![why],
                    }
                }
            }
        }
        ProposalKind::SubProcessor => {
            before = current.sub_processor_list()?;
            after = before.clone();
            // the proposed one as the editor's parser reads it (it parsed when proposed)
            let form = change.sub_processor_form(&row.vendor_slug, row.record_version);
            let vendor_categories = vendors::words(current.categories.as_deref());
            if let Ok((crate::domain::chain::ChainEdit::Add(s), _)) =
                form.parse(&vendor_categories, before.len())
            {
                after.push(s);
            }
        }
        ProposalKind::Country => {
            lines_before = vendors::words(current.countries.as_deref());
            lines_after = lines_before.clone();
            lines_after.push(change.country.trim().to_uppercase());
        }
        ProposalKind::Contact => {
            lines_before = contacts::for_vendor(&db, current.id)
                .await?
                .into_iter()
                .filter(|c| c.disabled == 0)
                .map(|c| format!("{} <{}>: {}", c.name, c.email, roles_label(&c.answers_for)))
                .collect();
            lines_after = lines_before.clone();
            if let Ok(c) = change.contact_form(&row.vendor_slug).parse() {
                lines_after.push(format!(
                    "{} <{}>: {}",
                    c.name,
                    c.email.as_str(),
                    roles_label(&c.answers_for_text())
                ));
            }
        }
    }
    Ok(ProposalReview {
        proposal: submitted(row, today()),
        kind,
        before,
        after,
        lines_before,
        lines_after,
        versions,
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
            if conflicts(&row) {
                return Err(conflict());
            }
            let kind = ProposalKind::from_code(&row.kind).map_err(|e| internal(e.message))?;
            let applied = if kind == ProposalKind::PublishedList {
                apply_list(tx, &row, &who.email).await?
            } else {
                let change = form_of(&row)?;
                // a contact changes no part of the record: it is invited against the record
                // as it is
                let version = if kind == ProposalKind::Contact {
                    row.vendor_version
                } else {
                    row.record_version
                };
                let at = (row.vendor_slug.as_str(), version);
                apply(tx, (kind, &change), at, &who.email).await?
            };
            match applied {
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
        let summary = summary_of(&row);
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
