//! Assurance evidence of vendors: enrollment, attestations, assessments, training, contracts.
//! Read packed into the vendor query itself (see `evidence_columns_sql`), never per row.
//! Writes run in the caller's transaction, beside their audit row; changes and removals check
//! the row's version (optimistic locking).

use chrono::NaiveDate;
use sqlx::{Any, AnyConnection};

use super::{now_utc, Db, StoreError, StoreResult};
use crate::domain::{
    assurance::{
        Assessment, AssessmentKind, Attestation, AttestationOutcome, Contract, ContractKind,
        Enrollment, EnrollmentStatus, Obligation, ObligationTerm, RecordKind, TrainingRecord,
    },
    assurance::{EvidenceKeys, RecordKey},
    forms::Courses,
    ParseError,
};

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

/// The evidence records of one vendor, without the vendor's own fields.
#[derive(Debug, Clone, Default)]
pub struct Records {
    pub keys: EvidenceKeys,
    pub enrollments: Vec<Enrollment>,
    pub attestations: Vec<Attestation>,
    pub assessments: Vec<Assessment>,
    pub contracts: Vec<Contract>,
    pub training: Vec<TrainingRecord>,
}

/// Separators of the evidence that the vendor query packs into text columns: records are
/// joined by RS (0x1E), fields by US (0x1F). Stored text never holds control characters
/// (input validation refuses them), so neither can be confused with data.
const RS: char = '\u{1e}';
const US: char = '\u{1f}';

/// Correlated subqueries appended to the vendor query (`v` is the vendor): each packs one kind
/// of evidence into one text column, so a page or an export of any size reads all evidence
/// in the same single query as the vendors themselves (no query per row or per kind).
pub fn evidence_columns_sql() -> String {
    evidence_columns_sql_unless(None)
}

