//! A limit on requests per client address (the `governor` crate's keyed GCRA limiter): over
//! it, `429 Too Many Requests` with `Retry-After`. Generous for a person (a page and its
//! assets are a handful of requests), it stops one address from taking the server; exempt
//! networks (a monitor, the benchmark) are not counted. Behind trusted proxies the address
//! is the client's, and IPv6 is counted per /64.

use std::{net::SocketAddr, num::NonZeroU32, sync::Arc};

use app::{
    domain::network::{address_key, client_ip},
    session::SessionSettings,
};
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use governor::{clock::Clock, DefaultKeyedRateLimiter, Quota, RateLimiter};
use ipnet::IpNet;

/// Keys kept before idle ones are pruned.
const MAX_KEYS: usize = 100_000;

#[derive(Clone)]
pub struct RateLimit {
    limiter: Arc<DefaultKeyedRateLimiter<String>>,
    exempt: Arc<Vec<IpNet>>,
    settings: SessionSettings,
}

impl RateLimit {
    /// `per_minute` requests a minute per address, a fifth of them in a burst.
    pub fn new(per_minute: u32, exempt: Vec<IpNet>, settings: SessionSettings) -> Option<Self> {
        let rate = NonZeroU32::new(per_minute)?;
        let burst = NonZeroU32::new((per_minute / 5).max(1))?;
        Some(RateLimit {
            limiter: Arc::new(RateLimiter::keyed(
                Quota::per_minute(rate).allow_burst(burst),
            )),
            exempt: Arc::new(exempt),
            settings,
        })
    }
}

pub async fn limit(State(rl): State<RateLimit>, req: Request, next: Next) -> Response {
    let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied() else {
        return next.run(req).await;
    };
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let ip = client_ip(
        peer.ip(),
        &forwarded,
        &rl.settings.trusted_proxies,
        rl.settings.trust_peer,
    );
    if rl.exempt.iter().any(|n| n.contains(&ip)) {
        return next.run(req).await;
    }
    if rl.limiter.len() > MAX_KEYS {
        rl.limiter.retain_recent();
    }
    match rl.limiter.check_key(&address_key(ip)) {
        Ok(()) => next.run(req).await,
        Err(not_until) => {
            let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
            let secs = wait.as_secs().max(1);
            let mut res = (
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests from your address; please wait a moment.\n",
            )
                .into_response();
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            res
        }
    }
}
