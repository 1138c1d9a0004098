//! Server halves of the vendor editor: role check, the form parsed by its pure rules, the
//! notice rule, and the save with its change events and audit row in one transaction.

use std::collections::HashMap;

use crate::model::editor::{VendorEdit, VendorEditor, VendorForm};
use crate::{
    domain::{
        chain::{self, SubProcessorForm},
        changes::{plan, NoticePeriods, Published},
        fields::FieldError,
        forms::VendorDraft,
        label_for,
        vendor::{PurposeCategory, TransferMechanism, VendorKind, WorkLocation},
        DataCategory,
    },
    error::AppError,
    model::types::service_options,
    request::{db, today},
    session::{editor, require},
    store::{
        audit, changes, services, vendors,
        vendors::{words, VendorEditRow},
        AnyConnection, StoreError,
    },
    write::{write, Written},
};

/// The snapshot of a stored vendor, as forms and the audit trail show it.
pub(crate) fn snapshot(r: &VendorEditRow) -> VendorEdit {
    let words = |s: &Option<String>| words(s.as_deref());
    let s = |o: &Option<String>| o.clone().unwrap_or_default();
    VendorEdit {
        slug: r.slug.clone(),
        version: r.version,
        legal_name: r.legal_name.clone(),
        trading_name: s(&r.trading_name),
        parent_company: s(&r.parent_company),
        registration_country: r.registration_country.clone(),
        website: s(&r.website),
        privacy_contact: s(&r.privacy_contact),
        kind: r.kind.clone(),
        work_location: r.work_location.clone(),
        purpose_category: r.purpose_category.clone(),
        purpose: r.purpose.clone(),
        transfer_mechanism: r.transfer_mechanism.clone(),
        announced_on: s(&r.announced_on),
        effective_on: s(&r.effective_on),
        removed_on: s(&r.removed_on),
        services: words(&r.services),
        countries: words(&r.countries).join(" "),
        categories: words(&r.categories),
        sub_processors: r.sub_processor_list().unwrap_or_default(),
    }
}

