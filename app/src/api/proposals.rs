//! Proposals: a vendor's contact proposes a change to its record (`vendor/propose`: a new
//! sub-processor, country or contact); managers read one (`manage/proposal`) and decide (`manage/decide_proposal`).

use crate::error::AppError;
use leptos::prelude::*;

pub use crate::model::proposals::*;
#[cfg(feature = "ssr")]
use crate::service::proposals as service;

/// Propose a change (a contact): `p[kind]` (`sub_processor`, the default, `country`,
/// `contact`) and the fields of `ProposalForm`. Back to `/vendor`; a refusal goes back with
/// its reasons and the kind (`?proposal_error=…&proposal_kind=…`).
#[server(prefix = "/api", endpoint = "vendor/propose")]
pub async fn propose(p: ProposalForm) -> Result<(), AppError> {
    let kind = p.kind().map(|k| k.code()).unwrap_or("sub_processor");
    let kept = p.clone();
    match service::propose(p).await {
        Ok(_) => leptos_axum::redirect("/vendor?proposed=1#proposals-h"),
        // a form post has no script: the reasons go back in the address
        Err(AppError::Invalid(fields)) => {
            let why: Vec<String> = fields.into_iter().map(|f| f.message).collect();
            let mut pairs = vec![
                ("proposal_error".to_string(), why.join(" ")),
                ("proposal_kind".to_string(), kind.to_string()),
            ];
            pairs.extend(kept.typed());
            let q = serde_urlencoded::to_string(pairs).unwrap_or_default();
            leptos_axum::redirect(&format!("/vendor?{q}#proposals-h"));
        }
        Err(e) => return Err(e),
    }
    Ok(())
}

/// One proposal with the vendor's sub-processors before and after it (anyone signed in).
#[server(prefix = "/api", endpoint = "manage/proposal")]
pub async fn load_proposal_review(id: i64) -> Result<ProposalReview, AppError> {
    service::review(id).await
}

/// Decide on a waiting proposal (admins and managers), as `decide_review`: approving saves the
/// change through the vendor save with its notice rule.
#[server(prefix = "/api", endpoint = "manage/decide_proposal")]
pub async fn decide_proposal(
    id: i64,
    version: i64,
    decision: String,
    comment: String,
) -> Result<(), AppError> {
    service::decide_proposal(id, version, &decision, &comment).await
}
