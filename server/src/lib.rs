#![recursion_limit = "256"]
//! The Subprocessor Registry server: configuration, the axum router (Leptos pages, server
//! functions and plain routes) and a startable [`Application`] that tests run on port 0.

pub mod assurance;
pub mod cli;
pub mod config;
pub mod db_lock;
pub mod http;
pub mod logging;
pub mod outbox;
pub mod prune;
pub mod secrets;
pub mod watch;

use http::{
    middleware::{assets, body::limit_body, cache, headers, ops, origin, portal_cache, rate_limit},
    routes,
};

use std::{net::SocketAddr, sync::OnceLock};

use app::{session::SessionSettings, shell, store::Db, App};
use axum::{
    extract::FromRef,
    routing::{get, post},
    Router,
};
use leptos::{config::LeptosOptions, prelude::provide_context};
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};

pub use config::ServeConfig;

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// Where uploaded documents are kept (`DOCUMENT_STORE`).
    pub documents: app::documents::Documents,
    /// What the registry keeps in memory for `db` (replays, differences, page data).
    pub kept: std::sync::Arc<app::registry::Kept>,
    /// Today's whole-list downloads kept on this instance's disk.
    pub copies: routes::export::kept::KeptCopies,
    pub settings: SessionSettings,
    pub leptos_options: LeptosOptions,
    /// Requests per minute per address and the exempt networks; `None`: no limit.
    pub rate_limit: Option<rate_limit::RateLimit>,
    /// The stricter limit on what subscribers submit (subscribe, objections, webhooks).
    pub submit_limit: Option<rate_limit::RateLimit>,
    pub notices: std::sync::Arc<outbox::NoticeConfig>,
    pub ops: std::sync::Arc<config::OpsConfig>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl FromRef<AppState> for Db {
    fn from_ref(state: &AppState) -> Self {
        state.db.clone()
    }
}

impl FromRef<AppState> for routes::export::kept::KeptCopies {
    fn from_ref(state: &AppState) -> Self {
        state.copies.clone()
    }
}

impl FromRef<AppState> for std::sync::Arc<app::registry::Kept> {
    fn from_ref(state: &AppState) -> Self {
        state.kept.clone()
    }
}

/// The app's routes, worked out once per process.
///
/// Leptos renders the whole app to list its routes and, while it does, holds back every
/// resource that starts loading anywhere in the process (a process-wide flag,
/// leptos-rs/leptos#4773): a page whose data began loading in that window never finished.
/// One server per process never noticed; tests that start servers side by side hung about
/// one run in ten. Listing the routes once, before any server of this process serves, closes
/// that window.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES
        .get_or_init(|| {
            let mut routes = generate_route_list(App);
            // served by its own handler, which renders the page when the link is not good
            routes.retain(|r| r.path() != CONFIRM_PATH);
            routes
        })
        .clone()
}

/// The confirmation link's route.
const CONFIRM_PATH: &str = "/subscriptions/confirm/{token}";

pub use http::middleware::body::{BODY_LIMIT, DOCUMENT_BODY_LIMIT, IMPORT_BODY_LIMIT};

/// A request still unanswered after this long is answered `408` (long downloads stream
/// their body after answering, so they are not cut).
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Answer `408` (`AppError::TimedOut`) for a request whose answer has not started within
/// [`REQUEST_TIMEOUT`]; the handler's future is dropped.
async fn time_limit(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(req)).await {
        Ok(res) => res,
        Err(_) => app::error::AppError::TimedOut.into_response(),
    }
}

