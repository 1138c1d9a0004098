//! Assurance evidence of vendors: enrollment, attestations, assessments, training, contracts.
//! Loaded in bulk for many vendors at once (one query per record kind), never per row.

use std::collections::HashMap;

use chrono::NaiveDate;
use sqlx::{Any, AnyConnection, FromRow};

use super::{now_utc, vendors::VendorRow, Db, StoreError, StoreResult};
use crate::domain::{
    assurance::{
        Assessment, AssessmentKind, Attestation, AttestationOutcome, Contract, ContractKind,
        Enrollment, EnrollmentStatus, Evidence, Obligation, ObligationTerm, TrainingRecord,
    },
    vendor::WorkLocation,
    DataCategory, Lifecycle, ParseError,
};

/// Ids per `IN (...)` list; well under both databases' bind limits.
const CHUNK: usize = 500;

fn corrupt(e: ParseError) -> StoreError {
    StoreError::Corrupt(e.0)
}

fn day(s: &str) -> StoreResult<NaiveDate> {
    s.parse()
        .map_err(|e| StoreError::Corrupt(format!("bad date {s:?}: {e}")))
}

fn opt_day(s: Option<&str>) -> StoreResult<Option<NaiveDate>> {
    s.map(day).transpose()
}

#[derive(FromRow)]
struct EnrollmentRow {
    vendor_id: i64,
    enrolled_on: String,
    status: String,
}

#[derive(FromRow)]
struct AttestationRow {
    vendor_id: i64,
    submitted_on: String,
    approved_on: Option<String>,
    approved_by: Option<String>,
    outcome: String,
}

#[derive(FromRow)]
struct AssessmentRow {
    vendor_id: i64,
    kind: String,
    assessor: String,
    period_start: String,
    period_end: String,
    issued_on: String,
    valid_until: String,
}

#[derive(FromRow)]
struct TrainingRow {
    vendor_id: i64,
    person_name: String,
    person_email: String,
    course: String,
    completed_on: String,
    expires_on: String,
}

#[derive(FromRow)]
struct ContractRow {
    id: i64,
    vendor_id: i64,
    kind: String,
    reference: String,
    signed_on: String,
    in_force_from: String,
    ends_on: Option<String>,
    auto_renew: i64,
    notice_days: i64,
}

#[derive(FromRow)]
struct ObligationRow {
    contract_id: i64,
    obligation_code: String,
    hours: Option<i64>,
}

/// The evidence records of one vendor, without the vendor's own fields.
#[derive(Debug, Clone, Default)]
pub struct Records {
    pub enrollments: Vec<Enrollment>,
    pub attestations: Vec<Attestation>,
    pub assessments: Vec<Assessment>,
    pub contracts: Vec<Contract>,
    pub training: Vec<TrainingRecord>,
}

impl Records {
    /// Combine with the vendor's lifecycle and scope into what the rules read.
    pub fn evidence_for(self, row: &VendorRow) -> StoreResult<Evidence> {
        Ok(Evidence {
            lifecycle: Lifecycle {
                announced_on: opt_day(row.announced_on.as_deref())?,
                effective_on: opt_day(row.effective_on.as_deref())?,
                removed_on: opt_day(row.removed_on.as_deref())?,
            },
            work_location: WorkLocation::parse(&row.work_location).ok(),
            categories: row
                .category_list()
                .iter()
                .map(|c| DataCategory::parse(c).map_err(corrupt))
                .collect::<StoreResult<_>>()?,
            enrollments: self.enrollments,
            attestations: self.attestations,
            assessments: self.assessments,
            contracts: self.contracts,
            training: self.training,
        })
    }
}

