//! A limit on requests per client address (the `governor` crate's keyed GCRA limiter): over
//! it, `429 Too Many Requests` with `Retry-After`. Generous for a person (a page and its
//! assets are a handful of requests), it stops one address from taking the server; exempt
//! networks (a monitor, the benchmark) are not counted. Behind trusted proxies the address
//! is the client's, and IPv6 is counted per /64.

use std::{net::SocketAddr, num::NonZeroU32, sync::Arc};

use app::{
    domain::network::{address_key, client_ip},
    error::AppError,
    session::SessionSettings,
};
use axum::{
    extract::{ConnectInfo, Request, State},
    http::StatusCode,
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
    /// Path prefix of the site's built assets (`/pkg/`): see [`limit`].
    assets: Option<Arc<str>>,
}

impl RateLimit {
    /// `per_minute` requests a minute per address, a fifth of them in a burst.
    pub fn new(per_minute: u32, exempt: Vec<IpNet>, settings: SessionSettings) -> Option<Self> {
        Self::with_burst(per_minute, (per_minute / 5).max(1), exempt, settings)
    }

    /// `per_minute` submissions a minute per address, all of them at once if need be (a
    /// person fixing a form posts a few times in a row, then not for a long while).
    pub fn submissions(
        per_minute: u32,
        exempt: Vec<IpNet>,
        settings: SessionSettings,
    ) -> Option<Self> {
        Self::with_burst(per_minute, per_minute, exempt, settings)
    }

    fn with_burst(
        per_minute: u32,
        burst: u32,
        exempt: Vec<IpNet>,
        settings: SessionSettings,
    ) -> Option<Self> {
        let rate = NonZeroU32::new(per_minute)?;
        let burst = NonZeroU32::new(burst.max(1))?;
        Some(RateLimit {
            limiter: Arc::new(RateLimiter::keyed(
                Quota::per_minute(rate).allow_burst(burst),
            )),
            exempt: Arc::new(exempt),
            settings,
            assets: None,
        })
    }

    /// Do not count a built asset under `/{pkg_dir}/` that is served (see [`limit`]).
    pub fn with_assets(mut self, pkg_dir: &str) -> Self {
        let dir = pkg_dir.trim_matches('/');
        self.assets = (!dir.is_empty()).then(|| Arc::from(format!("/{dir}/")));
        self
    }

    fn is_asset(&self, path: &str) -> bool {
        self.assets.as_deref().is_some_and(|p| path.starts_with(p))
    }
}

impl RateLimit {
    /// Count one request of the client behind `peer` and `headers`: `Err(seconds)` to wait
    /// when it is over the limit.
    pub fn check(&self, peer: SocketAddr, headers: &axum::http::HeaderMap) -> Result<(), u64> {
        let forwarded: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let ip = client_ip(
            peer.ip(),
            &forwarded,
            &self.settings.trusted_proxies,
            self.settings.trust_peer,
        );
        if self.exempt.iter().any(|n| n.contains(&ip)) {
            return Ok(());
        }
        if self.limiter.len() > MAX_KEYS {
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(&address_key(ip))
            .map_err(|not_until| {
                not_until
                    .wait_time_from(governor::clock::DefaultClock::default().now())
                    .as_secs()
                    .max(1)
            })
    }
}

/// `429 Too Many Requests` with `Retry-After`.
pub fn too_many(secs: u64, text: &str) -> Response {
    AppError::SlowDown {
        message: text.into(),
        retry_after: secs,
    }
    .into_response()
}

/// A built asset (a wasm chunk, script or style under the pkg dir) is counted only when it is
/// not served: a signed-in page loads dozens of lazily split wasm chunks at once, and a 429
/// on one of them stopped the page's hydration (it panicked). Serving a file is cheap; a miss
/// renders the not-found page and is counted like any request.
///
/// A one-click unsubscribe (`POST /subscriptions/unsubscribe/{token}`) is not counted here:
/// mail providers post them for many subscribers from a few addresses, and a valid token is
/// never throttled; its handler counts the posts whose token is not good.
pub async fn limit(State(rl): State<RateLimit>, req: Request, next: Next) -> Response {
    let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied() else {
        return next.run(req).await;
    };
    if req.method() == axum::http::Method::POST
        && app::domain::subscriber_links::is_one_click_path(req.uri().path())
    {
        return next.run(req).await;
    }
    if rl.is_asset(req.uri().path()) {
        let headers = req.headers().clone();
        let res = next.run(req).await;
        if res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED {
            return res;
        }
        return match rl.check(peer, &headers) {
            Ok(()) => res,
            Err(secs) => too_many(
                secs,
                "Too many requests from your address; please wait a moment.",
            ),
        };
    }
    match rl.check(peer, req.headers()) {
        Ok(()) => next.run(req).await,
        Err(secs) => too_many(
            secs,
            "Too many requests from your address; please wait a moment.",
        ),
    }
}

/// Server functions a customer posts without signing in, counted against the subscribers'
/// stricter limit (`SUBMIT_LIMIT_PER_MINUTE`): a request for trust documents and its link's
/// button.
pub const LIMITED_SUBMISSIONS: &[&str] = &["/api/trust/request", "/api/trust/confirm"];

/// The stricter limit on [`LIMITED_SUBMISSIONS`] (no limit configured: nothing counted).
pub async fn limit_submissions(
    State(rl): State<Option<RateLimit>>,
    req: Request,
    next: Next,
) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().copied();
    if let (Some(rl), Some(ConnectInfo(peer))) = (rl, peer) {
        if req.method() == axum::http::Method::POST
            && LIMITED_SUBMISSIONS.contains(&req.uri().path())
        {
            if let Err(secs) = rl.check(peer, req.headers()) {
                return too_many(
                    secs,
                    "Too many submissions from your address; please wait a few minutes.",
                );
            }
        }
    }
    next.run(req).await
}