/// The whole HTTP surface of the app: routes, then the layers every request passes, from the
/// outside in: request id, the request's log line and metrics, rate limit, timeout, body limit, cross-site and two-cookie
/// refusal, security headers, compression, the precompressed assets, the page cache, the portal's page cache, error statuses.
pub fn router(state: AppState) -> Router {
    use axum::middleware::{from_fn, from_fn_with_state};
    use tower_http::{
        compression::CompressionLayer,
        request_id::{PropagateRequestIdLayer, SetRequestIdLayer},
    };
    let routes = route_list();
    ops::recorder();
    let observe = ops::Ops {
        db: state.db.clone(),
        instance: state.notices.instance_id.as_str().into(),
        expose_instance_id: state.ops.expose_instance_id,
        metrics_token: state.ops.metrics_token.as_deref().map(Into::into),
    };
    let db = state.db.clone();
    let kept = state.kept.clone();
    let documents = state.documents.clone();
    let options = state.leptos_options.clone();
    let settings = state.settings.clone();
    let limits = state.rate_limit.clone();
    let context_settings = settings.clone();
    let caps = state.notices.caps;
    let trust = state.notices.trust.clone();
    let built = assets::Assets::new(
        &state.leptos_options.site_root,
        &state.leptos_options.site_pkg_dir,
    );
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        rt.spawn(built.clone().warm());
    }
    let app = Router::new()
        .route("/healthz", get(routes::health::healthz))
        .route("/readyz", get(routes::health::readyz))
        .route("/metrics", get(ops::metrics).with_state(observe.clone()))
        .route("/subprocessors.csv", get(routes::export::subprocessors_csv))
        .route(
            "/subprocessors.xlsx",
            get(routes::export::subprocessors_xlsx),
        )
        .route(
            "/api/v1/subprocessors",
            get(routes::export::subprocessors_json),
        )
        .route("/api/v1/changes", get(routes::changes::changes_json))
        .route("/changes.atom", get(routes::changes::changes_atom))
        .route("/documents/{id}", get(routes::documents::download))
        .route(
            "/published-lists/{slug}/{sha256}",
            get(routes::documents::published_list),
        )
        .merge(routes::trust::routes())
        .route("/api/v1/log/checkpoint", get(routes::log::checkpoint))
        .route("/api/v1/log/events/{id}/proof", get(routes::log::inclusion))
        .route("/api/v1/log/consistency", get(routes::log::consistency))
        .route("/api/v1/log/leaves", get(routes::log::leaves))
        .route("/.well-known/subprocessors-log-key", get(routes::log::keys))
        .route(
            "/.well-known/subprocessors.json",
            get(routes::open_list::open_list),
        )
        .route(
            app::registry::open_list::SCHEMA_PATH,
            get(routes::open_list::schema),
        )
        .route("/api/v1/openapi.json", get(routes::openapi::openapi_json))
        .route("/subscribe", post(routes::subscriptions::subscribe))
        .route(
            CONFIRM_PATH,
            get(routes::subscriptions::confirm).post(routes::subscriptions::confirm_post),
        )
        .route(
            "/subscriptions/unsubscribe/{token}",
            post(routes::subscriptions::unsubscribe),
        )
        .route(
            "/subscriptions/manage/{token}",
            post(routes::subscriptions::manage),
        )
        .route(
            "/changes/{id}/objection",
            post(routes::subscriptions::object),
        )
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(db.clone());
                provide_context(kept.clone());
                provide_context(context_settings.clone());
                provide_context(caps);
                provide_context(trust.clone());
                provide_context(documents.clone());
            },
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(from_fn_with_state(
            portal_cache::PortalCache::new(state.db.clone(), settings.secure_cookies),
            portal_cache::serve_portal,
        ))
        .layer(from_fn_with_state(
            cache::PageCache::default(),
            cache::serve_cached,
        ))
        .layer(from_fn_with_state(built, assets::serve_precompressed))
        .layer(CompressionLayer::new().br(true).gzip(true))
        .layer(from_fn_with_state(settings, headers::security_headers))
        .layer(from_fn(origin::refuse_two_sessions))
        .layer(from_fn(origin::refuse_cross_site))
        .layer(from_fn(limit_body))
        .layer(from_fn_with_state(
            state.submit_limit.clone(),
            rate_limit::limit_submissions,
        ))
        .layer(from_fn(time_limit))
        .with_state(state);
    let app = match limits {
        Some(rl) => app.layer(from_fn_with_state(rl, rate_limit::limit)),
        None => app,
    };
    app.layer(from_fn_with_state(observe, ops::observe))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(headers::MakeId))
}

/// A bound, migrated, ready-to-serve instance.
pub struct Application {
    listener: tokio::net::TcpListener,
    router: Router,
    addr: SocketAddr,
    db: Db,
    /// What the registry keeps in memory for `db`.
    kept: std::sync::Arc<app::registry::Kept>,
    /// The delivery worker, when this instance runs one.
    outbox: Option<outbox::Outbox>,
    /// The document store (the watcher keeps the published lists it fetches there).
    documents: app::documents::Documents,
    /// `IMPORT_FILE_RETENTION_DAYS`, for the hourly pruning round.
    import_file_retention_days: u32,
    /// `ROSTER_RETENTION_DAYS`, for the same round.
    roster_retention_days: u32,
    trust_retention_days: u32,
    /// The SQLite database's lock, held shared while this instance lives: a restore waits
    /// for every instance to stop (`db_lock`).
    lock: Option<db_lock::DbLock>,
}

