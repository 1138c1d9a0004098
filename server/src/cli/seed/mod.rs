//! Demo and benchmark data (`server seed-demo`, `server seed-synthetic`), written through the
//! store's own functions. Every name here is fictional.

mod evidence;
pub mod history;

use app::{
    domain::{
        changes::{earliest_effective, ChangeKind, NoticePeriods, PlannedEvent},
        vendor::{NewVendor, PurposeCategory, TransferMechanism, VendorKind, WorkLocation},
        CountryCode, DataCategory, Lifecycle, Slug, Status,
    },
    store::{
        changes,
        services::{service_names, upsert_service},
        vendors::{self, insert_vendor, words},
        Db, StoreError, StoreResult,
    },
};
use chrono::{Days, NaiveDate};
use evidence::{insert_evidence, DemoState};

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
    services: &[Slug],
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
    // indexes into SERVICES (and `services`, in the same order)
    let all: Vec<usize> = (0..services.len()).collect();
    let mut picked: Vec<usize> = (0..n_services).map(|_| *rng.pick(&all)).collect();
    picked.sort_unstable();
    picked.dedup();
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
            SERVICES[picked[0] % SERVICES.len()].1
        ),
        purpose_category,
        transfer_mechanism,
        lifecycle,
        services: picked.iter().map(|i| services[*i].clone()).collect(),
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
    if vendors::count_all(db).await? > 0 {
        return Ok(0);
    }
    let mut tx = db.pool.begin().await?;
    let mut services = Vec::new();
    for (slug, name, description) in SERVICES {
        upsert_service(&mut tx, slug, name, description).await?;
        services.push(Slug::parse(slug).map_err(|e| StoreError::Corrupt(e.0))?);
    }
    let mut rng = Lcg(42);
    let mut first_slug: Option<(String, String, String)> = None;
    for i in 0..count {
        let v = generated_vendor(i, &mut rng, &services, today, unique)?;
        let id = insert_vendor(&mut tx, &v).await?;
        let state = if unique {
            DemoState::Authorized
        } else {
            DemoState::for_index(i)
        };
        insert_evidence(&mut tx, id, i, &v, today, state).await?;
        if !unique {
            // vendor 1 has a chain of its own, so linking to it shows two levels
            if i == 1 {
                first_slug = Some((
                    v.slug.as_str().to_string(),
                    v.legal_name.clone(),
                    v.registration_country.as_str().to_string(),
                ));
            }
            if let Some(first) = first_slug.clone() {
                demo_chain(&mut tx, id, i, &v, (&first.0, &first.1, &first.2)).await?;
            }
        }
    }
    tx.commit().await?;
    changes::backfill(db, "demo data", today).await?;
    if !unique {
        demo_widening(db, today).await?;
    }
    Ok(count)
}

/// Some demo vendors list subprocessors of their own (fictional), one of them a vendor of the
/// registry itself, so vendor pages show a chain two levels deep.
async fn demo_chain(
    tx: &mut sqlx::AnyConnection,
    id: i64,
    i: usize,
    v: &app::domain::vendor::NewVendor,
    (first, first_name, first_country): (&str, &str, &str),
) -> StoreResult<()> {
    use app::domain::chain::SubProcessor;
    if i % 4 != 1 {
        return Ok(());
    }
    let passed: Vec<String> = v
        .categories
        .iter()
        .take(1)
        .map(|c| c.code().to_string())
        .collect();
    let mut list = vec![SubProcessor {
        legal_name: [
            "Deep Archive AB",
            "Tidewater Relay Ltd",
            "Kestrel Print GmbH",
        ][i % 3]
            .into(),
        country: ["SE", "IE", "DE"][i % 3].into(),
        purpose: [
            "Cold storage of backups",
            "Outbound mail relay",
            "Printing and posting of letters",
        ][i % 3]
            .into(),
        categories: passed.clone(),
        since: NaiveDate::from_ymd_opt(2024, 1 + (i % 12) as u32, 1),
        list_url: None,
        vendor_slug: None,
    }];
    if i % 8 == 1 && v.slug.as_str() != first {
        list.push(SubProcessor {
            legal_name: first_name.to_string(),
            // where that vendor is registered, so the link reads as the vendor does
            country: first_country.into(),
            purpose: "Shared hosting platform".into(),
            categories: passed,
            since: NaiveDate::from_ymd_opt(2023, 6, 1),
            list_url: Some("https://example.com/subprocessors".into()),
            vendor_slug: Some(first.to_string()),
        });
    }
    list.sort();
    vendors::set_sub_processors(tx, id, 1, &list).await?;
    Ok(())
}

/// One announced widening in the demo (a new processing country for the first active vendor,
/// announced 20 days ago with its notice), so the changes page shows every kind of change.
async fn demo_widening(db: &Db, today: NaiveDate) -> StoreResult<()> {
    let all = vendors::list_all(db, today).await?;
    let Some(first) = all
        .iter()
        .filter(|v| v.status().is_ok_and(|s| s == Status::Active))
        .min_by_key(|v| v.id)
    else {
        return Ok(());
    };
    let mut tx = db.pool.begin().await?;
    let names = service_names(&mut tx).await?;
    let Some(row) = vendors::edit_row(&mut tx, &first.slug).await? else {
        return Ok(());
    };
    let before = row.public_scope(&names);
    let added = if before.countries.iter().any(|c| c == "JP") {
        "KR"
    } else {
        "JP"
    };
    let mut wider = row.record()?;
    wider.countries.push(country(added)?);
    if !vendors::update_vendor(&mut tx, row.id, row.version, &wider).await? {
        return Ok(());
    }
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
    let slugs = words(row.services.as_deref());
    changes::record(
        &mut tx,
        (row.id, &row.slug),
        &slugs,
        &event,
        ("demo data", changes::Tell::Nobody),
    )
    .await?;
    app::store::log::append_pending(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}
