//! The VPAP attestation in the portal: the `/vendor` section (what was signed, where its
//! review stands) and `/vendor/attestation` (the questionnaire in force, answered and signed
//! by typing one's name). A plain multipart form: it works the same without JavaScript, and a
//! refusal comes back in the address (`?<field>=<reason>`), each reason shown at its field.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::attestations::{
        load_attestation_form, Answer, AnswerLine, AttestationForm, ReviewState, SignAttestation,
        SignedAttestation,
    },
    components::ErrorNotice,
    error::AppError,
    files::limits::MAX_DOCUMENT_BYTES,
    pages::{reviews::DocumentLink, ContactSignInFirst},
};

/// Where an attestation stands, for its signer.
pub fn standing(a: &SignedAttestation) -> String {
    match a.state {
        ReviewState::Pending => match a.days_waiting {
            0 => "Waiting for review (signed today)".into(),
            1 => "Waiting for review (1 day)".into(),
            n => format!("Waiting for review ({n} days)"),
        },
        ReviewState::Approved => match &a.valid_until {
            Some(u) => format!("Approved, counts until {u}"),
            None => "Approved".into(),
        },
        state if a.comment.is_empty() => state.label().to_string(),
        state => format!("{}: {}", state.label(), a.comment),
    }
}

/// The `/vendor` section: the attestations signed, and the way to sign the next one.
#[component]
pub fn PortalAttestation(list: Vec<SignedAttestation>) -> impl IntoView {
    let query = use_query_map();
    let sent = move || query.with(|q| q.get("attested").is_some());
    let waiting = list
        .first()
        .is_some_and(|a| a.state == ReviewState::Pending);
    view! {
        <section aria-labelledby="attestation-h">
            <h2 id="attestation-h">"Annual VPAP attestation"</h2>
            <p class="hint">"Once a year you confirm, statement by statement, that your company keeps the privacy obligations it owes us, and sign by typing your name. It counts for twelve months from our approval."</p>
            {move || sent().then(|| view! { <div class="notice" role="status" id="attestation-sent"><p>"Signed and submitted. It waits for our review; we mail you when it is decided."</p></div> })}
            {if list.is_empty() {
                view! { <p>"No attestation signed yet."</p> }.into_any()
            } else {
                view! {
                    <table class="records" id="attestations">
                        <thead><tr><th scope="col">"Signed"</th><th scope="col">"By"</th><th scope="col">"Questionnaire"</th><th scope="col">"Review"</th></tr></thead>
                        <tbody>{list.iter().map(|a| view! {
                            <tr>
                                <th scope="row">{a.signed_at.clone()}</th>
                                <td>{a.signed_name.clone()}</td>
                                <td>{format!("Version {}", a.questionnaire)}</td>
                                <td>{standing(a)}</td>
                            </tr>
                        }).collect_view()}</tbody>
                    </table>
                }.into_any()
            }}
            {if waiting {
                view! { <p>"You can sign again once we have decided on the one waiting."</p> }.into_any()
            } else {
                view! { <p><a class="button" href="/vendor/attestation" id="attestation-open">"Answer and sign the attestation"</a></p> }.into_any()
            }}
        </section>
    }
}

