//! Demo and benchmark data. Every name here is fictional.

use chrono::{Days, NaiveDate};

use super::{
    assurance::{
        insert_assessment, insert_attestation, insert_contract, insert_enrollment, insert_training,
    },
    services::upsert_service,
    vendors::{insert_vendor, NewVendor},
    AnyConnection, Db, StoreError, StoreResult,
};
use crate::domain::{
    assurance::{
        Assessment, AssessmentKind, Attestation, AttestationOutcome, Contract, ContractKind,
        Enrollment, EnrollmentStatus, Obligation, ObligationTerm, TrainingRecord,
    },
    changes::{earliest_effective, ChangeKind, NoticePeriods, PlannedEvent},
    compliance::required_obligations,
    vendor::{PurposeCategory, TransferMechanism, VendorKind, WorkLocation},
    CountryCode, DataCategory, Lifecycle, Slug,
};

/// Our services: (slug, name, description).
pub const SERVICES: &[(&str, &str, &str)] = &[
    ("compute", "Compute", "Virtual machines and containers"),
    (
        "object-storage",
        "Object Storage",
        "Durable storage of files and objects",
    ),
    (
        "managed-databases",
        "Managed Databases",
        "Hosted relational and key-value databases",
    ),
    (
        "email-delivery",
        "Email Delivery",
        "Transactional email sending",
    ),
    ("identity", "Identity", "Sign-in and directory"),
    ("analytics", "Analytics", "Usage and product analytics"),
    (
        "support-desk",
        "Support Desk",
        "Customer support tickets and chat",
    ),
    ("billing", "Billing", "Invoices and payments"),
    (
        "cdn",
        "Content Delivery",
        "Edge caching of customer content",
    ),
    ("backup", "Backup", "Snapshots and long-term retention"),
];

const PREFIXES: &[&str] = &[
    "Alder",
    "Brightwater",
    "Cobalt",
    "Driftwood",
    "Ember",
    "Fernhill",
    "Granite",
    "Harbor",
    "Ironbark",
    "Juniper",
    "Kestrel",
    "Larkspur",
    "Meridian",
    "Northwind",
    "Oakridge",
    "Pinecrest",
    "Quarry",
    "Redfern",
    "Silverline",
    "Tidewater",
    "Umber",
    "Vantage",
    "Willow",
    "Yarrow",
    "Zephyr",
    "Ashgrove",
    "Bluestem",
    "Cedarline",
    "Dunmore",
    "Elmstead",
];
const SUFFIXES: &[&str] = &[
    "Data Services",
    "Hosting",
    "Networks",
    "Support Solutions",
    "Analytics",
    "Mail",
    "Payments",
    "Systems",
    "Cloud",
    "Security",
    "Labs",
    "Infrastructure",
];
/// (legal-form suffix, registration country)
const LEGAL_FORMS: &[(&str, &str)] = &[
    ("GmbH", "DE"),
    ("Ltd", "IE"),
    ("SAS", "FR"),
    ("B.V.", "NL"),
    ("Inc.", "US"),
    ("K.K.", "JP"),
    ("Pty Ltd", "AU"),
    ("AB", "SE"),
    ("S.L.", "ES"),
    ("Pvt. Ltd", "IN"),
    ("Ltda.", "BR"),
    ("Sp. z o.o.", "PL"),
    ("Pte. Ltd", "SG"),
    ("ULC", "CA"),
    ("S.r.l.", "IT"),
    ("ApS", "DK"),
    ("Oy", "FI"),
    ("AG", "CH"),
    ("Ltd", "GB"),
    ("s.r.o.", "CZ"),
];
const PROCESSING: &[&str] = &[
    "DE", "IE", "FR", "NL", "US", "JP", "AU", "SE", "ES", "IN", "BR", "PL", "SG", "CA", "IT", "DK",
    "FI", "CH", "GB", "CZ", "PT", "BE",
];

/// A tiny deterministic generator so demo and bench data are the same on every run.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() as usize) % items.len()]
    }
}

fn country(code: &str) -> StoreResult<CountryCode> {
    CountryCode::parse(code).map_err(|e| StoreError::Corrupt(e.0))
}