/// [`evidence_columns_sql`], with each column NULL (its subquery not run) for a row where
/// `skip` holds: the public lists skip the evidence of a vendor whose stored assurance holds.
pub fn evidence_columns_sql_unless(skip: Option<&str>) -> String {
    let (rs, us) = (RS, US);
    let key =
        |t: &str| format!("CAST({t}.id AS TEXT) || ':' || CAST({t}.version AS TEXT) || '{us}'");
    let (key_e, key_a, key_s, key_t, key_c) = (key("e"), key("a"), key("s"), key("t"), key("c"));
    let columns = [
        (
            format!(
                "SELECT string_agg({key_e} || e.enrolled_on || '{us}' || e.status, '{rs}' ORDER BY e.enrolled_on, e.id) \
                 FROM vpap_enrollments e WHERE e.vendor_id = v.id"
            ),
            "ev_enrollments",
        ),
        (
            format!(
                "SELECT string_agg({key_a} || a.submitted_on || '{us}' || COALESCE(a.approved_on, '') || '{us}' \
                 || COALESCE(a.approved_by, '') || '{us}' || a.outcome, '{rs}' ORDER BY a.submitted_on, a.id) \
                 FROM attestations a WHERE a.vendor_id = v.id"
            ),
            "ev_attestations",
        ),
        (
            format!(
                "SELECT string_agg({key_s} || s.kind || '{us}' || s.assessor || '{us}' || s.period_start || '{us}' \
                 || s.period_end || '{us}' || s.issued_on || '{us}' || s.valid_until, '{rs}' ORDER BY s.issued_on, s.id) \
                 FROM assessments s WHERE s.vendor_id = v.id AND s.review_state = 'approved'"
            ),
            "ev_assessments",
        ),
        (
            format!(
                "SELECT string_agg({key_t} || t.person_name || '{us}' || t.person_email || '{us}' || tc.name || '{us}' \
                 || t.completed_on || '{us}' || t.expires_on, '{rs}' ORDER BY t.person_name, t.completed_on, t.id) \
                 FROM training_records t JOIN training_courses tc ON tc.id = t.course_id \
                 WHERE t.vendor_id = v.id"
            ),
            "ev_training",
        ),
        (
            format!(
                "SELECT string_agg({key_c} || c.kind || '{us}' || c.reference || '{us}' || c.signed_on || '{us}' \
                 || c.in_force_from || '{us}' || COALESCE(c.ends_on, '') || '{us}' \
                 || CAST(c.auto_renew AS TEXT) || '{us}' || CAST(c.notice_days AS TEXT) || '{us}' \
                 || COALESCE((SELECT string_agg(co.obligation_code || ':' || COALESCE(CAST(co.hours AS TEXT), ''), \
                      ',' ORDER BY co.obligation_code) FROM contract_obligations co WHERE co.contract_id = c.id), ''), \
                 '{rs}' ORDER BY c.in_force_from, c.id) \
                 FROM contracts c WHERE c.vendor_id = v.id"
            ),
            "ev_contracts",
        ),
    ];
    columns
        .iter()
        .map(|(select, name)| match skip {
            None => format!("({select}) AS {name}"),
            Some(cond) => format!("CASE WHEN {cond} THEN NULL ELSE ({select}) END AS {name}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The packed evidence columns of one vendor row (read by name, or, in the SQLite export's
/// one-value rows, as an array in this order).
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow, serde::Deserialize)]
pub struct PackedEvidence {
    #[sqlx(rename = "ev_enrollments")]
    pub enrollments: Option<String>,
    #[sqlx(rename = "ev_attestations")]
    pub attestations: Option<String>,
    #[sqlx(rename = "ev_assessments")]
    pub assessments: Option<String>,
    #[sqlx(rename = "ev_training")]
    pub training: Option<String>,
    #[sqlx(rename = "ev_contracts")]
    pub contracts: Option<String>,
}

/// Each packed record starts with its `id:version`, then its fields.
fn records<'a>(
    packed: &'a Option<String>,
    keys: &mut Vec<RecordKey>,
) -> StoreResult<Vec<Vec<&'a str>>> {
    let Some(s) = packed.as_deref().filter(|s| !s.is_empty()) else {
        return Ok(Vec::new());
    };
    s.split(RS)
        .map(|r| {
            let mut fields = r.split(US);
            let key = fields.next().unwrap_or_default();
            let (id, version) = key
                .split_once(':')
                .ok_or_else(|| StoreError::Corrupt(format!("record key {key:?}")))?;
            keys.push(RecordKey {
                id: number(id, "record id")?,
                version: number(version, "record version")?,
            });
            Ok(fields.collect())
        })
        .collect()
}

fn field<'a>(r: &[&'a str], i: usize, what: &str) -> StoreResult<&'a str> {
    r.get(i)
        .copied()
        .ok_or_else(|| StoreError::Corrupt(format!("{what}: field {i} missing")))
}

