//! Server half of the audit trail page.

use crate::model::audit::{AuditPage, AUDIT_PAGE};
use crate::{
    domain::{
        dates::{expected_day, parse_day},
        Slug,
    },
    error::AppError,
    model::types::AuditEntry,
    request::db,
    session::{any_role, require},
    store::audit::{self, AuditRow},
};

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        AuditEntry {
            id: r.id,
            at: r.occurred_at,
            actor: r.actor,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            before: r.before_json,
            after: r.after_json,
        }
    }
}

pub async fn load_audit(query: &str) -> Result<AuditPage, AppError> {
    require(any_role).await?;
    let db = db()?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, v)| key == k && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
    };
    let mut message = None;
    let mut date = |k: &str| {
        get(k).filter(|d| {
            let ok = parse_day(d).is_some();
            if !ok {
                message = Some(format!(
                    "\"{d}\" is not {}; that filter was ignored.",
                    expected_day(d)
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
            let ok = Slug::parse(v).is_ok();
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
        entries: rows.into_iter().map(AuditEntry::from).collect(),
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
