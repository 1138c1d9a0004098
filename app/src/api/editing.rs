//! Server-only halves of the editing server functions: role check, form parsing into domain
//! types (every bad field reported at once, by name), and the write with its audit row in one
//! transaction. A stale version is refused with who changed the record and when.

use chrono::NaiveDate;

use super::{
    manage::*,
    server::{db, not_found, today},
    session::{editor, require, Principal},
    types::service_options,
};
use crate::{
    domain::{
        assurance::{
            Assessment, AssessmentKind, Attestation, AttestationOutcome, Contract, ContractKind,
            Enrollment, EnrollmentStatus, Obligation, ObligationTerm, RecordKind, TrainingRecord,
        },
        changes::{plan, Published},
        label_for,
        vendor::{PurposeCategory, TransferMechanism, VendorKind, WorkLocation},
        CountryCode, DataCategory, Email, Lifecycle, NonEmptyText, ParseError, Slug,
    },
    error::{AppError, Fields},
    store::{
        assurance, audit, changes, records, records::begin_write, services, vendor_writes,
        vendor_writes::VendorEditRow, vendors, vendors::NewVendor, AnyConnection, Db,
    },
};

fn text(label: &str, s: &str, max: usize) -> Result<String, ParseError> {
    NonEmptyText::parse(label, s, max).map(|t| t.as_str().to_string())
}

fn optional_text(label: &str, s: &str, max: usize) -> Result<Option<String>, ParseError> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        text(label, s, max).map(Some)
    }
}

/// A date written `YYYY-MM-DD` with a year from 1990 to 2200: stored as text, dates must sort
/// as dates, which signed or five-digit years would not.
fn date(label: &str, s: &str) -> Result<NaiveDate, ParseError> {
    if s.trim().is_empty() {
        return Err(ParseError(format!("{label} is required.")));
    }
    crate::domain::filter::parse_day(s).ok_or_else(|| {
        ParseError(format!(
            "Enter {label} as a date, YYYY-MM-DD, between 1990 and 2200."
        ))
    })
}

fn optional_date(label: &str, s: &str) -> Result<Option<NaiveDate>, ParseError> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        date(label, s).map(Some)
    }
}

fn website(s: &str) -> Result<Option<String>, ParseError> {
    let w = optional_text("Website", s, 300)?;
    match &w {
        Some(u) if !(u.starts_with("https://") || u.starts_with("http://")) || u.contains(' ') => {
            Err(ParseError(
                "Enter the website as a full address starting with https://.".into(),
            ))
        }
        _ => Ok(w),
    }
}

