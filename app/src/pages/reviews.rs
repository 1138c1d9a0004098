//! `/manage/reviews` (what vendors submitted and waits, oldest first, with days waiting) and
//! `/manage/reviews/{id}` (one submission: its fields, its document, the decision) and
//! `/manage/rosters/{id}` (a training roster: who it adds, changes and drops). Plain
//! forms: they work the same without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::{
    api::reviews::{
        load_review, load_review_queue, load_roster_review, DecideReview, DecideRoster,
        ReviewState, RosterReview, SubmittedAssessment,
    },
    components::{last_error, ErrorNotice, FieldMsg, FormError},
    error::AppError,
    model::reviews::DocumentInfo,
    pages::SignInFirst,
};

pub(crate) fn loading() -> impl IntoView {
    view! { <p class="loading" role="status">"Loading…"</p> }
}

pub(crate) fn days(n: i64) -> String {
    match n {
        0 => "today".into(),
        1 => "1 day".into(),
        n => format!("{n} days"),
    }
}

/// The decision on a submission, as its page says it (`None` while it waits).
pub(crate) fn decision_text(
    state: ReviewState,
    by: &str,
    at: &str,
    comment: &str,
) -> Option<String> {
    (state != ReviewState::Pending).then(|| {
        let comment = if comment.is_empty() {
            String::new()
        } else {
            format!(": {comment}")
        };
        format!("{} by {by} on {at}{comment}", state.label())
    })
}

/// A document's link and facts: downloaded as a file, never shown in the page.
#[component]
pub fn DocumentLink(d: DocumentInfo) -> impl IntoView {
    view! {
        <span class="document">
            <a href=d.href() download=d.file_name.clone() rel="nofollow">{d.file_name.clone()}</a>
            {format!(" ({}, {})", d.media_type, d.size())}
            <br/><span class="hint">"SHA-256 "<code class="hash">{d.sha256.clone()}</code></span>
        </span>
    }
}

