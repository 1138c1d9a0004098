//! The portal's evidence sections (`/vendor`): independent assessments and the training
//! roster. The assessments section: what the contact's vendor submitted and where
//! its review stands, and the form that submits an independent assessment with its report or
//! certificate. A plain multipart form: it works the same without JavaScript, and a refusal
//! comes back in the address (`?error=`), shown next to the form.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_router::hooks::use_query_map;

use crate::{
    api::reviews::{
        ReviewState, SubmitAssessment, SubmitRoster, SubmittedAssessment, SubmittedRoster,
    },
    domain::assurance::AssessmentKind,
    files::limits::{MAX_DOCUMENT_BYTES, MAX_FILE_BYTES},
    pages::reviews::DocumentLink,
};

/// Where a submission's review stands, for its submitter: how long it has waited, or the
/// decision with the reviewer's comment.
fn review_text(state: ReviewState, days: i64, comment: &str) -> String {
    match (state, days) {
        (ReviewState::Pending, 0) => "Waiting for review (sent today)".into(),
        (ReviewState::Pending, 1) => "Waiting for review (1 day)".into(),
        (ReviewState::Pending, n) => format!("Waiting for review ({n} days)"),
        (state, _) if comment.is_empty() => state.label().to_string(),
        (state, _) => format!("{}: {comment}", state.label()),
    }
}

#[component]
pub fn PortalEvidence(list: Vec<SubmittedAssessment>) -> impl IntoView {
    let query = use_query_map();
    let error = move || query.with(|q| q.get("error"));
    let submitted = move || query.with(|q| q.get("submitted").is_some());
    let field = |label: &'static str, name: &'static str, kind: &'static str| {
        let id = format!("ev-{name}");
        view! {
            <div class="field">
                <label for=id.clone()>{label}</label>
                <input id=id type=kind name=name required maxlength="200"/>
            </div>
        }
    };
    view! {
        <section aria-labelledby="evidence-h">
            <h2 id="evidence-h">"Independent assessments"</h2>
            <p class="hint">"Your SOC 2 Type II report, ISO 27001 or 27701 certificate or our program assessment, with the document itself. We review each one; it counts once approved. A document is never replaced: send a new one as a new submission."</p>
            {move || submitted().then(|| view! { <div class="notice" role="status" id="evidence-sent"><p>"Submitted. It waits for our review; we mail you when it is decided."</p></div> })}
            {if list.is_empty() {
                view! { <p>"Nothing submitted yet."</p> }.into_any()
            } else {
                view! {
                            <table class="records" id="submissions">
                                <thead><tr><th scope="col">"Assessment"</th><th scope="col">"Valid until"</th><th scope="col">"Document"</th><th scope="col">"Review"</th></tr></thead>
                                <tbody>{list.into_iter().map(|s| {
                                    let review = review_text(s.state, s.days_waiting, &s.comment);
                                    view! {
                                        <tr>
                                            <th scope="row">{format!("{} by {}", s.kind, s.assessor)}</th>
                                            <td>{s.valid_until.clone()}</td>
                                            <td>{s.document.map(|d| view! { <DocumentLink d/> })}</td>
                                            <td>{review}</td>
                                        </tr>
                                    }
                                }).collect_view()}</tbody>
                            </table>
                }.into_any()
            }}
            <h3>"Submit an assessment"</h3>
            <form method="post" action=SubmitAssessment::url() enctype="multipart/form-data" class="form grid" id="evidence-form">
                {move || error().map(|e| view! { <div class="notice notice-error" role="alert" id="evidence-error"><p>{e}</p></div> })}
                <div class="field">
                    <label for="ev-kind">"Kind"</label>
                    <select id="ev-kind" name="kind" required>
                        {AssessmentKind::ALL.iter().map(|k| view! { <option value=k.code()>{k.label()}</option> }).collect_view()}
                    </select>
                </div>
                {field("Assessor (the audit firm or certification body)", "assessor", "text")}
                {field("Period start", "period_start", "date")}
                {field("Period end", "period_end", "date")}
                {field("Issued on", "issued_on", "date")}
                {field("Valid until", "valid_until", "date")}
                <div class="field">
                    <label for="ev-file">{format!("The report or certificate (PDF, PNG or JPEG, at most {} MB)", MAX_DOCUMENT_BYTES / (1024 * 1024))}</label>
                    <input id="ev-file" type="file" name="file" required accept=".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg" aria-describedby="evidence-error"/>
                </div>
                <button type="submit" class="button">"Submit for review"</button>
            </form>
        </section>
    }
}

/// The portal's training roster section: the rosters submitted and their review, and the
/// form that uploads one (CSV or XLSX).
#[component]
pub fn PortalRoster(list: Vec<SubmittedRoster>) -> impl IntoView {
    let query = use_query_map();
    let error = move || query.with(|q| q.get("roster_error"));
    let submitted = move || query.with(|q| q.get("roster").is_some());
    view! {
        <section aria-labelledby="roster-h">
            <h2 id="roster-h">"Training roster"</h2>
            <p class="hint">"The people at your company with access to our customers' data, the privacy course each completed and when. Once approved, the roster is your list: people not on it lose access. A CSV or Excel (XLSX) file with the columns "<code>"person_name, person_email, course, completed_on"</code>" (dates as YYYY-MM-DD), at most "{MAX_FILE_BYTES / (1024 * 1024)}" MB."</p>
            {move || submitted().then(|| view! { <div class="notice" role="status" id="roster-sent"><p>"Submitted. It waits for our review; we mail you when it is decided."</p></div> })}
            {if list.is_empty() {
                view! { <p>"No roster submitted yet."</p> }.into_any()
            } else {
                view! {
                            <table class="records" id="rosters">
                                <thead><tr><th scope="col">"Roster"</th><th scope="col">"People"</th><th scope="col">"Submitted"</th><th scope="col">"Review"</th></tr></thead>
                                <tbody>{list.into_iter().map(|r| {
                                    let review = review_text(r.state, r.days_waiting, &r.comment);
                                    view! {
                                        <tr>
                                            <th scope="row">{r.file_name.clone()}</th>
                                            <td>{r.people}</td>
                                            <td>{r.submitted_at.clone()}</td>
                                            <td>{review}</td>
                                        </tr>
                                    }
                                }).collect_view()}</tbody>
                            </table>
                }.into_any()
            }}
            <form method="post" action=SubmitRoster::url() enctype="multipart/form-data" class="form narrow" id="roster-form">
                {move || error().map(|e| view! { <div class="notice notice-error" role="alert" id="roster-error"><p>{e}</p></div> })}
                <div class="field">
                    <label for="roster-file">"Roster file (CSV or XLSX)"</label>
                    <input id="roster-file" type="file" name="file" required accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" aria-describedby="roster-error"/>
                </div>
                <button type="submit" class="button">"Submit the roster for review"</button>
            </form>
        </section>
    }
}