/// Build vendor `i` of a generated registry. Vendors cycle through the lifecycle so every status
/// is represented: most active, some announced with a future effective date, some removed.
fn generated_vendor(
    i: usize,
    rng: &mut Lcg,
    service_ids: &[i64],
    today: NaiveDate,
    unique: bool,
) -> StoreResult<NewVendor> {
    let prefix = PREFIXES[i % PREFIXES.len()];
    let suffix = SUFFIXES[(i / PREFIXES.len() + i) % SUFFIXES.len()];
    let (form, reg) = *rng.pick(LEGAL_FORMS);
    let legal_name = if unique && i >= PREFIXES.len() {
        format!("{prefix} {suffix} {} {form}", i / PREFIXES.len() + 1)
    } else {
        format!("{prefix} {suffix} {form}")
    };
    let slug_source = if unique {
        format!("{prefix} {suffix} {i}")
    } else {
        format!("{prefix} {suffix}")
    };
    let slug = Slug::from_name(&slug_source).map_err(|e| StoreError::Corrupt(e.0))?;
    let purpose_category = *rng.pick(PurposeCategory::ALL);
    let n_services = 1 + (rng.next() % 3) as usize;
    let mut sids: Vec<i64> = (0..n_services).map(|_| *rng.pick(service_ids)).collect();
    sids.sort_unstable();
    sids.dedup();
    let mut countries = vec![country(reg)?];
    for _ in 0..(rng.next() % 3) {
        countries.push(country(rng.pick::<&str>(PROCESSING))?);
    }
    countries.sort();
    countries.dedup();
    let mut categories = vec![DataCategory::SupportData];
    if rng.next().is_multiple_of(2) {
        categories.push(DataCategory::PersonalData);
    }
    if rng.next().is_multiple_of(3) {
        categories.push(DataCategory::CustomerData);
    }
    categories.sort();
    categories.dedup();
    let days = |n: u64| today.checked_sub_days(Days::new(n));
    // effective exactly when the notice for its categories has run (180 days for customer
    // data, 30 otherwise), as a manager could have entered it
    let codes: Vec<String> = categories.iter().map(|c| c.code().to_string()).collect();
    let after_notice = |announced: Option<NaiveDate>| {
        announced.map(|a| earliest_effective(a, &codes, &NoticePeriods::default()))
    };
    let lifecycle = match i % 12 {
        // announced recently, taking effect in the future
        3 | 8 => {
            let announced_on = days(10 + (i as u64 % 20));
            Lifecycle {
                announced_on,
                effective_on: after_notice(announced_on),
                removed_on: None,
            }
        }
        // in effect for a few weeks: the changes page and the as-of view have recent history
        6 => {
            let notice = NoticePeriods::default().days_for(&codes);
            let announced_on = days(u64::from(notice) + 5 + (i as u64 % 25));
            Lifecycle {
                announced_on,
                effective_on: after_notice(announced_on),
                removed_on: None,
            }
        }
        // removed
        11 => Lifecycle {
            announced_on: days(900),
            effective_on: after_notice(days(900)),
            removed_on: days(30 + (i as u64 % 60)),
        },
        _ => {
            let announced_on = days(400 + (i as u64 * 7) % 700);
            Lifecycle {
                announced_on,
                effective_on: after_notice(announced_on),
                removed_on: None,
            }
        }
    };
    let work_location = if i.is_multiple_of(4) {
        WorkLocation::OurFacilities
    } else {
        WorkLocation::OwnFacilities
    };
    let transfer_mechanism = match reg {
        "US" => TransferMechanism::Dpf,
        "IN" | "BR" | "AU" | "SG" => TransferMechanism::Sccs,
        "JP" | "GB" | "CA" | "CH" => TransferMechanism::Adequacy,
        _ => TransferMechanism::NotApplicable,
    };
    Ok(NewVendor {
        slug,
        trading_name: Some(format!(
            "{prefix} {}",
            suffix.split(' ').next().unwrap_or(suffix)
        )),
        parent_company: if i.is_multiple_of(5) {
            Some(format!("{prefix} Holdings"))
        } else {
            None
        },
        registration_country: country(reg)?,
        website: Some(format!("https://{}.example", prefix.to_lowercase())),
        privacy_contact: Some(format!("privacy@{}.example", prefix.to_lowercase())),
        kind: if i.is_multiple_of(9) {
            VendorKind::Affiliate
        } else {
            VendorKind::ThirdParty
        },
        work_location,
        purpose: format!(
            "{} for our {} service.",
            purpose_category.label(),
            SERVICES[(sids[0] as usize).saturating_sub(1) % SERVICES.len()].1
        ),
        purpose_category,
        transfer_mechanism,
        lifecycle,
        service_ids: sids,
        countries,
        categories,
        legal_name,
    })
}

