//! Server halves of signing in and out.

use crate::model::auth::{safe_next, Me, TwoStepSetup};
use crate::{
    error::AppError,
    session::{self, SecondStepSetup, SignedIn},
};

impl From<SecondStepSetup> for TwoStepSetup {
    fn from(s: SecondStepSetup) -> Self {
        TwoStepSetup {
            account: s.account,
            secret: s.secret,
            qr_svg: s.qr_svg,
            recovery_codes: s.recovery_codes,
        }
    }
}

/// Sign in, then go to `next` (a local path) or the dashboard, or to the second step.
pub async fn login(email: &str, password: String, next: Option<&str>) -> Result<(), AppError> {
    let next = safe_next(next);
    let to = match session::sign_in(email, password, &next).await? {
        SignedIn::Session => next,
        SignedIn::SecondStep => "/login/verify".to_string(),
    };
    leptos_axum::redirect(&to);
    Ok(())
}

pub async fn start_enrolment(token: &str, password: String) -> Result<(), AppError> {
    session::start_set_up(token, password).await?;
    leptos_axum::redirect("/login/setup");
    Ok(())
}

pub async fn verify_code(code: &str) -> Result<(), AppError> {
    let next = session::verify_second_step(code).await?;
    leptos_axum::redirect(&safe_next(Some(&next)));
    Ok(())
}

pub async fn load_sign_in_setup() -> Result<TwoStepSetup, AppError> {
    Ok(session::second_step_setup().await?.into())
}

pub async fn confirm_sign_in_setup(code: &str) -> Result<(), AppError> {
    let next = session::confirm_setup(code).await?;
    leptos_axum::redirect(&safe_next(Some(&next)));
    Ok(())
}

pub async fn logout() -> Result<(), AppError> {
    session::sign_out().await?;
    leptos_axum::redirect("/");
    Ok(())
}

pub async fn whoami() -> Result<Option<Me>, AppError> {
    Ok(session::current().await?.map(|p| Me {
        email: p.email,
        role: p.role,
    }))
}
