//! The editing forms of a vendor's internal page. Each posts to its server function (and works
//! without JavaScript); messages appear next to the fields they are about.

use leptos::prelude::*;

use crate::{
    api::evidence::{
        AddAssessment, AddAttestation, AddContract, AddEnrollment, AddTraining, BulkTraining,
        EditAttestation, EditTraining, RemoveRecord,
    },
    components::{count_successes, last_error, options, saved, Choice, Field, FieldMsg, FormError},
    domain::assurance::{
        AssessmentKind, Attestation, AttestationOutcome, ContractKind, EnrollmentStatus,
        Obligation, RecordKey, TrainingRecord,
    },
};

/// The editing actions of this page. The records reload after a successful save only: a
/// refused one keeps the form, its entries and its messages on screen.
#[derive(Clone, Copy)]
pub struct Actions {
    pub training: ServerAction<AddTraining>,
    pub edit_training: ServerAction<EditTraining>,
    pub bulk: ServerAction<BulkTraining>,
    pub enrollment: ServerAction<AddEnrollment>,
    pub attestation: ServerAction<AddAttestation>,
    pub edit_attestation: ServerAction<EditAttestation>,
    pub assessment: ServerAction<AddAssessment>,
    pub contract: ServerAction<AddContract>,
    pub remove: ServerAction<RemoveRecord>,
    /// Successful saves so far.
    pub saved: RwSignal<usize>,
    /// The record whose row form was submitted last (its messages show there).
    pub last_row: RwSignal<i64>,
}

impl Actions {
    pub fn new() -> Self {
        let saved = RwSignal::new(0);
        let acts = Actions {
            training: ServerAction::new(),
            edit_training: ServerAction::new(),
            bulk: ServerAction::new(),
            enrollment: ServerAction::new(),
            attestation: ServerAction::new(),
            edit_attestation: ServerAction::new(),
            assessment: ServerAction::new(),
            contract: ServerAction::new(),
            remove: ServerAction::new(),
            saved,
            last_row: RwSignal::new(0),
        };
        count_successes(acts.training, saved);
        count_successes(acts.edit_training, saved);
        count_successes(acts.bulk, saved);
        count_successes(acts.enrollment, saved);
        count_successes(acts.attestation, saved);
        count_successes(acts.edit_attestation, saved);
        count_successes(acts.assessment, saved);
        count_successes(acts.contract, saved);
        count_successes(acts.remove, saved);
        acts
    }
}

fn course_options(courses: &[String]) -> Vec<(String, String)> {
    courses.iter().map(|c| (c.clone(), c.clone())).collect()
}

#[component]
pub fn EnrollmentForm(vendor: String) -> impl IntoView {
    let act = expect_context::<Actions>().enrollment;
    let error = last_error(act);
    view! {
        <details class="editor"><summary>"Record an enrollment change"</summary>
        <ActionForm action=act attr:class="form grid">
            <FormError error/>
            <input type="hidden" name="e[vendor]" value=vendor/>
            <Field label="Date" arg="e" name="enrolled_on" id="en-date".into() kind="date" required=true error/>
            <Choice label="Status" arg="e" name="status" id="en-status".into() error options=options(EnrollmentStatus::ALL, EnrollmentStatus::code, EnrollmentStatus::label)/>
            <button type="submit" class="button">"Add enrollment entry"</button>
            {saved(act)}
        </ActionForm>
        </details>
    }
}

#[component]
pub fn AttestationForm(vendor: String) -> impl IntoView {
    let act = expect_context::<Actions>().attestation;
    let error = last_error(act);
    view! {
        <details class="editor"><summary>"Add an attestation"</summary>
        <ActionForm action=act attr:class="form grid">
            <FormError error/>
            <input type="hidden" name="a[vendor]" value=vendor/>
            <Field label="Submitted on" arg="a" name="submitted_on" id="at-submitted".into() kind="date" required=true error/>
            <Choice label="Outcome" arg="a" name="outcome" id="at-outcome".into() error options=options(AttestationOutcome::ALL, AttestationOutcome::code, AttestationOutcome::label)/>
            <Field label="Approved on" arg="a" name="approved_on" id="at-approved-on".into() kind="date" error/>
            <Field label="Approved by" arg="a" name="approved_by" id="at-approved-by".into() error/>
            <button type="submit" class="button">"Add attestation"</button>
            {saved(act)}
        </ActionForm>
        </details>
    }
}