/// Fill an empty database with the demo registry. Returns how many vendors were added; does
/// nothing (and returns 0) when vendors already exist, so running it twice is harmless.
pub async fn seed_demo(db: &Db, today: NaiveDate) -> StoreResult<usize> {
    seed_generated(db, today, 48, false).await
}

/// Fill an empty database with `count` generated vendors, for benchmarks.
pub async fn seed_synthetic(db: &Db, today: NaiveDate, count: usize) -> StoreResult<usize> {
    seed_generated(db, today, count, true).await
}

async fn seed_generated(
    db: &Db,
    today: NaiveDate,
    count: usize,
    unique: bool,
) -> StoreResult<usize> {
    if super::vendors::count_all(db).await? > 0 {
        return Ok(0);
    }
    let mut tx = db.pool.begin().await?;
    let mut service_ids = Vec::new();
    for (slug, name, description) in SERVICES {
        service_ids.push(upsert_service(&mut tx, slug, name, description).await?);
    }
    let mut rng = Lcg(42);
    for i in 0..count {
        let v = generated_vendor(i, &mut rng, &service_ids, today, unique)?;
        let id = insert_vendor(&mut tx, &v).await?;
        let state = if unique {
            DemoState::Authorized
        } else {
            DemoState::for_index(i)
        };
        insert_evidence(&mut tx, id, i, &v, today, state).await?;
    }
    tx.commit().await?;
    super::changes::backfill(db, "demo data", today).await?;
    if !unique {
        demo_widening(db, today).await?;
    }
    Ok(count)
}

/// One announced widening in the demo (a new processing country for the first active vendor,
/// announced 20 days ago with its notice), so the changes page shows every kind of change.
async fn demo_widening(db: &Db, today: NaiveDate) -> StoreResult<()> {
    let mut tx = db.pool.begin().await?;
    let Some(slug) = sqlx::query_scalar::<sqlx::Any, String>(
        "SELECT slug FROM vendors WHERE effective_on <= $1 AND removed_on IS NULL ORDER BY id LIMIT 1",
    )
    .bind(today.to_string())
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(());
    };
    let names = super::services::service_names(&mut tx).await?;
    let Some(row) = super::vendor_writes::edit_row(&mut tx, &slug).await? else {
        return Ok(());
    };
    let before = row.public_scope(&names);
    let added = if before.countries.iter().any(|c| c == "JP") {
        "KR"
    } else {
        "JP"
    };
    sqlx::query("INSERT INTO vendor_countries (vendor_id, country_code) VALUES ($1, $2)")
        .bind(row.id)
        .bind(added)
        .execute(&mut *tx)
        .await?;
    let mut after = before.clone();
    after.countries.push(added.to_string());
    let after = after.normalized();
    let announced_on = today.checked_sub_days(Days::new(20)).unwrap_or(today);
    let event = PlannedEvent {
        kind: ChangeKind::ScopeChanged,
        announced_on,
        effective_on: earliest_effective(
            announced_on,
            &after.categories,
            &NoticePeriods::default(),
        ),
        before: Some(before),
        after: Some(after),
    };
    let slugs = super::vendor_writes::words(row.services.as_deref());
    super::changes::record(&mut tx, (row.id, &row.slug), &slugs, &event, "demo data").await?;
    tx.commit().await?;
    Ok(())
}

/// Which compliance state a demo vendor is seeded in, so the demo shows each one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoState {
    Authorized,
    ExpiredTraining,
    AttestationLapsingSoon,
    MissingObligation,
    NoContractInForce,
}

impl DemoState {
    /// Demo vendor indexes 1, 2, 4 and 5 are active vendors seeded out of compliance.
    pub fn for_index(i: usize) -> Self {
        match i {
            1 => Self::ExpiredTraining,
            2 => Self::AttestationLapsingSoon,
            4 => Self::MissingObligation,
            5 => Self::NoContractInForce,
            _ => Self::Authorized,
        }
    }
}

