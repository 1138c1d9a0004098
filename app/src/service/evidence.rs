//! Server halves of the evidence functions: the internal view of a vendor, and one write path
//! for every kind of evidence record (add, change, remove), each audited, a stale version
//! refused with the stored values.

use crate::model::evidence::{
    AssessmentForm, AttestationForm, BulkTrainingForm, ContractForm, EnrollmentForm,
    InternalAssurance, RemoveForm, TrainingForm,
};
use crate::{
    domain::{
        assurance::{
            Assessment, AssuranceTier, Attestation, Contract, Enrollment, Evidence, EvidenceKeys,
            RecordKind, TrainingRecord,
        },
        compliance::{assess, required_obligations},
        Slug,
    },
    error::AppError,
    model::types::AuditEntry,
    request::{db, today},
    session::{any_role, editor, require, Principal},
    store::{audit, evidence, vendors, AnyConnection},
    write::{write, Written},
};

/// One evidence record of any kind, as the forms produce them.
enum Record {
    Enrollment(Enrollment),
    Attestation(Attestation),
    Assessment(Assessment),
    Training(TrainingRecord),
    Contract(Contract),
}

impl Record {
    fn kind(&self) -> RecordKind {
        match self {
            Record::Enrollment(_) => RecordKind::Enrollment,
            Record::Attestation(_) => RecordKind::Attestation,
            Record::Assessment(_) => RecordKind::Assessment,
            Record::Training(_) => RecordKind::Training,
            Record::Contract(_) => RecordKind::Contract,
        }
    }

    fn json(&self) -> Result<serde_json::Value, AppError> {
        Ok(match self {
            Record::Enrollment(r) => audit::json(r),
            Record::Attestation(r) => audit::json(r),
            Record::Assessment(r) => audit::json(r),
            Record::Training(r) => audit::json(r),
            Record::Contract(r) => audit::json(r),
        }?)
    }

    async fn insert(&self, tx: &mut AnyConnection, vendor_id: i64) -> Result<i64, AppError> {
        Ok(match self {
            Record::Enrollment(r) => evidence::insert_enrollment(tx, vendor_id, r).await,
            Record::Attestation(r) => evidence::insert_attestation(tx, vendor_id, r).await,
            Record::Assessment(r) => evidence::insert_assessment(tx, vendor_id, r).await,
            Record::Training(r) => evidence::insert_training(tx, vendor_id, r).await,
            Record::Contract(r) => evidence::insert_contract(tx, vendor_id, r).await,
        }?)
    }

    /// Change the stored record `id` if it is still at `version`; whether it was.
    async fn update(
        &self,
        tx: &mut AnyConnection,
        vendor_id: i64,
        (id, version): (i64, i64),
    ) -> Result<bool, AppError> {
        Ok(match self {
            Record::Attestation(r) => {
                evidence::update_attestation(tx, vendor_id, id, version, r).await?
            }
            Record::Training(r) => evidence::update_training(tx, vendor_id, id, version, r).await?,
            _ => {
                return Err(AppError::Request(
                    "This kind of record cannot be changed in place; remove it and add it again."
                        .into(),
                ))
            }
        })
    }
}

/// What to do to a vendor's evidence.
enum Op {
    Add(Vec<Record>),
    Update {
        id: i64,
        version: i64,
        record: Record,
    },
    Remove {
        kind: RecordKind,
        id: i64,
        version: i64,
    },
}

/// The stored record of a kind by id, as JSON (for the audit trail and conflicts).
fn stored(
    e: &Evidence,
    keys: &EvidenceKeys,
    kind: RecordKind,
    id: i64,
) -> Result<Option<serde_json::Value>, AppError> {
    let find = |ks: &[crate::domain::assurance::RecordKey]| ks.iter().position(|k| k.id == id);
    let value = match kind {
        RecordKind::Enrollment => find(&keys.enrollments).map(|i| audit::json(&e.enrollments[i])),
        RecordKind::Attestation => {
            find(&keys.attestations).map(|i| audit::json(&e.attestations[i]))
        }
        RecordKind::Assessment => find(&keys.assessments).map(|i| audit::json(&e.assessments[i])),
        RecordKind::Training => find(&keys.training).map(|i| audit::json(&e.training[i])),
        RecordKind::Contract => find(&keys.contracts).map(|i| audit::json(&e.contracts[i])),
    };
    Ok(value.transpose()?)
}

