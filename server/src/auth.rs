//! Authentication at the door: sessions, and the layer that turns a request's cookie or bearer
//! token into the `Actor` every rule checks. What a password or token is checked against lives
//! with the accounts (`accounts::credentials`, `accounts::throttle`).

use crate::accounts::{AccountsService, TokenCaller, two_factor::TwoFactorService};
use app::accounts::Via;
use app::accounts::{Actor, Credential};
use app::error::AppError;
use app::session::{SESSION_EPOCH_KEY, SESSION_USER_KEY, session_error};
use app::two_factor::{SETUP_PATH, setup_path, ssr::TwoFactor};
use axum::{
    Json,
    extract::{FromRequestParts, Request, State},
    http::{
        Method, StatusCode,
        header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE},
        request::Parts,
    },
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use leptos::server_fn::{ServerFn, error::FromServerFnError};
use std::sync::{Arc, LazyLock};
use tower_sessions::{
    CachingSessionStore, Expiry, Session, SessionManagerLayer, cookie::SameSite,
    session_store::ExpiredDeletion,
};
use tower_sessions_moka_store::MokaStore;
use tower_sessions_sqlx_store::SqliteStore;

/// The sessions kept in memory in front of the database: enough for every person of a
/// small provider's clients signed in on a few devices each. Beyond it, the least used are
/// read from the database again.
const CACHED_SESSIONS: u64 = 20_000;

/// The session store: SQLite, with the sessions in use cached in memory, so a signed-in
/// request does not read its session from the database. Sessions change only through this
/// store (sign-in, sign-out, ending a deactivated account's session), which updates both.
pub type Sessions = CachingSessionStore<MokaStore, SqliteStore>;

/// Server-side sessions in SQLite: the cookie holds only a random id.
pub async fn session_layer(
    pool: sqlx::SqlitePool,
    secure: bool,
) -> Result<SessionManagerLayer<Sessions>, sqlx::Error> {
    let store = SqliteStore::new(pool);
    store.migrate().await?;
    tokio::spawn(
        store
            .clone()
            .continuously_delete_expired(tokio::time::Duration::from_secs(3600)),
    );
    let store = CachingSessionStore::new(MokaStore::new(Some(CACHED_SESSIONS)), store);
    Ok(SessionManagerLayer::new(store)
        .with_name("deskside_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_expiry(Expiry::OnInactivity(time::Duration::days(14))))
}

/// Resolves the caller from a bearer token or the session and puts the `Actor`, and the
/// `Credential` it came with, in the request's extensions. Deactivated or deleted accounts,
/// and sessions signed in before the password last changed, end their session here. A
/// read-only token's requests other than GET and HEAD are refused here, for every route.
pub async fn resolve_actor(
    State(accounts): State<Arc<AccountsService>>,
    mut request: Request,
    next: Next,
) -> Result<Response, AppError> {
    if request.uri().path().starts_with("/pkg/") {
        return Ok(next.run(request).await);
    }
    let bearer = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string());
    let actor = match bearer {
        Some(value) => {
            let secret = value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
                .ok_or(AppError::Unauthorized)?;
            // A token that does not resolve is an error, never a silent fall-back to the cookie.
            let TokenCaller { actor, via } = accounts
                .actor_for_token(secret.trim())
                .await?
                .ok_or(AppError::Unauthorized)?;
            if let Credential::Token { scope, .. } = &via
                && !scope.allows(request.method().as_str())
            {
                return Err(AppError::Refused {
                    message: "This API token is read-only: it may make GET and HEAD requests \
                              only. Create a read-and-write token to change anything."
                        .into(),
                });
            }
            Some((actor, via))
        }
        None => match request.extensions().get::<Session>().cloned() {
            Some(session) => actor_from_session(&accounts, &session).await?,
            None => None,
        },
    };
    if let Some((actor, via)) = actor {
        request.extensions_mut().insert(actor);
        request.extensions_mut().insert(via);
    }
    Ok(next.run(request).await)
}

async fn actor_from_session(
    accounts: &AccountsService,
    session: &Session,
) -> Result<Option<(Actor, Credential)>, AppError> {
    let user_id: Option<i64> = session.get(SESSION_USER_KEY).await.map_err(session_error)?;
    let (Some(user_id), Some(id)) = (user_id, session.id()) else {
        return Ok(None);
    };
    let epoch: Option<i64> = session
        .get(SESSION_EPOCH_KEY)
        .await
        .map_err(session_error)?;
    match accounts.session_actor(user_id, epoch.unwrap_or(0)).await? {
        Some(actor) => Ok(Some((actor, Credential::Session { id: id.to_string() }))),
        None => {
            app::session::end_session(session).await?;
            Ok(None)
        }
    }
}

/// How the caller of a REST handler signed in; 401 JSON when there is no caller.
pub struct SignedInWith(pub Credential);

impl<S: Send + Sync> FromRequestParts<S> for SignedInWith {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<Credential>()
            .cloned()
            .map(SignedInWith)
            .ok_or(AppError::Unauthorized)
    }
}