const PEOPLE: &[&str] = &[
    "Amara Okafor",
    "Bruno Lindqvist",
    "Chen Wei",
    "Dalia Haddad",
    "Emil Novak",
    "Fatima Rahman",
    "Gustavo Pereira",
    "Hana Sato",
    "Ines Duarte",
    "Jonas Berg",
    "Kavya Iyer",
    "Liam O'Connell",
];

/// Seed one vendor's evidence so that it is in `state` today.
async fn insert_evidence(
    conn: &mut AnyConnection,
    vendor_id: i64,
    i: usize,
    v: &NewVendor,
    today: NaiveDate,
    state: DemoState,
) -> StoreResult<()> {
    let ago = |n: u64| today.checked_sub_days(Days::new(n)).unwrap_or(today);
    let ahead = |n: u64| today.checked_add_days(Days::new(n)).unwrap_or(today);
    let start = v.lifecycle.announced_on.unwrap_or(today);
    insert_enrollment(
        conn,
        vendor_id,
        &Enrollment {
            enrolled_on: start,
            status: EnrollmentStatus::Active,
        },
    )
    .await?;
    // approved 12 months before "valid until"; lapsing soon means 20 days left
    let approved_on = match state {
        DemoState::AttestationLapsingSoon => ago(365 - 20),
        _ => ago(30 + (i as u64 * 11) % 200),
    };
    insert_attestation(
        conn,
        vendor_id,
        &Attestation {
            submitted_on: approved_on
                .checked_sub_days(Days::new(14))
                .unwrap_or(approved_on),
            approved_on: Some(approved_on),
            approved_by: Some("Priya Raman, Vendor Privacy Office".into()),
            outcome: AttestationOutcome::Approved,
        },
    )
    .await?;
    if v.categories.contains(&DataCategory::CustomerData) {
        let kind = [
            AssessmentKind::Iso27001,
            AssessmentKind::Soc2Type2,
            AssessmentKind::Iso27701,
        ][i % 3];
        insert_assessment(
            conn,
            vendor_id,
            &Assessment {
                kind,
                assessor: [
                    "Northbridge Assurance LLP",
                    "Keel & Partners Audit",
                    "Veritas Meridian Certification",
                ][i % 3]
                    .into(),
                period_start: ago(400),
                period_end: ago(40),
                issued_on: ago(30),
                valid_until: ahead(700),
            },
        )
        .await?;
    }
    let mut obligations: Vec<ObligationTerm> = required_obligations(Some(v.work_location))
        .into_iter()
        .chain([
            Obligation::FlowDown,
            Obligation::AuditCooperation,
            Obligation::DataDemandsRedirect,
        ])
        .filter(|o| !(state == DemoState::MissingObligation && *o == Obligation::BreachNotice))
        .map(|o| ObligationTerm {
            obligation: o,
            hours: (o == Obligation::BreachNotice).then_some(48),
        })
        .collect();
    obligations.sort_by_key(|t| t.obligation);
    let ends_on = match state {
        DemoState::NoContractInForce => Some(ago(10)),
        _ => Some(ahead(300 + (i as u64 * 13) % 400)),
    };
    insert_contract(
        conn,
        vendor_id,
        &Contract {
            kind: ContractKind::Dpa,
            reference: format!("DPA-{:04}", 1000 + i),
            signed_on: start,
            in_force_from: start,
            ends_on,
            auto_renew: false,
            notice_days: 90,
            obligations,
        },
    )
    .await?;
    let course = if v.work_location == crate::domain::vendor::WorkLocation::OurFacilities {
        "Handling customer data in our facilities"
    } else {
        "Privacy essentials for vendors"
    };
    for p in 0..(1 + i % 3) {
        let person = PEOPLE[(i + p * 5) % PEOPLE.len()];
        let completed_on = match (state, p) {
            (DemoState::ExpiredTraining, 0) => ago(400),
            _ => ago(20 + ((i + p) as u64 * 17) % 300),
        };
        let email = format!(
            "{}@vendor{i}.example",
            person.split(' ').next().unwrap_or("person").to_lowercase()
        );
        insert_training(
            conn,
            vendor_id,
            &TrainingRecord {
                person_name: person.into(),
                person_email: email,
                course: course.into(),
                completed_on,
                expires_on: TrainingRecord::expiry_for(completed_on, None).unwrap_or(completed_on),
            },
        )
        .await?;
    }
    Ok(())
}
