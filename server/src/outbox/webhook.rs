//! Calling a subscriber's webhook endpoint, Standard Webhooks 1.0: `webhook-id`,
//! `webhook-timestamp` and `webhook-signature` (`v1,<base64 HMAC-SHA256>`, signed by the
//! `standardwebhooks` crate). Only public addresses are called unless
//! `WEBHOOK_ALLOW_PRIVATE` is set: the name is resolved, every address checked, and the
//! call pinned to the checked addresses. The client never goes through a proxy (proxy
//! environment variables are ignored): a proxy would resolve the name itself, after our
//! check, and could reach what the check refused.

use std::{net::SocketAddr, time::Duration};

use app::domain::network::is_public;
use reqwest::Url;

/// How long a call may take in all, resolving the endpoint's name included: a name server
/// that never answers holds a call as long as an endpoint that never answers.
pub const TIMEOUT: Duration = Duration::from_secs(15);

/// The check of an endpoint URL as a subscriber enters it: `https://` (or `http://` when
/// private addresses are allowed, as in tests), a host, no user name or password, at most
/// 2,000 characters, and no private address written as the host.
pub fn check_url(input: &str, allow_private: bool) -> Result<Url, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err("Enter the endpoint's URL (https://…).".into());
    }
    if s.len() > 2000 {
        return Err("The URL is at most 2,000 characters.".into());
    }
    let url = Url::parse(s).map_err(|_| "This is not a URL (https://host/path).".to_string())?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err("The URL must start with https://.".into()),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("Leave user names and passwords out of the URL.".into());
    }
    let host = match url.host() {
        Some(h) => h,
        None => return Err("The URL has no host.".into()),
    };
    if !allow_private {
        let ip = match host {
            url::Host::Ipv4(a) => Some(std::net::IpAddr::V4(a)),
            url::Host::Ipv6(a) => Some(std::net::IpAddr::V6(a)),
            url::Host::Domain(d)
                if d.eq_ignore_ascii_case("localhost") || d.ends_with(".localhost") =>
            {
                return Err(
                    "The endpoint must be on the public internet, not a local or private address."
                        .into(),
                )
            }
            url::Host::Domain(_) => None,
        };
        if ip.is_some_and(|ip| !is_public(ip)) {
            return Err(
                "The endpoint must be on the public internet, not a local or private address."
                    .into(),
            );
        }
    }
    Ok(url)
}

/// The addresses `url` resolves to, refused if any is not public (unless allowed).
pub async fn resolve(url: &Url, allow_private: bool) -> Result<Vec<SocketAddr>, String> {
    let host = url.host_str().ok_or("no host")?;
    let port = url.port_or_known_default().unwrap_or(443);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("{host} has no address"));
    }
    if !allow_private && addrs.iter().any(|a| !is_public(a.ip())) {
        return Err(format!("{host} resolves to a private address; refused"));
    }
    Ok(addrs)
}

/// What an endpoint answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// 2xx.
    Delivered,
    /// 410 Gone: the endpoint is to be disabled.
    Gone,
    /// Anything else (a status, no answer in time, no connection): retried.
    Failed(String),
    /// Refused before calling (a private address): not retried.
    Refused(String),
}

/// Sign and post `body` to `url` as message `id`, within [`TIMEOUT`] from the start of the
/// name's resolution to the end of the answer.
pub async fn call(url: &str, secret: &str, id: &str, body: &str, allow_private: bool) -> Answer {
    match tokio::time::timeout(TIMEOUT, call_within(url, secret, id, body, allow_private)).await {
        Ok(answer) => answer,
        Err(_) => Answer::Failed(format!(
            "no answer in {} s (name resolution included)",
            TIMEOUT.as_secs()
        )),
    }
}

async fn call_within(url: &str, secret: &str, id: &str, body: &str, allow_private: bool) -> Answer {
    let url = match check_url(url, allow_private) {
        Ok(u) => u,
        Err(e) => return Answer::Refused(e),
    };
    let addrs = match resolve(&url, allow_private).await {
        Ok(a) => a,
        Err(e) if e.ends_with("refused") => return Answer::Refused(e),
        Err(e) => return Answer::Failed(e),
    };
    let signer = match standardwebhooks::Webhook::new(secret) {
        Ok(s) => s,
        Err(e) => return Answer::Refused(format!("signing secret: {e}")),
    };
    let timestamp = chrono::Utc::now().timestamp();
    let signature = match signer.sign(id, timestamp, body.as_bytes()) {
        Ok(s) => s,
        Err(e) => return Answer::Refused(format!("cannot sign: {e}")),
    };
    let host = url.host_str().unwrap_or_default().to_string();
    let client = match reqwest::Client::builder()
        .no_proxy()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .resolve_to_addrs(&host, &addrs)
        .user_agent(concat!(
            "SubprocessorRegistry-Webhooks/",
            env!("CARGO_PKG_VERSION")
        ))
        .build()
    {
        Ok(c) => c,
        Err(e) => return Answer::Failed(e.to_string()),
    };
    let res = client
        .post(url)
        .header("content-type", "application/json")
        .header(standardwebhooks::HEADER_WEBHOOK_ID, id)
        .header(
            standardwebhooks::HEADER_WEBHOOK_TIMESTAMP,
            timestamp.to_string(),
        )
        .header(standardwebhooks::HEADER_WEBHOOK_SIGNATURE, signature)
        .body(body.to_string())
        .send()
        .await;
    match res {
        Ok(r) if r.status().is_success() => Answer::Delivered,
        Ok(r) if r.status() == reqwest::StatusCode::GONE => Answer::Gone,
        Ok(r) => Answer::Failed(format!("answered HTTP {}", r.status().as_u16())),
        Err(e) if e.is_timeout() => Answer::Failed(format!("no answer in {} s", TIMEOUT.as_secs())),
        Err(e) => Answer::Failed(format!("cannot call: {e}")),
    }
}

/// A new signing secret: `whsec_` and 32 random bytes in base64 (the Standard Webhooks form).
pub fn new_secret() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(key)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_public_https_urls() {
        assert!(check_url("https://hooks.example.com/registry", false).is_ok());
        for bad in [
            "",
            "http://hooks.example.com/x",
            "ftp://hooks.example.com/x",
            "https://user:pw@hooks.example.com/x",
            "https://127.0.0.1/x",
            "https://[::1]/x",
            "https://10.0.0.5/x",
            "https://169.254.169.254/latest",
            "https://localhost/x",
            "not a url",
        ] {
            assert!(check_url(bad, false).is_err(), "{bad}");
        }
        assert!(check_url("http://127.0.0.1:9000/x", true).is_ok());
    }

    #[test]
    fn secrets_are_standard_webhooks_secrets() {
        let s = new_secret();
        assert!(s.starts_with("whsec_"));
        assert!(standardwebhooks::Webhook::new(&s).is_ok());
        assert_ne!(s, new_secret());
    }
}