/// The signed-in caller of a REST handler; 401 JSON when there is none.
pub struct Caller(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<Actor>()
            .cloned()
            .map(Caller)
            .ok_or(AppError::Unauthorized)
    }
}

/// What a staff member who must set up two-factor sign-in and has not is told by the API.
const SET_UP_FIRST: &str = "Your provider requires two-factor sign-in for its staff. Set it up \
     on your account page (or through /api/v1/me/two-factor) before anything else.";

/// Keeps provider staff who must use two-factor sign-in, and have not set it up, to setting it
/// up: pages send them to the setup page, the API answers 403 (`two_factor_required`), and
/// server functions refuse. Runs after `resolve_actor`, for every route.
pub async fn require_two_factor(
    State(two_factor): State<Arc<TwoFactorService>>,
    request: Request,
    next: Next,
) -> Result<Response, AppError> {
    let blocked = match request.extensions().get::<Actor>() {
        Some(actor) => {
            !allowed_before_setup(request.uri().path()) && two_factor.must_set_up(actor).await?
        }
        None => false,
    };
    if !blocked {
        return Ok(next.run(request).await);
    }
    let path = request.uri().path();
    if path.starts_with("/api/v1/") {
        let body = serde_json::json!({
            "error": { "code": "two_factor_required", "message": SET_UP_FIRST, "fields": {} }
        });
        return Ok((StatusCode::FORBIDDEN, Json(body)).into_response());
    }
    let plain_form_or_page = request
        .headers()
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if path.starts_with("/api/") && !plain_form_or_page {
        // A server function called by the app: its own error encoding.
        let body = AppError::Forbidden.ser();
        return Ok((
            StatusCode::FORBIDDEN,
            [(CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response());
    }
    // A page asked for comes back once it is set up; a form's post is not repeated.
    let to = if request.method() == Method::GET {
        setup_path(
            request
                .uri()
                .path_and_query()
                .map_or(path, |whole| whole.as_str()),
        )
    } else {
        SETUP_PATH.to_string()
    };
    Ok(Redirect::to(&to).into_response())
}

/// What someone who must set up two-factor sign-in may still reach: the setup page and its
/// server functions, who they are, signing in and out, and the static files pages need.
fn allowed_before_setup(path: &str) -> bool {
    static SERVER_FNS: LazyLock<[&'static str; 7]> = LazyLock::new(|| {
        [
            <app::auth::Login as ServerFn>::PATH,
            <app::auth::Logout as ServerFn>::PATH,
            <app::auth::CurrentUser as ServerFn>::PATH,
            <app::two_factor::page::TwoFactorView as ServerFn>::PATH,
            <app::two_factor::page::BeginTwoFactor as ServerFn>::PATH,
            <app::two_factor::page::ConfirmTwoFactor as ServerFn>::PATH,
            <app::two_factor::page::VerifyTwoFactor as ServerFn>::PATH,
        ]
    });
    path == SETUP_PATH
        || path.starts_with("/pkg/")
        || path == "/favicon.svg"
        || path == "/api/v1/me"
        || path == "/api/v1/me/two-factor"
        || path.starts_with("/api/v1/me/two-factor/")
        || path.starts_with("/api/v1/auth/")
        || SERVER_FNS.contains(&path)
}

/// How the caller of a REST handler signed in, for the access log: a token is `Api`, the
/// session of a browser (a file downloaded from the ticket page, say) `Page`.
pub struct SignedInVia(pub Via);

impl<S: Send + Sync> FromRequestParts<S> for SignedInVia {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        Ok(SignedInVia(Via::of(parts.extensions.get::<Credential>())))
    }
}
