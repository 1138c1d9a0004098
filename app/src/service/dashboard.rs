//! Server half of the managers' home page: every vendor's evidence, judged by the dashboard
//! rules for today.

use crate::model::dashboard::{LogCheckLine, ManageHome, VendorLine};
use crate::{
    domain::{
        compliance::verdict,
        dashboard::{dashboard, VendorFacts},
        Role,
    },
    error::AppError,
    request::{db, today},
    session::{any_role, require},
    store::{objections, outbox, vendors},
};

pub async fn load_manage_home() -> Result<ManageHome, AppError> {
    let who = require(any_role).await?;
    let db = db()?;
    let day = today();
    let rows = vendors::list_all(&db, day).await?;
    let mut facts = Vec::with_capacity(rows.len());
    let mut lines = Vec::with_capacity(rows.len());
    for row in &rows {
        let evidence = row.evidence()?;
        lines.push(VendorLine {
            slug: row.slug.clone(),
            name: row.legal_name.clone(),
            status: row.status()?,
            standing: verdict(&evidence, day).standing,
        });
        facts.push(VendorFacts {
            slug: row.slug.clone(),
            name: row.legal_name.clone(),
            evidence,
        });
    }
    let expiring_trust = crate::store::trust::expiring(
        &db,
        day + chrono::Duration::days(crate::domain::trust::EXPIRING_DAYS),
    )
    .await?
    .into_iter()
    .map(|d| (d.slug, d.title, d.valid_until.unwrap_or_default()))
    .collect();
    Ok(ManageHome {
        waiting_trust: crate::store::trust::requests(&db, "waiting").await?.len() as i64,
        expiring_trust,
        today: day,
        dashboard: dashboard(&facts, day),
        vendors: lines,
        can_edit: who.role.can_edit(),
        is_admin: who.role == Role::Admin,
        failed_deliveries: outbox::counts(&db).await?.failed,
        open_objections: objections::count_open(&db).await?,
        waiting_reviews: crate::store::documents::count_waiting(&db).await?
            + crate::store::rosters::count_waiting(&db).await?
            + crate::store::attestations::count_waiting(&db).await?
            + crate::store::proposals::count_waiting(&db).await?,
        log_check: crate::service::log::last_check(&db)
            .await?
            .map(|c| LogCheckLine {
                ok: c.ok,
                at: c.at,
                leaves: c.leaves,
                message: c.message,
            }),
    })
}
