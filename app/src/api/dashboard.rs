//! The managers' home page and the audit trail, for anyone signed in.

use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::types::AuditEntry;
use crate::{
    domain::{dashboard::Dashboard, Status},
    error::AppError,
};

/// One vendor in the managers' full list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorLine {
    pub slug: String,
    pub name: String,
    pub status: Status,
    pub authorized: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManageHome {
    pub today: NaiveDate,
    pub dashboard: Dashboard,
    /// Server-rendered SVG of authorized vs not compliant over the next 90 days.
    pub chart: String,
    pub vendors: Vec<VendorLine>,
    pub can_edit: bool,
    pub is_admin: bool,
}

#[server(prefix = "/api", endpoint = "manage/home")]
pub async fn load_manage_home() -> Result<ManageHome, AppError> {
    use crate::{
        api::{server, session},
        domain::{
            compliance::verdict,
            dashboard::{chart_svg, dashboard, VendorFacts},
        },
        store::{assurance, vendors},
    };
    let who = session::require(session::any_role).await?;
    let db = server::db()?;
    let day = server::today();
    let rows = vendors::list_all(&db, day).await?;
    let mut facts = Vec::with_capacity(rows.len());
    let mut lines = Vec::with_capacity(rows.len());
    for row in &rows {
        let evidence = assurance::evidence_of(row)?;
        lines.push(VendorLine {
            slug: row.slug.clone(),
            name: row.legal_name.clone(),
            status: row.status()?,
            authorized: verdict(&evidence, day).authorized,
        });
        facts.push(VendorFacts {
            slug: row.slug.clone(),
            name: row.legal_name.clone(),
            evidence,
        });
    }
    let dashboard = dashboard(&facts, day);
    Ok(ManageHome {
        today: day,
        chart: chart_svg(&dashboard.series),
        dashboard,
        vendors: lines,
        can_edit: who.role.can_edit(),
        is_admin: who.role == crate::domain::Role::Admin,
    })
}

/// One page of the audit trail with the filters that produced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
    pub actor: String,
    pub entity: String,
    pub vendor: String,
    pub from: String,
    pub to: String,
    pub message: Option<String>,
}

/// Rows per page of the audit trail.
pub const AUDIT_PAGE: u32 = 50;

#[server(prefix = "/api", endpoint = "manage/audit")]
pub async fn load_audit(query: String) -> Result<AuditPage, AppError> {
    use crate::{
        api::{server, session},
        store::audit,
    };
    session::require(session::any_role).await?;
    let db = server::db()?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&query).unwrap_or_default();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, v)| key == k && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
    };
    let mut message = None;
    let mut date = |k: &str| {
        get(k).filter(|d| {
            let ok = d.parse::<NaiveDate>().is_ok();
            if !ok {
                message = Some(format!(
                    "\"{d}\" is not a date (YYYY-MM-DD); that filter was ignored."
                ));
            }
            ok
        })
    };
    let (from, to) = (date("from"), date("to"));
    let page = get("page")
        .and_then(|p| p.parse::<u32>().ok())
        .unwrap_or(1)
        .max(1);
    let q = audit::AuditQuery {
        actor: get("actor"),
        entity: get("entity"),
        vendor: get("vendor").filter(|v| {
            let ok = crate::domain::Slug::parse(v).is_ok();
            if !ok {
                message = Some(format!(
                    "\"{v}\" is not a vendor slug; that filter was ignored."
                ));
            }
            ok
        }),
        from: from.clone(),
        to: to.clone(),
    };
    let (rows, total) = audit::list(
        &db,
        &q,
        AUDIT_PAGE,
        u64::from(page - 1) * u64::from(AUDIT_PAGE),
    )
    .await?;
    Ok(AuditPage {
        entries: rows.into_iter().map(server::audit_entry).collect(),
        total,
        page,
        page_size: AUDIT_PAGE,
        actor: q.actor.unwrap_or_default(),
        entity: q.entity.unwrap_or_default(),
        vendor: q.vendor.unwrap_or_default(),
        from: from.unwrap_or_default(),
        to: to.unwrap_or_default(),
        message,
    })
}