/// A stored record's fields as (label, value), for the conflict message.
fn fields_of(value: Option<&serde_json::Value>) -> Vec<(String, String)> {
    match value {
        Some(serde_json::Value::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Null => String::new(),
                    other => other.to_string(),
                };
                (k.replace('_', " "), v)
            })
            .collect(),
        Some(_) => Vec::new(),
        None => vec![("Record".into(), "removed".into())],
    }
}

/// Apply `op` to the evidence of the vendor `vendor` (a slug), as an editor: every record
/// written is audited under `{slug}/{kind}/{id}`. Returns how many records were written.
async fn write_evidence(who: &Principal, vendor: &str, op: Op) -> Result<u32, AppError> {
    let slug = Slug::parse(vendor.trim()).map_err(|_| AppError::NotFound)?;
    let db = db()?;
    write(&db, &who.email, async |tx| {
        let row = vendors::get_any(&mut *tx, &slug, today())
            .await?
            .ok_or(AppError::NotFound)?;
        let entity_id = |kind: RecordKind, id: i64| format!("{}/{}/{id}", row.slug, kind.code());
        let entry = |action, kind: RecordKind, id, before, after| audit::Entry {
            action,
            entity: kind.code(),
            entity_id: entity_id(kind, id),
            before,
            after,
        };
        match op {
            Op::Add(records) => {
                let mut written = Vec::with_capacity(records.len());
                for r in &records {
                    let id = r.insert(tx, row.id).await?;
                    written.push(entry("create", r.kind(), id, None, Some(r.json()?)));
                }
                Ok(Written::Done {
                    value: u32::try_from(written.len()).unwrap_or(u32::MAX),
                    audit: written,
                })
            }
            Op::Update {
                id,
                version,
                record,
            } => {
                let (e, keys) = row.evidence_with_keys()?;
                let before = stored(&e, &keys, record.kind(), id)?;
                if !record.update(tx, row.id, (id, version)).await? {
                    return Ok(Written::Stale {
                        entity_id: entity_id(record.kind(), id),
                        current: fields_of(before.as_ref()),
                        version: None,
                    });
                }
                let after = Some(record.json()?);
                Ok(Written::done(
                    1,
                    entry("update", record.kind(), id, before, after),
                ))
            }
            Op::Remove { kind, id, version } => {
                let (e, keys) = row.evidence_with_keys()?;
                let before = stored(&e, &keys, kind, id)?;
                if !evidence::delete_record(tx, kind, row.id, id, version).await? {
                    return Ok(Written::Stale {
                        entity_id: entity_id(kind, id),
                        current: fields_of(before.as_ref()),
                        version: None,
                    });
                }
                Ok(Written::done(1, entry("delete", kind, id, before, None)))
            }
        }
    })
    .await
}

/// The internal view of one vendor, for anyone signed in.
pub async fn load_vendor_assurance(slug: &str) -> Result<InternalAssurance, AppError> {
    let who = require(any_role).await?;
    let slug = Slug::parse(slug).map_err(|_| AppError::NotFound)?;
    let db = db()?;
    let day = today();
    let row = vendors::get_any(&db.pool, &slug, day)
        .await?
        .ok_or(AppError::NotFound)?;
    let (evidence, keys) = row.evidence_with_keys()?;
    let compliance = assess(&evidence, day);
    let courses = evidence::list_courses(&db).await?.names();
    let query = audit::AuditQuery {
        vendor: Some(row.slug.clone()),
        ..Default::default()
    };
    let (history, _) = audit::list(&db, &query, 100, 0).await?;
    Ok(InternalAssurance {
        version: row.version,
        categories: row.category_list(),
        sub_processors: vendors::sub_processors(&row.sub_processors)?,
        keys,
        courses,
        can_edit: who.role.can_edit(),
        history: history.into_iter().map(AuditEntry::from).collect(),
        legal_name: row.legal_name.clone(),
        slug: row.slug.clone(),
        status: row.status()?,
        today: day,
        tier: AssuranceTier::for_categories(&evidence.categories),
        required: required_obligations(evidence.work_location),
        lapse_window: compliance.lapse_window(day),
        compliance,
        evidence,
    })
}