/// `/vendor/attestation`.
#[component]
pub fn AttestationPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| load_attestation_form());
    view! {
        <Title text="VPAP attestation"/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/vendor">"Vendor portal"</a>" / "<span aria-current="page">"Attestation"</span></nav>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(form) => view! { <Questionnaire form/> }.into_any(),
                    Err(AppError::Unauthorized) => view! { <ContactSignInFirst title="VPAP attestation"/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Questionnaire(form: AttestationForm) -> impl IntoView {
    let query = use_query_map();
    let errors: Vec<(String, String)> =
        query.with_untracked(|q| {
            ["questionnaire", "signed_name"]
                .into_iter()
                .map(str::to_string)
                .chain(form.lines.iter().flat_map(|l| {
                    ["answer", "explanation", "file"].map(|f| format!("{f}.{}", l.key))
                }))
                .filter_map(|f| q.get(&f).map(|m| (f, m)))
                .collect()
        });
    let error_at = {
        let errors = errors.clone();
        move |field: &str| {
            errors
                .iter()
                .find(|(f, _)| f == field)
                .map(|(_, m)| m.clone())
        }
    };
    let can_sign = form.can_sign();
    let last_comment = form
        .last
        .as_ref()
        .filter(|l| l.state == ReviewState::ChangesRequested)
        .map(|l| l.comment.clone());
    view! {
        <h1>{form.title.clone()}</h1>
        <p class="hint">{format!("Version {} of the questionnaire. SHA-256 of its text: ", form.number)}<code class="hash">{form.sha256.clone()}</code></p>
        <p>{form.introduction.clone()}</p>
        {last_comment.map(|c| view! { <div class="notice notice-error" role="status" id="attestation-changes"><p>{format!("We asked for changes to your last attestation: {c}")}</p></div> })}
        {(!errors.is_empty()).then(|| view! {
            <div class="notice notice-error" role="alert" id="attestation-errors">
                <p>"Nothing was submitted:"</p>
                <ul>{errors.iter().map(|(_, m)| view! { <li>{m.clone()}</li> }).collect_view()}</ul>
            </div>
        })}
        {if can_sign {
            view! {
                <form method="post" action=SignAttestation::url() enctype="multipart/form-data" class="form" id="attestation-form">
                    <input type="hidden" name="questionnaire" value=form.questionnaire_id/>
                    <ol class="questions">
                        {form.lines.iter().map(|l| view! { <Statement l=l.clone() error_at=error_at.clone()/> }).collect_view()}
                    </ol>
                    <fieldset class="signature">
                        <legend>"Signature"</legend>
                        <p class="hint">"By typing your name you sign these answers for your company. We keep your name with the time, your address and the SHA-256 of the questionnaire's text."</p>
                        <div class="field">
                            <label for="at-signed-name">"Your full name"</label>
                            <input id="at-signed-name" name="signed_name" required maxlength="200" autocomplete="name" value=form.contact_name.clone() aria-describedby="at-signed-name-error"/>
                            {error_at("signed_name").map(|m| view! { <p class="field-error" id="at-signed-name-error">{m}</p> })}
                        </div>
                    </fieldset>
                    <button type="submit" class="button">"Sign and submit for review"</button>
                </form>
            }.into_any()
        } else {
            view! { <p id="attestation-waiting">"Your last attestation waits for our review: you can sign again once it is decided."</p> }.into_any()
        }}
    }
}

/// One statement: its text, the three answers, the explanation, and the document where a
/// "yes" needs one.
#[component]
fn Statement<F>(l: AnswerLine, error_at: F) -> impl IntoView
where
    F: Fn(&str) -> Option<String> + Clone + Send + 'static,
{
    let key = l.key.clone();
    let radio = |answer: Answer| {
        let id = format!("a-{key}-{}", answer.code());
        let label_for = id.clone();
        view! {
            <label class="check" for=label_for>
                <input id=id type="radio" name=format!("answer.{key}") value=answer.code() required checked=l.answer == Some(answer)/>
                {format!(" {}", answer.label())}
            </label>
        }
    };
    let answer_error = error_at(&format!("answer.{key}"));
    let explanation_error = error_at(&format!("explanation.{key}"));
    let file_error = error_at(&format!("file.{key}"));
    let x_id = format!("x-{key}");
    let f_id = format!("f-{key}");
    view! {
        <li class="question" id=format!("q-{key}")>
            <fieldset>
                <legend>{l.text.clone()}</legend>
                {l.obligation.clone().map(|o| view! { <p class="hint">{format!("Obligation: {o}")}</p> })}
                {(!l.comment.is_empty()).then(|| view! { <p class="notice notice-error">{format!("Our comment: {}", l.comment)}</p> })}
                <div class="choices">{[Answer::Yes, Answer::No, Answer::NotApplicable].map(radio).collect_view()}</div>
                {answer_error.map(|m| view! { <p class="field-error">{m}</p> })}
                <div class="field">
                    <label for=x_id.clone()>"Explanation (needed with a no)"</label>
                    <textarea id=x_id name=format!("explanation.{key}") rows="2" maxlength="4000">{l.explanation.clone()}</textarea>
                    {explanation_error.map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                {l.evidence.then(|| view! {
                    <div class="field">
                        <label for=f_id.clone()>{format!("Evidence for a yes (PDF, PNG or JPEG, at most {} MB)", MAX_DOCUMENT_BYTES / (1024 * 1024))}</label>
                        {l.document.clone().map(|d| view! { <p class="hint">"Sent last time, kept unless you choose another: "<DocumentLink d/></p> })}
                        <input id=f_id type="file" name=format!("file.{key}") accept=".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"/>
                        {file_error.map(|m| view! { <p class="field-error">{m}</p> })}
                    </div>
                })}
            </fieldset>
        </li>
    }
}
