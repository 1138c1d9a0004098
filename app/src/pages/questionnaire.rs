//! `/manage/attestations/{id}` (a signed attestation: each answer against the exact statement
//! answered, its document, a comment per answer, the decision) and `/manage/questionnaire`
//! (the questionnaire's versions; admins edit the draft as JSON and publish it). Plain forms:
//! they work the same without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::{
    api::attestations::{
        load_attestation_review, load_questionnaires, AttestationReview, DecideAttestation,
        NewQuestionnaire, PublishQuestionnaire, QuestionnaireVersion, SaveQuestionnaire,
    },
    components::{last_error, ErrorNotice, FieldMsg, FormError},
    error::AppError,
    pages::{
        attestation::standing,
        reviews::{days, decision_text, loading, DecisionFields, DocumentLink},
        SignInFirst,
    },
};

#[component]
pub fn AttestationReviewPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params.with(|p| p.get("id").and_then(|i| i.parse::<i64>().ok()).unwrap_or(0))
    });
    let decide = ServerAction::<DecideAttestation>::new();
    let data = Resource::new(
        move || (id.get(), decide.version().get()),
        |(id, _)| load_attestation_review(id),
    );
    view! {
        <Title text="Attestation review"/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/manage">"Manage"</a>" / "<a href="/manage/reviews">"Reviews"</a>" / "<span aria-current="page">{move || format!("Attestation {}", id.get())}</span></nav>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(r) => view! { <Attestation r decide/> }.into_any(),
                    Err(AppError::Unauthorized) => view! { <SignInFirst/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Attestation(r: AttestationReview, decide: ServerAction<DecideAttestation>) -> impl IntoView {
    let error = last_error(decide);
    let a = r.attestation;
    let decided = decision_text(a.state, &a.reviewed_by, &a.reviewed_at, &a.comment);
    let open = decided.is_none() && r.can_decide;
    let answers = r
        .lines
        .into_iter()
        .enumerate()
        .map(|(n, l)| {
            let note_id = format!("note-{}", l.key);
            view! {
                <tr id=format!("answer-{}", l.key)>
                    <th scope="row">{format!("{}. {}", n + 1, l.text)}
                        {l.obligation.clone().map(|o| view! { <br/><span class="hint">{o}</span> })}</th>
                    <td class="answer">{l.answer.map(|x| x.label()).unwrap_or("Not answered")}</td>
                    <td>{l.explanation.clone()}
                        {l.document.clone().map(|d| view! { <br/><DocumentLink d/> })}</td>
                    <td>{if open {
                        view! {
                            <label class="visually-hidden" for=note_id.clone()>{format!("Comment on statement {}", n + 1)}</label>
                            <textarea id=note_id name=format!("notes[{}]", l.key) rows="2" maxlength="2000"></textarea>
                        }.into_any()
                    } else {
                        view! { {l.comment.clone()} }.into_any()
                    }}</td>
                </tr>
            }
        })
        .collect_view();
    let table = view! {
        <table class="records" id="attestation-answers">
            <thead><tr><th scope="col">"Statement"</th><th scope="col">"Answer"</th><th scope="col">"Explanation and evidence"</th><th scope="col">"Comment for the vendor"</th></tr></thead>
            <tbody>{answers}</tbody>
        </table>
    };
    view! {
        <h1>{format!("{}: {}", a.vendor_name, r.title)}</h1>
        <table class="records" id="attestation-signature">
            <tbody>
                <tr><th scope="row">"Signed"</th><td>{format!("{} by {} (typed name), from {}", a.signed_at, a.signed_name, a.signed_from)}</td></tr>
                <tr><th scope="row">"Submitted by"</th><td>{format!("{} ({})", a.submitted_by, match a.days_waiting { 0 => "today".to_string(), n => format!("waiting {}", days(n)) })}</td></tr>
                <tr><th scope="row">"Questionnaire"</th><td>{format!("Version {}, SHA-256 ", a.questionnaire)}<code class="hash">{a.questionnaire_sha256.clone()}</code></td></tr>
                <tr><th scope="row">"State"</th><td>{standing(&a)}</td></tr>
            </tbody>
        </table>
        <p><a href=format!("/manage/vendors/{}", a.vendor_slug)>{format!("{}'s record and evidence", a.vendor_name)}</a></p>
        {match decided {
            Some(text) => view! { {table}<div class="notice" role="status" id="review-decided"><p>{text}</p></div> }.into_any(),
            None if open => view! {
                <ActionForm action=decide attr:class="form" attr:id="review-form">
                    <FormError error/>
                    {table}
                    <DecisionFields id=a.id version=a.version approve="it counts for twelve months from today" error/>
                </ActionForm>
            }.into_any(),
            None => table.into_any(),
        }}
    }
}

/// `/manage/questionnaire`: the versions, the draft's editor, publishing.
#[component]
pub fn QuestionnairePage() -> impl IntoView {
    let new_draft = ServerAction::<NewQuestionnaire>::new();
    let save = ServerAction::<SaveQuestionnaire>::new();
    let publish = ServerAction::<PublishQuestionnaire>::new();
    let data = Resource::new(
        move || {
            (
                new_draft.version().get(),
                save.version().get(),
                publish.version().get(),
            )
        },
        |_| load_questionnaires(),
    );
    view! {
        <Title text="Attestation questionnaire"/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/manage">"Manage"</a>" / "<span aria-current="page">"Questionnaire"</span></nav>
        <h1>"Attestation questionnaire"</h1>
        <p class="hint">"Vendors' contacts answer the newest published version. A published version never changes: answers always point at the exact text answered. To change the questions, start a draft, edit it, publish it. The format is in the guide (docs/GUIDE.md, \"The attestation questionnaire\")."</p>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(q) => {
                        let draft = q.versions.iter().find(|v| !v.published).cloned();
                        let editor = match (q.can_edit, draft) {
                            (true, Some(d)) => view! { <Draft d save publish/> }.into_any(),
                            (true, None) => {
                                let error = last_error(new_draft);
                                view! {
                                    <ActionForm action=new_draft attr:class="form narrow" attr:id="new-draft-form">
                                        <FormError error/>
                                        <button type="submit" class="button">"Start a new version (a copy of the one in force)"</button>
                                    </ActionForm>
                                }.into_any()
                            }
                            (false, _) => view! { <p>"Only admins edit the questionnaire."</p> }.into_any(),
                        };
                        view! {
                            {editor}
                            <h2>"Versions"</h2>
                            <table class="records" id="questionnaires">
                                <thead><tr><th scope="col">"Version"</th><th scope="col">"Title"</th><th scope="col">"Statements"</th><th scope="col">"State"</th><th scope="col">"SHA-256"</th></tr></thead>
                                <tbody>{q.versions.into_iter().map(|v| view! {
                                    <tr>
                                        <th scope="row">{v.number}</th>
                                        <td>{v.title.clone()}</td>
                                        <td>{v.questions}</td>
                                        <td>{if v.published { format!("Published {}", v.published_at) } else { format!("Draft, edited {}", v.edited) }}</td>
                                        <td><code class="hash">{v.sha256.clone()}</code></td>
                                    </tr>
                                }).collect_view()}</tbody>
                            </table>
                        }.into_any()
                    }
                    Err(AppError::Unauthorized) => view! { <SignInFirst/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Draft(
    d: QuestionnaireVersion,
    save: ServerAction<SaveQuestionnaire>,
    publish: ServerAction<PublishQuestionnaire>,
) -> impl IntoView {
    let save_error = last_error(save);
    let publish_error = last_error(publish);
    view! {
        <h2>{format!("Draft of version {}", d.number)}</h2>
        <ActionForm action=save attr:class="form" attr:id="draft-form">
            <FormError error=save_error/>
            <input type="hidden" name="id" value=d.id/>
            <input type="hidden" name="version" value=d.version/>
            <div class="field">
                <label for="q-body">"The questionnaire (JSON)"</label>
                <textarea id="q-body" name="body" rows="24" class="code" spellcheck="false" aria-describedby="q-body-error">{d.body.clone()}</textarea>
                <FieldMsg error=save_error name="body" id="q-body-error".into()/>
            </div>
            <button type="submit" class="button">"Save the draft"</button>
        </ActionForm>
        <ActionForm action=publish attr:class="form narrow" attr:id="publish-form">
            <FormError error=publish_error/>
            <input type="hidden" name="id" value=d.id/>
            <input type="hidden" name="version" value=d.version/>
            <label class="check" for="q-confirm"><input id="q-confirm" type="checkbox" name="confirm" value="yes" required/>{format!(" Version {} is final: once published it never changes, and contacts answer it from now on.", d.number)}</label>
            <FieldMsg error=publish_error name="confirm" id="q-confirm-error".into()/>
            <button type="submit" class="button">"Publish"</button>
        </ActionForm>
    }
}