/// The snapshot of a stored vendor, as forms and the audit trail show it.
fn snapshot(r: &VendorEditRow) -> VendorEdit {
    let words = |s: &Option<String>| vendor_writes::words(s.as_deref());
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

/// The conflict answer: who saved `entity_id` last and when, with the stored values.
async fn conflict(
    db: &Db,
    entity_id: &str,
    current: Vec<(String, String)>,
    version: Option<i64>,
) -> AppError {
    match audit::last_change(db, entity_id).await {
        Ok(Some((by, at))) => AppError::Conflict {
            by,
            at: at.replace('T', " ").replace('Z', " UTC"),
            current,
            version,
        },
        Ok(None) => AppError::Conflict {
            by: "another user".into(),
            at: "an unknown time".into(),
            current,
            version,
        },
        Err(e) => e.into(),
    }
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
    let mut conn = db.pool.acquire().await.map_err(super::server::internal)?;
    let row = vendor_writes::edit_row(&mut conn, slug)
        .await?
        .ok_or_else(not_found)?;
    Ok(VendorEditor {
        vendor: snapshot(&row),
        is_new: false,
        services,
    })
}

/// Parse the vendor form; every refused field is named.
async fn parse_vendor(conn: &mut AnyConnection, form: &VendorForm) -> Result<NewVendor, AppError> {
    let mut f = Fields::default();
    let legal_name = f.take("legal_name", text("Legal name", &form.legal_name, 200));
    // a new vendor's address comes from its name; an existing one keeps its own
    let slug = if form.slug.trim().is_empty() {
        legal_name
            .as_deref()
            .and_then(|n| f.take("legal_name", Slug::from_name(n)))
    } else {
        Slug::parse(form.slug.trim()).ok()
    };
    let trading_name = f.take(
        "trading_name",
        optional_text("Trading name", &form.trading_name, 200),
    );
    let parent_company = f.take(
        "parent_company",
        optional_text("Parent company", &form.parent_company, 200),
    );
    let registration_country = f.take(
        "registration_country",
        CountryCode::parse(&form.registration_country),
    );
    let website = f.take("website", website(&form.website));
    let privacy_contact = f.take(
        "privacy_contact",
        optional_text("Privacy contact", &form.privacy_contact, 300),
    );
    let kind = f.take("kind", VendorKind::parse(&form.kind));
    let work_location = f.take("work_location", WorkLocation::parse(&form.work_location));
    let purpose_category = f.take(
        "purpose_category",
        PurposeCategory::parse(&form.purpose_category),
    );
    let purpose_words = form
        .purpose
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let purpose = f.take("purpose", text("Purpose", &purpose_words, 1000));
    let transfer_mechanism = f.take(
        "transfer_mechanism",
        TransferMechanism::parse(&form.transfer_mechanism),
    );
    let announced_on = f.take(
        "announced_on",
        optional_date("the announcement date", &form.announced_on),
    );
    let effective_on = f.take(
        "effective_on",
        optional_date("the effective date", &form.effective_on),
    );
    let removed_on = f.take(
        "removed_on",
        optional_date("the removal date", &form.removed_on),
    );
    let lifecycle = match (announced_on, effective_on, removed_on) {
        (Some(a), Some(e), Some(r)) => {
            let l = Lifecycle {
                announced_on: a,
                effective_on: e,
                removed_on: r,
            };
            f.take("lifecycle", l.validate().map(|_| l))
        }
        _ => None,
    };
    let wanted: Vec<String> = form.services.keys().cloned().collect();
    if wanted.is_empty() {
        f.push(
            "services",
            "Choose at least one service this vendor supports.",
        );
    }
    let service_ids = vendor_writes::service_ids(conn, &wanted).await?;
    if service_ids.len() != wanted.len() {
        f.push(
            "services",
            "One of the chosen services no longer exists; reload the page.",
        );
    }
    let mut countries = Vec::new();
    for code in form
        .countries
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|c| !c.is_empty())
    {
        if let Some(c) = f.take("countries", CountryCode::parse(code)) {
            if !countries.contains(&c) {
                countries.push(c);
            }
        }
    }
    if countries.is_empty() && form.countries.trim().is_empty() {
        f.push(
            "countries",
            "Enter at least one processing country (ISO codes such as DE FR).",
        );
    }
    let mut categories = Vec::new();
    for code in form.categories.keys() {
        if let Some(c) = f.take("categories", DataCategory::parse(code)) {
            if !categories.contains(&c) {
                categories.push(c);
            }
        }
    }
    if form.categories.is_empty() {
        f.push("categories", "Choose at least one data category.");
    }
    f.finish()?;
    match (
        slug,
        legal_name,
        registration_country,
        kind,
        work_location,
        purpose_category,
        purpose,
        transfer_mechanism,
        lifecycle,
        trading_name,
        parent_company,
        website,
        privacy_contact,
    ) {
        (
            Some(slug),
            Some(legal_name),
            Some(registration_country),
            Some(kind),
            Some(work_location),
            Some(purpose_category),
            Some(purpose),
            Some(transfer_mechanism),
            Some(lifecycle),
            Some(trading_name),
            Some(parent_company),
            Some(website),
            Some(privacy_contact),
        ) => Ok(NewVendor {
            slug,
            legal_name,
            trading_name,
            parent_company,
            registration_country,
            website,
            privacy_contact,
            kind,
            work_location,
            purpose_category,
            purpose,
            transfer_mechanism,
            lifecycle,
            service_ids,
            countries,
            categories,
        }),
        _ => Err(AppError::invalid("legal_name", "Check the form.")),
    }
}

