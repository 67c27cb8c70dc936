//! Assembling the application: routes and layers over the shared state; binding the port.

use crate::error::StartupError;
use crate::settings::Settings;
use crate::state::AppState;
use crate::{api, auth, client_address, security};
use app::{App, shell};
use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    http::Uri,
    middleware,
    response::{IntoResponse, Response},
};
use leptos::prelude::*;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use std::{
    net::SocketAddr,
    sync::{Arc, LazyLock},
};
use tokio::net::TcpListener;
use tower_http::{compression::CompressionLayer, limit::RequestBodyLimitLayer, trace::TraceLayer};

/// The pages' routes, listed once per process. Listing them runs the whole app with resource
/// loading suspended by a flag every thread shares, and a resource first polled meanwhile — a
/// page another application in this process is rendering — waits forever
/// (leptos-rs/leptos#4773): the tests build many applications in one process, and a page
/// answered 503 after 30 seconds. Listed once, before any router exists, nothing renders while
/// they are listed.
static PAGE_ROUTES: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| generate_route_list(App));

/// The whole application as one router.
pub async fn app(state: AppState, settings: &Settings) -> Result<Router, StartupError> {
    let sessions = auth::session_layer(state.db.pool().clone(), settings.secure_cookies()).await?;
    let (api, _) = api::router(settings.max_upload_mb * 1024 * 1024);
    let backend = state.backend.clone();
    let context = move || provide_context(backend.clone());
    let leptos = state.leptos.clone();
    let routes = PAGE_ROUTES.clone();
    let max_body = settings.max_upload_mb * 1024 * 1024;

    let router = Router::new()
        .merge(api)
        .leptos_routes_with_context(&state, routes, context.clone(), move || {
            security::set_page_policy();
            shell(leptos.clone())
        })
        .fallback(fallback)
        .layer(middleware::from_fn_with_state(
            state.two_factor.clone(),
            auth::require_two_factor,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::resolve_actor,
        ))
        .layer(middleware::from_fn(security::same_origin_writes))
        .layer(middleware::from_fn_with_state(
            client_address::TrustedProxies::from_settings(settings),
            client_address::resolve_client,
        ))
        .layer(sessions)
        .layer(RequestBodyLimitLayer::new(max_body))
        .layer(middleware::from_fn(security::time_limit))
        .layer(middleware::from_fn(security::headers))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state);
    // Outermost, so every answer carries it, the time limit's and the body limit's too.
    let router = if settings.secure_cookies() {
        router.layer(middleware::from_fn(security::strict_transport))
    } else {
        router
    };
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
    db: crate::db::Db,
}

impl Application {
    pub async fn build(settings: &Settings) -> Result<Application, StartupError> {
        let state = AppState::new(settings).await?;
        if settings.demo {
            crate::demo::seed_if_empty(&state.accounts).await?;
        }
        let bus = state.bus.clone();
        let db = state.db.clone();
        let router = app(state, settings).await?;
        let listener = TcpListener::bind(settings.bind).await?;
        Ok(Application {
            listener,
            router,
            bus,
            db,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// The database the application serves from, for tests that look behind the API.
    pub fn db(&self) -> &crate::db::Db {
        &self.db
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