/// Why the server could not start, as one line for the operator.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot open database {url}: {source}")]
    Database {
        url: String,
        source: app::store::StoreError,
    },
    #[error("cannot migrate database {url}: {source}")]
    Migrate {
        url: String,
        source: app::store::StoreError,
    },
    #[error("{0}")]
    Config(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

impl Application {
    /// Open and migrate the database, then bind the listener (port 0 picks a free port).
    pub async fn build(config: ServeConfig) -> Result<Self, StartError> {
        let safe_url = app::store::redact(&config.database_url);
        let lock = db_lock::shared(&config.database_url).map_err(StartError::Config)?;
        let db = Db::connect(&config.database_url)
            .await
            .map_err(|source| StartError::Database {
                url: safe_url.clone(),
                source,
            })?
            .with_secrets(config.secrets.clone());
        db.migrate().await.map_err(|source| StartError::Migrate {
            url: safe_url.clone(),
            source,
        })?;
        secrets::prepare(&db).await.map_err(StartError::Config)?;
        // vendors announced before change events existed get their history once
        let today = chrono::Utc::now().date_naive();
        app::store::changes::backfill(&db, "history recorded at upgrade", today)
            .await
            .map_err(|source| StartError::Migrate {
                url: safe_url.clone(),
                source,
            })?;
        // the questionnaire the product ships is version 1 of the attestation
        app::service::questionnaires::publish_shipped(&db)
            .await
            .map_err(|e| {
                StartError::Config(format!("cannot publish the shipped questionnaire: {e}"))
            })?;
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|source| StartError::Bind {
                addr: config.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: config.addr,
            source,
        })?;
        let leptos_options = config.leptos_options(addr);
        let mut notices = config.notices.clone();
        if config.addr.port() == 0 && notices.public_url.ends_with(":0") {
            // tests bind port 0: links point at the port actually bound
            notices.public_url = format!("http://{addr}");
        }
        let settings = SessionSettings {
            trusted_proxies: std::sync::Arc::new(config.trusted_proxies.clone()),
            trust_peer: config.trust_forwarded_for,
            secure_cookies: !config.insecure_cookies,
            require_mfa_for: std::sync::Arc::new(config.require_mfa_for.clone()),
            public_url: std::sync::Arc::from(notices.public_url.as_str()),
        };
        let rate_limit = config.rate_limit_per_minute.and_then(|n| {
            rate_limit::RateLimit::new(n, config.rate_limit_exempt.clone(), settings.clone())
                .map(|rl| rl.with_assets(&config.site_pkg_dir))
        });
        let submit_limit = config.submit_limit_per_minute.and_then(|n| {
            rate_limit::RateLimit::submissions(
                n,
                config.rate_limit_exempt.clone(),
                settings.clone(),
            )
        });
        let outbox = if notices.worker {
            Some(outbox::Outbox::new(db.clone(), notices.clone()).map_err(StartError::Config)?)
        } else {
            None
        };
        let kept = std::sync::Arc::new(app::registry::Kept::default());
        let documents = app::documents::Documents::from_setting(
            &config.document_store,
            &config.database_url,
            &config.document_store_options,
        )
        .map_err(StartError::Config)?;
        tracing::info!("documents are kept in {}", documents.described);
        let router = router(AppState {
            db: db.clone(),
            documents: documents.clone(),
            kept: kept.clone(),
            copies: routes::export::kept::KeptCopies::new(config.export_copies_dir.as_deref())
                .map_err(|e| StartError::Config(format!("EXPORT_COPIES_DIR: {e}")))?,
            settings,
            leptos_options,
            rate_limit,
            submit_limit,
            notices: std::sync::Arc::new(notices),
            ops: std::sync::Arc::new(config.ops.clone()),
        });
        Ok(Self {
            listener,
            router,
            addr,
            db,
            kept,
            outbox,
            documents,
            import_file_retention_days: config.import_file_retention_days,
            roster_retention_days: config.roster_retention_days,
            trust_retention_days: config.notices.trust.retention_days,
            lock,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The database handle the server uses (with its export slots and heavy-work permits).
    pub fn db(&self) -> Db {
        self.db.clone()
    }

    /// What the registry keeps in memory for the server's database.
    pub fn kept(&self) -> std::sync::Arc<app::registry::Kept> {
        self.kept.clone()
    }

    /// Serve until ctrl-c or SIGTERM. TCP_NODELAY is set on every connection: streamed pages
    /// otherwise wait on Nagle's algorithm (~40 ms each).
    pub async fn run(self) -> std::io::Result<()> {
        use axum::serve::ListenerExt;
        // released when serving ends, or when this future is dropped (a test's stand-in for
        // `kill`); the operating system releases it when the process dies
        let _lock = self.lock;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let _assurance = AbortOnDrop(tokio::spawn(assurance::keep_fresh(
            self.db.clone(),
            stopped.clone(),
        )));
        let _prune = AbortOnDrop(tokio::spawn(prune::keep_pruned(
            self.db.clone(),
            self.import_file_retention_days,
            self.roster_retention_days,
            self.trust_retention_days,
            stopped.clone(),
        )));
        // the instance that sends the notices follows the vendors' published lists too
        let _watcher = self
            .outbox
            .as_ref()
            .filter(|o| o.config().watch_lists)
            .map(|o| {
                AbortOnDrop(tokio::spawn(watch::keep_watching(
                    self.db.clone(),
                    self.documents.clone(),
                    o.config().webhook_allow_private,
                    stopped.clone(),
                )))
            });
        let worker = self
            .outbox
            .map(|o| AbortOnDrop(tokio::spawn(o.run(stopped))));
        let listener = self.listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!("cannot set TCP_NODELAY: {e}");
            }
        });
        let served = axum::serve(
            listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await;
        let _ = stop.send(true);
        if let Some(mut w) = worker {
            // what is being sent finishes; the next batch waits for the next start
            let _ = tokio::time::timeout(std::time::Duration::from_secs(20), &mut w.0).await;
        }
        // SQLite folds its write-ahead log into the file (`Db::close`); bounded, as a
        // download still streaming holds its connection
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), self.db.close()).await;
        served
    }
}

/// The worker's task, stopped with the server: a server dropped mid-run (a test's stand-in
/// for `kill`) takes its worker with it.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