fn id_list(start: usize, n: usize) -> String {
    (start..start + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn fetch_chunk<T>(db: &Db, sql_with_ids: &str, ids: &[i64]) -> StoreResult<Vec<T>>
where
    T: for<'r> FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let sql = sql_with_ids.replace("{ids}", &id_list(1, ids.len()));
    let mut q = sqlx::query_as::<Any, T>(&sql);
    for id in ids {
        q = q.bind(*id);
    }
    Ok(q.fetch_all(&db.pool).await?)
}

/// Every evidence record of the given vendors, keyed by vendor id (vendors with none are absent).
pub async fn load_records(db: &Db, vendor_ids: &[i64]) -> StoreResult<HashMap<i64, Records>> {
    let mut out: HashMap<i64, Records> = HashMap::new();
    for ids in vendor_ids.chunks(CHUNK) {
        let rows: Vec<EnrollmentRow> = fetch_chunk(
            db,
            "SELECT vendor_id, enrolled_on, status FROM vpap_enrollments \
             WHERE vendor_id IN ({ids}) ORDER BY enrolled_on, id",
            ids,
        )
        .await?;
        for r in rows {
            out.entry(r.vendor_id)
                .or_default()
                .enrollments
                .push(Enrollment {
                    enrolled_on: day(&r.enrolled_on)?,
                    status: EnrollmentStatus::parse(&r.status).map_err(corrupt)?,
                });
        }
        let rows: Vec<AttestationRow> = fetch_chunk(
            db,
            "SELECT vendor_id, submitted_on, approved_on, approved_by, outcome FROM attestations \
             WHERE vendor_id IN ({ids}) ORDER BY submitted_on, id",
            ids,
        )
        .await?;
        for r in rows {
            out.entry(r.vendor_id)
                .or_default()
                .attestations
                .push(Attestation {
                    submitted_on: day(&r.submitted_on)?,
                    approved_on: opt_day(r.approved_on.as_deref())?,
                    approved_by: r.approved_by,
                    outcome: AttestationOutcome::parse(&r.outcome).map_err(corrupt)?,
                });
        }
        let rows: Vec<AssessmentRow> = fetch_chunk(
            db,
            "SELECT vendor_id, kind, assessor, period_start, period_end, issued_on, valid_until \
             FROM assessments WHERE vendor_id IN ({ids}) ORDER BY issued_on, id",
            ids,
        )
        .await?;
        for r in rows {
            out.entry(r.vendor_id)
                .or_default()
                .assessments
                .push(Assessment {
                    kind: AssessmentKind::parse(&r.kind).map_err(corrupt)?,
                    assessor: r.assessor,
                    period_start: day(&r.period_start)?,
                    period_end: day(&r.period_end)?,
                    issued_on: day(&r.issued_on)?,
                    valid_until: day(&r.valid_until)?,
                });
        }
        let rows: Vec<TrainingRow> = fetch_chunk(
            db,
            "SELECT t.vendor_id, t.person_name, t.person_email, c.name AS course, t.completed_on, \
             t.expires_on FROM training_records t JOIN training_courses c ON c.id = t.course_id \
             WHERE t.vendor_id IN ({ids}) ORDER BY t.person_name, t.completed_on, t.id",
            ids,
        )
        .await?;
        for r in rows {
            out.entry(r.vendor_id)
                .or_default()
                .training
                .push(TrainingRecord {
                    person_name: r.person_name,
                    person_email: r.person_email,
                    course: r.course,
                    completed_on: day(&r.completed_on)?,
                    expires_on: day(&r.expires_on)?,
                });
        }
        let contracts: Vec<ContractRow> = fetch_chunk(
            db,
            "SELECT id, vendor_id, kind, reference, signed_on, in_force_from, ends_on, auto_renew, \
             notice_days FROM contracts WHERE vendor_id IN ({ids}) ORDER BY in_force_from, id",
            ids,
        )
        .await?;
        let obligations: Vec<ObligationRow> = fetch_chunk(
            db,
            "SELECT co.contract_id, co.obligation_code, co.hours FROM contract_obligations co \
             JOIN contracts c ON c.id = co.contract_id WHERE c.vendor_id IN ({ids}) \
             ORDER BY co.contract_id, co.obligation_code",
            ids,
        )
        .await?;
        let mut by_contract: HashMap<i64, Vec<ObligationTerm>> = HashMap::new();
        for o in obligations {
            by_contract
                .entry(o.contract_id)
                .or_default()
                .push(ObligationTerm {
                    obligation: Obligation::parse(&o.obligation_code).map_err(corrupt)?,
                    hours: o.hours.and_then(|h| u32::try_from(h).ok()),
                });
        }
        for c in contracts {
            let mut obligations = by_contract.remove(&c.id).unwrap_or_default();
            obligations.sort_by_key(|t| t.obligation);
            out.entry(c.vendor_id)
                .or_default()
                .contracts
                .push(Contract {
                    kind: ContractKind::parse(&c.kind).map_err(corrupt)?,
                    reference: c.reference,
                    signed_on: day(&c.signed_on)?,
                    in_force_from: day(&c.in_force_from)?,
                    ends_on: opt_day(c.ends_on.as_deref())?,
                    auto_renew: c.auto_renew != 0,
                    notice_days: u32::try_from(c.notice_days).unwrap_or(0),
                    obligations,
                });
        }
    }
    Ok(out)
}

/// Evidence for each vendor row, in the rows' order.
pub async fn evidence_for_rows(db: &Db, rows: &[VendorRow]) -> StoreResult<Vec<Evidence>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut records = load_records(db, &ids).await?;
    rows.iter()
        .map(|r| records.remove(&r.id).unwrap_or_default().evidence_for(r))
        .collect()
}