/// Editors only; then the training form against today's course list.
async fn training_record(t: &TrainingForm) -> Result<(Principal, Record), AppError> {
    let who = require(editor).await?;
    let courses = evidence::list_courses(&db()?).await?;
    Ok((who, Record::Training(t.parse(&courses, today())?)))
}

pub async fn add_training(t: TrainingForm) -> Result<(), AppError> {
    let (who, record) = training_record(&t).await?;
    write_evidence(&who, &t.vendor, Op::Add(vec![record])).await?;
    Ok(())
}

pub async fn edit_training(t: TrainingForm) -> Result<(), AppError> {
    let (who, record) = training_record(&t).await?;
    let op = Op::Update {
        id: t.id,
        version: t.version,
        record,
    };
    write_evidence(&who, &t.vendor, op).await?;
    Ok(())
}

pub async fn bulk_training(b: BulkTrainingForm) -> Result<u32, AppError> {
    let who = require(editor).await?;
    let courses = evidence::list_courses(&db()?).await?;
    let records = b.parse(&courses, today())?;
    let op = Op::Add(records.into_iter().map(Record::Training).collect());
    write_evidence(&who, &b.vendor, op).await
}

/// Add one record of a kind whose form needs no lookups.
async fn add(
    vendor: &str,
    parse: impl FnOnce() -> Result<Record, AppError>,
) -> Result<(), AppError> {
    let who = require(editor).await?;
    write_evidence(&who, vendor, Op::Add(vec![parse()?])).await?;
    Ok(())
}

pub async fn add_enrollment(e: EnrollmentForm) -> Result<(), AppError> {
    add(&e.vendor, || Ok(Record::Enrollment(e.parse()?))).await
}

pub async fn add_attestation(a: AttestationForm) -> Result<(), AppError> {
    add(&a.vendor, || Ok(Record::Attestation(a.parse()?))).await
}

pub async fn add_assessment(a: AssessmentForm) -> Result<(), AppError> {
    add(&a.vendor, || Ok(Record::Assessment(a.parse()?))).await
}

pub async fn add_contract(c: ContractForm) -> Result<(), AppError> {
    add(&c.vendor, || Ok(Record::Contract(c.parse()?))).await
}

/// Change an attestation at the version shown (e.g. approve a pending one).
pub async fn edit_attestation(a: AttestationForm) -> Result<(), AppError> {
    let who = require(editor).await?;
    let op = Op::Update {
        id: a.id,
        version: a.version,
        record: Record::Attestation(a.parse()?),
    };
    write_evidence(&who, &a.vendor, op).await?;
    Ok(())
}

pub async fn remove_record(r: RemoveForm) -> Result<(), AppError> {
    let who = require(editor).await?;
    let op = Op::Remove {
        kind: r.kind()?,
        id: r.id,
        version: r.version,
    };
    write_evidence(&who, &r.vendor, op).await?;
    Ok(())
}

/// Add one training record to the vendor `vendor_id` (slug `slug`) in the caller's
/// transaction, unless the same person already has the same course completed that day;
/// returns the audit row to record, or `None` for a record already there. The import's way in.
pub(crate) async fn add_training_in(
    tx: &mut AnyConnection,
    (vendor_id, slug): (i64, &str),
    record: &TrainingRecord,
) -> Result<Option<audit::Entry>, AppError> {
    if evidence::training_exists(tx, vendor_id, record).await? {
        return Ok(None);
    }
    let r = Record::Training(record.clone());
    let id = r.insert(tx, vendor_id).await?;
    Ok(Some(audit::Entry {
        action: "create",
        entity: RecordKind::Training.code(),
        entity_id: format!("{slug}/{}/{id}", RecordKind::Training.code()),
        before: None,
        after: Some(r.json()?),
    }))
}
