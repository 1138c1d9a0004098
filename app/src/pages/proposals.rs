//! Proposals: the portal's section (`/vendor`: what the vendor proposed, and the form that
//! proposes a new sub-processor) and `/manage/proposals/{id}` (the vendor's sub-processors
//! before and after, a conflict when the record changed since, the decision). Plain forms:
//! they work the same without JavaScript.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::{
    api::proposals::{
        load_proposal_review, DecideProposal, ProposalKind, ProposalReview, Propose, ReviewState,
        SubmittedProposal,
    },
    components::{last_error, ErrorNotice, FormError},
    domain::DataCategory,
    error::AppError,
    model::editor::SubProcessor,
    pages::{
        reviews::{days, decision_text, loading, DecisionFields},
        SignInFirst,
    },
};

fn standing(p: &SubmittedProposal) -> String {
    match (p.state, p.days_waiting) {
        (ReviewState::Pending, 0) => "Waiting for review (sent today)".into(),
        (ReviewState::Pending, 1) => "Waiting for review (1 day)".into(),
        (ReviewState::Pending, n) => format!("Waiting for review ({n} days)"),
        (ReviewState::Approved, _) => "Accepted".into(),
        (state, _) if p.comment.is_empty() => state.label().to_string(),
        (state, _) => format!("{}: {}", state.label(), p.comment),
    }
}

/// What was typed into the refused form of `kind` (`pv_<name>` in the address it came back
/// to), to fill it in again.
fn kept(kind: &'static str, name: &str) -> Option<String> {
    let query = use_query_map();
    query.with_untracked(|q| {
        let shown = q.get("proposal_kind").unwrap_or_default();
        let shown = if shown.is_empty() {
            "sub_processor".to_string()
        } else {
            shown
        };
        (shown == kind && q.get("proposal_error").is_some())
            .then(|| q.get(&format!("pv_{name}")))
            .flatten()
    })
}

/// An input of a proposal form: `form` names the form (ids stay unique on the page), `kind`
/// the proposal it makes (what was typed into it comes back after a refusal).
fn field(
    form: &str,
    kind: &'static str,
    label: &'static str,
    name: &'static str,
    input: &'static str,
) -> impl IntoView {
    let id = format!("pr-{form}-{name}");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input id=id type=input name=format!("p[{name}]") required maxlength="200" value=kept(kind, name)/>
        </div>
    }
}

/// The refusal of the last proposal, at the form of its kind.
fn refusal(kind: &'static str) -> impl IntoView {
    let query = use_query_map();
    move || {
        query.with(|q| {
            let shown = q.get("proposal_kind").unwrap_or_default();
            let shown = if shown.is_empty() { "sub_processor".to_string() } else { shown };
            (shown == kind).then(|| q.get("proposal_error")).flatten()
        })
        .map(|e| view! { <div class="notice notice-error" role="alert" id=format!("proposal-error-{kind}")><p>{e}</p></div> })
    }
}