#[component]
pub fn ReviewsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| load_review_queue());
    view! {
        <Title text="Reviews"/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/manage">"Manage"</a>" / "<span aria-current="page">"Reviews"</span></nav>
        <h1>"Waiting for review"</h1>
        <p class="hint">"What vendors' contacts submitted through the portal. It counts towards compliance only once approved; the public registry never shows it before."</p>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(q) if q.waiting.is_empty() && q.rosters.is_empty() && q.attestations.is_empty() && q.proposals.is_empty() => view! { <p id="reviews-empty">"Nothing waits for review."</p> }.into_any(),
                    Ok(q) => view! {
                        {(!q.proposals.is_empty()).then(|| view! {
                            <h2>"Proposed changes"</h2>
                            <table class="records" id="proposal-reviews">
                                <thead><tr><th scope="col">"Vendor"</th><th scope="col">"Proposal"</th><th scope="col">"Submitted by"</th><th scope="col">"Waiting"</th></tr></thead>
                                <tbody>{q.proposals.iter().map(|p| view! {
                                    <tr>
                                        <th scope="row">{p.vendor_name.clone()}</th>
                                        <td><a href=format!("/manage/proposals/{}", p.id)>{p.summary.clone()}</a></td>
                                        <td>{format!("{} · {}", p.submitted_by, p.submitted_at)}</td>
                                        <td>{days(p.days_waiting)}</td>
                                    </tr>
                                }).collect_view()}</tbody>
                            </table>
                        })}
                        {(!q.attestations.is_empty()).then(|| view! {
                            <h2>"Attestations"</h2>
                            <table class="records" id="attestation-reviews">
                                <thead><tr><th scope="col">"Vendor"</th><th scope="col">"Attestation"</th><th scope="col">"Submitted by"</th><th scope="col">"Waiting"</th></tr></thead>
                                <tbody>{q.attestations.iter().map(|a| view! {
                                    <tr>
                                        <th scope="row">{a.vendor_name.clone()}</th>
                                        <td><a href=format!("/manage/attestations/{}", a.id)>{format!("Signed by {} (questionnaire version {})", a.signed_name, a.questionnaire)}</a></td>
                                        <td>{format!("{} · {}", a.submitted_by, a.signed_at)}</td>
                                        <td>{days(a.days_waiting)}</td>
                                    </tr>
                                }).collect_view()}</tbody>
                            </table>
                        })}
                        {(!q.rosters.is_empty()).then(|| view! {
                            <h2>"Training rosters"</h2>
                            <table class="records" id="roster-reviews">
                                <thead><tr><th scope="col">"Vendor"</th><th scope="col">"Roster"</th><th scope="col">"Submitted by"</th><th scope="col">"Waiting"</th></tr></thead>
                                <tbody>{q.rosters.iter().map(|r| view! {
                                    <tr>
                                        <th scope="row">{r.vendor_name.clone()}</th>
                                        <td><a href=format!("/manage/rosters/{}", r.id)>{format!("{} ({} people)", r.file_name, r.people)}</a></td>
                                        <td>{format!("{} · {}", r.submitted_by, r.submitted_at)}</td>
                                        <td>{days(r.days_waiting)}</td>
                                    </tr>
                                }).collect_view()}</tbody>
                            </table>
                        })}
                        {(!q.waiting.is_empty()).then(|| view! {
                            <h2>"Independent assessments"</h2>
                            <table class="records" id="reviews">
                                <thead><tr><th scope="col">"Vendor"</th><th scope="col">"Assessment"</th><th scope="col">"Submitted by"</th><th scope="col">"Waiting"</th></tr></thead>
                                <tbody>{q.waiting.iter().map(|s| view! {
                                    <tr>
                                        <th scope="row">{s.vendor_name.clone()}</th>
                                        <td><a href=format!("/manage/reviews/{}", s.id)>{format!("{} by {}", s.kind, s.assessor)}</a></td>
                                        <td>{format!("{} · {}", s.submitted_by, s.submitted_at)}</td>
                                        <td>{days(s.days_waiting)}</td>
                                    </tr>
                                }).collect_view()}</tbody>
                            </table>
                        })}
                    }.into_any(),
                    Err(AppError::Unauthorized) => view! { <SignInFirst/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn ReviewPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params.with(|p| p.get("id").and_then(|i| i.parse::<i64>().ok()).unwrap_or(0))
    });
    let decide = ServerAction::<DecideReview>::new();
    let data = Resource::new(
        move || (id.get(), decide.version().get()),
        |(id, _)| load_review(id),
    );
    view! {
        <Title text="Review"/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/manage">"Manage"</a>" / "<a href="/manage/reviews">"Reviews"</a>" / "<span aria-current="page">{move || format!("Submission {}", id.get())}</span></nav>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(s) => view! { <Review s decide/> }.into_any(),
                    Err(AppError::Unauthorized) => view! { <SignInFirst/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Review(s: SubmittedAssessment, decide: ServerAction<DecideReview>) -> impl IntoView {
    let error = last_error(decide);
    let rows = vec![
        ("Vendor", s.vendor_name.clone()),
        ("Kind", s.kind.clone()),
        ("Assessor", s.assessor.clone()),
        (
            "Period covered",
            format!("{} to {}", s.period_start, s.period_end),
        ),
        ("Issued on", s.issued_on.clone()),
        ("Valid until", s.valid_until.clone()),
        (
            "Submitted",
            format!(
                "{} by {} ({})",
                s.submitted_at,
                s.submitted_by,
                match s.days_waiting {
                    0 => "today".to_string(),
                    n => format!("waiting {}", days(n)),
                }
            ),
        ),
        ("State", s.state.label().to_string()),
    ];
    let decided = decision_text(s.state, &s.reviewed_by, &s.reviewed_at, &s.comment);
    view! {
        <h1>{format!("{}: {}", s.vendor_name, s.kind)}</h1>
        <table class="records" id="review">
            <tbody>
                {rows.into_iter().map(|(k, v)| view! { <tr><th scope="row">{k}</th><td>{v}</td></tr> }).collect_view()}
                <tr><th scope="row">"Document"</th><td>{match s.document.clone() {
                    Some(d) => view! { <DocumentLink d/> }.into_any(),
                    None => view! { "None" }.into_any(),
                }}</td></tr>
            </tbody>
        </table>
        <p><a href=format!("/manage/vendors/{}", s.vendor_slug)>{format!("{}'s record and evidence", s.vendor_name)}</a></p>
        {match decided {
            Some(text) => view! { <div class="notice" role="status" id="review-decided"><p>{text}</p></div> }.into_any(),
            None => view! {
                <ActionForm action=decide attr:class="form narrow" attr:id="review-form">
                    <FormError error/>
                    <DecisionFields id=s.id version=s.version approve="it counts from now on" error/>
                </ActionForm>
            }.into_any(),
        }}
    }
}

/// The decision form of a submission (an assessment or a roster): both post `id`, `version`,
/// `decision` and `comment`.
#[component]
pub(crate) fn DecisionFields(
    id: i64,
    version: i64,
    approve: &'static str,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    view! {
        <input type="hidden" name="id" value=id/>
        <input type="hidden" name="version" value=version/>
        <fieldset class="decision">
            <legend>"Decision"</legend>
            <label class="check" for="d-approve"><input id="d-approve" type="radio" name="decision" value="approve" required/>{format!(" Approve: {approve}")}</label>
            <label class="check" for="d-changes"><input id="d-changes" type="radio" name="decision" value="request_changes"/>" Ask for changes"</label>
            <label class="check" for="d-reject"><input id="d-reject" type="radio" name="decision" value="reject"/>" Reject"</label>
            <FieldMsg error name="decision" id="d-decision-error".into()/>
        </fieldset>
        <div class="field">
            <label for="d-comment">"Comment for the vendor (needed to ask for changes or reject)"</label>
            <textarea id="d-comment" name="comment" rows="4" maxlength="2000" aria-describedby="d-comment-error"></textarea>
            <FieldMsg error name="comment" id="d-comment-error".into()/>
        </div>
        <button type="submit" class="button">"Record the decision"</button>
    }
}

/// `/manage/rosters/{id}`: a training roster, how it differs from the records in force, and
/// the decision.
#[component]
pub fn RosterReviewPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params.with(|p| p.get("id").and_then(|i| i.parse::<i64>().ok()).unwrap_or(0))
    });
    let decide = ServerAction::<DecideRoster>::new();
    let data = Resource::new(
        move || (id.get(), decide.version().get()),
        |(id, _)| load_roster_review(id),
    );
    view! {
        <Title text="Roster review"/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/manage">"Manage"</a>" / "<a href="/manage/reviews">"Reviews"</a>" / "<span aria-current="page">{move || format!("Roster {}", id.get())}</span></nav>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(r) => view! { <Roster r decide/> }.into_any(),
                    Err(AppError::Unauthorized) => view! { <SignInFirst/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Roster(r: RosterReview, decide: ServerAction<DecideRoster>) -> impl IntoView {
    let error = last_error(decide);
    let s = r.roster;
    let d = r.diff;
    let people = |list: Vec<crate::domain::assurance::TrainingRecord>| {
        list.into_iter()
            .map(|p| view! { <tr><th scope="row">{p.person_name}</th><td>{p.person_email}</td><td>{p.course}</td><td>{p.completed_on.to_string()}</td></tr> })
            .collect_view()
    };
    let head = || view! { <thead><tr><th scope="col">"Person"</th><th scope="col">"E-mail"</th><th scope="col">"Course"</th><th scope="col">"Completed on"</th></tr></thead> };
    let decided = decision_text(s.state, &s.reviewed_by, &s.reviewed_at, &s.comment);
    view! {
        <h1>{format!("{}: training roster", s.vendor_name)}</h1>
        <p>{format!("{} ({} people), submitted {} by {}. SHA-256 ", s.file_name, s.people, s.submitted_at, s.submitted_by)}<code class="hash">{s.sha256.clone()}</code></p>
        <p class="hint" id="roster-summary">{format!("Against the training records in force today: {} added, {} changed, {} unchanged, {} no longer listed (their records end on approval).", d.added.len(), d.changed.len(), d.unchanged, d.removed.len())}</p>
        {(!d.added.is_empty()).then(|| view! {
            <h2>"Added"</h2><table class="records" id="roster-added">{head()}<tbody>{people(d.added.clone())}</tbody></table>
        })}
        {(!d.changed.is_empty()).then(|| view! {
            <h2>"Changed"</h2>
            <table class="records" id="roster-changed">
                <thead><tr><th scope="col">"Person"</th><th scope="col">"Course"</th><th scope="col">"In force"</th><th scope="col">"On the roster"</th></tr></thead>
                <tbody>{d.changed.clone().into_iter().map(|(was, now)| view! {
                    <tr><th scope="row">{now.person_name.clone()}</th><td>{now.course.clone()}</td>
                        <td>{format!("{}, completed {}", was.person_name, was.completed_on)}</td>
                        <td>{format!("{}, completed {}", now.person_name, now.completed_on)}</td></tr>
                }).collect_view()}</tbody>
            </table>
        })}
        {(!d.removed.is_empty()).then(|| view! {
            <h2>"No longer listed"</h2><table class="records" id="roster-removed">{head()}<tbody>{people(d.removed.clone())}</tbody></table>
        })}
        <p><a href=format!("/manage/vendors/{}", s.vendor_slug)>{format!("{}'s record and evidence", s.vendor_name)}</a></p>
        {match decided {
            Some(text) => view! { <div class="notice" role="status" id="review-decided"><p>{text}</p></div> }.into_any(),
            None => view! {
                <ActionForm action=decide attr:class="form narrow" attr:id="review-form">
                    <FormError error/>
                    <DecisionFields id=s.id version=s.version approve="it becomes the vendor's list of people with access" error/>
                </ActionForm>
            }.into_any(),
        }}
    }
}