// ---- writes (used by the demo seed; the editing forms come with vendor-manager accounts) ----

pub async fn insert_enrollment(
    conn: &mut AnyConnection,
    vendor_id: i64,
    e: &Enrollment,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO vpap_enrollments (vendor_id, enrolled_on, status, created_at) VALUES ($1, $2, $3, $4)")
        .bind(vendor_id)
        .bind(e.enrolled_on.to_string())
        .bind(e.status.code())
        .bind(now_utc())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn insert_attestation(
    conn: &mut AnyConnection,
    vendor_id: i64,
    a: &Attestation,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO attestations (vendor_id, submitted_on, approved_on, approved_by, outcome, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(vendor_id)
    .bind(a.submitted_on.to_string())
    .bind(a.approved_on.map(|d| d.to_string()))
    .bind(a.approved_by.clone())
    .bind(a.outcome.code())
    .bind(now_utc())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn insert_assessment(
    conn: &mut AnyConnection,
    vendor_id: i64,
    a: &Assessment,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO assessments (vendor_id, kind, assessor, period_start, period_end, issued_on, \
         valid_until, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(vendor_id)
    .bind(a.kind.code())
    .bind(a.assessor.clone())
    .bind(a.period_start.to_string())
    .bind(a.period_end.to_string())
    .bind(a.issued_on.to_string())
    .bind(a.valid_until.to_string())
    .bind(now_utc())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Record training; the course must exist. Expiry is the caller's (the course's validity).
pub async fn insert_training(
    conn: &mut AnyConnection,
    vendor_id: i64,
    t: &TrainingRecord,
) -> StoreResult<()> {
    let course_id =
        sqlx::query_scalar::<Any, i64>("SELECT id FROM training_courses WHERE name = $1")
            .bind(t.course.clone())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| {
                StoreError::Corrupt(format!("no training course named {:?}", t.course))
            })?;
    sqlx::query(
        "INSERT INTO training_records (vendor_id, person_name, person_email, course_id, \
         completed_on, expires_on, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(vendor_id)
    .bind(t.person_name.clone())
    .bind(t.person_email.clone())
    .bind(course_id)
    .bind(t.completed_on.to_string())
    .bind(t.expires_on.to_string())
    .bind(now_utc())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Validity in months of a course, by name.
pub async fn course_validity(conn: &mut AnyConnection, course: &str) -> StoreResult<Option<u32>> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "SELECT validity_months FROM training_courses WHERE name = $1",
    )
    .bind(course.to_string())
    .fetch_optional(&mut *conn)
    .await?
    .and_then(|m| u32::try_from(m).ok()))
}

pub async fn insert_contract(
    conn: &mut AnyConnection,
    vendor_id: i64,
    c: &Contract,
) -> StoreResult<()> {
    let id = sqlx::query_scalar::<Any, i64>(
        "INSERT INTO contracts (vendor_id, kind, reference, signed_on, in_force_from, ends_on, \
         auto_renew, notice_days, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(vendor_id)
    .bind(c.kind.code())
    .bind(c.reference.clone())
    .bind(c.signed_on.to_string())
    .bind(c.in_force_from.to_string())
    .bind(c.ends_on.map(|d| d.to_string()))
    .bind(i64::from(c.auto_renew))
    .bind(i64::from(c.notice_days))
    .bind(now_utc())
    .fetch_one(&mut *conn)
    .await?;
    for t in &c.obligations {
        sqlx::query("INSERT INTO contract_obligations (contract_id, obligation_code, hours) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(t.obligation.code())
            .bind(t.hours.map(i64::from))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