/// Change one attestation (for example, record its approval), at the version shown.
#[component]
pub fn AttestationEditForm(vendor: String, key: RecordKey, record: Attestation) -> impl IntoView {
    let acts = expect_context::<Actions>();
    let act = acts.edit_attestation;
    let last_row = acts.last_row;
    // attestation ids and training ids may coincide: keep them apart
    let row = -key.id;
    let error = Signal::derive(move || {
        (last_row.get() == row)
            .then(|| act.value().get().and_then(|r| r.err()))
            .flatten()
    });
    let p = format!("at-{}", key.id);
    let submitted = record.submitted_on.to_string();
    view! {
        <details class="editor inline"><summary aria-label=format!("Edit the attestation submitted {submitted}")>"Edit"</summary>
        <ActionForm action=act attr:class="form" on:submit=move |_| last_row.set(row)>
            <FormError error/>
            <input type="hidden" name="a[vendor]" value=vendor/>
            <input type="hidden" name="a[id]" value=key.id/>
            <input type="hidden" name="a[version]" value=key.version/>
            <Field label="Submitted on" arg="a" name="submitted_on" id=format!("{p}-submitted") kind="date" value=submitted.clone() required=true error/>
            <Choice label="Outcome" arg="a" name="outcome" id=format!("{p}-outcome") error selected=record.outcome.code() options=options(AttestationOutcome::ALL, AttestationOutcome::code, AttestationOutcome::label)/>
            <Field label="Approved on" arg="a" name="approved_on" id=format!("{p}-approved-on") kind="date" value=record.approved_on.map(|d| d.to_string()).unwrap_or_default() error/>
            <Field label="Approved by" arg="a" name="approved_by" id=format!("{p}-approved-by") value=record.approved_by.clone().unwrap_or_default() error/>
            <button type="submit" class="button">"Save attestation"</button>
        </ActionForm>
        </details>
    }
}

#[component]
pub fn AssessmentForm(vendor: String) -> impl IntoView {
    let act = expect_context::<Actions>().assessment;
    let error = last_error(act);
    view! {
        <details class="editor"><summary>"Add an independent assessment"</summary>
        <ActionForm action=act attr:class="form grid">
            <FormError error/>
            <input type="hidden" name="a[vendor]" value=vendor/>
            <Choice label="Kind" arg="a" name="kind" id="as-kind".into() error options=options(AssessmentKind::ALL, AssessmentKind::code, AssessmentKind::label)/>
            <Field label="Assessor" arg="a" name="assessor" id="as-assessor".into() required=true error/>
            <Field label="Period start" arg="a" name="period_start" id="as-start".into() kind="date" required=true error/>
            <Field label="Period end" arg="a" name="period_end" id="as-end".into() kind="date" required=true error/>
            <Field label="Issued on" arg="a" name="issued_on" id="as-issued".into() kind="date" required=true error/>
            <Field label="Valid until" arg="a" name="valid_until" id="as-valid".into() kind="date" required=true error/>
            <button type="submit" class="button">"Add assessment"</button>
            {saved(act)}
        </ActionForm>
        </details>
    }
}

#[component]
pub fn TrainingForm(vendor: String, courses: Vec<String>) -> impl IntoView {
    let act = expect_context::<Actions>().training;
    let error = last_error(act);
    view! {
        <details class="editor" open><summary>"Add a training record"</summary>
        <ActionForm action=act attr:class="form grid">
            <FormError error/>
            <input type="hidden" name="t[vendor]" value=vendor/>
            <Field label="Person" arg="t" name="person_name" id="tr-name".into() required=true error/>
            <Field label="Person's email" arg="t" name="person_email" id="tr-email".into() kind="email" required=true error/>
            <Choice label="Course" arg="t" name="course" id="tr-course".into() error options=course_options(&courses)/>
            <Field label="Completed on" arg="t" name="completed_on" id="tr-completed".into() kind="date" required=true error/>
            <button type="submit" class="button">"Add training record"</button>
            {saved(act)}
        </ActionForm>
        </details>
    }
}

#[component]
pub fn BulkTrainingForm(vendor: String, courses: Vec<String>) -> impl IntoView {
    let act = expect_context::<Actions>().bulk;
    let error = last_error(act);
    let done = move || match act.value().get() {
        Some(Ok(n)) => Some(
            view! { <p class="notice notice-ok" role="status">{format!("Added {n} training records.")}</p> },
        ),
        _ => None,
    };
    view! {
        <details class="editor"><summary>"Add several people who took one course"</summary>
        <ActionForm action=act attr:class="form grid">
            <FormError error/>
            <input type="hidden" name="b[vendor]" value=vendor/>
            <div class="field wide">
                <label for="bulk-people">"People, one per line"</label>
                <span class="hint">"Name <email> or Name, email"</span>
                <textarea id="bulk-people" name="b[people]" rows="4" aria-describedby="bulk-people-error"></textarea>
                <FieldMsg error name="people" id="bulk-people-error".into()/>
            </div>
            <Choice label="Course" arg="b" name="course" id="bulk-course".into() error options=course_options(&courses)/>
            <Field label="Completed on" arg="b" name="completed_on" id="bulk-completed".into() kind="date" required=true error/>
            <button type="submit" class="button">"Add all"</button>
            {done}
        </ActionForm>
        </details>
    }
}