fn optional(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn number(s: &str, what: &str) -> StoreResult<i64> {
    s.parse()
        .map_err(|_| StoreError::Corrupt(format!("{what}: bad number {s:?}")))
}

impl PackedEvidence {
    /// Unpack into the domain's evidence records.
    pub fn unpack(&self) -> StoreResult<Records> {
        let mut out = Records::default();
        for r in records(&self.enrollments, &mut out.keys.enrollments)? {
            out.enrollments.push(Enrollment {
                enrolled_on: day(field(&r, 0, "enrollment")?)?,
                status: EnrollmentStatus::parse(field(&r, 1, "enrollment")?).map_err(corrupt)?,
            });
        }
        for r in records(&self.attestations, &mut out.keys.attestations)? {
            out.attestations.push(Attestation {
                submitted_on: day(field(&r, 0, "attestation")?)?,
                approved_on: opt_day(optional(field(&r, 1, "attestation")?).as_deref())?,
                approved_by: optional(field(&r, 2, "attestation")?),
                outcome: AttestationOutcome::parse(field(&r, 3, "attestation")?)
                    .map_err(corrupt)?,
            });
        }
        for r in records(&self.assessments, &mut out.keys.assessments)? {
            out.assessments.push(Assessment {
                kind: AssessmentKind::parse(field(&r, 0, "assessment")?).map_err(corrupt)?,
                assessor: field(&r, 1, "assessment")?.to_string(),
                period_start: day(field(&r, 2, "assessment")?)?,
                period_end: day(field(&r, 3, "assessment")?)?,
                issued_on: day(field(&r, 4, "assessment")?)?,
                valid_until: day(field(&r, 5, "assessment")?)?,
            });
        }
        for r in records(&self.training, &mut out.keys.training)? {
            out.training.push(TrainingRecord {
                person_name: field(&r, 0, "training")?.to_string(),
                person_email: field(&r, 1, "training")?.to_string(),
                course: field(&r, 2, "training")?.to_string(),
                completed_on: day(field(&r, 3, "training")?)?,
                expires_on: day(field(&r, 4, "training")?)?,
            });
        }
        for r in records(&self.contracts, &mut out.keys.contracts)? {
            let mut obligations = Vec::new();
            for term in field(&r, 7, "contract")?
                .split(',')
                .filter(|t| !t.is_empty())
            {
                let (code, hours) = term.split_once(':').unwrap_or((term, ""));
                obligations.push(ObligationTerm {
                    obligation: Obligation::parse(code).map_err(corrupt)?,
                    hours: if hours.is_empty() {
                        None
                    } else {
                        u32::try_from(number(hours, "obligation hours")?).ok()
                    },
                });
            }
            out.contracts.push(Contract {
                kind: ContractKind::parse(field(&r, 0, "contract")?).map_err(corrupt)?,
                reference: field(&r, 1, "contract")?.to_string(),
                signed_on: day(field(&r, 2, "contract")?)?,
                in_force_from: day(field(&r, 3, "contract")?)?,
                ends_on: opt_day(optional(field(&r, 4, "contract")?).as_deref())?,
                auto_renew: number(field(&r, 5, "contract")?, "auto_renew")? != 0,
                notice_days: u32::try_from(number(field(&r, 6, "contract")?, "notice_days")?)
                    .unwrap_or(0),
                obligations,
            });
        }
        Ok(out)
    }
}

// ---- writes ----

pub async fn insert_enrollment(
    conn: &mut AnyConnection,
    vendor_id: i64,
    e: &Enrollment,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar::<Any, i64>("INSERT INTO vpap_enrollments (vendor_id, enrolled_on, status, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(vendor_id)
        .bind(e.enrolled_on.to_string())
        .bind(e.status.code())
        .bind(now_utc())
        .fetch_one(&mut *conn)
        .await?)
}

pub async fn insert_attestation(
    conn: &mut AnyConnection,
    vendor_id: i64,
    a: &Attestation,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "INSERT INTO attestations (vendor_id, submitted_on, approved_on, approved_by, outcome, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(vendor_id)
    .bind(a.submitted_on.to_string())
    .bind(a.approved_on.map(|d| d.to_string()))
    .bind(a.approved_by.clone())
    .bind(a.outcome.code())
    .bind(now_utc())
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn insert_assessment(
    conn: &mut AnyConnection,
    vendor_id: i64,
    a: &Assessment,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "INSERT INTO assessments (vendor_id, kind, assessor, period_start, period_end, issued_on, \
         valid_until, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(vendor_id)
    .bind(a.kind.code())
    .bind(a.assessor.clone())
    .bind(a.period_start.to_string())
    .bind(a.period_end.to_string())
    .bind(a.issued_on.to_string())
    .bind(a.valid_until.to_string())
    .bind(now_utc())
    .fetch_one(&mut *conn)
    .await?)
}

/// Record training; the course must exist. Expiry is the caller's (the course's validity).
/// Whether the vendor has this person's record of this course completed on that day.
pub async fn training_exists(
    conn: &mut AnyConnection,
    vendor_id: i64,
    t: &TrainingRecord,
) -> StoreResult<bool> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "SELECT COUNT(*) FROM training_records r JOIN training_courses c ON c.id = r.course_id \
         WHERE r.vendor_id = $1 AND lower(r.person_email) = lower($2) AND c.name = $3 \
         AND r.completed_on = $4",
    )
    .bind(vendor_id)
    .bind(t.person_email.clone())
    .bind(t.course.clone())
    .bind(t.completed_on.to_string())
    .fetch_one(&mut *conn)
    .await?
        > 0)
}

