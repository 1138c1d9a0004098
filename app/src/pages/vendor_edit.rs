use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::{
    api::editor::{load_vendor_editor, SaveVendor, VendorEditor},
    components::{last_error, options, Choice, ErrorNotice, Field, FieldMsg, FormError},
    domain::{
        vendor::{PurposeCategory, TransferMechanism, VendorKind, WorkLocation},
        DataCategory,
    },
    error::AppError,
    pages::{NotFoundPage, SignInFirst},
};

/// `/manage/vendors/new` and `/manage/vendors/{slug}/edit`: every field of a vendor.
#[component]
pub fn VendorEditPage() -> impl IntoView {
    let params = use_params_map();
    let slug = Memo::new(move |_| params.with(|p| p.get("slug").unwrap_or_default()));
    let data = Resource::new(move || slug.get(), load_vendor_editor);
    view! {
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(ed) => view! { <VendorEditForm ed/> }.into_any(),
                    Err(AppError::NotFound) => view! { <NotFoundPage/> }.into_any(),
                    Err(AppError::Unauthorized) => view! { <SignInFirst/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn VendorEditForm(ed: VendorEditor) -> impl IntoView {
    let act = ServerAction::<SaveVendor>::new();
    let error = last_error(act);
    // after a conflict the form carries the stored version, so a compared entry can be saved
    let version = RwSignal::new(ed.vendor.version);
    Effect::new(move |_| {
        if let Some(AppError::Conflict {
            version: Some(v), ..
        }) = error.get()
        {
            version.set(v);
        }
    });
    let v = ed.vendor;
    let title = if ed.is_new {
        "New vendor".to_string()
    } else {
        format!("Edit {}", v.legal_name)
    };
    let back = if ed.is_new {
        "/manage".to_string()
    } else {
        format!("/manage/vendors/{}", v.slug)
    };
    view! {
        <Title text=title.clone()/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/manage">"Manage"</a>" / "<a href=back.clone()>{if ed.is_new { "Vendors".to_string() } else { v.legal_name.clone() }}</a></nav>
        <h1>{title}</h1>
        <ActionForm action=act attr:class="form grid vendor-form">
            <FormError error/>
            <input type="hidden" name="vendor[slug]" value=v.slug.clone()/>
            <input type="hidden" name="vendor[version]" prop:value=move || version.get() value=v.version/>
            <Field label="Legal name" arg="vendor" name="legal_name" id="v-legal".into() value=v.legal_name required=true error/>
            <Field label="Trading name" arg="vendor" name="trading_name" id="v-trading".into() value=v.trading_name error/>
            <Field label="Parent company" arg="vendor" name="parent_company" id="v-parent".into() value=v.parent_company error/>
            <Field label="Country of registration" arg="vendor" name="registration_country" id="v-country".into() value=v.registration_country required=true error hint="ISO code, e.g. DE"/>
            <Field label="Website" arg="vendor" name="website" id="v-website".into() kind="url" value=v.website error/>
            <Field label="Privacy contact" arg="vendor" name="privacy_contact" id="v-contact".into() value=v.privacy_contact error/>
            <Choice label="Kind" arg="vendor" name="kind" id="v-kind".into() error selected=v.kind options=options(VendorKind::ALL, VendorKind::code, VendorKind::label)/>
            <Choice label="Where its people work" arg="vendor" name="work_location" id="v-location".into() error selected=v.work_location options=options(WorkLocation::ALL, WorkLocation::code, WorkLocation::label)/>
            <Choice label="Purpose category" arg="vendor" name="purpose_category" id="v-purpose-cat".into() error selected=v.purpose_category options=options(PurposeCategory::ALL, PurposeCategory::code, PurposeCategory::label)/>
            <div class="field wide">
                <label for="v-purpose">"Purpose (public description)"</label>
                <textarea id="v-purpose" name="vendor[purpose]" rows="3" required aria-describedby="v-purpose-error">{v.purpose}</textarea>
                <FieldMsg error name="purpose" id="v-purpose-error".into()/>
            </div>
            <Choice label="Transfer mechanism" arg="vendor" name="transfer_mechanism" id="v-transfer".into() error selected=v.transfer_mechanism options=options(TransferMechanism::ALL, TransferMechanism::code, TransferMechanism::label)/>
            <Field label="Processing countries" arg="vendor" name="countries" id="v-countries".into() value=v.countries required=true error hint="ISO codes separated by spaces, e.g. DE FR IE"/>
            <fieldset class="field wide">
                <legend>"Services it supports"</legend>
                {ed.services.into_iter().map(|s| {
                    let checked = v.services.contains(&s.value);
                    view! { <label class="check"><input type="checkbox" name=format!("vendor[services][{}]", s.value) value="on" checked=checked/>" "{s.label}</label> }
                }).collect_view()}
                <FieldMsg error name="services" id="v-services-error".into()/>
            </fieldset>
            <fieldset class="field wide">
                <legend>"Data categories it touches"</legend>
                {DataCategory::ALL.iter().map(|c| {
                    let checked = v.categories.iter().any(|x| x == c.code());
                    view! { <label class="check"><input type="checkbox" name=format!("vendor[categories][{}]", c.code()) value="on" checked=checked/>" "{c.label()}</label> }
                }).collect_view()}
                <FieldMsg error name="categories" id="v-categories-error".into()/>
            </fieldset>
            <fieldset class="field wide">
                <legend>"Lifecycle"</legend>
                <p class="hint">
                    "Leave a date empty until it is decided. Public once announced: an announcement is dated the day it is saved, "
                    "the effective date must leave customers the notice of the vendor's data categories, and dates customers were told cannot change later. "
                    "A removal date withdraws or removes the vendor from that day."
                </p>
                <Field label="Announced on" arg="vendor" name="announced_on" id="v-announced".into() kind="date" value=v.announced_on error/>
                <Field label="Effective on" arg="vendor" name="effective_on" id="v-effective".into() kind="date" value=v.effective_on error/>
                <Field label="Removed on" arg="vendor" name="removed_on" id="v-removed".into() kind="date" value=v.removed_on error/>
                <FieldMsg error name="lifecycle" id="v-lifecycle-error".into()/>
            </fieldset>
            {(!ed.is_new).then(|| view! {
                <fieldset class="field wide">
                    <legend>"Change of scope"</legend>
                    <p class="hint">
                        "Customers are told in advance when an announced vendor gets a new country, data category or service. "
                        "Give the date such a change takes effect; it is published on the changes page."
                    </p>
                    <Field label="Wider scope takes effect on" arg="vendor" name="scope_effective_on" id="v-scope-effective".into() kind="date" error/>
                </fieldset>
            })}
            <div class="actions">
                <button type="submit" class="button" disabled=move || act.pending().get()>
                    {move || if act.pending().get() { "Saving…" } else { "Save vendor" }}
                </button>
                <a href=back>"Cancel"</a>
            </div>
        </ActionForm>
    }
}