/// The `/vendor` section: proposals and the forms of a new one (a sub-processor, a country,
/// a contact).
#[component]
pub fn PortalProposals(list: Vec<SubmittedProposal>, categories: Vec<String>) -> impl IntoView {
    let query = use_query_map();
    let sent = move || query.with(|q| q.get("proposed").is_some());
    view! {
        <section aria-labelledby="proposals-h">
            <h2 id="proposals-h">"Propose a change"</h2>
            <p class="hint">"Your company's record changes only through us: propose a new sub-processor, country or contact here and we review it. Once accepted, a sub-processor or country is announced to our customers and takes effect on the day you propose (or the earliest day our notice period allows); a contact is mailed a sign-in link."</p>
            {move || sent().then(|| view! { <div class="notice" role="status" id="proposal-sent"><p>"Proposed. It waits for our review; we mail you when it is decided."</p></div> })}
            {(!list.is_empty()).then(|| view! {
                <table class="records" id="proposals">
                    <thead><tr><th scope="col">"Proposal"</th><th scope="col">"Takes effect"</th><th scope="col">"Review"</th></tr></thead>
                    <tbody>{list.iter().map(|p| view! {
                        <tr><th scope="row">{p.summary.clone()}</th><td>{p.effective_on.clone()}</td><td>{standing(p)}</td></tr>
                    }).collect_view()}</tbody>
                </table>
            })}
            <h3 id="propose-sp-h">"A new sub-processor"</h3>
            <form method="post" action=Propose::url() class="form grid" id="proposal-form" aria-labelledby="propose-sp-h">
                {refusal("sub_processor")}
                <input type="hidden" name="p[kind]" value="sub_processor"/>
                {field("sp", "sub_processor", "Sub-processor's legal name", "legal_name", "text")}
                {field("sp", "sub_processor", "Country it processes in (ISO code, e.g. DE)", "country", "text")}
                {field("sp", "sub_processor", "What it does for you", "purpose", "text")}
                <fieldset class="checks">
                    <legend>"Data it receives"</legend>
                    {DataCategory::ALL.iter().filter(|c| categories.iter().any(|v| v == c.code())).map(|c| {
                        let id = format!("pr-cat-{}", c.code());
                        let label_for = id.clone();
                        let checked = kept("sub_processor", &format!("cat_{}", c.code())).is_some();
                        view! { <label class="check" for=label_for><input id=id type="checkbox" name=format!("p[categories][{}]", c.code()) checked=checked/>{format!(" {}", c.label())}</label> }
                    }).collect_view()}
                </fieldset>
                {field("sp", "sub_processor", "Takes effect on", "effective_on", "date")}
                <button type="submit" class="button">"Propose for review"</button>
            </form>
            <h3 id="propose-country-h">"A new country you process our customers' data in"</h3>
            <form method="post" action=Propose::url() class="form grid" id="proposal-country-form" aria-labelledby="propose-country-h">
                {refusal("country")}
                <input type="hidden" name="p[kind]" value="country"/>
                {field("country", "country", "Country (ISO code, e.g. PT)", "country", "text")}
                {field("country", "country", "Takes effect on", "effective_on", "date")}
                <button type="submit" class="button">"Propose for review"</button>
            </form>
            <h3 id="propose-contact-h">"A new contact"</h3>
            <form method="post" action=Propose::url() class="form grid" id="proposal-contact-form" aria-labelledby="propose-contact-h">
                {refusal("contact")}
                <input type="hidden" name="p[kind]" value="contact"/>
                {field("contact", "contact", "Name", "name", "text")}
                {field("contact", "contact", "Work e-mail", "email", "email")}
                <fieldset class="checks">
                    <legend>"Answers for"</legend>
                    {[("privacy", "Privacy"), ("security", "Security"), ("training", "Training")].into_iter().map(|(code, label)| {
                        let id = format!("pr-role-{code}");
                        let label_for = id.clone();
                        view! { <label class="check" for=label_for><input id=id type="checkbox" name=format!("p[answers_for][{code}]")/>{format!(" {label}")}</label> }
                    }).collect_view()}
                </fieldset>
                <button type="submit" class="button">"Propose for review"</button>
            </form>
        </section>
    }
}