pub async fn insert_training(
    conn: &mut AnyConnection,
    vendor_id: i64,
    t: &TrainingRecord,
) -> StoreResult<i64> {
    let course_id = course_id(conn, &t.course).await?;
    Ok(sqlx::query_scalar::<Any, i64>(
        "INSERT INTO training_records (vendor_id, person_name, person_email, course_id, \
         completed_on, expires_on, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(vendor_id)
    .bind(t.person_name.clone())
    .bind(t.person_email.clone())
    .bind(course_id)
    .bind(t.completed_on.to_string())
    .bind(t.expires_on.to_string())
    .bind(now_utc())
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn insert_contract(
    conn: &mut AnyConnection,
    vendor_id: i64,
    c: &Contract,
) -> StoreResult<i64> {
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
    Ok(id)
}

/// The table of each kind of record.
fn table(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Enrollment => "vpap_enrollments",
        RecordKind::Attestation => "attestations",
        RecordKind::Assessment => "assessments",
        RecordKind::Training => "training_records",
        RecordKind::Contract => "contracts",
    }
}

/// The id of a course by name; a name that is not a course is refused (forms check first).
async fn course_id(conn: &mut AnyConnection, course: &str) -> StoreResult<i64> {
    sqlx::query_scalar::<Any, i64>("SELECT id FROM training_courses WHERE name = $1")
        .bind(course.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("no training course named {course:?}")))
}

/// The training courses with their validity in months, for the forms.
pub async fn list_courses(db: &Db) -> StoreResult<Courses> {
    let rows = sqlx::query_as::<Any, (String, i64)>(
        "SELECT name, validity_months FROM training_courses ORDER BY name",
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(Courses(
        rows.into_iter()
            .map(|(name, months)| (name, u32::try_from(months).unwrap_or(12)))
            .collect(),
    ))
}

/// Change a training record if it is still at `version`; returns whether it was.
pub async fn update_training(
    conn: &mut AnyConnection,
    vendor_id: i64,
    id: i64,
    version: i64,
    t: &TrainingRecord,
) -> StoreResult<bool> {
    let course = course_id(conn, &t.course).await?;
    let res = sqlx::query(
        "UPDATE training_records SET person_name = $1, person_email = $2, course_id = $3, \
         completed_on = $4, expires_on = $5, version = version + 1 \
         WHERE id = $6 AND vendor_id = $7 AND version = $8",
    )
    .bind(t.person_name.clone())
    .bind(t.person_email.clone())
    .bind(course)
    .bind(t.completed_on.to_string())
    .bind(t.expires_on.to_string())
    .bind(id)
    .bind(vendor_id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// Change an attestation if it is still at `version`; returns whether it was.
pub async fn update_attestation(
    conn: &mut AnyConnection,
    vendor_id: i64,
    id: i64,
    version: i64,
    a: &Attestation,
) -> StoreResult<bool> {
    let res = sqlx::query(
        "UPDATE attestations SET submitted_on = $1, approved_on = $2, approved_by = $3, \
         outcome = $4, version = version + 1 WHERE id = $5 AND vendor_id = $6 AND version = $7",
    )
    .bind(a.submitted_on.to_string())
    .bind(a.approved_on.map(|d| d.to_string()))
    .bind(a.approved_by.clone())
    .bind(a.outcome.code())
    .bind(id)
    .bind(vendor_id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// Delete one record of a vendor if it is still at `version`; returns whether it was.
pub async fn delete_record(
    conn: &mut AnyConnection,
    kind: RecordKind,
    vendor_id: i64,
    id: i64,
    version: i64,
) -> StoreResult<bool> {
    let sql = format!(
        "DELETE FROM {} WHERE id = $1 AND vendor_id = $2 AND version = $3",
        table(kind)
    );
    let res = sqlx::query(&sql)
        .bind(id)
        .bind(vendor_id)
        .bind(version)
        .execute(&mut *conn)
        .await?;
    Ok(res.rows_affected() == 1)
}

#[cfg(test)]
mod tests;
