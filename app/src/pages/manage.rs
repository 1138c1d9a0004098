use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::{
    api::evidence::{load_vendor_assurance, InternalAssurance},
    components::{
        date_text, last_error, ComplianceBadge, ErrorNotice, FormError, History, StatusBadge,
    },
    domain::assurance::TrainingRecord,
    error::AppError,
    pages::evidence_forms::{
        Actions, AssessmentForm, AttestationEditForm, AttestationForm, BulkTrainingForm,
        ContractForm, EnrollmentForm, RemoveButton, TrainingEditForm, TrainingForm,
    },
    pages::{NotFoundPage, SignInFirst},
};

/// `/manage/vendors/{slug}`: every assurance record of a vendor and the computed reasons.
#[component]
pub fn ManageVendorPage() -> impl IntoView {
    let params = use_params_map();
    let slug = Memo::new(move |_| params.with(|p| p.get("slug").unwrap_or_default()));
    let acts = Actions::new();
    provide_context(acts);
    let data = Resource::new(
        move || (slug.get(), acts.saved.get()),
        |(slug, _)| load_vendor_assurance(slug),
    );
    // created here, not inside the Suspend below, so the server and the browser agree on it
    let objections = super::notices::vendor_objections(slug);
    view! {
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(a) => view! {
                        <super::chain::ChainSection slug=a.slug.clone() version=a.version categories=a.categories.clone() list=a.sub_processors.clone() can_edit=a.can_edit saved=acts.saved/>
                        <AssuranceRecords a/>
                        <super::notices::VendorObjections data=objections/>
                    }.into_any(),
                    Err(AppError::NotFound) => view! { <NotFoundPage/> }.into_any(),
                    Err(AppError::Unauthorized) => view! { <SignInFirst/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
        <super::contacts::ContactsSection slug/>
        <super::watch::WatchSection slug/>
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "Yes"
    } else {
        "No"
    }
}

#[component]
fn AssuranceRecords(a: InternalAssurance) -> impl IntoView {
    let day = a.today;
    let e = a.evidence.clone();
    let title = format!("Assurance: {}", a.legal_name);
    let window = a.lapse_window.map(|w| {
        format!(
            "Lapses within {w} days ({}).",
            date_text(a.compliance.next_change)
        )
    });
    let training_valid = |t: &TrainingRecord| t.valid_on(day);
    let edit = a.can_edit;
    let slug = a.slug.clone();
    let keys = a.keys.clone();
    let courses = a.courses.clone();
    view! {
        <Title text=title.clone()/>
        <nav aria-label="Breadcrumb" class="breadcrumb">
            <a href="/">"Registry"</a>" / "
            <a href=format!("/subprocessors/{}", a.slug)>{a.legal_name.clone()}</a>" / "
            <span aria-current="page">"Assurance records"</span>
        </nav>
        <article class="vendor manage">
            <header class="vendor-head">
                <h1>{title}</h1>
                <StatusBadge status=a.status/>
                <ComplianceBadge standing=a.compliance.standing/>
            </header>
            <p class="hint">"Internal view, computed on "{date_text(Some(day))}". Tier: "{a.tier.label()}"."</p>
            {edit.then(|| view! { <p><a class="button" href=format!("/manage/vendors/{}/edit", a.slug)>"Edit vendor details"</a></p> })}
            <FormError error=last_error(expect_context::<Actions>().remove)/>
            {window.map(|w| view! { <p class="notice">{w}</p> })}
            {(!a.compliance.reasons.is_empty()).then(|| view! {
                {view! { <section aria-labelledby="reasons-h">
                    <h2 id="reasons-h">"Why it is not compliant"</h2>
                    <ul class="reasons">{a.compliance.reasons.iter().map(|r| view! { <li>{r.internal()}</li> }).collect_view()}</ul>
                </section> }.into_any()}
            })}
            {view! { <section aria-labelledby="enrol-h">
                <h2 id="enrol-h">"VPAP enrollment history"</h2>
                <table class="records">
                    <thead><tr><th scope="col">"Enrolled on"</th><th scope="col">"Status"</th>{edit.then(|| view! { <th scope="col">"Action"</th> })}</tr></thead>
                    <tbody>{e.enrollments.iter().zip(keys.enrollments.iter()).rev().map(|(en, k)| view! {
                        <tr><td>{date_text(Some(en.enrolled_on))}</td><td>{en.status.label()}</td>
                        {edit.then(|| view! { <td><RemoveButton vendor=slug.clone() kind="enrollment" key=*k what="this enrollment entry"/></td> })}</tr>
                    }).collect_view()}</tbody>
                </table>
                {edit.then(|| view! { <EnrollmentForm vendor=slug.clone()/> })}
            </section> }.into_any()}
            {view! { <section aria-labelledby="att-h">
                <h2 id="att-h">"Attestations"</h2>
                <table class="records">
                    <thead><tr><th scope="col">"Submitted"</th><th scope="col">"Outcome"</th><th scope="col">"Approved on"</th><th scope="col">"Approved by"</th><th scope="col">"Valid until"</th><th scope="col">"Valid today"</th>{edit.then(|| view! { <th scope="col">"Action"</th> })}</tr></thead>
                    <tbody>{e.attestations.iter().zip(keys.attestations.iter()).rev().map(|(t, k)| view! {
                        <tr>
                            <td>{date_text(Some(t.submitted_on))}</td><td>{t.outcome.label()}</td>
                            <td>{date_text(t.approved_on)}</td><td>{t.approved_by.clone().unwrap_or_default()}</td>
                            <td>{date_text(t.valid_until())}</td><td>{yes_no(t.valid_on(day))}</td>
                            {edit.then(|| view! { <td>
                                <AttestationEditForm vendor=slug.clone() key=*k record=t.clone()/>
                                <RemoveButton vendor=slug.clone() kind="attestation" key=*k what="this attestation"/>
                            </td> })}
                        </tr>
                    }).collect_view()}</tbody>
                </table>
                {edit.then(|| view! { <AttestationForm vendor=slug.clone()/> })}
            </section> }.into_any()}
            {view! { <section aria-labelledby="ass-h">
                <h2 id="ass-h">"Independent assessments"</h2>
                {if e.assessments.is_empty() { view! { <p>"None on record."</p> }.into_any() } else { view! {
                    <table class="records">
                        <thead><tr><th scope="col">"Kind"</th><th scope="col">"Assessor"</th><th scope="col">"Period"</th><th scope="col">"Issued"</th><th scope="col">"Valid until"</th>{edit.then(|| view! { <th scope="col">"Action"</th> })}</tr></thead>
                        <tbody>{e.assessments.iter().zip(keys.assessments.iter()).map(|(s, k)| view! {
                            <tr><td>{s.kind.label()}</td><td>{s.assessor.clone()}</td>
                            <td>{format!("{} to {}", date_text(Some(s.period_start)), date_text(Some(s.period_end)))}</td>
                            <td>{date_text(Some(s.issued_on))}</td><td>{date_text(Some(s.valid_until))}</td>
                            {edit.then(|| view! { <td><RemoveButton vendor=slug.clone() kind="assessment" key=*k what="this assessment"/></td> })}</tr>
                        }).collect_view()}</tbody>
                    </table>
                }.into_any() }}
                {edit.then(|| view! { <AssessmentForm vendor=slug.clone()/> })}
            </section> }.into_any()}
            {view! { <section aria-labelledby="train-h">
                <h2 id="train-h">"Training records"</h2>
                {if e.training.is_empty() { view! { <p>"No training records."</p> }.into_any() } else { view! {
                    <table class="records">
                        <thead><tr><th scope="col">"Person"</th><th scope="col">"Email"</th><th scope="col">"Course"</th><th scope="col">"Completed"</th><th scope="col">"Expires"</th><th scope="col">"Valid today"</th>{edit.then(|| view! { <th scope="col">"Action"</th> })}</tr></thead>
                        <tbody>{e.training.iter().zip(keys.training.iter()).map(|(t, k)| view! {
                            <tr><td>{t.person_name.clone()}</td><td>{t.person_email.clone()}</td><td>{t.course.clone()}</td>
                            <td>{date_text(Some(t.completed_on))}</td><td>{date_text(Some(t.expires_on))}</td><td>{yes_no(training_valid(t))}</td>
                            {edit.then(|| view! { <td>
                                <TrainingEditForm vendor=slug.clone() key=*k record=t.clone() courses=courses.clone()/>
                                <RemoveButton vendor=slug.clone() kind="training" key=*k what="this training record"/>
                            </td> })}</tr>
                        }).collect_view()}</tbody>
                    </table>
                }.into_any() }}
                {edit.then(|| view! {
                    <TrainingForm vendor=slug.clone() courses=courses.clone()/>
                    <BulkTrainingForm vendor=slug.clone() courses=courses.clone()/>
                })}
            </section> }.into_any()}
            {view! { <section aria-labelledby="con-h">
                <h2 id="con-h">"Contracts and obligations"</h2>
                <p>"Required: "{a.required.iter().map(|o| o.label()).collect::<Vec<_>>().join("; ")}"."</p>
                {if e.contracts.is_empty() { view! { <p>"No contracts on record."</p> }.into_any() } else {
                    e.contracts.iter().zip(keys.contracts.iter()).map(|(c, k)| view! {
                        <div class="contract">
                            <h3>{c.kind.label()}" "{c.reference.clone()}</h3>
                            {edit.then(|| view! { <RemoveButton vendor=slug.clone() kind="contract" key=*k what="this contract"/> })}
                            <p>
                                "Signed "{date_text(Some(c.signed_on))}", in force from "{date_text(Some(c.in_force_from))}
                                ", ends "{date_text(c.ends_on)}". Auto-renew: "{yes_no(c.auto_renew)}
                                ", notice "{c.notice_days}" days. In force today: "{yes_no(c.in_force_on(day))}"."
                            </p>
                            <ul class="plain obligations">{c.obligations.iter().map(|t| view! {
                                <li>{t.obligation.label()}{t.hours.map(|h| format!(" (within {h} hours)"))}</li>
                            }).collect_view()}</ul>
                        </div>
                    }).collect_view().into_any()
                }}
                {edit.then(|| view! { <ContractForm vendor=slug.clone()/> })}
            </section> }.into_any()}
            <History entries=a.history.clone()/>
        </article>
    }
}
