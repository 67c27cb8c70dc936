//! How server functions reach the backend: the services the server hands in as context, and
//! the caller the server resolved for this request.

use crate::access::ssr::AccessLog;
use crate::accounts::links::ssr::AccountLinks;
use crate::accounts::{Actor, Credential, Via, ssr::Accounts};
use crate::error::AppError;
use crate::home::ssr::HomeBackend;
use crate::mail::inbound::ssr::Inbound;
use crate::mail::preferences::ssr::MailPreferences;
use crate::mail::ssr::Mail;
use crate::reports::ssr::Reports;
use crate::setup::ssr::Setup;
use crate::tickets::canned::ssr::CannedReplies;
use crate::tickets::settings::ssr::OrgSettingsStore;
use crate::tickets::ssr::Tickets;
use crate::two_factor::ssr::TwoFactor;
use crate::wiki::ssr::Wiki;
use leptos::prelude::*;
use std::sync::Arc;

/// Every backend service, as the server provides it: one pointer, so the clone each request
/// takes for its context is one reference count.
#[derive(Clone)]
pub struct Backend(Arc<Services>);

impl Backend {
    pub fn new(services: Services) -> Backend {
        Backend(Arc::new(services))
    }
}

impl std::ops::Deref for Backend {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// The services behind a [`Backend`].
pub struct Services {
    pub accounts: Arc<dyn Accounts>,
    pub tickets: Arc<dyn Tickets>,
    pub settings: Arc<dyn OrgSettingsStore>,
    pub canned: Arc<dyn CannedReplies>,
    pub wiki: Arc<dyn Wiki>,
    pub reports: Arc<dyn Reports>,
    pub two_factor: Arc<dyn TwoFactor>,
    pub access: Arc<dyn AccessLog>,
    pub inbound: Arc<dyn Inbound>,
    pub mail: Arc<dyn Mail>,
    /// Invitations and password resets by mailed link.
    pub links: Arc<dyn AccountLinks>,
    pub mail_preferences: Arc<dyn MailPreferences>,
    /// The admin's setup checklist.
    pub setup: Arc<dyn Setup>,
    /// Each role's home page.
    pub home: Arc<dyn HomeBackend>,
}

/// The backend for this request.
pub fn backend() -> Result<Backend, AppError> {
    use_context::<Backend>().ok_or_else(|| {
        tracing::error!("the backend was not provided as context");
        AppError::Internal
    })
}

/// The signed-in caller, if any, as the server's authentication layer resolved it.
pub fn current_actor() -> Option<Actor> {
    use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Actor>().cloned())
}

/// The signed-in caller, or `Unauthorized`.
pub fn require_actor() -> Result<Actor, AppError> {
    current_actor().ok_or(AppError::Unauthorized)
}

/// How the signed-in caller proved who they are, or `Unauthorized`.
pub fn require_credential() -> Result<Credential, AppError> {
    use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Credential>().cloned())
        .ok_or(AppError::Unauthorized)
}

/// How the caller of this request signed in, as the authentication layer recorded it: with a
/// token (`Api`) or a session (`Page`, also when nothing was recorded).
pub fn via() -> Via {
    use_context::<axum::http::request::Parts>().map_or(Via::Page, |parts| {
        Via::of(parts.extensions.get::<Credential>())
    })
}

/// The address a request came from, as the server resolved it once for every route: the
/// connecting address, or behind a trusted reverse proxy the one it forwarded for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub std::net::IpAddr);

impl ClientIp {
    /// The resolved address of a request; the unspecified address if none was resolved (no
    /// connection behind the request), so such requests share one set of limits.
    pub fn of(parts: &axum::http::request::Parts) -> std::net::IpAddr {
        parts
            .extensions
            .get::<ClientIp>()
            .map_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), |c| {
                c.0
            })
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(ClientIp::of(parts)))
    }
}

/// The address this server function's request came from, for per-address rate limits.
pub fn client_ip() -> std::net::IpAddr {
    use_context::<axum::http::request::Parts>().map_or(
        std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
        |parts| ClientIp::of(&parts),
    )
}

/// The session of this request.
pub fn session() -> Result<tower_sessions::Session, AppError> {
    use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<tower_sessions::Session>().cloned())
        .ok_or_else(|| {
            tracing::error!("no session layer in front of the app");
            AppError::Internal
        })
}

/// A server function's whole body: resolves the signed-in caller (or answers `Unauthorized`)
/// and the backend, runs `body` with both, and gives a failure its proper status.
pub async fn as_caller<T, F, Fut>(body: F) -> Result<T, AppError>
where
    F: FnOnce(Actor, Backend) -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    with_status(
        async move {
            let actor = require_actor()?;
            let backend = backend()?;
            body(actor, backend).await
        }
        .await,
    )
}

/// Gives a server function's failure the status it deserves (422, 404, 429, …) rather than
/// the framework's blanket 500. Plain form posts (which accept HTML) keep the redirect back to
/// their form that carries the error.
pub fn with_status<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(err) = &result
        && !plain_form()
        && let Some(response) = use_context::<leptos_axum::ResponseOptions>()
        && let Ok(status) = axum::http::StatusCode::from_u16(err.status())
    {
        response.set_status(status);
    }
    result
}

/// Whether this server function call is a browser's plain form post (it accepts HTML), which
/// is answered with a redirect back to the form rather than with the result.
pub fn plain_form() -> bool {
    use_context::<axum::http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    })
}
