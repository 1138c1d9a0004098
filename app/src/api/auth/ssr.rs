//! Server halves of sign-in, sign-out and "who am I".

use super::{safe_next, Me};
use crate::{error::AppError, session};

/// Sign in, then go to `next` (a local path) or the dashboard.
pub async fn login(email: &str, password: String, next: Option<&str>) -> Result<(), AppError> {
    session::sign_in(email, password).await?;
    leptos_axum::redirect(&safe_next(next));
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
