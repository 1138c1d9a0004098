//! The flags of `serve` for trust documents (issue 27), each also an environment variable.

use clap::Args;

#[derive(Debug, Args, Clone)]
pub struct TrustArgs {
    /// Days a customer's access to trust documents lasts once opened.
    #[arg(
        long,
        env = "TRUST_ACCESS_DAYS",
        default_value_t = app::domain::trust::ACCESS_DAYS,
        value_parser = clap::value_parser!(u32).range(1..=3650),
        global = true
    )]
    pub trust_access_days: u32,
    /// Days a trust document requester's name, address, organisation, IP address and browser
    /// are kept; after that they are replaced by their SHA-256 in the records.
    #[arg(
        long,
        env = "TRUST_RETENTION_DAYS",
        default_value_t = app::domain::trust::RETENTION_DAYS,
        value_parser = clap::value_parser!(u32).range(1..),
        global = true
    )]
    pub trust_retention_days: u32,
    /// E-mail domains (comma-separated, exact match) whose requests for approval-level trust
    /// documents are approved once their mailed link is confirmed.
    #[arg(
        long,
        env = "TRUST_APPROVED_DOMAINS",
        default_value = "",
        global = true
    )]
    pub trust_approved_domains: String,
}

impl TrustArgs {
    /// The settings these flags give, or what is wrong with them.
    pub fn settings(&self) -> Result<app::domain::trust::TrustSettings, String> {
        Ok(app::domain::trust::TrustSettings {
            access_days: self.trust_access_days,
            retention_days: self.trust_retention_days,
            approved_domains: app::domain::trust::TrustSettings::parse_domains(
                &self.trust_approved_domains,
            )
            .map_err(|e| format!("TRUST_APPROVED_DOMAINS: {e}"))?,
        })
    }
}
