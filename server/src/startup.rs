//! Assembling the application: state, routes, layers; binding the port.

use crate::accounts::AccountsService;
use crate::error::StartupError;
use crate::settings::Settings;
use crate::tickets::TicketsService;
use crate::{api, auth, db::Db, security};
use app::backend::Backend;
use app::{App, shell};
use axum::{
    Router,
    body::Body,
    extract::{FromRef, Request, State},
    http::Uri,
    middleware,
    response::{IntoResponse, Response},
};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::{net::SocketAddr, sync::Arc};
use tokio::net::TcpListener;
use tower_http::{compression::CompressionLayer, limit::RequestBodyLimitLayer, trace::TraceLayer};

/// Everything a handler may need; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub leptos: LeptosOptions,
    pub db: Db,
    pub backend: Backend,
    pub accounts: Arc<AccountsService>,
    pub tickets: Arc<TicketsService>,
    pub bus: Arc<crate::live::Bus>,
    /// Who is on which ticket's page; in memory only.
    pub presence: Arc<crate::presence::Presence>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

impl FromRef<AppState> for Arc<AccountsService> {
    fn from_ref(state: &AppState) -> Self {
        state.accounts.clone()
    }
}

impl AppState {
    pub async fn new(settings: &Settings) -> Result<AppState, StartupError> {
        let db = Db::open(&settings.database).await?;
        let accounts = Arc::new(AccountsService::new(
            db.clone(),
            settings.login_failures_per_account,
            settings.login_failures_per_address,
        ));
        let leptos = LeptosOptions::builder()
            .output_name("deskside")
            .site_root(settings.site_root.to_string_lossy().to_string())
            .site_pkg_dir("pkg")
            .site_addr(settings.bind)
            .build();
        let bus = crate::live::Bus::new(db.clone()).await?;
        let wiki = Arc::new(crate::wiki::WikiService::new(
            db.clone(),
            settings.data_dir.clone(),
            settings.max_file_mb * 1024 * 1024,
            bus.clone(),
        ));
        let tickets = Arc::new(
            TicketsService::new(
                db.clone(),
                settings.reopen_days,
                settings.data_dir.clone(),
                settings.max_file_mb * 1024 * 1024,
                bus.clone(),
            )
            .with_suggestions(wiki.clone()),
        );
        tickets.clone().spawn_auto_close(settings.auto_close_days);
        tickets.clone().spawn_breach_watch();
        let presence = Arc::new(crate::presence::Presence::new(db.clone(), bus.clone()));
        presence.clone().spawn_sweep();
        Ok(AppState {
            leptos,
            backend: Backend {
                accounts: accounts.clone(),
                tickets: tickets.clone(),
                settings: tickets.clone(),
                canned: tickets.clone(),
                wiki,
                reports: Arc::new(crate::reports::ReportsService::new(db.clone(), bus.clone())),
            },
            db,
            accounts,
            tickets,
            bus,
            presence,
        })
    }
}

/// The whole application as one router.
pub async fn app(state: AppState, settings: &Settings) -> Result<Router, StartupError> {
    let sessions = auth::session_layer(state.db.pool().clone(), settings.secure_cookies()).await?;
    let (api, _) = api::router(settings.max_upload_mb * 1024 * 1024);
    let backend = state.backend.clone();
    let context = move || provide_context(backend.clone());
    let leptos = state.leptos.clone();
    let routes = generate_route_list(App);
    let max_body = settings.max_upload_mb * 1024 * 1024;

    let router = Router::new()
        .merge(api)
        .leptos_routes_with_context(&state, routes, context.clone(), move || {
            security::set_page_policy();
            shell(leptos.clone())
        })
        .fallback(fallback)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::resolve_actor,
        ))
        .layer(middleware::from_fn(security::same_origin_writes))
        .layer(sessions)
        .layer(RequestBodyLimitLayer::new(max_body))
        .layer(middleware::from_fn(security::time_limit))
        .layer(middleware::from_fn(security::headers))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state);
    Ok(router)
}

/// Static files and the not-found page; unknown `/api/` paths answer in JSON.
async fn fallback(uri: Uri, State(state): State<AppState>, request: Request<Body>) -> Response {
    if uri.path().starts_with("/api/") {
        return api::not_found().await.into_response();
    }
    let backend = state.backend.clone();
    let handler = leptos_axum::file_and_error_handler_with_context::<AppState, _>(
        move || provide_context(backend.clone()),
        |options| {
            security::set_page_policy();
            shell(options)
        },
    );
    handler(uri, State(state), request).await
}

/// A bound, not yet serving, application. Tests bind port 0 and read the port from here.
pub struct Application {
    listener: TcpListener,
    router: Router,
    bus: Arc<crate::live::Bus>,
}

impl Application {
    pub async fn build(settings: &Settings) -> Result<Application, StartupError> {
        let state = AppState::new(settings).await?;
        if settings.demo {
            crate::demo::seed_if_empty(&state.accounts).await?;
        }
        let bus = state.bus.clone();
        let router = app(state, settings).await?;
        let listener = TcpListener::bind(settings.bind).await?;
        Ok(Application {
            listener,
            router,
            bus,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until the process receives Ctrl-C or SIGTERM.
    pub async fn serve(self) -> std::io::Result<()> {
        use axum::serve::ListenerExt;
        // Pages stream in several writes; without TCP_NODELAY the second write waits for the
        // client's delayed ACK (40 ms on Linux).
        let listener = self.listener.tap_io(|tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::warn!(error = %err, "cannot set TCP_NODELAY");
            }
        });
        axum::serve(
            listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            // Open event streams never end by themselves; end them so shutdown can finish.
            self.bus.close();
        })
        .await
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
