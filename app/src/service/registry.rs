//! Server halves of the registry functions: the page and the vendor page, mapped from the one
//! public view (`registry::view`) and rendered (`registry::page`).

use crate::model::registry::Rendered;
use crate::{
    domain::{
        changes::describe, compliance::PublicAssurance, country::country_name, RegistryFilter, Slug,
    },
    error::AppError,
    model::types::{service_options, Country, SelectOption},
    registry::{
        list_assured,
        page::{
            registry_html, vendor_html, AssuranceSummary, ChainLink, RegistryPage, VendorDetail,
            VendorSummary, PAGE_SIZE,
        },
        past_day_only, registry_on,
        view::PublicVendor,
        with_assurance, Kept,
    },
    request::{db, heavy, internal, today},
    store::{changes, services, vendors},
};

fn country(code: &str) -> Country {
    Country {
        code: code.to_string(),
        name: country_name(code).unwrap_or(code).to_string(),
    }
}

/// A registry row of the page, from the public view.
fn summary(v: &PublicVendor) -> VendorSummary {
    VendorSummary {
        slug: v.slug.clone(),
        legal_name: v.legal_name.clone(),
        trading_name: v.trading_name.clone(),
        // a past day knows the purpose, not its category: the column shows the purpose
        purpose_category: v
            .purpose_category
            .clone()
            .unwrap_or_else(|| v.purpose.clone()),
        purpose: v.purpose.clone(),
        services: v.services.clone(),
        countries: v.processing_countries.iter().map(|c| country(c)).collect(),
        categories: v.data_categories.clone(),
        status: v.status,
        standing: v.compliance,
        announced_on: v.announced_on,
        effective_on: v.effective_on,
        removed_on: v.removed_on,
    }
}

fn assurance_summary(a: &PublicAssurance) -> AssuranceSummary {
    AssuranceSummary {
        authorized: a.compliance.authorized,
        standing: a.compliance.standing,
        reasons: a
            .compliance
            .reasons
            .iter()
            .map(|r| r.text.clone())
            .collect(),
        next_change: a.compliance.next_change,
        vpap_since: a.vpap_since,
        tier: a.tier.label().to_string(),
        certifications: a
            .certifications
            .iter()
            .map(|(k, until)| (k.label().to_string(), *until))
            .collect(),
        obligations: a
            .obligations
            .iter()
            .map(|o| o.label().to_string())
            .collect(),
    }
}

pub async fn load_registry(query: &str) -> Result<Rendered, AppError> {
    let page = kept_registry_page(query).await?;
    Ok(Rendered {
        title: "Registry".into(),
        html: registry_html(&page),
    })
}

/// The page's data for `query` today, kept under the registry's version (`Kept::pages`):
/// rendered fresh every time, loaded again only when something it shows has changed. A
/// past day's list is kept by the replay instead.
async fn kept_registry_page(query: &str) -> Result<std::sync::Arc<RegistryPage>, AppError> {
    let db = db()?;
    let version = vendors::registry_version(&db).await?;
    let key = ((query.to_string(), today()), version);
    let kept = Kept::current()?;
    if let Some(page) = kept.pages.get(key.clone()) {
        return Ok(page);
    }
    let page = std::sync::Arc::new(registry_page(query).await?);
    if page.filter.as_of.is_none() && page.today == key.0 .1 {
        kept.pages.put(key, page.clone());
    }
    Ok(page)
}

pub async fn load_vendor(slug: &str) -> Result<Rendered, AppError> {
    let v = vendor_detail(slug).await?;
    Ok(Rendered {
        title: v.summary.legal_name.clone(),
        html: vendor_html(v),
    })
}

