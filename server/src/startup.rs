//! Assembling the application: routes and layers over the shared state; binding the port.

use crate::error::StartupError;
use crate::settings::Settings;
use crate::state::AppState;
use crate::{api, auth, client_address, security};
use app::{App, shell};
use axum::{
    Router,
    body::Body,
    extract::{ConnectInfo, Request, State},
    http::Uri,
    middleware,
    response::{IntoResponse, Response},
};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use leptos::prelude::*;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use std::{
    net::SocketAddr,
    sync::{Arc, LazyLock},
    time::Duration,
};
use tokio::{net::TcpListener, sync::Semaphore};
use tower::ServiceExt;
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
        .layer(middleware::from_fn_with_state(
            Duration::from_secs(settings.request_timeout_secs.max(1)),
            security::time_limit,
        ))
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
    mail_sender: Option<crate::mail::outbox::Stopping>,
    limits: ConnectionLimits,
}

/// What one client may hold of the server's connections.
#[derive(Debug, Clone, Copy)]
struct ConnectionLimits {
    header_timeout: Duration,
    max_connections: usize,
}

impl Application {
    pub async fn build(settings: &Settings) -> Result<Application, StartupError> {
        let state = AppState::new(settings).await?;
        let mail_sender = state
            .mail_sender
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        let bus = state.bus.clone();
        let db = state.db.clone();
        let router = app(state, settings).await?;
        let listener = TcpListener::bind(settings.bind).await?;
        Ok(Application {
            listener,
            router,
            bus,
            db,
            mail_sender,
            limits: ConnectionLimits {
                header_timeout: Duration::from_secs(settings.header_timeout_secs.max(1)),
                max_connections: settings.max_connections.max(1),
            },
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

    /// Serves until the process receives Ctrl-C or SIGTERM, then finishes the requests and
    /// the mail on their way.
    ///
    /// axum's own `serve` sets no header-read timeout and accepts without limit, so a few
    /// thousand half-sent requests would hold the server's connections forever. This is the
    /// loop it wraps, with those limits: a client must send each request's headers within the
    /// header timeout (hyper starts that clock whenever the connection waits for a request, so
    /// it also ends idle keep-alive connections), and at most `max_connections` are served at
    /// once. Beyond the cap the server stops accepting: new connections wait in the kernel's
    /// backlog rather than being closed, so a burst of real visitors is served late instead of
    /// refused, and the header timeout frees a slot held by a silent client within seconds.
    ///
    /// Only HTTP/1 is spoken: browsers use HTTP/2 only over TLS, which a proxy in front ends,
    /// and cleartext HTTP/2 would need idle limits of its own.
    pub async fn serve(self) -> std::io::Result<()> {
        let Application {
            listener,
            router,
            bus,
            limits,
            mail_sender,
            ..
        } = self;
        let permits = Arc::new(Semaphore::new(limits.max_connections));
        let graceful = GracefulShutdown::new();
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .keep_alive(true);
        let shutdown = shutdown_signal();
        tokio::pin!(shutdown);
        loop {
            let permit = tokio::select! {
                permit = permits.clone().acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => break,
                },
                () = &mut shutdown => break,
            };
            let (tcp, remote) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        accept_failed(err).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            // Pages stream in several writes; without TCP_NODELAY the second write waits for
            // the client's delayed ACK (40 ms on Linux).
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::warn!(error = %err, "cannot set TCP_NODELAY");
            }
            let service = router
                .clone()
                .map_request(move |mut request: Request<Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(remote));
                    request
                });
            let connection = graceful
                .watch(http.serve_connection(TokioIo::new(tcp), TowerToHyperService::new(service)));
            tokio::spawn(async move {
                if let Err(err) = connection.await {
                    tracing::debug!(error = %err, "connection ended with an error");
                }
                drop(permit);
            });
        }
        drop(listener);
        // Open event streams never end by themselves; end them so shutdown can finish.
        bus.close();
        graceful.shutdown().await;
        // Mail on its way is answered and recorded, so a restart sends none of it again.
        if let Some(sender) = mail_sender {
            sender.finish().await;
        }
        Ok(())
    }
}

/// Waits after a failed accept that is not the client's doing (out of file descriptors, say),
/// rather than spinning on it.
async fn accept_failed(err: std::io::Error) {
    use std::io::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset | ErrorKind::ConnectionRefused
    ) {
        return;
    }
    tracing::error!(error = %err, "cannot accept a connection");
    tokio::time::sleep(Duration::from_secs(1)).await;
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