/// Field labels and values of a vendor snapshot, for the conflict message.
fn vendor_fields(v: &VendorEdit) -> Vec<(String, String)> {
    [
        ("Legal name", v.legal_name.clone()),
        ("Trading name", v.trading_name.clone()),
        ("Parent company", v.parent_company.clone()),
        ("Country of registration", v.registration_country.clone()),
        ("Website", v.website.clone()),
        ("Privacy contact", v.privacy_contact.clone()),
        (
            "Kind",
            label_for(&v.kind, VendorKind::parse, VendorKind::label),
        ),
        (
            "Where its people work",
            label_for(&v.work_location, WorkLocation::parse, WorkLocation::label),
        ),
        (
            "Purpose category",
            label_for(
                &v.purpose_category,
                PurposeCategory::parse,
                PurposeCategory::label,
            ),
        ),
        ("Purpose", v.purpose.clone()),
        (
            "Transfer mechanism",
            label_for(
                &v.transfer_mechanism,
                TransferMechanism::parse,
                TransferMechanism::label,
            ),
        ),
        ("Announced on", v.announced_on.clone()),
        ("Effective on", v.effective_on.clone()),
        ("Removed on", v.removed_on.clone()),
        ("Services", v.services.join(", ")),
        ("Processing countries", v.countries.clone()),
        (
            "Data categories",
            v.categories
                .iter()
                .map(|c| label_for(c, DataCategory::parse, DataCategory::label))
                .collect::<Vec<_>>()
                .join(", "),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

pub async fn load_vendor_editor(slug: &str) -> Result<VendorEditor, AppError> {
    require(editor).await?;
    let db = db()?;
    let services = service_options(
        services::list_services(&db)
            .await?
            .into_iter()
            .map(|s| (s.slug, s.name)),
    );
    if slug.is_empty() {
        return Ok(VendorEditor {
            vendor: VendorEdit::default(),
            is_new: true,
            services,
        });
    }
    let mut conn = db.pool.acquire().await?;
    let row = vendors::edit_row(&mut conn, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(VendorEditor {
        vendor: snapshot(&row),
        is_new: false,
        services,
    })
}

/// What customers know of a stored vendor (dates and public scope), for the notice rule.
fn published(r: &VendorEditRow, names: &HashMap<String, String>) -> Result<Published, AppError> {
    Ok(Published {
        lifecycle: r.lifecycle()?,
        scope: r.public_scope(names),
    })
}

/// Apply the notice rule to a save and record its change events in the same transaction; a
/// refusal names the fields (the transaction is then dropped, nothing saved).
async fn record_change_events(
    tx: &mut AnyConnection,
    actor: &str,
    (before, after): (Option<&VendorEditRow>, &VendorEditRow),
    scope_effective_on: Option<chrono::NaiveDate>,
    (names, notice): (&HashMap<String, String>, &NoticePeriods),
) -> Result<(), AppError> {
    let old = before.map(|b| published(b, names)).transpose()?;
    let new = published(after, names)?;
    let events =
        plan(old.as_ref(), &new, scope_effective_on, today(), notice).map_err(|refused| {
            AppError::Invalid(
                refused
                    .into_iter()
                    .map(|(field, message)| FieldError {
                        field: field.into(),
                        message,
                    })
                    .collect(),
            )
        })?;
    let mut slugs: Vec<String> = [
        before.and_then(|b| b.services.as_deref()),
        after.services.as_deref(),
    ]
    .into_iter()
    .flat_map(|s| words(s))
    .collect();
    slugs.sort();
    slugs.dedup();
    for e in &events {
        changes::record(
            tx,
            (after.id, &after.slug),
            &slugs,
            e,
            (actor, changes::Tell::Subscribers),
        )
        .await?;
    }
    Ok(())
}

/// Add, change or remove one subprocessor of a vendor, against the vendor's version; the
/// change of public scope goes through the notice rule like any other.
pub async fn save_sub_processor(form: SubProcessorForm) -> Result<(), AppError> {
    let who = require(editor).await?;
    let db = db()?;
    write(&db, &who.email, async |tx| {
        save_sub_processor_in(tx, &form, &who.email).await
    })
    .await
}

/// [`save_sub_processor`] in the caller's transaction, as `actor` (the editor's form, and a
/// vendor's proposal when a manager accepts it).
pub(crate) async fn save_sub_processor_in(
    tx: &mut AnyConnection,
    form: &SubProcessorForm,
    actor: &str,
) -> Result<Written<()>, AppError> {
    let slug = form.vendor.trim().to_string();
    {
        let names = services::service_names(tx).await?;
        let notice = changes::notice_periods(tx).await?;
        let before = vendors::edit_row(tx, &slug)
            .await?
            .ok_or(AppError::NotFound)?;
        if before.version != form.version {
            return Ok(Written::Stale {
                entity_id: before.slug.clone(),
                current: vendor_fields(&snapshot(&before)),
                version: Some(before.version),
            });
        }
        let list = before.sub_processor_list()?;
        let (edit, effective) = form
            .parse(&words(before.categories.as_deref()), list.len())
            .map_err(AppError::Invalid)?;
        let new_list = chain::apply(&list, edit).map_err(|e| AppError::Invalid(vec![e]))?;
        save_chain_in(
            tx,
            (&before, &new_list),
            effective,
            actor,
            (&names, &notice),
        )
        .await
    }
}

/// Store `new_list` as the chain of the vendor `before` (at its version), with the notice
/// rule's change events for what it widens (`effective`: the day a widening takes effect)
/// and the audit row to record. The editor's one-link form and the import's chain sheet both
/// save through here.
pub(crate) async fn save_chain_in(
    tx: &mut AnyConnection,
    (before, new_list): (&VendorEditRow, &[chain::SubProcessor]),
    effective: Option<chrono::NaiveDate>,
    actor: &str,
    (names, notice): (&HashMap<String, String>, &NoticePeriods),
) -> Result<Written<()>, AppError> {
    let list = before.sub_processor_list()?;
    if !vendors::set_sub_processors(tx, before.id, before.version, new_list).await? {
        return Ok(Written::Stale {
            entity_id: before.slug.clone(),
            current: vendor_fields(&snapshot(before)),
            version: Some(before.version),
        });
    }
    let after = before.with_sub_processors(new_list)?;
    record_change_events(
        tx,
        actor,
        (Some(before), &after),
        effective,
        (names, notice),
    )
    .await?;
    let entry = audit::Entry {
        action: "update",
        entity: "sub_processors",
        entity_id: before.slug.clone(),
        before: Some(audit::json(&list)?),
        after: Some(audit::json(&new_list)?),
    };
    Ok(Written::done((), entry))
}

/// The refusal of a new vendor whose slug exists.
fn taken(slug: &str) -> AppError {
    AppError::invalid(
        "legal_name",
        format!("A vendor with this name already exists (/{slug})."),
    )
}

/// Create (no slug) or update a vendor; returns its slug. The slug is the vendor's public
/// address: it stays when the name changes.
pub async fn save_vendor(form: VendorForm) -> Result<String, AppError> {
    let who = require(editor).await?;
    let db = db()?;
    let known: Vec<String> = services::list_services(&db)
        .await?
        .into_iter()
        .map(|s| s.slug)
        .collect();
    let draft = form.parse(&known)?;
    write(&db, &who.email, async |tx| {
        let names = services::service_names(tx).await?;
        let notice = changes::notice_periods(tx).await?;
        save_in(tx, &form, &draft, &who.email, (&names, &notice)).await
    })
    .await
}

/// Save a parsed vendor form in the caller's transaction, as `actor`: insert or update (the
/// version checked), the notice rule with its change events, and the audit row to record.
/// The editor's save and the import both go through here.
pub(crate) async fn save_in(
    tx: &mut AnyConnection,
    form: &VendorForm,
    draft: &VendorDraft,
    actor: &str,
    (names, notice): (&HashMap<String, String>, &NoticePeriods),
) -> Result<Written<String>, AppError> {
    let slug = draft.vendor.slug.as_str().to_string();
    let (before, after) = if form.is_new() {
        match vendors::insert_vendor_row(tx, &draft.vendor).await {
            Ok(after) => (None, after),
            // the slug's unique index refuses it: a vendor of that name exists, or another
            // save created it meanwhile
            Err(StoreError::Taken(_)) => return Err(taken(&slug)),
            Err(e) => return Err(e.into()),
        }
    } else {
        let before = vendors::edit_row(tx, &slug)
            .await?
            .ok_or(AppError::NotFound)?;
        if !vendors::update_vendor(tx, before.id, form.version, &draft.vendor).await? {
            return Ok(Written::Stale {
                entity_id: before.slug.clone(),
                current: vendor_fields(&snapshot(&before)),
                version: Some(before.version),
            });
        }
        // the update wrote exactly the draft: the row after it is known without a second read
        let after = before.updated(&draft.vendor);
        (Some(before), after)
    };
    record_change_events(
        tx,
        actor,
        (before.as_ref(), &after),
        draft.scope_effective_on,
        (names, notice),
    )
    .await?;
    let entry = audit::Entry {
        action: if before.is_some() { "update" } else { "create" },
        entity: "vendor",
        entity_id: slug.clone(),
        before: before
            .as_ref()
            .map(|b| audit::json(&snapshot(b)))
            .transpose()?,
        after: Some(audit::json(&snapshot(&after))?),
    };
    Ok(Written::done(slug.clone(), entry))
}

/// A stored vendor as its editing form would post it (the base an import row overlays).
pub(crate) fn form_of(r: &VendorEditRow) -> VendorForm {
    let e = snapshot(r);
    VendorForm {
        slug: e.slug,
        version: e.version,
        legal_name: e.legal_name,
        trading_name: e.trading_name,
        parent_company: e.parent_company,
        registration_country: e.registration_country,
        website: e.website,
        privacy_contact: e.privacy_contact,
        kind: e.kind,
        work_location: e.work_location,
        purpose_category: e.purpose_category,
        purpose: e.purpose,
        transfer_mechanism: e.transfer_mechanism,
        announced_on: e.announced_on,
        effective_on: e.effective_on,
        removed_on: e.removed_on,
        scope_effective_on: String::new(),
        services: e.services.into_iter().map(|s| (s, "on".into())).collect(),
        countries: e.countries,
        categories: e.categories.into_iter().map(|c| (c, "on".into())).collect(),
    }
}
