//! Demo and benchmark data. Every name here is fictional.

use chrono::{Days, NaiveDate};

use super::{
    services::upsert_service,
    vendors::{insert_vendor, NewVendor},
    Db, StoreError, StoreResult,
};
use crate::domain::{
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
        countries.push(country(*rng.pick(PROCESSING))?);
    }
    countries.sort();
    countries.dedup();
    let mut categories = vec![DataCategory::SupportData];
    if rng.next() % 2 == 0 {
        categories.push(DataCategory::PersonalData);
    }
    if rng.next() % 3 == 0 {
        categories.push(DataCategory::CustomerData);
    }
    categories.sort();
    categories.dedup();
    let days = |n: u64| today.checked_sub_days(Days::new(n));
    let lifecycle = match i % 12 {
        // announced, taking effect in the future
        3 | 8 => Lifecycle {
            announced_on: days(10 + (i as u64 % 20)),
            effective_on: today.checked_add_days(Days::new(20 + (i as u64 % 150))),
            removed_on: None,
        },
        // removed
        11 => Lifecycle {
            announced_on: days(900),
            effective_on: days(870),
            removed_on: days(30 + (i as u64 % 60)),
        },
        _ => Lifecycle {
            announced_on: days(400 + (i as u64 * 7) % 700),
            effective_on: days(200 + (i as u64 * 7) % 200),
            removed_on: None,
        },
    };
    let work_location = if i % 4 == 0 {
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
        parent_company: if i % 5 == 0 {
            Some(format!("{prefix} Holdings"))
        } else {
            None
        },
        registration_country: country(reg)?,
        website: Some(format!("https://{}.example", prefix.to_lowercase())),
        privacy_contact: Some(format!("privacy@{}.example", prefix.to_lowercase())),
        kind: if i % 9 == 0 {
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
        insert_vendor(&mut tx, &v).await?;
    }
    tx.commit().await?;
    Ok(count)
}