/// What customers know of a stored vendor (dates and public scope), for the notice rule.
fn published(
    r: &VendorEditRow,
    service_names: &std::collections::HashMap<String, String>,
) -> Result<Published, AppError> {
    let day = |d: &Option<String>| -> Result<Option<NaiveDate>, AppError> {
        d.as_deref()
            .map(|s| s.parse().map_err(super::server::internal))
            .transpose()
    };
    Ok(Published {
        lifecycle: Lifecycle {
            announced_on: day(&r.announced_on)?,
            effective_on: day(&r.effective_on)?,
            removed_on: day(&r.removed_on)?,
        },
        scope: r.public_scope(service_names),
    })
}

/// Apply the notice rule to a save and record its change events in the same transaction;
/// a refusal names the fields (the caller's transaction is then dropped, nothing saved).
async fn record_change_events(
    conn: &mut AnyConnection,
    who: &Principal,
    before: Option<&VendorEditRow>,
    after: &VendorEditRow,
    scope_effective_on: &str,
) -> Result<(), AppError> {
    let scope_effective_on =
        optional_date("the date the wider scope takes effect", scope_effective_on)
            .map_err(|e| AppError::invalid("scope_effective_on", e.0))?;
    let names = services::service_names(conn).await?;
    let old = before.map(|b| published(b, &names)).transpose()?;
    let new = published(after, &names)?;
    let notice = changes::notice_periods(conn).await?;
    let events =
        plan(old.as_ref(), &new, scope_effective_on, today(), &notice).map_err(|refused| {
            AppError::Invalid(
                refused
                    .into_iter()
                    .map(|(field, message)| crate::error::FieldError {
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
    .flatten()
    .flat_map(str::split_whitespace)
    .map(str::to_string)
    .collect();
    slugs.sort();
    slugs.dedup();
    for e in &events {
        changes::record(conn, (after.id, &after.slug), &slugs, e, &who.email).await?;
    }
    Ok(())
}

/// Create (no slug) or update a vendor; returns its slug.
pub async fn save_vendor(form: VendorForm) -> Result<String, AppError> {
    let who = require(editor).await?;
    let db = db()?;
    let mut tx = begin_write(&db).await?;
    let v = parse_vendor(&mut tx, &form).await?;
    if form.slug.trim().is_empty() {
        if v.slug.as_str() == "new" {
            return Err(AppError::invalid(
                "legal_name",
                "\"New\" is reserved; add a word to the name.",
            ));
        }
        if vendor_writes::edit_row(&mut tx, v.slug.as_str())
            .await?
            .is_some()
        {
            return Err(AppError::invalid(
                "legal_name",
                format!(
                    "A vendor with this name already exists (/{}).",
                    v.slug.as_str()
                ),
            ));
        }
        vendors::insert_vendor(&mut tx, &v).await?;
        let row = vendor_writes::edit_row(&mut tx, v.slug.as_str())
            .await?
            .ok_or_else(not_found)?;
        record_change_events(&mut tx, &who, None, &row, &form.scope_effective_on).await?;
        let after = Some(snapshot(&row));
        audit::record(
            &mut tx,
            audit::Change {
                actor: &who.email,
                action: "create",
                entity: "vendor",
                entity_id: v.slug.as_str().to_string(),
                before: None,
                after: after.as_ref().map(audit::json).transpose()?,
            },
        )
        .await?;
        tx.commit().await.map_err(crate::store::StoreError::from)?;
        return Ok(v.slug.as_str().to_string());
    }
    // The slug is the vendor's public address: it stays when the name changes.
    let before = vendor_writes::edit_row(&mut tx, form.slug.trim())
        .await?
        .ok_or_else(not_found)?;
    let v = NewVendor {
        slug: Slug::parse(&before.slug).map_err(super::server::internal)?,
        ..v
    };
    if !vendor_writes::update_vendor(&mut tx, before.id, form.version, &v).await? {
        drop(tx);
        return Err(conflict(
            &db,
            &before.slug,
            vendor_fields(&snapshot(&before)),
            Some(before.version),
        )
        .await);
    }
    let row = vendor_writes::edit_row(&mut tx, &before.slug)
        .await?
        .ok_or_else(not_found)?;
    record_change_events(&mut tx, &who, Some(&before), &row, &form.scope_effective_on).await?;
    let after = Some(snapshot(&row));
    audit::record(
        &mut tx,
        audit::Change {
            actor: &who.email,
            action: "update",
            entity: "vendor",
            entity_id: before.slug.clone(),
            before: Some(audit::json(&snapshot(&before))?),
            after: after.as_ref().map(audit::json).transpose()?,
        },
    )
    .await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(before.slug)
}

/// The vendor's id by slug, or 404.
async fn vendor_id(conn: &mut AnyConnection, slug: &str) -> Result<i64, AppError> {
    Ok(vendor_writes::edit_row(conn, slug.trim())
        .await?
        .ok_or_else(not_found)?
        .id)
}

/// A training record from the form: the course sets the expiry.
async fn parse_training(
    conn: &mut AnyConnection,
    f: &mut Fields,
    name: &str,
    email: &str,
    course: &str,
    completed: &str,
    field_prefix: &str,
) -> Result<Option<TrainingRecord>, AppError> {
    let key = |k: &str| format!("{field_prefix}{k}");
    let person_name = f.take(&key("person_name"), text("Name", name, 200));
    let person_email = f.take(&key("person_email"), Email::parse(email));
    let months = assurance::course_validity(conn, course.trim()).await?;
    if months.is_none() {
        f.push(&key("course"), "Choose a course from the list.");
    }
    let completed_on = f.take(&key("completed_on"), date("the completion date", completed));
    if completed_on.is_some_and(|d| d > today()) {
        f.push(
            &key("completed_on"),
            "The completion date cannot be in the future.",
        );
    }
    Ok(match (person_name, person_email, months, completed_on) {
        (Some(person_name), Some(e), Some(m), Some(completed_on)) => {
            TrainingRecord::expiry_for(completed_on, Some(m)).map(|expires_on| TrainingRecord {
                person_name,
                person_email: e.as_str().to_string(),
                course: course.trim().to_string(),
                completed_on,
                expires_on,
            })
        }
        _ => None,
    })
}

async fn record_change(
    tx: &mut AnyConnection,
    who: &Principal,
    action: &str,
    (kind, vendor, id): (RecordKind, &str, i64),
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), AppError> {
    audit::record(
        tx,
        audit::Change {
            actor: &who.email,
            action,
            entity: kind.code(),
            entity_id: format!("{}/{}/{id}", vendor.trim(), kind.code()),
            before,
            after,
        },
    )
    .await?;
    Ok(())
}

async fn commit(tx: sqlx::Transaction<'static, sqlx::Any>) -> Result<(), AppError> {
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(())
}

pub async fn add_training(t: TrainingForm) -> Result<(), AppError> {
    let who = require(editor).await?;
    let db = db()?;
    let mut tx = begin_write(&db).await?;
    let vendor = vendor_id(&mut tx, &t.vendor).await?;
    let mut f = Fields::default();
    let record = parse_training(
        &mut tx,
        &mut f,
        &t.person_name,
        &t.person_email,
        &t.course,
        &t.completed_on,
        "",
    )
    .await?;
    f.finish()?;
    let record = record
        .ok_or_else(|| AppError::invalid("completed_on", "The expiry date is out of range."))?;
    let id = assurance::insert_training(&mut tx, vendor, &record).await?;
    record_change(
        &mut tx,
        &who,
        "create",
        (RecordKind::Training, &t.vendor, id),
        None,
        Some(audit::json(&record)?),
    )
    .await?;
    commit(tx).await
}

pub async fn edit_training(t: TrainingForm) -> Result<(), AppError> {
    let who = require(editor).await?;
    let db = db()?;
    let before = current_record(&db, &t.vendor, RecordKind::Training, t.id).await?;
    let mut tx = begin_write(&db).await?;
    let vendor = vendor_id(&mut tx, &t.vendor).await?;
    let mut f = Fields::default();
    let record = parse_training(
        &mut tx,
        &mut f,
        &t.person_name,
        &t.person_email,
        &t.course,
        &t.completed_on,
        "",
    )
    .await?;
    f.finish()?;
    let record = record
        .ok_or_else(|| AppError::invalid("completed_on", "The expiry date is out of range."))?;
    if !records::update_training(&mut tx, vendor, t.id, t.version, &record).await? {
        drop(tx);
        return Err(record_conflict(&db, &t.vendor, RecordKind::Training, t.id, before).await);
    }
    record_change(
        &mut tx,
        &who,
        "update",
        (RecordKind::Training, &t.vendor, t.id),
        before.map(|b| b.1),
        Some(audit::json(&record)?),
    )
    .await?;
    commit(tx).await
}

/// The stored record of a kind by id, as (field list, JSON) for conflicts and the audit trail.
async fn current_record(
    db: &Db,
    vendor: &str,
    kind: RecordKind,
    id: i64,
) -> Result<Option<(Vec<(String, String)>, serde_json::Value)>, AppError> {
    let slug = Slug::parse(vendor.trim()).map_err(|_| not_found())?;
    let Some(row) = vendors::get_any(db, &slug, today()).await? else {
        return Err(not_found());
    };
    let (e, keys) = assurance::evidence_with_keys(&row)?;
    let find = |ks: &[crate::domain::assurance::RecordKey]| ks.iter().position(|k| k.id == id);
    let value = match kind {
        RecordKind::Enrollment => find(&keys.enrollments).map(|i| audit::json(&e.enrollments[i])),
        RecordKind::Attestation => {
            find(&keys.attestations).map(|i| audit::json(&e.attestations[i]))
        }
        RecordKind::Assessment => find(&keys.assessments).map(|i| audit::json(&e.assessments[i])),
        RecordKind::Training => find(&keys.training).map(|i| audit::json(&e.training[i])),
        RecordKind::Contract => find(&keys.contracts).map(|i| audit::json(&e.contracts[i])),
    }
    .transpose()?;
    Ok(value.map(|v| {
        let fields = match &v {
            serde_json::Value::Object(m) => m
                .iter()
                .map(|(k, v)| {
                    (
                        k.replace('_', " "),
                        match v {
                            serde_json::Value::String(s) => s.clone(),
                            serde_json::Value::Null => String::new(),
                            other => other.to_string(),
                        },
                    )
                })
                .collect(),
            _ => Vec::new(),
        };
        (fields, v)
    }))
}

async fn record_conflict(
    db: &Db,
    vendor: &str,
    kind: RecordKind,
    id: i64,
    before: Option<(Vec<(String, String)>, serde_json::Value)>,
) -> AppError {
    let entity_id = format!("{}/{}/{id}", vendor.trim(), kind.code());
    let current = match current_record(db, vendor, kind, id).await {
        Ok(Some((fields, _))) => fields,
        Ok(None) => vec![("Record".into(), "removed".into())],
        Err(e) => return e,
    };
    let _ = before;
    conflict(db, &entity_id, current, None).await
}

/// One person per line: `Name <email>` or `Name, email`.
fn parse_people(lines: &str) -> Result<Vec<(String, String)>, String> {
    let mut people = Vec::new();
    for (n, line) in lines
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let line = line.trim();
        let split = if let (Some(open), true) = (line.find('<'), line.ends_with('>')) {
            Some((&line[..open], &line[open + 1..line.len() - 1]))
        } else {
            line.rsplit_once(',')
        };
        match split {
            Some((name, email)) if !name.trim().is_empty() => {
                people.push((name.trim().to_string(), email.trim().to_string()))
            }
            _ => {
                return Err(format!(
                    "Line {}: write each person as \"Name <email>\" or \"Name, email\".",
                    n + 1
                ))
            }
        }
    }
    if people.is_empty() {
        return Err("Enter at least one person, one per line.".into());
    }
    Ok(people)
}

pub async fn bulk_training(b: BulkTrainingForm) -> Result<u32, AppError> {
    let who = require(editor).await?;
    let db = db()?;
    let mut tx = begin_write(&db).await?;
    let vendor = vendor_id(&mut tx, &b.vendor).await?;
    let people = parse_people(&b.people).map_err(|m| AppError::invalid("people", m))?;
    let mut f = Fields::default();
    let mut parsed = Vec::new();
    for (i, (name, email)) in people.iter().enumerate() {
        let mut line = Fields::default();
        let r = parse_training(
            &mut tx,
            &mut line,
            name,
            email,
            &b.course,
            &b.completed_on,
            "",
        )
        .await?;
        if let Err(AppError::Invalid(errors)) = line.finish() {
            for e in errors {
                let field = if e.field == "course" || e.field == "completed_on" {
                    e.field.clone()
                } else {
                    "people".to_string()
                };
                let msg = if field == "people" {
                    format!("Line {}: {}", i + 1, e.message)
                } else {
                    e.message
                };
                if !f.has(&field, &msg) {
                    f.push(&field, msg);
                }
            }
        }
        parsed.extend(r);
    }
    f.finish()?;
    let mut count = 0;
    for record in &parsed {
        let id = assurance::insert_training(&mut tx, vendor, record).await?;
        record_change(
            &mut tx,
            &who,
            "create",
            (RecordKind::Training, &b.vendor, id),
            None,
            Some(audit::json(record)?),
        )
        .await?;
        count += 1;
    }
    commit(tx).await?;
    Ok(count)
}

pub async fn add_enrollment(e: EnrollmentForm) -> Result<(), AppError> {
    let who = require(editor).await?;
    let db = db()?;
    let mut tx = begin_write(&db).await?;
    let vendor = vendor_id(&mut tx, &e.vendor).await?;
    let mut f = Fields::default();
    let enrolled_on = f.take("enrolled_on", date("the date", &e.enrolled_on));
    let status = f.take("status", EnrollmentStatus::parse(&e.status));
    f.finish()?;
    let (Some(enrolled_on), Some(status)) = (enrolled_on, status) else {
        return Err(AppError::invalid("status", "Check the form."));
    };
    let record = Enrollment {
        enrolled_on,
        status,
    };
    let id = assurance::insert_enrollment(&mut tx, vendor, &record).await?;
    record_change(
        &mut tx,
        &who,
        "create",
        (RecordKind::Enrollment, &e.vendor, id),
        None,
        Some(audit::json(&record)?),
    )
    .await?;
    commit(tx).await
}

/// An attestation from its form; approval needs a date and a name, not before submission.
fn parse_attestation(a: &AttestationForm) -> Result<Attestation, AppError> {
    let mut f = Fields::default();
    let submitted_on = f.take("submitted_on", date("the submission date", &a.submitted_on));
    let outcome = f.take("outcome", AttestationOutcome::parse(&a.outcome));
    let approved_on = f.take(
        "approved_on",
        optional_date("the approval date", &a.approved_on),
    );
    let approved_by = f.take(
        "approved_by",
        optional_text("Approved by", &a.approved_by, 200),
    );
    if outcome == Some(AttestationOutcome::Approved) {
        if approved_on == Some(None) {
            f.push(
                "approved_on",
                "An approved attestation needs its approval date.",
            );
        }
        if approved_by == Some(None) {
            f.push("approved_by", "Name who approved it.");
        }
    }
    if let (Some(s), Some(Some(ap))) = (submitted_on, approved_on) {
        if ap < s {
            f.push(
                "approved_on",
                "It cannot be approved before it was submitted.",
            );
        }
    }
    f.finish()?;
    let (Some(submitted_on), Some(outcome), Some(approved_on), Some(approved_by)) =
        (submitted_on, outcome, approved_on, approved_by)
    else {
        return Err(AppError::invalid("outcome", "Check the form."));
    };
    Ok(Attestation {
        submitted_on,
        approved_on,
        approved_by,
        outcome,
    })
}

pub async fn add_attestation(a: AttestationForm) -> Result<(), AppError> {
    let who = require(editor).await?;
    let record = parse_attestation(&a)?;
    let db = db()?;
    let mut tx = begin_write(&db).await?;
    let vendor = vendor_id(&mut tx, &a.vendor).await?;
    let id = assurance::insert_attestation(&mut tx, vendor, &record).await?;
    record_change(
        &mut tx,
        &who,
        "create",
        (RecordKind::Attestation, &a.vendor, id),
        None,
        Some(audit::json(&record)?),
    )
    .await?;
    commit(tx).await
}

/// Change an attestation at the version shown (e.g. approve a pending one).
pub async fn edit_attestation(a: AttestationForm) -> Result<(), AppError> {
    let who = require(editor).await?;
    let record = parse_attestation(&a)?;
    let db = db()?;
    let before = current_record(&db, &a.vendor, RecordKind::Attestation, a.id).await?;
    let mut tx = begin_write(&db).await?;
    let vendor = vendor_id(&mut tx, &a.vendor).await?;
    if !records::update_attestation(&mut tx, vendor, a.id, a.version, &record).await? {
        drop(tx);
        return Err(record_conflict(&db, &a.vendor, RecordKind::Attestation, a.id, before).await);
    }
    record_change(
        &mut tx,
        &who,
        "update",
        (RecordKind::Attestation, &a.vendor, a.id),
        before.map(|b| b.1),
        Some(audit::json(&record)?),
    )
    .await?;
    commit(tx).await
}

pub async fn add_assessment(a: AssessmentForm) -> Result<(), AppError> {
    let who = require(editor).await?;
    let db = db()?;
    let mut tx = begin_write(&db).await?;
    let vendor = vendor_id(&mut tx, &a.vendor).await?;
    let mut f = Fields::default();
    let kind = f.take("kind", AssessmentKind::parse(&a.kind));
    let assessor = f.take("assessor", text("Assessor", &a.assessor, 200));
    let period_start = f.take("period_start", date("the period start", &a.period_start));
    let period_end = f.take("period_end", date("the period end", &a.period_end));
    let issued_on = f.take("issued_on", date("the issue date", &a.issued_on));
    let valid_until = f.take("valid_until", date("the valid-until date", &a.valid_until));
    if let (Some(s), Some(e)) = (period_start, period_end) {
        if e < s {
            f.push("period_end", "The period cannot end before it starts.");
        }
    }
    if let (Some(i), Some(v)) = (issued_on, valid_until) {
        if v < i {
            f.push("valid_until", "It cannot expire before it was issued.");
        }
    }
    f.finish()?;
    let (
        Some(kind),
        Some(assessor),
        Some(period_start),
        Some(period_end),
        Some(issued_on),
        Some(valid_until),
    ) = (
        kind,
        assessor,
        period_start,
        period_end,
        issued_on,
        valid_until,
    )
    else {
        return Err(AppError::invalid("kind", "Check the form."));
    };
    let record = Assessment {
        kind,
        assessor,
        period_start,
        period_end,
        issued_on,
        valid_until,
    };
    let id = assurance::insert_assessment(&mut tx, vendor, &record).await?;
    record_change(
        &mut tx,
        &who,
        "create",
        (RecordKind::Assessment, &a.vendor, id),
        None,
        Some(audit::json(&record)?),
    )
    .await?;
    commit(tx).await
}

pub async fn add_contract(c: ContractForm) -> Result<(), AppError> {
    let who = require(editor).await?;
    let db = db()?;
    let mut tx = begin_write(&db).await?;
    let vendor = vendor_id(&mut tx, &c.vendor).await?;
    let mut f = Fields::default();
    let kind = f.take("kind", ContractKind::parse(&c.kind));
    let reference = f.take("reference", text("Reference", &c.reference, 200));
    let signed_on = f.take("signed_on", date("the signing date", &c.signed_on));
    let in_force_from = f.take("in_force_from", date("the start date", &c.in_force_from));
    let ends_on = f.take("ends_on", optional_date("the end date", &c.ends_on));
    let notice_days = f.take(
        "notice_days",
        if c.notice_days.trim().is_empty() {
            Ok(0)
        } else {
            c.notice_days.trim().parse::<u32>().map_err(|_| {
                ParseError("Enter the notice period as a whole number of days.".into())
            })
        },
    );
    if let (Some(s), Some(Some(e))) = (in_force_from, ends_on) {
        if e < s {
            f.push("ends_on", "The contract cannot end before it starts.");
        }
    }
    let mut obligations = Vec::new();
    for code in c.obligations.keys() {
        if let Some(o) = f.take("obligations", Obligation::parse(code)) {
            if !obligations.contains(&o) {
                obligations.push(o);
            }
        }
    }
    let hours = if obligations.contains(&Obligation::BreachNotice) {
        match c.breach_hours.trim().parse::<u32>() {
            Ok(h) if h > 0 => Some(h),
            _ => {
                f.push(
                    "breach_hours",
                    "Breach notice needs the number of hours (for example 48).",
                );
                None
            }
        }
    } else {
        None
    };
    f.finish()?;
    let (
        Some(kind),
        Some(reference),
        Some(signed_on),
        Some(in_force_from),
        Some(ends_on),
        Some(notice_days),
    ) = (
        kind,
        reference,
        signed_on,
        in_force_from,
        ends_on,
        notice_days,
    )
    else {
        return Err(AppError::invalid("kind", "Check the form."));
    };
    let record = Contract {
        kind,
        reference,
        signed_on,
        in_force_from,
        ends_on,
        auto_renew: !c.auto_renew.is_empty(),
        notice_days,
        obligations: obligations
            .into_iter()
            .map(|o| ObligationTerm {
                obligation: o,
                hours: if o == Obligation::BreachNotice {
                    hours
                } else {
                    None
                },
            })
            .collect(),
    };
    let id = assurance::insert_contract(&mut tx, vendor, &record).await?;
    record_change(
        &mut tx,
        &who,
        "create",
        (RecordKind::Contract, &c.vendor, id),
        None,
        Some(audit::json(&record)?),
    )
    .await?;
    commit(tx).await
}

pub async fn remove_record(r: RemoveForm) -> Result<(), AppError> {
    let who = require(editor).await?;
    let kind = RecordKind::parse(&r.kind).map_err(|e| AppError::invalid("kind", e.0))?;
    let db = db()?;
    let before = current_record(&db, &r.vendor, kind, r.id).await?;
    let mut tx = begin_write(&db).await?;
    let vendor = vendor_id(&mut tx, &r.vendor).await?;
    if !records::delete_record(&mut tx, kind, vendor, r.id, r.version).await? {
        drop(tx);
        return Err(record_conflict(&db, &r.vendor, kind, r.id, before).await);
    }
    record_change(
        &mut tx,
        &who,
        "delete",
        (kind, &r.vendor, r.id),
        before.map(|b| b.1),
        None,
    )
    .await?;
    commit(tx).await
}

#[cfg(test)]
mod tests {
    use super::parse_people;

    #[test]
    fn people_lines_take_either_form() {
        assert_eq!(
            parse_people("Ada Lovelace <ada@x.example>\n\n  Alan Turing, alan@x.example "),
            Ok(vec![
                ("Ada Lovelace".into(), "ada@x.example".into()),
                ("Alan Turing".into(), "alan@x.example".into())
            ])
        );
        assert!(parse_people("just-an-email@x.example").is_err());
        assert!(parse_people("  \n ").is_err());
    }
}