async fn registry_page(query: &str) -> Result<RegistryPage, AppError> {
    let db = db()?;
    let day = today();
    let (mut filter, mut messages) = RegistryFilter::from_query(query);
    past_day_only(&mut filter, day, &mut messages);
    let offset = u64::from(filter.page.saturating_sub(1)) * u64::from(PAGE_SIZE);
    let mut compliance_ignored = false;
    // a past day, or every candidate's verdict, is heavy work: bounded (`request::heavy`)
    let work = async {
        let (items, total) = if let Some(as_of) = filter.as_of {
            compliance_ignored = filter.authorized.is_some();
            let window = (
                PAGE_SIZE as usize,
                usize::try_from(offset).unwrap_or(usize::MAX),
            );
            let (entries, total) =
                registry_on(&db, &*Kept::current()?, &filter, as_of, Some(window)).await?;
            let items = entries
                .iter()
                .map(|e| summary(&PublicVendor::from_past(e)))
                .collect();
            (items, i64::try_from(total).unwrap_or(i64::MAX))
        } else {
            let (rows, total) = list_assured(&db, &filter, day, PAGE_SIZE, offset).await?;
            let items = rows
                .iter()
                .map(|(row, a)| PublicVendor::from_row(row, a).map(|v| summary(&v)))
                .collect::<Result<Vec<_>, _>>()?;
            (items, total)
        };
        Ok::<_, AppError>((items, total))
    };
    let work = async {
        if filter.as_of.is_some() || filter.authorized.is_some() {
            heavy(&db, work).await
        } else {
            work.await
        }
    };
    // the list, the services and the countries of the filter form at once, on their own
    // connections: the page waits for the slowest, not for the sum
    let lists = async {
        Ok::<_, AppError>(futures::try_join!(
            services::list_services(&db),
            vendors::public_countries(&db, day)
        )?)
    };
    let signed = async {
        match filter.as_of {
            Some(day) => crate::service::log::checkpoint_as_of(&db, day).await,
            None => Ok(None),
        }
    };
    let ((items, total), (all_services, public_countries), checkpoint) =
        futures::try_join!(work, lists, signed)?;
    for s in &filter.services {
        if !all_services.iter().any(|k| k.slug == s.as_str()) {
            messages.push(format!(
                "\"{}\" is not a service of ours; no vendor matches it.",
                s.as_str()
            ));
        }
    }
    if compliance_ignored {
        messages
            .push("Compliance is not recorded for past dates; that filter was not applied.".into());
    }
    let mut countries: Vec<SelectOption> = public_countries
        .into_iter()
        .map(|c| SelectOption {
            label: country_name(&c).unwrap_or(&c).to_string(),
            value: c,
        })
        .collect();
    countries.sort_by(|a, b| a.label.cmp(&b.label));
    let csv_query = filter.to_query(false);
    Ok(RegistryPage {
        items,
        total,
        page: filter.page,
        page_size: PAGE_SIZE,
        messages,
        services: service_options(all_services.into_iter().map(|s| (s.slug, s.name))),
        countries,
        csv_href: if csv_query.is_empty() {
            "/subprocessors.csv".into()
        } else {
            format!("/subprocessors.csv?{csv_query}")
        },
        filter,
        today: day,
        checkpoint,
    })
}

fn chain_link(s: &crate::domain::chain::SubProcessor, below: Vec<ChainLink>) -> ChainLink {
    ChainLink {
        legal_name: s.legal_name.clone(),
        country: country(&s.country),
        purpose: s.purpose.clone(),
        categories: s
            .categories
            .iter()
            .map(|c| {
                crate::domain::label_for(
                    c,
                    crate::domain::DataCategory::parse,
                    crate::domain::DataCategory::label,
                )
            })
            .collect(),
        since: s.since,
        list_url: s.list_url.clone(),
        vendor_slug: s.vendor_slug.clone(),
        below,
    }
}

async fn vendor_detail(slug: &str) -> Result<VendorDetail, AppError> {
    let slug = Slug::parse(slug).map_err(|_| AppError::NotFound)?;
    let db = db()?;
    let day = today();
    let row = vendors::get_public(&db, &slug, day)
        .await?
        .ok_or(AppError::NotFound)?;
    let (row, a) = with_assurance(vec![row], day, true)?
        .pop()
        .ok_or_else(|| internal("vendor row lost while loading its evidence"))?;
    let only_this = changes::ChangeQuery {
        vendor: Some(row.slug.clone()),
        ..Default::default()
    };
    let upcoming = changes::list_rows(&db, &only_this, day, changes::When::Upcoming, 20, 0).await?;
    let upcoming_changes = upcoming
        .iter()
        .map(|r| r.event().map(|e| (e.effective_on, describe(&e))))
        .collect::<Result<Vec<_>, _>>()?;
    let v = PublicVendor::from_row(&row, &a)?;
    let mut sub_processors = Vec::with_capacity(v.sub_processors.len());
    for s in &v.sub_processors {
        // one level further down, for the links that are vendors here (public ones only)
        let below = match s.vendor_slug.as_deref().and_then(|x| Slug::parse(x).ok()) {
            Some(linked) if linked != slug => match vendors::get_public(&db, &linked, day).await? {
                Some(r) => vendors::sub_processors(&r.sub_processors)?
                    .iter()
                    .map(|x| chain_link(x, Vec::new()))
                    .collect(),
                None => Vec::new(),
            },
            _ => Vec::new(),
        };
        sub_processors.push(chain_link(s, below));
    }
    Ok(VendorDetail {
        sub_processors,
        upcoming_changes,
        summary: summary(&v),
        assurance: assurance_summary(&a),
        parent_company: v.parent_company.clone(),
        registration_country: country(&row.registration_country),
        website: v.website.clone(),
        privacy_contact: v.privacy_contact.clone(),
        kind: v.kind.clone().unwrap_or_default(),
        work_location: v.work_location.clone().unwrap_or_default(),
        transfer_mechanism: v.transfer_mechanism.clone().unwrap_or_default(),
    })
}
