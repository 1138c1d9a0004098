#![recursion_limit = "256"]
//! The Subprocessor Registry server: configuration, the axum router (Leptos pages, server
//! functions and plain routes) and a startable [`Application`] that tests run on port 0.

pub mod cache;
pub mod config;
pub mod csv_export;
pub mod errors;
pub mod origin;
pub mod routes;
pub mod seed;
pub mod users;

use std::{net::SocketAddr, sync::OnceLock};

use app::{session::AuthSettings, shell, store::Db, App};
use axum::{
    extract::FromRef,
    http::{header, HeaderValue},
    routing::get,
    Router,
};
use leptos::{config::LeptosOptions, prelude::provide_context};
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};

pub use config::ServeConfig;

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub auth: AuthSettings,
    pub leptos_options: LeptosOptions,
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
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The whole HTTP surface of the app.
pub fn router(state: AppState) -> Router {
    let routes = route_list();
    let db = state.db.clone();
    let options = state.leptos_options.clone();
    let auth = state.auth;
    Router::new()
        .route("/healthz", get(routes::health::healthz))
        .route("/subprocessors.csv", get(routes::csv::subprocessors_csv))
        .route("/subprocessors.xlsx", get(routes::xlsx::subprocessors_xlsx))
        .route(
            "/api/v1/subprocessors",
            get(routes::json::subprocessors_json),
        )
        .route("/api/v1/changes", get(routes::changes::changes_json))
        .route("/changes.atom", get(routes::changes::changes_atom))
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(db.clone());
                provide_context(auth);
            },
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn(errors::status_from_error))
        .layer(axum::middleware::from_fn_with_state(
            cache::PageCache::default(),
            cache::serve_cached,
        ))
        .layer(axum::middleware::from_fn(origin::refuse_cross_site))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Headers every response carries.
async fn security_headers(mut res: axum::response::Response) -> axum::response::Response {
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    res
}

/// A bound, migrated, ready-to-serve instance.
pub struct Application {
    listener: tokio::net::TcpListener,
    router: Router,
    addr: SocketAddr,
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
        let db =
            Db::connect(&config.database_url)
                .await
                .map_err(|source| StartError::Database {
                    url: safe_url.clone(),
                    source,
                })?;
        db.migrate().await.map_err(|source| StartError::Migrate {
            url: safe_url.clone(),
            source,
        })?;
        // vendors announced before change events existed get their history once
        let today = chrono::Utc::now().date_naive();
        app::store::changes::backfill(&db, "history recorded at upgrade", today)
            .await
            .map_err(|source| StartError::Migrate {
                url: safe_url.clone(),
                source,
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
        let router = router(AppState {
            db,
            auth: AuthSettings {
                trust_forwarded_for: config.trust_forwarded_for,
            },
            leptos_options,
        });
        Ok(Self {
            listener,
            router,
            addr,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serve until ctrl-c or SIGTERM. TCP_NODELAY is set on every connection: streamed pages
    /// otherwise wait on Nagle's algorithm (~40 ms each).
    pub async fn run(self) -> std::io::Result<()> {
        use axum::serve::ListenerExt;
        let listener = self.listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!("cannot set TCP_NODELAY: {e}");
            }
        });
        axum::serve(
            listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await
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