#[component]
pub fn ProposalReviewPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params.with(|p| p.get("id").and_then(|i| i.parse::<i64>().ok()).unwrap_or(0))
    });
    let decide = ServerAction::<DecideProposal>::new();
    let data = Resource::new(
        move || (id.get(), decide.version().get()),
        |(id, _)| load_proposal_review(id),
    );
    view! {
        <Title text="Proposal review"/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/manage">"Manage"</a>" / "<a href="/manage/reviews">"Reviews"</a>" / "<span aria-current="page">{move || format!("Proposal {}", id.get())}</span></nav>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(r) => view! { <Proposal r decide/> }.into_any(),
                    Err(AppError::Unauthorized) => view! { <SignInFirst/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn line_list(id: &'static str, lines: Vec<String>) -> impl IntoView {
    view! {
        <ul id=id class="plain">
            {lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}
        </ul>
    }
}

fn chain_table(id: &'static str, list: Vec<SubProcessor>) -> impl IntoView {
    view! {
        <table class="records" id=id>
            <thead><tr><th scope="col">"Name"</th><th scope="col">"Country"</th><th scope="col">"Purpose"</th><th scope="col">"Data"</th></tr></thead>
            <tbody>{list.into_iter().map(|s| view! {
                <tr><th scope="row">{s.legal_name}</th><td>{s.country}</td><td>{s.purpose}</td><td>{s.categories.join(", ")}</td></tr>
            }).collect_view()}</tbody>
        </table>
    }
}

#[component]
fn Proposal(r: ProposalReview, decide: ServerAction<DecideProposal>) -> impl IntoView {
    let error = last_error(decide);
    let p = r.proposal;
    let decided = decision_text(p.state, &p.reviewed_by, &p.reviewed_at, &p.comment);
    let approve = match r.kind {
        ProposalKind::Contact => "the contact is invited: mailed a sign-in link to the portal",
        ProposalKind::PublishedList if !r.lines_before.is_empty() => "it is marked as read: edit the sub-processors on the vendor's page as the new page says",
        _ => "it is saved as if you typed it: announced to subscribers, in effect on its day",
    };
    view! {
        <h1>{format!("{}: {}", p.vendor_name, p.summary)}</h1>
        <p>{format!("Proposed {} by {} ({}); to take effect on {}.", p.submitted_at, p.submitted_by, match p.days_waiting { 0 => "today".to_string(), n => format!("waiting {}", days(n)) }, if p.effective_on.is_empty() { "the earliest day allowed" } else { &p.effective_on })}</p>
        {(p.conflict && p.state == ReviewState::Pending).then(|| view! {
            <div class="notice notice-error" role="status" id="proposal-conflict"><p>"The vendor's record changed since this was proposed: it cannot be accepted as it stands (that could undo the change). Ask for changes, and the vendor proposes it again against the record as it is, or reject it."</p></div>
        })}
        {match r.kind {
            ProposalKind::SubProcessor | ProposalKind::PublishedList if r.lines_before.is_empty() => view! {
                <h2>"Sub-processors now"</h2>
                {chain_table("proposal-before", r.before)}
                <h2>"With the proposal"</h2>
                {if r.lines_after.is_empty() {
                    chain_table("proposal-after", r.after).into_any()
                } else {
                    view! { <div class="notice notice-error" role="status" id="proposal-cannot"><p>{r.lines_after.join(" ")}</p></div> }.into_any()
                }}
            }.into_any(),
            kind => {
                let what = match kind {
                    ProposalKind::Country => "Processing countries",
                    ProposalKind::PublishedList => "The published list",
                    _ => "Contacts",
                };
                view! {
                    <h2>{format!("{what} now")}</h2>
                    {line_list("proposal-before", r.lines_before)}
                    <h2>"With the proposal"</h2>
                    {line_list("proposal-after", r.lines_after)}
                }.into_any()
            }
        }}
        {(!r.versions.is_empty()).then(|| view! {
            <ul class="plain" id="proposal-versions">
                {r.versions.into_iter().map(|(label, href)| view! { <li><a href=href rel="external" download>{label}</a></li> }).collect_view()}
            </ul>
        })}
        <p><a href=format!("/manage/vendors/{}", p.vendor_slug)>{format!("{}'s record and evidence", p.vendor_name)}</a></p>
        {match decided {
            Some(text) => view! { <div class="notice" role="status" id="review-decided"><p>{text}</p></div> }.into_any(),
            None if r.can_decide => view! {
                <ActionForm action=decide attr:class="form narrow" attr:id="review-form">
                    <FormError error/>
                    <DecisionFields id=p.id version=p.version approve=approve error/>
                </ActionForm>
            }.into_any(),
            None => ().into_any(),
        }}
    }
}