/// Change one training record, at the version shown.
#[component]
pub fn TrainingEditForm(
    vendor: String,
    key: RecordKey,
    record: TrainingRecord,
    courses: Vec<String>,
) -> impl IntoView {
    let act = expect_context::<Actions>().edit_training;
    // only the row whose form was submitted shows the result
    let acts = expect_context::<Actions>();
    let last_row = acts.last_row;
    let error = Signal::derive(move || {
        (last_row.get() == key.id)
            .then(|| act.value().get().and_then(|r| r.err()))
            .flatten()
    });
    let p = format!("tr-{}", key.id);
    view! {
        <details class="editor inline"><summary aria-label=format!("Edit the training record of {}", record.person_name)>"Edit"</summary>
        <ActionForm action=act attr:class="form" on:submit=move |_| last_row.set(key.id)>
            <FormError error/>
            <input type="hidden" name="t[vendor]" value=vendor/>
            <input type="hidden" name="t[id]" value=key.id/>
            <input type="hidden" name="t[version]" value=key.version/>
            <Field label="Person" arg="t" name="person_name" id=format!("{p}-name") value=record.person_name required=true error/>
            <Field label="Person's email" arg="t" name="person_email" id=format!("{p}-email") kind="email" value=record.person_email required=true error/>
            <Choice label="Course" arg="t" name="course" id=format!("{p}-course") error options=course_options(&courses) selected=record.course/>
            <Field label="Completed on" arg="t" name="completed_on" id=format!("{p}-completed") kind="date" value=record.completed_on.to_string() required=true error/>
            <button type="submit" class="button">"Save training record"</button>
        </ActionForm>
        </details>
    }
}

#[component]
pub fn ContractForm(vendor: String) -> impl IntoView {
    let act = expect_context::<Actions>().contract;
    let error = last_error(act);
    view! {
        <details class="editor"><summary>"Add a contract"</summary>
        <ActionForm action=act attr:class="form grid">
            <FormError error/>
            <input type="hidden" name="c[vendor]" value=vendor/>
            <Choice label="Kind" arg="c" name="kind" id="co-kind".into() error options=options(ContractKind::ALL, ContractKind::code, ContractKind::label)/>
            <Field label="Reference" arg="c" name="reference" id="co-ref".into() required=true error/>
            <Field label="Signed on" arg="c" name="signed_on" id="co-signed".into() kind="date" required=true error/>
            <Field label="In force from" arg="c" name="in_force_from" id="co-from".into() kind="date" required=true error/>
            <Field label="Ends on" arg="c" name="ends_on" id="co-ends".into() kind="date" error hint="Leave empty if open-ended"/>
            <Field label="Notice (days)" arg="c" name="notice_days" id="co-notice".into() kind="number" error/>
            <div class="field"><label><input type="checkbox" name="c[auto_renew]" value="on"/>" Renews automatically"</label></div>
            <fieldset class="field wide">
                <legend>"Obligations it carries"</legend>
                {Obligation::ALL.iter().map(|o| view! {
                    <label class="check"><input type="checkbox" name=format!("c[obligations][{}]", o.code()) value="on"/>" "{o.label()}</label>
                }).collect_view()}
                <FieldMsg error name="obligations" id="co-obligations-error".into()/>
            </fieldset>
            <Field label="Breach notice within (hours)" arg="c" name="breach_hours" id="co-hours".into() kind="number" error/>
            <button type="submit" class="button">"Add contract"</button>
            {saved(act)}
        </ActionForm>
        </details>
    }
}

/// Remove one record, after a second click that confirms it: the first opens the question,
/// the second submits (plain HTML, so it works without JavaScript and needs no inline script,
/// which the Content-Security-Policy would refuse).
#[component]
pub fn RemoveButton(
    vendor: String,
    kind: &'static str,
    key: RecordKey,
    what: &'static str,
) -> impl IntoView {
    let act = expect_context::<Actions>().remove;
    // once asked, the question closes: the list re-renders in place after a removal, and an
    // open question would otherwise stand on the next row
    let question = NodeRef::<leptos::html::Details>::new();
    let close = move |_| {
        if let Some(d) = question.get() {
            let _ = d.remove_attribute("open");
        }
    };
    view! {
        <details class="editor inline confirm" node_ref=question on:submit=close>
            <summary class="link-button danger" aria-label=format!("Remove {what}")>"Remove"</summary>
            <ActionForm action=act attr:class="inline">
                <input type="hidden" name="r[vendor]" value=vendor/>
                <input type="hidden" name="r[kind]" value=kind/>
                <input type="hidden" name="r[id]" value=key.id/>
                <input type="hidden" name="r[version]" value=key.version/>
                <span>{format!("Remove {what}? The removal is recorded in the audit trail. ")}</span>
                <button type="submit" class="link-button danger">"Yes, remove"</button>
            </ActionForm>
        </details>
    }
}
